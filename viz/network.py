"""The interactive author network: factions as separated groups, named actors, edges by tone.

Layout (:func:`~discourse.viz.layout.faction_layout`): each faction is a disc of its own, hostile
factions apart; singletons and isolates wait on rings outside the view until the "singletons &
isolates" button shows them. Names: the original poster, every instigator and target (the strongest
:data:`MAX_ANTAGONIST_LABELS` on big threads), the :data:`TOP_ACTIVE` most active and
:data:`TOP_CENTRAL` most central commenters are written beside their dots, placed so that no two
names overlap (:func:`place_labels`). Edges: colour by the tone rule of :mod:`discourse.viz.tone`,
width by the number of replies, an arrowhead at the person replied to, and a hover marker at the
middle that quotes the pair's strongest replies.

Traces: one per faction (the legend toggles them; the report's own script makes a click isolate
one), one line trace per (tone, width class), one arrowhead and one hover trace per tone, and the
same for the hidden periphery. A dropdown re-sizes the nodes by any centrality the nodes table
carries. Above :data:`~discourse.viz._style.WEBGL_THRESHOLD` elements the traces use WebGL; above
``max_edges`` only the strongest edges are drawn and the figure says so. ``static=True`` makes the
publication figure (``--image``): no controls, no hover markers, larger names.

Everything that comes from the data (author names, comment text) is escaped before it reaches
plotly (see :mod:`discourse.viz._escape`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl

from discourse import schema
from discourse.errors import AnalysisError
from discourse.viz._escape import ellipsize, escape_expr, escape_text, snippet_expr
from discourse.viz._style import (
    ALONE_COLOUR,
    MAX_EDGES,
    MAX_FACTION_TRACES,
    OTHER_COLOUR,
    SIGN_COLOURS,
    SIZE_CANDIDATES,
    WEBGL_THRESHOLD,
    base_layout,
    faction_colour,
)
from discourse.viz.layout import LAYOUTS, LayoutName, edge_sign_expr, faction_layout, signed_layout
from discourse.viz.tone import TONE_NAMES, tone_expr

__all__ = ["NetworkView", "faction_figure", "network_figure", "network_view", "place_labels", "size_options"]

_PLOT_PX = 700.0          # nominal plot height in pixels, to turn node radii into data units
_GL_ANGLE_STEP = 5.0  # degrees; 72 distinct angles instead of one per edge (17 s -> 1 s for 5,000 edges)
REPLY_CLASSES: tuple[tuple[int, int | None, float, float], ...] = (
    (1, 1, 0.6, 6.0), (2, 2, 1.1, 7.0), (3, 4, 1.8, 8.0), (5, 9, 2.7, 10.0), (10, None, 4.0, 12.0),
)
"""Edge width classes by replies between the pair: (from, to, line width px, arrowhead px)."""
TOP_ACTIVE = 15
"""The most active commenters (by comments) named on the figure."""
TOP_CENTRAL = 8
"""The most central commenters (by the first size measure, PageRank by default) named too."""
MAX_ANTAGONIST_LABELS = 16
"""Instigators and targets named at most; beyond it the strongest (by hostility hub / authority score)
are named and every one is marked with a dark red ring (and found by the page's search box)."""
ANTAGONIST_ROLES = ("instigator", "target", "combatant")
ANTAGONIST_COLOUR = "#8e0c25"
_EXTRA_HOVER = ("internal_replies", "internal_hostile")  # faction overview
_COUNT_COLS = ("n_replies", "n_agree", "n_neutral", "n_disagree", "n_hostile")
PER_NODE_SHARE = 0.02
"""When edges are capped: the most of the drawn edges one commenter may have (2%: 200 of 10,000)."""
MAX_ARROWS = 3_000
"""Edges of one tone above which no arrowheads are drawn and the lines are fainter (a bundle)."""
PERIPHERY = "periphery"
ALONE_GROUP = 1_000_000
"""``_group`` of the authors alone in their faction (in the main view): one legend entry for all of them."""
"""legendgroup of the singletons and isolates kept out of the main view."""
ANONYMOUS_LABEL = "anonymous commenter"
"""What the hover says of a node with no known author (the ``anonymous`` node column): never a name."""
MAX_ANONYMOUS_SHOWN = 40
"""Anonymous commenters in no faction kept in the main view (hollow, unnamed) when they answer or are
answered by a named commenter: the strongest ties first; the rest wait with the singletons."""


def size_options(nodes: pl.DataFrame, size_by: str = "pagerank") -> list[str]:
    """Numeric node columns the size selector offers, ``size_by`` first when present."""
    numeric = [c for c, t in nodes.schema.items() if t.is_numeric() and c not in ("community", "camp")
               and not c.startswith("_")]
    options = [c for c in SIZE_CANDIDATES if c in numeric] or numeric
    if size_by in numeric:
        options = [size_by] + [c for c in options if c != size_by]
    return options


@dataclass
class NetworkView:
    """The network figure and what the report page's own script needs besides it (search, isolation)."""

    figure: go.Figure
    index: dict[str, Any] = field(default_factory=dict)


def network_figure(
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    *,
    comments: pl.DataFrame | None = None,
    replies: pl.DataFrame | None = None,
    op: Sequence[str] | None = None,
    size_by: str = "pagerank",
    layout: LayoutName = "auto",
    seed: int = 0,
    max_edges: int = MAX_EDGES,
    webgl: bool | None = None,
    comments_per_node: int | None = None,
    title: str | None = None,
    height: int = 720,
    width: int | None = None,
    static: bool = False,
) -> go.Figure:
    """Build the interactive author network as a plotly figure (pure: no file I/O).

    ``nodes`` needs ``author``; ``community``, ``n_comments``, ``role``/``roles`` and centralities are
    optional. ``edges`` needs ``source``, ``target``; stance counts (``n_agree`` ...), ``n_replies``
    and weights are used when present. ``comments`` (any frame with ``author`` and ``text``) supplies
    a few comments per author for the node hover (``comments_per_node``; by default 3, fewer on big
    graphs); ``replies`` (``author``, ``parent_author``, ``text``, ``label``, ``weight``) the quotes in
    the edge hover. ``op`` names the original poster(s), marked and named. ``size_by`` names the
    column that sizes the nodes first (the dropdown offers the others). ``layout="auto"`` lays out
    the factions as groups (:func:`~discourse.viz.layout.faction_layout`); ``"fr"``, ``"fr_grid"``,
    ``"drl"``, ``"kk"`` and ``"circle"`` lay out the whole graph at once. ``webgl=None`` chooses WebGL
    above a size threshold. Only the ``max_edges`` strongest edges are drawn. ``static`` gives the
    publication figure: no controls or hover markers, names sized for a ``width`` x ``height`` image.
    Same inputs and ``seed`` give the same figure.

    Facts about what was drawn are in ``fig.layout.meta["discourse"]``.
    """
    return network_view(nodes, edges, comments=comments, replies=replies, op=op, size_by=size_by, layout=layout,
                        seed=seed, max_edges=max_edges, webgl=webgl, comments_per_node=comments_per_node,
                        title=title, height=height, width=width, static=static).figure


def network_view(
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    *,
    comments: pl.DataFrame | None = None,
    replies: pl.DataFrame | None = None,
    op: Sequence[str] | None = None,
    size_by: str = "pagerank",
    layout: LayoutName = "auto",
    seed: int = 0,
    max_edges: int = MAX_EDGES,
    webgl: bool | None = None,
    comments_per_node: int | None = None,
    title: str | None = None,
    height: int = 720,
    width: int | None = None,
    static: bool = False,
) -> NetworkView:
    """:func:`network_figure` plus the page's search index (names as typed, positions, every tie)."""
    if "author" not in nodes.columns and nodes.height:
        raise AnalysisError(f"nodes table has no 'author' column; its columns are {nodes.columns}")
    for col in ("source", "target"):
        if col not in edges.columns and edges.height:
            raise AnalysisError(f"edges table has no {col!r} column; its columns are {edges.columns}")
    if max_edges < 0:
        raise AnalysisError(f"max_edges must be >= 0, got {max_edges}")
    if layout not in LAYOUTS:
        raise AnalysisError(f"layout {layout!r} is unknown; expected one of {list(LAYOUTS)}")
    edges_in = edges if edges.height else _empty_edges()
    table = _node_table(nodes, edges)
    options = size_options(table, size_by)
    big = table.height > WEBGL_THRESHOLD
    table = _with_sizes(table, options, big=big)
    table = _with_names(table, options, op)
    if layout in ("auto", "factions"):
        keep = table["_name_rank"].is_not_null() | _anonymous_kept(table, edges_in)
        pos = faction_layout(table["author"], table["community"], edges_in, keep=keep, seed=seed)
    else:
        pos = signed_layout(table["author"], edges_in, method=layout, seed=seed).with_columns(main=pl.lit(True))
    table = table.with_columns(x=pos["x"], y=pos["y"], _main=pos["main"])
    table = _with_groups(table, edges)

    drawn, total, self_loops = _edge_table(edges, table, max_edges)
    use_gl = (table.height + drawn.height > WEBGL_THRESHOLD) if webgl is None else bool(webgl)
    scatter = go.Scattergl if use_gl else go.Scatter
    if comments_per_node is None:
        comments_per_node = 3 if table.height <= 2_000 else 2 if table.height <= 10_000 else 1
    if not static:
        hover = _node_hover(table, options, comments, comments_per_node, short=table.height > 10_000)
        table = table.with_columns(hover=hover)
        if drawn.height:
            drawn = drawn.with_columns(_hover=_edge_hover(drawn, replies, quotes=2 if drawn.height <= 2_000 else 1))

    traces: list[Any] = []
    main_edges = drawn.filter(pl.col("_main")) if drawn.height else drawn
    side_edges = drawn.filter(~pl.col("_main")) if drawn.height else drawn
    traces += _edge_traces(main_edges, table, scatter, big=use_gl, static=static)
    first_side_edge = len(traces)
    if not static:
        traces += _side_edge_traces(side_edges, scatter)
    side_edge_idx = list(range(first_side_edge, len(traces)))
    node_traces, size_arrays, groups = _node_traces(table, options, scatter, static=static)
    first_node = len(traces)
    traces += node_traces
    node_idx = list(range(first_node, len(traces)))
    side_node_idx = [i for i, g in zip(node_idx, groups) if g == PERIPHERY]
    traces += _key_traces(table, scatter)

    fig = go.Figure(data=traces)
    main_t = table.filter(pl.col("_main"))
    n_hidden = table.height - main_t.height
    hidden = table.filter(~pl.col("_main"))
    isolates = int(hidden["_isolate"].sum()) if hidden.height else 0
    xr, yr = [-1.15, 1.15], [-1.12, 1.15]
    if hidden.height:
        reach = float(np.abs(hidden.select("x", "y").to_numpy()).max()) + 0.08
        all_r = [-reach, reach]
    else:
        all_r = xr
    legend: dict[str, Any] = {"itemsizing": "constant", "tracegroupgap": 2, "font": {"size": 12}}
    if not static:
        legend["title"] = {"text": "click a faction to isolate it"}
    fig.update_layout(
        **base_layout(
            height=height,
            showlegend=True,
            hovermode="closest",
            dragmode="pan",
            legend=legend,
            xaxis={"visible": False, "range": xr},
            yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1, "range": yr},
            meta={"discourse": {
                "nodes": table.height, "main_nodes": main_t.height, "hidden_nodes": n_hidden,
                "hidden_singletons": n_hidden - isolates, "hidden_isolates": isolates,
                "edges_total": total, "edges_drawn": drawn.height, "self_loops": self_loops, "webgl": use_gl,
                "size_by": options[0] if options else None, "size_options": options,
                "named": int(table["_name_rank"].is_not_null().sum()),
                "anonymous": int(table.select(_anonymous_expr(table).sum()).item()) if table.height else 0,
            }},
        )
    )
    if width is not None:
        fig.update_layout(width=width)
    if title:
        fig.update_layout(title={"text": escape_text(title), "x": 0.01, "xanchor": "left"})
    if drawn.height < total:
        per = max(25, int(max_edges * PER_NODE_SHARE))
        fig.add_annotation(text=f"Showing the {drawn.height:,} strongest of {total:,} reply pairs "
                                f"(at most {per:,} per commenter).", xref="paper",
                           yref="paper", x=0.5, y=1.0, showarrow=False, xanchor="center", yanchor="bottom",
                           font={"size": 12, "color": "#555"})
    plot_w, plot_h = _plot_px(width or (1600 if static else 1230), height, static)
    label_groups = _label_annotations(fig, table, plot_w, plot_h, xr, yr, static=static)
    menus: list[dict[str, Any]] = []
    if len(options) > 1 and not static:
        idx = node_idx
        buttons = [
            {"label": escape_text(opt.replace("_", " ")), "method": "restyle", "args": [{"marker.size": size_arrays[opt]}, idx]}
            for opt in options
        ]
        menus.append({
            "buttons": buttons, "direction": "down", "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "top",
            "showactive": True, "bgcolor": "#fff", "pad": {"t": 4, "l": 4},
        })
        fig.add_annotation(text="size nodes by", xref="paper", yref="paper", x=0.0, y=1.0, yshift=22,
                           showarrow=False, xanchor="left", yanchor="bottom", font={"size": 11, "color": "#555"})
    if n_hidden and not static:
        toggled = side_node_idx + side_edge_idx
        what = _plural(n_hidden - isolates, "singleton") if isolates == 0 else (
            f"{_plural(n_hidden - isolates, 'singleton')} & {_plural(isolates, 'isolate')}" if n_hidden > isolates
            else _plural(isolates, "isolate"))
        menus.append({
            "type": "buttons", "direction": "right", "x": 0.16 if len(options) > 1 else 0.0, "xanchor": "left",
            "y": 1.0, "yanchor": "top", "showactive": True, "active": -1, "bgcolor": "#fff", "pad": {"t": 4, "l": 4},
            "buttons": [{
                "label": f"show / hide {what}", "method": "update",
                "args": [{"visible": True}, {"xaxis.range": all_r, "yaxis.range": all_r}, toggled],
                "args2": [{"visible": False}, {"xaxis.range": xr, "yaxis.range": yr}, toggled],
            }],
        })
    if menus:
        fig.update_layout(updatemenus=menus)
    index = _search_index(table, edges, label_groups, node_idx, groups) if not static else {}
    return NetworkView(fig, index)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _plot_px(width: int, height: int, static: bool) -> tuple[float, float]:
    """The plot area in pixels, without the margins and the legend (about 250 px on the right)."""
    return max(200.0, width - 60 - 250), max(200.0, height - 90 - (30 if static else 0))


