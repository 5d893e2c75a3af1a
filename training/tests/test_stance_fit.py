"""Labeled-file readers, evaluation metrics (checked against hand computation) and the training code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from discourse.stance import read_labeled
from discourse.stance._data import sniff_layout
from training.stance.fit import fit_softmax
from training.stance.train import stance_targets

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "stance"


def test_toxichat_reader_pairs_each_turn_with_the_one_before() -> None:
    df = read_labeled(DATA / "toxichat_tiny.jsonl")
    assert sniff_layout(DATA / "toxichat_tiny.jsonl") == "toxichat"
    assert df["label"].to_list() == [None, "neutral", "agree", None, "disagree"]
    assert df["parent_text"].to_list() == [None, "Title: Lunch \n What do you eat?", "Pizza, obviously.", None,
                                           "Cats are better than dogs."]
    assert df["offensive"].to_list() == [False, False, False, False, True]
    # the chatbot replies (final_*_response) are not Reddit turns and are left out
    assert "ok" not in df["text"].to_list()
    # an offence aimed at the redditor, not agreeing, is hostile for training
    assert stance_targets(df)["y"].to_list() == ["neutral", "agree", "hostile"]


def test_toxichat_bots_layout_pairs_each_chatbot_reply_with_the_last_reddit_turn(tmp_path: Path) -> None:
    turns = [{"turn_id": 1, "text": " Dogs are great. ", "offense_label": "Safe", "offense_targets": []},
             {"turn_id": 2, "text": "Cats are better.", "offense_label": "Safe", "offense_targets": [],
              "stance_label_towards_turn_1": "Disagree"}]
    dgpt = {"turn_id": 3, "text": "No way, dogs win.", "offense_label": "Safe", "offense_targets": [],
            "stance_label_towards_turn_1": "Agree", "stance_label_towards_turn_2": "Disagree"}
    gpt3 = {"turn_id": 3, "text": "You idiot.", "offense_label": "Offensive", "offense_targets": ["individual/redditor"],
            "stance_label_towards_turn_1": "Neutral", "stance_label_towards_turn_2": "Neutral"}
    path = tmp_path / "tc.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (
        {"reddit_thread": turns, "final_dgpt_response": dgpt, "final_gpt3_response": gpt3},
        {"reddit_thread": turns[:1]},  # no chatbot reply: nothing to read
    )) + "\n", encoding="utf-8")
    bots = read_labeled(path, "toxichat_bots")
    assert bots["text"].to_list() == ["No way, dogs win.", "You idiot."]
    # the stance toward the turn replied to (turn 2), not toward the first turn
    assert bots["label"].to_list() == ["disagree", "neutral"]
    assert bots["parent_text"].to_list() == ["Cats are better.", "Cats are better."]
    assert bots["offensive"].to_list() == [False, True]
    assert bots["source"].unique().to_list() == ["tc.jsonl#bots"]
    assert stance_targets(bots)["y"].to_list() == ["disagree", "hostile"]
    # the Reddit layout of the same file holds the three Reddit turns only
    assert read_labeled(path)["text"].to_list() == ["Dogs are great.", "Cats are better.", "Dogs are great."]


def test_fit_softmax_holds_tight_priors_and_learns_the_rest() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2))
    y = (x[:, 0] > 0).astype(np.int64)      # feature 0 decides the class, feature 1 is noise
    w = np.ones(300)
    prior = np.array([[0.0, 0.0], [0.0, 5.0]])
    c = np.array([[1.0, 1.0], [1.0, 1e-8]])  # the entry (class 1, feature 1) is pinned to its prior
    coef, icpt = fit_softmax(x, y, w, 2, prior, c=c)
    assert coef[1, 1] == pytest.approx(5.0, abs=1e-4)
    assert coef[1, 0] - coef[0, 0] > 2.0     # learned: feature 0 separates the classes
    coef2, icpt2 = fit_softmax(x, y, w, 2, prior, c=c)
    assert np.array_equal(coef, coef2) and np.array_equal(icpt, icpt2)  # deterministic


@pytest.mark.shared
@pytest.mark.slow
def test_training_reproduces_the_shipped_model_exactly(corpora: Path) -> None:
    from training.stance.train import train_cue_model

    shipped = json.loads((Path(__file__).resolve().parents[2] / "discourse" / "stance" / "data" / "cues_model.json")
                         .read_text(encoding="utf-8"))
    assert train_cue_model(corpora / "labeled" / "dev") == shipped


def test_cv_joins_blocks_row_for_row_and_names_its_protocols() -> None:
    from scipy import sparse

    from training.stance.cv import _joined, cross_validate
    from training.stance.fit import Block

    a = Block("a", pl.DataFrame({"text": ["x", "y"]}), np.array([[1.0], [2.0]]), sparse.csr_matrix([[0.0, 1.0], [2.0, 0.0]]))
    b = Block("b", pl.DataFrame({"text": ["z"]}), np.array([[3.0]]), sparse.csr_matrix([[5.0, 0.0]]))
    j = _joined(a, b, "ab")
    assert j.name == "ab" and j.frame["text"].to_list() == ["x", "y", "z"]
    assert j.x.ravel().tolist() == [1.0, 2.0, 3.0]
    assert j.g.toarray().tolist() == [[0.0, 1.0], [2.0, 0.0], [5.0, 0.0]]
    # rows taken from the joined block keep their features and grams together
    t = j.take(np.array([2, 0]))
    assert t.frame["text"].to_list() == ["z", "x"] and t.g.toarray().tolist() == [[5.0, 0.0], [0.0, 1.0]]
    with pytest.raises(ValueError, match="protocol"):
        cross_validate("unused", protocol="holdout")
