"""From scored replies to the signed author network.

Each kept reply is a directed edge ``author -> parent_author`` carrying its stance ``weight`` (+ agree,
- hostile). Replies between the same two authors are aggregated into one edge row (``schema.EDGES``
plus ``pos_w``, ``neg_w``, ``abs_w``, ``net_sign``, ``first_at``, ``last_at``). Every reply read is
either kept or counted in :attr:`AuthorNetwork.counts` with the reason it was left out, so
``counts["replies"] == counts["kept"] + sum(reasons)`` always holds.

Everything is vectorised polars: a million replies aggregate in a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import igraph as ig
import polars as pl

from discourse import schema
from discourse.analysis._graphs import graph_from_arrays
from discourse.errors import AnalysisError
from discourse.options import NetworkOptions

__all__ = [
    "ANONYMOUS_COUNTS",
    "EDGE_COLUMNS",
    "LEFT_OUT_REASONS",
    "SIGN_TOLERANCE",
    "AuthorNetwork",
    "NetworkOptions",
    "author_network",
    "edges_from_replies",
    "graph_from_edges",
    "net_sign",
    "same_author_hints",
]


#: Parent sources that were guessed by the infer stage (their confidence is checked against
#: ``NetworkOptions.min_confidence``); recorded parents are always trusted.
INFERRED_SOURCES: tuple[str, ...] = ("quote", "mention", "adjacency")

#: Why a reply is left out of the graph, in the order the checks are made (first match wins).
LEFT_OUT_REASONS: tuple[str, ...] = (
    "unknown_author",          # the replier is unknown (deleted, anonymous)
    "root_reply",              # a top-level comment, and root_edges is off
    "unknown_parent_author",   # the parent's (or the post's) author is unknown
    "self_reply",              # the replier answers themself, and self_replies="drop"
    "low_confidence",          # an inferred parent below min_confidence
)

#: Counts about comments with no known author, after the left-out reasons in ``AuthorNetwork.counts``:
#: comments read with no author, anonymous nodes in the graph (``unknown_authors="node"``), and
#: :func:`same_author_hints` found.
ANONYMOUS_COUNTS: tuple[str, ...] = ("anonymous_comments", "anonymous_authors", "anonymous_hints")

#: Columns of ``AuthorNetwork.edges``, in order: the schema's, then the signed layers.
EDGE_COLUMNS: dict[str, pl.DataType] = {
    **schema.EDGES,
    "pos_w": pl.Float64(),      # sum of the positive reply weights
    "neg_w": pl.Float64(),      # sum of |negative reply weights| (>= 0)
    "abs_w": pl.Float64(),      # pos_w + neg_w
    "net_sign": pl.Int8(),      # sign of weight_sum: 1, 0, -1
    "n_mentions": pl.Int64(),   # how many of n_replies are @mention edges
    "first_at": schema.UTC,
    "last_at": schema.UTC,
}

_MENTION_RE = r"(?:^|[^\w@/.])@([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})"


SIGN_TOLERANCE = 1e-9
"""A summed weight this close to 0 is 0: floating-point sums of replies that cancel (an agreement and
a disagreement of equal weight) leave residues like 5.6e-17, which must not become a positive tie."""


def net_sign(weight_sum: pl.Expr) -> pl.Expr:
    """``net_sign`` of an edge: 1, -1, or 0 within :data:`SIGN_TOLERANCE` of zero."""
    return (pl.when(weight_sum.abs() <= SIGN_TOLERANCE).then(0).otherwise(weight_sum.sign())
            .cast(pl.Int8).alias("net_sign"))


@dataclass(frozen=True)
class AuthorNetwork:
    """The signed, directed author network.

    edges:   one row per (source, target) pair (:data:`EDGE_COLUMNS`), sorted by source, target.
    graph:   igraph directed graph; vertex attribute ``name`` (author) and ``n_comments``; one edge per
             row of ``edges`` with the same attributes. Vertices are every known author, sorted.
    counts:  replies read, kept, and left out by reason (:data:`LEFT_OUT_REASONS`), plus
             ``mention_edges`` added; flat ``str -> int`` for quality.json's "network" section.
    authors: one row per vertex: ``author``, ``n_comments`` (comments written, edges or not),
             ``anonymous`` (a comment with no known author: its node key is
             ``schema.anonymous_key``; such a node exists only when a kept edge touches it).
    options: the options used.
    hints:   :func:`same_author_hints` of the replies (never merged into one node).
    """

    edges: pl.DataFrame
    graph: ig.Graph
    counts: dict[str, int]
    authors: pl.DataFrame
    options: NetworkOptions = field(default_factory=NetworkOptions)
    hints: list[dict[str, object]] = field(default_factory=list)


def _fill_post_authors(replies: pl.DataFrame, threads: pl.DataFrame | None) -> pl.DataFrame:
    """Top-level replies with no parent_author get the post's author from ``threads`` when known."""
    if threads is None or threads.height == 0 or "author" not in threads.columns:
        return replies
    posts = threads.select("site", "thread_id", pl.col("author").alias("_post_author")).unique(
        subset=["site", "thread_id"], keep="first", maintain_order=True)
    return (
        replies.join(posts, on=["site", "thread_id"], how="left")
        .with_columns(
            pl.when(pl.col("to_root") & pl.col("parent_author").is_null())
            .then(pl.col("_post_author"))
            .otherwise(pl.col("parent_author"))
            .alias("parent_author")
        )
        .drop("_post_author")
    )


