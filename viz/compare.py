"""Figures for comparing threads: dot plots with intervals, stance mix, hostility timelines, and small
multiples of each thread's network. Pure functions returning plotly Figures, plus the page that holds them.

Text from the data (sites, thread ids, titles, names) is untrusted. In figures it is escaped for
plotly (:func:`discourse.viz._escape.escape_text`: numeric entities, which plotly shows as the
characters typed); in the page's own HTML with :func:`html.escape`. compare.html is assembled by
:func:`discourse.viz._html.render_page`, as network.html is: the same content policy (only the page's
own scripts, by hash; no network), figure data in JSON blocks no text can close.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import igraph as ig
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from discourse.viz._escape import escape_text
from discourse.viz._html import Section, render_page

if TYPE_CHECKING:
    from discourse.comparison import Comparison, ThreadView

__all__ = [
    "compare_html",
    "figure_columns",
    "figures_dotplot",
    "networks_grid",
    "stance_mix_figure",
    "timelines_figure",
]

STANCE_COLOURS = {"agree": "#2a9d8f", "neutral": "#b0b0b0", "disagree": "#f4a261", "hostile": "#c0392b"}
_SKIP = {"n_comments", "n_authors", "n_replies", "n_nodes", "n_edges", "n_factions", "first_n"}


def _label(row: dict) -> str:
    title = row.get("title") or ""
    short = (title[:28] + "…") if len(title) > 29 else title
    return f"{row['site']}/{row['thread_id']}" + (f" · {short}" if short else "")


def _safe(s: object) -> str:
    """Text for a plotly string (a label, a title, hover text): shown as typed, never as markup.
    (``html.escape`` is for the page itself: plotly knows few named entities and showed ``&quot;``.)"""
    return escape_text(s)


def figure_columns(table: pl.DataFrame) -> list[str]:
    """The raw figure columns of a comparison table (those with numeric values)."""
    suffixes = ("_lo", "_hi", "_z", "_null_mean", "_null_sd", "_replicates")
    cols = []
    for c, t in table.schema.items():
        if c in _SKIP or not t.is_numeric() or c.endswith(suffixes):
            continue
        if table[c].drop_nulls().len():
            cols.append(c)
    return cols


def figures_dotplot(table: pl.DataFrame, *, z: bool = False, columns: list[str] | None = None) -> go.Figure:
    """One panel per figure, one dot per thread, with its interval as error bars (z-scores if ``z``)."""
    cols = columns or figure_columns(table)
    if z:
        cols = [c for c in cols if f"{c}_z" in table.columns and table[f"{c}_z"].drop_nulls().len()]
    ncols = 3
    nrows = max(1, math.ceil(len(cols) / ncols))
    row_px = 70 + 24 * table.height  # room for every thread's label
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=[_safe(c + (" (z)" if z else "")) for c in cols],
                        shared_yaxes=True, vertical_spacing=min(0.3, 60 / (row_px * nrows)) if nrows > 1 else 0.1,
                        horizontal_spacing=0.04)
    rows = table.to_dicts()
    labels = [_safe(_label(r)) for r in rows]
    for i, col in enumerate(cols):
        r, c = divmod(i, ncols)
        key = f"{col}_z" if z else col
        xs = [row.get(key) for row in rows]
        lo = [row.get(f"{col}_lo") for row in rows] if not z else [None] * len(rows)
        hi = [row.get(f"{col}_hi") for row in rows] if not z else [None] * len(rows)
        err_plus = [None if (h is None or x is None) else max(0.0, h - x) for x, h in zip(xs, hi)]
        err_minus = [None if (lo_ is None or x is None) else max(0.0, x - lo_) for x, lo_ in zip(xs, lo)]
        fig.add_trace(go.Scatter(
            x=xs, y=labels, mode="markers", marker=dict(size=9, color="#264653"), showlegend=False,
            error_x=dict(type="data", array=err_plus, arrayminus=err_minus, visible=True, thickness=1.2),
            hovertemplate="%{y}<br>" + _safe(key) + " = %{x:.3g}<extra></extra>",
        ), row=r + 1, col=c + 1)
    fig.update_layout(height=max(320, row_px * nrows + 80), title="Thread figures" + (" as z-scores" if z else " with 95% intervals"),
                      margin=dict(l=10, r=10, t=70, b=30), template="plotly_white")
    fig.update_yaxes(automargin=True)
    return fig


def stance_mix_figure(table: pl.DataFrame) -> go.Figure:
    rows = table.to_dicts()
    labels = [_safe(_label(r)) for r in rows]
    fig = go.Figure()
    for stance, colour in STANCE_COLOURS.items():
        fig.add_trace(go.Bar(y=labels, x=[r.get(f"share_{stance}") or 0 for r in rows], name=stance,
                             orientation="h", marker_color=colour,
                             hovertemplate="%{y}<br>" + stance + ": %{x:.1%}<extra></extra>"))
    fig.update_layout(barmode="stack", title="Stance mix per thread", xaxis_tickformat=".0%",
                      height=max(260, 60 * len(rows) + 120), template="plotly_white",
                      margin=dict(l=10, r=10, t=60, b=30))
    fig.update_yaxes(automargin=True)
    return fig


def timelines_figure(views: list[ThreadView], bins: int = 20) -> go.Figure:
    """Share of hostile replies along each thread (by reply order, so threads of any length overlay)."""
    fig = go.Figure()
    for v in views:
        r = v.replies
        if r.height == 0:
            continue
        order = [c for c in ("created_at", "position") if c in r.columns]
        r = r.with_row_index("__i").sort([*order, "__i"], nulls_last=True)
        k = min(bins, r.height)
        binned = (r.with_columns((pl.int_range(pl.len()) * k // pl.len()).alias("__bin"))
                  .group_by("__bin").agg((pl.col("label") == "hostile").mean().alias("h"), pl.len().alias("n"))
                  .sort("__bin"))
        x = [(b + 0.5) / k for b in binned["__bin"].to_list()]
        fig.add_trace(go.Scatter(x=x, y=binned["h"].to_list(), mode="lines+markers", name=_safe(f"{v.site}/{v.thread_id}"),
                                 customdata=binned["n"].to_list(),
                                 hovertemplate="%{x:.0%} through the thread<br>hostile share %{y:.1%} of %{customdata} replies<extra></extra>"))
    fig.update_layout(title="Escalation: share of hostile replies along each thread", template="plotly_white",
                      xaxis=dict(title="position in thread", tickformat=".0%"),
                      yaxis=dict(title="hostile share", tickformat=".0%", rangemode="tozero"),
                      height=380, margin=dict(l=10, r=10, t=60, b=40))
    return fig


def _small_layout(edges: pl.DataFrame, names: list[str], seed: int) -> dict[str, tuple[float, float]]:
    index = {n: i for i, n in enumerate(names)}
    g = ig.Graph(n=len(names), edges=[(index[s], index[t]) for s, t in edges.select("source", "target").iter_rows()
                                      if s in index and t in index])
    import random

    state = random.getstate()
    random.seed(seed)
    try:
        coords = g.layout_fruchterman_reingold(niter=300) if len(names) > 1 else [(0.0, 0.0)] * len(names)
    finally:
        random.setstate(state)
    return {n: tuple(coords[i]) for n, i in index.items()}


def _sizes(nodes: pl.DataFrame, size_by: str) -> list[float] | float:
    """Marker sizes from a numeric node column, 5-15 px by rank of its value (7 px when absent)."""
    if size_by not in nodes.columns or not nodes.schema[size_by].is_numeric() or nodes.height < 2:
        return 7.0
    ranks = nodes[size_by].fill_null(0).rank("average").to_numpy()
    return [5.0 + 10.0 * (r - 1) / (nodes.height - 1) for r in ranks]


def networks_grid(views: list[ThreadView], seed: int = 0, max_nodes: int = 400, *, size_by: str = "pagerank",
                  max_edges: int = 10_000, webgl: bool | None = None) -> go.Figure:
    """Small multiples: each thread's author network, nodes coloured by faction and sized by ``size_by``,
    edges by sign (the ``max_edges`` strongest of each thread); ``webgl`` as for network.html (default:
    on above 2,000 nodes in all)."""
    total = sum(v.nodes.height for v in views)
    scatter = go.Scattergl if (webgl if webgl is not None else total > 2000) else go.Scatter
    n = max(1, len(views))
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=[_safe(_label({"site": v.site, "thread_id": v.thread_id, "title": v.title})) for v in views])
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
    for i, v in enumerate(views):
        r, c = divmod(i, ncols)
        nodes = v.nodes
        if nodes.height == 0:
            continue
        if nodes.height > max_nodes and "n_comments" in nodes.columns:
            nodes = nodes.sort("n_comments", descending=True).head(max_nodes)
        names = nodes["author"].to_list()
        pos = _small_layout(v.edges, names, seed)
        edges = v.edges.filter(pl.col("source").is_in(names) & pl.col("target").is_in(names))
        if edges.height > max_edges:
            edges = edges.sort(pl.col("weight_sum").abs(), "source", "target", descending=[True, False, False]).head(max_edges)
        for sign, colour in (("pos", STANCE_COLOURS["agree"]), ("neg", STANCE_COLOURS["hostile"]), ("zero", "#cccccc")):
            ws = edges["weight_sum"]
            sel = edges.filter(ws > 0) if sign == "pos" else edges.filter(ws < 0) if sign == "neg" else edges.filter(ws == 0)
            xs: list[float | None] = []
            ys: list[float | None] = []
            for s, t in sel.select("source", "target").iter_rows():
                xs += [pos[s][0], pos[t][0], None]
                ys += [pos[s][1], pos[t][1], None]
            fig.add_trace(scatter(x=xs, y=ys, mode="lines", line=dict(color=colour, width=1), hoverinfo="skip",
                                     showlegend=False), row=r + 1, col=c + 1)
        comm = nodes["community"].to_list() if "community" in nodes.columns else [0] * nodes.height
        fig.add_trace(scatter(
            x=[pos[a][0] for a in names], y=[pos[a][1] for a in names], mode="markers",
            marker=dict(size=_sizes(nodes, size_by), color=[palette[(k or 0) % len(palette)] for k in comm], line=dict(width=0.5, color="white")),
            text=[_safe(a) for a in names], hovertemplate="%{text}<extra></extra>", showlegend=False,
        ), row=r + 1, col=c + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=330 * nrows, title="Author networks (green: agreement, red: hostility; colour of a node: faction)",
                      template="plotly_white", margin=dict(l=10, r=10, t=70, b=10))
    return fig


def compare_html(comparison: Comparison, *, cdn: bool | None = None, title: str | None = None) -> str:
    """A self-contained page (plotly.js inline unless ``cdn``) with every comparison view; ``cdn``,
    ``title`` and the small multiples' size_by, max_edges and webgl default to the comparison's
    render options."""
    render = comparison.build_options.render
    cdn = render.cdn if cdn is None else cdn
    title = render.title if title is None else title
    table = comparison.table
    figs = [
        ("Networks", networks_grid(comparison.threads, seed=comparison.build_options.seed, size_by=render.size_by,
                                   max_edges=render.max_edges, webgl=render.webgl)),
        ("Stance mix", stance_mix_figure(table)),
        ("Figures", figures_dotplot(table)),
        ("Figures against their null models", figures_dotplot(table, z=True)),
        ("Escalation", timelines_figure(comparison.threads)),
    ]
    ids = ("networks", "stance", "figures", "nulls", "escalation")
    opts = comparison.options
    rows_html = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r[c])) if r[c] is not None else ''}</td>" for c in
                         ("site", "thread_id", "title", "n_comments", "n_authors", "n_edges")) + "</tr>"
        for r in table.to_dicts()
    )
    note = (f"Null models: {opts.get('null_models')} replicates per thread (z-scores); intervals: "
            f"{opts.get('bootstrap')} bootstrap resamples of the replies (95%)."
            + (f" Every thread truncated to its first {opts['first_n']} comments." if opts.get("first_n") else ""))
    header = (f'<p class="note">{html.escape(note)} Stance labels come from the reply\'s text read against its '
              "parent: agree, neutral, disagree, hostile (an attack on the person replied to).</p>"
              '<table class="metrics"><tr><th>site</th><th>thread</th><th>title</th><th>comments</th><th>authors</th>'
              f"<th>edges</th></tr>{rows_html}</table>")
    sections = [Section(sid, heading, "", fig) for sid, (heading, fig) in zip(ids, figs)]
    return render_page(title=title or "Thread comparison", header_html=header, sections=sections, cdn=cdn,
                       footer_html=html.escape("Made with discourse. Stance is read automatically from the text and "
                                               "can be wrong for individual replies."))