def faction_figure(nodes: pl.DataFrame, edges: pl.DataFrame, *, seed: int = 0, height: int = 520) -> go.Figure:
    """The faction-level overview: one node per faction, the reply pairs between factions aggregated.

    Node size is the number of members; hover gives members, comments and the replies inside the
    faction. Edges are summed over all author pairs between two factions and signed by their summed
    weight.
    """
    table = _node_table(nodes, edges)
    # factions beyond the largest few become one "other factions" node (-2), as in the network legend
    ranks = (table.group_by("community").agg(n=pl.len()).sort(["n", "community"], descending=[True, False])
             .with_row_index("rank"))
    keep = ranks.filter((pl.col("rank") < MAX_FACTION_TRACES - 1) | (ranks.height <= MAX_FACTION_TRACES))
    table = table.with_columns(
        pl.when(pl.col("community").is_in(keep["community"].implode())).then(pl.col("community"))
        .otherwise(pl.lit(_OTHER, pl.Int64)).alias("community")
    )
    comm = table.select("author", "community")
    agg_nodes = (
        table.group_by("community")
        .agg(members=pl.len(), n_comments=pl.col("n_comments").sum() if "n_comments" in table.columns else pl.len())
        .with_columns(author=_faction_name("community"), _members=pl.col("members"))
        .sort("community")
    )
    if edges.height == 0:
        return network_figure(agg_nodes, _empty_edges(), size_by="members", layout="fr", seed=seed, height=height)
    e = (
        edges.select(
            "source", "target",
            *[pl.col(c).cast(pl.Int64) for c in _COUNT_COLS if c in edges.columns],
            (pl.col("weight_sum") if "weight_sum" in edges.columns else edge_sign_expr(edges.schema)).cast(pl.Float64)
            .alias("weight_sum"),
        )
        .join(comm.rename({"author": "source", "community": "cs"}), on="source", how="inner")
        .join(comm.rename({"author": "target", "community": "ct"}), on="target", how="inner")
    )
    counts = [pl.col(c).sum() for c in _COUNT_COLS if c in e.columns]
    inner = e.filter((pl.col("cs") == pl.col("ct")) & (pl.col("source") != pl.col("target"))).group_by("cs").agg(
        internal_replies=pl.col("n_replies").sum() if "n_replies" in e.columns else pl.len(),
        internal_hostile=pl.col("n_hostile").sum() if "n_hostile" in e.columns else pl.lit(None, pl.Int64),
    )
    agg_nodes = agg_nodes.join(inner.rename({"cs": "community"}), on="community", how="left").with_columns(
        pl.col("internal_replies").fill_null(0)
    )
    between = (
        e.filter(pl.col("cs") != pl.col("ct"))
        .group_by("cs", "ct")
        .agg(*counts, pl.col("weight_sum").sum())
        .with_columns(
            source=_faction_name("cs"),
            target=_faction_name("ct"),
            weight_mean=pl.col("weight_sum") / pl.col("n_replies") if "n_replies" in e.columns else pl.lit(None),
            abs_w=pl.col("weight_sum").abs(),
        )
        .drop("cs", "ct")
        .sort("source", "target")
    )
    return network_figure(agg_nodes, between, size_by="members", layout="fr", seed=seed, height=height,
                          webgl=False, max_edges=max(between.height, 1))




