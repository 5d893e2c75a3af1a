"""Pair every comment with what it replies to: the parent comment, or the thread's post.

One row per comment (schema.REPLIES). For a reply to a comment, ``parent_author`` and ``parent_text``
come from that comment; for a top-level comment (``to_root``), from the post: its author when known and
its title and text joined. ``self_reply`` marks a reply to one's own comment (or post).
"""

from __future__ import annotations

import polars as pl

from discourse import schema

__all__ = ["pair_replies"]


def pair_replies(comments: pl.DataFrame, threads: pl.DataFrame | None = None) -> pl.DataFrame:
    """The replies table for these comments (neither input is modified)."""
    schema.validate(comments, "comments")
    if threads is None:
        threads = schema.empty(schema.THREADS)
    parents = comments.select(
        "site", "thread_id",
        pl.col("comment_id").alias("parent_id"),
        pl.col("author").alias("__p_author"),
        pl.col("text").alias("__p_text"),
    )
    post = threads.select(
        "site", "thread_id",
        pl.col("author").alias("__post_author"),
        pl.when(pl.col("title").is_null() & pl.col("text").is_null()).then(None)
        .otherwise(pl.concat_str([pl.col("title"), pl.col("text")], separator="\n\n", ignore_nulls=True))
        .alias("__post_text"),
    ).unique(["site", "thread_id"], keep="first", maintain_order=True)
    out = (
        comments.join(parents, on=["site", "thread_id", "parent_id"], how="left", maintain_order="left")
        .join(post, on=["site", "thread_id"], how="left", maintain_order="left")
        .with_columns(pl.col("parent_id").is_null().alias("to_root"))
        .with_columns(
            pl.when(pl.col("to_root")).then(pl.col("__post_author")).otherwise(pl.col("__p_author")).alias("parent_author"),
            pl.when(pl.col("to_root")).then(pl.col("__post_text")).otherwise(pl.col("__p_text")).alias("parent_text"),
        )
        .with_columns(
            ((pl.col("author") == pl.col("parent_author")) & pl.col("author").is_not_null())
            .fill_null(False).alias("self_reply"),
        )
    )
    keep = list(schema.REPLIES)
    extra = [c for c in ("position", "score", "layout_confidence") if c in out.columns and c not in keep]
    return schema.validate(out.select(*keep, *extra), "replies")