def _name_unknown(work: pl.DataFrame) -> pl.DataFrame:
    """Give each comment with no known author a node key of its own (``schema.anonymous_key``), as
    replier and as the parent replied to. ``_anon`` marks the rows whose own author was unknown. A
    parent id naming no comment of the replies (unrepaired input) gets no key: there is nobody to
    name."""
    present = work.select("site", "thread_id", pl.col("comment_id").alias("parent_id"),
                          pl.lit(True).alias("_parent_present"))
    return (
        work.join(present, on=["site", "thread_id", "parent_id"], how="left", maintain_order="left")
        .with_columns(
            pl.col("author").is_null().alias("_anon"),
            pl.when(pl.col("author").is_null()).then(schema.anonymous_key(pl.col("thread_id"), pl.col("comment_id")))
            .otherwise(pl.col("author")).alias("author"),
            pl.when(pl.col("parent_author").is_null() & ~pl.col("to_root") & pl.col("_parent_present").fill_null(False))
            .then(schema.anonymous_key(pl.col("thread_id"), pl.col("parent_id")))
            .otherwise(pl.col("parent_author")).alias("parent_author"),
        )
        .drop("_parent_present")
    )


def same_author_hints(replies: pl.DataFrame) -> list[dict[str, object]]:
    """Anonymous comments that turn-taking suggests are one person's, as hints (never merged).

    The pattern: an anonymous comment *a*, a reply *b* to it by a named author B, and an anonymous
    reply *a'* to *b*: *a'* answers the one who answered *a*, as *a*'s author would. Pairs that share a
    comment are joined into chains (a -> b -> a' -> b' -> a'' ...); a comment that two anonymous
    replies answer starts two chains. Each hint: ``site``, ``thread_id``, ``comment_ids`` (the
    anonymous comments, in reply order), ``interlocutors`` (the named authors between them) and
    ``reason``. Sorted by site, thread and first comment.
    """
    need = {"site", "thread_id", "comment_id", "parent_id", "author"}
    if replies.height == 0 or not need <= set(replies.columns):
        return []
    c = replies.select("site", "thread_id", "comment_id", "parent_id", "author")
    b = c.filter(pl.col("author").is_not_null()).select(
        "site", "thread_id", pl.col("comment_id").alias("_b"), pl.col("parent_id").alias("_a"),
        pl.col("author").alias("_who"))
    anon = c.filter(pl.col("author").is_null())
    pairs = (
        anon.select("site", "thread_id", pl.col("comment_id").alias("_a2"), pl.col("parent_id").alias("_b"))
        .join(b, on=["site", "thread_id", "_b"], how="inner")
        .join(anon.select("site", "thread_id", pl.col("comment_id").alias("_a")), on=["site", "thread_id", "_a"],
              how="inner")
        .filter(pl.col("_a") != pl.col("_a2"))
    )
    if pairs.height == 0:
        return []
    # each a' has one grandparent a: the pairs form a forest; one chain per path from a root to a leaf
    nxt: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    has_prev: set[tuple[str, str, str]] = set()
    for site, tid, a2, _b, a, who in pairs.select("site", "thread_id", "_a2", "_b", "_a", "_who").iter_rows():
        nxt.setdefault((site, tid, a), []).append((a2, who))
        has_prev.add((site, tid, a2))
    hints: list[dict[str, object]] = []
    for root in sorted(k for k in nxt if k not in has_prev):
        site, tid, first = root
        stack: list[tuple[str, list[str], list[str]]] = [(first, [first], [])]
        while stack:
            at, ids, who = stack.pop()
            follow = sorted(nxt.get((site, tid, at), []))
            if not follow:
                hints.append({"site": site, "thread_id": tid, "comment_ids": ids, "interlocutors": who,
                              "reason": "anonymous replies answering the one who answered the comment before: "
                                        "likely one person taking turns (not merged)"})
                continue
            for a2, name in reversed(follow):
                if a2 not in ids:           # a cycle cannot occur after repair; guard anyway
                    stack.append((a2, [*ids, a2], [*who, name]))
    return hints


