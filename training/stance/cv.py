"""Cross-validation of the cue model's choices on the labeled *dev* sets (holdout is never read).

Stance (the protocol of docs/stance.md): MaskMandate is cut into 3 folds; for each fold the model is
fitted on ToxiChat train + the other two MaskMandate folds + CAT_SMALL (+ Fanchuan when its share is
above 0) and scored on ToxiChat dev and the held-out MaskMandate fold; the figure is macro-F1 over agree /
neutral / disagree (a predicted hostile counts as disagree), averaged over the three fits.

Offensive: fitted on ToxiChat train turns (+ CAT_SMALL), scored on every ToxiChat dev turn. The
threshold is picked without ToxiChat dev, by F1 of 3-fold out-of-fold predictions on ToxiChat train
(``f1``); ``f1_dev_best`` is F1 at the threshold that is best on ToxiChat dev itself (optimistic, the
protocol of cues/2, for comparison) and ``ap`` the average precision (threshold-free).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse

from training.stance.fit import (
    Block,
    best_threshold,
    f1_at,
    fit_heads,
    folds,
    macro_f1_indices,
    oof_offensive,
    sigmoid,
    tune_bias,
)
from training.stance.train import OPTIONS, _plan, dev_blocks

__all__ = ["cross_validate", "labelled", "macro_f1_3", "offensive_figures"]

_THREE = ("agree", "neutral", "disagree")


def macro_f1_3(logits: np.ndarray, labels: list[str]) -> float:
    """Macro-F1 over agree / neutral / disagree of the arg-max of 4-class logits (hostile read as disagree)."""
    return macro_f1_indices(logits, np.array([_THREE.index(v) for v in labels], dtype=np.int64))


def _ap(p: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(-p, kind="stable")
    hits = y[order].astype(float)
    prec = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(np.sum(prec * hits) / max(hits.sum(), 1.0))


def labelled(block: Any, frame: pl.DataFrame) -> tuple[Any, list[str]]:
    """The rows of ``block`` (anything with ``take``; ``frame`` its labeled pairs) whose label is agree,
    neutral or disagree, and those labels."""
    rows = np.flatnonzero(frame["label"].is_in(list(_THREE)).to_numpy())
    return block.take(rows), frame["label"].gather(rows).to_list()


def offensive_figures(p: np.ndarray, y: np.ndarray, p_train: np.ndarray, y_train: np.ndarray) -> dict[str, float]:
    """Offensive figures on ToxiChat dev (``p`` against ``y``) at the threshold picked on out-of-fold
    training predictions (``p_train`` against ``y_train``), at the dev-best threshold, and the AP."""
    t = best_threshold(p_train, y_train)
    return {"off_f1": f1_at(p, y, t), "off_threshold": t, "off_f1_dev_best": f1_at(p, y, best_threshold(p, y)),
            "off_ap": _ap(p, y)}


def _joined(a: Block, b: Block, name: str) -> Block:
    """Rows of ``a`` then ``b`` as one block."""
    return Block(name, pl.concat([a.frame, b.frame], how="vertical_relaxed"), np.vstack([a.x, b.x]),
                 sparse.vstack([a.g, b.g]).tocsr())


def chunks(n: int, k: int) -> np.ndarray:
    """Chunk number (0..k-1) of each of ``n`` rows in k contiguous chunks (the folds protocol's ToxiChat split)."""
    return np.arange(n) * k // max(n, 1)


def not_replying_to(replies: pl.DataFrame, held: pl.DataFrame) -> np.ndarray:
    """Rows of ``replies`` whose parent is none of the ``held`` replies (chatbot replies to a held-out reply
    stay out of the fit that is judged on it)."""
    return np.flatnonzero(~replies["parent_text"].is_in(held["text"].to_list()).to_numpy())


def cross_validate(dev_dir: str | Path, opts: dict[str, Any] | None = None, k: int = 3,
                   blocks: dict[str, Block] | None = None, protocol: str = "dev") -> dict[str, float]:
    """Dev cross-validation figures of the cue model with ``opts`` (over :data:`OPTIONS`); see the module doc.

    ``blocks`` (from :func:`training.stance.train.dev_blocks`, without character grams) may be passed to skip
    re-reading the files when the options do not change the candidate vocabulary (``min_df``, ``off_char_C``).
    ``protocol="folds"`` scores ToxiChat stance on k contiguous chunks of ToxiChat train + dev instead of on
    ToxiChat dev alone (each fit leaves its chunk out; conversations are contiguous, so at most one conversation
    per chunk boundary is split): ~90 disagreeing replies judged instead of 11. Chatbot replies to a held-out
    reply are left out of that fit. The figure is ``toxichat_folds``; the offensive figures are unchanged.
    """
    if protocol not in ("dev", "folds"):
        raise ValueError(f"protocol must be 'dev' or 'folds', not {protocol!r}")
    o = {**OPTIONS, **(opts or {})}
    vocab = None
    if blocks is None:
        blocks, vocab, _ = dev_blocks(dev_dir, o)
    char = np.array([g.startswith("~") for g in vocab], dtype=bool) if vocab is not None else np.zeros(
        next(iter(blocks.values())).g.shape[1], dtype=bool)
    mask = blocks["mask"]
    fold = folds(mask.frame.height, k, seed=0)
    tc_dev, tc_labels = labelled(blocks["toxichat_dev"], blocks["toxichat_dev"].frame)
    tc, mm = [], []
    extra = ["fanchuan_train", "fanchuan_val"] if o["fanchuan_share"] > 0 else []
    bots = o["bot_share"] > 0
    if protocol == "folds":
        tc_all = _joined(blocks["toxichat_train"], blocks["toxichat_dev"], "toxichat_train")
        tc_fold = chunks(tc_all.frame.height, k)
        if bots:
            all_bots = _joined(blocks["toxichat_train_bots"], blocks["toxichat_dev_bots"], "toxichat_train_bots")
    off_keys = ["toxichat_train_off", *(["cat_off"] if o["off_cat"] else []),
                *(["toxichat_train_bots_off"] if o["off_bot_share"] > 0 else [])]
    for j in range(k):
        local = {**blocks, "mask": mask.take(np.flatnonzero(fold != j))}
        keys = ["toxichat_train", "mask", "cat", *extra]
        if protocol == "folds":
            held_tc = tc_all.take(np.flatnonzero(tc_fold == j))
            local["toxichat_train"] = tc_all.take(np.flatnonzero(tc_fold != j))
            if bots:
                local["toxichat_train_bots"] = all_bots.take(not_replying_to(all_bots.frame, held_tc.frame))
        if bots:
            keys.append("toxichat_train_bots")
        stance, off, df_blocks = _plan(local, o, keys, off_keys)
        heads = fit_heads(stance, off, o, df_blocks, char)
        if o["bias"]:
            heads.intercept = heads.intercept + tune_bias(stance, off, o, df_blocks, char)
        if protocol == "folds":
            held_tc, held_tc_labels = labelled(held_tc, held_tc.frame)
            tc.append(macro_f1_3(heads.logits(held_tc)[0], held_tc_labels))
        else:
            tc.append(macro_f1_3(heads.logits(tc_dev)[0], tc_labels))
        held = mask.take(np.flatnonzero(fold == j))
        held, held_labels = labelled(held, held.frame)
        mm.append(macro_f1_3(heads.logits(held)[0], held_labels))
        if j == 0:
            dev_off = blocks["toxichat_dev_off"]
            y = dev_off.frame["offensive"].to_numpy().astype(bool)
            oof = oof_offensive(off, stance, o, df_blocks, char, k)
            off_fig = offensive_figures(sigmoid(heads.logits(dev_off)[1]), y, oof[0],
                                        off[0][0].frame["offensive"].to_numpy().astype(bool))
    return {"toxichat_folds" if protocol == "folds" else "toxichat_dev": float(np.mean(tc)),
            "mask_folds": float(np.mean(mm)), **off_fig}
