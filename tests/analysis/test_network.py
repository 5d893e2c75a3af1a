"""The author network: edge aggregation, what is left out and why, options, the igraph graph."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from discourse import schema
from discourse.analysis.network import EDGE_COLUMNS, LEFT_OUT_REASONS, NetworkOptions, author_network
from discourse.errors import SchemaError
from discourse.options import OptionError

_spec = importlib.util.spec_from_file_location("analysis_helpers", Path(__file__).parent.parent / "data/analysis/helpers.py")
H = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(H)


def _edge(net, s, t):
    row = net.edges.filter((pl.col("source") == s) & (pl.col("target") == t))
    assert row.height == 1, f"expected one edge {s}->{t}"
    return row.row(0, named=True)


def test_edges_aggregate_replies_by_pair():
    replies = H.scored([
        {"author": "ann", "parent_author": "bob", "label": "agree", "weight": 0.8, "minute": 5},
        {"author": "ann", "parent_author": "bob", "label": "hostile", "weight": -0.6, "minute": 1},
        {"author": "ann", "parent_author": "bob", "label": "neutral", "weight": 0.0, "minute": 9},
        {"author": "bob", "parent_author": "ann", "label": "disagree", "weight": -0.3},
    ])
    net = author_network(replies)
    e = _edge(net, "ann", "bob")
    assert (e["n_replies"], e["n_agree"], e["n_neutral"], e["n_disagree"], e["n_hostile"]) == (3, 1, 1, 0, 1)
    assert e["weight_sum"] == pytest.approx(0.2)
    assert e["weight_mean"] == pytest.approx(0.2 / 3)
    assert e["pos_w"] == pytest.approx(0.8)
    assert e["neg_w"] == pytest.approx(0.6)
    assert e["abs_w"] == pytest.approx(1.4)
    assert e["net_sign"] == 1
    assert e["first_at"] == H.T0 + __import__("datetime").timedelta(minutes=1)
    assert e["last_at"] == H.T0 + __import__("datetime").timedelta(minutes=9)
    back = _edge(net, "bob", "ann")
    assert (back["n_replies"], back["n_disagree"], back["net_sign"]) == (1, 1, -1)
    assert back["neg_w"] == pytest.approx(0.3) and back["pos_w"] == 0.0
    assert list(net.edges.columns) == list(EDGE_COLUMNS)
    schema.validate(net.edges, "edges")


def test_left_out_reasons_are_counted_once_and_add_up():
    replies = H.scored([
        {"author": None, "parent_author": "bob", "label": "hostile"},                    # unknown author
        {"author": "ann", "parent_author": None, "label": "agree"},                      # unknown parent author
        {"author": "ann", "parent_author": "ann", "label": "neutral", "self_reply": True},  # self
        {"author": "ann", "parent_author": "bob", "label": "agree", "parent_source": "adjacency",
         "parent_confidence": 0.2},                                                      # low confidence
        {"author": "ann", "parent_author": "bob", "label": "agree", "parent_source": "quote",
         "parent_confidence": 0.9},                                                      # kept
        {"author": "cid", "parent_author": "bob", "label": "agree"},                     # kept
        {"author": None, "parent_author": None, "label": "agree"},                       # unknown author (first)
    ])
    net = author_network(replies, options=NetworkOptions(min_confidence=0.5, unknown_authors="drop"))
    c = net.counts
    assert c["replies"] == 7
    assert c["kept"] == 2
    assert (c["unknown_author"], c["unknown_parent_author"], c["self_reply"], c["low_confidence"]) == (2, 1, 1, 1)
    assert c["replies"] == c["kept"] + sum(c[r] for r in LEFT_OUT_REASONS)
    assert net.edges["n_replies"].sum() == c["kept"]
    # unknown authors are not vertices; known authors are, even with no kept edge
    assert sorted(net.graph.vs["name"]) == ["ann", "bob", "cid"]
    assert dict(zip(net.authors["author"], net.authors["n_comments"])) == {"ann": 4, "bob": 0, "cid": 1}


def test_self_replies_keep_and_root_edges_off():
    replies = H.scored([
        {"author": "ann", "parent_author": "ann", "label": "neutral", "self_reply": True},
        {"author": "ann", "parent_author": "op", "label": "agree", "to_root": True},
        {"author": "bob", "parent_author": "ann", "label": "agree"},
    ])
    kept = author_network(replies, options=NetworkOptions(self_replies="keep", root_edges=False))
    assert kept.counts["root_reply"] == 1 and kept.counts["self_reply"] == 0
    assert _edge(kept, "ann", "ann")["n_replies"] == 1
    assert kept.graph.ecount() == 2 and sum(kept.graph.is_loop()) == 1
    dropped = author_network(replies)
    assert dropped.counts["self_reply"] == 1 and dropped.counts["root_reply"] == 0
    assert _edge(dropped, "ann", "op")["n_agree"] == 1


def test_post_author_comes_from_threads_when_pairing_left_it_null():
    replies = H.scored([{"author": "ann", "parent_author": None, "label": "hostile", "to_root": True}])
    threads = schema.conform(pl.DataFrame({"site": ["test"], "thread_id": ["t1"], "author": ["op"]}), schema.THREADS)
    assert author_network(replies).counts["unknown_parent_author"] == 1
    net = author_network(replies, threads)
    assert _edge(net, "ann", "op")["n_hostile"] == 1
    assert net.counts["kept"] == 1


def test_mention_edges_add_edges_with_the_reply_stance():
    replies = H.scored([
        {"author": "ann", "parent_author": "bob", "label": "hostile", "text": "@cid and @bob, you are both wrong. @nobody @cid"},
        {"author": "cid", "parent_author": "bob", "label": "agree", "text": "email me at x@cid.com"},
        {"author": "bob", "parent_author": "cid", "label": "neutral", "text": "ok"},
    ])
    off = author_network(replies)
    assert off.counts["mention_edges"] == 0 and off.edges.height == 3
    on = author_network(replies, options=NetworkOptions(mention_edges=True))
    assert on.counts["mention_edges"] == 1            # @cid once; @bob is the parent; @nobody unknown
    e = _edge(on, "ann", "cid")
    assert (e["n_replies"], e["n_hostile"], e["n_mentions"]) == (1, 1, 1)
    assert on.edges["n_replies"].sum() == on.counts["kept"] + on.counts["mention_edges"]


def test_mentions_match_names_regardless_of_case_unless_ambiguous():
    replies = H.scored([
        {"author": "ann", "parent_author": "bob", "label": "agree", "text": "thanks @CID, and @Dee."},
        {"author": "cid", "parent_author": "ann", "label": "neutral", "text": "hi"},
        {"author": "dee", "parent_author": "ann", "label": "neutral", "text": "hi"},
        {"author": "Dee", "parent_author": "ann", "label": "neutral", "text": "hi"},
    ])
    net = author_network(replies, options=NetworkOptions(mention_edges=True))
    # @CID folds to cid; dee/Dee differ only by case, so @Dee means exactly "Dee"
    assert _edge(net, "ann", "cid")["n_mentions"] == 1
    assert _edge(net, "ann", "Dee")["n_mentions"] == 1
    assert net.edges.filter((pl.col("source") == "ann") & (pl.col("target") == "dee")).height == 0
    assert net.counts["mention_edges"] == 2


def test_graph_matches_edge_table():
    net = author_network(H.two_factions())
    g = net.graph
    assert g.is_directed()
    assert g.vs["name"] == sorted(g.vs["name"])
    assert g.ecount() == net.edges.height
    for e, row in zip(g.es, net.edges.iter_rows(named=True)):
        assert (g.vs[e.source]["name"], g.vs[e.target]["name"]) == (row["source"], row["target"])
        assert e["weight_sum"] == row["weight_sum"] and e["net_sign"] == row["net_sign"]


def test_input_not_mutated_and_deterministic():
    replies = H.two_factions()
    before = replies.clone()
    a = author_network(replies)
    b = author_network(replies.sample(fraction=1.0, shuffle=True, seed=3))
    assert_frame_equal(replies, before)
    assert_frame_equal(a.edges, b.edges)
    assert a.graph.vs["name"] == b.graph.vs["name"]


def test_options_are_checked_and_recorded():
    with pytest.raises(OptionError, match="self_replies"):
        NetworkOptions(self_replies="sometimes")
    with pytest.raises(OptionError, match="min_confidence"):
        NetworkOptions(min_confidence=2.0)
    with pytest.raises(OptionError, match="unknown_authors"):
        NetworkOptions(unknown_authors="merge")  # type: ignore[arg-type]
    d = NetworkOptions(mention_edges=True, min_confidence=0.3).options_dict()
    assert d == {"self_replies": "drop", "root_edges": True, "mention_edges": True, "min_confidence": 0.3,
                 "unknown_authors": "node"}


def test_unscored_replies_are_rejected():
    replies = H.two_factions().drop("weight")
    with pytest.raises(SchemaError, match="weight"):
        author_network(replies)


def test_empty_input_gives_an_empty_network():
    net = author_network(H.scored([]))
    assert net.graph.vcount() == 0 and net.edges.height == 0 and net.counts["replies"] == 0


_names = st.sampled_from(["ann", "bob", "cid", "dee", None])
_rows = st.lists(
    st.fixed_dictionaries({
        "author": _names, "parent_author": _names,
        "label": st.sampled_from(["agree", "neutral", "disagree", "hostile"]),
        "to_root": st.booleans(),
        "parent_source": st.sampled_from(["explicit", "adjacency", "quote"]),
        "parent_confidence": st.sampled_from([0.1, 0.5, 0.9]),
    }),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(rows=_rows, self_replies=st.sampled_from(["drop", "keep"]), root_edges=st.booleans(),
       min_confidence=st.sampled_from([0.0, 0.6]), unknown_authors=st.sampled_from(["node", "drop"]))
def test_every_reply_is_kept_or_counted(rows, self_replies, root_edges, min_confidence, unknown_authors):
    for r in rows:
        r["self_reply"] = r["author"] is not None and r["author"] == r["parent_author"]
    replies = H.scored(rows)   # parent ids name no comment here: an unknown parent author stays unknown
    opts = NetworkOptions(self_replies=self_replies, root_edges=root_edges, min_confidence=min_confidence,
                          unknown_authors=unknown_authors)
    net = author_network(replies, options=opts)
    c = net.counts
    assert c["replies"] == len(rows) == c["kept"] + sum(c[r] for r in LEFT_OUT_REASONS)
    assert net.edges["n_replies"].sum() == c["kept"]
    assert (net.edges["n_agree"] + net.edges["n_neutral"] + net.edges["n_disagree"]
            + net.edges["n_hostile"] == net.edges["n_replies"]).all()
    expected_kept = sum(
        1 for r in rows
        if (r["author"] is not None or unknown_authors == "node") and not (r["to_root"] and not root_edges)
        and r["parent_author"] is not None
        and not (r["self_reply"] and self_replies == "drop")
        and not (r["parent_source"] != "explicit" and r["parent_confidence"] < min_confidence)
    )
    assert c["kept"] == expected_kept
    assert set(net.graph.vs["name"]) == ({r["author"] for r in rows if r["author"]} | set(net.edges["target"])
                                         | set(net.edges["source"]))
    assert net.counts["anonymous_comments"] == sum(r["author"] is None for r in rows)
