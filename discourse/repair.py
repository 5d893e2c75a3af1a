"""Tree repair: make every thread a proper tree rooted at its post, and count each change.

Rules, applied in this order (each counted in the quality report under the name given):

1. ``duplicate`` (dropped): a comment id seen more than once in a thread keeps one row: the one with
   text, then with an author, then the first in file order. Paged API responses and ``morechildren``
   expansions overlap, so duplicates are expected and harmless.
2. ``self_parent`` (repaired): a comment naming itself as parent becomes a reply to the post.
3. ``orphan_reattached`` (repaired): a comment whose parent is not in the data (deleted upstream, not
   crawled, a page not fetched) becomes a reply to the post, with ``parent_source="repaired"`` and
   confidence 0.
4. ``cycle_broken`` (repaired): parent links that loop without reaching the post are cut at the cycle's
   latest comment (highest position), which becomes a reply to the post.
5. ``self_reply`` (flagged): a comment replying to a comment by the same author. The flag is also a
   column, ``self_reply``.

Where the site reports a thread's size, ``missing`` (comments the site says exist but the data lacks,
from ``more`` stubs and reply totals) is capped at reported - kept, so stubs that another file
expanded are not counted as missing.

Nothing is dropped except duplicates, so ``kept`` = ``read`` - duplicates.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from discourse import schema
from discourse.quality import QualityReport

__all__ = ["repair"]

_KEY = ["site", "thread_id", "comment_id"]


def _count_by_thread(df: pl.DataFrame, mask: pl.Expr) -> list[tuple[str, str, int]]:
    return df.filter(mask).group_by(["site", "thread_id"]).len().sort(["site", "thread_id"]).rows()


def _dedupe(comments: pl.DataFrame, quality: QualityReport) -> pl.DataFrame:
    ranked = comments.with_row_index("__row").sort(
        [*_KEY, pl.col("text").is_null(), pl.col("author").is_null(), "__row"]
    )
    keep = ranked.select(pl.struct(_KEY).is_first_distinct()).to_series()
    dropped = ranked.filter(~keep)
    for site, tid, n in dropped.group_by(["site", "thread_id"]).len().rows():
        quality.drop(site, tid, "duplicate", n)
    return ranked.filter(keep).sort("__row").drop("__row")


def _parent_index(comments: pl.DataFrame) -> np.ndarray:
    """For each row, the row index of its parent in the same thread, or -1 for the post / unknown."""
    idx = comments.select(*_KEY).with_row_index("__child")
    parents = comments.select(
        pl.col("site"), pl.col("thread_id"), pl.col("parent_id").alias("comment_id")
    ).with_row_index("__child").join(
        idx.rename({"__child": "__parent"}), on=_KEY, how="left"
    ).sort("__child")
    return parents["__parent"].fill_null(-1).cast(pl.Int64).to_numpy().copy()


def _cycle_cuts(parent: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Rows whose parent link must be cut so that every chain reaches the post (-1)."""
    n = len(parent)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    jump = parent.copy()
    # pointer doubling: after k rounds jump[i] is the 2^k-th ancestor (or -1 once the post is reached)
    for _ in range(int(np.ceil(np.log2(n + 1))) + 1):
        nxt = np.where(jump >= 0, jump[np.maximum(jump, 0)], -1)
        if np.array_equal(nxt, jump):
            break
        jump = nxt
    landing = np.unique(jump[jump >= 0])
    if landing.size == 0:
        return np.zeros(0, dtype=np.int64)
    # every landing point lies on a cycle; walk each cycle once (cycles are rare and short)
    seen = np.zeros(n, dtype=bool)
    cuts = []
    for start in landing:
        if seen[start]:
            continue
        members = []
        node = int(start)
        while not seen[node]:
            seen[node] = True
            members.append(node)
            node = int(parent[node])
        cuts.append(max(members, key=lambda i: (position[i], i)))
    return np.array(sorted(cuts), dtype=np.int64)


def repair(comments: pl.DataFrame, threads: pl.DataFrame | None = None,
           quality: QualityReport | None = None) -> tuple[pl.DataFrame, QualityReport]:
    """Return repaired comments and a new quality report with the repairs counted.

    ``threads`` is accepted for the stage signature and unused today; neither input is modified.
    """
    quality = quality.copy() if quality is not None else QualityReport()
    if quality.threads == {} and comments.height:
        for site, tid, n in comments.group_by(["site", "thread_id"]).len().rows():
            quality.add_read(site, tid, n)
    out = _dedupe(comments, quality)

    self_parent = pl.col("parent_id") == pl.col("comment_id")
    for site, tid, n in _count_by_thread(out, self_parent.fill_null(False)):
        quality.repair(site, tid, "self_parent", n)
    out = out.with_columns(
        pl.when(self_parent.fill_null(False)).then(None).otherwise(pl.col("parent_id")).alias("parent_id"),
        pl.when(self_parent.fill_null(False)).then(pl.lit("repaired")).otherwise(pl.col("parent_source")).alias("parent_source"),
        pl.when(self_parent.fill_null(False)).then(0.0).otherwise(pl.col("parent_confidence")).alias("parent_confidence"),
    )

    parent = _parent_index(out)
    has_parent_id = out["parent_id"].is_not_null().to_numpy()
    orphan = has_parent_id & (parent < 0)
    cuts = _cycle_cuts(parent, out["position"].fill_null(0).to_numpy())
    cycle = np.zeros(out.height, dtype=bool)
    cycle[cuts] = True
    out = out.with_columns(pl.Series("__orphan", orphan), pl.Series("__cycle", cycle))
    for flag, reason in (("__orphan", "orphan_reattached"), ("__cycle", "cycle_broken")):
        for site, tid, n in _count_by_thread(out, pl.col(flag)):
            quality.repair(site, tid, reason, n)
    fix = pl.col("__orphan") | pl.col("__cycle")
    out = out.with_columns(
        pl.when(fix).then(None).otherwise(pl.col("parent_id")).alias("parent_id"),
        pl.when(fix).then(pl.lit("repaired")).otherwise(pl.col("parent_source")).alias("parent_source"),
        pl.when(fix).then(0.0).otherwise(pl.col("parent_confidence")).alias("parent_confidence"),
    ).drop("__orphan", "__cycle")

    parent_author = out.select(*_KEY, pl.col("author").alias("__pa")).rename({"comment_id": "parent_id"})
    out = out.join(parent_author, on=["site", "thread_id", "parent_id"], how="left", maintain_order="left")
    out = out.with_columns(
        ((pl.col("author") == pl.col("__pa")) & pl.col("author").is_not_null()).fill_null(False).alias("self_reply")
    ).drop("__pa")
    for site, tid, n in _count_by_thread(out, pl.col("self_reply")):
        quality.flag(site, tid, "self_reply", n)
    # "more" stubs counted per file overstate what is missing once another file (a morechildren
    # response, the next page) supplied those comments: never more than the site's total says
    for tq in quality.threads.values():
        if tq.reported is not None and tq.missing:
            tq.missing = min(tq.missing, max(0, tq.reported - tq.kept))
    return schema.validate(schema.conform(out, schema.COMMENTS), "comments"), quality
