"""Sharpen coarse explicit parents with @mentions (Stack Exchange comments, YouTube replies).

Stack Exchange comments all hang off the post they were written under, and YouTube replies all hang
off one top-level comment, although people answer each other: "@alice no, ...". A comment that starts
by addressing an author ("@name ..." or "name: ...") who wrote an earlier comment under the same parent
is re-attached to that author's latest earlier comment there, with ``parent_source = "mention"``.
"""

from __future__ import annotations

import polars as pl

__all__ = ["MENTION_CONFIDENCE", "refine_mentions"]

MENTION_CONFIDENCE = 0.9
"""Confidence given to a re-targeted reply: the address is explicit, the target is the latest
comment by that author under the same parent (an earlier one could be meant)."""

_CANDIDATE_RE = r"^\s*(@|[^\n:@]{1,40}:)"


def _key(name: str | None) -> str | None:
    if name is None:
        return None
    key = name.strip().lstrip("@").strip().lower()
    return key or None


def _target(text: str, latest: dict[str, str]) -> str | None:
    """The author key ``text`` starts by addressing (longest known match), or None."""
    lead = text.lstrip()
    at = lead.startswith("@")
    body = lead[1:] if at else lead
    low = body.lower()
    best: str | None = None
    for key in latest:
        if not low.startswith(key):
            continue
        nxt = low[len(key):len(key) + 1]
        ok = (nxt == "" or not (nxt.isalnum() or nxt == "_")) if at else nxt == ":"
        if ok and (best is None or len(key) > len(best)):
            best = key
    return best


def refine_mentions(comments: pl.DataFrame) -> pl.DataFrame:
    """Re-target "@name" / "name:" replies to the named author's latest earlier comment under the same parent.

    Only rows with a known parent (``parent_source`` not "none") are considered; comments are ordered
    by ``position`` within their thread. Returns a new frame (same rows and order); changed rows get
    ``parent_source = "mention"`` and ``parent_confidence`` :data:`MENTION_CONFIDENCE`.
    """
    if comments.height == 0:
        return comments.clone()
    df = comments.with_row_index("__row")
    cand = df.filter(
        (pl.col("parent_source") != "none")
        & pl.col("text").is_not_null()
        & pl.col("text").str.contains(_CANDIDATE_RE)
    )
    if cand.height == 0:
        return comments.clone()
    groups = cand.select("site", "thread_id", "parent_id").unique()
    scope = df.join(groups, on=["site", "thread_id", "parent_id"], how="semi", nulls_equal=True)
    scope = scope.filter(pl.col("parent_source") != "none").sort("site", "thread_id", "position", "__row")
    changes: list[dict[str, object]] = []
    for (_site, _tid, _parent), part in scope.group_by(["site", "thread_id", "parent_id"], maintain_order=True):
        latest: dict[str, str] = {}
        for row, cid, author, text in part.select("__row", "comment_id", "author", "text").iter_rows():
            key = _key(author)
            if text:
                target = _target(text, {k: v for k, v in latest.items() if k != key})
                if target is not None:
                    changes.append({"__row": row, "__new_parent": latest[target]})
            if key is not None:
                latest[key] = cid
    if not changes:
        return comments.clone()
    upd = pl.DataFrame(changes, schema={"__row": pl.UInt32, "__new_parent": pl.String})
    out = df.join(upd, on="__row", how="left").with_columns(
        parent_id=pl.coalesce("__new_parent", "parent_id"),
        parent_source=pl.when(pl.col("__new_parent").is_not_null()).then(pl.lit("mention"))
        .otherwise(pl.col("parent_source")),
        parent_confidence=pl.when(pl.col("__new_parent").is_not_null()).then(pl.lit(MENTION_CONFIDENCE))
        .otherwise(pl.col("parent_confidence")),
    )
    return out.sort("__row").drop("__row", "__new_parent")
