"""Soft targets for the cue model from the neural pair scorer (``neutral``'s teacher, ``discourse.stance._pair``).

The teacher reads reply and parent together and is better on dev than any bag of cues; the cue model can learn
from its probabilities on replies no one labeled. Two pools of pairs, each a training source of its own
(:data:`training.stance.train.SOURCES`):

- ``distill_real``: the English replies with a parent in the real threads under ``../shared/corpora``
  (:func:`training.stance.real.real_pairs`): the text the fast scorer meets in practice;
- ``distill_dev``: every dev pair (:data:`training.stance.train.DEV_FILES`) without its labels, labeled or not
  (RumourEval replies below the first level, DiaSafety's other categories ...).

A row's targets are the teacher's ``p_agree .. p_hostile`` (``q_agree .. q_hostile``) and ``p_offensive``
(``q_offensive``), rounded to 4 decimals. Scoring ~45k pairs takes minutes, so they are cached in a Parquet file
outside the repository, named by the SHA-256 of the teacher's model card and of the pairs: the same teacher and
the same ../shared give the same file, and the training command rebuilds it when it is missing. The teacher
gives a row the same probabilities whatever it is scored with (see ``discourse.stance._pair``); rounding keeps a
last-digit difference between machines from reaching the fitted model.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl

from discourse._typing import STANCE_LABELS
from discourse.io.write import write_parquet
from training.stance.fit import Block, prepare
from training.stance.real import real_pairs

__all__ = ["DEFAULT_CACHE", "Q_COLUMNS", "distill_blocks", "distill_frames", "teacher_card", "teacher_targets"]

Q_COLUMNS = (*(f"q_{c}" for c in STANCE_LABELS), "q_offensive")
DEFAULT_CACHE = Path.home() / ".cache" / "discourse-training"
_DECIMALS = 4


def _digest(pairs: pl.DataFrame) -> str:
    h = hashlib.sha256()
    for text, parent in pairs.select("text", "parent_text").iter_rows():
        h.update(text.encode("utf-8") + b"\x00" + (parent or "").encode("utf-8") + b"\x01")
    return h.hexdigest()


def teacher_card() -> str:
    """The teacher's name, version and the SHA-256 of its model card (model.json), as the cue model records it."""
    from discourse.stance._pair import MODEL_DIR

    card = json.loads((MODEL_DIR / "model.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256((MODEL_DIR / "model.json").read_bytes()).hexdigest()
    return f"{card.get('name', 'neural')}/{card.get('version', '?')} (model.json sha256 {digest})"


def teacher_targets(pairs: pl.DataFrame, cache: str | Path | None = DEFAULT_CACHE, threads: int = 2) -> pl.DataFrame:
    """``pairs`` (``text``, ``parent_text``) with the teacher's rounded probabilities :data:`Q_COLUMNS`, read from
    the cache file for this teacher and these pairs when there is one (written there otherwise; None: no cache)."""
    from discourse.stance._pair import MODEL_DIR, PairScorer

    card = hashlib.sha256((MODEL_DIR / "model.json").read_bytes()).hexdigest()
    path = Path(cache) / f"teacher_{card[:16]}_{_digest(pairs)[:16]}.parquet" if cache is not None else None
    if path is not None and path.exists():
        q = pl.read_parquet(path)
    else:
        probs = PairScorer(threads=threads).predict_proba(pairs.select("text", "parent_text"))
        q = probs.select([pl.col(f"p_{c[2:]}").round(_DECIMALS).alias(c) for c in Q_COLUMNS])
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_parquet(path, q)
    if q.height != pairs.height:
        raise ValueError(f"{path}: {q.height} cached rows for {pairs.height} pairs; delete it to score them again")
    return pl.concat([pairs, q], how="horizontal")


def distill_frames(dev: dict[str, pl.DataFrame], corpora: str | Path) -> dict[str, pl.DataFrame]:
    """The two pools of unlabeled pairs (``text``, ``parent_text``, ``_rid``): ``distill_real`` from the threads
    under ``corpora`` and ``distill_dev`` from the dev frames ``dev`` (as read, labels dropped); each without blank
    replies, without pairs that have no parent, deduplicated, in a fixed order."""
    texts = pl.concat([f.select(pl.col("text").cast(pl.String), pl.col("parent_text").cast(pl.String))
                       for f in dev.values()])
    pools = {"distill_real": real_pairs(corpora).select("text", "parent_text"), "distill_dev": texts}
    return {k: f.filter(pl.col("parent_text").is_not_null() & (pl.col("text").fill_null("").str.strip_chars() != ""))
            .unique(maintain_order=True).with_row_index("_rid") for k, f in pools.items()}


def distill_blocks(dev: dict[str, pl.DataFrame], corpora: str | Path, vocab: list[str],
                   cache: str | Path | None = DEFAULT_CACHE) -> dict[str, Block]:
    """Each pool of :func:`distill_frames` with the teacher's targets as a :class:`Block` over the candidate grams
    ``vocab``, under its name and (the same block) ``"<name>_off"``: its soft targets train both heads."""
    out = {}
    for name, frame in distill_frames(dev, corpora).items():
        block = prepare(teacher_targets(frame, cache), name, vocab)
        out[name] = block
        out[f"{name}_off"] = Block(f"{name}_off", block.frame, block.x, block.g)
    return out
