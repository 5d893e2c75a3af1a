"""Dev figures of held-out predictions, each computed the way the lead measures its holdout counterpart.

- ``toxichat_macro_f1``: ToxiChat stance (agree / neutral / disagree; a predicted hostile counts as disagree).
- ``maskmandate_macro_f1``: Lei & Huang MaskMandate, same three classes (stand-in for CovidVaccine).
- ``wikitactics_hostile_f1``: WikiTactics, hostile (DH0/DH1) against the rest, predicted label = argmax.
- ``convabuse_abusive_f1`` and ``toxichat_offensive_f1``: ``p_offensive >= threshold`` against the gold flag.
- ``debagreement_macro_f1``, ``rumoureval_macro_f1``: the other 3-class sets, for reference.
- ``ece_stance``: top-label ECE, on the three classes for 3-class sources and on four for WikiTactics;
  ``ece_offensive``: ECE of the offence flag's confidence where a source labels offence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from discourse.stance._eval import classification_metrics, expected_calibration_error
from training.pair.calibrate import Calibration

THREE = ("agree", "neutral", "disagree")
FOUR = ("agree", "neutral", "disagree", "hostile")
THREE_CLASS_SOURCES = ("toxichat", "maskmandate", "debagreement", "rumoureval")


def _three(p: np.ndarray) -> np.ndarray:
    """4-class probabilities folded to agree / neutral / disagree (hostile counted as disagree)."""
    return np.column_stack([p[:, 0], p[:, 1], p[:, 2] + p[:, 3]])


def _f1(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(gold & pred))
    return 2 * tp / (gold.sum() + pred.sum()) if gold.sum() + pred.sum() else 0.0


def macro_f1(df: pl.DataFrame, probs: np.ndarray, source: str) -> dict[str, Any]:
    """3-class macro-F1 and per-class F1 of ``source``'s labeled replies (with a parent)."""
    sel = ((df["source"] == source) & df["label"].is_in(THREE) & (df["parent_text"] != "")).to_numpy()
    gold = np.array([THREE.index(v) for v in df["label"].filter(sel).to_list()], dtype=np.int64)
    p3 = _three(probs[sel, :4])
    _, macro, per, _ = classification_metrics(gold, p3.argmax(1), 3)
    return {"macro_f1": macro, "n": int(sel.sum()), **{f"f1_{lab}": m["f1"] for lab, m in zip(THREE, per, strict=True)}}


def stance_ece(df: pl.DataFrame, probs: np.ndarray) -> float:
    """Top-label ECE over 3-class sources (folded) and WikiTactics (four classes), pooled."""
    conf, correct = [], []
    for source in THREE_CLASS_SOURCES:
        sel = ((df["source"] == source) & df["label"].is_in(THREE) & (df["parent_text"] != "")).to_numpy()
        p3 = _three(probs[sel, :4])
        gold = np.array([THREE.index(v) for v in df["label"].filter(sel).to_list()])
        conf.append(p3.max(1))
        correct.append(p3.argmax(1) == gold)
    sel = ((df["source"] == "wikitactics") & df["label"].is_in(FOUR)).to_numpy()
    gold = np.array([FOUR.index(v) for v in df["label"].filter(sel).to_list()])
    conf.append(probs[sel, :4].max(1))
    correct.append(probs[sel, :4].argmax(1) == gold)
    return expected_calibration_error(np.concatenate(conf), np.concatenate(correct).astype(float))


def offensive_rows(df: pl.DataFrame, source: str | None = None) -> np.ndarray:
    sel = df["offensive"].is_not_null()
    if source is not None:
        sel = sel & (df["source"] == source)
    return sel.to_numpy()


def dev_figures(df: pl.DataFrame, logits: np.ndarray, cal: Calibration) -> dict[str, Any]:
    """Every dev figure for held-out rows ``df`` with raw ``logits``, probabilities from ``cal``."""
    probs = cal.probabilities(logits)
    off = probs[:, 4] >= cal.offensive_threshold
    gold_off = df["offensive"].fill_null(False).to_numpy()
    out: dict[str, Any] = {}
    for source in ("toxichat", "maskmandate", "debagreement", "rumoureval"):
        out[source] = macro_f1(df, probs, source)
    wt = (df["source"] == "wikitactics").to_numpy()
    hostile = (df["label"] == "hostile").fill_null(False).to_numpy()
    out["wikitactics_hostile_f1"] = _f1(hostile[wt], probs[wt, :4].argmax(1) == 3)
    for source in ("convabuse", "toxichat", "cat", "diasafety"):
        sel = offensive_rows(df, source)
        out[f"{source}_offensive_f1"] = _f1(gold_off[sel], off[sel])
    out["ece_stance"] = stance_ece(df, probs)
    sel = offensive_rows(df)
    p = probs[sel, 4]
    out["ece_offensive"] = expected_calibration_error(np.maximum(p, 1 - p), ((p >= 0.5) == gold_off[sel]).astype(float))
    out["headline"] = {
        "toxichat_macro_f1": out["toxichat"]["macro_f1"], "maskmandate_macro_f1": out["maskmandate"]["macro_f1"],
        "wikitactics_hostile_f1": out["wikitactics_hostile_f1"],
        "convabuse_abusive_f1": out["convabuse_offensive_f1"], "toxichat_offensive_f1": out["toxichat_offensive_f1"],
    }
    return out

