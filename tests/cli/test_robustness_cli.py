"""Issue 21 at the command line: every failing input of the issue ends in one line naming the file
(exit 1) or a build whose quality.json counts what was skipped (exit 0), never an internal error."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from discourse.cli.app import app

_spec = importlib.util.spec_from_file_location("hostile", Path(__file__).parent.parent / "data" / "hostile.py")
assert _spec and _spec.loader
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)

CASES = hostile.regression_inputs()
runner = CliRunner()


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_failing_input_is_one_line_or_a_counted_build(name: str, tmp_path: Path) -> None:
    fname, data, raised, skipped = CASES[name]
    path = hostile.write(tmp_path, fname, data)
    for mode, want in (("raise", raised), ("skip", skipped)):
        out = tmp_path / f"out-{mode}"
        res = runner.invoke(app, ["build", str(path), "--out", str(out), "-q", "--scorer", "fast", "--runs", "1",
                                  "--cdn", "--on-error", mode])
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        if want is None:
            assert res.exit_code == 1
            lines = res.output.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"Error: {path}"), res.output
            assert not out.exists()
            continue
        if res.exit_code == 1:     # read, but too small a thread to draw a network from: still one line
            assert res.output.count("\n") == 1 and "no usable comments" in res.output, res.output
            continue
        assert res.exit_code == 0, res.output
        quality = json.loads((out / "quality.json").read_text())
        assert quality["balanced"] and quality["totals"]["read"] == want
        bad = quality["totals"]["bad_records"]
        assert bad >= 1 if (mode == "skip" and raised is None) else bad == 0


def test_max_line_bytes_is_a_flag(tmp_path: Path) -> None:
    lines = hostile.pushshift_lines(40)
    lines[7] = json.dumps(hostile.pushshift_comment(7, body="x" * 3000))
    path = hostile.write(tmp_path, "RC.ndjson", ("\n".join(lines) + "\n").encode())
    res = runner.invoke(app, ["build", str(path), "--out", str(tmp_path / "o"), "-q", "--max-line-bytes", "2048"])
    assert res.exit_code == 1 and "RC.ndjson, line 8: a line longer than 2,048 bytes" in res.output
    help_text = runner.invoke(app, ["build", "--help"]).output
    assert "--max-line-bytes" in help_text
