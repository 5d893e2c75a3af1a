"""The report built from a real thread through the whole pipeline (reads ../shared; skipped without it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.shared, pytest.mark.slow]

ALLOWED = re.compile(r"</?(b|i|br)>")


def test_real_reddit_thread_report(corpora: Path) -> None:
    from discourse.pipeline import build
    from discourse.viz import network_figure, report_html

    result = build(corpora / "reddit" / "praw_3hahrw_funny_thread.json", seed=0)
    fig = network_figure(result.nodes, result.edges, comments=result.comments, seed=0)
    node_traces = [t for t in fig.data if (t.legendgroup or "").startswith("f")
                   or (t.legendgroup == "periphery" and t.mode == "markers" and t.marker.line.color is not None)]
    heads = [h.split("</b>")[0].removeprefix("<b>") for t in node_traces for h in t.hovertext]
    drawn = {h for h in heads if h != "anonymous commenter"}
    # every author of the nodes table is drawn exactly once (names as escaped in the hover; anonymous
    # commenters, one node per comment, as "anonymous commenter")
    n_anonymous = int(result.nodes["anonymous"].sum())
    assert n_anonymous == len(heads) - len(drawn) > 0
    assert sum(len(t.x) for t in node_traces) == result.nodes.height == len(drawn) + n_anonymous
    meta = fig.layout.meta["discourse"]
    assert meta["edges_drawn"] + meta["self_loops"] == result.edges.height  # small thread: nothing capped
    for t in fig.data:
        for text in t.hovertext or ():
            assert "<" not in ALLOWED.sub("", text) and "%{" not in text
    page = report_html(nodes=result.nodes, edges=result.edges, replies=result.replies, comments=result.comments,
                       metrics=result.metrics, title=result.title, seed=0, cdn=True)
    assert page.count('class="figure-data"') == 5
    assert page == report_html(nodes=result.nodes, edges=result.edges, replies=result.replies,
                               comments=result.comments, metrics=result.metrics, title=result.title, seed=0,
                               cdn=True)
