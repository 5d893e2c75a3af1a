"""The command line through typer's runner: help everywhere, the bundle, errors as one line."""

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from discourse.cli.app import app
from discourse.pipeline import BUNDLE_FILES

runner = CliRunner()


def _commands(group, prefix=()):
    for name, cmd in getattr(group, "commands", {}).items():
        yield (*prefix, name)
        yield from _commands(cmd, (*prefix, name))


def test_every_command_has_help():
    import typer.main

    root = typer.main.get_command(app)
    names = list(_commands(root))
    assert {("build",), ("compare",), ("formats",), ("stance",)} <= set(names)
    for path in names:
        res = runner.invoke(app, [*path, "--help"])
        assert res.exit_code == 0, (path, res.output)
        assert "Usage" in res.output


def test_build_writes_the_whole_bundle(tmp_path, sample_data):
    out = tmp_path / "bundle"
    res = runner.invoke(app, ["build", str(sample_data / "main_street.csv"), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    assert res.output == ""  # --quiet: silent
    for name in BUNDLE_FILES:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    quality = json.loads((out / "quality.json").read_text())
    assert quality["totals"]["read"] == 64 and quality["balanced"] is True
    assert not list(out.glob("*.part")) and not list(out.glob(".*"))


def test_build_reports_progress_and_summary_when_not_quiet(tmp_path, sample_data):
    res = runner.invoke(app, ["build", str(sample_data / "library_hours.jsonl"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "27 comments read" in res.output


def _file(name, data):
    def make(d):
        path = d / name
        path.write_bytes(data)
        return path
    return make


@pytest.mark.parametrize("make, expect", [
    (lambda d: d / "missing.csv", "missing.csv: no such file"),
    (_file("empty.json", b""), "empty.json: the file is empty"),
    (_file("x.bin", b"\x00\x01\x02 binary"), "x.bin: cannot tell what kind"),
    (_file("t.json", b'[{"kind": "Listing", "data": {"children": ['), "t.json, line 1, column 44: the JSON ends early"),
    (_file("bad.xml", b"<disqus><post>unclosed</disqus>"), "bad.xml, line 1, column"),
])
def test_bad_inputs_give_one_line_errors(tmp_path, make, expect):
    path = make(tmp_path)
    res = runner.invoke(app, ["build", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    assert res.exit_code == 1
    assert expect in res.output
    assert "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) <= 3  # one message (wrapped at most)
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_absent_mapped_column_names_the_column(tmp_path, sample_data):
    res = runner.invoke(app, ["build", str(sample_data / "main_street.csv"), "--out", str(tmp_path / "o"),
                              "--author-col", "writer", "--quiet"])
    assert res.exit_code == 1
    assert "'writer'" in res.output and "comment_id" in res.output


def test_bad_option_value_is_a_usage_error(tmp_path, sample_data):
    res = runner.invoke(app, ["build", str(sample_data / "main_street.csv"), "--out", str(tmp_path / "o"),
                              "--on-error", "maybe"])
    assert res.exit_code != 0 and "maybe" in res.output


def test_formats_lists_every_site():
    res = runner.invoke(app, ["formats"])
    assert res.exit_code == 0
    for name in ("table", "reddit", "flatpage"):
        assert name in res.output


def test_console_script_entry_point_exists():
    import importlib.metadata as md

    eps = {ep.name: ep.value for ep in md.entry_points(group="console_scripts")}
    assert eps.get("discourse") == "discourse.cli.app:main"
    assert Path(__file__).exists()


def test_convert_writes_a_convokit_corpus(tmp_path, sample_data):
    out = tmp_path / "corpus"
    res = runner.invoke(app, ["convert", str(sample_data / "main_street.csv"), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    lines = (out / "utterances.jsonl").read_text().splitlines()
    assert len(lines) == 64 + 1  # every comment plus the thread's root utterance
    from discourse.io import read

    back = read(out)
    assert back.comments.height == 64
    metas = [json.loads(x)["meta"] for x in lines]
    assert {m.get("label") for m in metas if m["discourse_role"] == "comment"} <= {"agree", "neutral", "disagree", "hostile"}
    assert all(m.get("scorer") for m in metas if m["discourse_role"] == "comment")
    plain = tmp_path / "plain"
    res = runner.invoke(app, ["convert", str(sample_data / "ferry_page.txt"), "--out", str(plain), "--to", "parquet",
                              "--no-stance", "--quiet"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in plain.iterdir()) == ["comments.parquet", "quality.json", "threads.parquet"]


def test_site_and_thread_overrides_rename_the_quality_report_too(tmp_path, sample_data):
    from discourse.io import ReadOptions, read

    r = read(sample_data / "library_hours.jsonl", options=ReadOptions(site="townforum", thread_id="lib"))
    assert set(r.comments["site"]) == {"townforum"} and set(r.comments["thread_id"]) == {"lib"}
    assert list(r.quality.threads) == [("townforum", "lib")]


@pytest.mark.browser
def test_build_writes_a_static_image_and_caps_edges(tmp_path, sample_data):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed")
    out = tmp_path / "b"
    res = runner.invoke(app, ["build", str(sample_data / "main_street.csv"), "--out", str(out), "--quiet",
                              "--image", "png", "--max-edges", "5"])
    assert res.exit_code == 0, res.output
    assert (out / "network.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from discourse.viz._html import page_blocks

    assert "Showing the 5 strongest of" in page_blocks((out / "network.html").read_text())["plot-network"]


def test_stream_engine_writes_the_same_network(tmp_path, sample_data):
    import polars as pl

    mem, st = tmp_path / "mem", tmp_path / "stream"
    for out, extra in ((mem, ["--scorer", "fast"]), (st, ["--engine", "stream", "--chunk-rows", "1000"])):
        res = runner.invoke(app, ["build", str(sample_data / "main_street.csv"), "--out", str(out), "--quiet", *extra])
        assert res.exit_code == 0, res.output
    assert not (st / "comments.parquet").exists()  # the scaled engines keep the network, not the comments
    a = pl.read_parquet(mem / "edges.parquet").sort("source", "target")
    b = pl.read_parquet(st / "edges.parquet").sort("source", "target")
    assert a.equals(b)
    assert pl.read_parquet(mem / "nodes.parquet").equals(pl.read_parquet(st / "nodes.parquet"))


def test_unknown_engine_is_a_usage_error(tmp_path, sample_data):
    res = runner.invoke(app, ["build", str(sample_data / "main_street.csv"), "--out", str(tmp_path / "o"),
                              "--engine", "spark"])
    assert res.exit_code != 0 and "spark" in res.output


def test_the_summary_counts_factions_apart_from_singletons(tmp_path: Path) -> None:
    from discourse.pipeline import build as run_build

    path = Path(__file__).resolve().parents[2] / "sample_data" / "main_street.csv"
    result = CliRunner().invoke(app, ["build", str(path), "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    nodes = run_build(path).nodes
    sizes = nodes["community"].value_counts()["count"]
    alone = nodes.filter(pl.col("community").is_in(nodes["community"].value_counts().filter(pl.col("count") == 1)
                                                    ["community"].implode()))
    k, singles = int((sizes >= 2).sum()), int((~alone["anonymous"]).sum())
    anonymous = int(alone["anonymous"].sum())
    assert anonymous > 0  # the sample's anonymous commenters answer once each, into no faction
    def count(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    extra = [count(singles, "singleton")] if singles else []
    extra += [f"{anonymous} anonymous alone"] if anonymous else []
    expected = count(k, "faction") + (f" (+ {', '.join(extra)})" if extra else "") + "."
    assert expected in result.output
    assert "(+ 1 singletons)" not in result.output


def test_the_summary_counts_anonymous_commenters_apart() -> None:
    from discourse.cli.app import _summary

    nodes = pl.DataFrame({"author": ["a", "b", "anonymous#t/1", "c", "anonymous#t/2", "anonymous#t/3",
                                     "anonymous#t/4", "anonymous#t/5"],
                          "community": [0, 0, 0, 1, 2, 3, 4, 4], "anonymous": [False, False, True, False, True, True,
                                                                            True, True]})
    line = _summary({"read": 9, "kept": 8}, nodes, 8, 6)
    # anonymous commenters alone in a community, or answering only each other, are not factions
    assert line == ("9 comments read, 8 kept; 8 authors (5 anonymous), 6 edges, 1 faction "
                    "(+ 1 singleton, 1 of anonymous commenters only, 2 anonymous alone).")
    named = _summary({"read": 2, "kept": 2}, nodes.filter(~pl.col("anonymous")).drop("anonymous"), 3, 1)
    assert named == "2 comments read, 2 kept; 3 authors, 1 edge, 1 faction (+ 1 singleton)."
