"""The signed directed triad census against an enumeration of every (A, B, X), hand-worked examples
of its predictions and surprises, and its place in analyse's metrics."""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from discourse.analysis import analyse, author_network
from discourse.analysis.figures import FigureInput, figure_input
from discourse.analysis.triads import TRIAD_TYPES, signed_triad_census, status_prediction

_spec = importlib.util.spec_from_file_location("analysis_helpers", Path(__file__).parent.parent / "data/analysis/helpers.py")
H = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(H)  # type: ignore[union-attr]


def _input(n: int, ties: dict[tuple[int, int], float]) -> FigureInput:
    src = np.array([a for a, _ in ties], dtype=np.int64)
    dst = np.array([b for _, b in ties], dtype=np.int64)
    w = np.array(list(ties.values()), dtype=float)
    ones = np.ones(src.size, dtype=np.int64)
    zeros = np.zeros(n, dtype=np.int64)
    return figure_input(n, src, dst, w, np.clip(w, 0, None), np.clip(-w, 0, None), ones, 0 * ones, zeros, zeros)


def _enumerated(n: int, ties: dict[tuple[int, int], float]) -> dict[tuple[str, int, str, int], list[int]]:
    """Every contextualized link listed: for each signed tie A->B and author X, each signed tie between
    A and X and between X and B in either direction; the A->B signs per type."""
    signed = {k: int(np.sign(v)) for k, v in ties.items() if v != 0}
    found: dict[tuple[str, int, str, int], list[int]] = {t: [] for t in TRIAD_TYPES}
    for (a, b), s in signed.items():
        for xx in range(n):
            if xx in (a, b):
                continue
            for ax, (u, v) in (("A->X", (a, xx)), ("X->A", (xx, a))):
                for xb, (p, q) in (("X->B", (xx, b)), ("B->X", (b, xx))):
                    if (u, v) in signed and (p, q) in signed:
                        found[ax, signed[u, v], xb, signed[p, q]].append(s)
    return found


