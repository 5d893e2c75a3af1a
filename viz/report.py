"""``network.html``: every view of one analysis on one self-contained page, readable without docs."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from discourse.io.write import write_text
from discourse.viz._html import Section, render_page
from discourse.viz._style import LABEL_COLOURS, MAX_EDGES, SIGN_COLOURS
from discourse.viz.caveats import caveats
from discourse.viz.network import faction_figure, network_view
from discourse.viz.timeline import distributions_figure, timeline_figure
from discourse.viz.tree import tree_figure

__all__ = ["report_html", "write_report"]

_NETWORK_INTRO = """
<p class="note">Each dot is a commenter, coloured by the faction the analysis found; each faction is
drawn as a group of its own, and factions whose replies to each other are mostly opposing are set
apart. An arrow goes from a replier to the person they replied to; its colour is the tone of that
pair's replies:
<span class="key"><span><i class="swatch" style="background:{agree}"></i>agreement</span>
<span><i class="swatch" style="background:{neutral}"></i>neutral</span>
<span><i class="swatch" style="background:{hostile}"></i>disagreement / hostility</span></span>
(agreeing minus opposing replies, as a share of all the pair's replies: at least a third either way
colours the line, anything in between is grey, so a line is red only when the pair exchanged
disagreeing or hostile replies); a thicker line carries more replies. Names are written beside the
original poster (black ring), every instigator and target (dark red ring and name) and the most active
and most central commenters. Hover over a dot for the commenter's counts and comments, and over the
small dot in the middle of a line for what that pair said. Click a faction in the legend to isolate
it; find anyone with the search box; drag to pan, scroll to zoom, double-click to reset.</p>
<div class="tools"><label for="network-search">Find a commenter:</label>
<input id="network-search" type="search" list="network-names" autocomplete="off" placeholder="name">
<datalist id="network-names"></datalist><button id="network-clear" type="button">clear</button>
<span id="network-status" role="status"></span></div>
"""


def report_html(
    *,
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    replies: pl.DataFrame | None = None,
    comments: pl.DataFrame | None = None,
    metrics: Mapping[str, Any] | None = None,
    quality: Mapping[str, Any] | None = None,
    threads: pl.DataFrame | None = None,
    title: str = "Discourse network",
    cdn: bool = False,
    seed: int = 0,
    size_by: str = "pagerank",
    max_edges: int = MAX_EDGES,
    webgl: bool | None = None,
) -> str:
    """Build the report page as an HTML string (pure: no file I/O).

    The header states the caveats first (coverage, inferred parents, language, factions, stance
    scorer, ``quality``'s warnings) and the key figures with their null-model verdicts; method, seed
    and versions are folded into a details block. Sections: the author network (with a search box),
    the faction overview (when there is more than one faction), one thread's tree, the escalation
    timeline, and the stance and degree distributions. ``comments`` (or else ``replies``) feeds the
    comment snippets in the node hover, ``replies`` the quotes in the edge hover, ``threads``'
    ``author`` marks the original poster. By default plotly.js is embedded (compressed), so the page
    works offline; ``cdn=True`` loads it from the plotly CDN instead.
    """
    texts = comments if comments is not None else replies
    op = (threads["author"].drop_nulls().unique(maintain_order=True).to_list()
          if threads is not None and "author" in threads.columns else None)
    view = network_view(nodes, edges, comments=texts, replies=replies, op=op, size_by=size_by, seed=seed,
                        max_edges=max_edges, webgl=webgl)
    net = view.figure
    meta = net.layout.meta["discourse"]
    sections = [Section("network", "Who replies to whom", _network_intro(meta), net)]
    n_factions = nodes["community"].n_unique() if "community" in nodes.columns else 1
    if n_factions > 1:
        sections.append(Section(
            "factions", "Factions at a glance",
            '<p class="note">One dot per faction, sized by its members; lines sum every reply between two '
            "factions and take the tone of those replies. Hover a faction for how much it talks "
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
    notes = [f"{meta['nodes']:,} commenters and {meta['edges_total']:,} reply pairs; the network shows "
             f"{meta['main_nodes']:,} of them in factions"
             + (f" ({meta['hidden_nodes']:,} singletons and isolates behind a button)" if meta["hidden_nodes"] else "")
             + "."]
    facts = caveats(metrics=metrics, quality=quality, comments=comments if comments is not None else replies,
                    nodes=nodes, notes=notes)
    header = facts.html() + _legend_html()
    footer = ("Made with discourse. Stance is read automatically from the text and can be wrong for "
              "individual replies; read the comments before drawing conclusions about a person.")
    return render_page(title=title, header_html=header, sections=sections, cdn=cdn, footer_html=html.escape(footer),
                       data={"network-index": view.index} if view.index else None)


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
    if meta.get("hidden_nodes"):
        notes.append(
            f"{meta['hidden_singletons']:,} commenter(s) in no faction of their own (singletons) and "
            f"{meta['hidden_isolates']:,} with no tie (isolates) are kept out of the view; the button above the "
            "network shows them, on rings around it, each toward the commenters they replied to."
        )
    if meta.get("anonymous"):
        notes.append(
            f"{meta['anonymous']:,} hollow dot(s) are anonymous or deleted commenters: one per comment, never "
            "named (two of them may be one person); quality.json's hints list the ones whose turn-taking "
            "suggests the same person."
        )
    if meta["self_loops"]:
        notes.append(f"{meta['self_loops']:,} commenter(s) replying to themselves are not drawn.")
    if notes:
        intro += "".join(f'<p class="note"><b>{html.escape(n)}</b></p>' for n in notes)
    return intro


def _legend_html() -> str:
    legend = " ".join(
        f'<span><i class="swatch" style="background:{LABEL_COLOURS[lab]}"></i>{lab}</span>'
        for lab in ("agree", "neutral", "disagree", "hostile")
    )
    return f'<p class="note key">Reply stance colours used throughout: {legend}</p>'
