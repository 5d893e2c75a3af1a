"""Reconstruct who replied to whom where the source lost it (issue 4).

``infer_parents(comments)`` fills in the parent of every comment whose ``parent_source`` is "none"
(flat pages, see :mod:`discourse.io.flatpage`): the post (``parent_id`` null, source "root"), or an
earlier comment found by a quote ("quote"), an address ("mention") or its place on the page
("adjacency"), with a confidence in [0, 1]. ``refine_mentions(comments)`` sharpens explicit but coarse
parents (Stack Exchange, YouTube) with @mentions.

Example::

    from discourse import io
    from discourse.infer import infer_parents
    page = io.read("page.txt")
    comments = infer_parents(page.comments, threads=page.threads)
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from discourse import schema
from discourse.errors import DiscourseError
from discourse.infer.evidence import FEATURES
from discourse.infer.mentions import refine_mentions
from discourse.infer.scorer import InferenceWeights, ThreadInput, decode_thread, load_weights

__all__ = ["FEATURES", "InferenceWeights", "infer_parents", "load_weights", "refine_mentions"]

InferOrder = Literal["auto", "depth-first", "chronological"]


def _is_chronological(part: pl.DataFrame) -> bool:
    times = part.sort("position")["created_at"]
    if part.height < 2 or times.null_count():
        return False
    return bool((times.diff().drop_nulls().dt.total_microseconds() >= 0).all())


def infer_parents(comments: pl.DataFrame, *, order: InferOrder = "auto", weights: InferenceWeights | None = None,
                  threads: pl.DataFrame | None = None) -> pl.DataFrame:
    """A new comments frame where every row with ``parent_source == "none"`` has an inferred parent.

    ``parent_id`` (null = the thread's post), ``parent_source`` (quote, mention, adjacency, root) and
    ``parent_confidence`` (softmax probability of the chosen candidate) are filled in; rows with known
    parents are untouched, but serve as candidates. ``order``: "depth-first" (a threaded page
    flattened: the parent is the previous comment, one of its ancestors, or the post),
    "chronological" (any earlier comment, within ``weights.window``), or "auto" (chronological when
    every comment has a non-decreasing ``created_at`` down the page). ``threads`` (optional) gives
    the post's title/text/author, so quotes of the article count for the post.
    """
    schema.validate(comments, "comments")
    if order not in ("auto", "depth-first", "chronological"):
        raise DiscourseError(f"infer_parents: order must be 'auto', 'depth-first' or 'chronological', got {order!r}")
    weights = weights or load_weights()
    todo = comments.filter(pl.col("parent_source") == "none").select("site", "thread_id").unique(maintain_order=True)
    if todo.height == 0:
        return comments.clone()
    roots: dict[tuple[str, str], tuple[str | None, str | None, str | None]] = {}
    if threads is not None and threads.height:
        for site, tid, author, text, title in threads.select("site", "thread_id", "author", "text", "title").iter_rows():
            roots[(site, tid)] = (author, text, title)
    scope = comments.join(todo, on=["site", "thread_id"], how="semi").with_row_index("__row")
    updates: list[tuple[str, str, str, str | None, str, float]] = []
    for (site, tid), part in scope.sort("position", "__row").group_by(["site", "thread_id"], maintain_order=True):
        ids = part["comment_id"].to_list()
        index = {cid: k for k, cid in enumerate(ids)}
        known: list[int | None] = []
        for parent, source in part.select("parent_id", "parent_source").iter_rows():
            known.append(None if source == "none" else index.get(parent, -1) if parent is not None else -1)
        author, text, title = roots.get((site, tid), (None, None, None))
        thread = ThreadInput(ids, part["author"].to_list(), part["text"].to_list(), known, author, text, title)
        how = order if order != "auto" else ("chronological" if _is_chronological(part) else "depth-first")
        decided: dict[int, tuple[str, str, str, str | None, str, float]] = {}
        for step in decode_thread(thread, weights, how):   # a revised step replaces the earlier decision
            target = step.candidates[step.chosen]
            decided[step.index] = (site, tid, ids[step.index], None if target < 0 else ids[target], step.source,
                                   min(1.0, max(0.0, step.probability)))
        updates.extend(decided[k] for k in sorted(decided))
    upd = pl.DataFrame(updates, orient="row", schema={
        "site": pl.String, "thread_id": pl.String, "comment_id": pl.String, "__parent": pl.String,
        "__source": pl.String, "__conf": pl.Float64})
    out = comments.join(upd, on=["site", "thread_id", "comment_id"], how="left", maintain_order="left")
    hit = pl.col("__source").is_not_null()
    out = out.with_columns(
        parent_id=pl.when(hit).then(pl.col("__parent")).otherwise(pl.col("parent_id")),
        parent_source=pl.when(hit).then(pl.col("__source")).otherwise(pl.col("parent_source")),
        parent_confidence=pl.when(hit).then(pl.col("__conf")).otherwise(pl.col("parent_confidence")),
    ).drop("__parent", "__source", "__conf")
    return out
