"""Fitting the reply-likelihood model (discourse/infer/reply_model.json) on real reply trees.

Examples are pairs (B, A) labelled 1 when A is B's true parent and 0 otherwise:

* from threads with known trees (Reddit, Hacker News, Disqus, Mastodon; only their fit halves): each
  comment against its true parent, and against the other comments a depth-first page offers as
  candidates (the comment above it and that comment's ancestors), plus two earlier comments drawn
  with a fixed seed (what a chronological page offers);
* from the (parent, reply) pairs of ``labeled/dev`` (DEBAGREEMENT, RumourEval, WikiTactics, ToxiChat,
  the Reddit-Trump and MaskMandate sets, context-toxicity): the true pair against the parents of
  two other pairs of the same conversation (or, without conversations, of the same file).

``fit_reply`` is an L2-penalised logistic regression on standardised features solved by Newton's
method from zero: no randomness, so the same files give the same JSON byte for byte. Every source
counts the same in the fit, however many pairs it holds.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from discourse.infer.evidence import Prepared, prepare
from discourse.infer.reply import PAIR_FEATURES, ReplyModel, idf_table, pair_features

__all__ = ["PairSet", "fit_reply", "labeled_pairs", "merge", "rank_accuracy", "tree_pairs"]


@dataclass
class PairSet:
    """Feature rows of one source, their labels, and the candidate group each row belongs to."""

    name: str
    x: np.ndarray          # rows x PAIR_FEATURES
    y: np.ndarray          # 1 = true parent
    group: np.ndarray      # rows with the same group answer the same comment


def _thread_rows(prepared: list[Prepared], root: Prepared | None, pairs: Iterable[tuple[int, int, int]],
                 gid: int) -> tuple[list[list[float]], list[int], list[int]]:
    df: Counter[str] = Counter()
    for p in prepared:
        df.update(p.content)
    if root is not None:
        df.update(root.content)
    n = len(prepared) + 1
    idf = idf_table(df, n)
    default = float(np.log(n + 1) + 1.0)
    xs, ys, gs = [], [], []
    for i, c, label in pairs:
        xs.append(pair_features(prepared[i], prepared[c], idf, default))
        ys.append(label)
        gs.append(gid + i)
    return xs, ys, gs


def tree_pairs(name: str, comments: pl.DataFrame, threads: pl.DataFrame | None, seed: int = 0) -> PairSet:
    """Pairs from threads whose trees are known (``comments`` with true ``parent_id``), see the module doc."""
    from training.infer.fit import flatten

    rng = np.random.default_rng(seed)
    roots: dict[tuple[str, str], Prepared] = {}
    if threads is not None:
        for site, tid, author, text, title in threads.select("site", "thread_id", "author", "text", "title").iter_rows():
            roots[(site, tid)] = prepare(author, text, extra=title)
    flat = flatten(comments.unique(["site", "thread_id", "comment_id"], keep="first", maintain_order=True))
    xs: list[list[float]] = []
    ys: list[int] = []
    gs: list[int] = []
    gid = 0
    for (site, tid), part in flat.sort("position").group_by(["site", "thread_id"], maintain_order=True):
        ids = part["comment_id"].to_list()
        index = {cid: k for k, cid in enumerate(ids)}
        truth = [index.get(p, -1) if p is not None else -1 for p in part["true_parent_id"].to_list()]
        known = part["truth_known"].to_list()
        prepared = [prepare(a, t) for a, t in zip(part["author"].to_list(), part["text"].to_list())]
        pairs: list[tuple[int, int, int]] = []
        for idx in range(1, len(ids)):
            if not known[idx]:
                continue
            chain, j = [], idx - 1
            while j >= 0 and len(chain) < 60:
                chain.append(j)
                j = truth[j]
            extra = [int(k) for k in rng.choice(idx, size=min(2, idx), replace=False)] if idx > 1 else []
            cands = chain + [k for k in extra if k not in chain]
            if truth[idx] >= 0 and truth[idx] not in cands:
                cands.append(truth[idx])
            pairs += [(idx, k, int(k == truth[idx])) for k in cands]
        x, y, g = _thread_rows(prepared, roots.get((site, tid)), pairs, gid)
        xs += x
        ys += y
        gs += g
        gid += len(ids) + 1
    return PairSet(name, np.asarray(xs, dtype=float).reshape(-1, len(PAIR_FEATURES)), np.asarray(ys, dtype=float),
                   np.asarray(gs, dtype=np.int64))


def _conversation_pairs(name: str, rows: Sequence[tuple[str, str, str]]) -> PairSet:
    """(conversation, parent text, reply text) rows -> each true pair against two other parents of its
    conversation (of the whole file when the conversation has no other parent)."""
    by_conv: dict[str, list[int]] = {}
    for k, (conv, _p, _r) in enumerate(rows):
        by_conv.setdefault(conv, []).append(k)
    xs: list[list[float]] = []
    ys: list[int] = []
    gs: list[int] = []
    n = len(rows)
    for _conv, members in sorted(by_conv.items()):
        parents = sorted({rows[k][1] for k in members})
        for k in members:
            _c, parent, reply = rows[k]
            others = [p for p in parents if p != parent]
            if len(others) > 2:
                others = [others[(k * 7 + m * 13) % len(others)] for m in range(2)]
            step = 1
            while len(others) < 2 and step < n:   # from elsewhere in the file, chosen by position (deterministic)
                other = rows[(k * 31 + 17 * step) % n][1]
                step += 1
                if other != parent and other not in others:
                    others.append(other)
            texts = [reply, parent, *others]
            prepared = [prepare(None, t) for t in texts]
            pairs = [(0, 1, 1)] + [(0, m, 0) for m in range(2, len(texts))]
            x, y, _g = _thread_rows(prepared, None, pairs, 0)
            xs += x
            ys += y
            gs += [k] * len(x)
    return PairSet(name, np.asarray(xs, dtype=float).reshape(-1, len(PAIR_FEATURES)), np.asarray(ys, dtype=float),
                   np.asarray(gs, dtype=np.int64))


def labeled_pairs(dev: Path) -> list[PairSet]:
    """The (parent, reply) pairs of ``labeled/dev`` as pair sets (see the module doc)."""
    sets: list[PairSet] = []

    def csv_rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
        with path.open(encoding=encoding, errors="replace", newline="") as fh:
            return list(csv.DictReader(fh))

    def jsonl(path: Path) -> list[dict]:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    rows = csv_rows(dev / "debagreement_dev.csv")
    sets.append(_conversation_pairs("debagreement", [(r["submission_id"], r["body_parent"], r["body_child"])
                                                     for r in rows if r["body_parent"] and r["body_child"]]))
    rows_j = jsonl(dev / "rumoureval2019_pairs.jsonl")
    sets.append(_conversation_pairs("rumoureval", [(r["thread"], r["parent"], r["reply"]) for r in rows_j
                                                   if r.get("parent") and r.get("reply")]))
    rows_j = jsonl(dev / "wikitactics_pairs_trainval.jsonl")
    sets.append(_conversation_pairs("wikitactics", [(r["conv_id"], r["parent"], r["reply"]) for r in rows_j
                                                    if r.get("parent") and r.get("reply")]))
    chains = []
    for file in ("toxichat_train.jsonl", "toxichat_dev.jsonl"):
        for k, conv in enumerate(jsonl(dev / file)):
            turns = [t["text"].strip() for t in conv["reddit_thread"]]
            chains += [(f"{file}-{k}", turns[m - 1], turns[m]) for m in range(1, len(turns))]
    sets.append(_conversation_pairs("toxichat", chains))
    trump = [r for f in ("fanchuan_reddit_trump_comments_train.csv", "fanchuan_reddit_trump_comments_val.csv")
             for r in csv_rows(dev / f)]
    sets.append(_conversation_pairs("reddit-trump", [("all", r["parent_content"], r["content"]) for r in trump
                                                     if r["parent_content"] and r["content"]]))
    mask = csv_rows(dev / "lei_huang_subreddit_MaskMandate.csv", encoding="cp1252")
    sets.append(_conversation_pairs("maskmandate", [("all", r["quote_text"], r["response_text"]) for r in mask
                                                    if r["quote_text"] and r["response_text"]]))
    tox = csv_rows(dev / "context_toxicity_cat_small.csv")
    sets.append(_conversation_pairs("context-toxicity", [("all", r["parent_text"], r["text"]) for r in tox
                                                         if r["parent_text"] and r["text"]]))
    return sets


def _loss(w: np.ndarray, x: np.ndarray, y: np.ndarray, wt: np.ndarray, l2: float, need: bool
          ) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    z = x @ w
    ll = float((wt * (y * z - np.logaddexp(0.0, z))).sum() - 0.5 * l2 * (w[1:] @ w[1:]))
    if not need:
        return ll, None, None
    p = 1.0 / (1.0 + np.exp(-z))
    reg = np.full(len(w), l2)
    reg[0] = 0.0
    grad = x.T @ (wt * (y - p)) - reg * w
    hess = -(x.T @ ((wt * p * (1 - p))[:, None] * x)) - np.diag(reg)
    return ll, grad, hess


def merge(name: str, sets: Sequence[PairSet]) -> PairSet:
    """One pair set from several (their groups kept apart)."""
    offsets = np.cumsum([0] + [int(s.group.max()) + 1 if len(s.group) else 0 for s in sets])
    return PairSet(name, np.vstack([s.x for s in sets]), np.concatenate([s.y for s in sets]),
                   np.concatenate([s.group + off for s, off in zip(sets, offsets)]))


def fit_reply(sets: Sequence[PairSet], *, shares: Mapping[str, float] | None = None, l2: float = 1.0,
              iterations: int = 50, meta: dict[str, object] | None = None) -> ReplyModel:
    """Logistic regression on the pairs of ``sets``; each set weighs ``shares[name]`` (default 1) in
    total, however many pairs it holds."""
    sets = [s for s in sets if len(s.y)]
    share = [float((shares or {}).get(s.name, 1.0)) for s in sets]
    x_raw = np.vstack([s.x for s in sets])
    y = np.concatenate([s.y for s in sets])
    total = len(y)
    wt = np.concatenate([np.full(len(s.y), total * h / (sum(share) * len(s.y))) for s, h in zip(sets, share)])
    mean = x_raw.mean(axis=0)
    scale = x_raw.std(axis=0)
    scale[scale < 1e-9] = 1.0
    x = np.hstack([np.ones((total, 1)), (x_raw - mean) / scale])
    w = np.zeros(x.shape[1])
    ll, grad, hess = _loss(w, x, y, wt, l2, True)
    for _ in range(iterations):
        assert grad is not None and hess is not None
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while True:
            cand = w - t * step
            new_ll, _, _ = _loss(cand, x, y, wt, l2, False)
            if new_ll >= ll - 1e-12 or t < 1e-8:
                break
            t /= 2
        w = cand
        done = abs(new_ll - ll) < 1e-10 * max(1.0, abs(ll))
        ll, grad, hess = _loss(w, x, y, wt, l2, True)
        if done:
            break
    return ReplyModel(coef={f: float(v) for f, v in zip(PAIR_FEATURES, w[1:])}, intercept=float(w[0]),
                      mean={f: float(v) for f, v in zip(PAIR_FEATURES, mean)},
                      scale={f: float(v) for f, v in zip(PAIR_FEATURES, scale)},
                      meta={**(meta or {}), "l2": l2, "pairs": {s.name: len(s.y) for s in sets},
                            "shares": {s.name: h for s, h in zip(sets, share)}})


def rank_accuracy(model: ReplyModel, data: PairSet) -> dict[str, float]:
    """How often the true parent scores highest among its group's candidates, and the ROC AUC of the rows."""
    if not len(data.y):
        return {"groups": 0, "top1": 0.0, "auc": 0.0}
    scores = np.array([model.logit(list(row)) for row in data.x])
    hits = groups = 0
    for g in np.unique(data.group):
        m = data.group == g
        if data.y[m].sum() != 1 or m.sum() < 2:
            continue
        groups += 1
        hits += int(data.y[m][np.argmax(scores[m])] == 1)
    pos, neg = scores[data.y == 1], scores[data.y == 0]
    order = np.argsort(np.concatenate([pos, neg]), kind="stable")
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    auc = (ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / max(1, len(pos) * len(neg))
    return {"groups": groups, "top1": hits / max(1, groups), "auc": float(auc)}
