"""Null replicates are partitioned as the observed network is, rewired replicates stay simple, a
summed weight of about zero is no tie, and quality totals sum the sizes threads report."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from discourse.analysis import analyse, author_network
from discourse.analysis import core as core_module
from discourse.analysis.figures import figure_input
from discourse.analysis.nullmodels import rewired
from discourse.quality import QualityReport

_spec = importlib.util.spec_from_file_location("analysis_helpers", Path(__file__).parent.parent / "data/analysis/helpers.py")
H = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(H)  # type: ignore[union-attr]


def test_null_replicates_run_the_observed_ensemble(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = core_module.ensemble

    def counting(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        calls.append(int(kwargs["runs"]))  # type: ignore[call-overload]
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(core_module, "ensemble", counting)
    analyse(author_network(H.two_factions()), runs=3, null_models=4)
    # the observed network once, then every null replicate of both null models, all with 3 runs
    assert len(calls) > 1 and set(calls) == {3}


def test_rewired_replicates_keep_degrees_and_stay_simple() -> None:
    rng = np.random.default_rng(5)
    n, m = 60, 400
    pairs = sorted({(int(a), int(b)) for a, b in rng.integers(0, n, (m, 2)) if a != b})
    src, dst = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    ones = np.ones(src.size)
    x = figure_input(n, src, dst, ones, ones, 0 * ones, ones.astype(int), 0 * ones.astype(int),
                     np.zeros(n, dtype=int), np.zeros(n, dtype=int))
    y = rewired(x, np.random.default_rng(1))
    ties = list(zip(y.src.tolist(), y.dst.tolist()))
    assert len(set(ties)) == len(ties) == len(pairs)                  # no repeated tie, none lost
    assert all(a != b for a, b in ties)                                # no self-loop
    assert (np.bincount(y.src, minlength=n) == np.bincount(src, minlength=n)).all()
    assert (np.bincount(y.dst, minlength=n) == np.bincount(dst, minlength=n)).all()
    assert (y.dst != dst).mean() > 0.5                                 # and it did rewire
    again = rewired(x, np.random.default_rng(1))
    assert (again.dst == y.dst).all()                                  # seeded


def test_a_summed_weight_of_about_zero_is_no_tie() -> None:
    """Partial edges summed by the stream engine: 0.1 + 0.2 then - 0.3 leaves 5.6e-17, no positive tie."""
    from discourse.analysis.network import net_sign
    from discourse.engines import combine_edges

    assert pl.DataFrame({"w": [5.6e-17, -3e-12, 0.0, 0.25, -0.5]}).select(net_sign(pl.col("w")))["net_sign"].to_list() \
        == [0, 0, 0, 1, -1]
    base = author_network(H.scored([{"author": "a", "parent_author": "b", "label": "agree", "weight": 0.1}])).edges
    parts = [base.with_columns(pl.lit(w).alias("weight_sum"), pl.lit(max(w, 0.0)).alias("pos_w"),
                               pl.lit(max(-w, 0.0)).alias("neg_w")) for w in (0.1 + 0.2, -0.3)]
    edges = combine_edges(parts)
    assert edges["weight_sum"][0] != 0.0 and abs(edges["weight_sum"][0]) < 1e-15
    assert edges["net_sign"].to_list() == [0]


def test_totals_sum_the_sizes_threads_report() -> None:
    q = QualityReport()
    q.add_read("se", "q1", 100)
    q.thread("se", "q1").reported = 400
    q.add_read("se", "q2", 227)
    q.thread("se", "q2").reported = 685
    q.add_read("se", "q3", 10)               # says nothing about its size: left out of coverage
    t = q.totals()
    assert t["reported"] == 1085
    assert t["coverage"] == pytest.approx(327 / 1085, abs=1e-4)
    assert pl.DataFrame(q.to_dict()["threads"]).height == 3


def _guerra_by_hand(n: int, ties: set[tuple[int, int]], camp: list[int]) -> float | None:
    """Guerra et al. 2013 written out node by node from the paper's definitions."""
    nbrs: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in ties:
        nbrs[a].add(b)
        nbrs[b].add(a)
    internal = {i for i in range(n) if camp[i] >= 0 and all(camp[j] == camp[i] for j in nbrs[i])}
    boundary = {i for i in range(n) if camp[i] >= 0 and i not in internal
                and any(camp[j] == camp[i] and j in internal for j in nbrs[i])}
    if len(boundary) < 3:
        return None
    terms = []
    for i in boundary:
        d_i = sum(1 for j in nbrs[i] if camp[j] == camp[i] and j in internal)
        d_b = sum(1 for j in nbrs[i] if camp[j] >= 0 and camp[j] != camp[i] and j in boundary)
        terms.append(d_i / (d_i + d_b) - 0.5)
    return sum(terms) / len(terms)


