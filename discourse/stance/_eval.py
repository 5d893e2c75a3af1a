"""Measure a scorer against a labeled file: accuracy, macro-F1, per-class precision and recall, the
confusion matrix, calibration (expected calibration error) and, where labeled, F1 of ``offensive``.

When the gold labels hold no ``hostile`` (most stance sets: agree / neutral / disagree), a predicted
``hostile`` counts as ``disagree`` and its probability is added to ``p_disagree``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from discourse._typing import STANCE_LABELS
from discourse.errors import NoUsableComments
from discourse.stance._base import Scorer
from discourse.stance._score import score

__all__ = [
    "Evaluation",
    "binary_f1",
    "classification_metrics",
    "evaluate",
    "expected_calibration_error",
]


@dataclass
class Evaluation:
    """Scores of one scorer on one labeled set. ``confusion[i][j]``: gold ``labels[i]``, predicted ``labels[j]``."""

    scorer: str
    n: int
    labels: tuple[str, ...]
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
    ece: float
    offensive: dict[str, float] | None = None
    notes: list[str] = field(default_factory=list)
    # 95% percentile-bootstrap intervals (replies resampled with replacement): "macro_f1", "f1:<label>",
    # "ece", "offensive_f1"
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    resamples: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"scorer": self.scorer, "n": self.n, "labels": list(self.labels), "accuracy": self.accuracy,
                "macro_f1": self.macro_f1, "per_class": self.per_class, "confusion": self.confusion,
                "ece": self.ece, "offensive": self.offensive, "notes": list(self.notes),
                "intervals": {k: list(v) for k, v in self.intervals.items()}, "resamples": self.resamples}

    def to_text(self) -> str:
        """A plain-text report."""
        def ci(key: str) -> str:
            lo_hi = self.intervals.get(key)
            return f" [{lo_hi[0]:.3f}, {lo_hi[1]:.3f}]" if lo_hi else ""

        lines = [f"scorer {self.scorer}: {self.n} labeled replies"
                 + (f" (intervals: 95% bootstrap, {self.resamples} resamples)" if self.resamples else ""),
                 f"accuracy {self.accuracy:.3f}   macro-F1 {self.macro_f1:.3f}{ci('macro_f1')}   "
                 f"ECE {self.ece:.3f}{ci('ece')}", "",
                 f"{'class':<10}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}   F1 interval"]
        for lab in self.labels:
            m = self.per_class[lab]
            lines.append(f"{lab:<10}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>7.3f}{int(m['support']):>9}"
                         f"  {ci('f1:' + lab)}")
        lines += ["", "confusion (rows gold, columns predicted)", " " * 10 + "".join(f"{lab:>10}" for lab in self.labels)]
        for lab, row in zip(self.labels, self.confusion):
            lines.append(f"{lab:<10}" + "".join(f"{v:>10}" for v in row))
        if self.offensive:
            o = self.offensive
            lines += ["", f"offensive: precision {o['precision']:.3f}  recall {o['recall']:.3f}  F1 {o['f1']:.3f}"
                          f"{ci('offensive_f1')}  (n {int(o['n'])}, {int(o['positives'])} offensive)"]
        lines += self.notes
        return "\n".join(lines)


def classification_metrics(gold: np.ndarray, pred: np.ndarray, k: int) -> tuple[float, float, list[dict[str, float]], np.ndarray]:
    """Accuracy, macro-F1, per-class {precision, recall, f1, support} and the k x k confusion matrix."""
    conf = np.zeros((k, k), dtype=np.int64)
    np.add.at(conf, (gold, pred), 1)
    per = []
    for i in range(k):
        tp = conf[i, i]
        prec = tp / conf[:, i].sum() if conf[:, i].sum() else 0.0
        rec = tp / conf[i, :].sum() if conf[i, :].sum() else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per.append({"precision": float(prec), "recall": float(rec), "f1": float(f1), "support": float(conf[i, :].sum())})
    acc = float(np.trace(conf) / max(conf.sum(), 1))
    return acc, float(np.mean([m["f1"] for m in per])), per, conf


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> float:
    """ECE over equal-width confidence bins: sum over bins of share x |accuracy - mean confidence|."""
    if confidence.size == 0:
        return 0.0
    bins = np.minimum((confidence * n_bins).astype(np.int64), n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        sel = bins == b
        if sel.any():
            ece += sel.mean() * abs(correct[sel].mean() - confidence[sel].mean())
    return float(ece)


def evaluate(labeled: pl.DataFrame, scorer: str | Scorer = "default", n_bins: int = 10, *,
             resamples: int = 1000, seed: int = 0) -> Evaluation:
    """Score ``labeled`` (``text, parent_text, label`` and optionally ``offensive``) and compare, with
    95% bootstrap intervals from ``resamples`` resamples of the replies (0: none)."""
    stance_rows = labeled.filter(pl.col("label").is_not_null())
    if stance_rows.height == 0 and ("offensive" not in labeled.columns or labeled["offensive"].null_count() == labeled.height):
        raise NoUsableComments("labeled file", "no row has a stance label or an offensive label")
    scored = score(labeled, scorer)
    ident = scored["scorer"][0] if scored.height else str(scorer)
    gold_labels = set(stance_rows["label"].unique().to_list())
    labels = STANCE_LABELS if "hostile" in gold_labels else ("agree", "neutral", "disagree")
    s = scored.with_columns(pl.Series("_gold", labeled["label"])).filter(pl.col("_gold").is_not_null())
    if len(labels) == 3:
        s = s.with_columns((pl.col("p_disagree") + pl.col("p_hostile")).alias("p_disagree"),
                           pl.col("label").replace("hostile", "disagree"))
    probs = s.select([f"p_{lab}" for lab in labels]).to_numpy()
    gold = np.array([labels.index(v) for v in s["_gold"].to_list()], dtype=np.int64)
    pred = np.array([labels.index(v) for v in s["label"].to_list()], dtype=np.int64)
    acc, macro, per, conf = classification_metrics(gold, pred, len(labels)) if s.height else (0.0, 0.0, [
        {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0.0}] * len(labels), np.zeros((len(labels),) * 2, int))
    ece = expected_calibration_error(probs.max(axis=1) if s.height else np.array([]), (gold == pred).astype(float), n_bins)
    offensive = None
    g = p = np.zeros(0, dtype=bool)
    if "offensive" in labeled.columns:
        o = scored.with_columns(pl.Series("_gold_off", labeled["offensive"])).filter(
            pl.col("_gold_off").is_not_null() & pl.col("offensive").is_not_null())
        if o.height:
            g = o["_gold_off"].to_numpy().astype(bool)
            p = o["offensive"].to_numpy().astype(bool)
            prec, rec, f1 = binary_f1(g, p)
            offensive = {"precision": prec, "recall": rec, "f1": f1, "n": float(o.height), "positives": float(g.sum())}
    intervals = _bootstrap(gold, pred, probs, len(labels), labels, g, p, resamples, seed, n_bins)
    return Evaluation(scorer=ident, n=s.height, labels=tuple(labels), accuracy=acc, macro_f1=macro,
                      per_class=dict(zip(labels, per)), confusion=conf.tolist(), ece=ece, offensive=offensive,
                      intervals=intervals, resamples=resamples if intervals else 0)


def binary_f1(gold: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall and F1 of the positive class of two Boolean arrays."""
    tp = float(np.sum(gold & pred))
    prec = tp / pred.sum() if pred.sum() else 0.0
    rec = tp / gold.sum() if gold.sum() else 0.0
    return float(prec), float(rec), 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def _bootstrap(gold: np.ndarray, pred: np.ndarray, probs: np.ndarray, k: int, labels: tuple[str, ...],
               off_gold: np.ndarray, off_pred: np.ndarray, resamples: int, seed: int,
               n_bins: int) -> dict[str, tuple[float, float]]:
    """95% percentile-bootstrap intervals of macro-F1, each class's F1, ECE and offensive F1: the
    labeled replies resampled with replacement ``resamples`` times (seeded, so the same figures come
    back)."""
    if not resamples or gold.size < 2:
        return {}
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {}
    correct = (gold == pred).astype(float)
    confidence = probs.max(axis=1)
    for _ in range(resamples):
        i = rng.integers(0, gold.size, gold.size)
        _, macro, per, _ = classification_metrics(gold[i], pred[i], k)
        draws.setdefault("macro_f1", []).append(macro)
        for lab, m in zip(labels, per):
            draws.setdefault(f"f1:{lab}", []).append(m["f1"])
        draws.setdefault("ece", []).append(expected_calibration_error(confidence[i], correct[i], n_bins))
        if off_gold.size:
            j = rng.integers(0, off_gold.size, off_gold.size)
            draws.setdefault("offensive_f1", []).append(binary_f1(off_gold[j], off_pred[j])[2])
    return {key: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for key, v in draws.items()}
