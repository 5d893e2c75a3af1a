"""The ``neural`` pair scorer (discourse/stance/_pair.py) with the shipped int8 model: offline loading, valid
and deterministic probabilities, the model card's SHA-256 check, missing dependencies, and the direction of
obvious cases. Speed is measured in training/pair/RESULTS.md, never asserted here."""

from __future__ import annotations

import json
import random
import shutil
import socket
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from discourse.errors import DiscourseError, MissingDependency
from discourse.stance import score
from discourse.stance._base import PROB_COLUMNS
from discourse.stance._pair import MODEL_DIR, ModelFileError, PairScorer, load_card

PARENT = "Raising the minimum wage will cost jobs in small towns."
PAIRS = [
    ("You're a complete idiot and everyone here knows it.", PARENT),
    ("Exactly, well said. I couldn't agree more.", PARENT),
    ("Respectfully, I don't think that's true.", PARENT),
    ("The bill was passed in 2019 and takes effect in January.", "When does the new law take effect?"),
    ("What time does the library open on Sundays?", "The library has a new reading room."),
    ("", PARENT),
    ("lol", None),
    ("Studies from Seattle found little change in employment after the increase, though hours fell a bit. "
     * 6, PARENT * 4),
]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing may be downloaded: any attempt to open a connection fails the test."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the neural scorer tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def _frame(pairs: list[tuple[str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame({"text": [t for t, _ in pairs], "parent_text": [p for _, p in pairs]},
                        schema={"text": pl.String, "parent_text": pl.String})


def test_scores_every_reply_with_valid_probabilities() -> None:
    out = score(_frame(PAIRS), PairScorer())
    assert out.height == len(PAIRS)
    assert set(out["scorer"]) == {"neural/1"}
    probs = out.select(PROB_COLUMNS).to_numpy()
    assert np.all(probs >= 0) and np.allclose(probs.sum(axis=1), 1.0)
    assert out["p_offensive"].is_between(0.0, 1.0).all()
    assert out["label"][5] == "neutral" and out["weight"][5] == 0.0  # empty text: not shown to the model


def test_obvious_cases_go_the_right_way() -> None:
    out = score(_frame(PAIRS[:5]), PairScorer()).to_dicts()
    insult, agree, respectful, factual, question = out
    assert insult["label"] == "hostile" and insult["weight"] < -0.5
    assert insult["offensive"]
    assert agree["label"] == "agree" and agree["weight"] > 0.5
    assert respectful["label"] == "disagree" and respectful["p_hostile"] < 0.2
    assert factual["label"] != "hostile" and factual["p_hostile"] < 0.1 and not factual["offensive"]
    assert question["label"] == "neutral" and abs(question["weight"]) < 0.25


def test_a_pair_gets_the_same_bytes_whatever_it_is_scored_with_in_any_order_on_any_threads() -> None:
    rng = random.Random(0)
    words = "the a policy vote you never said data wrong right agree think really tax jobs why".split()
    pairs = [(" ".join(rng.choices(words, k=rng.randint(1, 60))), " ".join(rng.choices(words, k=rng.randint(0, 90))))
             for _ in range(40)]
    base = PairScorer(threads=2).predict_proba(_frame(pairs)).to_numpy()
    order = list(range(len(pairs)))
    rng.shuffle(order)
    shuffled = PairScorer(threads=1).predict_proba(_frame([pairs[i] for i in order])).to_numpy()
    subset = PairScorer(threads=3).predict_proba(_frame(pairs[:7])).to_numpy()
    alone = PairScorer().predict_proba(_frame(pairs[3:4])).to_numpy()
    assert np.array_equal(base[order], shuffled)
    assert np.array_equal(base[:7], subset)
    assert np.array_equal(base[3:4], alone)


def test_offensive_threshold_comes_from_the_model_card() -> None:
    card = load_card()
    assert PairScorer().offensive_threshold == card.offensive_threshold
    assert 0.05 <= card.offensive_threshold <= 0.95


def test_shipped_files_match_the_card_and_stay_small() -> None:
    raw = json.loads((MODEL_DIR / "model.json").read_text())
    assert set(raw["sha256"]) == {"model.onnx", "tokenizer.json"}
    assert sum((MODEL_DIR / name).stat().st_size for name in raw["sha256"]) < 30 * 2**20
    assert raw["version"] == PairScorer.version


def _model_copy(tmp_path: Path) -> Path:
    """A model directory whose model.onnx links to the shipped one (no 20 MB copy)."""
    d = tmp_path / "neural"
    d.mkdir()
    for name in ("model.json", "tokenizer.json"):
        shutil.copyfile(MODEL_DIR / name, d / name)
    (d / "model.onnx").symlink_to(MODEL_DIR / "model.onnx")
    return d