# ---------------------------------------------------------------------------------------------- tables

_OTHER = -2  # the community id of "other factions" in the overview


def _faction_name(col: str) -> pl.Expr:
    return (pl.when(pl.col(col) >= 0).then(pl.format("faction {}", pl.col(col)))
            .when(pl.col(col) == _OTHER).then(pl.lit("other factions")).otherwise(pl.lit("no faction")))


def _empty_edges() -> pl.DataFrame:
    return pl.DataFrame(schema={"source": pl.String, "target": pl.String, "n_replies": pl.Int64,
                                "weight_sum": pl.Float64})


def _node_table(nodes: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """Nodes plus any author that only appears in edges; ``community`` filled (-1 = unassigned)."""
    if "author" not in nodes.columns:
        nodes = pl.DataFrame(schema={"author": pl.String})
    table = nodes.with_columns(pl.col("author").cast(pl.String)).unique("author", keep="first", maintain_order=True)
    table = table.filter(pl.col("author").is_not_null())
    if edges.height:
        seen = pl.concat([edges["source"], edges["target"]]).cast(pl.String).drop_nulls().unique(maintain_order=True)
        extra = pl.DataFrame({"author": seen}).join(table.select("author"), on="author", how="anti")
        if extra.height:
            table = pl.concat([table, extra], how="diagonal_relaxed")
    if "community" not in table.columns:
        table = table.with_columns(community=pl.lit(0, pl.Int64))
    return table.with_columns(pl.col("community").cast(pl.Int64, strict=False).fill_null(-1))


def _with_sizes(table: pl.DataFrame, options: list[str], *, big: bool) -> pl.DataFrame:
    lo, hi = (3.0, 18.0) if big else (6.0, 30.0)
    exprs = []
    for opt in options:
        v = pl.col(opt).cast(pl.Float64).fill_nan(None)
        v = v.fill_null(v.min())
        span = v.max() - v.min()
        scaled = pl.when(span > 0).then(((v - v.min()) / span).sqrt()).otherwise(0.4)
        exprs.append((lo + (hi - lo) * scaled).fill_null(lo).round(1).alias(f"_size_{opt}"))
    if not options:
        exprs.append(pl.lit((lo + hi) / 3).alias("_size_"))
    return table.with_columns(exprs)


def _role_flags(table: pl.DataFrame) -> pl.Expr:
    """True for an instigator, target or combatant (``roles`` list, else ``role``)."""
    if "roles" in table.columns and isinstance(table.schema["roles"], pl.List):
        return pl.col("roles").list.eval(pl.element().is_in(list(ANTAGONIST_ROLES))).list.any().fill_null(False)
    if "role" in table.columns:
        return pl.col("role").cast(pl.String).is_in(list(ANTAGONIST_ROLES)).fill_null(False)
    return pl.lit(False)


def _anonymous_expr(table: pl.DataFrame) -> pl.Expr:
    return pl.col("anonymous").fill_null(False) if "anonymous" in table.columns else pl.lit(False)


def _display_expr(col: str) -> pl.Expr:
    """A node key as shown in hovers: anonymous keys (``schema.ANONYMOUS_PREFIX``) as
    :data:`ANONYMOUS_LABEL`, any other name escaped."""
    return (pl.when(pl.col(col).cast(pl.String).str.starts_with(schema.ANONYMOUS_PREFIX))
            .then(pl.lit(ANONYMOUS_LABEL)).otherwise(escape_expr(pl.col(col).cast(pl.String))))


def _anonymous_kept(table: pl.DataFrame, edges: pl.DataFrame) -> pl.Series:
    """Anonymous commenters tied to a named commenter, kept in the main view so that the exchanges
    with them show (at most :data:`MAX_ANONYMOUS_SHOWN`, the strongest ties first)."""
    none = pl.Series("keep", [False] * table.height, dtype=pl.Boolean)
    if "anonymous" not in table.columns or edges.height == 0 or not table["anonymous"].fill_null(False).any():
        return none
    named = table.filter(pl.col("_name_rank").is_not_null())["author"].implode()
    anon = table.filter(_anonymous_expr(table))["author"].implode()
    strength = (pl.col("abs_w") if "abs_w" in edges.columns else pl.col("weight_sum").abs()
                if "weight_sum" in edges.columns else pl.lit(1.0)).cast(pl.Float64).fill_null(0.0)
    e = edges.select(pl.col("source").cast(pl.String), pl.col("target").cast(pl.String), _s=strength)
    ties = pl.concat([
        e.filter(pl.col("source").is_in(anon) & pl.col("target").is_in(named)).select(author="source", _s="_s"),
        e.filter(pl.col("target").is_in(anon) & pl.col("source").is_in(named)).select(author="target", _s="_s"),
    ])
    chosen = (ties.group_by("author").agg(pl.col("_s").sum()).sort(["_s", "author"], descending=[True, False])
              .head(MAX_ANONYMOUS_SHOWN)["author"])
    return table["author"].is_in(chosen.implode()).alias("keep")


def _with_names(table: pl.DataFrame, options: list[str], op: Sequence[str] | None) -> pl.DataFrame:
    """Who is named on the figure, in the order the names are placed (``_name_rank``, null: unnamed):
    the original poster(s), then instigators and targets (at most :data:`MAX_ANTAGONIST_LABELS`, the
    strongest first), the :data:`TOP_ACTIVE` most active and the :data:`TOP_CENTRAL` most central.
    Adds ``_op``, ``_antagonist`` and ``_label`` (the escaped name)."""
    ops = sorted({str(o) for o in (op or ()) if o is not None})
    strength_cols = [c for c in ("neg_hub", "neg_authority") if c in table.columns]
    strength = (pl.max_horizontal([pl.col(c).cast(pl.Float64).fill_null(0.0).fill_nan(0.0) for c in strength_cols])
                if strength_cols else pl.lit(0.0))
    active = pl.col("n_comments").cast(pl.Float64).fill_null(0.0) if "n_comments" in table.columns else pl.lit(0.0)
    central = (pl.col(options[0]).cast(pl.Float64).fill_null(0.0).fill_nan(0.0) if options else pl.lit(0.0))
    # anonymous commenters are never named: their key is no name, and one reply each makes no key actor
    t = table.with_row_index("_row").with_columns(
        _op=pl.col("author").is_in(ops), _antagonist=_role_flags(table), _strength=strength, _active=active,
        _central=central, _anon=_anonymous_expr(table),
    )
    t_named = t.filter(~pl.col("_anon"))

    def top(frame: pl.DataFrame, by: str, k: int) -> list[int]:
        return frame.sort([by, "author"], descending=[True, False]).head(k)["_row"].to_list()

    order: list[int] = t_named.filter(pl.col("_op")).sort("author")["_row"].to_list()
    order += top(t_named.filter(pl.col("_antagonist")), "_strength", MAX_ANTAGONIST_LABELS)
    if "n_comments" in table.columns:
        order += top(t_named, "_active", TOP_ACTIVE)
    if options:
        order += top(t_named, "_central", TOP_CENTRAL)
    elif "n_comments" not in table.columns:
        order += t_named.head(TOP_ACTIVE)["_row"].to_list()
    rank = {row: i for i, row in enumerate(dict.fromkeys(order))}
    name = (pl.when(pl.col("author").str.len_chars() > 24)
            .then(pl.col("author").str.slice(0, 23).str.strip_chars_end() + pl.lit("…"))
            .otherwise(pl.col("author")))
    return t.with_columns(
        _name_rank=pl.col("_row").replace_strict(rank, default=None, return_dtype=pl.Int64),
        _label=escape_expr(name) + pl.when(pl.col("_op")).then(pl.lit(" (OP)")).otherwise(pl.lit("")),
    ).drop("_row", "_strength", "_active", "_central", "_anon")


def _with_groups(table: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """``_group``: the node trace of each author (factions by size rank, the last shared by "other
    factions"; -1: the periphery outside the main view) and ``_isolate`` (no tie but to themselves)."""
    if edges.height:
        e = edges.select(pl.col("source").cast(pl.String), pl.col("target").cast(pl.String)).filter(
            pl.col("source") != pl.col("target"))
        tied = pl.concat([e["source"], e["target"]]).unique()
        table = table.with_columns(_isolate=~pl.col("author").is_in(tied.implode()))
    else:
        table = table.with_columns(_isolate=pl.lit(True))
    # factions are ranked (and coloured) by all their members, as in the faction overview, whether or
    # not they are all in the main view; on the author view, authors alone in their faction (anonymous
    # commenters mostly) share one grey entry instead of a "faction" of one each, as the header counts them
    members = pl.col("_members").sum() if "_members" in table.columns else pl.len()
    sizes = table.group_by("community").agg(n=members)
    alone = sizes.filter(pl.lit("_members" not in table.columns) & (pl.col("n") == 1)
                         & (pl.col("community") != _OTHER))["community"]
    sizes = (
        sizes.filter(~pl.col("community").is_in(alone.implode()))
        .sort([pl.col("community") == _OTHER, pl.col("n"), pl.col("community")], descending=[False, True, False])
        .with_row_index("rank").with_columns(pl.col("rank").cast(pl.Int64))
    )
    lumped = sizes.height > MAX_FACTION_TRACES
    sizes = pl.concat([
        sizes.select("community", _group=pl.when(~pl.lit(lumped) | (pl.col("rank") < MAX_FACTION_TRACES - 1))
                     .then(pl.col("rank")).otherwise(MAX_FACTION_TRACES)),
        pl.DataFrame({"community": alone, "_group": pl.Series([ALONE_GROUP] * alone.len(), dtype=pl.Int64)}),
    ])
    return table.join(sizes, on="community", how="left", maintain_order="left").with_columns(
        _group=pl.when(pl.col("_main")).then(pl.col("_group")).otherwise(-1).fill_null(-1))


def _edge_table(edges: pl.DataFrame, table: pl.DataFrame, max_edges: int) -> tuple[pl.DataFrame, int, int]:
    """Edges with end coordinates, tone, width class and strength; the ``max_edges`` strongest
    (by |weight|, else replies), deterministic; ``_main``: both ends in the main view."""
    if edges.height == 0:
        return pl.DataFrame(schema={"source": pl.String}), 0, 0
    strength = (
        pl.col("abs_w") if "abs_w" in edges.columns
        else pl.col("weight_sum").abs() if "weight_sum" in edges.columns
        else pl.col("n_replies") if "n_replies" in edges.columns else pl.lit(1.0)
    )
    size_col = next(c for c in table.columns if c.startswith("_size_"))
    xy = table.select("author", "x", "y", pl.col(size_col).alias("r"), "_main")
    n_rep = pl.col("n_replies").cast(pl.Int64).fill_null(1) if "n_replies" in edges.columns else pl.lit(1, pl.Int64)
    e = (
        edges.with_columns(
            pl.col("source").cast(pl.String), pl.col("target").cast(pl.String),
            _tone=tone_expr(edges.schema), _strength=strength.cast(pl.Float64).fill_null(0.0).fill_nan(0.0),
            _n=n_rep,
        )
        .join(xy.rename({"author": "source", "x": "x0", "y": "y0", "r": "r0", "_main": "m0"}), on="source", how="inner")
        .join(xy.rename({"author": "target", "x": "x1", "y": "y1", "r": "r1", "_main": "m1"}), on="target", how="inner")
    )
    self_loops = e.filter(pl.col("source") == pl.col("target")).height
    e = e.filter(pl.col("source") != pl.col("target"))
    total = e.height
    if total > max_edges:
        # at most PER_NODE_SHARE of the drawn edges touch one commenter: a hub's thousands of replies would
        # otherwise fill the picture with one star (its degree is in its hover, its ties in the overview)
        cap = max(25, int(max_edges * PER_NODE_SHARE))
        e = e.sort(["_strength", "_n", "source", "target"], descending=[True, True, False, False])
        e = e.filter((pl.int_range(pl.len()).over("source") < cap) & (pl.int_range(pl.len()).over("target") < cap))
        e = e.head(max_edges)
    cls = pl.lit(len(REPLY_CLASSES) - 1)
    for k in range(len(REPLY_CLASSES) - 2, -1, -1):
        hi = REPLY_CLASSES[k][1]
        cls = pl.when(pl.col("_n") <= hi).then(k).otherwise(cls)
    e = e.with_columns(_class=cls.cast(pl.Int8), _main=pl.col("m0") & pl.col("m1")).sort(["source", "target"])
    return e, total, self_loops


# ---------------------------------------------------------------------------------------------- hover

def _fmt(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c.is_null()).then(pl.lit("–")).otherwise(c.round(4).cast(pl.String))


def _node_hover(table: pl.DataFrame, options: list[str], comments: pl.DataFrame | None, k: int, *,
                short: bool) -> pl.Series:
    anonymous = _anonymous_expr(table)
    lines: list[pl.Expr] = [pl.lit("<b>") + pl.when(anonymous).then(pl.lit(ANONYMOUS_LABEL))
                            .otherwise(escape_expr(pl.col("author"))) + pl.lit("</b>")]
    alone = pl.lit(False) if "_members" in table.columns else pl.len().over("community") == 1
    faction = (pl.when((pl.col("community") >= 0) & ~alone).then(pl.format("faction {}", pl.col("community")))
               .when(pl.col("community") >= 0).then(pl.lit("alone, in no faction")).otherwise(pl.lit("no faction")))
    if "role" in table.columns:
        faction = faction + pl.lit(" · ") + escape_expr(pl.col("role"))
    if "_op" in table.columns:
        faction = faction + pl.when(pl.col("_op")).then(pl.lit(" · <b>original poster</b>")).otherwise(pl.lit(""))
    lines.append(faction)
    # on big graphs the hover keeps the essentials: every extra number is one more value per author
    wanted = (dict.fromkeys([*options[:1], "n_comments", "in_degree", "out_degree"]) if short
              else dict.fromkeys([*options, *SIZE_CANDIDATES, *_EXTRA_HOVER]))
    numeric = [c for c in wanted if c in table.columns and table.schema[c].is_numeric()]
    pairs = [pl.lit(escape_text(c.replace("_", " ")) + ": ") + _fmt(c) for c in numeric]
    lines.extend(pl.concat_str(pairs[i:i + 2], separator=" · ") for i in range(0, len(pairs), 2))
    out = table.select(hover=pl.concat_str(lines, separator="<br>"), author=pl.col("author"))
    if comments is not None and k > 0 and {"author", "text"} <= set(comments.columns):
        c = _with_anonymous_keys(comments).select(pl.col("author").cast(pl.String), pl.col("text").cast(pl.String)).filter(
            pl.col("author").is_not_null() & (pl.col("text").str.strip_chars().str.len_chars() > 0)
        )
        c = c.filter(pl.int_range(pl.len()).over("author") < k).with_columns(
            snippet=pl.lit("• ") + snippet_expr(pl.col("text"), max_chars=90 if short else 140)
        )
        snippets = c.group_by("author", maintain_order=True).agg(
            pl.col("snippet").str.join("<br>").alias("snips"))
        out = out.join(snippets, on="author", how="left", maintain_order="left").with_columns(
            hover=pl.when(pl.col("snips").is_not_null())
            .then(pl.col("hover") + pl.lit("<br><i>comments</i><br>") + pl.col("snips"))
            .otherwise(pl.col("hover"))
        )
    return out["hover"]



_LABEL_ORDER = {"hostile": 0, "disagree": 1, "agree": 2, "neutral": 3}


def _with_anonymous_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Comments or replies with each unknown author (and unknown parent author) as the network's
    anonymous node key, so that their texts join the anonymous nodes and edges."""
    if not {"thread_id", "comment_id", "author"} <= set(frame.columns):
        return frame
    tid = pl.col("thread_id").cast(pl.String)
    out = frame.with_columns(pl.when(pl.col("author").is_null())
                             .then(schema.anonymous_key(tid, pl.col("comment_id").cast(pl.String)))
                             .otherwise(pl.col("author")).alias("author"))
    if {"parent_author", "parent_id"} <= set(frame.columns):
        out = out.with_columns(pl.when(pl.col("parent_author").is_null() & pl.col("parent_id").is_not_null())
                               .then(schema.anonymous_key(tid, pl.col("parent_id").cast(pl.String)))
                               .otherwise(pl.col("parent_author")).alias("parent_author"))
    return out


def _edge_hover(e: pl.DataFrame, replies: pl.DataFrame | None, *, quotes: int = 2) -> pl.Series:
    """Per drawn edge: the pair, its reply counts, its tone, and up to ``quotes`` of its strongest
    replies (the most negative for an opposing pair, the most positive for an agreeing one, the
    most decided either way for a neutral one), shortened and escaped."""
    head = (pl.lit("<b>") + _display_expr("source") + pl.lit("</b> → <b>") + _display_expr("target")
            + pl.lit("</b>"))
    parts = [head]
    counts = [pl.format(f"{name} {{}}", pl.col(f"n_{name}").fill_null(0))
              for name in ("agree", "neutral", "disagree", "hostile") if f"n_{name}" in e.columns]
    if "n_replies" in e.columns:
        n = pl.col("n_replies").fill_null(0)
        line = pl.format("{} {}", n, pl.when(n == 1).then(pl.lit("reply")).otherwise(pl.lit("replies")))
        parts.append(line + pl.lit(": ") + pl.concat_str(counts, separator=" · ") if counts else line)
    elif counts:
        parts.append(pl.concat_str(counts, separator=" · "))
    tone = (pl.when(pl.col("_tone") > 0).then(pl.lit(TONE_NAMES[1])).when(pl.col("_tone") < 0)
            .then(pl.lit(TONE_NAMES[-1])).otherwise(pl.lit(TONE_NAMES[0])))
    if "weight_mean" in e.columns:
        parts.append(pl.lit("tone: ") + tone + pl.lit(" (mean weight ") + _fmt("weight_mean") + pl.lit(")"))
    elif "weight_sum" in e.columns:
        parts.append(pl.lit("tone: ") + tone + pl.lit(" (weight sum ") + _fmt("weight_sum") + pl.lit(")"))
    else:
        parts.append(pl.lit("tone: ") + tone)
    out = e.select("source", "target", "_tone", hover=pl.concat_str(parts, separator="<br>"))
    if (replies is None or quotes <= 0 or replies.height == 0
            or not {"author", "parent_author", "text"} <= set(replies.columns)):
        return out["hover"]
    r = _with_anonymous_keys(replies).select(
        source=pl.col("author").cast(pl.String), target=pl.col("parent_author").cast(pl.String),
        text=pl.col("text").cast(pl.String),
        label=pl.col("label").cast(pl.String) if "label" in replies.columns else pl.lit(None, pl.String),
        weight=(pl.col("weight").cast(pl.Float64).fill_nan(0.0).fill_null(0.0) if "weight" in replies.columns
                else pl.lit(0.0)),
    ).filter(pl.col("text").str.strip_chars().str.len_chars() > 0)
    r = r.join(out.select("source", "target", "_tone"), on=["source", "target"], how="inner")
    if r.height == 0:
        return out["hover"]
    key = (pl.when(pl.col("_tone") < 0).then(pl.col("weight")).when(pl.col("_tone") > 0).then(-pl.col("weight"))
           .otherwise(-pl.col("weight").abs()))
    r = (r.with_columns(_key=key, _lab=pl.col("label").replace_strict(_LABEL_ORDER, default=4, return_dtype=pl.Int8))
         .sort(["source", "target", "_key", "_lab", "text"])
         .filter(pl.int_range(pl.len()).over("source", "target") < quotes))
    label = pl.when(pl.col("label").is_not_null()).then(pl.lit(" <i>(") + escape_expr(pl.col("label")) + pl.lit(")</i>"))
    r = r.with_columns(q=pl.lit("“") + snippet_expr(pl.col("text"), max_chars=110 if quotes > 1 else 90, wrap=60)
                       + pl.lit("”") + label.otherwise(pl.lit("")))
    q = r.group_by("source", "target", maintain_order=True).agg(pl.col("q").str.join("<br>").alias("quotes"))
    out = out.join(q, on=["source", "target"], how="left", maintain_order="left")
    return out.select(pl.when(pl.col("quotes").is_not_null()).then(pl.col("hover") + pl.lit("<br>") + pl.col("quotes"))
                      .otherwise(pl.col("hover")).alias("hover"))["hover"]


# ---------------------------------------------------------------------------------------------- traces

_PER_PX = 2.3 / _PLOT_PX   # data units per pixel at the nominal size (the main view spans 2.3 units)
_TONE_ORDER = (0, 1, -1)   # neutral underneath, agreement, then opposition on top


def _shifted(e: pl.DataFrame) -> pl.DataFrame:
    """Every edge moved a few pixels to its right, so a reply pair in both directions shows two lines."""
    dx, dy = e["x1"].to_numpy() - e["x0"].to_numpy(), e["y1"].to_numpy() - e["y0"].to_numpy()
    length = np.hypot(dx, dy)
    shift = np.minimum(2.5 * _PER_PX, 0.05 * length) / np.where(length > 0, length, 1.0)
    return e.with_columns(x0=e["x0"] + dy * shift, x1=e["x1"] + dy * shift, y0=e["y0"] - dx * shift,
                          y1=e["y1"] - dx * shift)


def _lines(seg: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = (seg[c].to_numpy() for c in ("x0", "y0", "x1", "y1"))
    gap = np.full(seg.height, np.nan)
    return np.column_stack([x0, x1, gap]).ravel(), np.column_stack([y0, y1, gap]).ravel()


def _edge_traces(e: pl.DataFrame, table: pl.DataFrame, scatter: type, *, big: bool, static: bool) -> list[Any]:
    if e.height == 0:
        return []
    traces: list[Any] = []
    e = _shifted(e)
    for tone in _TONE_ORDER:
        part = e.filter(pl.col("_tone") == tone)
        if part.height == 0:
            continue
        group, colour = f"sign{tone}", SIGN_COLOURS[tone]
        name = f"{TONE_NAMES[tone]} ({part.height:,})"
        # many edges on WebGL: fainter, so that thousands of them read as a bundle, not a red flood
        crowd = part.height > MAX_ARROWS
        opacity = (0.1 if crowd else 0.3 if big else 0.5) if tone == 0 else (0.13 if crowd else 0.6 if big else 0.75)
        first = True
        for cls, (_lo, _hi, width, _arrow) in enumerate(REPLY_CLASSES):
            seg = part.filter(pl.col("_class") == cls)
            if seg.height == 0:
                continue
            xs, ys = _lines(seg)
            traces.append(scatter(
                x=xs, y=ys, mode="lines", line={"color": colour, "width": width * (0.8 if big else 1.0)},
                opacity=opacity, hoverinfo="skip", legendgroup=group, name=name, showlegend=first,
            ))
            first = False
        x0, y0, x1, y1, r1 = (part[c].to_numpy() for c in ("x0", "y0", "x1", "y1", "r1"))
        dx, dy = x1 - x0, y1 - y0
        length = np.hypot(dx, dy)
        safe = np.where(length > 0, length, 1.0)
        back = np.minimum((r1 / 2 + 4.0) * _PER_PX, 0.45 * length)
        ax, ay = x1 - dx / safe * back, y1 - dy / safe * back
        angle = np.degrees(np.arctan2(dx, dy)).round(1)
        if big:  # WebGL builds one marker texture per distinct angle: keep a few
            angle = (np.round(angle / _GL_ANGLE_STEP) * _GL_ANGLE_STEP) % 360
        arrow_size = np.array([c[3] for c in REPLY_CLASSES])[part["_class"].to_numpy()] * (0.8 if big else 1.0)
        if not crowd:  # thousands of arrowheads of one tone are noise: their hover still says who replied to whom
            traces.append(scatter(
                x=ax, y=ay, mode="markers", hoverinfo="skip", legendgroup=group, name=name, showlegend=False,
                opacity=min(1.0, opacity + 0.15),
                marker={"symbol": "triangle-up", "angle": angle, "size": arrow_size, "color": colour,
                        "line": {"width": 0}},
            ))
        if not static:
            traces.append(scatter(
                x=(x0 + x1) / 2, y=(y0 + y1) / 2, mode="markers", hoverinfo="text",
                hovertext=part["_hover"].to_list(), legendgroup=group, name=name, showlegend=False,
                # crowded: nearly transparent (they still answer the mouse), else they paint a solid band
                marker={"size": 5 if big else 7, "color": colour, "opacity": 0.04 if crowd else 0.3, "line": {"width": 0}},
            ))
    return traces


def _side_edge_traces(e: pl.DataFrame, scatter: type) -> list[Any]:
    """Edges with an end outside the main view: thin, hidden until the periphery is shown."""
    if e.height == 0:
        return []
    traces: list[Any] = []
    for tone in _TONE_ORDER:
        part = e.filter(pl.col("_tone") == tone)
        if part.height == 0:
            continue
        xs, ys = _lines(part)
        traces.append(scatter(x=xs, y=ys, mode="lines", line={"color": SIGN_COLOURS[tone], "width": 0.6},
                              opacity=0.45, hoverinfo="skip", legendgroup=PERIPHERY, showlegend=False,
                              name=TONE_NAMES[tone], visible=False))
        traces.append(scatter(
            x=(part["x0"] + part["x1"]).to_numpy() / 2, y=(part["y0"] + part["y1"]).to_numpy() / 2,
            mode="markers", hoverinfo="text", hovertext=part["_hover"].to_list(), legendgroup=PERIPHERY,
            showlegend=False, name=TONE_NAMES[tone], visible=False,
            marker={"size": 5, "color": SIGN_COLOURS[tone], "opacity": 0.3, "line": {"width": 0}},
        ))
    return traces


_RING_SCALE = [[0.0, "#ffffff"], [0.49, "#ffffff"], [0.5, ANTAGONIST_COLOUR], [0.99, ANTAGONIST_COLOUR],
               [1.0, "#111111"]]


def _faction_label(part: pl.DataFrame, comm: int) -> str:
    """A faction's legend entry: its id, its two most active members, its size."""
    count = int(part["_members"].sum()) if "_members" in part.columns else part.height
    base = f"faction {comm}" if comm >= 0 else "no faction"
    if "_members" not in part.columns and comm >= 0 and part.height >= 2:
        by = "n_comments" if "n_comments" in part.columns else "author"
        top = (part.filter(~_anonymous_expr(part)).sort([by, "author"], descending=[by != "author", False])
               .head(2)["author"].to_list())
        names = ", ".join(escape_text(ellipsize(str(a), 14)) for a in top) or ANONYMOUS_LABEL + "s"
        return f"{base}: {names} ({count:,})"
    return f"{base} ({count:,})"


def _node_traces(table: pl.DataFrame, options: list[str], scatter: type, *, static: bool,
                 ) -> tuple[list[Any], dict[str, list], list[str]]:
    """One trace per faction of the main view, one for the periphery (hidden); the original poster
    ringed in black, instigators and targets in dark red."""
    size_cols = [f"_size_{o}" for o in options] or ["_size_"]
    # every instigator and target is ringed; the named ones (all of them on all but huge threads) thicker
    ring_w = (pl.when(pl.col("_op")).then(2.5).when(pl.col("_antagonist") & pl.col("_name_rank").is_not_null()).then(2.0)
              .when(pl.col("_antagonist")).then(1.0).otherwise(0.6))
    # ring colours as numbers on a three-colour scale: plotly checks a numeric array at once, a list of
    # colour strings one by one (3 s for 100k commenters)
    ring_c = pl.when(pl.col("_op")).then(2.0).when(pl.col("_antagonist")).then(1.0).otherwise(0.0)
    table = table.with_columns(_ring_w=ring_w, _ring_c=ring_c)
    traces: list[Any] = []
    arrays: dict[str, list] = {o: [] for o in options}
    groups: list[str] = []
    for group in sorted(table["_group"].unique().to_list(), key=lambda g: (g < 0, g)):
        # small dots first, ringed ones last: they are drawn on top, and the legend shows the first
        part = table.filter(pl.col("_group") == group).sort(["_op", "_antagonist", size_cols[0]], maintain_order=True)
        if group < 0:
            name, colour, legendgroup = f"singletons & isolates ({part.height:,})", OTHER_COLOUR, PERIPHERY
        elif group == ALONE_GROUP:
            name, colour, legendgroup = f"alone, in no faction ({part.height:,})", ALONE_COLOUR, f"f{group}"
        elif group == MAX_FACTION_TRACES or part["community"][0] == _OTHER:
            count = int(part["_members"].sum()) if "_members" in part.columns else part.height
            name, colour, legendgroup = f"other factions ({count:,})", OTHER_COLOUR, f"f{group}"
        else:
            name, colour, legendgroup = _faction_label(part, int(part["community"][0])), faction_colour(int(group)), f"f{group}"
        hidden = group < 0
        trace: dict[str, Any] = {
            "x": part["x"].to_numpy(), "y": part["y"].to_numpy(), "name": name, "legendgroup": legendgroup,
            "mode": "markers", "showlegend": not hidden,
            "marker": {"size": part[size_cols[0]].to_numpy(), "color": colour, "opacity": 0.92,
                       "line": {"width": part["_ring_w"].to_numpy(), "color": part["_ring_c"].to_numpy(),
                                "colorscale": _RING_SCALE, "cmin": 0.0, "cmax": 2.0}},
        }
        anon = part.select(_anonymous_expr(part))
        if anon.height and anon.to_series().any():
            # anonymous commenters: hollow dots in their faction's colour, never named
            trace["marker"]["symbol"] = np.where(anon.to_series().to_numpy(), "circle-open-dot", "circle")
        if hidden:
            trace["visible"] = False
        if static:
            trace["hoverinfo"] = "skip"
        else:
            trace.update(hoverinfo="text", hovertext=part["hover"].to_list())
        traces.append(scatter(**trace))
        groups.append(legendgroup)
        for o in options:
            arrays[o].append(part[f"_size_{o}"].to_numpy())
    return traces, arrays, groups


def _key_traces(table: pl.DataFrame, scatter: type) -> list[Any]:
    """Legend entries explaining the rings (no data points)."""
    out = []
    for flag, name, colour in (("_op", "original poster (black ring)", "#111111"),
                               ("_antagonist", "instigator / target (dark red ring)", ANTAGONIST_COLOUR)):
        if table.filter(pl.col(flag) & pl.col("_main")).height:
            out.append(scatter(x=[None], y=[None], mode="markers", name=name, legendgroup=f"key{flag}",
                               hoverinfo="skip",
                               marker={"size": 11, "color": "#ffffff", "line": {"width": 2.5, "color": colour}}))
    if table.filter(_anonymous_expr(table) & pl.col("_main")).height:
        out.append(scatter(x=[None], y=[None], mode="markers", name=f"{ANONYMOUS_LABEL} (hollow, unnamed)",
                           legendgroup="key_anonymous", hoverinfo="skip",
                           marker={"size": 11, "color": "#555555", "symbol": "circle-open-dot"}))
    return out


# ---------------------------------------------------------------------------------------------- names

_DIRECTIONS = np.array([(0, -1), (0, 1), (1, 0), (-1, 0), (1, -1), (-1, -1), (1, 1), (-1, 1)], dtype=float)
_RINGS = (2.0, 12.0, 26.0, 44.0, 66.0)  # pixels between a dot's edge and its name's box


def place_labels(points: np.ndarray, radii: np.ndarray, sizes: np.ndarray, *,
                 bounds: tuple[float, float, float, float] | None = None,
                 obstacles: np.ndarray | None = None) -> np.ndarray:
    """Where to write each name so that no two overlap: box centres as offsets from their points.

    ``points`` (n x 2, pixels, y down) are the dots in the order of priority, ``radii`` their radii,
    ``sizes`` (n x 2) the boxes' width and height. Each name goes to the first of 8 directions x 5
    distances (:data:`_RINGS`) whose box overlaps no name placed before, no dot in ``obstacles``
    (k x 3: x, y, radius; the named dots are always obstacles) and stays inside ``bounds`` (x0, y0,
    x1, y1); when none is free, to the candidate with the least overlap. Greedy and deterministic.
    """
    n = len(points)
    out = np.zeros((n, 2))
    if n == 0:
        return out
    discs = np.column_stack([points, radii])
    if obstacles is not None and len(obstacles):
        discs = np.vstack([discs, obstacles])
    placed = np.zeros((0, 4))  # x0, y0, x1, y1
    for i in range(n):
        w, h = sizes[i]
        cands = []
        for ring in _RINGS:
            reach = radii[i] + ring
            for dx, dy in _DIRECTIONS:
                norm = np.hypot(dx, dy)
                cx = points[i, 0] + dx / norm * reach + dx * w / 2
                cy = points[i, 1] + dy / norm * reach + dy * h / 2
                cands.append((cx, cy))
        c = np.asarray(cands)
        boxes = np.column_stack([c[:, 0] - w / 2, c[:, 1] - h / 2, c[:, 0] + w / 2, c[:, 1] + h / 2])
        cost = np.zeros(len(c))
        if len(placed):
            ox = np.clip(np.minimum(boxes[:, None, 2], placed[None, :, 2]) - np.maximum(boxes[:, None, 0], placed[None, :, 0]), 0, None)
            oy = np.clip(np.minimum(boxes[:, None, 3], placed[None, :, 3]) - np.maximum(boxes[:, None, 1], placed[None, :, 1]), 0, None)
            cost += (ox * oy).sum(axis=1)
        # a dot overlaps a box when its centre is nearer the box than its radius (the own dot excluded)
        others = np.delete(discs, i, axis=0) if i < len(discs) else discs
        if len(others):
            nx = np.clip(others[None, :, 0], boxes[:, None, 0], boxes[:, None, 2])
            ny = np.clip(others[None, :, 1], boxes[:, None, 1], boxes[:, None, 3])
            depth = others[None, :, 2] - np.hypot(nx - others[None, :, 0], ny - others[None, :, 1])
            cost += (np.clip(depth, 0, None) ** 2).sum(axis=1)
        if bounds is not None:
            x0, y0, x1, y1 = bounds
            cost += 1e6 * ((boxes[:, 0] < x0) | (boxes[:, 1] < y0) | (boxes[:, 2] > x1) | (boxes[:, 3] > y1))
        free = np.flatnonzero(cost == 0)
        best = int(free[0]) if len(free) else int(np.argmin(cost))
        out[i] = c[best] - points[i]
        placed = np.vstack([placed, boxes[best]])
    return out


def _label_annotations(fig: go.Figure, table: pl.DataFrame, plot_w: float, plot_h: float, xr: list[float],
                       yr: list[float], *, static: bool) -> list[list[Any]]:
    """Write the names of the named authors of the main view beside their dots (plotly annotations,
    offsets in pixels, a thin leader line when a name had to move away). Returns, for the page's
    script, [annotation index, legendgroup] of each name."""
    size_col = next(c for c in table.columns if c.startswith("_size_"))
    named = table.filter(pl.col("_name_rank").is_not_null() & pl.col("_main")).sort("_name_rank")
    if named.height == 0:
        return []
    scale = min(plot_w / (xr[1] - xr[0]), plot_h / (yr[1] - yr[0]))
    font = 14 if static else 11
    char_w = 0.6 * font
    pts = np.column_stack([named["x"].to_numpy() * scale, -named["y"].to_numpy() * scale])
    radii = named[size_col].to_numpy() / 2.0
    length = named["author"].str.len_chars().clip(upper_bound=24).to_numpy() + 5 * named["_op"].to_numpy()
    sizes = np.column_stack([length * char_w + 6, np.full(named.height, font + 5.0)])
    main = table.filter(pl.col("_main") & pl.col("_name_rank").is_null()).sort(size_col, descending=True).head(400)
    obstacles = np.column_stack([main["x"].to_numpy() * scale, -main["y"].to_numpy() * scale,
                                 main[size_col].to_numpy() / 2.0])
    bounds = (xr[0] * scale, -yr[1] * scale, xr[1] * scale, -yr[0] * scale)
    offsets = place_labels(pts, radii, sizes, bounds=bounds, obstacles=obstacles)
    start = len(fig.layout.annotations)
    groups: list[list[Any]] = []
    annotations = []
    for k, row in enumerate(named.iter_rows(named=True)):
        bold = row["_op"]
        colour = "#111111" if row["_op"] else ANTAGONIST_COLOUR if row["_antagonist"] else "#222222"
        ax, ay = float(offsets[k, 0]), float(offsets[k, 1])
        far = np.hypot(ax, ay) - radii[k] > 0.5 * max(sizes[k]) + 8
        annotations.append({
            "x": row["x"], "y": row["y"], "xref": "x", "yref": "y",
            "text": f"<b>{row['_label']}</b>" if bold else row["_label"],
            "showarrow": True, "ax": round(ax, 1), "ay": round(ay, 1), "axref": "pixel", "ayref": "pixel",
            "arrowhead": 0, "arrowwidth": 0.8, "arrowcolor": "#777777" if far else "rgba(0,0,0,0)",
            "standoff": float(radii[k]), "xanchor": "center", "yanchor": "middle",
            "font": {"size": font, "color": colour}, "bgcolor": "rgba(255,255,255,0.72)", "borderpad": 1,
            "name": f"label-{k}",
        })
        groups.append([start + k, PERIPHERY if row["_group"] < 0 else f"f{row['_group']}"])
    fig.update_layout(annotations=list(fig.layout.annotations) + annotations)
    return groups


def _search_index(table: pl.DataFrame, edges: pl.DataFrame, label_groups: list[list[Any]], node_idx: list[int],
                  groups: list[str], max_ties: int = 200_000) -> dict[str, Any]:
    """What the page's search box and faction isolation need: each author's name as typed (the
    script only ever sets it as text), the escaped label plotly shows, position, trace group, and
    every tie (author indices and tone; the ``max_ties`` with most replies on huge networks)."""
    index = table.select("author").with_row_index("i")
    if edges.height:
        e = (edges.select(pl.col("source").cast(pl.String), pl.col("target").cast(pl.String),
                          _tone=tone_expr(edges.schema),
                          _n=pl.col("n_replies").cast(pl.Int64).fill_null(1) if "n_replies" in edges.columns
                          else pl.lit(1, pl.Int64))
             .join(index.rename({"author": "source", "i": "s"}), on="source", how="inner")
             .join(index.rename({"author": "target", "i": "t"}), on="target", how="inner")
             .filter(pl.col("s") != pl.col("t")))
        if e.height > max_ties:
            e = e.sort(["_n", "s", "t"], descending=[True, False, False]).head(max_ties)
        e = e.sort("s", "t")
    else:
        e = pl.DataFrame(schema={"s": pl.UInt32, "t": pl.UInt32, "_tone": pl.Int8})
    group = table.select(pl.when(pl.col("_group") < 0).then(pl.lit(PERIPHERY))
                         .otherwise(pl.format("f{}", pl.col("_group"))))
    return {
        "names": table["author"].to_list(),
        "labels": table.select(escape_expr(pl.col("author")))["author"].to_list(),
        "x": table["x"].round(5).to_list(), "y": table["y"].round(5).to_list(),
        "group": group.to_series().to_list(),
        "s": e["s"].to_list(), "t": e["t"].to_list(), "tone": e["_tone"].to_list(),
        "labelAnnotations": label_groups,
        "nodeTraces": [[i, g] for i, g in zip(node_idx, groups)],
        "tiesTotal": int(edges.height),
    }
