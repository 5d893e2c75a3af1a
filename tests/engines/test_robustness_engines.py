"""Issue 21 through whole builds: a truncated .zst dump and an over-long line are an error naming the
file and the byte or line, or (--on-error skip) counted in quality.json, the same in both engines."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import discourse
from discourse.errors import ParseError

_spec = importlib.util.spec_from_file_location("hostile", Path(__file__).parent.parent / "data" / "hostile.py")
assert _spec and _spec.loader
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

ENGINES = ["memory", "stream"]


def _dump(n: int) -> list[str]:
    """``n`` comments over 40 threads, replying in chains, by 9 authors: a network to build."""
    return [json.dumps(hostile.pushshift_comment(i, thread=f"s{i % 40}", author=f"u{i % 9}",
                                                 parent_id=f"t1_c{i - 40}" if i >= 40 else f"t3_s{i % 40}"))
            for i in range(n)]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_truncated_dump_fails_naming_the_byte_in_every_engine(engine: str, tmp_path: Path) -> None:
    data, cuts = hostile.zstd_with_blocks(_dump(4_000), 400)
    cut, kept = cuts[4]
    path = hostile.write(tmp_path, "RC_cut.zst", data[:cut])
    with pytest.raises(ParseError, match=rf"RC_cut\.zst, byte {cut}: the file ends inside the Zstandard frame"):
        discourse.build(path, engine=engine, scorer="fast", chunk_rows=300)
    result = discourse.build(path, engine=engine, scorer="fast", chunk_rows=300, on_error="skip")
    q = result.quality.to_dict()
    assert q["totals"]["read"] == kept == 2_000
    assert q["totals"]["bad_records"] == 1
    (fq,) = q["files"]
    assert fq["records"] == kept + 1 and any(n.startswith(f"truncated at byte {cut}") for n in fq["notes"])


@pytest.mark.parametrize("engine", ENGINES)
def test_an_over_long_line_is_named_or_counted_in_every_engine(engine: str, tmp_path: Path) -> None:
    lines = _dump(400)
    lines[123] = json.dumps(hostile.pushshift_comment(123, thread="s3", body="z" * 6000))
    data, _ = hostile.zstd_with_blocks(lines, 100)
    path = hostile.write(tmp_path, "RC_long.zst", data)
    with pytest.raises(ParseError, match=r"RC_long\.zst, line 124: a line longer than 4,096 bytes"):
        discourse.build(path, engine=engine, scorer="fast", chunk_rows=50, max_line_bytes=4096)
    result = discourse.build(path, engine=engine, scorer="fast", chunk_rows=50, max_line_bytes=4096, on_error="skip")
    totals = result.quality.totals()
    assert (totals["read"], totals["bad_records"]) == (399, 1)


def test_both_engines_count_a_truncated_dump_alike(tmp_path: Path) -> None:
    data, cuts = hostile.zstd_with_blocks(_dump(3_000), 250)
    path = hostile.write(tmp_path, "RC_cut.zst", data[:cuts[6][0]])
    built = {e: discourse.build(path, engine=e, scorer="fast", chunk_rows=400, on_error="skip") for e in ENGINES}
    assert built["memory"].quality.totals() == built["stream"].quality.totals()
    assert built["memory"].edges.select("source", "target", "n_replies").sort("source", "target").equals(
        built["stream"].edges.select("source", "target", "n_replies").sort("source", "target"))
