"""The thread tree: one thread's comments as an outline, coloured by stance.

Each comment is a point; depth runs left to right and the reading order (depth-first, siblings in
the order they were posted) top to bottom, with elbow lines from each comment to its parent, the way a
threaded page shows it. The legend toggles stance labels.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl

from discourse.errors import AnalysisError
from discourse.viz._escape import escape_expr, escape_text, snippet_expr
from discourse.viz._style import LABEL_COLOURS, WEBGL_THRESHOLD, base_layout

__all__ = ["tree_figure", "tree_positions"]


def tree_positions(frame: pl.DataFrame) -> pl.DataFrame:
    """Depth and reading order of one thread's comments.

    ``frame`` holds ``comment_id`` and ``parent_id`` (null, or an id not in the frame: a reply to the
    post) and optionally ``position``/``created_at`` to order siblings. Returns the frame with
    ``depth`` (1 = top level) and ``order`` (0-based depth-first index) added, sorted by ``order``.
    Comments on a parent cycle are placed at the top level.
    """
    n = frame.height
    key = [c for c in ("position", "created_at") if c in frame.columns]
    base = frame.with_row_index("_row")
    ordered = base.sort([*key, "_row"], nulls_last=True) if key else base
    ids = ordered["comment_id"].cast(pl.String).to_list()
    parents = ordered["parent_id"].cast(pl.String).to_list()
    known = set(ids)
    children: dict[str | None, list[int]] = {}
    for i, p in enumerate(parents):
        children.setdefault(p if p in known and p != ids[i] else None, []).append(i)
    depth = np.zeros(n, dtype=np.int64)
    order = np.full(n, -1, dtype=np.int64)
    counter = 0
    roots = list(children.get(None, []))
    while True:
        stack = [(i, 1) for i in reversed(roots)]
        while stack:
            i, d = stack.pop()
            if order[i] >= 0:
                continue
            order[i], depth[i] = counter, d
            counter += 1
            stack.extend((j, d + 1) for j in reversed(children.get(ids[i], [])))
        if counter == n:
            break
        # the rest sit on cycles: lift the earliest unvisited one to the top level
        roots = [int(np.flatnonzero(order < 0)[0])]
    return ordered.with_columns(depth=pl.Series(depth), order=pl.Series(order)).sort("order").drop("_row")


def tree_figure(
    replies: pl.DataFrame,
    *,
    thread_id: str | None = None,
    max_comments: int = 1_500,
    height: int | None = None,
) -> go.Figure:
    """Draw one thread as a tree coloured by stance ``label`` (``"unscored"`` when absent).

    ``replies`` may be scored replies or plain comments; it needs ``comment_id`` and ``parent_id``.
    Without ``thread_id`` the thread with the most comments is drawn. Threads longer than
    ``max_comments`` show their first ``max_comments`` comments in reading order, and say so.
    """
    for col in ("comment_id", "parent_id"):
        if col not in replies.columns:
            raise AnalysisError(f"tree_figure: the table has no {col!r} column; its columns are {replies.columns}")
    frame = replies.with_columns(pl.col("comment_id").cast(pl.String), pl.col("parent_id").cast(pl.String))
    if "thread_id" in frame.columns and frame.height:
        if thread_id is None:
            counts = frame.group_by("thread_id").agg(n=pl.len()).sort(["n", "thread_id"], descending=[True, False])
            thread_id = counts["thread_id"][0]
        frame = frame.filter(pl.col("thread_id") == thread_id)
        if frame.height == 0:
            raise AnalysisError(f"tree_figure: no comments in thread {thread_id!r}")
    fig = go.Figure()
    fig.update_layout(**base_layout(
        height=height or 560, hovermode="closest", legend={"title": {"text": "stance"}},
        xaxis={"title": {"text": "depth (1 = reply to the post)"}, "dtick": 1, "zeroline": False},
        yaxis={"visible": False, "autorange": "reversed"},
    ))
    if frame.height == 0:
        fig.add_annotation(text="no comments to draw", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
        return fig
    pos = tree_positions(frame)
    total = pos.height
    pos = pos.head(max_comments)
    if "label" not in pos.columns:
        pos = pos.with_columns(label=pl.lit("unscored"))
    pos = pos.with_columns(pl.col("label").fill_null("unscored"))
    parent_xy = pos.select(pl.col("comment_id").alias("parent_id"), px=pl.col("depth"), py=pl.col("order"))
    pos = pos.join(parent_xy, on="parent_id", how="left", maintain_order="left").with_columns(
        pl.col("px").fill_null(0), pl.col("py").fill_null(-1)
    )
    # elbows: parent (px, py) -> (px, y) -> (x, y)
    x, y, px, py = (pos[c].to_numpy().astype(float) for c in ("depth", "order", "px", "py"))
    gap = np.full(pos.height, np.nan)
    scatter = go.Scattergl if pos.height > WEBGL_THRESHOLD else go.Scatter
    fig.add_trace(scatter(x=np.column_stack([px, px, x, gap]).ravel(), y=np.column_stack([py, y, y, gap]).ravel(),
                          mode="lines", line={"color": "#cfcfcf", "width": 1}, hoverinfo="skip", showlegend=False))
    fig.add_trace(scatter(x=[0], y=[-1], mode="markers", marker={"symbol": "square", "size": 11, "color": "#333"},
                          name="the post", hoverinfo="text", hovertext=["the thread's post"]))
    parts = [pl.lit("<b>") + escape_expr(pl.col("author")) + pl.lit("</b>") if "author" in pos.columns
             else pl.lit("<b>comment</b>")]
    parts.append(pl.lit("stance: ") + escape_expr(pl.col("label")))
    if "weight" in pos.columns:
        parts[-1] = parts[-1] + pl.lit(" (weight ") + pl.col("weight").round(2).cast(pl.String).fill_null("–") + pl.lit(")")
    if "text" in pos.columns:
        parts.append(snippet_expr(pl.col("text"), max_chars=200))
    pos = pos.with_columns(hover=pl.concat_str(parts, separator="<br>"))
    labels = [lab for lab in LABEL_COLOURS if lab in set(pos["label"].to_list())]
    labels += sorted(set(pos["label"].to_list()) - set(labels))
    for lab in labels:
        part = pos.filter(pl.col("label") == lab)
        fig.add_trace(scatter(
            x=part["depth"].to_numpy(), y=part["order"].to_numpy(), mode="markers", name=escape_text(lab),
            marker={"size": 8, "color": LABEL_COLOURS.get(lab, "#4e79a7"), "line": {"width": 0.5, "color": "#fff"}},
            hoverinfo="text", hovertext=part["hover"].to_list(),
        ))
    caption = f"thread {escape_text(thread_id)}" if thread_id is not None else "thread"
    caption += f": {total:,} comments" + (f", showing the first {pos.height:,}" if total > pos.height else "")
    fig.update_layout(title={"text": caption, "font": {"size": 13}})
    if height is None:
        fig.update_layout(height=int(min(1200, max(420, 60 + 12 * pos.height))))
    return fig
