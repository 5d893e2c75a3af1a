"""Figures for comparing threads: dot plots with intervals, stance mix, hostility timelines, and small
multiples of each thread's network. Pure functions returning plotly Figures, plus the page that holds them.

For many threads (more than :data:`MANY_THREADS`) the page changes form, so that 175 threads do not make
an 82,000-pixel column: one table row per thread with sparklines (hostile share along the thread) and
a stance-mix bar drawn as inline SVG, a strip plot per figure (threads as dots, not as rows), the
escalation as the median and middle half over threads, and small multiples of the largest threads
only. Every page ends with a glossary of the figures it shows, and a figure a thread lacks says why.

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
from discourse.viz._style import SIGN_COLOURS, faction_colour
from discourse.viz.glossary import describe
from discourse.viz.tone import tone_expr

if TYPE_CHECKING:
    from discourse.comparison import Comparison, ThreadView

__all__ = [
    "MANY_THREADS",
    "compare_html",
    "escalation_band_figure",
    "figure_columns",
    "figures_dotplot",
    "figures_strip",
    "glossary_html",
    "networks_grid",
    "sparkline_svg",
    "stance_columns_figure",
    "stance_mix_figure",
    "threads_table_html",
    "timelines_figure",
]

STANCE_COLOURS = {"agree": "#2a9d8f", "neutral": "#b0b0b0", "disagree": "#f4a261", "hostile": "#c0392b"}
_SKIP = {"n_comments", "n_authors", "n_replies", "n_nodes", "n_edges", "n_factions", "first_n"}
MANY_THREADS = 12
"""Above this many threads compare.html shows a table with sparklines instead of a column of panels."""
SMALL_MULTIPLES = 12
"""Networks drawn side by side at most (the largest threads)."""


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
        # the tone rule of network.html (discourse.viz.tone), not the sign of the summed weights
        toned = edges.with_columns(_tone=tone_expr(edges.schema))
        for tone in (0, 1, -1):
            sel = toned.filter(pl.col("_tone") == tone)
            xs: list[float | None] = []
            ys: list[float | None] = []
            for s_, t_ in sel.select("source", "target").iter_rows():
                xs += [pos[s_][0], pos[t_][0], None]
                ys += [pos[s_][1], pos[t_][1], None]
            fig.add_trace(scatter(x=xs, y=ys, mode="lines", line=dict(color=SIGN_COLOURS[tone], width=1),
                                  opacity=0.45 if tone == 0 else 0.8, hoverinfo="skip", showlegend=False),
                          row=r + 1, col=c + 1)
        comm = nodes["community"].to_list() if "community" in nodes.columns else [0] * nodes.height
        fig.add_trace(scatter(
            x=[pos[a][0] for a in names], y=[pos[a][1] for a in names], mode="markers",
            marker=dict(size=_sizes(nodes, size_by), color=[faction_colour(k if k is not None else -1) for k in _ranks(comm)],
                        line=dict(width=0.5, color="white")),
            text=[_safe(a) for a in names], hovertemplate="%{text}<extra></extra>", showlegend=False,
        ), row=r + 1, col=c + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(height=330 * nrows, title="Author networks (lines: green agreement, grey neutral, red disagreement / "
                                                 "hostility; dots: factions, by size)",
                      template="plotly_white", margin=dict(l=10, r=10, t=70, b=10))
    return fig


def _ranks(comm: list[int | None]) -> list[int | None]:
    """Faction ids to size ranks (0 = largest), so colours follow network.html's."""
    counts: dict[int | None, int] = {}
    for k in comm:
        counts[k] = counts.get(k, 0) + 1
    order = sorted(counts, key=lambda k: (-counts[k], -1 if k is None else k))
    rank = {k: i for i, k in enumerate(order)}
    return [rank[k] if counts[k] > 1 else None for k in comm]


def _missing(table: pl.DataFrame, col: str) -> list[tuple[str, int]]:
    """Why a figure has no value, with how many threads say so."""
    if col not in table.columns:
        return []
    gone = table.filter(pl.col(col).is_null())
    if gone.height == 0:
        return []
    reason = f"{col}_reason"
    if reason in gone.columns:
        by = gone.group_by(pl.col(reason).fill_null("no reason recorded")).len().sort(["len", reason], descending=[True, False])
        return [(str(r), int(n)) for r, n in by.iter_rows()]
    return [("no value", gone.height)]


