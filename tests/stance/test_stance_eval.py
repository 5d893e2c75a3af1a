"""Labeled-file readers, evaluation metrics (checked against hand computation) and the training code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from discourse.errors import ColumnMappingError, ParseError
from discourse.stance import evaluate, read_labeled
from discourse.stance._data import sniff_layout
from discourse.stance._eval import classification_metrics, expected_calibration_error

DATA = Path(__file__).parent.parent / "data" / "stance"


def test_metrics_match_hand_computation() -> None:
    # gold 0 0 1 2, predicted 0 1 1 2 -> confusion [[1,1,0],[0,1,0],[0,0,1]]
    acc, macro, per, conf = classification_metrics(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 2]), 3)
    assert conf.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    assert acc == 0.75
    assert [m["precision"] for m in per] == [1.0, 0.5, 1.0]
    assert [m["recall"] for m in per] == [0.5, 1.0, 1.0]
    assert macro == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)


def test_expected_calibration_error_by_hand() -> None:
    # four replies, each alone in its bin: 0.25 * (|1-.95| + |0-.55| + |1-.6| + |1-.15|) = 0.4625
    ece = expected_calibration_error(np.array([0.95, 0.55, 0.6, 0.15]), np.array([1.0, 0.0, 1.0, 1.0]))
    assert ece == pytest.approx(0.4625)
    assert expected_calibration_error(np.array([0.8, 0.8]), np.array([1.0, 0.0])) == pytest.approx(0.3)


def test_lei_huang_reader_decodes_cp1252_and_maps_relations() -> None:
    df = read_labeled(DATA / "lei_huang_tiny.csv")
    assert sniff_layout(DATA / "lei_huang_tiny.csv") == "lei_huang"
    assert df["label"].to_list() == ["agree", "disagree", "neutral"]
    assert df["parent_text"][1] == "Masks don\u2019t work"
    assert df["text"][1] == "That\u2019s not true at all"


def test_generic_reader_normalises_labels_and_names_missing_columns(tmp_path: Path) -> None:
    df = read_labeled(DATA / "generic_labeled.csv")
    assert df["label"].to_list() == ["agree", "disagree", "hostile", "neutral"]
    assert df["offensive"].to_list() == [False, False, True, False]
    with pytest.raises(ColumnMappingError, match="the label column 'stance' is not in the file"):
        read_labeled(DATA / "generic_labeled.csv", label_col="stance")
    bad = tmp_path / "bad.csv"
    bad.write_text("text,parent_text,label\nhi,there,maybe\n")
    with pytest.raises(ParseError, match=r"bad.csv, label 'maybe': labels must be one of"):
        read_labeled(bad)


def test_evaluate_counts_hostile_as_disagree_when_gold_has_three_classes() -> None:
    df = read_labeled(DATA / "lei_huang_tiny.csv")
    result = evaluate(df, "default")
    assert result.labels == ("agree", "neutral", "disagree")
    assert result.n == 3
    assert sum(map(sum, result.confusion)) == 3
    assert result.offensive is None        # the file has no offence labels


@pytest.mark.shared
def test_default_beats_vader_on_a_dev_set(corpora: Path) -> None:
    df = read_labeled(corpora / "labeled" / "dev" / "lei_huang_subreddit_MaskMandate.csv").head(400)
    assert evaluate(df, "default").macro_f1 > evaluate(df, "vader").macro_f1 + 0.05
    assert df.filter(pl.col("label").is_null()).height == 0