@pytest.mark.parametrize("seed", range(6))
def test_census_matches_an_enumeration_of_every_triad(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 9
    pairs = [(a, b) for a, b in itertools.permutations(range(n), 2) if rng.random() < 0.45]
    ties = {p: float(rng.choice([1.0, -1.0, -0.5, 0.0, 2.0])) for p in pairs}
    census = signed_triad_census(_input(n, ties))
    found = _enumerated(n, ties)
    assert census["reason"] is None
    assert census["triads"] == sum(len(v) for v in found.values()) > 0
    by_type = {(t["a_x"], 1 if t["sign_a_x"] == "+" else -1, t["x_b"], 1 if t["sign_x_b"] == "+" else -1): t
               for t in census["types"]}
    assert set(by_type) == set(TRIAD_TYPES)
    agree_balance = agree_status = predicted = 0
    for key, signs in found.items():
        rec = by_type[key]
        assert rec["triads"] == len(signs)
        if signs:
            assert rec["positive_share"] == pytest.approx(sum(s > 0 for s in signs) / len(signs))
        else:
            assert rec["positive_share"] is None
        balance = key[1] * key[3]
        agree_balance += sum(s == balance for s in signs)
        status = status_prediction(*key)
        if status:
            predicted += len(signs)
            agree_status += sum(s == status for s in signs)
    assert census["balance_agreement"] == pytest.approx(agree_balance / census["triads"])
    assert census["status_agreement"] == pytest.approx(agree_status / predicted)


def test_predictions_of_balance_and_status() -> None:
    # A rates X above itself, X rates B above itself: B is above A, so A->B is predicted positive
    assert status_prediction("A->X", 1, "X->B", 1) == 1
    # X rates A below itself (X->A -) and B below itself (X->B -): A and B level, no prediction
    assert status_prediction("X->A", -1, "X->B", -1) == 0
    # A rates X below itself, B rates X above itself: X below A, B below X, so B below A: predicted -
    assert status_prediction("A->X", -1, "B->X", 1) == -1
    # X->A +: A above X; B->X -: B above X: level
    assert status_prediction("X->A", 1, "B->X", -1) == 0
    census = signed_triad_census(_input(3, {(0, 2): 1.0, (2, 1): -1.0, (0, 1): -1.0}))
    found = {(t["a_x"], t["sign_a_x"], t["x_b"], t["sign_x_b"]): t for t in census["types"] if t["triads"]}
    # each tie is a link with the third author as X:
    # 0->1 (-), X=2: A->X +, X->B -: balance predicts -, status levels A and B (X above A, B below X)
    # 0->2 (+), X=1: A->X -, B->X -: balance predicts +, status levels them (X below A, B above X)
    # 2->1 (-), X=0: X->A +, X->B -: balance predicts -, status too (A above X, B below X)
    assert set(found) == {("A->X", "+", "X->B", "-"), ("A->X", "-", "B->X", "-"), ("X->A", "+", "X->B", "-")}
    order = [("A->X", "+", "X->B", "-"), ("A->X", "-", "B->X", "-"), ("X->A", "+", "X->B", "-")]
    assert [found[k]["balance_predicts"] for k in order] == ["-", "+", "-"]
    assert [found[k]["status_predicts"] for k in order] == [None, None, "-"]
    assert [found[k]["positive_share"] for k in order] == [0.0, 1.0, 0.0]
    assert census["triads"] == 3 and census["balance_agreement"] == 1.0 and census["status_agreement"] == 1.0
    # the 2->1 tie positive instead: balance and status are both wrong on it
    census = signed_triad_census(_input(3, {(0, 2): 1.0, (2, 1): 1.0, (0, 1): -1.0}))
    assert census["status_agreement"] == 0.0


def test_surprises_by_hand() -> None:
    # authors 0 and 1 each send a positive tie to 3 and 4 and a positive tie to 2, and 2 sends negative
    # ties to 3 and 4; 0 and 1 also each send a negative tie to 5 (no triads)
    ties = {(0, 2): 1.0, (1, 2): 1.0, (2, 3): -1.0, (2, 4): -1.0, (0, 3): 1.0, (0, 4): 1.0, (1, 3): 1.0,
            (1, 4): 1.0, (0, 5): -1.0, (1, 5): -1.0}
    census = signed_triad_census(_input(6, ties))
    rec = next(t for t in census["types"]
               if (t["a_x"], t["sign_a_x"], t["x_b"], t["sign_x_b"]) == ("A->X", "+", "X->B", "-"))
    # links: A in {0, 1}, X = 2, B in {3, 4}: four, every A->B positive (balance predicted -)
    assert rec["triads"] == 4 and rec["positive_share"] == 1.0
    # p_g(0) = p_g(1) = 3/4 (three of four ties sent positive): (4 - 4 * 3/4) / sqrt(4 * 3/16) = 1 / sqrt(3/4)
    assert rec["generative_surprise"] == pytest.approx(1 / math.sqrt(0.75))
    # p_r(3) = p_r(4) = 2/3 (ties received from 0, 1 positive, from 2 negative)
    assert rec["receptive_surprise"] == pytest.approx((4 - 4 * 2 / 3) / math.sqrt(4 * 2 / 9))


def test_neutral_ties_take_no_part_and_big_threads_say_why(monkeypatch: pytest.MonkeyPatch) -> None:
    from discourse.analysis import triads

    census = signed_triad_census(_input(3, {(0, 2): 1.0, (2, 1): 0.0, (0, 1): -1.0}))
    assert census["triads"] == 0 and census["reason"] == "fewer than 3 signed ties"
    assert census["balance_agreement"] is None
    census = signed_triad_census(_input(4, {(0, 1): 1.0, (1, 2): 0.5, (2, 3): -1.0}))
    assert census["triads"] == 0 and "no signed tie" in census["reason"] and census["types"][0]["triads"] == 0
    assert signed_triad_census(_input(0, {}))["reason"] == "fewer than 3 signed ties"
    monkeypatch.setattr(triads, "TRIAD_MAX_PATHS", 3)
    census = triads.signed_triad_census(_input(3, {(0, 2): 1.0, (2, 1): 1.0, (0, 1): 1.0}))
    assert census["types"] == [] and "two-step paths" in census["reason"]


def test_analyse_reports_the_census() -> None:
    rows = [("a", "b", 1.0), ("b", "c", 1.0), ("a", "c", 1.0), ("c", "d", -1.0), ("a", "d", -1.0),
            ("d", "b", -1.0), ("b", "a", 1.0)]
    replies = H.scored([{"author": a, "parent_author": b, "label": "agree" if w > 0 else "hostile", "weight": w}
                        for a, b, w in rows])
    network = author_network(replies)
    metrics = analyse(network, replies).metrics
    names = network.graph.vs["name"]
    ties = {(names.index(a), names.index(b)): w for a, b, w in rows}
    found = _enumerated(len(names), ties)
    assert metrics["triads"]["triads"] == sum(len(v) for v in found.values()) > 0
    assert "triads" in metrics["timings_s"]
