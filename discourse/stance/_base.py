"""The scorer interface, adapters for user callables and scikit-learn pipelines, and the registry.

A scorer follows the scikit-learn estimator contract: parameters are keyword arguments to
``__init__``, which stores them and does nothing else (no file read, no model load). Its one method,
``predict_proba(pairs)``, takes a frame of non-empty replies with ``text`` and ``parent_text`` and
returns one row per reply with ``p_agree, p_neutral, p_disagree, p_hostile`` (summing to 1) and
``p_offensive`` (may be null when the scorer has no opinion). :func:`discourse.stance.score` turns those
into the full :data:`discourse.schema.STANCE_COLUMNS`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal

import polars as pl

from discourse._typing import STANCE_LABELS
from discourse.errors import ScorerError
from discourse.options import AUTO_SCORER

__all__ = [
    "LABEL_WEIGHTS",
    "PROB_COLUMNS",
    "SCORERS",
    "FunctionScorer",
    "PipelineScorer",
    "Scorer",
    "get_scorer",
    "register_scorer",
]

PROB_COLUMNS: tuple[str, ...] = tuple(f"p_{label}" for label in STANCE_LABELS)
LABEL_WEIGHTS: dict[str, float] = {"agree": 1.0, "neutral": 0.0, "disagree": -0.5, "hostile": -1.0}


class Scorer:
    """Base class of stance scorers. Subclasses set ``name`` and ``version`` and implement ``predict_proba``."""

    name: ClassVar[str] = "scorer"
    version: ClassVar[str] = "0"
    offensive_threshold: float = 0.5
    # the languages the scorer was trained on (ISO 639-1): replies detected in another are scored with
    # low confidence (see discourse.stance.score); None: any language
    languages: ClassVar[tuple[str, ...] | None] = ("en",)
    # True when the scorer reads quoted lines itself (the cue features note that a reply quotes); else
    # it is handed the reply's own words, quoted lines ("> ...") removed
    reads_quotes: ClassVar[bool] = False

    def predict_proba(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """Class probabilities for each row of ``pairs`` (columns ``text``, ``parent_text``, no empty text)."""
        raise NotImplementedError

    @property
    def ident(self) -> str:
        """``"name/version"``, written to the ``scorer`` column."""
        return f"{self.name}/{self.version}"

    def get_params(self) -> dict[str, Any]:
        """The ``__init__`` parameters and their current values (scikit-learn style)."""
        sig = inspect.signature(type(self).__init__)
        return {k: getattr(self, k) for k in sig.parameters if k != "self" and hasattr(self, k)}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def _probability_row(value: Any, scorer: str, row: int) -> tuple[float, float, float, float, float | None]:
    """Read one callable's answer: a mapping of label -> probability, or a sequence of 3 to 5 numbers."""
    try:
        if isinstance(value, Mapping):
            keys = {str(k).lower().removeprefix("p_"): v for k, v in value.items()}
            unknown = set(keys) - {*STANCE_LABELS, "offensive"}
            if unknown:
                raise ScorerError(f"scorer {scorer!r}, reply {row}: unknown label(s) {sorted(unknown)}; "
                                  f"expected keys among {[*STANCE_LABELS, 'offensive']}")
            probs = [float(keys.get(label, 0.0)) for label in STANCE_LABELS]
            off = keys.get("offensive")
            return (*probs, None if off is None else float(off))  # type: ignore[return-value]
        if not isinstance(value, (str, bytes)) and hasattr(value, "__len__"):
            seq = [float(v) for v in value]
            if len(seq) in (3, 4, 5):
                hostile = seq[3] if len(seq) > 3 else 0.0
                return (seq[0], seq[1], seq[2], hostile, seq[4] if len(seq) == 5 else None)
    except (TypeError, ValueError) as err:
        raise ScorerError(f"scorer {scorer!r}, reply {row}: returned {value!r}, which is not numeric") from err
    raise ScorerError(
        f"scorer {scorer!r}, reply {row}: returned {value!r}; expected a mapping label -> probability or "
        "a sequence (agree, neutral, disagree[, hostile[, offensive]])"
    )


class FunctionScorer(Scorer):
    """Wraps any callable ``func(text, parent_text) -> probabilities`` (called once per reply).

    The callable returns a mapping ``{"agree": .., "neutral": .., "disagree": .., "hostile": ..,
    "offensive": ..}`` (missing labels count 0, ``offensive`` optional) or a sequence
    ``(agree, neutral, disagree[, hostile[, offensive]])``. Rows are renormalised to sum to 1.
    """

    name = "function"
    languages = None

    def __init__(self, func: Callable[[str, str | None], Any], label: str = "function", version: str = "user") -> None:
        self.func = func
        self.label = label
        self.version_ = version

    @property
    def ident(self) -> str:
        return f"{self.label}/{self.version_}"

    def predict_proba(self, pairs: pl.DataFrame) -> pl.DataFrame:
        rows = [
            _probability_row(self.func(t, p), self.label, i)
            for i, (t, p) in enumerate(zip(pairs["text"].to_list(), pairs["parent_text"].to_list()))
        ]
        return pl.DataFrame(rows, schema={**dict.fromkeys(PROB_COLUMNS, pl.Float64), "p_offensive": pl.Float64},
                            orient="row")