def _reason_expr(options: NetworkOptions) -> pl.Expr:
    """The first reason a reply is left out, or null when it is kept."""
    is_self = pl.col("self_reply") | (pl.col("author") == pl.col("parent_author")).fill_null(False)
    low = (
        pl.col("parent_source").is_in(list(INFERRED_SOURCES)).fill_null(False)
        & (pl.col("parent_confidence").fill_null(0.0) < options.min_confidence)
    )
    return (
        pl.when(pl.col("author").is_null()).then(pl.lit("unknown_author"))
        .when(pl.col("to_root") & pl.lit(not options.root_edges)).then(pl.lit("root_reply"))
        .when(pl.col("parent_author").is_null()).then(pl.lit("unknown_parent_author"))
        .when(is_self & pl.lit(options.self_replies == "drop")).then(pl.lit("self_reply"))
        .when(low).then(pl.lit("low_confidence"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _mention_rows(kept: pl.DataFrame, replies: pl.DataFrame) -> pl.DataFrame:
    """Extra (author -> mentioned author) rows: @name naming another author known on the site.

    Names match case-insensitively (``@Bob`` is ``bob``) unless two authors of the site differ only
    by case, in which case only the exact spelling matches. A name mentioned twice in one reply counts
    once; the reply's own parent author is skipped (the reply edge already links them).
    """
    known = (
        replies.filter(pl.col("author").is_not_null()).select("site", "author").unique()
        .with_columns(pl.col("author").str.to_lowercase().alias("_key"))
    )
    unique_lower = known.filter(pl.len().over("site", "_key") == 1)
    exact = known.select("site", pl.col("author").alias("_key"), pl.col("author").alias("_name"))
    folded = unique_lower.select("site", "_key", pl.col("author").alias("_name"))
    mentions = (
        kept.select("site", "thread_id", "comment_id", "author", "parent_author", "label", "weight",
                    "created_at", pl.col("text").str.extract_all(_MENTION_RE).alias("_m"))
        .explode("_m")
        .filter(pl.col("_m").is_not_null())
        .with_columns(pl.col("_m").str.replace(r"^[^@]*@", "").str.strip_chars_end(".-"))
    )
    resolved = (
        mentions.join(exact, left_on=["site", "_m"], right_on=["site", "_key"], how="left")
        .join(folded, left_on=["site", pl.col("_m").str.to_lowercase()], right_on=["site", "_key"],
              how="left", suffix="_folded")
        .with_columns(pl.coalesce("_name", "_name_folded").alias("_name"))
        .filter(pl.col("_name").is_not_null())
    )
    return (
        resolved.unique(subset=["site", "thread_id", "comment_id", "_name"], keep="first", maintain_order=True)
        .filter((pl.col("_name") != pl.col("author")) & (pl.col("_name") != pl.col("parent_author")))
        .select("author", pl.col("_name").alias("parent_author"), "label", "weight", "created_at",
                pl.lit(1, dtype=pl.Int64).alias("_mention"))
    )


def edges_from_replies(rows: pl.DataFrame) -> pl.DataFrame:
    """Aggregate (author, parent_author, label, weight, created_at) rows into :data:`EDGE_COLUMNS`."""
    if "_mention" not in rows.columns:
        rows = rows.with_columns(pl.lit(0, dtype=pl.Int64).alias("_mention"))
    w = pl.col("weight")
    edges = (
        rows.group_by(pl.col("author").alias("source"), pl.col("parent_author").alias("target"))
        .agg(
            pl.len().cast(pl.Int64).alias("n_replies"),
            (pl.col("label") == "agree").sum().cast(pl.Int64).alias("n_agree"),
            (pl.col("label") == "neutral").sum().cast(pl.Int64).alias("n_neutral"),
            (pl.col("label") == "disagree").sum().cast(pl.Int64).alias("n_disagree"),
            (pl.col("label") == "hostile").sum().cast(pl.Int64).alias("n_hostile"),
            w.sum().alias("weight_sum"),
            w.mean().alias("weight_mean"),
            w.clip(lower_bound=0.0).sum().alias("pos_w"),
            (-w).clip(lower_bound=0.0).sum().alias("neg_w"),
            pl.col("_mention").sum().cast(pl.Int64).alias("n_mentions"),
            pl.col("created_at").min().alias("first_at"),
            pl.col("created_at").max().alias("last_at"),
        )
        .with_columns(
            (pl.col("pos_w") + pl.col("neg_w")).alias("abs_w"),
            net_sign(pl.col("weight_sum")),
        )
        .sort("source", "target")
    )
    return schema.conform(edges, EDGE_COLUMNS).select(list(EDGE_COLUMNS))


def graph_from_edges(edges: pl.DataFrame, authors: pl.DataFrame) -> ig.Graph:
    """A directed igraph graph: one vertex per row of ``authors`` (in order), one edge per edge row."""
    names = authors["author"].to_list()
    index = pl.DataFrame({"author": pl.Series(names, dtype=pl.String),
                          "_i": pl.int_range(len(names), eager=True, dtype=pl.Int64)})
    ends = (
        edges.select("source", "target")
        .join(index.rename({"author": "source", "_i": "_s"}), on="source", how="left", maintain_order="left")
        .join(index.rename({"author": "target", "_i": "_t"}), on="target", how="left", maintain_order="left")
    )
    if ends["_s"].null_count() or ends["_t"].null_count():
        raise AnalysisError("author network: an edge names an author missing from the vertex table")
    g = graph_from_arrays(len(names), ends["_s"].to_numpy(), ends["_t"].to_numpy(), directed=True)
    g.vs["name"] = names
    if "n_comments" in authors.columns:
        g.vs["n_comments"] = authors["n_comments"].to_list()
    if "anonymous" in authors.columns:
        g.vs["anonymous"] = authors["anonymous"].to_list()
    for col in edges.columns:
        if col in ("source", "target"):
            continue
        dtype = edges.schema[col]
        values = edges[col]
        if dtype == schema.UTC:
            values = values.dt.to_string("%Y-%m-%dT%H:%M:%SZ")  # igraph attrs: keep them plain
        g.es[col] = values.to_list()
    return g


def author_network(
    replies: pl.DataFrame,
    threads: pl.DataFrame | None = None,
    options: NetworkOptions | None = None,
) -> AuthorNetwork:
    """Build the signed author network from scored replies (``schema.REPLIES + STANCE_COLUMNS``).

    ``threads`` (``schema.THREADS``, optional) supplies the post's author for top-level comments whose
    ``parent_author`` the pairing stage left null. With ``unknown_authors="node"`` (the default) each
    comment with no known author is a node of its own, flagged ``anonymous`` in ``authors``; with
    ``"drop"`` replies from or to them are left out of the graph but counted. A post whose author is
    unknown is never a node. Nothing in ``replies`` is changed.
    """
    schema.validate(replies, "scored replies")
    if threads is not None:
        schema.validate(threads, "threads")
    options = NetworkOptions() if options is None else options
    if not isinstance(options, NetworkOptions):
        raise AnalysisError(f"author_network: options must be NetworkOptions, got {type(options).__name__}")
    work = _fill_post_authors(replies, threads)
    anonymous_nodes = options.unknown_authors == "node"
    if anonymous_nodes:
        work = _name_unknown(work)
    else:
        work = work.with_columns(pl.col("author").is_null().alias("_anon"))
    work = work.with_columns(_reason_expr(options).alias("_why"))
    reason_counts = dict(
        work.filter(pl.col("_why").is_not_null()).group_by("_why").len().iter_rows()
    )
    kept = work.filter(pl.col("_why").is_null())
    rows = kept.select("author", "parent_author", "label", "weight", "created_at")
    n_mentions = 0
    if options.mention_edges and kept.height:
        mentions = _mention_rows(kept, replies)
        n_mentions = mentions.height
        rows = pl.concat([rows.with_columns(pl.lit(0, dtype=pl.Int64).alias("_mention")), mentions],
                         how="vertical_relaxed")
    edges = edges_from_replies(rows)

    written = work.filter(pl.col("author").is_not_null())
    n_comments = (
        written.group_by("author").agg(pl.len().cast(pl.Int64).alias("n_comments"),
                                       pl.col("_anon").any().alias("anonymous"))
    )
    # every known author is a vertex, edges or not; an anonymous comment only when an edge touches it
    authors = (
        pl.concat([n_comments.filter(~pl.col("anonymous")).select("author"),
                   edges.select(pl.col("source").alias("author")),
                   edges.select(pl.col("target").alias("author"))])
        .unique()
        .join(n_comments, on="author", how="left")
        .with_columns(pl.col("n_comments").fill_null(0), pl.col("anonymous").fill_null(False))
        .sort("author")
    )
    graph = graph_from_edges(edges, authors)
    hints = same_author_hints(replies)
    counts = {"replies": replies.height, "kept": kept.height}
    counts.update({r: int(reason_counts.get(r, 0)) for r in LEFT_OUT_REASONS})
    counts["mention_edges"] = n_mentions
    counts["anonymous_comments"] = int(replies["author"].null_count())
    counts["anonymous_authors"] = int(authors["anonymous"].sum())
    counts["anonymous_hints"] = len(hints)
    counts["edges"] = edges.height
    counts["authors"] = authors.height
    return AuthorNetwork(edges=edges, graph=graph, counts=counts, authors=authors, options=options, hints=hints)
