"""The escalation timeline and the stance / degree distributions."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from discourse._typing import STANCE_LABELS
from discourse.viz._style import LABEL_COLOURS, base_layout

__all__ = ["choose_interval", "distributions_figure", "timeline_figure"]

_STEPS: tuple[tuple[timedelta, str], ...] = (
    (timedelta(minutes=1), "1m"), (timedelta(minutes=5), "5m"), (timedelta(minutes=15), "15m"),
    (timedelta(hours=1), "1h"), (timedelta(hours=3), "3h"), (timedelta(hours=6), "6h"),
    (timedelta(hours=12), "12h"), (timedelta(days=1), "1d"), (timedelta(days=7), "1w"),
    (timedelta(days=30), "1mo"), (timedelta(days=91), "3mo"), (timedelta(days=365), "1y"),
)


def choose_interval(span: timedelta, target_bins: int = 40) -> str:
    """The smallest round interval (polars duration string) giving at most ``target_bins`` bins."""
    for step, name in _STEPS:
        if span / step <= target_bins:
            return name
    return _STEPS[-1][1]


def timeline_figure(replies: pl.DataFrame, *, every: str | None = None, min_replies: int = 5,
                    height: int = 420) -> go.Figure:
    """Share of hostile (and disagreeing, agreeing) replies per time bin, with the reply volume.

    ``replies`` needs ``created_at`` and ``label``; rows without either are left out (the figure
    says how many). ``every`` is a polars duration (``"1h"``, ``"1d"``); by default about 40 bins
    span the data. Shares are left out (gaps) in bins holding fewer than ``min_replies`` replies,
    where one reply would swing them from 0 to 100 %.
    """
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.update_layout(**base_layout(height=height, hovermode="x unified", legend={"orientation": "h", "y": -0.15}))
    if not {"created_at", "label"} <= set(replies.columns):
        fig.add_annotation(text="no timestamps or stance labels to plot", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5)
        return fig
    usable = replies.select("created_at", "label").drop_nulls()
    left_out = replies.height - usable.height
    if usable.height == 0:
        fig.add_annotation(text="no replies carry a timestamp", showarrow=False, xref="paper", yref="paper",
                           x=0.5, y=0.5)
        return fig
    usable = usable.sort("created_at")
    if every is None:
        first, last = usable["created_at"].min(), usable["created_at"].max()
        span = last - first if isinstance(first, datetime) and isinstance(last, datetime) else timedelta(0)
        every = choose_interval(span)
    bins = usable.group_by_dynamic("created_at", every=every).agg(
        n=pl.len(),
        **{f"share_{lab}": (pl.col("label") == lab).mean() for lab in ("hostile", "disagree", "agree")},
        n_hostile=(pl.col("label") == "hostile").sum(),
    ).with_columns(
        [pl.when(pl.col("n") >= min_replies).then(pl.col(f"share_{lab}")).alias(f"share_{lab}")
         for lab in ("hostile", "disagree", "agree")]
    )
    t = bins["created_at"].to_list()
    fig.add_trace(go.Bar(x=t, y=bins["n"].to_list(), name="replies", marker={"color": "#dcdcdc"},
                         hovertemplate="%{y} replies<extra></extra>"), secondary_y=False)
    for lab, name in (("hostile", "hostile share"), ("disagree", "disagreeing share"), ("agree", "agreeing share")):
        fig.add_trace(go.Scatter(
            x=t, y=bins[f"share_{lab}"].to_list(), name=name, mode="lines+markers",
            line={"color": LABEL_COLOURS[lab], "width": 3 if lab == "hostile" else 1.5},
            hovertemplate=f"{name} %{{y:.0%}}<extra></extra>",
        ), secondary_y=True)
    # bars on the primary axis (drawn first, underneath), shares on the secondary axis shown on the left
    fig.update_yaxes(title_text="share of replies", tickformat=".0%", range=[0, 1.02], side="left",
                     secondary_y=True)
    fig.update_yaxes(title_text="replies per bin", showgrid=False, rangemode="tozero", side="right",
                     secondary_y=False)
    note = f"bins of {every}"
    sparse = int((bins["n"] < min_replies).sum())
    if sparse:
        note += f"; shares hidden in {sparse} bin(s) with fewer than {min_replies} replies"
    if left_out:
        note += f"; {left_out:,} repl{'y' if left_out == 1 else 'ies'} without timestamp or label left out"
    fig.update_layout(title={"text": note, "font": {"size": 12}})
    return fig


def distributions_figure(
    *, replies: pl.DataFrame | None = None, nodes: pl.DataFrame | None = None,
    edges: pl.DataFrame | None = None, height: int = 380,
) -> go.Figure:
    """Three panels: replies per stance label, the reply-weight histogram, and the in/out-degree
    distribution (authors per degree, log-log). Degrees come from ``nodes`` (``in_degree``,
    ``out_degree``) or are counted from ``edges``. Any missing input leaves its panel empty."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=("replies per stance", "reply weight", "degree distribution"))
    fig.update_layout(**base_layout(height=height, bargap=0.1, legend={"orientation": "h", "y": -0.2}))
    if replies is not None and "label" in replies.columns:
        counts = replies.group_by("label").agg(n=pl.len()).drop_nulls("label")
        known = [lab for lab in STANCE_LABELS if lab in set(counts["label"].to_list())]
        counts = pl.DataFrame({"label": known}, schema={"label": pl.String}).join(counts, on="label", how="left")
        fig.add_trace(go.Bar(x=counts["label"].to_list(), y=counts["n"].to_list(), showlegend=False,
                             marker={"color": [LABEL_COLOURS[lab] for lab in known]},
                             hovertemplate="%{x}: %{y} replies<extra></extra>"), row=1, col=1)
    if replies is not None and "weight" in replies.columns:
        w = replies["weight"].drop_nulls().drop_nans() if replies["weight"].dtype.is_float() else replies["weight"].drop_nulls()
        # binned here, not in the browser: a million raw weights would put megabytes into the page
        counts_w, edges_w = np.histogram(np.clip(w.to_numpy(), -1.0, 1.0), bins=20, range=(-1.0, 1.0))
        centres = ((edges_w[:-1] + edges_w[1:]) / 2).round(3)
        fig.add_trace(go.Bar(x=centres.tolist(), y=counts_w.tolist(), width=0.1, showlegend=False,
                             marker={"color": "#4e79a7"},
                             customdata=np.stack([edges_w[:-1], edges_w[1:]], axis=1).round(2).tolist(),
                             hovertemplate="weight %{customdata[0]} to %{customdata[1]}: %{y} replies<extra></extra>"),
                      row=1, col=2)
    degrees = _degrees(nodes, edges)
    for col, colour in (("in_degree", "#4e79a7"), ("out_degree", "#f28e2b")):
        if degrees is None or col not in degrees.columns:
            continue
        dist = degrees.group_by(col).agg(n=pl.len()).filter(pl.col(col) > 0).sort(col)
        fig.add_trace(go.Scatter(x=dist[col].to_list(), y=dist["n"].to_list(), mode="markers",
                                 name=col.replace("_", "-"), marker={"color": colour, "size": 7},
                                 hovertemplate=f"{col.replace('_', '-')} %{{x}}: %{{y}} authors<extra></extra>"),
                      row=1, col=3)
    fig.update_xaxes(type="log", title_text="degree", row=1, col=3)
    fig.update_yaxes(type="log", title_text="authors", row=1, col=3)
    return fig


def _degrees(nodes: pl.DataFrame | None, edges: pl.DataFrame | None) -> pl.DataFrame | None:
    if nodes is not None and {"in_degree", "out_degree"} <= set(nodes.columns):
        return nodes.select(pl.col("in_degree").cast(pl.Int64), pl.col("out_degree").cast(pl.Int64))
    if edges is None or not {"source", "target"} <= set(edges.columns):
        return None
    e = edges.filter(pl.col("source") != pl.col("target"))
    out_d = e.group_by("source").agg(out_degree=pl.col("target").n_unique()).rename({"source": "author"})
    in_d = e.group_by("target").agg(in_degree=pl.col("source").n_unique()).rename({"target": "author"})
    return out_d.join(in_d, on="author", how="full", coalesce=True).fill_null(0)
