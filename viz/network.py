"""The interactive author network: nodes by faction, edges by stance sign, direction and hover.

One trace per faction (the legend toggles factions), one line trace per (sign, width class), one
arrowhead trace and one midpoint-hover trace per sign (the legend toggles signs with their arrows and
hovers together). A dropdown re-sizes the nodes by any centrality the nodes table carries. Above
:data:`~discourse.viz._style.WEBGL_THRESHOLD` elements the traces use WebGL; above ``max_edges`` only
the strongest edges are drawn and the figure says so.

Everything that comes from the data (author names, comment text) is escaped before it reaches
plotly (see :mod:`discourse.viz._escape`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl

from discourse.errors import AnalysisError
from discourse.viz._escape import escape_expr, escape_text, snippet_expr
from discourse.viz._style import (
    MAX_EDGES,
    MAX_FACTION_TRACES,
    OTHER_COLOUR,
    SIGN_COLOURS,
    SIGN_NAMES,
    SIZE_CANDIDATES,
    WEBGL_THRESHOLD,
    base_layout,
    faction_colour,
)
from discourse.viz.layout import LayoutName, edge_sign_expr, signed_layout

__all__ = ["faction_figure", "network_figure", "size_options"]

_PLOT_PX = 700.0          # nominal plot height in pixels, to turn node radii into data units
_WIDTHS = (0.6, 1.3, 2.6)  # line widths of the weak / middle / strongest edges
_GL_ANGLE_STEP = 5.0  # degrees; 72 distinct angles instead of one per edge (17 s -> 1 s for 5,000 edges)
LABELLED_NODES = 8
"""SVG networks write the names of this many biggest nodes beside them (WebGL ones: none)."""
_EXTRA_HOVER = ("internal_replies", "internal_hostile")  # faction overview
_COUNT_COLS = ("n_replies", "n_agree", "n_neutral", "n_disagree", "n_hostile")


def size_options(nodes: pl.DataFrame, size_by: str = "pagerank") -> list[str]:
    """Numeric node columns the size selector offers, ``size_by`` first when present."""
    numeric = [c for c, t in nodes.schema.items() if t.is_numeric() and c != "community" and not c.startswith("_")]
    options = [c for c in SIZE_CANDIDATES if c in numeric] or numeric
    if size_by in numeric:
        options = [size_by] + [c for c in options if c != size_by]
    return options


def network_figure(
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    *,
    comments: pl.DataFrame | None = None,
    size_by: str = "pagerank",
    layout: LayoutName = "auto",
    seed: int = 0,
    max_edges: int = MAX_EDGES,
    webgl: bool | None = None,
    comments_per_node: int | None = None,
    title: str | None = None,
    height: int = 720,
) -> go.Figure:
    """Build the interactive author network as a plotly figure (pure: no file I/O).

    ``nodes`` needs ``author``; ``community``, ``n_comments`` and centralities are optional. ``edges``
    needs ``source``, ``target``; stance counts, ``weight_sum``/``net_sign`` and ``abs_w`` are used
    when present. ``comments`` (any frame with ``author`` and ``text``) supplies a few comments per
    author for the node hover (``comments_per_node``; by default 3, fewer on big graphs).
    ``size_by`` names the column that sizes the nodes first (when absent, the first of
    :data:`~discourse.viz._style.SIZE_CANDIDATES` present; the dropdown offers the others). ``webgl=None`` chooses WebGL above a size threshold. Only the ``max_edges``
    strongest edges are drawn. Same inputs and ``seed`` give the same figure.

    Facts about what was drawn are in ``fig.layout.meta["discourse"]``.
    """
    if "author" not in nodes.columns and nodes.height:
        raise AnalysisError(f"nodes table has no 'author' column; its columns are {nodes.columns}")
    for col in ("source", "target"):
        if col not in edges.columns and edges.height:
            raise AnalysisError(f"edges table has no {col!r} column; its columns are {edges.columns}")
    if max_edges < 0:
        raise AnalysisError(f"max_edges must be >= 0, got {max_edges}")
    table = _node_table(nodes, edges)
    options = size_options(table, size_by)
    pos = signed_layout(table["author"], edges if edges.height else _empty_edges(), method=layout, seed=seed)
    table = table.with_columns(x=pos["x"], y=pos["y"])
    table = _with_sizes(table, options, big=table.height > WEBGL_THRESHOLD)

    drawn, total, self_loops = _edge_table(edges, table, max_edges)
    use_gl = (table.height + drawn.height > WEBGL_THRESHOLD) if webgl is None else bool(webgl)
    scatter = go.Scattergl if use_gl else go.Scatter
    if comments_per_node is None:
        comments_per_node = 3 if table.height <= 2_000 else 2 if table.height <= 10_000 else 1
    hover = _node_hover(table, options, comments, comments_per_node, short=table.height > 10_000)
    table = table.with_columns(hover=hover)

    traces: list[Any] = []
    traces += _edge_traces(drawn, table, scatter, big=use_gl)
    labels = LABELLED_NODES if not use_gl else 0
    node_traces, size_arrays = _node_traces(table, options, scatter, labels)
    first_node = len(traces)
    traces += node_traces

    fig = go.Figure(data=traces)
    notes = []
    if drawn.height < total:
        notes.append(f"Showing the {drawn.height:,} strongest of {total:,} reply pairs.")
    fig.update_layout(
        **base_layout(
            height=height,
            showlegend=True,
            hovermode="closest",
            dragmode="pan",
            legend={"title": {"text": "click to show / hide"}, "itemsizing": "constant"},
            # coordinates fill [-1, 1]; the margin keeps big dots and name labels inside the plot
            xaxis={"visible": False, "range": [-1.15, 1.15]},
            yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1, "range": [-1.12, 1.15]},
            meta={"discourse": {
                "nodes": table.height, "edges_total": total, "edges_drawn": drawn.height,
                "self_loops": self_loops, "webgl": use_gl, "size_by": options[0] if options else None,
                "size_options": options,
            }},
        )
    )
    if title:
        fig.update_layout(title={"text": escape_text(title)})
    if notes:
        fig.add_annotation(text=" ".join(notes), xref="paper", yref="paper", x=0.5, y=1.0, showarrow=False,
                           xanchor="center", yanchor="bottom", font={"size": 12, "color": "#555"})
    if len(options) > 1:
        idx = list(range(first_node, first_node + len(node_traces)))
        buttons = [
            {"label": escape_text(opt.replace("_", " ")), "method": "restyle", "args": [{"marker.size": size_arrays[opt]}, idx]}
            for opt in options
        ]
        fig.update_layout(updatemenus=[{
            "buttons": buttons, "direction": "down", "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "top",
            "showactive": True, "bgcolor": "#fff", "pad": {"t": 4, "l": 4},
        }])
        fig.add_annotation(text="size nodes by", xref="paper", yref="paper", x=0.0, y=1.0, yshift=22,
                           showarrow=False, xanchor="left", yanchor="bottom", font={"size": 11, "color": "#555"})
    return fig


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


def _edge_table(edges: pl.DataFrame, table: pl.DataFrame, max_edges: int) -> tuple[pl.DataFrame, int, int]:
    """Edges with end coordinates, sign and strength; the ``max_edges`` strongest, deterministic."""
    if edges.height == 0:
        return pl.DataFrame(schema={"source": pl.String}), 0, 0
    strength = (
        pl.col("abs_w") if "abs_w" in edges.columns
        else pl.col("weight_sum").abs() if "weight_sum" in edges.columns
        else pl.col("n_replies") if "n_replies" in edges.columns else pl.lit(1.0)
    )
    size_col = next(c for c in table.columns if c.startswith("_size_"))
    xy = table.select("author", "x", "y", pl.col(size_col).alias("r"))
    e = (
        edges.with_columns(
            pl.col("source").cast(pl.String), pl.col("target").cast(pl.String),
            _sign=edge_sign_expr(edges.schema), _strength=strength.cast(pl.Float64).fill_null(0.0).fill_nan(0.0),
        )
        .join(xy.rename({"author": "source", "x": "x0", "y": "y0", "r": "r0"}), on="source", how="inner")
        .join(xy.rename({"author": "target", "x": "x1", "y": "y1", "r": "r1"}), on="target", how="inner")
    )
    self_loops = e.filter(pl.col("source") == pl.col("target")).height
    e = e.filter(pl.col("source") != pl.col("target"))
    total = e.height
    if total > max_edges:
        e = e.sort(["_strength", "source", "target"], descending=[True, False, False]).head(max_edges)
    e = e.with_columns(
        _class=pl.when(pl.col("_strength").rank("average") / pl.len() > 0.9).then(2)
        .when(pl.col("_strength").rank("average") / pl.len() > 0.5).then(1).otherwise(0)
        .cast(pl.Int8)
    ).sort(["source", "target"])
    return e, total, self_loops


# ---------------------------------------------------------------------------------------------- hover

def _fmt(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c.is_null()).then(pl.lit("–")).otherwise(c.round(4).cast(pl.String))


def _node_hover(table: pl.DataFrame, options: list[str], comments: pl.DataFrame | None, k: int, *,
                short: bool) -> pl.Series:
    lines: list[pl.Expr] = [pl.lit("<b>") + escape_expr(pl.col("author")) + pl.lit("</b>")]
    faction = pl.when(pl.col("community") >= 0).then(pl.format("faction {}", pl.col("community"))).otherwise(
        pl.lit("no faction"))
    if "role" in table.columns:
        faction = faction + pl.lit(" · ") + escape_expr(pl.col("role"))
    lines.append(faction)
    # on big graphs the hover keeps the essentials: every extra number is one more value per author
    wanted = (dict.fromkeys([*options[:1], "n_comments", "in_degree", "out_degree"]) if short
              else dict.fromkeys([*options, *SIZE_CANDIDATES, *_EXTRA_HOVER]))
    numeric = [c for c in wanted if c in table.columns and table.schema[c].is_numeric()]
    pairs = [pl.lit(escape_text(c.replace("_", " ")) + ": ") + _fmt(c) for c in numeric]
    lines.extend(pl.concat_str(pairs[i:i + 2], separator=" · ") for i in range(0, len(pairs), 2))
    out = table.select(hover=pl.concat_str(lines, separator="<br>"), author=pl.col("author"))
    if comments is not None and k > 0 and {"author", "text"} <= set(comments.columns):
        c = comments.select(pl.col("author").cast(pl.String), pl.col("text").cast(pl.String)).filter(
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


def _edge_hover(e: pl.DataFrame) -> pl.Expr:
    head = (pl.lit("<b>") + escape_expr(pl.col("source")) + pl.lit("</b> → <b>") + escape_expr(pl.col("target"))
            + pl.lit("</b>"))
    parts = [head]
    if "n_replies" in e.columns:
        n = pl.col("n_replies").fill_null(0)
        parts.append(pl.format("{} {}", n, pl.when(n == 1).then(pl.lit("reply")).otherwise(pl.lit("replies"))))
    counts = [pl.format(f"{name} {{}}", pl.col(f"n_{name}").fill_null(0))
              for name in ("agree", "neutral", "disagree", "hostile") if f"n_{name}" in e.columns]
    if counts:
        parts.append(pl.concat_str(counts, separator=" · "))
    if "weight_mean" in e.columns:
        parts.append(pl.lit("mean weight ") + _fmt("weight_mean"))
    elif "weight_sum" in e.columns:
        parts.append(pl.lit("weight sum ") + _fmt("weight_sum"))
    return pl.concat_str(parts, separator="<br>")


# ---------------------------------------------------------------------------------------------- traces

def _edge_traces(e: pl.DataFrame, table: pl.DataFrame, scatter: type, *, big: bool) -> list[Any]:
    if e.height == 0:
        return []
    traces: list[Any] = []
    xs, ys = table["x"].to_numpy(), table["y"].to_numpy()
    span = max(float(xs.max() - xs.min()), float(ys.max() - ys.min()), 1e-9)
    per_px = (span * 1.1) / _PLOT_PX
    hover = e.select(_edge_hover(e)).to_series()
    # shift every edge a few pixels to its right, so a reply pair in both directions shows two lines
    dx, dy = e["x1"].to_numpy() - e["x0"].to_numpy(), e["y1"].to_numpy() - e["y0"].to_numpy()
    length = np.hypot(dx, dy)
    shift = np.minimum(2.5 * per_px, 0.05 * length) / np.where(length > 0, length, 1.0)
    e = e.with_columns(
        _hover=hover,
        x0=e["x0"] + dy * shift, x1=e["x1"] + dy * shift, y0=e["y0"] - dx * shift, y1=e["y1"] - dx * shift,
    )
    for sign in (1, 0, -1):
        part = e.filter(pl.col("_sign") == sign)
        if part.height == 0:
            continue
        group, colour = f"sign{sign}", SIGN_COLOURS[sign]
        name = f"{SIGN_NAMES[sign]} ({part.height:,})"
        first = True
        for cls in (0, 1, 2):
            seg = part.filter(pl.col("_class") == cls)
            if seg.height == 0:
                continue
            x0, y0, x1, y1 = (seg[c].to_numpy() for c in ("x0", "y0", "x1", "y1"))
            gap = np.full(seg.height, np.nan)
            traces.append(scatter(
                x=np.column_stack([x0, x1, gap]).ravel(), y=np.column_stack([y0, y1, gap]).ravel(),
                mode="lines", line={"color": colour, "width": _WIDTHS[cls] * (0.8 if big else 1.0)},
                opacity=0.45 if big else 0.7, hoverinfo="skip", legendgroup=group, name=name, showlegend=first,
            ))
            first = False
        x0, y0, x1, y1, r1 = (part[c].to_numpy() for c in ("x0", "y0", "x1", "y1", "r1"))
        dx, dy = x1 - x0, y1 - y0
        length = np.hypot(dx, dy)
        safe = np.where(length > 0, length, 1.0)
        back = np.minimum((r1 / 2 + 4.0) * per_px, 0.45 * length)
        ax, ay = x1 - dx / safe * back, y1 - dy / safe * back
        angle = np.degrees(np.arctan2(dx, dy)).round(1)
        if big:  # WebGL builds one marker texture per distinct angle: keep a few
            angle = (np.round(angle / _GL_ANGLE_STEP) * _GL_ANGLE_STEP) % 360
        arrow_size = np.array([7.0, 9.0, 11.0])[part["_class"].to_numpy()] * (0.8 if big else 1.0)
        traces.append(scatter(
            x=ax, y=ay, mode="markers", hoverinfo="skip", legendgroup=group, name=name, showlegend=False,
            marker={"symbol": "triangle-up", "angle": angle, "size": arrow_size, "color": colour,
                    "line": {"width": 0}},
        ))
        traces.append(scatter(
            x=(x0 + x1) / 2, y=(y0 + y1) / 2, mode="markers", hoverinfo="text", hovertext=part["_hover"].to_list(),
            legendgroup=group, name=name, showlegend=False,
            marker={"size": 5 if big else 7, "color": colour, "opacity": 0.35, "line": {"width": 0}},
        ))
    return traces


def _node_traces(table: pl.DataFrame, options: list[str], scatter: type, labels: int = 0,
                 ) -> tuple[list[Any], dict[str, list]]:
    """One trace per faction; the ``labels`` biggest nodes (by the first size option) carry their name."""
    # rank factions by members (the overview's "_members"; rows otherwise) so colours agree across figures
    members = pl.col("_members").sum() if "_members" in table.columns else pl.len()
    sizes = (
        table.group_by("community").agg(n=members)
        .sort([pl.col("community") == _OTHER, pl.col("n"), pl.col("community")], descending=[False, True, False])
        .with_row_index("rank").with_columns(pl.col("rank").cast(pl.Int64))
    )
    table = table.join(sizes.select("community", "rank", "n"), on="community", how="left", maintain_order="left")
    table = table.with_columns(
        group=pl.when((pl.col("rank") < MAX_FACTION_TRACES - 1) | (sizes.height <= MAX_FACTION_TRACES))
        .then(pl.col("rank")).otherwise(MAX_FACTION_TRACES)
    )
    size_cols = [f"_size_{o}" for o in options] or ["_size_"]
    top = pl.col(size_cols[0]).rank("ordinal", descending=True) <= labels
    table = table.with_columns(
        _label=pl.when(top).then(escape_expr(pl.col("author").str.slice(0, 24))).otherwise(pl.lit(""))
    )
    traces: list[Any] = []
    arrays: dict[str, list] = {o: [] for o in options}
    for group in sorted(table["group"].unique().to_list()):
        part = table.filter(pl.col("group") == group)
        if group == MAX_FACTION_TRACES or part["community"][0] == _OTHER:
            count = int(part["_members"].sum()) if "_members" in part.columns else part.height
            name, colour = f"other factions ({count:,})", OTHER_COLOUR
        else:
            comm = part["community"][0]
            label = f"faction {comm}" if comm >= 0 else "no faction"  # (-2, other factions: above)
            # a faction overview carries its member counts in "_members"; an author network counts rows
            count = int(part["_members"].sum()) if "_members" in part.columns else part.height
            name, colour = f"{label} ({count:,})", faction_colour(int(group))
        traces.append(scatter(
            x=part["x"].to_numpy(), y=part["y"].to_numpy(), name=name, legendgroup=f"f{group}",
            mode="markers+text" if labels else "markers", text=part["_label"].to_list() if labels else None,
            textposition="top center", textfont={"size": 10, "color": "#333"},
            hoverinfo="text", hovertext=part["hover"].to_list(),
            marker={"size": part[size_cols[0]].to_numpy(), "color": colour, "opacity": 0.92,
                    "line": {"width": 0.6, "color": "#ffffff"}},
        ))
        for o in options:
            arrays[o].append(part[f"_size_{o}"].to_numpy())
    return traces, arrays
