"""Issue 18: anonymous commenters who answer only each other make a community of their own; the figures
report it apart from the factions (metrics.json, the caveats), as they report anonymous singletons."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from discourse.analysis import analyse, author_network
from discourse.viz.caveats import caveats

_spec = importlib.util.spec_from_file_location("analysis_helpers", Path(__file__).parent.parent / "data/analysis/helpers.py")
H = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(H)


def _replies():
    named = [("a", "b", "agree"), ("b", "c", "agree"), ("c", "a", "agree"),
             ("d", "e", "agree"), ("e", "f", "agree"), ("f", "d", "agree"),
             ("c", "d", "hostile"), ("f", "a", "hostile")]
    rows = [{"author": x, "parent_author": y, "label": lab} for x, y, lab in named]
    # c8 answers the post (its author unknown), c9 answers c8: two anonymous commenters and one tie
    rows += [{"author": None, "parent_author": None, "to_root": True, "label": "neutral"},
             {"author": None, "parent_author": None, "parent_id": "c8", "label": "agree"}]
    return H.scored(rows)


def test_a_community_of_anonymous_commenters_only_is_counted_apart() -> None:
    replies = _replies()
    net = author_network(replies)
    assert ("anonymous#t1/c9", "anonymous#t1/c8") in set(net.edges.select("source", "target").iter_rows())
    result = analyse(net, replies, runs=1, method="leiden-cpm")
    sizes = result.metrics["sizes"]
    assert (sizes["authors"], sizes["anonymous_authors"]) == (8, 2)
    assert (sizes["factions"], sizes["anonymous_factions"]) == (3, 1)
    assert sizes["singletons"] == sizes["anonymous_singletons"] == 0
    anonymous_faction = [f for f in result.metrics["factions"] if f["anonymous"] == f["authors"]]
    assert len(anonymous_faction) == 1 and anonymous_faction[0]["top_authors"] == []
    text = caveats(metrics=result.metrics, nodes=result.nodes).factions
    assert text.startswith("2 factions (+ 1 of anonymous commenters only), by leiden-cpm; 2 of 8 authors are anonymous")
    # from metrics.json alone (a bundle read back without its nodes) the line says the same
    assert caveats(metrics=result.metrics).factions.startswith("2 factions (+ 1 of anonymous commenters only)")
