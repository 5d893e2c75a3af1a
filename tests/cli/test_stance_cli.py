"""`discourse stance` commands through typer's CliRunner, on a tiny app that mounts the sub-app."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from discourse import schema
from discourse.cli import stance as stance_cli

DATA = Path(__file__).parent.parent / "data" / "stance"
runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer(pretty_exceptions_show_locals=False)

    @root.callback()
    def _root() -> None:
        """test root"""

    root.add_typer(stance_cli.app, name="stance")
    return root


def test_every_command_has_help(app: typer.Typer) -> None:
    for cmd in ("score", "eval", "scorers"):
        result = runner.invoke(app, ["stance", cmd, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output and len(result.output.splitlines()) > 5


def test_score_writes_the_replies_columns_atomically(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "scored.parquet"
    result = runner.invoke(app, ["stance", "score", str(DATA / "pairs.csv"), "--out", str(out),
                                 "--text-col", "reply", "--parent-col", "parent"])
    assert result.exit_code == 0, result.output
    df = pl.read_parquet(out)
    assert df.columns == ["pair_id", "parent_text", "text", *schema.STANCE_COLUMNS]
    assert df["pair_id"].to_list() == ["1", "2", "3", "4"]
    assert df["label"].to_list() == ["agree", "hostile", "neutral", "neutral"]
    assert df["weight"][2] == 0.0                                    # the empty reply
    assert [p.name for p in tmp_path.iterdir()] == ["scored.parquet"]  # no temporary file left


def test_score_to_csv_with_another_scorer(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["stance", "score", str(DATA / "pairs.csv"), "-o", str(out), "--scorer", "vader",
                                 "--text-col", "reply", "--parent-col", "parent", "--quiet"])
    assert result.exit_code == 0, result.output
    df = pl.read_csv(out)
    assert df["scorer"].unique().to_list() == ["vader/1"]
    assert df.height == 4


def test_missing_column_is_one_line_naming_the_option(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["stance", "score", str(DATA / "pairs.csv"), "--out", str(tmp_path / "x.parquet")])
    assert result.exit_code == 1
    assert "the text column 'text' is not in the file" in result.output
    assert "--text-col" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.parquet").exists()


def test_unknown_scorer_and_missing_file_are_errors(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["stance", "score", str(DATA / "pairs.csv"), "--out", str(tmp_path / "x.parquet"),
                                 "--text-col", "reply", "--parent-col", "parent", "--scorer", "nope"])
    assert result.exit_code == 1 and "unknown stance scorer 'nope'" in result.output
    result = runner.invoke(app, ["stance", "eval", str(tmp_path / "absent.csv")])
    assert result.exit_code == 1 and "no such file" in result.output


def test_eval_on_a_generic_labeled_csv(app: typer.Typer) -> None:
    result = runner.invoke(app, ["stance", "eval", str(DATA / "generic_labeled.csv"), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # gold: agree, disagree, hostile, neutral -> four classes, four rows
    assert report["labels"] == ["agree", "neutral", "disagree", "hostile"] and report["n"] == 4
    assert sum(map(sum, report["confusion"])) == 4
    assert report["offensive"]["n"] == 4 and report["offensive"]["positives"] == 1


def test_eval_text_report_on_toxichat_layout(app: typer.Typer) -> None:
    result = runner.invoke(app, ["stance", "eval", str(DATA / "toxichat_tiny.jsonl"), "--scorer", "vader"])
    assert result.exit_code == 0, result.output
    assert "scorer vader/1: 3 labeled replies" in result.output
    assert "confusion (rows gold, columns predicted)" in result.output
    assert "offensive:" in result.output


def test_bad_layout_is_rejected(app: typer.Typer) -> None:
    result = runner.invoke(app, ["stance", "eval", str(DATA / "pairs.csv"), "--layout", "weird"])
    assert result.exit_code != 0 and "weird" in result.output


def test_scorers_lists_the_registry(app: typer.Typer) -> None:
    result = runner.invoke(app, ["stance", "scorers"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert {"default", "cues", "vader", "embed", "embed-mpnet"} <= set(names)
    # the name/version column lines up whatever the longest name
    lines = result.output.splitlines()
    assert len({line.index(" " + line.split()[1] + " ") for line in lines}) == 1
