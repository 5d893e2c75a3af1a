"""The options model: one name per option across CLI, API and metrics.json; every option reaches the
CLI, metrics.json, every engine and compare (a test here fails when a new option misses one)."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import discourse
from discourse.cli.app import app
from discourse.comparison import COMPARE_DEFAULTS
from discourse.io.flatpage import PageLayout
from discourse.options import (
    BuildOptions,
    CompareOptions,
    OptionError,
    ReadOptions,
    option_specs,
)
from discourse.options import OptionGroup as Group

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
BUILD_GROUPS = ("read", "infer", "stance", "network", "analysis", "render", "engine")


def _command(name: str) -> Any:
    group: Any = typer.main.get_command(app)
    return group.commands[name]


def _cli_defaults(name: str) -> dict[str, object]:
    return {p.name: p.default for p in _command(name).params if p.name}


@pytest.mark.parametrize(("command", "groups", "base"), [
    ("build", BUILD_GROUPS, BuildOptions()),
    ("compare", BUILD_GROUPS, COMPARE_DEFAULTS),
    ("convert", ("read", "infer", "stance"), BuildOptions()),
])
def test_every_option_is_a_flag_with_the_models_default(command: str, groups: tuple[str, ...], base: BuildOptions) -> None:
    defaults = _cli_defaults(command)
    expected = {**base.flat(), **(CompareOptions().to_dict() if command == "compare" else {})}
    for spec in option_specs(*groups, compare=command == "compare"):
        assert spec.name in defaults, f"option {spec.name!r} has no flag on `discourse {command}`"
        flag = next(p for p in _command(command).params if p.name == spec.name)
        assert f"--{spec.name.replace('_', '-')}" in flag.opts
        want = expected[spec.name]
        assert defaults[spec.name] == (None if want == {} else want), spec.name


def test_flat_names_are_unique_and_match_between_groups_and_flat() -> None:
    names = [s.name for s in option_specs(compare=True)]
    assert len(names) == len(set(names))
    assert set(BuildOptions().flat()) | set(CompareOptions().to_dict()) == set(names)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"method": "kmeans"}, r"'method'.*one of 'leiden-cpm'.*got 'kmeans'"),
    ({"engine": "spark"}, r"'engine'.*'memory', 'stream', 'dask'"),
    ({"runs": 0}, r"'runs'.*at least 1"),
    ({"min_confidence": 1.5}, r"'min_confidence'.*at most 1"),
    ({"self_replies": "sometimes"}, r"'self_replies'"),
    ({"webgl": "yes"}, r"'webgl'.*true or false"),
    ({"image": "gif"}, r"'image'.*'png', 'svg'"),
    ({"text_column": "body"}, r"no such option; did you mean 'text_col'"),
    ({"seed": 1.5}, r"'seed'.*whole number"),
])
def test_bad_values_are_one_clear_error(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(OptionError, match=match):
        BuildOptions.from_flat(**kwargs)


def test_round_trips_through_dict_and_flat() -> None:
    o = BuildOptions.from_flat(text_col="body", runs=3, resolution=0.2, engine="stream", page_layout={"anonymous_gap": 3})
    assert BuildOptions.from_dict(json.loads(json.dumps(o.to_dict()))) == o
    assert BuildOptions.from_flat(**o.flat()) == o
    assert o.read.columns == {"text": "body"}
    assert ReadOptions(id_col="k", text_col="t").columns == {"id": "k", "text": "t"}


def test_cli_and_api_make_the_same_options(tmp_path: Path) -> None:
    args = ["--runs", "2", "--resolution", "0.3", "--null-models", "1", "--scorer", "vader", "--title", "T",
            "--no-root-edges", "--method", "leiden", "--seed", "4"]
    res = CliRunner().invoke(app, ["build", str(SAMPLE / "main_street.csv"), "--out", str(tmp_path), "-q", *args])
    assert res.exit_code == 0, res.output
    recorded = json.loads((tmp_path / "metrics.json").read_text())["reproducibility"]["options"]
    api = BuildOptions.from_flat(runs=2, resolution=0.3, null_models=1, scorer="vader", title="T", root_edges=False,
                                 method="leiden", seed=4)
    assert BuildOptions.from_dict(recorded) == api


def test_a_bad_flag_value_is_one_line(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["build", str(SAMPLE / "main_street.csv"), "--out", str(tmp_path), "--method", "x"])
    assert res.exit_code == 1
    assert res.output.strip().count("\n") == 0 and "option 'method'" in res.output


def test_every_option_reaches_metrics_json() -> None:
    options = BuildOptions.from_flat(runs=2, max_edges=500, title="x", size_by="degree", seed=1)
    result = discourse.build(SAMPLE / "main_street.csv", options)
    recorded = result.metrics["reproducibility"]["options"]
    flat_recorded = {"seed": recorded["seed"]}
    for g in BUILD_GROUPS:
        flat_recorded.update(recorded[g])
    assert flat_recorded == options.flat()


# -- every option is read: by each engine, and by compare ----------------------------------------

@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[tuple[str, str]]]:
    """(group class, option) of every option read while the test runs by code that uses it: reads by
    the options model itself (flattening for metrics.json, copying, comparing) do not count."""
    import discourse.options as model

    seen: set[tuple[str, str]] = set()
    fields = {cls: {f.name for f in dataclasses.fields(cls)} for cls in Group.__subclasses__()}
    original = Group.__getattribute__
    bookkeeping = {"to_dict", "flat", "replace", "from_dict", "split", "__post_init__"}

    def recording(self: Group, name: str) -> object:
        caller = sys._getframe(1).f_code
        ours = caller.co_filename == model.__file__ and caller.co_name in bookkeeping
        generated = caller.co_filename == "<string>"        # dataclasses' __eq__, __repr__, __hash__
        if name in fields.get(type(self), ()) and not ours and not generated:
            seen.add((type(self).__name__, name))
        return original(self, name)

    monkeypatch.setattr(Group, "__getattribute__", recording)
    yield seen


def _fields(*classes: type) -> set[tuple[str, str]]:
    return {(cls.__name__, f.name) for cls in classes for f in dataclasses.fields(cls)}


def _inputs(tmp_path: Path) -> list[list[Path]]:
    """Inputs that exercise every read option: a generic table (column mapping, site column) and a
    flat page (layout rules), each read with the options that apply."""
    rows = [("1", None, "ann", "Bike lanes are good."), ("2", "1", "bob", "You are wrong about that."),
            ("3", "2", "ann", "I disagree with you."), ("4", "3", "cy", "Agreed, well said.")]
    table = tmp_path / "t.jsonl"
    table.write_text("".join(json.dumps({"key": k, "reply_of": p, "who": a, "msg": m, "at": f"2024-01-01T10:0{k}:00Z",
                                         "topic": "t1", "pts": 1, "src": "forum", "headline": "Lanes"}) + "\n"
                             for k, p, a, m in rows), encoding="utf-8")
    return [[table], [SAMPLE / "ferry_page.txt"]]


LAYOUT = {"anonymous_gap": PageLayout().anonymous_gap}   # a rule that changes nothing on this page
_READ_ALL = dict(id_col="key", parent_col="reply_of", author_col="who", text_col="msg", time_col="at",
                 thread_col="topic", score_col="pts", site_col="src", title_col="headline", on_error="skip",
                 site="s", format="table")


def _build_each(tmp_path: Path, **engine: object) -> None:
    generic, page = _inputs(tmp_path)
    discourse.build(generic, **_READ_ALL, **engine)  # type: ignore[arg-type]
    discourse.build(page, page_layout=LAYOUT, thread_id="p", infer_replies=True,
                    refine_mentions=True, **engine)  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ["memory", "stream", pytest.param("dask", marks=pytest.mark.slow)])
def test_every_engine_reads_every_option_it_is_given(engine: str, tmp_path: Path, reads: set[tuple[str, str]]) -> None:
    """In this process: the memory and stream engines read every stage option; dask reads its own
    placement options here and ships the rest to its workers (whose reads this process cannot see:
    tests/engines/test_partitioned.py checks that its edges follow non-default options)."""
    from discourse.options import AnalysisOptions, InferOptions, NetworkOptions, StanceOptions

    if engine == "dask":
        pytest.importorskip("dask.distributed")
    _build_each(tmp_path, engine=engine, workers=1)
    stages = _fields(ReadOptions, InferOptions, StanceOptions, NetworkOptions)
    expected = _fields(AnalysisOptions) | {("EngineOptions", "name")} | {
        "memory": stages,
        "stream": stages | {("EngineOptions", "chunk_rows")},
        "dask": {("EngineOptions", f) for f in ("workers", "partitions", "scheduler")},
    }[engine]
    missing = expected - reads
    assert not missing, f"the {engine} engine never reads {sorted(missing)}"


def test_compare_reads_every_build_option(tmp_path: Path, reads: set[tuple[str, str]]) -> None:
    from discourse.options import (
        AnalysisOptions,
        InferOptions,
        NetworkOptions,
        RenderOptions,
        StanceOptions,
    )

    generic, page = _inputs(tmp_path)
    discourse.compare(generic, **_READ_ALL, bootstrap=2, null_models=1, min_comments=1).write(tmp_path / "a")
    discourse.compare(page, page_layout=LAYOUT, thread_id="p", infer_replies=True,
                      refine_mentions=True, bootstrap=0, null_models=0, min_comments=1, first_n=20).write(tmp_path / "b")
    expected = _fields(ReadOptions, InferOptions, StanceOptions, NetworkOptions, AnalysisOptions, RenderOptions,
                       CompareOptions) | {("EngineOptions", "name")}
    missing = expected - reads
    assert not missing, f"compare never reads {sorted(missing)}"
    # engine placement options apply to builds only: compare refuses anything but memory
    with pytest.raises(OptionError, match="engine"):
        discourse.compare(generic, engine="stream")


def test_compare_honours_the_faction_options_as_build_does() -> None:
    for res in (0.0, 0.3):
        built = discourse.build(SAMPLE / "main_street.csv", resolution=res, runs=2)
        compared = discourse.compare([SAMPLE / "main_street.csv"], resolution=res, runs=2, bootstrap=0, null_models=0)
        assert compared.table["n_factions"].to_list() == [built.metrics["sizes"]["factions"]]


def test_compare_scores_with_the_named_scorer_and_works_twice() -> None:
    first = discourse.compare([SAMPLE / "main_street.csv"], scorer="vader", bootstrap=0, null_models=0)
    again = discourse.compare([SAMPLE / "main_street.csv"], options=BuildOptions(), scorer="vader", bootstrap=0)
    assert all(v.replies["scorer"][0].startswith("vader/") for v in (*first.threads, *again.threads))
    assert callable(discourse.compare)


def test_compare_reads_overlapping_inputs_as_build_does(tmp_path: Path) -> None:
    """A thread given twice is one thread (build de-duplicates; compare used to crash)."""
    path = SAMPLE / "main_street.csv"
    c = discourse.compare([path, path], bootstrap=0, null_models=0)
    assert c.table.height == 1
    assert c.table["n_comments"][0] == discourse.build(path).replies.height  # type: ignore[union-attr]
