"""Key actors: centralities that respect the sign of each tie.

Standard scores break on negative weights, so each is computed on the layer where it means something:

- degree and strength split by sign (an edge counts as positive or negative by its ``net_sign``;
  strength sums ``pos_w`` and ``neg_w``), in and out; self-loops are not counted;
- PageRank on the positive layer (edge weight ``pos_w``): who is endorsed by the endorsed; computed
  here by power iteration in a fixed order (:func:`pagerank`), since igraph's PRPACK sums in OpenMP
  threads and its last bits changed from run to run;
- hub and authority scores on the negative layer (``neg_w``): hubs send hostility (instigators),
  authorities receive it (targets);
- betweenness on the undirected, unweighted structure: exact up to ``EXACT_BETWEENNESS_MAX``
  vertices, else estimated from a seeded sample of sources (metrics say which);
- status (Leskovec et al. 2010): positive in + negative out - negative in - positive out (strengths);
- PN centrality (Everett & Borgatti 2014) on the undirected signed graph (binary signs).
"""

from __future__ import annotations

import warnings
from typing import Any

import igraph as ig
import numpy as np
import polars as pl

from discourse.analysis.factions import SignedLayers, _IgraphSeed

__all__ = ["BETWEENNESS_SAMPLES", "EXACT_BETWEENNESS_MAX", "centralities", "pagerank", "pn_centrality"]

EXACT_BETWEENNESS_MAX = 5000
BETWEENNESS_SAMPLES = 64


