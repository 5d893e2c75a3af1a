"""Choose each flat comment's parent: a log-linear model over the evidence of :mod:`.evidence`.

For every comment whose parent is unknown the candidates are, on a depth-first page, the previous
comment, its ancestors (as inferred so far) and the thread's post; on a chronological page, the
``window`` latest earlier comments, any earlier comment it quotes, the latest comment of any author
it addresses, and the post. Each candidate scores ``w · features``; the best is kept and its softmax probability among the
candidates is the ``parent_confidence``. Comments are decided in page order, so turn-taking (A, B, A)
can use the parents already chosen.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from discourse.errors import DiscourseError
from discourse.infer.evidence import FEATURES, Prepared, features, mention_strength, prepare, quote_score
from discourse.infer.reply import ReplyModel, idf_table, load_reply_model, pair_features

__all__ = ["InferenceWeights", "Step", "ThreadInput", "decode_thread", "load_weights"]

Order = Literal["depth-first", "chronological"]

_PRIOR = {  # used only when weights.json is missing: a reasonable hand-set starting point
    "root": -0.5, "prev": 1.5, "steps": -0.8, "mention_start": 4.0, "mention_any": 1.5,
    "addressed_other": -2.0, "quote": 4.0, "overlap": 2.0, "turn": 1.0, "self": -2.0, "c_empty": -1.0,
    "i_anonymous": 0.3, "similarity": 1.0, "c_question": 0.3, "root_you": -0.5, "root_opener": -0.5,
    "root_length": 0.5, "rare_shared": 1.0, "off_chain": -1.0, "reply": 0.5,
    "c_depth": 0.0, "c_children": 0.0,
}


@dataclass(frozen=True)
class InferenceWeights:
    """Coefficients of the parent scorer, one per evidence feature: ``coef`` for depth-first pages,
    ``chronological`` (defaults to ``coef``) for chronological ones, and the chronological window."""

    coef: dict[str, float] = field(default_factory=lambda: dict(_PRIOR))
    chronological: dict[str, float] | None = None
    window: int = 50
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, coef in (("coef", self.coef), ("chronological", self.chronological or self.coef)):
            missing = [f for f in FEATURES if f not in coef]
            if missing:
                raise DiscourseError(f"inference weights ({name}) lack coefficient(s) for {', '.join(missing)}; "
                                     f"expected one per feature: {', '.join(FEATURES)}")
        if self.window < 1:
            raise DiscourseError(f"inference window must be at least 1, got {self.window}")

    def vector(self, order: str = "depth-first") -> list[float]:
        coef = self.chronological if order == "chronological" and self.chronological else self.coef
        return [float(coef[f]) for f in FEATURES]

    def to_dict(self) -> dict[str, object]:
        chrono = self.chronological or self.coef
        return {"features": list(FEATURES), "coef": {f: round(float(self.coef[f]), 6) for f in FEATURES},
                "chronological": {f: round(float(chrono[f]), 6) for f in FEATURES},
                "window": self.window, "meta": self.meta}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InferenceWeights:
        coef = data.get("coef")
        if not isinstance(coef, dict):
            raise DiscourseError("inference weights: expected a 'coef' mapping of feature -> number")
        chrono = data.get("chronological")
        return cls(coef={str(k): float(v) for k, v in coef.items()},
                   chronological={str(k): float(v) for k, v in chrono.items()} if isinstance(chrono, dict) else None,
                   window=int(data.get("window", 50)), meta=dict(data.get("meta") or {}))


def load_weights() -> InferenceWeights:
    """The fitted weights shipped in ``discourse/infer/weights.json`` (see training/fit_infer.py)."""
    try:
        text = resources.files("discourse.infer").joinpath("weights.json").read_text(encoding="utf-8")
    except FileNotFoundError:
        return InferenceWeights()
    try:
        return InferenceWeights.from_dict(json.loads(text))
    except (json.JSONDecodeError, TypeError, ValueError) as err:
        raise DiscourseError(f"discourse/infer/weights.json is unreadable ({err}); reinstall discourse") from err


@dataclass(frozen=True)
class ThreadInput:
    """One thread's comments in page order, as plain lists (index = page order)."""

    comment_ids: list[str]
    authors: list[str | None]
    texts: list[str | None]
    known_parent: list[int | None]    # index of a known parent, -1 for the post, None when unknown
    root_author: str | None = None
    root_text: str | None = None
    root_title: str | None = None


@dataclass(frozen=True)
class Step:
    """The decision for one comment: candidates (-1 = the post), their features, the choice."""

    index: int
    candidates: list[int]
    matrix: list[list[float]]
    chosen: int                        # position in ``candidates``
    probability: float
    source: str
    revised: bool = False              # a later comment's choice moved this one (depth-first pages)


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def _addressed(p: Prepared, authors: dict[str, int], firsts: dict[str, str]) -> dict[str, int]:
    """Known earlier authors (lower-cased -> their latest comment) whom ``p``'s start addresses."""
    out: dict[str, int] = {}
    words = p.lead.split(None, 5)[:5]
    for k in range(1, len(words) + 1):
        key = " ".join(words[:k]).rstrip(",:;.!?")
        if key in authors and mention_strength(p, key, None):
            out[key] = authors[key]
    if not out and words:
        first = words[0].rstrip(",:")
        if first in firsts and words[0][len(first):len(first) + 1] in (",", ":"):
            key = firsts[first]
            out[key] = authors[key]
    return out