def figures_strip(table: pl.DataFrame, *, columns: list[str] | None = None) -> go.Figure:
    """One row per figure, every thread a dot on it (jittered, hover names it): a compact view of many
    threads. A row's note says how many threads lack the figure, and why."""
    cols = columns or figure_columns(table)
    rows = table.to_dicts()
    labels = [_safe(_label(r)) for r in rows]
    n = max(1, len(cols))
    titles = []
    for c in cols:
        label = describe(c)[0]
        gone = sum(k for _, k in _missing(table, c))
        titles.append(_safe(label + (f" ({c})" if label != c else "")
                            + (f": no value for {gone} thread(s), why in the glossary" if gone else "")))
    fig = make_subplots(rows=n, cols=1, vertical_spacing=min(0.04, 0.5 / n), subplot_titles=titles)
    fig.update_annotations(font_size=12)
    jitter = [((i * 0.618034) % 1.0) - 0.5 for i in range(len(rows))]
    for i, col in enumerate(cols):
        xs = [r.get(col) for r in rows]
        zs = [r.get(f"{col}_z") for r in rows]
        keep = [k for k, x in enumerate(xs) if x is not None]
        hover = [f"{labels[k]}<br>{_safe(col)} = {xs[k]:.3g}" + (f" (z {zs[k]:+.1f})" if zs[k] is not None else "")
                 for k in keep]
        fig.add_trace(go.Scatter(x=[xs[k] for k in keep], y=[jitter[k] for k in keep], mode="markers",
                                 marker=dict(size=7, color="#264653", opacity=0.7), showlegend=False,
                                 hoverinfo="text", hovertext=hover), row=i + 1, col=1)
    fig.update_yaxes(visible=False, range=[-0.8, 0.8])
    fig.update_layout(height=90 * n + 80, title="Thread figures: one dot per thread", template="plotly_white",
                      margin=dict(l=10, r=10, t=70, b=30))
    return fig


def stance_columns_figure(table: pl.DataFrame) -> go.Figure:
    """The stance mix of many threads: one thin column per thread, sorted by hostile share."""
    rows = sorted(table.to_dicts(), key=lambda r: (r.get("share_hostile") or 0.0, _label(r)))
    labels = [_safe(_label(r)) for r in rows]
    fig = go.Figure()
    for stance, colour in STANCE_COLOURS.items():
        fig.add_trace(go.Bar(x=list(range(len(rows))), y=[r.get(f"share_{stance}") or 0 for r in rows], name=stance,
                             marker_color=colour, customdata=labels,
                             hovertemplate="%{customdata}<br>" + stance + ": %{y:.1%}<extra></extra>"))
    fig.update_layout(barmode="stack", title="Stance mix per thread (threads sorted by hostile share)",
                      yaxis_tickformat=".0%", xaxis=dict(visible=False), height=360, template="plotly_white",
                      bargap=0.05, margin=dict(l=10, r=10, t=60, b=20))
    return fig