class PipelineScorer(Scorer):
    """Wraps a fitted scikit-learn estimator or pipeline with ``predict_proba`` and string ``classes_``.

    ``input`` says what it is fed: ``"text"`` the reply texts (a list of str), ``"pair"`` parent and
    reply joined by a newline, ``"frame"`` the polars frame of ``text`` and ``parent_text``. Its
    classes must be stance labels (``agree``, ``neutral``, ``disagree``, ``hostile``; case ignored);
    labels it lacks get probability 0. An ``offensive`` class, if present, fills ``p_offensive``.
    """

    name = "pipeline"
    languages = None

    def __init__(self, pipeline: Any, label: str = "pipeline", input: Literal["text", "pair", "frame"] = "text",
                 version: str = "user") -> None:
        self.pipeline = pipeline
        self.label = label
        self.input = input
        self.version_ = version

    @property
    def ident(self) -> str:
        return f"{self.label}/{self.version_}"

    def predict_proba(self, pairs: pl.DataFrame) -> pl.DataFrame:
        if self.input == "text":
            x: Any = pairs["text"].to_list()
        elif self.input == "pair":
            x = [f"{p or ''}\n{t}" for t, p in zip(pairs["text"].to_list(), pairs["parent_text"].to_list())]
        elif self.input == "frame":
            x = pairs.select("text", "parent_text")
        else:
            raise ScorerError(f"scorer {self.label!r}: input must be 'text', 'pair' or 'frame', not {self.input!r}")
        classes = [str(c).lower() for c in getattr(self.pipeline, "classes_", [])]
        bad = [c for c in classes if c not in (*STANCE_LABELS, "offensive")]
        if not classes or bad:
            raise ScorerError(f"scorer {self.label!r}: its classes_ {classes or 'are missing'} must be stance labels "
                              f"{list(STANCE_LABELS)}; fit it on those label strings")
        proba = self.pipeline.predict_proba(x)
        cols = {name: [float(row[i]) for row in proba] for i, name in enumerate(classes)}
        n = pairs.height
        return pl.DataFrame({
            **{f"p_{label}": cols.get(label, [0.0] * n) for label in STANCE_LABELS},
            "p_offensive": cols.get("offensive", [None] * n),
        }, schema={**dict.fromkeys(PROB_COLUMNS, pl.Float64), "p_offensive": pl.Float64})


SCORERS: dict[str, Scorer] = {}


def register_scorer(name: str, obj: Any, *, replace: bool = False) -> Scorer:
    """Register a scorer under ``name`` and return it.

    ``obj`` is a :class:`Scorer`, a fitted scikit-learn estimator/pipeline (anything with
    ``predict_proba``; fed the reply texts), or a callable ``(text, parent_text) -> probabilities``.
    A name already taken raises :class:`~discourse.errors.ScorerError` unless ``replace=True``.
    """
    if not isinstance(name, str) or not name or "/" in name:
        raise ScorerError(f"scorer name {name!r} must be a non-empty string without '/'")
    if name == AUTO_SCORER:
        raise ScorerError(f"the scorer name {name!r} is reserved: it chooses the neural or the fast scorer by size")
    if name in SCORERS and not replace:
        raise ScorerError(f"a scorer named {name!r} is already registered; pass replace=True to replace it")
    if isinstance(obj, Scorer):
        scorer = obj
    elif hasattr(obj, "predict_proba"):
        scorer = PipelineScorer(obj, label=name)
    elif callable(obj):
        scorer = FunctionScorer(obj, label=name)
    else:
        raise ScorerError(f"scorer {name!r}: expected a Scorer, an estimator with predict_proba or a callable "
                          f"(text, parent_text) -> probabilities, got {type(obj).__name__}")
    SCORERS[name] = scorer
    return scorer


def get_scorer(name: str | Scorer) -> Scorer:
    """The registered scorer called ``name`` (a :class:`Scorer` is returned as is)."""
    if isinstance(name, Scorer):
        return name
    if name not in SCORERS:
        raise ScorerError(f"unknown stance scorer {name!r}; registered scorers: {', '.join(sorted(SCORERS))} "
                          f"(and {AUTO_SCORER!r}, which chooses between them by size)")
    return SCORERS[name]