def _degree_strength(graph: ig.Graph) -> pl.DataFrame:
    n = graph.vcount()
    if graph.ecount() == 0:
        ends = np.zeros((0, 2), dtype=np.int64)
    else:
        ends = np.asarray(graph.get_edgelist(), dtype=np.int64)
    sign = np.asarray(graph.es["net_sign"] if graph.ecount() else [], dtype=np.int64)
    pos = np.asarray(graph.es["pos_w"] if graph.ecount() else [], dtype=float)
    neg = np.asarray(graph.es["neg_w"] if graph.ecount() else [], dtype=float)
    # self-replies (kept with self_replies="keep") are not ties to another author: left out here
    other = ends[:, 0] != ends[:, 1]
    src, dst = ends[other, 0], ends[other, 1]
    sign, pos, neg = sign[other], pos[other], neg[other]

    def count(idx: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(idx[mask], minlength=n).astype(np.int64)

    def total(idx: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.bincount(idx, weights=w, minlength=n).astype(float)

    return pl.DataFrame({
        "in_degree": np.bincount(dst, minlength=n).astype(np.int64),
        "out_degree": np.bincount(src, minlength=n).astype(np.int64),
        "in_pos_degree": count(dst, sign > 0),
        "in_neg_degree": count(dst, sign < 0),
        "out_pos_degree": count(src, sign > 0),
        "out_neg_degree": count(src, sign < 0),
        "in_pos_strength": total(dst, pos),
        "in_neg_strength": total(dst, neg),
        "out_pos_strength": total(src, pos),
        "out_neg_strength": total(src, neg),
    })


def _layer(graph: ig.Graph, attr: str) -> tuple[ig.Graph, list[float]]:
    """The directed subgraph of edges with a positive ``attr``, loops aside (all vertices kept), and
    its weights."""
    if graph.ecount() == 0:
        return ig.Graph(n=graph.vcount(), directed=True), []
    w = np.asarray(graph.es[attr], dtype=float)
    ends = np.asarray(graph.get_edgelist(), dtype=np.int64)
    keep = np.flatnonzero((w > 0) & (ends[:, 0] != ends[:, 1]))
    # subgraph_edges copies in C (a new Graph from an edge list took twice as long at 700k edges)
    return graph.subgraph_edges(keep, delete_vertices=False), w[keep].tolist()


def _betweenness(layers: SignedLayers, seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    n = layers.n_vertices
    g = layers.graph()
    info: dict[str, Any]
    if n <= EXACT_BETWEENNESS_MAX:
        b = np.asarray(g.betweenness(directed=False), dtype=float)
        info = {"betweenness": "exact"}
    else:
        k = min(BETWEENNESS_SAMPLES, n)
        sources = np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))
        # igraph's subset betweenness over all sources equals the exact one, so scaling the
        # k-source sum by n / k is an unbiased estimate of it
        b = np.asarray(g.betweenness(directed=False, sources=sources.tolist()), dtype=float) * (n / k)
        info = {"betweenness": "sampled", "betweenness_sources": int(k)}
    scale = (n - 1) * (n - 2) / 2.0
    return (b / scale if scale > 0 else np.zeros(n)), info


def pagerank(graph: ig.Graph, weights: list[float] | None = None, *, damping: float = 0.85,
             tol: float = 1e-14, max_iter: int = 2000) -> np.ndarray:
    """PageRank of a directed graph, the same to the bit whatever the machine's thread count.

    The definition igraph uses: a walker follows an out-edge with probability proportional to its
    weight, or with probability ``1 - damping`` (and always, from an author with no out-edge) jumps to
    any author uniformly. Power iteration with one sparse product per step (scipy's sequential CSR
    kernel) until the scores move less than ``tol`` in total; igraph's PRPACK solves the same system but
    sums in OpenMP threads, so its last bits changed run to run (9 of 12 builds at 200k comments gave
    different bytes). Agrees with PRPACK to about 1e-12.
    """
    from scipy.sparse import csr_matrix

    n = graph.vcount()
    if n == 0:
        return np.zeros(0)
    if graph.ecount() == 0:
        return np.full(n, 1.0 / n)
    ends = np.asarray(graph.get_edgelist(), dtype=np.int64)
    w = np.ones(len(ends)) if weights is None else np.asarray(weights, dtype=float)
    out_strength = np.bincount(ends[:, 0], weights=w, minlength=n)
    dangling = out_strength <= 0
    # column-stochastic transition: moving from u to v carries w_uv / out_strength(u) of u's score
    share = w / np.where(out_strength > 0, out_strength, 1.0)[ends[:, 0]]
    step = csr_matrix((share, (ends[:, 1], ends[:, 0])), shape=(n, n))
    step.sum_duplicates()
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        nxt = damping * (step @ x + x[dangling].sum() / n) + (1.0 - damping) / n
        nxt /= nxt.sum()
        moved = np.abs(nxt - x).sum()
        x = nxt
        if moved < tol:
            break
    return x


def pn_centrality(layers: SignedLayers, *, tol: float = 1e-12, max_iter: int = 1000) -> np.ndarray:
    """PN centrality: ``(I - A / (2n - 2))^-1 1`` with ``A = P - 2N`` the binary signed adjacency.

    Solved by the Neumann series (the matrix norm of ``A / (2n-2)`` is at most 1 on simple graphs),
    one sparse product per step, and by a direct sparse solve when the series does not converge.
    """
    n = layers.n_vertices
    if n < 2:
        return np.ones(n)
    sign = np.sign(layers.w)
    a = np.where(sign > 0, 1.0, np.where(sign < 0, -2.0, 0.0)) / (2 * n - 2)
    u, v = layers.u, layers.v
    x: np.ndarray = np.ones(n)
    for _ in range(max_iter):
        ax = np.bincount(u, weights=a * x[v], minlength=n) + np.bincount(v, weights=a * x[u], minlength=n)
        nxt = 1.0 + ax
        if np.max(np.abs(nxt - x)) < tol:
            return nxt
        x = nxt
    # the series did not converge: A / (2n-2) has an eigenvalue of modulus 1 (hostile ties forming a
    # complete graph give -1, and the iterates alternate between 1 and 0). I - A / (2n-2) itself is
    # not singular for n >= 3 (its eigenvalues lie in (0, 2)), so solve it directly. With two authors and a
    # hostile tie it is singular (A / 2 has eigenvalues -1 and +1), but the system is consistent (1 lies
    # in the -1 eigenspace): its least-squares solution is the exact one, 1/2 each.
    from scipy.sparse import coo_matrix, identity
    from scipy.sparse.linalg import spsolve

    m = coo_matrix((np.concatenate([a, a]), (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n))
    system = (identity(n) - m).tocsc()
    if n == 2:
        return np.asarray(np.linalg.lstsq(system.toarray(), np.ones(n), rcond=None)[0], dtype=float)
    return np.asarray(spsolve(system, np.ones(n)), dtype=float)


def centralities(graph: ig.Graph, layers: SignedLayers, *, seed: int = 0) -> tuple[pl.DataFrame, dict[str, Any]]:
    """One row per vertex (graph order) with every key-actor score, and notes for metrics.json."""
    n = graph.vcount()
    table = _degree_strength(graph)
    gp, wp = _layer(graph, "pos_w")
    ranks = pagerank(gp, wp or None)
    gn, wn = _layer(graph, "neg_w")
    if gn.ecount():
        with warnings.catch_warnings():
            # igraph warns when many scores are zero (authors who never fight): expected here
            warnings.filterwarnings("ignore", message="More than 30% of hub or authority", category=RuntimeWarning)
            # ARPACK starts from a random vector: seed it, and clear the float noise it leaves near zero,
            # so that the same input and seed give the same scores to the bit
            with _IgraphSeed(seed):
                hub = np.asarray(gn.hub_score(weights=wn), dtype=float)
            with _IgraphSeed(seed):
                auth = np.asarray(gn.authority_score(weights=wn), dtype=float)
            hub = np.where(np.abs(hub) < 1e-12, 0.0, np.round(hub, 12))
            auth = np.where(np.abs(auth) < 1e-12, 0.0, np.round(auth, 12))
    else:
        hub = auth = np.zeros(n)
    between, info = _betweenness(layers, seed)
    status = (table["in_pos_strength"] + table["out_neg_strength"]
              - table["in_neg_strength"] - table["out_pos_strength"]).to_numpy()
    table = table.with_columns(
        pl.Series("pagerank", ranks, dtype=pl.Float64),
        pl.Series("neg_hub", hub, dtype=pl.Float64),
        pl.Series("neg_authority", auth, dtype=pl.Float64),
        pl.Series("betweenness", between, dtype=pl.Float64),
        pl.Series("status", status, dtype=pl.Float64),
        pl.Series("pn_centrality", pn_centrality(layers), dtype=pl.Float64),
    )
    return table, info
