"""The canonical tables every stage hands to the next, and the checks made where stages meet.

``comments``  one row per comment, whatever site it came from (see :data:`COMMENTS`).
``threads``   one row per thread: the root post (see :data:`THREADS`).
``replies``   one row per comment with its parent's author and text, and, once scored, its stance.
``edges``     author -> parent-author aggregates.
``nodes``     one row per author.

Each table has required columns with fixed dtypes; extra columns are allowed and carried along.
:func:`validate` checks a frame and raises :class:`~discourse.errors.SchemaError` listing every
problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from discourse._typing import PARENT_SOURCES, STANCE_LABELS
from discourse.errors import SchemaError

__all__ = [
    "ANONYMOUS_PREFIX",
    "COMMENTS",
    "EDGES",
    "NODES",
    "REPLIES",
    "STANCE_COLUMNS",
    "THREADS",
    "UTC",
    "anonymous_key",
    "conform",
    "empty",
    "validate",
]

UTC = pl.Datetime("us", "UTC")

ANONYMOUS_PREFIX = "anonymous#"
"""Node keys of comments with no known author: ``anonymous#<thread_id>/<comment_id>``, one node per
comment (the network stage's ``unknown_authors="node"``); the ``anonymous`` node column flags them."""


def anonymous_key(thread_id: pl.Expr, comment_id: pl.Expr) -> pl.Expr:
    """The node key of the unknown author of comment ``comment_id`` in ``thread_id``."""
    return pl.concat_str([pl.lit(ANONYMOUS_PREFIX), thread_id, pl.lit("/"), comment_id])

COMMENTS: dict[str, pl.DataType] = {
    "site": pl.String(),
    "thread_id": pl.String(),
    "comment_id": pl.String(),
    "parent_id": pl.String(),        # null: a reply to the thread's post itself
    "author": pl.String(),           # null: unknown, anonymous or deleted
    "text": pl.String(),             # null: deleted or removed; "" for image-only comments
    "created_at": UTC,               # nullable
    "score": pl.Int64(),             # nullable
    "position": pl.Int64(),          # 0-based order in the page / file within the thread
    "parent_source": pl.String(),    # one of discourse._typing.PARENT_SOURCES
    "parent_confidence": pl.Float64(),
}

THREADS: dict[str, pl.DataType] = {
    "site": pl.String(),
    "thread_id": pl.String(),
    "title": pl.String(),
    "text": pl.String(),
    "author": pl.String(),
    "url": pl.String(),
    "created_at": UTC,
    "reported_comments": pl.Int64(),  # how many comments the site says the thread has (nullable)
}

REPLIES: dict[str, pl.DataType] = {
    "site": pl.String(),
    "thread_id": pl.String(),
    "comment_id": pl.String(),
    "parent_id": pl.String(),        # null: reply to the post
    "author": pl.String(),
    "parent_author": pl.String(),
    "text": pl.String(),
    "parent_text": pl.String(),
    "created_at": UTC,
    "to_root": pl.Boolean(),
    "self_reply": pl.Boolean(),
    "parent_source": pl.String(),
    "parent_confidence": pl.Float64(),
}

STANCE_COLUMNS: dict[str, pl.DataType] = {
    "p_agree": pl.Float64(),
    "p_neutral": pl.Float64(),
    "p_disagree": pl.Float64(),
    "p_hostile": pl.Float64(),
    "label": pl.String(),
    "weight": pl.Float64(),
    "confidence": pl.Float64(),
    "p_offensive": pl.Float64(),
    "offensive": pl.Boolean(),
    "scorer": pl.String(),
    "lang": pl.String(),            # the reply's detected language (ISO 639-1; "und": too short to call)
}

EDGES: dict[str, pl.DataType] = {
    "source": pl.String(),
    "target": pl.String(),
    "n_replies": pl.Int64(),
    "n_agree": pl.Int64(),
    "n_neutral": pl.Int64(),
    "n_disagree": pl.Int64(),
    "n_hostile": pl.Int64(),
    "weight_sum": pl.Float64(),
    "weight_mean": pl.Float64(),
}

NODES: dict[str, pl.DataType] = {
    "author": pl.String(),
    "n_comments": pl.Int64(),
    "community": pl.Int64(),
}

_TABLES: dict[str, dict[str, pl.DataType]] = {
    "comments": COMMENTS,
    "threads": THREADS,
    "replies": REPLIES,
    "scored replies": {**REPLIES, **STANCE_COLUMNS},
    "edges": EDGES,
    "nodes": NODES,
}

_NOT_NULL = {
    "comments": ("site", "thread_id", "comment_id", "position", "parent_source", "parent_confidence"),
    "threads": ("site", "thread_id"),
    "replies": ("site", "thread_id", "comment_id", "to_root", "self_reply"),
    "scored replies": ("site", "thread_id", "comment_id", "label", "weight", "p_agree", "p_neutral",
                       "p_disagree", "p_hostile", "confidence", "scorer"),
    "edges": ("source", "target", "n_replies"),
    "nodes": ("author",),
}

_KEYS = {
    "comments": ("site", "thread_id", "comment_id"),
    "threads": ("site", "thread_id"),
    "replies": ("site", "thread_id", "comment_id"),
    "scored replies": ("site", "thread_id", "comment_id"),
    "edges": ("source", "target"),
    "nodes": ("author",),
}


def empty(columns: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """An empty frame with exactly these columns."""
    return pl.DataFrame(schema=dict(columns))


def conform(df: pl.DataFrame, columns: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Cast ``df``'s required columns to their dtypes, add missing ones as nulls, put them first.

    Meant for readers building a table; it does not replace :func:`validate`.
    """
    exprs = []
    for name, dtype in columns.items():
        if name in df.columns:
            exprs.append(pl.col(name).cast(dtype, strict=False) if df.schema[name] != dtype else pl.col(name))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    extra = [c for c in df.columns if c not in columns]
    return df.select(*exprs, *extra)


def validate(df: pl.DataFrame, table: str) -> pl.DataFrame:
    """Check ``df`` against the named table's schema; return it unchanged or raise SchemaError.

    Checks: required columns present with the right dtype; key columns not null and unique;
    ``parent_source`` and ``label`` values known; probabilities, confidences and weights in range;
    a comment is not its own parent.
    """
    if table not in _TABLES:
        raise ValueError(f"unknown table {table!r}; expected one of {sorted(_TABLES)}")
    if not isinstance(df, pl.DataFrame):
        raise SchemaError(table, [f"expected a polars DataFrame, got {type(df).__name__}"])
    spec = _TABLES[table]
    problems: list[str] = []
    for name, dtype in spec.items():
        if name not in df.columns:
            problems.append(f"missing column {name!r} ({dtype})")
        elif df.schema[name] != dtype:
            problems.append(f"column {name!r} is {df.schema[name]}, expected {dtype}")
    if problems:
        raise SchemaError(table, problems)

    checks: list[tuple[str, pl.Expr]] = [(f"{name!r} has {{n}} null value(s)", pl.col(name).is_null().sum())
                                         for name in _NOT_NULL[table]]
    keys = list(_KEYS[table])
    if df.height:
        checks.append((f"{{n}} duplicate key(s) on {keys}", pl.len() - pl.struct(keys).n_unique()))
    if "parent_source" in spec:
        checks.append((
            f"'parent_source' has {{n}} value(s) outside {list(PARENT_SOURCES)}",
            (~pl.col("parent_source").is_in(list(PARENT_SOURCES)) & pl.col("parent_source").is_not_null()).sum(),
        ))
    checks.extend((f"{name!r} has {{n}} value(s) outside [0, 1]",
                   (~pl.col(name).is_between(0.0, 1.0) | pl.col(name).is_nan()).sum())
                  for name in ("parent_confidence", "confidence", "p_agree", "p_neutral", "p_disagree", "p_hostile",
                               "p_offensive") if name in spec)
    if "weight" in spec:
        checks.append(("'weight' has {n} value(s) outside [-1, 1]",
                       (~pl.col("weight").is_between(-1.0, 1.0) | pl.col("weight").is_nan()).sum()))
    if "label" in spec:
        checks.append((
            f"'label' has {{n}} value(s) outside {list(STANCE_LABELS)}",
            (~pl.col("label").is_in(list(STANCE_LABELS)) & pl.col("label").is_not_null()).sum(),
        ))
    if table == "comments":
        checks.append(("{n} comment(s) name themselves as parent",
                       (pl.col("parent_id") == pl.col("comment_id")).fill_null(False).sum()))
    if df.height and checks:
        counts = df.select([expr.alias(f"c{i}") for i, (_, expr) in enumerate(checks)]).row(0)
        for (msg, _), n in zip(checks, counts):
            if n:
                problems.append(msg.format(n=n))
    if problems:
        raise SchemaError(table, problems)
    return df
