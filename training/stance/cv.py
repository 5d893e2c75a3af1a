"""Cross-validation of the cue model's choices on the labeled *dev* sets (holdout is never read).

Every dev source (:data:`training.stance.train.SOURCES`) is cut into ``k`` folds by row: the sources whose rows
run thread by thread (ToxiChat train then dev, WikiTactics disputes, RumourEval threads) in ``k`` contiguous
chunks, so a thread stays in one fold; the others (MaskMandate, DEBAGREEMENT, which is sorted by label, ConvAbuse,
DiaSafety, CAT_SMALL, Fanchuan) by a fixed shuffle (``folds(n, k, seed=0)``, MaskMandate's folds as in cues/3's
protocol). A row's stance and offence labels share its fold. For each fold the model is fitted on the other folds of every source (the
options' data plan, :func:`training.stance.train.plan`) and scores the held-out rows of every source, used in
training or not. ToxiChat's chatbot replies, when used, are left out of the fits that are judged on the
ToxiChat reply they answer. Figures, each the mean over the k held-out folds:

- ``toxichat``, ``mask``, ``debagreement``, ``rumoureval``: macro-F1 over agree / neutral / disagree (a predicted
  hostile counts as disagree) of the sets' gold labels (ToxiChat's stance labels as annotated: an attack on
  the person that is labeled neutral counts as neutral here);
- ``wiki_hostile``: WikiTactics, F1 of hostile (DH0/DH1) against the rest, predicted label = arg max;
  ``tc_hostile`` the same on ToxiChat replies (hostile: an offence aimed at the person, not agreeing);
- ``off_tc``, ``off_abuse``: F1 of ``offensive`` on ToxiChat turns and ConvAbuse replies (abusive), at the
  threshold that maximises the mean F1 over the ``threshold_sources`` of the *other* folds' held-out
  predictions (the shipped threshold is picked the same way on out-of-fold predictions); ``off_tc_ap``: the
  ToxiChat average precision;
- ``neutral_w``: the mean edge weight (agree +1, neutral 0, disagree -0.5, hostile -1) of gold-neutral replies
  of ToxiChat, MaskMandate and DEBAGREEMENT (the mean of the three sets' means; 0 is ideal); ``neutral_w_<set>``
  each.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from discourse._typing import STANCE_LABELS
from discourse.stance._base import LABEL_WEIGHTS
from training.stance.fit import (
    Block,
    best_mean_threshold,
    best_threshold,
    f1_at,
    fit_heads,
    folds,
    macro_f1_indices,
    sigmoid,
    tune_bias,
)
from training.stance.train import DISTILL, OPTIONS, _uses_bots, dev_blocks, one_class, plan, source_blocks

__all__ = ["chunks", "cross_validate", "labelled", "macro_f1_3", "not_replying_to", "offensive_figures",
           "source_folds", "teacher_held_out"]

_THREE = ("agree", "neutral", "disagree")
_WEIGHTS = np.array([LABEL_WEIGHTS[c] for c in STANCE_LABELS])
_HOSTILE = 1 << STANCE_LABELS.index("hostile")  # the allowed-classes bit of hostile
_MACRO_SETS = ("toxichat", "mask", "debagreement", "rumoureval")
_NEUTRAL_SETS = ("toxichat", "mask", "debagreement")
# sources whose rows run thread by thread: folded in contiguous chunks, so a thread stays in one fold
_THREADED = ("toxichat", "wikitactics", "rumoureval")


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
    training predictions (``p_train`` against ``y_train``), at the dev-best threshold, and the AP (the embed
    head's protocol)."""
    t = best_threshold(p_train, y_train)
    return {"off_f1": f1_at(p, y, t), "off_threshold": t, "off_f1_dev_best": f1_at(p, y, best_threshold(p, y)),
            "off_ap": _ap(p, y)}


def chunks(n: int, k: int) -> np.ndarray:
    """Chunk number (0..k-1) of each of ``n`` rows in k contiguous chunks."""
    return np.arange(n) * k // max(n, 1)


