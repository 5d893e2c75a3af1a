"""A learned reply-likelihood score: does comment B answer comment A? (issue 18)

A logistic regression over :data:`PAIR_FEATURES`, properties of the pair (B, A) read from their
:class:`~discourse.infer.evidence.Prepared` forms and the thread's word counts: shared topic words
weighted by rarity in the thread, shared stems, names and numbers, word pairs, B's opening words
echoing A, A asking and B answering, B addressing "you" where A spoke of "I", A's author named in B,
lengths. It was fitted on real reply trees (true parent against the other comments a reader could
have taken for it) by ``training/infer/reply.py``; its coefficients ship in ``reply_model.json``
beside this module, with the data and licences named in ``REPLY_MODEL.md``. Scoring is plain
Python over a few set operations per pair: no model runtime, nothing downloaded.

The scorer (:mod:`discourse.infer.scorer`) adds the logit as one more evidence feature, ``reply``.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from discourse.errors import DiscourseError
from discourse.infer.evidence import Prepared

__all__ = ["PAIR_FEATURES", "ReplyModel", "idf_table", "load_reply_model", "pair_features"]

PAIR_FEATURES: tuple[str, ...] = (
    "tfidf", "stems", "rare", "names", "bigrams", "lead_echo", "q_answer", "c_question", "c_last_question",
    "you_me", "c_length", "length_gap", "short_pair", "named", "c_anonymous", "same_author", "negation",
    "continuation", "i_length", "i_question",
)
"""``tfidf``: cosine of the two comments' words of 4+ letters, each weighted by log(n / df) in the thread;
``stems``: cosine of their 5-letter word stems; ``rare``: log(1 + words they share that at most two
comments of the thread use); ``names``: shared capitalised words and numbers (capped at 2, / 2);
``bigrams``: shared word pairs outside quotes (capped at 3, / 3); ``lead_echo``: share of B's opening
words (4+ letters, first 20 words) that A used; ``q_answer``: A asks and B opens like an answer;
``c_question`` / ``c_last_question``: A asks something / ends asking; ``you_me``: B says "you" and A
spoke in the first person; ``c_length``: log(1 + A's words) / 5; ``length_gap``: |log of the words
ratio| / 5; ``short_pair``: both under 12 words; ``named``: A's author (full name, or one of its
words of 4+ letters) appears in B; ``c_anonymous``: A has no author; ``same_author``: B and A by the
same author; ``negation``: B opens by contradicting ("no", "wrong", "nonsense") and A asks nothing;
``continuation``: B opens with "or"/"and"/"also" and A is short; ``i_length``, ``i_question``: B's
own length and whether it asks (they calibrate the score, they do not rank candidates)."""

_ANSWERS = frozenset({
    "yes", "yeah", "yep", "yup", "no", "nope", "nah", "because", "since", "it", "it's", "its", "i", "i'm", "sure",
    "maybe", "probably", "definitely", "absolutely", "not", "never", "always", "depends", "they", "he", "she",
    "that", "that's", "thats", "the", "there", "correct", "true", "right", "exactly", "well", "try", "just",
})
_NEGATIONS = frozenset({"no", "nope", "nah", "wrong", "nonsense", "rubbish", "bullshit", "false", "not", "never",
                        "incorrect", "untrue", "nothing", "except"})
_CONTINUATIONS = frozenset({"or", "and", "also", "plus", "or,", "likewise", "same"})


def idf_table(df: Mapping[str, int], n: int) -> dict[str, float]:
    """log((n + 1) / (df + 1)) + 1 for every word of a thread's document counts (``n`` comments)."""
    return {w: math.log((n + 1) / (k + 1)) + 1.0 for w, k in df.items()}


def _weighted_cosine(a: frozenset[str], b: frozenset[str], idf: Mapping[str, float], default: float) -> float:
    if not a or not b:
        return 0.0
    shared = a & b
    if not shared:
        return 0.0
    num = sum(idf.get(w, default) ** 2 for w in shared)
    na = sum(idf.get(w, default) ** 2 for w in a)
    nb = sum(idf.get(w, default) ** 2 for w in b)
    return num / math.sqrt(na * nb)


def _named(i: Prepared, c: Prepared) -> bool:
    key = c.author_key
    if not key:
        return False
    if (" " in key or len(key) >= 4) and key in i.text_lower and (" " in key or key in i.words):
        return True
    return any(len(part) >= 4 and part in i.words for part in key.split() if part.isalpha())


