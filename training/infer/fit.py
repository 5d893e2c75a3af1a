"""Fitting and measuring the parent scorer on threads whose true trees are known.

``flatten`` turns a thread with known parents into the flat page a scraper would have seen (parents
hidden, comments in depth-first or chronological page order) and keeps the truth in
``true_parent_id``; ``examples`` collects, for every comment, the candidates' features and which one
is true (teacher forcing); ``fit`` finds the coefficients that maximise the conditional likelihood
of the true parents (a conditional logit, fitted by Newton's method with a small L2 penalty:
deterministic, no random start); ``evaluate`` compares inferred parents to the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from discourse.infer.evidence import FEATURES
from discourse.infer.reply import ReplyModel
from discourse.infer.scorer import InferenceWeights, ThreadInput, decode_thread

__all__ = ["Example", "evaluate", "examples", "fit", "flatten"]


def _dfs(ids: list[str], parents: list[str | None]) -> tuple[list[int], list[bool]]:
    """Depth-first page order of one thread (children in their original order); orphans start at the top."""
    index = {cid: k for k, cid in enumerate(ids)}
    children: dict[int, list[int]] = {}
    tops: list[int] = []
    known: list[bool] = []
    for k, parent in enumerate(parents):
        if parent is None or parent not in index or parent == ids[k]:
            tops.append(k)
            known.append(parent is None)
        else:
            children.setdefault(index[parent], []).append(k)
            known.append(True)
    order: list[int] = []
    seen: set[int] = set()
    stack = list(reversed(tops))
    while stack:
        k = stack.pop()
        if k in seen:
            continue
        seen.add(k)
        order.append(k)
        stack.extend(reversed(children.get(k, [])))
    order += [k for k in range(len(ids)) if k not in seen]   # cycles: appended, truth marked unknown
    for k in range(len(ids)):
        if k not in seen:
            known[k] = False
    return order, known


def flatten(comments: pl.DataFrame, order: Literal["depth-first", "chronological"] = "depth-first") -> pl.DataFrame:
    """Hide the parents of comments whose tree is known, as a flat page would.

    Returns a new frame with ``position`` re-numbered in page order, ``parent_id`` null,
    ``parent_source`` "none", and two truth columns: ``true_parent_id`` (null = the post) and
    ``truth_known`` (False for orphans whose parent is not in the data).
    """
    out = []
    base = comments.with_row_index("__row").sort("site", "thread_id", "position", "__row")
    for _key, part in base.group_by(["site", "thread_id"], maintain_order=True):
        ids = part["comment_id"].to_list()
        parents = part["parent_id"].to_list()
        dfs, known = _dfs(ids, parents)
        idx = set(ids)
        truth = [p if p in idx else None for p in parents]
        part = part.with_columns(true_parent_id=pl.Series(truth, dtype=pl.String),
                                 truth_known=pl.Series(known, dtype=pl.Boolean))
        if order == "depth-first":
            values = [0] * len(ids)
            for pos, k in enumerate(dfs):
                values[k] = pos
            rank = pl.Series("position", values, dtype=pl.Int64)
            part = part.with_columns(rank).sort("position")
        else:
            part = (part.sort(pl.col("created_at"), pl.col("position"), nulls_last=True, maintain_order=True)
                    .with_columns(position=pl.int_range(pl.len(), dtype=pl.Int64)))
            # a reply written before its parent (clock skew) cannot be recovered: mark it
            pos = dict(zip(part["comment_id"].to_list(), part["position"].to_list()))
            ok = [bool(k) and (t is None or pos[t] < pos[c]) for c, t, k in
                  part.select("comment_id", "true_parent_id", "truth_known").iter_rows()]
            part = part.with_columns(truth_known=pl.Series(ok, dtype=pl.Boolean))
        out.append(part)
    flat = pl.concat(out) if out else base.with_columns(true_parent_id=pl.lit(None, pl.String),
                                                         truth_known=pl.lit(True))
    return flat.with_columns(parent_id=pl.lit(None, pl.String), parent_source=pl.lit("none"),
                             parent_confidence=pl.lit(0.0)).drop("__row")


def _threads(flat: pl.DataFrame, threads: pl.DataFrame | None) -> list[tuple[ThreadInput, list[int], list[bool]]]:
    roots: dict[tuple[str, str], tuple[str | None, str | None, str | None]] = {}
    if threads is not None:
        for site, tid, author, text, title in threads.select("site", "thread_id", "author", "text", "title").iter_rows():
            roots[(site, tid)] = (author, text, title)
    out = []
    for (site, tid), part in flat.sort("position").group_by(["site", "thread_id"], maintain_order=True):
        ids = part["comment_id"].to_list()
        index = {cid: k for k, cid in enumerate(ids)}
        truth = [index.get(p, -1) if p is not None else -1 for p in part["true_parent_id"].to_list()]
        author, text, title = roots.get((site, tid), (None, None, None))
        thread = ThreadInput(ids, part["author"].to_list(), part["text"].to_list(), [None] * len(ids),
                             author, text, title)
        out.append((thread, truth, part["truth_known"].to_list()))
    return out


@dataclass(frozen=True)
class Example:
    matrix: np.ndarray     # candidates x features
    target: int            # row of the true parent
    weight: float = 1.0    # how much this comment counts in the fit (to balance corpora)


def examples(flat: pl.DataFrame, threads: pl.DataFrame | None, order: Literal["depth-first", "chronological"],
             weights: InferenceWeights | None = None, history: Literal["truth", "model"] = "truth",
             reply: ReplyModel | None = None) -> list[Example]:
    """Candidate feature matrices and the true candidate for every comment whose true parent is reachable.

    ``history="truth"``: earlier comments keep their true parents (teacher forcing); ``"model"``: they
    keep the parents ``weights`` chose, as at inference time, so a fit on both learns to recover
    from its own earlier mistakes. ``reply``: the reply-likelihood model whose score fills the
    ``reply`` feature (default: the shipped one).
    """
    weights = weights or InferenceWeights()
    out: list[Example] = []
    for thread, truth, known in _threads(flat, threads):
        given = truth if history == "truth" else [None] * len(truth)
        for step in decode_thread(thread, weights, order, truth=given, reply=reply):
            if step.revised or not known[step.index] or truth[step.index] not in step.candidates:
                continue
            out.append(Example(np.asarray(step.matrix, dtype=float), step.candidates.index(truth[step.index])))
    return out


def _objective(w: np.ndarray, x: np.ndarray, starts: np.ndarray, seg: np.ndarray, target: np.ndarray,
               wt: np.ndarray, l2: float, need: bool) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    s = x @ w
    top = np.maximum.reduceat(s, starts)
    e = np.exp(s - top[seg])
    total = np.add.reduceat(e, starts)
    ll = float((wt * (s[target] - top - np.log(total))).sum() - 0.5 * l2 * w @ w)
    if not need:
        return ll, None, None
    p = e / total[seg]
    px = p[:, None] * x
    mean = np.add.reduceat(px, starts, axis=0)
    grad = wt @ x[target] - wt @ mean - l2 * w
    hess = -(x.T @ (wt[seg][:, None] * px) - mean.T @ (wt[:, None] * mean)) - l2 * np.eye(len(w))
    return ll, grad, hess


def fit(data: list[Example], *, l2: float = 1.0, iterations: int = 100) -> dict[str, float]:
    """Coefficients maximising sum log P(true parent) - l2/2 |w|^2.

    Newton's method from w = 0 with a backtracking line search (the objective is concave, so this
    converges to the one maximum; no randomness).
    """
    k = len(FEATURES)
    if not data:
        return dict.fromkeys(FEATURES, 0.0)
    x = np.vstack([ex.matrix for ex in data])
    sizes = np.array([len(ex.matrix) for ex in data])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    seg = np.repeat(np.arange(len(data)), sizes)
    target = starts + np.array([ex.target for ex in data])
    wt = np.array([ex.weight for ex in data], dtype=float)
    w = np.zeros(k)
    ll, grad, hess = _objective(w, x, starts, seg, target, wt, l2, True)
    for _ in range(iterations):
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while True:
            cand = w - t * step
            new_ll, _, _ = _objective(cand, x, starts, seg, target, wt, l2, False)
            if new_ll >= ll - 1e-12 or t < 1e-8:
                break
            t /= 2
        w = cand
        done = abs(new_ll - ll) < 1e-9 * max(1.0, abs(ll))
        ll, grad, hess = _objective(w, x, starts, seg, target, wt, l2, True)
        if done:
            break
    return {f: float(v) for f, v in zip(FEATURES, w)}


def evaluate(inferred: pl.DataFrame, flat: pl.DataFrame) -> dict[str, object]:
    """Parent accuracy of ``inferred`` against ``flat``'s truth, overall, by parent_source, and the
    previous-comment baseline (every comment answers the one above it; the first answers the post)."""
    truth = flat.select("site", "thread_id", "comment_id", "true_parent_id", "truth_known", "position")
    j = inferred.select("site", "thread_id", "comment_id", "parent_id", "parent_source", "parent_confidence").join(
        truth, on=["site", "thread_id", "comment_id"]).filter(pl.col("truth_known"))
    j = j.sort("site", "thread_id", "position").with_columns(
        prev=pl.col("comment_id").shift(1).over("site", "thread_id"))
    j = j.with_columns(
        correct=pl.col("parent_id").eq_missing(pl.col("true_parent_id")),
        baseline=pl.col("prev").eq_missing(pl.col("true_parent_id")),
    )
    bins = (j.with_columns(bin=(pl.col("parent_confidence") * 4).floor().clip(0, 3).cast(pl.Int64))
            .group_by("bin").agg(n=pl.len(), accuracy=pl.col("correct").mean()).sort("bin"))
    by = j.group_by("parent_source").agg(n=pl.len(), accuracy=pl.col("correct").mean()).sort("parent_source")
    return {
        "n": j.height,
        "accuracy": float(j["correct"].mean()) if j.height else 0.0,
        "baseline_previous": float(j["baseline"].mean()) if j.height else 0.0,
        "true_root_share": float(j["true_parent_id"].is_null().mean()) if j.height else 0.0,
        "by_source": {r["parent_source"]: {"n": r["n"], "accuracy": round(r["accuracy"], 4)} for r in by.iter_rows(named=True)},
        "mean_confidence": float(j["parent_confidence"].mean()) if j.height else 0.0,
        # accuracy by confidence quarter: [0, .25), [.25, .5), [.5, .75), [.75, 1]
        "by_confidence": {f"{r['bin'] / 4:.2f}": {"n": r["n"], "accuracy": round(r["accuracy"], 4)}
                          for r in bins.iter_rows(named=True)},
    }
