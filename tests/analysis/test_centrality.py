"""Key actors: signed degrees and strengths, status, PN centrality, betweenness, roles."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

from discourse.analysis import analyse
from discourse.analysis import centrality as C
from discourse.analysis.factions import signed_layers
from discourse.analysis.network import author_network

_spec = importlib.util.spec_from_file_location("analysis_helpers", Path(__file__).parent.parent / "data/analysis/helpers.py")
H = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(H)


def _rows(replies, **kw):
    net = author_network(replies)
    table, notes = C.centralities(net.graph, signed_layers(net.graph), **kw)
    names = net.graph.vs["name"]
    return dict(zip(names, table.iter_rows(named=True))), notes


def _court():
    """boss is endorsed by p1..p3 and endorses p1; troll attacks p1..p3, troll2 attacks p2, p3."""
    e = [("p1", "boss", "agree"), ("p2", "boss", "agree"), ("p3", "boss", "agree"), ("boss", "p1", "agree"),
         ("troll", "p1", "hostile"), ("troll", "p2", "hostile"), ("troll", "p3", "hostile"),
         ("troll2", "p2", "hostile"), ("troll2", "p3", "hostile")]
    return H.pairs(e)


def test_degrees_and_strengths_split_by_sign():
    replies = H.pairs([("a", "b", "agree"), ("a", "b", "hostile"), ("a", "b", "hostile"),  # a->b net -1
                       ("c", "b", "agree"), ("b", "c", "disagree")])
    rows, _ = _rows(replies)
    b = rows["b"]
    assert (b["in_degree"], b["out_degree"]) == (2, 1)
    assert (b["in_pos_degree"], b["in_neg_degree"], b["out_pos_degree"], b["out_neg_degree"]) == (1, 1, 0, 1)
    assert b["in_pos_strength"] == pytest.approx(2.0)       # 1 from a, 1 from c
    assert b["in_neg_strength"] == pytest.approx(2.0)       # two hostile replies from a
    assert b["out_neg_strength"] == pytest.approx(0.5)      # one disagree to c
    # status = in+ + out- - in- - out+ = 2 + 0.5 - 2 - 0
    assert b["status"] == pytest.approx(0.5)
    assert rows["a"]["status"] == pytest.approx(0 + 2 - 0 - 1)


def test_pn_centrality_matches_the_matrix_inverse():
    replies = _court()
    net = author_network(replies)
    layers = signed_layers(net.graph)
    n = net.graph.vcount()
    idx = {name: i for i, name in enumerate(net.graph.vs["name"])}
    a = np.zeros((n, n))
    for x, y in [("p1", "boss"), ("p2", "boss"), ("p3", "boss")]:
        a[idx[x], idx[y]] = a[idx[y], idx[x]] = 1.0                       # boss-p1 is one positive tie
    for x, y in [("troll", "p1"), ("troll", "p2"), ("troll", "p3"), ("troll2", "p2"), ("troll2", "p3")]:
        a[idx[x], idx[y]] = a[idx[y], idx[x]] = -2.0
    expected = np.linalg.solve(np.eye(n) - a / (2 * n - 2), np.ones(n))
    assert C.pn_centrality(layers) == pytest.approx(expected, rel=1e-9)


def test_pn_centrality_of_a_two_person_quarrel_is_exact():
    """Regression: with two authors and a hostile tie, I - A / 2 is singular (the direct solve warned and
    gave nan); the system is consistent and PN is 1/2 each (x = 1 - x for each of the two)."""
    from discourse.analysis.factions import layers_from_arrays

    w = np.array([-1.0])
    layers = layers_from_arrays(2, np.array([0]), np.array([1]), w, np.clip(w, 0, None), np.clip(-w, 0, None),
                                np.ones(1, dtype=np.int64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert C.pn_centrality(layers) == pytest.approx([0.5, 0.5], abs=1e-12)


def test_hubs_and_authorities_of_hostility_and_pagerank_of_agreement():
    rows, _ = _rows(_court())
    assert max(rows, key=lambda n: rows[n]["neg_hub"]) == "troll"
    assert max(rows, key=lambda n: rows[n]["neg_authority"]) in ("p2", "p3")
    assert rows["p2"]["neg_authority"] == pytest.approx(rows["p3"]["neg_authority"])
    assert rows["boss"]["neg_hub"] == 0 and rows["boss"]["neg_authority"] == 0
    assert max(rows, key=lambda n: rows[n]["pagerank"]) == "boss"
    assert sum(r["pagerank"] for r in rows.values()) == pytest.approx(1.0)


def test_betweenness_exact_on_a_path():
    rows, notes = _rows(H.pairs([("a", "b", "agree"), ("b", "c", "hostile")]))
    assert notes == {"betweenness": "exact"}
    # normalised by the (n-1)(n-2)/2 = 1 pair that could pass through b
    assert [rows[n]["betweenness"] for n in "abc"] == [0.0, 1.0, 0.0]


def test_sampled_betweenness_with_every_source_equals_exact(monkeypatch):
    replies = _court()
    exact, _ = _rows(replies)
    monkeypatch.setattr(C, "EXACT_BETWEENNESS_MAX", 0)
    monkeypatch.setattr(C, "BETWEENNESS_SAMPLES", 1000)
    sampled, notes = _rows(replies)
    assert notes == {"betweenness": "sampled", "betweenness_sources": 6}
    for n in exact:
        assert sampled[n]["betweenness"] == pytest.approx(exact[n]["betweenness"])


def test_roles_on_a_hand_built_court():
    nodes = analyse(author_network(_court()), runs=1).nodes
    role = dict(zip(nodes["author"], nodes["role"]))
    assert role["boss"] == "leader"
    assert role["troll"] == "instigator" and role["troll2"] == "instigator"
    assert role["p2"] == "target" and role["p3"] == "target"
    assert role["p1"] != "target"                    # one attacker, and as much agreement as hostility
    roles = dict(zip(nodes["author"], nodes["roles"].to_list()))
    assert all(role[a] == r[0] for a, r in roles.items())


def test_isolates_and_peripheral_authors():
    replies = H.pairs([("a", "b", "agree"), ("c", "c", "neutral")])
    nodes = analyse(author_network(replies), runs=1).nodes
    role = dict(zip(nodes["author"], nodes["role"]))
    assert role == {"a": "peripheral", "b": "peripheral", "c": "isolate"}


def test_a_mutual_quarrel_is_two_peripheral_authors():
    nodes = analyse(author_network(H.pairs([("a", "b", "hostile"), ("b", "a", "hostile")])), runs=1).nodes
    assert dict(zip(nodes["author"], nodes["role"])) == {"a": "peripheral", "b": "peripheral"}
    assert nodes["n_neighbours"].to_list() == [1, 1]


def test_analyse_handles_an_empty_network():
    result = analyse(author_network(H.scored([])), null_models=2)
    assert result.nodes.height == 0 and result.membership.size == 0
    assert result.metrics["sizes"]["authors"] == 0
    assert all(rec["value"] is None and rec["reason"] for rec in result.metrics["figures"].values())


def test_self_loops_do_not_count_as_ties():
    from discourse.analysis.network import NetworkOptions

    replies = H.pairs([("c", "a", "hostile"), ("c", "c", "hostile"), ("a", "b", "agree")])
    net = author_network(replies, options=NetworkOptions(self_replies="keep"))
    rows = dict(zip(net.graph.vs["name"], C.centralities(net.graph, signed_layers(net.graph))[0].iter_rows(named=True)))
    assert (rows["c"]["out_degree"], rows["c"]["out_neg_degree"], rows["c"]["in_degree"]) == (1, 1, 0)
    assert rows["c"]["out_neg_strength"] == 1.0