def _hostile_bins(v: ThreadView, bins: int) -> list[float | None]:
    r = v.replies
    if r.height == 0 or "label" not in r.columns:
        return []
    order = [c for c in ("created_at", "position") if c in r.columns]
    r = r.with_row_index("__i").sort([*order, "__i"], nulls_last=True)
    k = min(bins, r.height)
    binned = (r.with_columns((pl.int_range(pl.len()) * k // pl.len()).alias("__bin"))
              .group_by("__bin").agg((pl.col("label") == "hostile").mean().alias("h")).sort("__bin"))
    return [float(h) for h in binned["h"].to_list()]


def escalation_band_figure(views: list[ThreadView], bins: int = 20) -> go.Figure:
    """Hostile share along the thread, over many threads: the median and the middle half."""
    import numpy as np

    series = [s for s in (_hostile_bins(v, bins) for v in views) if len(s) == bins]
    fig = go.Figure()
    if series:
        m = np.array(series, dtype=float)
        x = [(b + 0.5) / bins for b in range(bins)]
        q1, med, q3 = (np.nanpercentile(m, q, axis=0).tolist() for q in (25, 50, 75))
        fig.add_trace(go.Scatter(x=x + x[::-1], y=q3 + q1[::-1], fill="toself", fillcolor="rgba(192,57,43,0.18)",
                                 line=dict(width=0), hoverinfo="skip", name="middle half of threads"))
        fig.add_trace(go.Scatter(x=x, y=med, mode="lines+markers", line=dict(color="#c0392b", width=2.5),
                                 name=f"median of {len(series)} threads",
                                 hovertemplate="%{x:.0%} through: median hostile share %{y:.1%}<extra></extra>"))
    fig.update_layout(title=f"Escalation over {len(series)} threads of at least {bins} replies", template="plotly_white",
                      xaxis=dict(title="position in thread", tickformat=".0%"),
                      yaxis=dict(title="hostile share", tickformat=".0%", rangemode="tozero"),
                      height=360, margin=dict(l=10, r=10, t=60, b=40))
    return fig


def sparkline_svg(values: list[float | None], *, width: int = 120, height: int = 24, colour: str = "#c0392b",
                  top: float = 1.0) -> str:
    """A tiny inline SVG line of ``values`` (0..``top``, bottom to top): our own markup, numbers only."""
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(pts) < 2:
        return ""
    n = max(1, len(values) - 1)
    top = top if top > 0 else 1.0
    coords = " ".join(f"{i * width / n:.1f},{height - 2 - max(0.0, min(1.0, v / top)) * (height - 4):.1f}"
                      for i, v in pts)
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
            f'<line x1="0" y1="{height - 2}" x2="{width}" y2="{height - 2}" stroke="#ddd" stroke-width="1"/>'
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{coords}"/></svg>')


def _mix_svg(row: dict, width: int = 90, height: int = 12) -> str:
    x = 0.0
    parts = []
    for stance, colour in STANCE_COLOURS.items():
        w = (row.get(f"share_{stance}") or 0.0) * width
        if w > 0:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{colour}"/>')
        x += w
    return f'<svg width="{width}" height="{height}" role="img">{"".join(parts)}</svg>'


def _cell(row: dict, col: str) -> str:
    v = row.get(col)
    if v is None:
        why = row.get(f"{col}_reason") or "no value"
        return f'<td class="num" title="{html.escape(str(why))}">–</td>'
    z = row.get(f"{col}_z")
    text = f"{v:.3g}" + (f" (z {z:+.1f})" if isinstance(z, (int, float)) else "")
    return f'<td class="num">{html.escape(text)}</td>'


KEY_COLUMNS = ("hostility_share", "signed_modularity", "outgroup_hostility", "rwc")


def threads_table_html(comparison: Comparison, *, sparklines: bool = True) -> str:
    """One row per thread: names, sizes, stance mix and hostile-share sparkline (inline SVG), key
    figures with z-scores; a missing figure shows "–" with its reason on hover."""
    table = comparison.table
    views = {(v.site, v.thread_id): v for v in comparison.threads}
    keys = [c for c in KEY_COLUMNS if c in table.columns]
    head = ("<tr><th>site</th><th>thread</th><th>title</th><th>comments</th><th>authors</th><th>edges</th>"
            + ("<th>stance mix</th><th>hostile share along the thread (one scale for all rows)</th>"
               if sparklines else "")
            + "".join(f'<th title="{html.escape(describe(k)[1])}">{html.escape(describe(k)[0])}</th>' for k in keys)
            + "</tr>")
    bins = {k: _hostile_bins(v, 20) for k, v in views.items()} if sparklines else {}
    top = max([x for b in bins.values() for x in b if x is not None] or [1.0])
    body = []
    for r in table.to_dicts():
        cells = "".join(f"<td>{html.escape(str(r[c])) if r.get(c) is not None else ''}</td>"
                        for c in ("site", "thread_id", "title"))
        cells += "".join(f'<td class="num">{r[c]:,}</td>' if isinstance(r.get(c), int) else "<td></td>"
                         for c in ("n_comments", "n_authors", "n_edges"))
        if sparklines:
            line = sparkline_svg(bins.get((r["site"], r["thread_id"]), []), top=top)
            cells += f"<td>{_mix_svg(r)}</td><td>{line}</td>"
        cells += "".join(_cell(r, k) for k in keys)
        body.append(f"<tr>{cells}</tr>")
    return f'<table class="metrics threads" id="threads-table">{head}{"".join(body)}</table>'


def glossary_html(table: pl.DataFrame) -> str:
    """Every figure the page shows: its name, one line of definition, and the threads without it and why."""
    items = []
    for col in figure_columns(table):
        label, definition = describe(col)
        gone = _missing(table, col)
        why = ("; ".join(f"no value for {k} thread(s): {r}" for r, k in gone)) if gone else ""
        items.append(f"<dt><b>{html.escape(label)}</b> <code>{html.escape(col)}</code></dt>"
                     f"<dd>{html.escape(definition or 'see docs/analysis.md')}"
                     + (f' <span class="note">({html.escape(why)})</span>' if why else "") + "</dd>")
    # figures no thread has a value for are not plotted at all: say so too
    for col in sorted(c[:-7] for c in table.columns if c.endswith("_reason")):
        if col in table.columns and table[col].drop_nulls().len() == 0:
            label, definition = describe(col)
            gone = _missing(table, col)
            why = "; ".join(f"{r} ({k} thread(s))" for r, k in gone)
            items.append(f"<dt><b>{html.escape(label)}</b> <code>{html.escape(col)}</code></dt>"
                         f"<dd>{html.escape(definition)} <span class=\"note\">(no thread has a value: "
                         f"{html.escape(why)})</span></dd>")
    return ('<p class="note">Longer definitions, with references and when each figure is defined: docs/analysis.md, '
            f'"Figures glossary". z: standard deviations from the figure\'s null model.</p><dl id="glossary-list">{"".join(items)}</dl>')


def compare_html(comparison: Comparison, *, cdn: bool | None = None, title: str | None = None) -> str:
    """A self-contained page (plotly.js embedded unless ``cdn``) with every comparison view; ``cdn``,
    ``title`` and the small multiples' size_by, max_edges and webgl default to the comparison's
    render options. Above :data:`MANY_THREADS` threads: a table with sparklines, strip plots and an
    escalation band instead of one row per thread in every figure."""
    render = comparison.build_options.render
    cdn = render.cdn if cdn is None else cdn
    title = render.title if title is None else title
    table = comparison.table
    many = table.height > MANY_THREADS
    views = comparison.threads
    shown = sorted(views, key=lambda v: (-v.replies.height, v.site, v.thread_id))[:SMALL_MULTIPLES] if many else views
    grid = networks_grid(shown, seed=comparison.build_options.seed, size_by=render.size_by,
                         max_edges=render.max_edges, webgl=render.webgl)
    opts = comparison.options
    note = (f"Null models: {opts.get('null_models')} replicates per thread (z-scores); intervals: "
            f"{opts.get('bootstrap')} bootstrap resamples of the replies (95%)."
            + (f" Every thread truncated to its first {opts['first_n']} comments." if opts.get("first_n") else ""))
    header = (f'<p class="note">{html.escape(note)} Stance labels come from the reply\'s text read against its '
              "parent: agree, neutral, disagree, hostile (an attack on the person replied to).</p>"
              + threads_table_html(comparison, sparklines=many))
    grid_intro = (f'<p class="note">The {len(shown)} largest of {len(views)} threads; each thread\'s own '
                  "network.html (discourse build) shows it whole.</p>" if many else "")
    if many:
        sections = [
            Section("networks", "Networks", grid_intro, grid),
            Section("stance", "Stance mix", "", stance_columns_figure(table)),
            Section("figures", "Figures", "", figures_strip(table)),
            Section("escalation", "Escalation", "", escalation_band_figure(views)),
        ]
    else:
        sections = [
            Section("networks", "Networks", "", grid),
            Section("stance", "Stance mix", "", stance_mix_figure(table)),
            Section("figures", "Figures", "", figures_dotplot(table)),
            Section("nulls", "Figures against their null models", "", figures_dotplot(table, z=True)),
            Section("escalation", "Escalation", "", timelines_figure(views)),
        ]
    sections.append(Section("glossary", "Glossary", glossary_html(table)))
    return render_page(title=title or "Thread comparison", header_html=header, sections=sections, cdn=cdn,
                       footer_html=html.escape("Made with discourse. Stance is read automatically from the text and "
                                               "can be wrong for individual replies."))
