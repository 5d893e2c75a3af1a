"""Labeled-file readers, evaluation metrics (checked against hand computation) and the training code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from discourse.stance import read_labeled
from discourse.stance._data import sniff_layout
from training.stance.fit import Block, fit_softmax
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
    targets = stance_targets(df)
    assert targets["y"].to_list() == ["neutral", "agree", "hostile"]
    assert targets["allowed"].to_list() == [2, 1, 8]  # bits: agree 1, neutral 2, disagree 4, hostile 8


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
def test_training_reproduces_the_shipped_model_exactly(corpora: Path, tmp_path: Path) -> None:
    """The one training command, in a process of its own (it fixes the BLAS threads before numpy loads).

    Training scores ~41k pairs with the neural teacher first (6.5 min on a fast 2-core machine, far longer on a
    slow one), so this runs only where the teacher's probabilities are cached or DISCOURSE_TRAINING_TESTS=1."""
    import os
    import subprocess
    import sys

    from training.stance.distill import DEFAULT_CACHE

    if not os.environ.get("DISCOURSE_TRAINING_TESTS") and not any(DEFAULT_CACHE.glob("teacher_*.parquet")):
        pytest.skip("the neural teacher's probabilities are not cached (~/.cache/discourse-training); "
                    "set DISCOURSE_TRAINING_TESTS=1 to score them here (minutes)")

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "cues_model.json"
    done = subprocess.run([sys.executable, "-m", "training.train_stance", "--dev-dir", str(corpora / "labeled" / "dev"),
                           "--out", str(out)], cwd=root, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (root / "discourse" / "stance" / "data" / "cues_model.json").read_bytes()


def test_blocks_join_row_for_row() -> None:
    from scipy import sparse

    from training.stance.fit import Block, join_blocks

    a = Block("a", pl.DataFrame({"text": ["x", "y"]}), np.array([[1.0], [2.0]]), sparse.csr_matrix([[0.0, 1.0], [2.0, 0.0]]))
    b = Block("b", pl.DataFrame({"text": ["z"]}), np.array([[3.0]]), sparse.csr_matrix([[5.0, 0.0]]))
    j = join_blocks([a, b], "ab")
    assert j.name == "ab" and j.frame["text"].to_list() == ["x", "y", "z"]
    assert j.x.ravel().tolist() == [1.0, 2.0, 3.0]
    assert j.g.toarray().tolist() == [[0.0, 1.0], [2.0, 0.0], [5.0, 0.0]]
    # rows taken from the joined block keep their features and grams together
    t = j.take(np.array([2, 0]))
    assert t.frame["text"].to_list() == ["z", "x"] and t.g.toarray().tolist() == [[5.0, 0.0], [0.0, 1.0]]


def _labeled(rows: list[tuple[str | None, str | None, bool | None, bool | None, str]]) -> pl.DataFrame:
    from discourse.stance._data import LABELED_SCHEMA

    return pl.DataFrame([("reply", "parent", *r) for r in rows], schema=LABELED_SCHEMA, orient="row")


def test_stance_targets_are_the_sets_of_classes_each_source_allows() -> None:
    # (label, offensive, target_person, source) -> allowed bits: agree 1, neutral 2, disagree 4, hostile 8
    three = _labeled([("agree", None, None, "m"), ("neutral", None, None, "m"), ("disagree", None, None, "m")])
    assert stance_targets(three, "mask")["allowed"].to_list() == [1, 2, 4 | 8]   # a 3-class set: disagree or hostile
    assert stance_targets(three, "mask")["y"].to_list() == ["agree", "neutral", "disagree"]
    tc = _labeled([("disagree", False, False, "t"), ("disagree", True, False, "t"), ("neutral", True, True, "t")])
    # not offensive: not hostile; offensive at a group: either; offensive at the person, not agreeing: hostile
    assert stance_targets(tc, "toxichat")["allowed"].to_list() == [4, 4 | 8, 8]
    wiki = _labeled([("disagree", None, None, "w"), ("hostile", None, True, "w")])
    assert stance_targets(wiki, "wikitactics")["allowed"].to_list() == [4, 8]   # rebuttals are not attacks
    abuse = _labeled([(None, False, False, "c"), (None, True, False, "c"), ("hostile", True, True, "c")])
    out = stance_targets(abuse, "convabuse")
    # not abusive: any class but hostile (y null: counted toward no class); abuse at a group: no stance target
    assert out["allowed"].to_list() == [1 | 2 | 4, 8] and out["y"].to_list() == [None, "hostile"]
    dia = _labeled([(None, False, None, "v.json#Offending User"), (None, None, None, "v.json#Toxicity Agreement"),
                    ("agree", None, None, "v.json#Toxicity Agreement"), (None, None, None, "v.json#Risk Ignorance")])
    assert stance_targets(dia, "diasafety")["allowed"].to_list() == [1 | 2 | 4, 2 | 4 | 8, 1]
    orphan = _labeled([("agree", None, None, "m")]).with_columns(pl.lit(None, pl.String).alias("parent_text"))
    assert stance_targets(orphan, "mask").height == 0


def test_one_class_keeps_cues3_targets() -> None:
    from scipy import sparse

    from training.stance.fit import Block
    from training.stance.train import one_class

    frame = stance_targets(_labeled([("disagree", None, None, "m"), (None, False, False, "c"), ("agree", None, None, "m")]),
                           "convabuse")
    block = Block("b", frame, np.arange(3.0)[:, None], sparse.csr_matrix(np.eye(3)))
    one = one_class(block)
    assert one.frame["allowed"].to_list() == [4, 1] and one.x.ravel().tolist() == [0.0, 2.0]
    assert one.g.toarray().tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]