def _attach(idx: int, parent: int, depth: list[int], kids: Counter[int]) -> None:
    depth.append(1 if parent < 0 else depth[parent] + 1)
    kids[parent] += 1


def decode_thread(thread: ThreadInput, weights: InferenceWeights, order: Order,
                  truth: Sequence[int | None] | None = None, reply: ReplyModel | None = None) -> Iterator[Step]:
    """Decide, in page order, the parent of every comment whose parent is unknown.

    With ``truth`` (true parent indices, -1 = post) decisions are replaced by the truth before later
    comments use them (teacher forcing, for fitting); the steps still carry the features. Entries
    of ``truth`` that are ``None`` keep the model's own decision. ``reply``: the learned reply
    model (default: the shipped one, :func:`~discourse.infer.reply.load_reply_model`).
    """
    w = weights.vector(order)
    reply_model = reply or load_reply_model()
    prepared = [prepare(a, t) for a, t in zip(thread.authors, thread.texts)]
    root = prepare(thread.root_author, thread.root_text, extra=thread.root_title)
    df: Counter[str] = Counter()
    for p in (*prepared, root):
        df.update(p.content)
    idf = idf_table(df, len(prepared) + 1)
    default_idf = math.log(len(prepared) + 2) + 1.0
    parent_of: list[int] = []
    depth: list[int] = []                # 1 = top-level, in the tree decided so far
    kids: Counter[int] = Counter()       # replies per comment so far
    steps_out: dict[int, Step] = {}
    latest: dict[str, int] = {}          # author key -> latest comment index
    firsts: dict[str, str] = {}          # first name -> author key
    for idx, p in enumerate(prepared):
        known = thread.known_parent[idx]
        if known is not None:
            parent_of.append(known if known < idx else -1)
            _attach(idx, parent_of[idx], depth, kids)
        else:
            addressed = _addressed(p, latest, firsts)
            extra: list[int] = []
            if order == "depth-first":
                cands, seen, j = [], set(), idx - 1
                while j >= 0 and j not in seen:
                    cands.append(j)
                    seen.add(j)
                    j = parent_of[j]
                steps = list(range(len(cands)))
                # evidence beats layout: a comment quoted or addressed outside the ancestry is a candidate
                if p.quotes:
                    extra = [j for j in range(idx - 2, -1, -1) if j not in seen and quote_score(p, prepared[j]) >= 0.5]
                extra += [t for t in sorted(addressed.values(), reverse=True) if t not in seen and t not in extra]
                steps += [idx - 1 - j for j in extra]
                cands += extra
            else:
                cands = list(range(idx - 1, max(-1, idx - 1 - weights.window), -1))
                oldest = idx - 1 - weights.window          # comments at or before it are outside the window
                if p.quotes and oldest >= 0:
                    cands += [j for j in range(oldest, -1, -1) if quote_score(p, prepared[j]) >= 0.5]
                for target in sorted(addressed.values(), reverse=True):
                    if target not in cands:
                        cands.append(target)
                steps = [idx - 1 - j for j in cands]
            keys = frozenset(addressed)
            matrix = []
            for j, s in zip(cands, steps):
                c = prepared[j]
                k = parent_of[j]
                turn = p.author_key is not None and k >= 0 and prepared[k].author_key == p.author_key
                rare = sum(1 for word in p.content & c.content if df[word] <= 3)
                score = reply_model.logit(pair_features(p, c, idf, default_idf))
                matrix.append(features(p, c, is_root=False, is_prev=j == idx - 1, steps=s, turn=turn,
                                       addressed=keys, rare=rare, off_chain=j in extra,
                                       reply=min(10.0, max(-10.0, score)), depth=depth[j], children=kids[j]))
            cands.append(-1)
            rare = sum(1 for word in p.content & root.content if df[word] <= 3)
            matrix.append(features(p, root, is_root=True, is_prev=False, steps=0, turn=False, addressed=keys,
                                   rare=rare))
            scores = [sum(a * b for a, b in zip(w, row)) for row in matrix]
            probs = _softmax(scores)
            best = max(range(len(cands)), key=lambda k2: (probs[k2], -k2))
            row = dict(zip(FEATURES, matrix[best]))
            if cands[best] == -1:
                source = "root"
            elif row["quote"] >= 0.5:
                source = "quote"
            elif row["mention_start"] > 0 or row["mention_any"] > 0:
                source = "mention"
            else:
                source = "adjacency"
            step = Step(idx, cands, matrix, best, probs[best], source)
            steps_out[idx] = step
            yield step
            told = truth[idx] if truth is not None else None
            parent_of.append(told if told is not None else cands[best])
            _attach(idx, parent_of[idx], depth, kids)
            forced = told is not None
            target = parent_of[idx]
            if not forced and order == "depth-first" and target >= 0 and target in extra:
                # on a depth-first page everything between the parent and its reply lies in the
                # parent's subtree: comments attached above it move under it
                for k in range(target + 1, idx):
                    if parent_of[k] < target and k in steps_out:
                        kids[parent_of[k]] -= 1
                        parent_of[k] = target
                        kids[target] += 1
                        depth[k] = depth[target] + 1
                        old = steps_out[k]
                        yield Step(k, [target], [], 0, old.probability * step.probability, "adjacency", True)
        if p.author_key is not None:
            latest[p.author_key] = idx
            if p.first_name:
                firsts.setdefault(p.first_name, p.author_key)
