"""Readers for the labeled reply sets added for the neural pair scorer (issue 16): DEBAGREEMENT, WikiTactics,
ConvAbuse, DiaSafety and RumourEval. Each is checked on a few records written here in its native layout,
then, where ../shared is present, on the real dev file (counts from corpora/SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from discourse.cli import stance as stance_cli
from discourse.errors import ParseError
from discourse.stance._data import read_labeled, sniff_layout


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_debagreement_reads_body_columns_and_maps_0_1_2(tmp_path: Path) -> None:
    path = tmp_path / "deb.csv"
    path.write_text('Unnamed: 0,label,body_parent,body_child,subreddit\n'
                    '0,0,"Brexit is good.","No, it is not.",Brexit\n'
                    '1,1,"Vote!","When is it?",Brexit\n'
                    '2,2,"Climate matters.","Absolutely, well said.",climate\n', encoding="utf-8")
    assert sniff_layout(path) == "debagreement"
    df = read_labeled(path)
    assert df["label"].to_list() == ["disagree", "neutral", "agree"]
    assert df["text"].to_list() == ["No, it is not.", "When is it?", "Absolutely, well said."]
    assert df["parent_text"][0] == "Brexit is good."
    assert df["offensive"].null_count() == 3


def test_wikitactics_dh0_dh1_are_hostile_whatever_label4(tmp_path: Path) -> None:
    rows = [
        {"parent": "a", "reply": "You are an idiot.", "rebuttal_labels": ["DH0: Name calling"], "label4": "hostile"},
        {"parent": "b", "reply": "You clearly never read it.",
         "rebuttal_labels": ["DH5: Counterargument", "DH1: Ad hominem/ad argument"], "label4": "disagree"},
        {"parent": "c", "reply": "The source says otherwise.", "rebuttal_labels": ["DH6: Refutation"],
         "label4": "disagree"},
        {"parent": "d", "reply": "Fair point, I concede.", "rebuttal_labels": [], "label4": "agree"},
    ]
    path = _jsonl(tmp_path / "wt.jsonl", [{"conv_id": "1", **r} for r in rows])
    assert sniff_layout(path) == "wikitactics"
    df = read_labeled(path)
    assert df["label"].to_list() == ["hostile", "hostile", "disagree", "agree"]
    assert df["target_person"].to_list() == [True, True, None, None]


def test_wikitactics_unknown_label4_names_the_record(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "wt.jsonl", [{"parent": "a", "reply": "b", "rebuttal_labels": [], "label4": "angry"}])
    with pytest.raises(ParseError, match=r"record 1.*label4"):
        read_labeled(path, "wikitactics")


def test_convabuse_offensive_from_mean_and_hostile_only_when_aimed_at_the_addressee(tmp_path: Path) -> None:
    base = {"bot": "E.L.I.Z.A.", "parent": "How are you?", "target_individual_votes": 0}
    rows = [
        {**base, "reply": "fine", "mean_is_abuse": 1.0, "target_system_votes": 0, "target_generalised_votes": 0},
        {**base, "reply": "you are stupid", "mean_is_abuse": -1.0, "target_system_votes": 3,
         "target_generalised_votes": 0},
        {**base, "reply": "women are dumb", "mean_is_abuse": -2.0, "target_system_votes": 0,
         "target_generalised_votes": 3},
        {**base, "reply": "meh", "mean_is_abuse": 0.0, "target_system_votes": 1, "target_generalised_votes": 0},
    ]
    path = _jsonl(tmp_path / "ca.jsonl", rows)
    assert sniff_layout(path) == "convabuse"
    df = read_labeled(path)
    assert df["offensive"].to_list() == [False, True, True, False]
    assert df["label"].to_list() == [None, "hostile", None, None]


def test_diasafety_categories_map_to_stance_and_offence(tmp_path: Path) -> None:
    rows = [
        {"context": "c1", "response": "You're pathetic.", "category": "Offending User", "label": "Unsafe"},
        {"context": "c2", "response": "I see.", "category": "Offending User", "label": "Safe"},
        {"context": "c3", "response": "Yeah, they are trash.", "category": "Toxicity Agreement", "label": "Unsafe"},
        {"context": "c4", "response": "That is unfair to them.", "category": "Toxicity Agreement", "label": "Safe"},
        {"context": "c5", "response": "Take two pills.", "category": "Unauthorized Expertise", "label": "Unsafe"},
    ]
    path = tmp_path / "train.json"
    path.write_text("[\n" + ",\n".join(json.dumps(r, indent=0) for r in rows) + "\n]", encoding="utf-8")
    assert sniff_layout(path) == "diasafety"
    df = read_labeled(path)
    assert df["label"].to_list() == ["hostile", None, "agree", None, None]
    assert df["offensive"].to_list() == [True, False, None, None, None]
    assert df["parent_text"].to_list() == ["c1", "c2", "c3", "c4", "c5"]
    assert df["source"][3] == "train.json#Toxicity Agreement"


def test_diasafety_bad_label_names_the_record(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"context": "a", "response": "b", "category": "Offending User", "label": "Maybe"}]))
    with pytest.raises(ParseError, match=r"record 1.*Safe or Unsafe"):
        read_labeled(path, "diasafety")


def test_rumoureval_labels_only_depth_one(tmp_path: Path) -> None:
    rows = [{"parent": "p", "reply": f"r{i}", "depth": depth, "label": lab, "platform": "reddit"}
            for i, (depth, lab) in enumerate([(1, "support"), (1, "deny"), (1, "query"), (1, "comment"),
                                              (2, "deny")])]
    path = _jsonl(tmp_path / "re.jsonl", rows)
    assert sniff_layout(path) == "rumoureval"
    assert read_labeled(path)["label"].to_list() == ["agree", "disagree", "neutral", "neutral", None]


def test_broken_json_line_is_a_parse_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "re.jsonl"
    path.write_text('{"parent": "p", "reply": "r", "depth": 1, "label": "deny"}\n{not json\n', encoding="utf-8")
    with pytest.raises(ParseError, match="line 2"):
        read_labeled(path, "rumoureval")


def test_missing_field_is_a_parse_error(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "ca.jsonl", [{"parent": "p", "reply": "r"}])
    with pytest.raises(ParseError, match="mean_is_abuse"):
        read_labeled(path, "convabuse")


def test_cli_eval_takes_the_new_layout_names(tmp_path: Path) -> None:
    rows = [{"parent": "Masks work.", "reply": "Exactly, well said.", "depth": 1, "label": "support"},
            {"parent": "Masks work.", "reply": "No, that is false.", "depth": 1, "label": "deny"}]
    path = _jsonl(tmp_path / "re.jsonl", rows)
    result = CliRunner().invoke(stance_cli.app, ["eval", str(path), "--layout", "rumoureval", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n"] == 2


DEV_COUNTS = {  # file -> (layout, rows, {label: count}) as documented in corpora/SOURCES.md
    "debagreement_dev.csv": ("debagreement", 4288, {"disagree": 1697, "neutral": 1116, "agree": 1475}),
    "wikitactics_pairs_trainval.jsonl": ("wikitactics", 2934, {"agree": 37}),
    "convabuse_pairs_trainvalid.jsonl": ("convabuse", 3332, {}),
    "rumoureval2019_pairs.jsonl": ("rumoureval", 6335, {"agree": 555, "disagree": 300}),
}


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(DEV_COUNTS))
def test_real_dev_files_read_whole(corpora: Path, name: str) -> None:
    layout, rows, counts = DEV_COUNTS[name]
    path = corpora / "labeled" / "dev" / name
    assert sniff_layout(path) == layout
    df = read_labeled(path)
    assert df.height == rows
    assert df["text"].null_count() == 0 and df["parent_text"].null_count() == 0
    got = dict(df.group_by("label").len().iter_rows())
    assert {k: got.get(k) for k in counts} == counts


@pytest.mark.shared
def test_real_convabuse_abuse_count_and_diasafety_categories(corpora: Path) -> None:
    dev = corpora / "labeled" / "dev"
    abuse = read_labeled(dev / "convabuse_pairs_trainvalid.jsonl")
    assert int(abuse["offensive"].sum()) == 534  # mean_is_abuse < 0, as SOURCES.md counts
    assert 0 < abuse["label"].eq("hostile").sum() <= 534
    dia = read_labeled(dev / "diasafety" / "val.json")
    assert dia.height == 1097
    assert set(dia["source"].unique()) >= {"val.json#Offending User", "val.json#Toxicity Agreement"}