def test_partial_and_soft_targets_by_hand() -> None:
    from training.stance.fit import Targets

    logp = np.log(np.array([[0.5, 0.25, 0.25], [0.5, 0.25, 0.25]]))
    t = Targets(np.array([[1.0, 1.0, 0.0], [0.2, 0.3, 0.5]]), np.array([True, False]))
    loss, aim = t.loss_and_aim(logp)
    # partial row: -log(p0 + p1), aim renormalised within {0, 1}; soft row: cross-entropy, aim the target itself
    assert loss[0] == pytest.approx(-np.log(0.75))
    assert loss[1] == pytest.approx(-(0.2 * np.log(0.5) + 0.3 * np.log(0.25) + 0.5 * np.log(0.25)))
    assert np.allclose(aim, [[2 / 3, 1 / 3, 0.0], [0.2, 0.3, 0.5]])


def test_fit_softmax_with_partial_and_soft_targets() -> None:
    from training.stance.fit import Targets

    x = np.zeros((4, 1))
    w = np.ones(4)
    # rows {0}, {0}, {0, 1}, {2}: the likelihood 2 log p0 + log(p0 + p1) + log p2 is highest at p = (3/4, 0, 1/4)
    mask = np.array([[1.0, 0, 0], [1.0, 0, 0], [1.0, 1.0, 0], [0, 0, 1.0]])
    _, icpt = fit_softmax(x, np.array([0, 0, -1, 2]), w, 3, balance=0.0, targets=Targets(mask, np.ones(4, dtype=bool)))
    p = np.exp(icpt) / np.exp(icpt).sum()
    assert p[0] == pytest.approx(0.75, abs=0.01) and p[2] == pytest.approx(0.25, abs=0.01) and p[1] < 0.02
    # soft targets alone: the fitted probabilities are their mean
    soft = np.array([[0.2, 0.3, 0.5], [0.4, 0.1, 0.5], [0.2, 0.3, 0.5], [0.4, 0.1, 0.5]])
    _, icpt = fit_softmax(x, np.full(4, -1), w, 3, targets=Targets(soft, np.zeros(4, dtype=bool)))
    assert (np.exp(icpt) / np.exp(icpt).sum()).tolist() == pytest.approx([0.3, 0.2, 0.5], abs=1e-4)
    # one-class masks are plain labels: the same fit as without targets
    y = np.array([0, 1, 2, 1])
    xs = np.array([[1.0], [0.0], [-1.0], [0.5]])
    a = fit_softmax(xs, y, w, 3)
    b = fit_softmax(xs, y, w, 3, targets=Targets(np.eye(3)[y], np.ones(4, dtype=bool)))
    assert np.allclose(a[0], b[0], atol=1e-5) and np.allclose(a[1], b[1], atol=1e-5)


def _block(name: str, rids: list[int], **cols: list) -> Block:
    from scipy import sparse

    n = len(rids)
    frame = pl.DataFrame({"_rid": rids, **cols}, schema_overrides={"_rid": pl.UInt32})
    return Block(name, frame, np.zeros((n, 1)), sparse.csr_matrix((n, 2)))


def test_plan_weights_sources_by_share_and_counts_each_row_once() -> None:
    from training.stance.train import OPTIONS, plan

    sources = {"toxichat": _block("toxichat", [1, 2]), "toxichat_off": _block("toxichat_off", [0, 1, 2]),
               "mask": _block("mask", [0, 1]), "wikitactics": _block("wikitactics", [0])}
    opts = {**OPTIONS, "source_weight": 10.0, "tc_share": 2.0, "off_tc_share": 1.0, "mask_share": 0.5, "wiki_share": 0.0}
    stance, off, distinct = plan(sources, opts)
    assert [(b.name, w) for b, w in stance] == [("toxichat", 20.0), ("mask", 5.0)]   # share 0: left out
    assert [(b.name, w) for b, w in off] == [("toxichat_off", 10.0)]
    # ToxiChat's stance rows 1, 2 and its offence rows 0, 1, 2 are three distinct rows
    assert sorted(r for b in distinct if b.name.startswith("toxichat") for r in b.frame["_rid"].to_list()) == [0, 1, 2]


def test_cv_folds_keep_threads_together_and_rows_in_one_fold() -> None:
    from training.stance.cv import _split, source_folds

    def pairs(texts: str) -> dict[str, list[str]]:
        return {"text": list(texts), "parent_text": ["p"] * len(texts)}

    sources = {"toxichat": _block("toxichat", [1, 2, 4, 5], **pairs("abcd")),
               "toxichat_off": _block("toxichat_off", list(range(6)), **pairs("uvwxyz")),
               "debagreement": _block("debagreement", list(range(6)), **pairs("ghijkl")),
               "distill_dev": _block("distill_dev", [0, 1, 2], **pairs("bqa"))}
    fold = source_folds(sources, 3)
    assert fold["toxichat"].tolist() == [0, 0, 1, 1, 2, 2]            # threads: contiguous chunks
    assert sorted(fold["debagreement"].tolist()) == [0, 0, 1, 1, 2, 2]
    assert fold["debagreement"].tolist() != [0, 0, 1, 1, 2, 2]         # the rest shuffled (DEBAGREEMENT is sorted)
    assert "distill_dev" not in fold                                   # unlabeled pairs are never held out
    train, held = _split(sources, fold, 1)
    # a row's stance and offence labels fall in the same fold (by row number)
    assert held["toxichat"].frame["_rid"].to_list() == [2] and held["toxichat_off"].frame["_rid"].to_list() == [2, 3]
    assert train["toxichat"].frame["_rid"].to_list() == [1, 4, 5]
    # the teacher's targets for a held-out pair ("b" answering "p") are not trained on
    assert train["distill_dev"].frame["text"].to_list() == ["q", "a"] and "distill_dev" not in held
