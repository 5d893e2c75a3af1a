"""The default scorer: cue features of the reply in relation to its parent, and a small logistic model.

Features come from :func:`discourse.stance._features.features` (polars expressions over the whole
table); the model is a multinomial logistic regression over the four stance classes plus a binary
logistic regression for ``p_offensive``, whose coefficients live in ``data/cues_model.json`` and are
reproduced exactly by ``bench/train_stance.py``. Scoring is one matrix product per table.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from discourse._typing import STANCE_LABELS
from discourse.errors import ScorerError
from discourse.stance._base import PROB_COLUMNS, Scorer
from discourse.stance._features import FEATURES, features

__all__ = ["CueScorer", "load_model", "MODEL_FILE"]

MODEL_FILE = "cues_model.json"


@functools.cache
def _shipped_model_text() -> str:
    return (resources.files("discourse.stance") / "data" / MODEL_FILE).read_text(encoding="utf-8")


def load_model(path: str | Path | None = None) -> dict[str, Any]:
    """Read and check a cue-model JSON file (the shipped one when ``path`` is None)."""
    where = str(path) if path is not None else f"discourse/stance/data/{MODEL_FILE}"
    try:
        text = _shipped_model_text() if path is None else Path(path).read_text(encoding="utf-8")
        model = json.loads(text)
    except (OSError, json.JSONDecodeError) as err:
        raise ScorerError(f"{where}: cannot read the cue model ({err})") from err
    problems = []
    if model.get("features") != list(FEATURES):
        problems.append("its feature list differs from this version's FEATURES; retrain with bench/train_stance.py")
    if model.get("classes") != list(STANCE_LABELS):
        problems.append(f"classes must be {list(STANCE_LABELS)}")
    stance = model.get("stance", {})
    if np.shape(stance.get("coef")) != (len(STANCE_LABELS), len(FEATURES)) or len(stance.get("intercept", [])) != 4:
        problems.append("stance.coef must be 4 x n_features and stance.intercept 4 numbers")
    off = model.get("offensive", {})
    if np.shape(off.get("coef")) != (len(FEATURES),) or not isinstance(off.get("intercept"), (int, float)):
        problems.append("offensive.coef must be n_features numbers and offensive.intercept a number")
    if problems:
        raise ScorerError(f"{where}: not a usable cue model: " + "; ".join(problems))
    return model


class CueScorer(Scorer):
    """Default stance scorer ("cues"): position-aware cue features + multinomial logistic model.

    Parameters
    ----------
    model:
        Path of a model JSON written by ``bench/train_stance.py``; None uses the shipped one.
    """

    name = "cues"
    version = "1"

    def __init__(self, model: str | Path | None = None) -> None:
        self.model = model

    @property
    def offensive_threshold(self) -> float:  # type: ignore[override]
        return float(load_model(self.model)["offensive"].get("threshold", 0.5))

    def predict_proba(self, pairs: pl.DataFrame) -> pl.DataFrame:
        model = load_model(self.model)
        x = features(pairs).to_numpy()
        w = np.asarray(model["stance"]["coef"], dtype=np.float64)
        b = np.asarray(model["stance"]["intercept"], dtype=np.float64)
        logits = x @ w.T + b
        logits -= logits.max(axis=1, keepdims=True)
        expd = np.exp(logits)
        probs = expd / expd.sum(axis=1, keepdims=True)
        ow = np.asarray(model["offensive"]["coef"], dtype=np.float64)
        off = 1.0 / (1.0 + np.exp(-(x @ ow + float(model["offensive"]["intercept"]))))
        return pl.DataFrame({**{c: probs[:, i] for i, c in enumerate(PROB_COLUMNS)}, "p_offensive": off})