def pair_features(i: Prepared, c: Prepared, idf: Mapping[str, float], default_idf: float = 1.0) -> list[float]:
    """The vector (:data:`PAIR_FEATURES`) for "comment ``i`` answers comment ``c``".

    ``idf`` maps words of 4+ letters to their weight in the thread (:func:`idf_table`); words not in
    it weigh ``default_idf``.
    """
    stems = 0.0
    if i.stems and c.stems:
        stems = len(i.stems & c.stems) / math.sqrt(len(i.stems) * len(c.stems))
    rare_cut = default_idf - 1.2       # a word at most two comments use weighs more (df 2: default - log 3)
    rare = sum(1 for w in i.content & c.content if idf.get(w, default_idf) > rare_cut)
    lead = len(i.lead_content & c.words) / len(i.lead_content) if i.lead_content else 0.0
    short = i.n_words < 12 and c.n_words < 12
    return [
        _weighted_cosine(i.content, c.content, idf, default_idf),
        stems,
        math.log1p(rare),
        min(2, len(i.names & c.names)) / 2.0,
        min(3, len(i.bigrams & c.bigrams)) / 3.0,
        lead,
        1.0 if c.question and i.first_word in _ANSWERS else 0.0,
        1.0 if c.question else 0.0,
        1.0 if c.last_question else 0.0,
        1.0 if i.you and c.me else 0.0,
        math.log1p(c.n_words) / 5.0,
        abs(math.log((i.n_words + 1) / (c.n_words + 1))) / 5.0,
        1.0 if short else 0.0,
        1.0 if _named(i, c) else 0.0,
        1.0 if c.author_key is None else 0.0,
        1.0 if i.author_key is not None and i.author_key == c.author_key else 0.0,
        1.0 if i.first_word in _NEGATIONS and not c.question else 0.0,
        1.0 if i.first_word in _CONTINUATIONS and c.n_words < 20 else 0.0,
        math.log1p(i.n_words) / 5.0,
        1.0 if i.question else 0.0,
    ]


@dataclass(frozen=True)
class ReplyModel:
    """Logistic regression over standardised :data:`PAIR_FEATURES`: ``logit = b + sum(w * (x - mean) / scale)``."""

    coef: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PAIR_FEATURES, 0.0))
    intercept: float = 0.0
    mean: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PAIR_FEATURES, 0.0))
    scale: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PAIR_FEATURES, 1.0))
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, table in (("coef", self.coef), ("mean", self.mean), ("scale", self.scale)):
            missing = [f for f in PAIR_FEATURES if f not in table]
            if missing:
                raise DiscourseError(f"reply model ({name}) lacks value(s) for {', '.join(missing)}; "
                                     f"expected one per pair feature: {', '.join(PAIR_FEATURES)}")
        bad = [f for f in PAIR_FEATURES if not self.scale[f] > 0]
        if bad:
            raise DiscourseError(f"reply model: scale must be positive, not for {', '.join(bad)}")
        # folded once: logit = b' + sum(w' * x)
        w = [self.coef[f] / self.scale[f] for f in PAIR_FEATURES]
        object.__setattr__(self, "_w", w)
        object.__setattr__(self, "_b", self.intercept - sum(wk * self.mean[f] for wk, f in zip(w, PAIR_FEATURES)))

    def logit(self, x: list[float]) -> float:
        """The log-odds that the pair whose features are ``x`` is a reply and its parent."""
        w: list[float] = self._w  # type: ignore[attr-defined]
        return float(self._b + sum(a * b for a, b in zip(w, x)))  # type: ignore[attr-defined]

    def to_dict(self) -> dict[str, object]:
        return {"features": list(PAIR_FEATURES), "intercept": round(self.intercept, 6),
                "coef": {f: round(self.coef[f], 6) for f in PAIR_FEATURES},
                "mean": {f: round(self.mean[f], 6) for f in PAIR_FEATURES},
                "scale": {f: round(self.scale[f], 6) for f in PAIR_FEATURES}, "meta": self.meta}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReplyModel:
        try:
            return cls(coef={str(k): float(v) for k, v in data["coef"].items()}, intercept=float(data["intercept"]),
                       mean={str(k): float(v) for k, v in data["mean"].items()},
                       scale={str(k): float(v) for k, v in data["scale"].items()}, meta=dict(data.get("meta") or {}))
        except (KeyError, AttributeError, TypeError, ValueError) as err:
            raise DiscourseError(f"reply model: expected 'coef', 'intercept', 'mean' and 'scale' ({err})") from err


@functools.cache
def load_reply_model() -> ReplyModel:
    """The model shipped in ``discourse/infer/reply_model.json`` (a neutral all-zero model if it is missing)."""
    try:
        text = resources.files("discourse.infer").joinpath("reply_model.json").read_text(encoding="utf-8")
    except FileNotFoundError:
        return ReplyModel()
    try:
        return ReplyModel.from_dict(json.loads(text))
    except json.JSONDecodeError as err:
        raise DiscourseError(f"discourse/infer/reply_model.json is unreadable ({err}); reinstall discourse") from err