def test_sha256_mismatch_is_one_clear_error(tmp_path: Path) -> None:
    d = _model_copy(tmp_path)
    with open(d / "tokenizer.json", "a", encoding="utf-8") as fh:
        fh.write(" ")
    with pytest.raises(ModelFileError, match=r"tokenizer\.json: sha256 .* does not match the model card") as err:
        PairScorer(model_dir=d).predict_proba(_frame(PAIRS[:1]))
    assert isinstance(err.value, DiscourseError) and "\n" not in str(err.value)


def test_missing_model_file_is_one_clear_error(tmp_path: Path) -> None:
    d = _model_copy(tmp_path)
    (d / "model.onnx").unlink()
    with pytest.raises(ModelFileError, match=r"model\.onnx: the neural scorer's model file is missing"):
        PairScorer(model_dir=d).predict_proba(_frame(PAIRS[:1]))
    (d / "model.json").unlink()
    with pytest.raises(ModelFileError, match="model card is missing"):
        PairScorer(model_dir=d).predict_proba(_frame(PAIRS[:1]))


@pytest.mark.parametrize("package", ["onnxruntime", "tokenizers"])
def test_missing_runtime_package_names_it(package: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, package, None)  # import of it now raises ImportError
    with pytest.raises(MissingDependency, match=package):
        PairScorer(model_dir=_model_copy(tmp_path)).predict_proba(_frame(PAIRS[:1]))


def test_init_only_stores_parameters(tmp_path: Path) -> None:
    scorer = PairScorer(threads=2, model_dir=tmp_path / "nowhere")
    assert scorer.get_params() == {"threads": 2, "model_dir": tmp_path / "nowhere"}
    with pytest.raises(ModelFileError):
        scorer.predict_proba(_frame(PAIRS[:1]))


# -- the training code's pure parts (training/pair: no torch needed) ---------------------------------------------


def test_temperature_and_platt_fits_recover_known_values() -> None:
    from training.pair.calibrate import fit_platt, fit_temperature

    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, size=(4000, 4))
    p = np.exp(z / 2.0)
    p /= p.sum(axis=1, keepdims=True)
    gold = np.array([rng.choice(4, p=row) for row in p])
    assert fit_temperature(z, 1 << gold) == pytest.approx(2.0, rel=0.1)
    s = rng.normal(0, 2, size=4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-(s / 1.5 - 0.5)))).astype(float)
    t, b = fit_platt(s, y)
    assert t == pytest.approx(1.5, rel=0.15) and b == pytest.approx(-0.5, abs=0.15)


def test_pairs_sharing_text_share_a_group_but_stock_parents_do_not_glue() -> None:
    from training.pair.table import STOCK_PARENT, groups

    texts = ["a", "b", "c", "x"] + [f"r{i}" for i in range(STOCK_PARENT + 1)]
    parents = ["", "a", "b", "y"] + ["Can you elaborate on that?"] * (STOCK_PARENT + 1)
    g = groups(texts, parents)
    assert g[0] == g[1] == g[2] and g[3] != g[0]  # a reply chain is one group
    assert len(set(g[4:])) == STOCK_PARENT + 1  # a chatbot's stock line does not join its repliers


@pytest.mark.shared
def test_training_table_labels_and_folds(corpora: Path) -> None:
    from training.pair.labels import ANY, DISAGREE, HOSTILE
    from training.pair.table import build_table

    table = build_table(corpora / "labeled" / "dev")
    assert table.height > 20000 and set(table["fold"].unique()) == {0, 1, 2, 3, 4}
    # no text is a reply in one fold and anything in another
    assert table.group_by("text").agg(pl.col("fold").n_unique())["fold"].max() == 1
    # a reply labeled not offensive never allows hostile, unless its source calls it hostile outright (rows
    # with no stance information at all, such as ToxiChat's first turns, train the offence head only)
    calm = table.filter(~pl.col("offensive").fill_null(True) & ~pl.col("mask").is_in([HOSTILE, ANY]))
    assert (calm["mask"] & HOSTILE).sum() == 0
    # 3-class "disagree" allows disagree or hostile; nothing under labeled/holdout is read
    deb = table.filter((pl.col("source") == "debagreement") & (pl.col("label") == "disagree"))
    assert set(deb["mask"]) == {DISAGREE | HOSTILE}
    assert not table["file"].str.contains("holdout").any() and (table["mask"] != ANY).sum() > 15000
