"""``network.html``: every view of one analysis on one self-contained page, readable without docs."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from discourse.io.write import write_text
from discourse.viz._html import Section, render_page
from discourse.viz._style import LABEL_COLOURS, MAX_EDGES, SIGN_COLOURS
from discourse.viz.network import faction_figure, network_figure
from discourse.viz.timeline import distributions_figure, timeline_figure
from discourse.viz.tree import tree_figure

__all__ = ["report_html", "write_report"]

_NETWORK_INTRO = """
<p class="note">Each dot is a commenter; an arrow goes from a replier to the person they replied to.
Dot size follows the measure chosen in <b>size nodes by</b>; dot colour is the faction (community) the
analysis found. Lines are coloured by the overall tone of the replies between the pair:
<span class="key"><span><i class="swatch" style="background:{agree}"></i>agreement</span>
<span><i class="swatch" style="background:{neutral}"></i>neutral</span>
<span><i class="swatch" style="background:{hostile}"></i>disagreement / hostility</span></span>
(the sign of the summed reply weights: one hostile reply can outweigh two mild agreements); thicker
lines carry more (or stronger) replies. Hover over a dot for the commenter's counts and a
few of their comments, and over the small dot in the middle of a line for the stance counts of that
pair. Click legend entries to hide or show factions and tones; drag to pan, scroll to zoom,
double-click to reset.</p>
"""


def report_html(
    *,
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    replies: pl.DataFrame | None = None,
    comments: pl.DataFrame | None = None,
    metrics: Mapping[str, Any] | None = None,
    title: str = "Discourse network",
    cdn: bool = False,
    seed: int = 0,
    size_by: str = "pagerank",
    max_edges: int = MAX_EDGES,
    webgl: bool | None = None,
) -> str:
    """Build the report page as an HTML string (pure: no file I/O).

    Sections: summary numbers (the scalar entries of ``metrics``), the author network, the faction
    overview (when there is more than one faction), one thread's tree, the escalation timeline, and
    the stance and degree distributions. ``comments`` (or else ``replies``) feeds the comment
    snippets in the network hover. By default plotly.js is inlined, so the page works offline;
    ``cdn=True`` loads it from the plotly CDN instead (a file some 4.7 MB smaller).
    """
    texts = comments if comments is not None else replies
    net = network_figure(nodes, edges, comments=texts, size_by=size_by, seed=seed, max_edges=max_edges,
                         webgl=webgl)
    meta = net.layout.meta["discourse"]
    sections = [Section("network", "Who replies to whom", _network_intro(meta), net)]
    n_factions = nodes["community"].n_unique() if "community" in nodes.columns else 1
    if n_factions > 1:
        sections.append(Section(
            "factions", "Factions at a glance",
            '<p class="note">One dot per faction, sized by its members; lines sum every reply between two '
            "factions and take the colour of their overall tone. Hover a faction for how much it talks "
            "within itself.</p>",
            faction_figure(nodes, edges, seed=seed),
        ))
    thread_source = replies if replies is not None else comments
    if thread_source is not None and thread_source.height and {"comment_id", "parent_id"} <= set(thread_source.columns):
        sections.append(Section(
            "thread", "One thread, comment by comment",
            '<p class="note">The busiest thread as it reads on the page: each dot is a comment, indented '
            "by reply depth and joined to the comment it answers; the colour is the stance of the reply "
            "toward its parent. Hover for the author and text.</p>",
            tree_figure(thread_source),
        ))
    if replies is not None and replies.height:
        sections.append(Section(
            "timeline", "Does it escalate?",
            '<p class="note">Share of replies read as hostile (thick red), disagreeing and agreeing in each '
            "time bin; grey bars count the replies per bin (right axis).</p>",
            timeline_figure(replies),
        ))
    sections.append(Section(
        "distributions", "Stances and degrees",
        '<p class="note">How the replies split by stance, how their weights (−1 hostile … +1 agreeing) '
        "spread, and how many commenters reply to (out-degree) or are replied to by (in-degree) how "
        "many others.</p>",
        distributions_figure(replies=replies, nodes=nodes, edges=edges),
    ))
    header = _metrics_html(metrics or {}, meta)
    footer = ("Made with discourse. Stance is read automatically from the text and can be wrong for "
              "individual replies; read the comments before drawing conclusions about a person.")
    return render_page(title=title, header_html=header, sections=sections, cdn=cdn, footer_html=html.escape(footer))


def write_report(path: str | Path, page: str) -> Path:
    """Write ``page`` to ``path`` atomically (a half-written report never replaces a good one)."""
    return write_text(path, page)


def _network_intro(meta: Mapping[str, Any]) -> str:
    intro = _NETWORK_INTRO.format(agree=SIGN_COLOURS[1], neutral=SIGN_COLOURS[0], hostile=SIGN_COLOURS[-1])
    notes = []
    if meta["edges_drawn"] < meta["edges_total"]:
        notes.append(
            f"This network has {meta['edges_total']:,} reply pairs; to stay responsive only the "
            f"{meta['edges_drawn']:,} strongest are drawn (every commenter is still shown). "
            "The faction overview below summarises all of them."
        )
    if meta["self_loops"]:
        notes.append(f"{meta['self_loops']:,} commenter(s) replying to themselves are not drawn.")
    if notes:
        intro += "".join(f'<p class="note"><b>{html.escape(n)}</b></p>' for n in notes)
    return intro


def _metrics_html(metrics: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    rows = [("commenters", f"{meta['nodes']:,}"), ("reply pairs", f"{meta['edges_total']:,}")]
    for key, value in metrics.items():
        if isinstance(value, bool) or value is None:
            text = str(value)
        elif isinstance(value, int):
            text = f"{value:,}"
        elif isinstance(value, float):
            text = "–" if math.isnan(value) else f"{value:.4g}"
        elif isinstance(value, str):
            text = value
        else:
            continue  # nested structures belong in metrics.json, not the summary
        rows.append((str(key).replace("_", " "), text))
    cells = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in rows[:24])
    legend = " ".join(
        f'<span><i class="swatch" style="background:{LABEL_COLOURS[lab]}"></i>{lab}</span>'
        for lab in ("agree", "neutral", "disagree", "hostile")
    )
    return (f'<table class="metrics">{cells}</table>'
            f'<p class="note key">Stance colours used throughout: {legend}</p>')