@pytest.mark.parametrize("seed", range(12))
def test_boundary_polarization_follows_guerra_et_al(seed: int) -> None:
    from discourse.analysis.figures import boundary_polarization

    rng = np.random.default_rng(seed)
    n = 24
    camp = [0] * 12 + [1] * 12
    ties: set[tuple[int, int]] = set()
    while len(ties) < 60:
        a, b = (int(i) for i in rng.integers(0, n, 2))
        same = camp[a] == camp[b]
        if a != b and (same or rng.random() < 0.25):      # mostly inside the camps
            ties.add((min(a, b), max(a, b)))
    src = np.array([a for a, _ in ties])
    dst = np.array([b for _, b in ties])
    ones = np.ones(src.size)
    x = figure_input(n, src, dst, ones, ones, 0 * ones, ones.astype(int), 0 * ones.astype(int),
                     np.zeros(n, dtype=int), np.array(camp))
    value, _ = boundary_polarization(x)
    expected = _guerra_by_hand(n, ties, camp)
    assert (value is None) == (expected is None)
    if expected is not None:
        assert value == pytest.approx(expected)


def test_boundary_polarization_is_high_on_a_polarized_graph() -> None:
    """Two dense camps joined by a few ties between their edges: boundary authors lean inward."""
    from discourse.analysis.figures import boundary_polarization

    rng = np.random.default_rng(3)
    ties = set()
    for base in (0, 20):
        for _ in range(80):
            a, b = (int(i) + base for i in rng.integers(0, 20, 2))
            if a != b:
                ties.add((min(a, b), max(a, b)))
    ties |= {(i, 20 + i) for i in range(5)}
    src, dst = np.array([a for a, _ in ties]), np.array([b for _, b in ties])
    ones = np.ones(src.size)
    x = figure_input(40, src, dst, ones, ones, 0 * ones, ones.astype(int), 0 * ones.astype(int),
                     np.zeros(40, dtype=int), np.array([0] * 20 + [1] * 20))
    value, _ = boundary_polarization(x)
    assert value is not None and value > 0.3


def test_frustration_of_the_factions_and_of_the_two_camps_by_hand() -> None:
    from discourse.analysis.figures import frustration, frustration_camps

    # ties 0-1 +, 1-2 -, 0-2 -, 2-3 +, 3-4 -: factions {0,1,2} {3,4}; camps {0,1} {2,3,4}
    src, dst = np.array([0, 1, 0, 2, 3]), np.array([1, 2, 2, 3, 4])
    w = np.array([1.0, -1.0, -1.0, 1.0, -1.0])
    x = figure_input(5, src, dst, w, np.clip(w, 0, None), np.clip(-w, 0, None), np.ones(5, dtype=int),
                     np.zeros(5, dtype=int), np.array([0, 0, 0, 1, 1]), np.array([0, 0, 1, 1, 1]))
    # factions: 1-2 and 0-2 negative inside, 2-3 positive across, 3-4 negative inside -> 4 of 5
    assert frustration(x) == (pytest.approx(4 / 5), None)
    # camps: only 3-4 (negative inside camp 1) is frustrated -> 1 of 5
    assert frustration_camps(x) == (pytest.approx(1 / 5), None)


def test_status_consistency_by_hand() -> None:
    from discourse.analysis.figures import status_consistency

    # triads a->b->c with a->c: (+,+,+) consistent, (-,-,-) consistent, (+,+,-) not; (+,-,x) predicts nothing
    src = np.array([0, 1, 0, 3, 4, 3, 6, 7, 6, 9, 10, 9])
    dst = np.array([1, 2, 2, 4, 5, 5, 7, 8, 8, 10, 11, 11])
    w = np.array([1, 1, 1, -1, -1, -1, 1, 1, -1, 1, -1, 1], dtype=float)
    ones = np.ones(src.size)
    x = figure_input(12, src, dst, w, np.clip(w, 0, None), np.clip(-w, 0, None), ones.astype(int),
                     0 * ones.astype(int), np.zeros(12, dtype=int), np.zeros(12, dtype=int))
    assert status_consistency(x) == (pytest.approx(2 / 3), None)


@pytest.mark.parametrize("n", [3, 6])
def test_pn_centrality_when_the_hostile_ties_form_a_complete_graph(n: int) -> None:
    """A = -2(J - I): the all-ones vector has eigenvalue -1 of A / (2n-2), the Neumann series
    alternates and used to stop at 1.0; the exact value is 1 / (1 - (-1)) = 0.5 for everyone."""
    from discourse.analysis.centrality import pn_centrality
    from discourse.analysis.factions import layers_from_arrays

    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    u, v = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    w = -np.ones(u.size)
    layers = layers_from_arrays(n, u, v, w, 0 * w, -w, np.ones(u.size, dtype=int))
    assert pn_centrality(layers) == pytest.approx(np.full(n, 0.5))


def test_a_figure_that_is_zero_up_to_rounding_is_published_as_zero() -> None:
    from discourse.analysis.nullmodels import summarise

    tiny = 0.1 + 0.2 - 0.3          # 5.55e-17: terms that cancel
    rec = summarise(tiny, None, [tiny, -tiny, 0.5, -0.5] * 10, "sign", 40)
    assert rec["value"] == 0.0 and rec["null_mean"] == 0.0
    assert summarise(1e-6, None, None, None, 0)["value"] == 1e-6     # small but real stays as it is