def not_replying_to(replies: pl.DataFrame, held: pl.DataFrame) -> np.ndarray:
    """Rows of ``replies`` whose parent is none of the ``held`` replies (chatbot replies to a held-out reply
    stay out of the fit that is judged on it)."""
    return np.flatnonzero(~replies["parent_text"].is_in(held["text"].to_list()).to_numpy())


def source_folds(sources: dict[str, Block], k: int) -> dict[str, np.ndarray]:
    """The fold of every row number (``_rid``) of each source: threads in contiguous chunks, the rest shuffled."""
    sizes: dict[str, int] = {}
    for name, b in sources.items():
        src = name.removesuffix("_off")
        if b.frame.height and src not in DISTILL:
            sizes[src] = max(sizes.get(src, 0), int(b.frame["_rid"].max()) + 1)  # type: ignore[arg-type]
    return {src: chunks(n, k) if src in _THREADED else folds(n, k, seed=0) for src, n in sizes.items()}


def _keys(frame: pl.DataFrame) -> pl.Series:
    """Each row's (reply, parent) as one string, both stripped (a missing parent is "")."""
    key = (pl.col("text").cast(pl.String).fill_null("").str.strip_chars() + "\x00"
           + pl.col("parent_text").cast(pl.String).fill_null("").str.strip_chars())
    return frame.select(key.alias("_key"))["_key"]


def _split(sources: dict[str, Block], fold_of: dict[str, np.ndarray], j: int
           ) -> tuple[dict[str, Block], dict[str, Block]]:
    """The training and held-out rows of fold ``j`` of each source block. Chatbot replies are never held out, nor
    are the unlabeled pairs of distillation; chatbot replies answering a held-out ToxiChat reply and unlabeled pairs
    that are a held-out pair are not trained on."""
    train, held = {}, {}
    for name, b in sources.items():
        src = name.removesuffix("_off")
        if src == "bots" or src in DISTILL:
            continue
        f = fold_of[src][b.frame["_rid"].to_numpy()]
        train[name], held[name] = b.take(np.flatnonzero(f != j)), b.take(np.flatnonzero(f == j))
    for name in ("bots", "bots_off"):
        if name in sources:
            train[name] = sources[name].take(not_replying_to(sources[name].frame, held["toxichat"].frame))
    held_keys = pl.concat([_keys(b.frame) for b in held.values()]).implode()
    for name, b in sources.items():
        if name.removesuffix("_off") in DISTILL:
            train[name] = b.take(np.flatnonzero(~_keys(b.frame).is_in(held_keys).to_numpy()))
    return train, held


