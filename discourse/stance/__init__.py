"""Stance of each reply toward its parent: agree, neutral, disagree or hostile.

>>> import polars as pl
>>> from discourse.stance import score
>>> out = score(pl.DataFrame({"text": ["You idiot."], "parent_text": ["Masks work."]}))
>>> out["label"].item()
'hostile'

Scorers: ``neural`` (a MiniLM cross-encoder reading reply and parent together, int8 ONNX run by
onnxruntime, offline; a few hundred replies a second), ``fast`` (= ``cues``: cue features + a small
logistic model, vectorised, ~100,000 replies a second), ``default`` (not a scorer but a choice: neural
up to ``NEURAL_MAX_REPLIES`` replies, fast above; see :func:`choose_scorer`), ``cues-char`` (the same, whose offensive head also reads character grams: better ``p_offensive``, half the speed),
``vader`` (baseline: the reply's own sentiment), ``embed`` (MiniLM embeddings + the cue features, needs the ``embed``
extra), ``embed-mpnet`` (the same with all-mpnet-base-v2, needs the ``mpnet`` extra), and any callable or scikit-learn pipeline registered with :func:`register_scorer`.
"""

from __future__ import annotations

from discourse._typing import STANCE_LABELS
from discourse.stance._base import (
    LABEL_WEIGHTS,
    PROB_COLUMNS,
    SCORERS,
    FunctionScorer,
    PipelineScorer,
    Scorer,
    get_scorer,
    register_scorer,
)
from discourse.stance._choice import AUTO, FAST, NEURAL, NEURAL_MAX_REPLIES, ScorerChoice, choose_scorer, to_score
from discourse.stance._cues import CharCueScorer, CueScorer
from discourse.stance._data import read_labeled
from discourse.stance._embed import EmbedMpnetScorer, EmbedScorer
from discourse.stance._eval import Evaluation, evaluate
from discourse.stance._pair import PairScorer
from discourse.stance._score import EMPTY_PROBS, score
from discourse.stance._vader import VaderScorer

__all__ = [
    "AUTO",
    "EMPTY_PROBS",
    "FAST",
    "LABEL_WEIGHTS",
    "NEURAL",
    "NEURAL_MAX_REPLIES",
    "PROB_COLUMNS",
    "SCORERS",
    "STANCE_LABELS",
    "CharCueScorer",
    "CueScorer",
    "EmbedMpnetScorer",
    "EmbedScorer",
    "Evaluation",
    "FunctionScorer",
    "PairScorer",
    "PipelineScorer",
    "Scorer",
    "ScorerChoice",
    "VaderScorer",
    "choose_scorer",
    "evaluate",
    "get_scorer",
    "read_labeled",
    "register_scorer",
    "score",
    "to_score",
]

_fast = CueScorer()
register_scorer(NEURAL, PairScorer())
register_scorer(FAST, _fast)
register_scorer("cues", _fast)
register_scorer("cues-char", CharCueScorer())
register_scorer("vader", VaderScorer())
register_scorer("embed", EmbedScorer())
register_scorer("embed-mpnet", EmbedMpnetScorer())
