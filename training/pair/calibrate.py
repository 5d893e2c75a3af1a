"""Calibration fitted on held-out dev predictions, so that the scorer's probabilities mean what they say.

- Stance: one temperature ``T`` for the four stance logits, minimising the partial-label negative
  log-likelihood ``-log sum_{c in mask} softmax(z / T)_c`` of the held-out rows.
- Offence: Platt scaling of the offence logit, ``sigmoid(z / T_off + b_off)``, by binary log-loss on rows
  whose source labels offence.
- ``offensive_threshold``: the cut on calibrated ``p_offensive`` that maximises the mean of the ToxiChat
  offensive F1 and the ConvAbuse abusive F1 on the held-out rows (the two offence figures we answer for).

The same arithmetic runs at inference (:func:`discourse.stance._pair.probabilities`), so it is imported here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy.optimize import minimize, minimize_scalar

from discourse.stance._pair import ModelCard, probabilities
from training.pair.labels import ANY

THRESHOLD_SOURCES = ("toxichat", "convabuse")


@dataclass(frozen=True)
class Calibration:
    temperature: float
    offensive_temperature: float
    offensive_bias: float
    offensive_threshold: float

    @classmethod
    def identity(cls, threshold: float = 0.5) -> Calibration:
        return cls(1.0, 1.0, 0.0, threshold)


    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """n x 5 probabilities through the run-time code path (a card holding only these numbers)."""
        card = ModelCard(directory=None, version="", files={}, labels=(), max_reply=0, max_total=0,  # type: ignore[arg-type]
                         **self.to_dict())
        return probabilities(logits, card)


def partial_nll(z: np.ndarray, mask: np.ndarray) -> float:
    """Mean ``-log P(allowed set)`` of 4-class logits ``z`` under bit masks ``mask``."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    bits = ((mask[:, None] >> np.arange(4)) & 1).astype(bool)
    return float(np.mean(np.log(e.sum(1)) - np.log((e * bits).sum(1) + 1e-300)))


def fit_temperature(z: np.ndarray, mask: np.ndarray) -> float:
    keep = mask != ANY
    res = minimize_scalar(lambda lt: partial_nll(z[keep] / np.exp(lt), mask[keep]), bounds=(-2.0, 2.0),
                          method="bounded")
    return float(np.exp(res.x))


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(T, b) minimising the log-loss of ``sigmoid(z / T + b)`` against 0/1 ``y`` (L-BFGS on the convex
    log-loss in (1/T, b), with its exact gradient)."""

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = params
        s = z * a + b
        resid = 1.0 / (1.0 + np.exp(-s)) - y
        return float(np.mean(np.logaddexp(0.0, s) - y * s)), np.array([np.mean(resid * z), np.mean(resid)])

    res = minimize(loss, x0=np.array([1.0, 0.0]), jac=True, method="L-BFGS-B", options={"gtol": 1e-10})
    a, b = res.x
    return float(1.0 / max(a, 1e-3)), float(b)


def best_threshold(p: np.ndarray, gold: np.ndarray, groups: list[np.ndarray]) -> float:
    """The cut (0.05..0.95 by 0.01) maximising the mean F1 over ``groups`` (row selections); the middle of
    the best plateau, so a flat optimum does not pick its edge."""
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    scores = []
    for t in grid:
        f1s = []
        for sel in groups:
            pred, g = p[sel] >= t, gold[sel]
            tp = float(np.sum(pred & g))
            f1s.append(2 * tp / (pred.sum() + g.sum()) if pred.sum() + g.sum() else 0.0)
        scores.append(np.mean(f1s))
    scores_arr = np.array(scores)
    best = np.flatnonzero(scores_arr >= scores_arr.max() - 1e-9)
    return float(grid[best[len(best) // 2]])


def fit_calibration(logits: np.ndarray, df: pl.DataFrame) -> Calibration:
    """Fit the temperature, Platt parameters and the offensive threshold on held-out ``logits`` of ``df``."""
    mask = df["mask"].to_numpy()
    temperature = fit_temperature(logits[:, :4].astype(np.float64), mask)
    off_known = df["offensive"].is_not_null().to_numpy()
    gold = df["offensive"].fill_null(False).to_numpy()
    t_off, b_off = fit_platt(logits[off_known, 4].astype(np.float64), gold[off_known].astype(float))
    p = Calibration(temperature, t_off, b_off, 0.5).probabilities(logits)[:, 4]
    groups = [(off_known & (df["source"] == s).to_numpy()) for s in THRESHOLD_SOURCES]
    return Calibration(temperature, t_off, b_off, best_threshold(p, gold, groups))