def _probabilities(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _neutral_weight(logits: np.ndarray, labels: list[str]) -> float:
    p = _probabilities(logits)
    neutral = np.array([v == "neutral" for v in labels], dtype=bool)
    return float((p[neutral] @ _WEIGHTS).mean()) if neutral.any() else float("nan")


def cross_validate(dev_dir: str | Path, opts: dict[str, Any] | None = None, k: int = 3,
                   blocks: dict[str, Block] | None = None, real: Block | None = None,
                   judged: pl.Series | None = None) -> dict[str, float]:
    """Dev cross-validation figures of the cue model with ``opts`` (over :data:`OPTIONS`); see the module doc.

    ``blocks`` (from :func:`training.stance.train.dev_blocks`, without character grams, with the chatbot replies
    when the options use them) may be passed to skip re-reading the files when the options do not change the
    candidate vocabulary (``min_df``, ``off_char_C``). ``real``: unlabeled real replies over the same candidate
    grams (:func:`training.stance.real.real_pairs`); each fold's model also gives the share of them it calls
    hostile (``real_hostile``) and offensive (``real_off``, at that fold's threshold) and their mean weight
    (``real_w``): a diagnostic of what it does on ordinary, mostly civil threads. ``judged``: the held-out rows
    judged are those whose (reply, parent), stripped and joined by a NUL character, is in it (None: all), e.g. the
    rows the neural scorer was not trained on (:func:`teacher_held_out`), where its soft targets cannot have
    carried their labels; blocks with distillation pools (:func:`training.stance.distill.distill_blocks`) train
    on those pools when the options give them weight.
    """
    o = {**OPTIONS, **(opts or {})}
    if blocks is None:
        blocks, _, _ = dev_blocks(dev_dir, o, bots=_uses_bots(o))
    if not o["partial"]:
        blocks = {name: b if name.endswith("_off") else one_class(b) for name, b in blocks.items()}
    sources = source_blocks(blocks) | {name: b for name, b in blocks.items() if name.removesuffix("_off") in DISTILL}
    char = np.zeros(next(iter(blocks.values())).g.shape[1], dtype=bool)
    fold_of = source_folds(sources, k)
    figures: dict[str, list[float]] = {}
    off_held: list[dict[str, tuple[np.ndarray, np.ndarray]]] = []
    real_logits: list[tuple[np.ndarray, np.ndarray]] = []

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    for j in range(k):
        train, held = _split(sources, fold_of, j)
        if judged is not None:
            keep = judged.implode()
            held = {name: b.take(np.flatnonzero(_keys(b.frame).is_in(keep).to_numpy())) for name, b in held.items()}
        stance, off, df_blocks = plan(train, o)
        heads = fit_heads(stance, off, o, df_blocks, char)
        if o["bias"]:
            heads.intercept = heads.intercept + tune_bias(stance, o, df_blocks, char)
        for src in _MACRO_SETS:
            rows, labels = labelled(held[src], held[src].frame)
            logits = heads.logits(rows)[0]
            add(src, macro_f1_3(logits, labels))
            if src in _NEUTRAL_SETS:
                add(f"neutral_w_{src}", _neutral_weight(logits, labels))
        for src, name in (("wikitactics", "wiki_hostile"), ("toxichat", "tc_hostile")):
            b = held[src]
            gold = (b.frame["allowed"] == _HOSTILE).to_numpy()
            add(name, f1_at((np.argmax(heads.logits(b)[0], axis=1) == 3).astype(float), gold, 0.5))
        if real is not None:
            real_logits.append(heads.logits(real))
        off_held.append({name.removesuffix("_off"): (sigmoid(heads.logits(b)[1]),
                                                     b.frame["offensive"].to_numpy().astype(bool))
                         for name, b in held.items() if name.endswith("_off")})
    for j in range(k):
        others = [off_held[i] for i in range(k) if i != j]
        t = best_mean_threshold([(np.concatenate([h[src][0] for h in others]),
                                  np.concatenate([h[src][1] for h in others])) for src in o["threshold_sources"]])
        (p_tc, y_tc), (p_ab, y_ab) = off_held[j]["toxichat"], off_held[j]["convabuse"]
        add("off_tc", f1_at(p_tc, y_tc, t))
        add("off_abuse", f1_at(p_ab, y_ab, t))
        add("off_tc_ap", _ap(p_tc, y_tc))
        add("off_threshold", t)
        if real is not None:
            real_stance, real_offence = real_logits[j]
            add("real_hostile", float(np.mean(np.argmax(real_stance, axis=1) == 3)))
            add("real_off", float(np.mean(sigmoid(real_offence) >= t)))
            add("real_w", float(np.mean(_probabilities(real_stance) @ _WEIGHTS)))
    out = {name: float(np.mean(v)) for name, v in figures.items()}
    out["neutral_w"] = float(np.mean([out[f"neutral_w_{src}"] for src in _NEUTRAL_SETS]))
    return out


def teacher_held_out(dev_dir: str | Path) -> pl.Series:
    """The (reply, parent) keys (as :func:`cross_validate`'s ``judged``) of the dev pairs the shipped neural scorer
    was not trained on: fold 0 of its grouped split (``training.pair.table``; its model card: "folds != 0")."""
    from discourse.stance._pair import MODEL_DIR
    from training.pair.table import build_table

    card = json.loads((MODEL_DIR / "model.json").read_text(encoding="utf-8"))
    if card.get("training", {}).get("shipped") != "folds != 0":
        raise ValueError("the shipped neural scorer was not trained on folds != 0: no dev rows are held out from it")
    return _keys(build_table(Path(dev_dir)).filter(pl.col("fold") == 0)).unique()
