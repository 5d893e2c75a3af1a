"""Factions: seeded exact partitions of small signed graphs, invariants, planted factions recovered."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from discourse.analysis import factions as F
from discourse.analysis.network import author_network
from discourse.errors import AnalysisError, ScorerError

_spec = importlib.util.spec_from_file_location("analysis_helpers", Path(__file__).parent.parent / "data/analysis/helpers.py")
H = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(H)


def _layers(replies: pl.DataFrame) -> tuple[F.SignedLayers, list[str]]:
    net = author_network(replies)
    return F.signed_layers(net.graph), net.graph.vs["name"]


def _by_name(names: list[str], membership: np.ndarray) -> dict[str, int]:
    return dict(zip(names, membership.tolist()))


def test_signed_layers_sum_both_directions_and_drop_loops():
    replies = H.pairs([("a", "b", "agree"), ("b", "a", "hostile"), ("b", "a", "hostile"), ("a", "c", "agree")])
    layers, names = _layers(replies)
    assert names == ["a", "b", "c"]
    assert layers.u.tolist() == [0, 0] and layers.v.tolist() == [1, 2]
    assert layers.w.tolist() == [1.0 - 2.0, 1.0]     # a-b: +1 -1 -1
    assert layers.pos.tolist() == [1.0, 1.0] and layers.neg.tolist() == [2.0, 0.0]
    assert layers.n.tolist() == [3, 1]


@pytest.mark.parametrize("method", ["leiden-cpm", "leiden-sponge", "signed-modularity", "spinglass"])
def test_two_triangles_with_hostility_between_split_exactly(method):
    layers, names = _layers(H.two_factions())
    m = F.partition(layers, method, seed=0)
    # by hand: {a,b,c} and {d,e,f}; equal sizes, so the one holding vertex 0 ("a") is faction 0
    assert _by_name(names, m) == {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 1}


def test_unsigned_methods_use_only_agreement():
    # the two triangles are joined only by hostile ties: the positive layer has two components
    layers, names = _layers(H.two_factions())
    for method in ("leiden", "louvain", "infomap", "label-propagation"):
        m = F.partition(layers, method, seed=1)
        assert _by_name(names, m) == {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 1}, method


def test_negative_ties_push_apart_even_when_dense():
    # four authors who all reply to each other; a-b and c-d agree, every cross pair is hostile
    e = [("a", "b", "agree"), ("b", "a", "agree"), ("c", "d", "agree"), ("d", "c", "agree")]
    e += [(x, y, "hostile") for x in "ab" for y in "cd"]
    layers, names = _layers(H.pairs(e))
    assert _by_name(names, F.partition(layers, "leiden-cpm")) == {"a": 0, "b": 0, "c": 1, "d": 1}


def test_canonical_numbers_by_size_then_first_member():
    assert F.canonical([7, 7, 3, 3, 3, 9]).tolist() == [1, 1, 0, 0, 0, 2]
    assert F.canonical([5, 2, 5, 2]).tolist() == [0, 1, 0, 1]
    assert F.canonical([]).tolist() == []


def test_every_author_in_exactly_one_faction_including_isolates():
    replies = H.pairs([("a", "b", "agree"), ("c", "c", "neutral"), ("d", "e", "hostile")])
    net = author_network(replies)
    layers = F.signed_layers(net.graph)
    for method in F.FACTION_METHODS:
        m = F.partition(layers, method, seed=0)
        assert m.shape == (net.graph.vcount(),), method
        assert (m >= 0).all() and set(m.tolist()) == set(range(m.max() + 1)), method
    m = _by_name(net.graph.vs["name"], F.partition(layers, "leiden-cpm"))
    assert m["a"] == m["b"] and m["d"] != m["e"] and len({m["a"], m["c"], m["d"], m["e"]}) == 4


def test_ensemble_is_deterministic_and_stability_in_range():
    layers, _ = _layers(H.two_factions())
    a = F.ensemble(layers, seed=4, runs=4)
    b = F.ensemble(layers, seed=4, runs=4)
    assert a.membership.tolist() == b.membership.tolist()
    assert a.stability.tolist() == b.stability.tolist()
    assert len(a.runs) == 4
    # every run finds the same two triangles, so every author is perfectly stable
    assert a.stability.tolist() == [1.0] * 6


def test_stability_is_the_mean_jaccard_with_the_consensus_faction():
    cons = np.array([0, 0, 0, 1])
    runs = [np.array([0, 0, 0, 1]), np.array([0, 0, 1, 1])]
    # run 2: vertex 0: |{0,1,2} & {0,1}| / |{0,1,2} | {0,1}| = 2/3; vertex 2: 1/4; vertex 3: 1/2
    s = F._stability(cons, runs)
    assert s.tolist() == pytest.approx([(1 + 2 / 3) / 2, (1 + 2 / 3) / 2, (1 + 1 / 4) / 2, (1 + 1 / 2) / 2])


def test_two_camps_by_the_leading_eigenvector():
    layers, names = _layers(H.two_factions())
    camps = _by_name(names, F.two_camps(layers))
    assert camps == {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 1}
    # an isolated author is outside the largest component
    layers, names = _layers(H.pairs([("a", "b", "agree"), ("b", "c", "hostile"), ("x", "y", "agree")]))
    assert _by_name(names, F.two_camps(layers)) == {"a": 0, "b": 0, "c": 1, "x": -1, "y": -1}


def test_nmi_values():
    assert F.nmi([0, 0, 1, 1], [5, 5, 9, 9]) == pytest.approx(1.0)
    assert F.nmi([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.0)
    # by hand: a = [0,0,1,1], b = [0,0,0,1]; H(a) = ln 2, H(b) = -(3/4 ln 3/4 + 1/4 ln 1/4),
    # I = 1/2 ln(1/2 / (1/2 * 3/4)) + 1/4 ln(1/4 / (1/2 * 3/4)) + 1/4 ln(1/4 / (1/2 * 1/4))
    ha, hb = np.log(2), -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))
    mi = 0.5 * np.log(0.5 / 0.375) + 0.25 * np.log(0.25 / 0.375) + 0.25 * np.log(0.25 / 0.125)
    assert F.nmi([0, 0, 1, 1], [0, 0, 0, 1]) == pytest.approx(mi / ((ha + hb) / 2))


def test_bad_method_and_spinglass_size_limit():
    layers, _ = _layers(H.two_factions())
    with pytest.raises(AnalysisError, match="unknown faction method 'kmeans'"):
        F.partition(layers, "kmeans")
    big = F.SignedLayers(F.SPINGLASS_MAX_VERTICES + 1, np.array([0]), np.array([1]), np.array([1.0]),
                         np.array([1.0]), np.array([0.0]), np.array([1]))
    with pytest.raises(AnalysisError, match="spinglass"):
        F.partition(big, "spinglass")


# -- planted factions from the shared generator ---------------------------------------------------
def _planted(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory, scorer: str) -> float:
    bench = H.bench_module()
    out = tmp_path_factory.mktemp("synth") / "synth20k"
    bench.generate(out, 20_000, factions=4, seed=0)
    replies = bench.replies_from_generator(out)
    replies = bench.truth_scored(replies) if scorer == "truth" else bench.scored(replies)
    net = author_network(replies)
    cons = F.ensemble(F.signed_layers(net.graph), "leiden-cpm", seed=0, runs=5)
    truth = pl.read_csv(out / "truth" / "factions.csv", schema_overrides={"author": pl.String})
    found = pl.DataFrame({"author": net.graph.vs["name"], "n": net.graph.vs["n_comments"],
                          "found": cons.membership})
    both = found.filter(pl.col("n") >= 5).join(truth.select("author", "faction"), on="author", how="inner")
    assert both.height > 300
    return F.nmi(both["found"].to_numpy(), both["faction"].to_numpy())


@pytest.mark.shared
def test_planted_factions_recovered_from_true_stances(shared_dir, tmp_path_factory):
    assert _planted(shared_dir, tmp_path_factory, "truth") >= 0.85


@pytest.mark.shared
def test_planted_factions_recovered_from_scored_stances(shared_dir, tmp_path_factory):
    try:
        value = _planted(shared_dir, tmp_path_factory, "scored")
    except ScorerError as err:
        pytest.skip(f"the fast stance scorer is not usable: {err}")
    assert value >= 0.8     # the fast lexical scorer; bench/bench_signs.py measures the default's


def test_two_camps_on_a_large_graph_uses_the_sparse_solver():
    # 2 x 250 authors (above the dense-solver limit): rings with chords of agreement in each camp,
    # hostility across; the split must follow the camps exactly
    k = 250
    e = []
    for camp in ("x", "y"):
        for i in range(k):
            e.append((f"{camp}{i:03d}", f"{camp}{(i + 1) % k:03d}", "agree"))
            e.append((f"{camp}{i:03d}", f"{camp}{(i + 7) % k:03d}", "agree"))
    e += [(f"x{i:03d}", f"y{(i * 3) % k:03d}", "hostile") for i in range(k)]
    layers, names = _layers(H.pairs(e))
    assert layers.n_vertices > 400
    camps = _by_name(names, F.two_camps(layers))
    assert {camps[n] for n in names if n.startswith("x")} == {0}     # x000 comes first: its camp is 0
    assert {camps[n] for n in names if n.startswith("y")} == {1}


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(F)
    assert result.attempted >= 3 and result.failed == 0


# -- issue 19: allies who never reply to each other ------------------------------------------------
def _allies_and_opponents():
    """Two groups that agree inside and never reply to each other, both hostile to a third."""
    e = []
    for group in ("abc", "def", "xyz"):
        e += [(p, q, "agree") for p in group for q in group if p < q]
    e += [(p, q, "hostile") for p in "abcdef" for q in "xyz" if (ord(p) + ord(q)) % 2 == 0]
    return H.pairs(e)


def test_correlation_clustering_leaves_allies_apart_sponge_groups_them():
    layers, names = _layers(_allies_and_opponents())
    cpm = _by_name(names, F.partition(layers, "leiden-cpm"))
    assert len({cpm[p] for p in "abcdef"}) == 2          # the failure the issue describes
    for seed in (0, 1, 2):
        m = _by_name(names, F.partition(layers, "leiden-sponge", seed=seed))
        assert len({m[p] for p in "abcdef"}) == 1, seed   # the enemy of my enemy
        assert len({m[p] for p in "xyz"}) == 1 and m["x"] != m["a"]


def test_sponge_never_joins_groups_that_are_hostile_to_each_other():
    # three groups, each hostile to both others: no grouping frustrates less than keeping them apart
    e = []
    for group in ("abc", "def", "xyz"):
        e += [(p, q, "agree") for p in group for q in group if p < q]
    e += [(p, q, "hostile") for g1, g2 in (("abc", "def"), ("abc", "xyz"), ("def", "xyz")) for p in g1 for q in g2]
    layers, names = _layers(H.pairs(e))
    m = _by_name(names, F.partition(layers, "leiden-sponge"))
    assert len({m[a] for a in "adx"}) == 3


def test_sponge_leaves_unconnected_discussions_apart():
    # two separate quarrels: nothing ties the first pair of groups to the second
    e = []
    for group in ("ab", "cd", "ef", "gh", "ij", "kl"):
        e += [(group[0], group[1], "agree"), (group[1], group[0], "agree")]
    e += [("a", "c", "hostile"), ("e", "c", "hostile"), ("g", "i", "hostile"), ("k", "i", "hostile")]
    layers, names = _layers(H.pairs(e))
    m = _by_name(names, F.partition(layers, "leiden-sponge"))
    assert m["a"] == m["e"] and m["g"] == m["k"]          # allies against c, allies against i
    assert m["a"] != m["g"] and m["c"] != m["i"]          # but the two quarrels stay apart


def test_sponge_is_deterministic_in_an_ensemble():
    layers, _ = _layers(_allies_and_opponents())
    a = F.ensemble(layers, "leiden-sponge", seed=4, runs=3)
    b = F.ensemble(layers, "leiden-sponge", seed=4, runs=3)
    assert np.array_equal(a.membership, b.membership) and np.array_equal(a.stability, b.stability)
