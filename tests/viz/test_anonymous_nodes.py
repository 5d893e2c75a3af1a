"""Issue 18: anonymous commenters in network.html: drawn (hollow, in the main view when they talk to a
named commenter), never named, hover says "anonymous commenter", quotes of their replies in the edge
hover, found by the search box without a name."""

from __future__ import annotations

import datetime as dt

import polars as pl

from discourse import schema
from discourse.analysis import analyse, author_network
from discourse.options import NetworkOptions
from discourse.viz import network_view
from discourse.viz.network import ANONYMOUS_LABEL

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _replies() -> pl.DataFrame:
    """jens quarrels with three anonymous commenters (c1 and c3 likely one person), agrees with ann."""
    rows = [
        # comment, parent, author, label, text
        ("c0", None, "Jens Holm", "neutral", "Write a novel about it."),
        ("c1", "c0", None, "disagree", "The West did try that, you know."),
        ("c2", "c1", "Jens Holm", "disagree", "No, that is not what happened."),
        ("c3", "c2", None, "hostile", "Jens you are an idiot, we do not understand each other."),
        ("c4", "c2", None, "hostile", "Only words and no proof, as usual."),
        ("c5", None, "Ann Lee", "agree", "Good article."),
        ("c6", "c5", "Jens Holm", "agree", "Agreed, well said."),
        ("c7", "c6", "Ann Lee", "agree", "Thank you."),
    ]
    weight = {"agree": 0.8, "neutral": 0.0, "disagree": -0.5, "hostile": -0.9}
    parent_author = {c: a for c, _, a, _, _ in rows}
    out = [{
        "site": "web", "thread_id": "t", "comment_id": c, "parent_id": p, "author": a,
        "parent_author": parent_author[p] if p else "Editor", "text": text, "parent_text": "x",
        "created_at": T0 + dt.timedelta(minutes=i), "to_root": p is None, "self_reply": False,
        "parent_source": "explicit" if p else "root", "parent_confidence": 1.0,
        "p_agree": 0.25, "p_neutral": 0.25, "p_disagree": 0.25, "p_hostile": 0.25, "label": lab,
        "weight": weight[lab], "confidence": 1.0, "p_offensive": 0.0, "offensive": False, "scorer": "hand",
    } for i, (c, p, a, lab, text) in enumerate(rows)]
    spec = {**schema.REPLIES, **schema.STANCE_COLUMNS}
    return schema.conform(pl.DataFrame(out, schema=spec), spec)


def _view():
    replies = _replies()
    net = author_network(replies)
    nodes = analyse(net, replies, runs=1).nodes
    return nodes, network_view(nodes, net.edges, comments=replies, replies=replies, op=["Editor"])


def test_anonymous_nodes_are_drawn_hollow_and_never_named() -> None:
    nodes, view = _view()
    anon = nodes.filter(pl.col("anonymous"))["author"].to_list()
    assert sorted(anon) == ["anonymous#t/c1", "anonymous#t/c3", "anonymous#t/c4"]
    fig = view.figure
    labels = [a.text for a in fig.layout.annotations if (a.name or "").startswith("label-")]
    assert any("Jens Holm" in t for t in labels)
    assert not any("anonymous" in t for t in labels)
    assert fig.layout.meta["discourse"]["anonymous"] == 3
    # every anonymous commenter here answers Jens: all three are in the main view, hollow
    points = []
    for t in fig.data:
        if t.mode == "markers" and t.hovertext is not None and t.marker.symbol is not None:
            points += list(zip(t.hovertext, list(t.marker.symbol), strict=True))
    hollow = [h for h, sym in points if sym == "circle-open-dot"]
    assert len(hollow) == 3 and all(h.startswith(f"<b>{ANONYMOUS_LABEL}</b>") for h in hollow)
    assert all("anonymous#" not in h for h in hollow)
    # the hover quotes the anonymous comment itself
    assert any("we do not understand each other" in h for h in hollow)
    assert fig.layout.meta["discourse"]["hidden_nodes"] == 0


def test_edge_hover_quotes_replies_to_and_from_anonymous_commenters() -> None:
    _, view = _view()
    edge_hovers = [h for t in view.figure.data if t.mode == "markers" and (t.legendgroup or "").startswith("sign")
                   and t.hovertext is not None for h in t.hovertext]
    to_anon = [h for h in edge_hovers if h.startswith(f"<b>Jens Holm</b> → <b>{ANONYMOUS_LABEL}</b>")]
    assert to_anon and "not what happened" in to_anon[0]
    from_anon = [h for h in edge_hovers if h.startswith(f"<b>{ANONYMOUS_LABEL}</b> → <b>Jens Holm</b>")]
    assert any("Only words" in h for h in from_anon)
    assert not any("anonymous#" in h for h in edge_hovers)


def test_search_finds_anonymous_commenters_by_their_key() -> None:
    _, view = _view()
    names = view.index["names"]
    assert "anonymous#t/c3" in names and "Jens Holm" in names


def test_dropping_unknown_authors_draws_only_named_commenters() -> None:
    replies = _replies()
    net = author_network(replies, options=NetworkOptions(unknown_authors="drop"))
    nodes = analyse(net, replies, runs=1).nodes
    assert not nodes["anonymous"].any()
    view = network_view(nodes, net.edges, comments=replies, replies=replies)
    assert view.figure.layout.meta["discourse"]["anonymous"] == 0
    assert all(getattr(t.marker, "symbol", None) is None for t in view.figure.data if t.mode == "markers"
               and t.showlegend and not (t.legendgroup or "").startswith("key"))


def test_the_page_says_what_the_hollow_dots_are() -> None:
    from discourse.viz import report_html

    replies = _replies()
    net = author_network(replies)
    analysis = analyse(net, replies, runs=1)
    page = report_html(nodes=analysis.nodes, edges=net.edges, replies=replies, metrics=analysis.metrics)
    assert "3 hollow dot(s) are anonymous or deleted commenters" in page
    dropped = author_network(replies, options=NetworkOptions(unknown_authors="drop"))
    plain = report_html(nodes=analyse(dropped, replies, runs=1).nodes, edges=dropped.edges, replies=replies)
    assert "hollow dot" not in plain
