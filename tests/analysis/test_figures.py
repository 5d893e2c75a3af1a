"""Thread figures computed by hand on small signed graphs, their minimum sizes, and null models."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from statistics import NormalDist

import numpy as np
import polars as pl
import pytest

from discourse.analysis import analyse, figures_by_thread, thread_figures
from discourse.analysis import figures as FG
from discourse.analysis import nullmodels as NM
from discourse.analysis.network import author_network
from discourse.options import OptionError

_spec = importlib.util.spec_from_file_location("analysis_helpers", Path(__file__).parent.parent / "data/analysis/helpers.py")
H = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(H)


def _input(n, ties, membership, camps=None, n_hostile=None, n_replies=None):
    """FigureInput from (src, dst, weight) ties."""
    src = np.array([t[0] for t in ties], dtype=np.int64)
    dst = np.array([t[1] for t in ties], dtype=np.int64)
    w = np.array([t[2] for t in ties], dtype=float)
    nr = np.ones(len(ties), dtype=np.int64) if n_replies is None else np.asarray(n_replies)
    nh = (w < 0).astype(np.int64) if n_hostile is None else np.asarray(n_hostile)
    return FG.figure_input(n, src, dst, w, np.clip(w, 0, None), np.clip(-w, 0, None), nr, nh,
                           np.asarray(membership), np.full(n, -1) if camps is None else np.asarray(camps))


def test_two_factions_figures_by_hand():
    figs = thread_figures(author_network(H.two_factions()))
    v = {k: r["value"] for k, r in figs.items()}
    assert v["reciprocity"] == 0.0                        # no pair answers back
    assert v["hostility_share"] == pytest.approx(2 / 8)
    assert v["ei_positive"] == -1.0 and v["ei_negative"] == 1.0
    assert v["modularity"] == pytest.approx(0.5)          # two disjoint triangles: 1 - 2 * (1/2)^2
    # Q+ = 0.5, Q- = 0 - 2 * (1/2)^2 = -0.5; (6 * 0.5 - 2 * -0.5) / 8
    assert v["signed_modularity"] == pytest.approx(0.5)
    assert v["frustration"] == 0.0
    # too small for these: each says why
    assert figs["triangle_balance"]["reason"] == "fewer than 3 triangles"
    assert figs["outgroup_hostility"]["reason"] == "fewer than 5 replies across factions"
    assert figs["rwc"]["value"] is None and "at least 5 authors" in figs["rwc"]["reason"]
    assert figs["reciprocity"]["reason"] == "no null replicates requested"
    assert figs["hostility_share"]["reason"].startswith("descriptive")


def test_reciprocity_counts_answered_ties():
    x = _input(3, [(0, 1, 1.0), (1, 0, -1.0), (0, 2, 1.0), (2, 2, 1.0)], [0, 0, 0])
    assert FG.reciprocity(x) == (pytest.approx(2 / 3), None)     # the self-loop is dropped


def test_triangle_balance_on_k4():
    ties = [(0, 1, 1), (0, 2, 1), (0, 3, -1), (1, 2, 1), (1, 3, -1), (2, 3, -1)]
    assert FG.triangle_balance(_input(4, ties, [0, 0, 0, 1]))[0] == 1.0    # {0,1,2} vs {3}: all balanced
    ties[-1] = (2, 3, 1)                                                   # 023 and 123 become +-+
    assert FG.triangle_balance(_input(4, ties, [0, 0, 0, 1]))[0] == pytest.approx(0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_triangle_balance_matches_brute_force(seed):
    # random signed graphs, both directions and zero-sum pairs included; every triple checked by hand
    rng = np.random.default_rng(seed)
    n = 14
    ties = [(int(a), int(b), float(rng.choice([-2.0, -1.0, 1.0, 2.0])))
            for a in range(n) for b in range(n) if a != b and rng.random() < 0.3]
    x = _input(n, ties, [0] * n)
    w = np.zeros((n, n))
    for a, b, s in ties:
        w[min(a, b), max(a, b)] += s
    sign = np.sign(w + w.T)
    balanced = total = 0
    for a in range(n):
        for b in range(a + 1, n):
            for c in range(b + 1, n):
                prod = sign[a, b] * sign[b, c] * sign[a, c]
                if prod != 0:
                    total += 1
                    balanced += prod > 0
    assert total >= 3
    assert FG.triangle_balance(x)[0] == pytest.approx(balanced / total, abs=1e-12)


def test_frustration_and_ei_by_hand():
    # factions {0,1} {2,3}: 0-1 negative inside (frustrated), 1-2 positive across (frustrated),
    # 2-3 positive inside, 0-3 negative across
    x = _input(4, [(0, 1, -1), (1, 2, 1), (2, 3, 1), (0, 3, -1)], [0, 0, 1, 1])
    assert FG.frustration(x) == (pytest.approx(2 / 4), None)
    assert FG.ei_positive(x)[0] == pytest.approx((1 - 1) / 2)
    assert FG.ei_negative(x)[0] == pytest.approx((1 - 1) / 2)


def test_outgroup_hostility_log_odds():
    # across: 10 replies, 6 hostile; within: 20 replies, 2 hostile
    x = _input(4, [(0, 2, -1), (1, 0, 1)], [0, 0, 1, 1], n_replies=[10, 20], n_hostile=[6, 2])
    expected = math.log((6.5 / 4.5) / (2.5 / 18.5))
    assert FG.outgroup_hostility(x) == (pytest.approx(expected), None)


def test_boundary_polarization_by_hand():
    ties = [(0, 1, 1), (0, 2, 1), (1, 2, 1), (2, 3, 1), (3, 4, 1),
            (5, 6, 1), (6, 7, 1), (7, 8, 1), (8, 9, 1), (5, 7, 1),
            (0, 5, -1), (3, 8, -1)]
    camps = [0] * 5 + [1] * 5
    x = _input(10, ties, camps, camps=camps)
    # boundary authors 0, 3, 5, 8 each have two ties to internal authors and one across: 2/3 - 1/2
    assert FG.boundary_polarization(x) == (pytest.approx(1 / 6), None)


def _dense_rwc(n, edges, side, hubs):
    """Absorbing random walks solved densely: an independent check of the RWC implementation."""
    a = np.zeros((n, n))
    for u, v in edges:
        a[u, v] = a[v, u] = 1
    p = a / a.sum(1, keepdims=True)
    free = [i for i in range(n) if i not in hubs]
    ends = {}
    for s in (0, 1):
        target = np.array([1.0 if (i in hubs and side[i] == s) else 0.0 for i in range(n)])
        h = target.copy()
        q = p[np.ix_(free, free)]
        h[free] = np.linalg.solve(np.eye(len(free)) - q, p[free] @ target)
        ends[s] = h
    prob = {(st, en): ends[en][np.asarray(side) == st].sum() / ends[en].sum() for st in (0, 1) for en in (0, 1)}
    return prob[0, 0] * prob[1, 1] - prob[0, 1] * prob[1, 0]


def test_random_walk_controversy_matches_a_dense_solution():
    # two 6-cliques of agreement joined by one agreeing tie 5-6 (the bridge ends are the hubs)
    edges = [(i, j) for i in range(6) for j in range(i + 1, 6)] + [(i, j) for i in range(6, 12) for j in range(i + 1, 12)]
    edges += [(5, 6), (0, 7)]
    side = [0] * 6 + [1] * 6
    x = _input(12, [(u, v, 1.0) for u, v in edges], side, camps=side)
    value, why = FG.random_walk_controversy(x)
    assert why is None
    # hubs: the highest-degree author of each camp (ties by index): 0 and 5 have 6 ties, 6 and 7 too
    assert value == pytest.approx(_dense_rwc(12, edges, side, hubs={0, 6}), abs=1e-6)
    assert 0.5 < value < 1.0


def test_summarise_builds_the_published_record():
    rec = NM.summarise(2.0, None, [0.0, 1.0, 2.0, 3.0], "rewire", 4)
    sd = math.sqrt(((1.5) ** 2 * 2 + 0.5 ** 2 * 2) / 3)
    assert rec["null_mean"] == 1.5 and rec["null_sd"] == pytest.approx(sd)
    # z: the normal quantile of the mid-rank (2 below, 1 equal: (2 + 1/2 + 1/2) / 5 = 0.6)
    assert rec["z"] == pytest.approx(NormalDist().inv_cdf(0.6))
    # interval: order statistics at 0.025 * 5 and 0.975 * 5, clamped to the sample's range
    assert rec["interval"] == pytest.approx([0.0, 3.0])
    far = NM.summarise(30.0, None, [0.0, 1.0, 2.0, 3.0], "rewire", 4)
    assert far["z"] == pytest.approx(28.5 / sd)   # beyond every null value: the standardised distance
    assert rec["replicates"] == 4 and rec["null"] == "rewire" and rec["reason"] is None
    flat = NM.summarise(1.0, None, [1.0, 1.0, 1.0], "sign", 3)
    assert flat["z"] is None and "do not vary" in flat["reason"]
    missing = NM.summarise(None, "fewer than 3 triangles", None, "sign", 10)
    assert missing["value"] is None and missing["reason"] == "fewer than 3 triangles"


def _calibration(draws: np.ndarray) -> tuple[float, float, float]:
    """Shares of |z| > 1.96, of values inside the interval, and of |standardised distance| > 1.96, for
    rows whose first value is exchangeable with the rest (the replicates)."""
    beyond = inside = naive = used = 0
    for row in draws:
        value, null = float(row[0]), row[1:]
        rec = NM.summarise(value, None, null.tolist(), "sign", null.size)
        if rec["z"] is None:
            continue
        used += 1
        beyond += abs(rec["z"]) > 1.96
        inside += rec["interval"][0] <= value <= rec["interval"][1]
        naive += abs((value - null.mean()) / null.std(ddof=1)) > 1.96
    return beyond / used, inside / used, naive / used


def test_z_and_interval_are_calibrated_whatever_the_null_looks_like():
    """Regression (issue 19): z was the standardised distance, which assumes a normal null: on discrete
    nulls with few values (figures of small graphs) it passed 1.96 in 8-9% of exchangeable draws, and
    np.quantile's interval held them 92% of the time at 60 replicates. A value exchangeable with the
    replicates must pass 1.96 at most 5-7% of the time and fall inside the interval 93-97%."""
    rng = np.random.default_rng(3)
    beyond, inside, naive = _calibration(rng.lognormal(0.0, 1.5, (3000, 61)))   # skewed, continuous
    assert 0.03 <= beyond <= 0.07 and 0.93 <= inside <= 0.97
    beyond, inside, naive = _calibration(rng.poisson(0.2, (3000, 61)).astype(float))   # discrete, ties
    assert naive > 0.07                    # what the standardised distance gave
    assert beyond <= 0.07 and inside >= 0.93


def test_null_models_keep_what_they_promise():
    ties = [(i, (i * 7 + 3) % 20, (-1.0) ** i * (1 + i % 3)) for i in range(20)]
    x = _input(20, ties, np.arange(20) % 2)
    rng = np.random.default_rng(1)
    y = NM.sign_permuted(x, rng)
    assert (y.src == x.src).all() and (y.dst == x.dst).all()
    assert sorted(y.w.tolist()) == sorted(x.w.tolist())
    r = NM.rewired(x, rng)
    assert (np.bincount(r.src, minlength=20) <= np.bincount(x.src, minlength=20)).all()
    # every tie keeps its source; ties that became loops were dropped, from both degree counts
    lost_out = np.bincount(x.src, minlength=20) - np.bincount(r.src, minlength=20)
    lost_in = np.bincount(x.dst, minlength=20) - np.bincount(r.dst, minlength=20)
    assert (lost_out == lost_in).all() and r.src.size == 20 - lost_out.sum()


def _polarized(k=8):
    """Two camps of k authors: agreement inside (a ring plus chords), hostility across."""
    e = []
    for camp in ("x", "y"):
        for i in range(k):
            e.append((f"{camp}{i}", f"{camp}{(i + 1) % k}", "agree"))
            e.append((f"{camp}{i}", f"{camp}{(i + 3) % k}", "agree"))
    for i in range(k):
        e.append((f"x{i}", f"y{(i * 3) % k}", "hostile"))
        e.append((f"y{i}", f"x{(i * 5) % k}", "hostile"))
    return H.pairs(e)


def test_analyse_with_null_models_gives_z_scores_and_is_deterministic():
    net = author_network(_polarized())
    a = analyse(net, null_models=6, seed=2, runs=2)
    b = analyse(net, null_models=6, seed=2, runs=2)
    assert a.metrics["figures"] == b.metrics["figures"]
    figs = a.metrics["figures"]
    assert figs["frustration"]["value"] == 0.0
    assert figs["outgroup_hostility"]["value"] > 3
    assert figs["signed_modularity"]["replicates"] == 6 and figs["signed_modularity"]["z"] > 2
    assert figs["modularity"]["null"] == "rewire" and figs["modularity"]["replicates"] == 6
    lo, hi = figs["signed_modularity"]["interval"]
    assert lo <= figs["signed_modularity"]["null_mean"] <= hi
    json.dumps(a.metrics, allow_nan=False)
    assert a.metrics["null_models"]["replicates"] == 6
    assert sorted(set(a.nodes["community"].to_list())) == [0, 1]


def test_figures_by_thread_matches_thread_figures():
    one, two = _polarized(), H.two_factions().with_columns(pl.lit("t2").alias("thread_id"))
    replies = pl.concat([one, two])
    table = figures_by_thread(replies)
    assert table.height == 2 * len(FG.FIGURES)
    assert table["thread_id"].unique(maintain_order=True).to_list() == ["t1", "t2"]
    direct = thread_figures(author_network(two))
    got = dict(table.filter(pl.col("thread_id") == "t2").select("figure", "value").iter_rows())
    assert got == {k: r["value"] for k, r in direct.items()}


def test_bad_analysis_options_raise():
    net = author_network(H.two_factions())
    with pytest.raises(OptionError, match=r"'null_models'.*at least 0"):
        analyse(net, null_models=-1)
    with pytest.raises(OptionError, match=r"'method'.*'leiden-cpm'.*got 'magic'"):
        thread_figures(net, method="magic")


def test_faction_summaries_by_hand():
    # two_factions: each triangle sends 3 agreeing replies inside and 1 hostile reply across
    m = analyse(author_network(H.two_factions()), runs=1).metrics
    assert [f["authors"] for f in m["factions"]] == [3, 3]
    for f in m["factions"]:
        assert (f["replies_within"], f["replies_across"]) == (3, 1)
        assert (f["hostile_share_within"], f["hostile_share_across"]) == (0.0, 1.0)
        assert f["comments"] == 4 and len(f["top_authors"]) == 3
    assert set(m["factions"][0]["top_authors"]) == {"a", "b", "c"}


@pytest.mark.shared
def test_planted_polarization_stands_out_from_the_null_models(shared_dir, tmp_path):
    bench = H.bench_module()
    out = bench.generate(tmp_path / "synth", 20_000, factions=4, seed=0)
    net = author_network(bench.truth_scored(bench.replies_from_generator(out)))
    figs = thread_figures(net, null_models=4, seed=0)
    # four factions that agree inside and fight across: far more structure and balance than
    # shuffled signs or rewired ties give, even with the factions re-found on every replicate
    for name in ("signed_modularity", "triangle_balance", "rwc", "outgroup_hostility", "modularity"):
        assert figs[name]["z"] > 5, name
    assert figs["frustration"]["z"] < -5
    assert figs["ei_negative"]["value"] > figs["ei_negative"]["null_mean"]
