"""The fast lexical scorer ("cues", also "fast"): cue features of the reply in relation to its parent, word
n-grams, and a logistic model; what ``score`` runs above the neural scorer's reply count.

Features come from :func:`discourse.stance._features.features` (polars expressions over the whole
table) and :mod:`discourse.stance._ngrams` (the reply's words and word pairs, its opening word,
and that word again when the parent asked a question). The model is a multinomial logistic regression
over the four stance classes plus a binary logistic regression for ``p_offensive``, whose coefficients
live in ``data/cues_model.json`` and are reproduced exactly by ``python -m training.train_stance``. Since
``cues/4`` it is fitted on every labeled dev set with partial labels (a set of three classes cannot tell
disagreement from hostility; an abuse set says nothing of agreement), see ``training/stance``. Scoring is one
matrix product for the cue features plus a sparse (reply x gram) count matrix times the model's gram table.
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
from discourse.stance._features import FEATURES, features_and_grams
from discourse.stance._ngrams import hits_matrix, patterns

__all__ = ["CHAR_MODEL_FILE", "MODEL_FILE", "CharCueScorer", "CueScorer", "gram_table", "load_model"]

MODEL_FILE = "cues_model.json"
CHAR_MODEL_FILE = "cues_char_model.json"


@functools.cache
def _shipped_model_text(file: str = MODEL_FILE) -> str:
    return (resources.files("discourse.stance") / "data" / file).read_text(encoding="utf-8")


def load_model(path: str | Path | None = None, shipped: str = MODEL_FILE) -> dict[str, Any]:
    """Read and check a cue-model JSON file (the shipped file ``shipped`` when ``path`` is None)."""
    where = str(path) if path is not None else f"discourse/stance/data/{shipped}"
    try:
        text = _shipped_model_text(shipped) if path is None else Path(path).read_text(encoding="utf-8")
        model = json.loads(text)
    except (OSError, json.JSONDecodeError) as err:
        raise ScorerError(f"{where}: cannot read the cue model ({err})") from err
    problems = []
    if model.get("features") != list(FEATURES):
        problems.append("its feature list differs from this version's FEATURES; retrain with training/train_stance.py")
    if model.get("classes") != list(STANCE_LABELS):
        problems.append(f"classes must be {list(STANCE_LABELS)}")
    stance = model.get("stance", {})
    if np.shape(stance.get("coef")) != (len(STANCE_LABELS), len(FEATURES)) or len(stance.get("intercept", [])) != 4:
        problems.append("stance.coef must be 4 x n_features and stance.intercept 4 numbers")
    off = model.get("offensive", {})
    if np.shape(off.get("coef")) != (len(FEATURES),) or not isinstance(off.get("intercept"), (int, float)):
        problems.append("offensive.coef must be n_features numbers and offensive.intercept a number")
    ngrams = model.get("ngrams")
    if ngrams is not None:
        columns = ["gram", *STANCE_LABELS, "offensive"]
        rows = ngrams.get("rows") if isinstance(ngrams, dict) else None
        if not isinstance(ngrams, dict) or ngrams.get("columns") != columns or not isinstance(rows, list):
            problems.append(f"ngrams must hold columns {columns} and a list of rows")
        else:
            bad = next((i for i, r in enumerate(rows) if not (isinstance(r, list) and len(r) == len(columns)
                        and isinstance(r[0], str) and all(isinstance(v, (int, float)) for v in r[1:]))), None)
            if bad is not None:
                problems.append(f"ngrams row {bad} must be a gram and {len(columns) - 1} numbers")
            elif len(set(patterns([r[0] for r in rows]))) != len(rows):
                problems.append("ngrams rows must name distinct grams")
    if problems:
        raise ScorerError(f"{where}: not a usable cue model: " + "; ".join(problems))
    return model


_GRAM_COLUMNS = (*STANCE_LABELS, "offensive")


def gram_table(model: dict[str, Any]) -> pl.DataFrame | None:
    """The model's n-gram coefficients as a frame, or None: ``_grams`` (the gram's search pattern, see
    :func:`discourse.stance._ngrams.patterns`), one Float64 column per head and the row number ``_i``."""
    ngrams = model.get("ngrams")
    if not ngrams or not ngrams["rows"]:
        return None
    rows = ngrams["rows"]
    return pl.DataFrame({"_grams": patterns([r[0] for r in rows]),
                         **{c: [float(r[i + 1]) for r in rows] for i, c in enumerate(_GRAM_COLUMNS)}},
                        schema={"_grams": pl.String, **dict.fromkeys(_GRAM_COLUMNS, pl.Float64)}
                        ).with_row_index("_i")


@functools.cache
def _shipped(file: str = MODEL_FILE) -> tuple[dict[str, Any], pl.DataFrame | None]:
    model = load_model(None, file)
    return model, gram_table(model)


def _model_and_table(path: str | Path | None, file: str = MODEL_FILE) -> tuple[dict[str, Any], pl.DataFrame | None]:
    if path is None:
        return _shipped(file)
    model = load_model(path)
    return model, gram_table(model)


class CueScorer(Scorer):
    """The fast stance scorer ("cues"): position-aware cue features and word grams + multinomial logistic model.

    Parameters
    ----------
    model:
        Path of a model JSON written by ``python -m training.train_stance``; None uses the shipped one.
    """

    name = "cues"
    version = "5"
    reads_quotes = True     # "quotes the parent" is one of its features; it drops quoted lines itself
    shipped_file: str = MODEL_FILE

    def __init__(self, model: str | Path | None = None) -> None:
        self.model = model

    @property
    def offensive_threshold(self) -> float:  # type: ignore[override]
        return float(_model_and_table(self.model, self.shipped_file)[0]["offensive"].get("threshold", 0.5))

    def predict_proba(self, pairs: pl.DataFrame) -> pl.DataFrame:
        model, table = _model_and_table(self.model, self.shipped_file)
        pats = None if table is None else table["_grams"].to_list()
        fx, hits = features_and_grams(pairs, gram_patterns=pats)
        x = fx.select(FEATURES).to_numpy()
        w = np.asarray(model["stance"]["coef"], dtype=np.float64)
        b = np.asarray(model["stance"]["intercept"], dtype=np.float64)
        ow = np.asarray(model["offensive"]["coef"], dtype=np.float64)
        # summed feature by feature, in a fixed order: a multi-threaded BLAS product sums in an order that
        # depends on the thread count, which moved the last bit of a few replies' probabilities
        logits = np.tile(b, (x.shape[0], 1))
        off_logit = np.full(x.shape[0], float(model["offensive"]["intercept"]))
        for f in range(x.shape[1]):
            logits += x[:, f, None] * w[None, :, f]
            off_logit += x[:, f] * ow[f]
        if hits is not None and pats is not None and table is not None:
            # each occurrence of a known gram adds its coefficients to its reply's logits: a sparse (reply x gram)
            # count matrix times the gram table, summed in match order (the same result on any thread count)
            counts = hits_matrix(hits, len(pats), canonical=False)
            add = counts @ table.select(_GRAM_COLUMNS).to_numpy()
            logits += add[:, :4]
            off_logit += add[:, 4]
        logits -= logits.max(axis=1, keepdims=True)
        expd = np.exp(logits)
        probs = expd / expd.sum(axis=1, keepdims=True)
        off = 1.0 / (1.0 + np.exp(-off_logit))
        return pl.DataFrame({**{c: probs[:, i] for i, c in enumerate(PROB_COLUMNS)}, "p_offensive": off})


class CharCueScorer(CueScorer):
    """``cues-char``: the default scorer whose offensive head also reads character 3-5 grams inside words.

    Same stance head as ``cues``; ``p_offensive`` adds the coefficients of a few thousand character grams
    (``"~uck"``, ``"~ idi"``), which catch inflected, compounded and obfuscated swearing. About a third of the
    default scorer's speed (the grams add ~80 matches per reply), so it is opt-in.
    """

    name = "cues-char"
    version = "5"
    shipped_file = CHAR_MODEL_FILE
