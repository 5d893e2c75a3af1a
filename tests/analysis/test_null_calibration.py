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
