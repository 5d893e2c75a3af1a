"""Fit the default scorer's coefficients on the labeled *dev* sets (never holdout).

Stance model (4 classes): ToxiChat train + dev Reddit replies (stance toward the previous turn; an
offensive reply aimed at an individual redditor / the comment author, not agreeing, is ``hostile``),
Lei & Huang MaskMandate pairs, and the CAT_SMALL pairs judged toxic in context (``hostile``). Each
source gets the same total weight, classes are balanced, the fit is L2 logistic regression (lbfgs).

Offensive model (binary): ToxiChat train turns + CAT_SMALL out-of-context labels; its threshold is the
one that maximises F1 on ToxiChat dev.

Coefficients are rounded to 6 decimals, so re-running gives the same JSON byte for byte. Needs
scikit-learn (the ``train`` extra).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from discourse._typing import STANCE_LABELS
from discourse.errors import MissingDependency
from discourse.stance._data import read_labeled
from discourse.stance._features import FEATURES, features

__all__ = ["DEV_FILES", "stance_targets", "training_frames", "train_cue_model"]

DEV_FILES = {
    "toxichat_train": "toxichat_train.jsonl",
    "toxichat_dev": "toxichat_dev.jsonl",
    "mask": "lei_huang_subreddit_MaskMandate.csv",
    "cat": "context_toxicity_cat_small.csv",
}
SETTINGS = {"C": 1.0, "class_weight": "balanced", "source_weight": 1000.0, "max_iter": 5000, "tol": 1e-8}


def stance_targets(labeled: pl.DataFrame) -> pl.DataFrame:
    """Rows with a stance target ``y``: hostile where an offence aims at the person and does not agree."""
    attack = (pl.col("offensive").fill_null(False) & pl.col("target_person").fill_null(False)
              & (pl.col("label").fill_null("") != "agree"))
    y = pl.when(attack & pl.col("parent_text").is_not_null()).then(pl.lit("hostile")).otherwise(pl.col("label"))
    return labeled.with_columns(y.alias("y")).filter(pl.col("y").is_not_null() & pl.col("parent_text").is_not_null())


def training_frames(dev_dir: str | Path) -> dict[str, pl.DataFrame]:
    """The dev files read with :func:`discourse.stance._data.read_labeled`, keyed as in :data:`DEV_FILES`."""
    d = Path(dev_dir)
    return {key: read_labeled(d / name) for key, name in DEV_FILES.items()}


def _sklearn() -> Any:
    try:
        from sklearn.linear_model import LogisticRegression
    except ModuleNotFoundError as err:
        raise MissingDependency("training the stance model", "scikit-learn", extra="train") from err
    return LogisticRegression


def _xy(frames: list[pl.DataFrame], target: str, classes: list[Any], source_weight: float
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ws = [], [], []
    for df in frames:
        xs.append(features(df).to_numpy())
        ys.append(np.array([classes.index(v) for v in df[target].to_list()]))
        ws.append(np.full(df.height, source_weight / max(df.height, 1)))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def _best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    best, best_f1 = 0.5, -1.0
    for t in np.round(np.arange(0.05, 0.951, 0.01), 2):
        pred = p >= t
        tp = float(np.sum(pred & y))
        f1 = 2 * tp / (float(pred.sum()) + float(y.sum())) if (pred.sum() + y.sum()) else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(t), f1
    return best


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_cue_model(dev_dir: str | Path) -> dict[str, Any]:
    """The cue model as a JSON-ready dict, fitted on the dev files in ``dev_dir``."""
    logistic = _sklearn()
    frames = training_frames(dev_dir)
    s = SETTINGS
    stance_sets = [stance_targets(frames[k]) for k in ("toxichat_train", "toxichat_dev", "mask", "cat")]
    x, y, w = _xy(stance_sets, "y", list(STANCE_LABELS), s["source_weight"])
    stance = logistic(C=s["C"], class_weight=s["class_weight"], max_iter=s["max_iter"], tol=s["tol"])
    stance.fit(x, y, sample_weight=w)

    off_train = [f.filter(pl.col("offensive").is_not_null()) for f in (frames["toxichat_train"], frames["cat"])]
    xo, yo, wo = _xy(off_train, "offensive", [False, True], s["source_weight"])
    off = logistic(C=s["C"], class_weight=s["class_weight"], max_iter=s["max_iter"], tol=s["tol"])
    off.fit(xo, yo, sample_weight=wo)
    off_coef = np.round(off.coef_[0], 6)
    off_icpt = round(float(off.intercept_[0]), 6)
    dev = frames["toxichat_dev"]
    xd = features(dev).to_numpy()
    p_dev = 1.0 / (1.0 + np.exp(-(xd @ off_coef + off_icpt)))
    threshold = _best_threshold(p_dev, dev["offensive"].to_numpy().astype(bool))

    d = Path(dev_dir)
    return {
        "name": "cues",
        "version": "1",
        "features": list(FEATURES),
        "classes": list(STANCE_LABELS),
        "stance": {
            "intercept": [round(float(v), 6) for v in stance.intercept_],
            "coef": [[round(float(v), 6) for v in row] for row in stance.coef_],
        },
        "offensive": {"intercept": off_icpt, "coef": [float(v) for v in off_coef], "threshold": threshold},
        "settings": dict(s),
        "trained_on": {name: {"rows": frames[k].height, "sha256": _sha256(d / name)} for k, name in DEV_FILES.items()},
    }
