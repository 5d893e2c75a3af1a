"""Pushshift / Arctic Shift NDJSON dumps (plain and .zst)."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from discourse import schema
from discourse.errors import EmptyInput, ParseError
from discourse.io import detect_format, read
from discourse.io import pushshift as ps
from discourse.io._common import head
from discourse.io.registry import ReadOptions

DATA = Path(__file__).parent.parent / "data" / "reddit"
COMMENTS = DATA / "comments.ndjson"
SUBMISSIONS = DATA / "submissions.ndjson"


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def test_comments_exact_table() -> None:
    r = ps.read_pushshift(COMMENTS)
    expected = pl.DataFrame(
        {
            "site": ["reddit"] * 5,
            "thread_id": ["s1", "s1", "s2", "s1", "s2"],
            "comment_id": ["p1", "p2", "p3", "p4", "p5"],
            "parent_id": [None, "p1", None, "p2", "p3"],
            "author": ["alice", None, "bob", "carol", None],
            "text": ["> quoted\n\nTom & Jerry <3", None, None, "&lt;not a tag&gt;", "account gone, words stay"],
            "created_at": [_utc(1700000000), _utc(1700000060), _utc(1700000120), _utc(1700000180), _utc(1700000240)],
            "score": [3, 1, -2, None, None],
            "position": [0, 1, 0, 2, 1],
            "parent_source": ["explicit"] * 5,
            "parent_confidence": [1.0] * 5,
            "subreddit": ["tiny"] * 5,
        },
        schema={**schema.COMMENTS, "subreddit": pl.String()},
    )
    assert_frame_equal(r.comments, expected)
    schema.validate(r.comments, "comments")
    q = r.quality
    s1, s2 = q.threads[("reddit", "s1")], q.threads[("reddit", "s2")]
    assert (s1.read, s1.kept, dict(s1.repaired)) == (3, 3, {"author_deleted": 1, "text_deleted": 1})
    assert (s2.read, s2.kept, dict(s2.repaired)) == (2, 2, {"author_deleted": 1, "text_removed": 1})
    assert (q.files[0].records, q.files[0].bad_records, q.files[0].format) == (5, 0, "pushshift-comments")
    assert r.threads.select("site", "thread_id", "subreddit").rows() == [("reddit", "s1", "tiny"), ("reddit", "s2", "tiny")]


def test_submissions_fill_the_threads_table() -> None:
    r = ps.read_pushshift(SUBMISSIONS)
    assert r.comments.height == 0
    assert r.threads.select("thread_id", "title", "text", "author", "reported_comments").rows() == [
        ("s1", "First & only", "Body > text", "op", 4),
        ("s2", "Second", None, None, 2),
    ]
    assert r.threads["created_at"].to_list() == [_utc(1699990000), _utc(1699990100)]
    assert r.quality.threads[("reddit", "s1")].reported == 4
    both = read([COMMENTS, SUBMISSIONS])
    assert both.threads.select("thread_id", "title", "subreddit").rows() == [("s1", "First & only", "tiny"),
                                                                             ("s2", "Second", "tiny")]
    assert both.quality.threads[("reddit", "s1")].coverage == 3 / 4


def test_zst_reads_the_same(tmp_path: Path) -> None:
    z = tmp_path / "RC_tiny.zst"
    z.write_bytes(zstandard.ZstdCompressor().compress(COMMENTS.read_bytes()))
    assert detect_format(z).name == "pushshift"
    assert_frame_equal(ps.read_pushshift(z).comments, ps.read_pushshift(COMMENTS).comments)


def _lines(n: int) -> list[str]:
    return [json.dumps({"id": f"i{k}", "parent_id": "t3_t", "link_id": "t3_t", "author": f"a{k}",
                        "body": f"body {k}", "created_utc": 1700000000 + k}) for k in range(n)]


@pytest.mark.parametrize("chunk", [1 << 23, 200])
def test_bad_line_raises_with_its_number_or_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       chunk: int) -> None:
    monkeypatch.setattr(ps, "_CHUNK", chunk)  # 200 bytes: the bad line sits in a later chunk
    lines = _lines(30)
    lines[19] = '{"id": "i19", "body": "cut off'
    p = tmp_path / "bad.ndjson"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(ParseError, match=r"bad\.ndjson, line 20: invalid JSON"):
        ps.read_pushshift(p)
    r = ps.read_pushshift(p, ReadOptions(on_error="skip"))
    assert r.comments.height == 29
    assert "i19" not in r.comments["comment_id"].to_list()
    assert r.comments["position"].to_list() == list(range(29))
    assert (r.quality.files[0].records, r.quality.files[0].bad_records) == (30, 1)
    assert r.quality.threads[("reddit", "t")].read == 29


def test_line_without_thread_is_unusable(tmp_path: Path) -> None:
    lines = _lines(4)
    lines.append(json.dumps({"id": "orphan", "body": "no link_id", "parent_id": "t1_i0"}))
    lines.append("[1, 2]")
    p = tmp_path / "odd.ndjson"
    p.write_text("\n".join(lines))
    with pytest.raises(ParseError, match=r"odd\.ndjson, record 5 .*: a comment without 'id' or 'link_id'"):
        ps.read_pushshift(p)
    r = ps.read_pushshift(p, ReadOptions(on_error="skip"))
    assert r.comments["comment_id"].to_list() == ["i0", "i1", "i2", "i3"]
    assert (r.quality.files[0].records, r.quality.files[0].bad_records) == (6, 2)
    p.write_text("\n".join([*lines[:4], lines[5], lines[4]]))
    with pytest.raises(ParseError, match=r"odd\.ndjson, line 5: expected a JSON object"):
        ps.read_pushshift(p)


def test_bom_cp1252_and_empty(tmp_path: Path) -> None:
    bom = tmp_path / "bom.ndjson"
    bom.write_bytes(b"\xef\xbb\xbf" + COMMENTS.read_bytes())
    assert detect_format(bom).name == "pushshift"
    assert_frame_equal(ps.read_pushshift(bom).comments, ps.read_pushshift(COMMENTS).comments)
    cp = tmp_path / "cp.ndjson"
    cp.write_bytes(COMMENTS.read_text().replace("account gone", "caf\u00e9 gone").encode("cp1252"))
    assert "caf\u00e9 gone, words stay" in ps.read_pushshift(cp).comments["text"].to_list()
    empty = tmp_path / "empty.ndjson"
    empty.write_text("\n\n")
    with pytest.raises(EmptyInput):
        ps.read_pushshift(empty)


def test_sniff_claims_dumps_only() -> None:
    for p in (COMMENTS, SUBMISSIONS):
        assert ps.sniff_pushshift(p, head(p)), p
    hn = Path(__file__).parent.parent / "data" / "hn"
    for p in (hn / "items.ndjson", DATA / "thread.json", Path(__file__).parent.parent / "data" / "convokit" / "tiny" / "utterances.jsonl"):
        if p.exists():
            assert not ps.sniff_pushshift(p, head(p)), p


def test_parse_lines_in_memory() -> None:
    r = ps.parse_pushshift_lines(COMMENTS.read_text().splitlines())
    assert_frame_equal(r.comments, ps.read_pushshift(COMMENTS).comments)


# -- property: random trees written as a dump, in any line order ---------------------------------
@st.composite
def dumps(draw: st.DrawFn) -> tuple[list[int | None], list[int]]:
    n = draw(st.integers(min_value=1, max_value=60))
    parents = [None if i == 0 else draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(n)]
    order = draw(st.permutations(list(range(n))))
    return parents, order


@settings(max_examples=60, deadline=None)
@given(dumps())
def test_random_trees_round_trip(case: tuple[list[int | None], list[int]]) -> None:
    parents, order = case
    lines = [json.dumps({"id": f"k{i}", "parent_id": f"t1_k{parents[i]}" if parents[i] is not None else "t3_z",
                         "link_id": "t3_z", "author": "[deleted]" if i % 5 == 0 else f"u{i % 4}",
                         "body": f"&gt; {i}", "created_utc": 1600000000 + i}) for i in order]
    r = ps.parse_pushshift_lines(lines)
    assert dict(zip(r.comments["comment_id"], r.comments["parent_id"])) == {
        f"k{i}": (f"k{p}" if p is not None else None) for i, p in enumerate(parents)}
    assert r.comments["comment_id"].to_list() == [f"k{i}" for i in order]
    assert r.quality.threads[("reddit", "z")].repaired["author_deleted"] == sum(1 for i in order if i % 5 == 0)


# -- the synthetic generator's dump, checked against its raw lines and its truth file ------------
def test_generated_dump_matches_raw_and_truth(shared_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "gen"
    subprocess.run([sys.executable, str(shared_dir / "bench" / "gen_threads.py"), "--comments", "3000",
                    "--threads", "20", "--seed", "7", "--format", "reddit", "--out", str(out)],
                   check=True, capture_output=True)
    path = out / "reddit_comments.ndjson"
    raw = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    r = read(path)
    c = r.comments
    assert c.height == len(raw)
    assert c["parent_id"].is_not_null().sum() == sum(1 for x in raw if x["parent_id"].startswith("t1_"))
    assert c["author"].drop_nulls().n_unique() == len({x["author"] for x in raw if x["author"] != "[deleted]"})
    totals = r.quality.totals()
    assert totals["repaired"].get("author_deleted", 0) == sum(1 for x in raw if x["author"] == "[deleted]")
    assert totals["repaired"].get("text_removed", 0) == sum(1 for x in raw if x["body"] == "[removed]")
    assert totals["threads"] == len({x["link_id"] for x in raw})

    def unescape(s: str) -> str:
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    want = [None if x["body"] in ("[deleted]", "[removed]") else unescape(x["body"]) for x in raw]
    assert c["text"].to_list() == want
    with open(out / "truth" / "edges_truth.csv", newline="", encoding="utf-8") as fh:
        truth = {row["comment_id"]: row["parent_comment_id"] for row in csv.DictReader(fh)}
    got = {k: v for k, v in zip(c["comment_id"], c["parent_id"]) if v is not None}
    assert got == truth
    # a shuffled copy of the dump gives the same parents
    lines = path.read_text(encoding="utf-8").splitlines()
    random.Random(3).shuffle(lines)
    shuffled = ps.parse_pushshift_lines(lines).comments
    assert dict(zip(shuffled["comment_id"], shuffled["parent_id"])) == dict(zip(c["comment_id"], c["parent_id"]))


def test_broken_first_line_is_skipped_not_misread(tmp_path: Path) -> None:
    p = tmp_path / "first_bad.ndjson"
    p.write_text('{"id": "i0", "body": \n' + "\n".join(_lines(3)[1:]) + "\n")
    with pytest.raises(ParseError, match=r"first_bad\.ndjson, line 1: invalid JSON"):
        ps.read_pushshift(p)
    r = ps.read_pushshift(p, ReadOptions(on_error="skip"))
    assert r.comments["comment_id"].to_list() == ["i1", "i2"]
    assert r.quality.files[0].bad_records == 1
