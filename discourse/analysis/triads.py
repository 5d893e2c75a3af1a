"""The signed directed triad census of a thread (Leskovec, Huttenlocher & Kleinberg 2010, "Signed
networks in social media", CHI).

A *contextualized link* is a signed tie A->B together with a third author X who has a signed tie with
both: one between A and X (A->X or X->A, + or -) and one between X and B (X->B or B->X, + or -), so
16 types. For each type the census counts the links and the share of them whose A->B tie is positive,
and sets that share against what each theory predicts:

* **balance** ignores directions: A->B carries the product of the two other signs (the enemy of my
  enemy is my friend).
* **status** reads a positive tie u->v as "v stands above u" and a negative one as "v stands below u":
  the two ties place B above A (A->B predicted +), below A (-), or level with A (no prediction).
* **generative surprise**: how far the number of positive A->B ties in a type is from what the
  generators A would give anyone, ``(k - sum p_g(A)) / sqrt(sum p_g(A)(1 - p_g(A)))``, where ``p_g(A)``
  is the positive share of A's signed ties sent; **receptive surprise** the same with ``p_r(B)``, the
  positive share of B's signed ties received. A surprise above 0 means more agreement than the authors'
  own habits explain (the paper's measure; above about 2 in size it is more than chance).

Counts come from sparse matrix products (one per type), evaluated only on the existing A->B ties; a
reciprocated pair A<->X takes part in both of its directions' types. Neutral ties (a summed weight of
0) have no sign and take no part. Threads whose two-step paths exceed :data:`TRIAD_MAX_PATHS` get a
``reason`` instead of numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from discourse.analysis.figures import FigureInput

__all__ = ["TRIAD_MAX_PATHS", "TRIAD_TYPES", "signed_triad_census"]

TRIAD_MAX_PATHS = 20_000_000
"""The census counts two-step paths through every author X in all four direction pairs: up to this many
(about a second); above it the census is skipped with its reason."""

TRIAD_TYPES: tuple[tuple[str, int, str, int], ...] = tuple(
    (ax, s1, xb, s2) for ax in ("A->X", "X->A") for s1 in (1, -1) for xb in ("X->B", "B->X") for s2 in (1, -1))
"""The 16 types as (direction between A and X, its sign, direction between X and B, its sign)."""


def _sign(s: int) -> str:
    return "+" if s > 0 else "-"


def status_prediction(ax: str, s1: int, xb: str, s2: int) -> int:
    """+1 when the two ties place B above A, -1 below, 0 level (status theory's sign for A->B)."""
    x_over_a = s1 if ax == "A->X" else -s1
    b_over_x = s2 if xb == "X->B" else -s2
    return int(np.sign(x_over_a + b_over_x))


def _surprise(k: float, p: np.ndarray, counts: np.ndarray) -> float | None:
    var = float(np.sum(counts * p * (1.0 - p)))
    if var <= 0.0:
        return None
    return float((k - float(np.sum(counts * p))) / np.sqrt(var))


def signed_triad_census(x: FigureInput) -> dict[str, Any]:
    """The 16 contextualized-link types of ``x``'s signed directed ties (see the module's docstring):
    ``{"types": [...], "triads", "balance_agreement", "status_agreement", "reason"}``. Each type:
    ``a_x, sign_a_x, x_b, sign_x_b, triads, positive_share, balance_predicts, status_predicts,
    generative_surprise, receptive_surprise``. ``balance_agreement`` is the share of all contextualized
    links whose sign is the one balance predicts, ``status_agreement`` the same over the links status
    makes a prediction for."""
    n = x.n_vertices
    sign = np.sign(x.w).astype(np.int64)
    keep = (sign != 0) & (x.src != x.dst)
    src, dst, sign = x.src[keep], x.dst[keep], sign[keep]
    out: dict[str, Any] = {"types": [], "triads": 0, "balance_agreement": None, "status_agreement": None,
                           "reason": None}
    if src.size < 3:
        out["reason"] = "fewer than 3 signed ties"
        return out
    degree = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    paths = int(np.sum(degree.astype(np.int64) ** 2))
    if paths > TRIAD_MAX_PATHS:
        out["reason"] = (f"{paths} two-step paths, more than the {TRIAD_MAX_PATHS} counted here "
                         "(the products grow with the squares of the hubs' degrees)")
        return out
    positive = sign > 0
    sent = np.bincount(src, minlength=n)
    received = np.bincount(dst, minlength=n)
    p_g = np.divide(np.bincount(src, weights=positive, minlength=n), sent, out=np.zeros(n), where=sent > 0)
    p_r = np.divide(np.bincount(dst, weights=positive, minlength=n), received, out=np.zeros(n), where=received > 0)
    ties = {s: sparse.csr_matrix((np.ones(int((sign == s).sum())), (src[sign == s], dst[sign == s])), shape=(n, n))
            for s in (1, -1)}
    oriented = {("A->X", s): ties[s] for s in (1, -1)} | {("X->A", s): ties[s].T.tocsr() for s in (1, -1)}
    oriented |= {("X->B", s): ties[s] for s in (1, -1)} | {("B->X", s): ties[s].T.tocsr() for s in (1, -1)}
    total = agree_balance = predicted = agree_status = 0.0
    for ax, s1, xb, s2 in TRIAD_TYPES:
        counts = np.asarray((oriented[ax, s1] @ oriented[xb, s2])[src, dst]).ravel()
        k_all = float(counts.sum())
        k_pos = float(counts[positive].sum())
        balance, status = s1 * s2, status_prediction(ax, s1, xb, s2)
        total += k_all
        agree_balance += k_pos if balance > 0 else k_all - k_pos
        if status:
            predicted += k_all
            agree_status += k_pos if status > 0 else k_all - k_pos
        out["types"].append({
            "a_x": ax, "sign_a_x": _sign(s1), "x_b": xb, "sign_x_b": _sign(s2), "triads": int(k_all),
            "positive_share": k_pos / k_all if k_all else None,
            "balance_predicts": _sign(balance), "status_predicts": _sign(status) if status else None,
            "generative_surprise": _surprise(k_pos, p_g[src], counts),
            "receptive_surprise": _surprise(k_pos, p_r[dst], counts),
        })
    out["triads"] = int(total)
    out["balance_agreement"] = agree_balance / total if total else None
    out["status_agreement"] = agree_status / predicted if predicted else None
    if not total:
        out["reason"] = "no signed tie A->B has a third author tied to both A and B"
    return out
