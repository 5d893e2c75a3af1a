"""Factions: partitions of the signed author network.

Every method works on :class:`SignedLayers`, the network collapsed to undirected (both directions of
a pair summed, self-loops dropped), and returns a membership array: one integer per vertex, factions
numbered 0, 1, ... by decreasing size (ties by the smallest vertex index), so the same graph and seed
always give the same numbers.

Methods (``FactionMethod``):

``leiden-cpm``             Leiden with the Constant Potts Model on the signed weights: correlation
                           clustering. Positive edges pull authors together, negative edges push them
                           apart, and ``resolution`` is the price of putting two unrelated authors
                           in one faction.
``signed-modularity``      Leiden on two layers (positive and |negative|), modularity with layer
                           weights 1 and -1 (Traag & Bruggeman 2009; Gómez et al. 2009).
``spinglass``              igraph's spinglass with negative weights (implementation "negative"); slow, so
                           only for graphs up to ``SPINGLASS_MAX_VERTICES``; run per component.
``leiden-sponge`` (default) Leiden-CPM's factions, then grouped into camps by SPONGE (Cucuringu et al. 2019)
                           on the graph of factions: allies who never reply to each other but oppose the
                           same people end up together (the enemy of my enemy), which correlation
                           clustering alone cannot see (putting two untied groups together costs it
                           nothing either way). Per component of the faction graph, k camps for each k
                           from 2 up are tried and the fewest camps that frustrate no more signed weight
                           than the factions themselves are kept; otherwise the factions stay as found.
``leiden``, ``louvain``,   unsigned methods on the positive layer only (agreement as the tie).
``infomap``, ``label-propagation``

:func:`two_camps` splits the largest component in two by the leading eigenvector of the signed
adjacency matrix (the polarization measures need exactly two sides). :func:`ensemble` runs a method
over several seeds and returns the consensus partition and each author's stability.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import igraph as ig
import leidenalg as la
import numpy as np
import polars as pl

from discourse.analysis._graphs import graph_from_arrays
from discourse.analysis.network import SIGN_TOLERANCE
from discourse.errors import AnalysisError
from discourse.options import FACTION_METHODS, FactionMethod

__all__ = [
    "FACTION_METHODS",
    "SPINGLASS_MAX_VERTICES",
    "Consensus",
    "FactionMethod",
    "SignedLayers",
    "canonical",
    "default_resolution",
    "ensemble",
    "group_factions",
    "layers_from_arrays",
    "nmi",
    "partition",
    "signed_layers",
    "two_camps",
]

SPINGLASS_MAX_VERTICES = 2000
DEFAULT_RESOLUTION = 0.0
CPM_ITERATIONS = 2
"""Leiden iterations per Leiden-CPM run (igraph's default). Iterating to convergence took a third
iteration at a million comments, 75% more time for a CPM quality 5e-6 higher (relative), and the
ensemble already runs five seeds and reconciles them."""


@dataclass(frozen=True)
class SignedLayers:
    """The author network collapsed to undirected, as arrays over vertex indices.

    ``u < v`` for every edge; ``w`` is the summed signed weight of both directions, ``pos`` and
    ``neg`` the summed positive and |negative| weights, ``n`` the number of replies.
    """

    n_vertices: int
    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    n: np.ndarray

    @property
    def n_edges(self) -> int:
        return int(self.u.shape[0])

    @cached_property
    def _full(self) -> ig.Graph:
        return graph_from_arrays(self.n_vertices, self.u, self.v, directed=False)

    def graph(self, mask: np.ndarray | None = None) -> ig.Graph:
        """Undirected igraph graph over all vertices with the (masked) edges, in array order."""
        if mask is None:
            return self._full.copy()
        return self._full.subgraph_edges(np.flatnonzero(mask).tolist(), delete_vertices=False)

    @cached_property
    def signed_tie_graph(self) -> tuple[ig.Graph, list[float]]:
        """The graph of non-zero ties and their signed weights, built once for every seeded run."""
        nz = self.w != 0
        return self.graph(nz), self.w[nz].tolist()

    def with_signs(self, w: np.ndarray) -> SignedLayers:
        """The same structure with other signed weights (used by the sign-permutation null)."""
        return SignedLayers(self.n_vertices, self.u, self.v, w, np.clip(w, 0, None), np.clip(-w, 0, None), self.n)


def layers_from_arrays(n_vertices: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray, pos: np.ndarray,
                       neg: np.ndarray, n: np.ndarray) -> SignedLayers:
    """Collapse directed edge arrays to :class:`SignedLayers` (directions summed, loops dropped)."""
    df = pl.DataFrame({"a": np.asarray(src, dtype=np.int64), "b": np.asarray(dst, dtype=np.int64),
                       "w": np.asarray(w, dtype=float), "pos": np.asarray(pos, dtype=float),
                       "neg": np.asarray(neg, dtype=float), "n": np.asarray(n, dtype=np.int64)})
    und = (
        df.filter(pl.col("a") != pl.col("b"))
        .group_by(pl.min_horizontal("a", "b").alias("u"), pl.max_horizontal("a", "b").alias("v"))
        .agg(pl.col("w").sum(), pl.col("pos").sum(), pl.col("neg").sum(), pl.col("n").sum())
        .sort("u", "v")
    )
    return SignedLayers(n_vertices, und["u"].to_numpy(), und["v"].to_numpy(), und["w"].to_numpy(),
                        und["pos"].to_numpy(), und["neg"].to_numpy(), und["n"].to_numpy())


def signed_layers(graph: ig.Graph) -> SignedLayers:
    """Collapse a directed author graph (edge attributes ``weight_sum``, ``pos_w``, ``neg_w``,
    ``n_replies``) to undirected: the two directions of a pair are summed, self-loops dropped."""
    if graph.ecount() == 0:
        e = np.zeros(0, dtype=np.int64)
        return layers_from_arrays(graph.vcount(), e, e, e, e, e, e)
    ends = np.asarray(graph.get_edgelist(), dtype=np.int64)
    return layers_from_arrays(graph.vcount(), ends[:, 0], ends[:, 1], np.asarray(graph.es["weight_sum"]),
                              np.asarray(graph.es["pos_w"]), np.asarray(graph.es["neg_w"]),
                              np.asarray(graph.es["n_replies"]))


def canonical(membership: Sequence[int] | np.ndarray) -> np.ndarray:
    """Renumber factions 0, 1, ... by decreasing size, ties by smallest member index.

    >>> canonical([7, 7, 3, 3, 3, 9]).tolist()
    [1, 1, 0, 0, 0, 2]
    """
    m = np.asarray(membership, dtype=np.int64)
    if m.size == 0:
        return m
    labels, first, inverse, counts = np.unique(m, return_index=True, return_inverse=True, return_counts=True)
    order = np.lexsort((first, -counts))          # size desc, then first appearance
    rank = np.empty(labels.size, dtype=np.int64)
    rank[order] = np.arange(labels.size)
    return rank[inverse.ravel()]


class _IgraphSeed:
    """igraph draws from Python's ``random`` module; seed a private generator and restore after."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def __enter__(self) -> None:
        ig.set_random_number_generator(self._rng)

    def __exit__(self, *exc: object) -> None:
        ig.set_random_number_generator(random)


def _cpm(layers: SignedLayers, w: np.ndarray, seed: int, resolution: float,
         prepared: tuple[ig.Graph, list[float]] | None = None) -> np.ndarray:
    """igraph's Leiden (C) with the CPM objective on signed weights; zero-weight ties are left out.
    ``prepared``: the graph and weight list for ``w`` when already built (they do not depend on the seed)."""
    if prepared is None:
        nz = w != 0
        prepared = (layers.graph(nz), w[nz].tolist())
    g, weights = prepared
    with _IgraphSeed(seed):
        part = g.community_leiden(objective_function="CPM", weights=weights, resolution=resolution,
                                  n_iterations=CPM_ITERATIONS)
    return np.asarray(part.membership)


def _leiden_cpm(layers: SignedLayers, seed: int, resolution: float) -> np.ndarray:
    return _cpm(layers, layers.w, seed, resolution, prepared=layers.signed_tie_graph)


def _signed_modularity(layers: SignedLayers, seed: int, resolution: float) -> np.ndarray:
    pm, nm = layers.pos > 0, layers.neg > 0
    gp, gn = layers.graph(pm), layers.graph(nm)
    parts = [la.RBConfigurationVertexPartition(gp, weights=layers.pos[pm].tolist(), resolution_parameter=resolution),
             la.RBConfigurationVertexPartition(gn, weights=layers.neg[nm].tolist(), resolution_parameter=resolution)]
    opt = la.Optimiser()
    opt.set_rng_seed(seed)
    opt.optimise_partition_multiplex(parts, layer_weights=[1, -1], n_iterations=-1)
    return np.asarray(parts[0].membership)


SPONGE_MAX_FACTIONS = 300
"""leiden-sponge: in a component of the faction graph with more factions, only the largest this many
are grouped (a dense generalized eigenproblem of that order takes about a second); the rest stay."""
SPONGE_MAX_K = 12
SPONGE_TAU = 1.0      # SPONGE's regularisers tau+ = tau- (the paper's default)


def _leiden_sponge(layers: SignedLayers, seed: int, resolution: float) -> np.ndarray:
    factions = canonical(_leiden_cpm(layers, seed, resolution))
    return group_factions(layers, factions, seed=seed)


def group_factions(layers: SignedLayers, factions: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """Group the factions ``factions`` into camps by SPONGE on the faction graph (see ``leiden-sponge``)."""
    nz = layers.w != 0
    fu, fv, w = factions[layers.u[nz]], factions[layers.v[nz]], layers.w[nz]
    between = fu != fv
    m = int(factions.max()) + 1 if factions.size else 0
    if m < 3 or not between.any():
        return factions
    # the faction graph: net signed weight between two factions, kept as positive and negative parts
    a, b = np.minimum(fu[between], fv[between]), np.maximum(fu[between], fv[between])
    q = (pl.DataFrame({"a": a, "b": b, "w": w[between]}).group_by("a", "b").agg(pl.col("w").sum())
         .filter(pl.col("w").abs() > SIGN_TOLERANCE).sort("a", "b"))
    qa, qb, qw = q["a"].to_numpy(), q["b"].to_numpy(), q["w"].to_numpy()
    if qa.size == 0:
        return factions
    size = np.bincount(factions, minlength=m)
    fg = graph_from_arrays(m, qa, qb, directed=False)
    camp_of = np.arange(m)
    next_camp = m
    for comp in fg.connected_components():
        if len(comp) < 3:
            continue
        members = np.asarray(sorted(comp, key=lambda f: (-size[f], f))[:SPONGE_MAX_FACTIONS], dtype=np.int64)
        local = np.full(m, -1, dtype=np.int64)
        local[members] = np.arange(members.size)
        sel = (local[qa] >= 0) & (local[qb] >= 0)
        labels = _sponge_camps(members.size, local[qa[sel]], local[qb[sel]], qw[sel], seed)
        if labels is None:
            continue
        camp_of[members] = labels + next_camp
        next_camp += int(labels.max()) + 1
    return canonical(camp_of[factions])


def _sponge_camps(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, seed: int) -> np.ndarray | None:
    """Camps of ``n`` factions (ties ``u``-``v`` with net weight ``w``): the fewest k whose SPONGE clustering
    frustrates no more weight than keeping every faction apart; None when no grouping qualifies."""
    from scipy.cluster.vq import kmeans2
    from scipy.linalg import eigh

    pos, neg = np.zeros((n, n)), np.zeros((n, n))
    np.add.at(pos, (u, v), np.clip(w, 0, None))
    np.add.at(neg, (u, v), np.clip(-w, 0, None))
    pos, neg = pos + pos.T, neg + neg.T
    d_pos, d_neg = pos.sum(axis=1), neg.sum(axis=1)
    lap_pos, lap_neg = np.diag(d_pos) - pos, np.diag(d_neg) - neg
    left = lap_pos + SPONGE_TAU * np.diag(d_neg)
    right = lap_neg + SPONGE_TAU * np.diag(d_pos) + 1e-9 * np.eye(n)
    k_max = min(SPONGE_MAX_K, n - 1)
    # k camps from the k - 1 eigenvectors of the smallest generalized eigenvalues (as SigNet's SPONGE does)
    _, vecs = eigh(left, right, subset_by_index=[0, k_max - 2])
    apart = float(np.clip(w, 0, None).sum())   # every faction its own camp: all positive ties frustrated
    for k in range(2, k_max + 1):
        emb = vecs[:, :k - 1]
        best: tuple[float, np.ndarray] | None = None
        for trial in range(5):
            centroids, labels = kmeans2(emb, k, minit="++", seed=np.random.default_rng(seed * 7919 + k * 31 + trial))
            inertia = float(((emb - centroids[labels]) ** 2).sum())
            if best is None or inertia < best[0] - 1e-12:
                best = (inertia, labels)
        assert best is not None
        labels = canonical(best[1])
        same = labels[u] == labels[v]
        frustrated = float(np.where(same, np.clip(-w, 0, None), np.clip(w, 0, None)).sum())
        if frustrated <= apart + 1e-9 * max(1.0, float(np.abs(w).sum())):
            return labels
    return None


def _spinglass(layers: SignedLayers, seed: int, resolution: float) -> np.ndarray:
    if layers.n_vertices > SPINGLASS_MAX_VERTICES:
        raise AnalysisError(
            f"spinglass: the graph has {layers.n_vertices} authors, more than the {SPINGLASS_MAX_VERTICES} "
            "it can handle in reasonable time; use method 'leiden-cpm' or 'signed-modularity'")
    nz = layers.w != 0
    g = layers.graph(nz)
    w = layers.w[nz]
    g.es["w"] = w.tolist()
    membership = np.full(layers.n_vertices, -1, dtype=np.int64)
    next_label = 0
    with _IgraphSeed(seed):
        for comp in g.connected_components():
            if len(comp) == 1:
                membership[comp[0]] = next_label
                next_label += 1
                continue
            sub = g.subgraph(comp)
            res = sub.community_spinglass(weights="w", implementation="negative", spins=25,
                                          gamma=resolution, lambda_=resolution)
            membership[np.asarray(comp)] = np.asarray(res.membership) + next_label
            next_label += max(res.membership) + 1
    return membership


def _positive(layers: SignedLayers, seed: int, resolution: float, algo: str) -> np.ndarray:
    pm = layers.pos > 0
    g = layers.graph(pm)
    w = layers.pos[pm].tolist()
    with _IgraphSeed(seed):
        if algo == "leiden":
            return np.asarray(g.community_leiden(objective_function="modularity", weights=w,
                                                 resolution=resolution, n_iterations=-1).membership)
        if algo == "louvain":
            return np.asarray(g.community_multilevel(weights=w, resolution=resolution).membership)
        if algo == "infomap":
            return np.asarray(g.community_infomap(edge_weights=w, trials=3).membership)
        return np.asarray(g.community_label_propagation(weights=w).membership)


def default_resolution(method: str) -> float:
    """CPM's resolution (leiden-cpm, leiden-sponge) is a density threshold; the modularity-based methods use 1."""
    return DEFAULT_RESOLUTION if method in ("leiden-cpm", "leiden-sponge") else 1.0


def partition(layers: SignedLayers, method: str = "leiden-sponge", *, seed: int = 0,
              resolution: float | None = None) -> np.ndarray:
    """One seeded partition of the signed network; see the module docstring for the methods."""
    if method not in FACTION_METHODS:
        raise AnalysisError(f"unknown faction method {method!r}; expected one of {list(FACTION_METHODS)}")
    if layers.n_vertices == 0:
        return np.zeros(0, dtype=np.int64)
    res = default_resolution(method) if resolution is None else float(resolution)
    runners: dict[str, Callable[[SignedLayers, int, float], np.ndarray]] = {
        "leiden-cpm": _leiden_cpm,
        "leiden-sponge": _leiden_sponge,
        "signed-modularity": _signed_modularity,
        "spinglass": _spinglass,
    }
    if method in runners:
        m = runners[method](layers, seed, res)
    else:
        m = _positive(layers, seed, res, method)
    return canonical(m)


@dataclass(frozen=True)
class Consensus:
    """The consensus of an ensemble: ``membership`` per vertex, ``stability`` per vertex in [0, 1]
    (mean Jaccard overlap between the author's faction in each run and its consensus faction), and
    ``runs`` (one membership per seed)."""

    membership: np.ndarray
    stability: np.ndarray
    runs: tuple[np.ndarray, ...]


def _stability(consensus: np.ndarray, runs: Sequence[np.ndarray]) -> np.ndarray:
    if not runs or consensus.size == 0:
        return np.ones(consensus.size)
    total = np.zeros(consensus.size)
    size_c = np.bincount(consensus)
    for r in runs:
        size_r = np.bincount(r)
        # contingency count of (consensus faction, run faction) for each vertex's pair
        key = consensus * (r.max() + 1) + r
        _, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
        inter = cnt[inv.ravel()]
        total += inter / (size_c[consensus] + size_r[r] - inter)
    return total / len(runs)


def ensemble(layers: SignedLayers, method: str = "leiden-sponge", *, seed: int = 0, runs: int = 5,
             resolution: float | None = None) -> Consensus:
    """Run ``method`` with seeds ``seed .. seed+runs-1`` and combine them.

    The consensus is correlation clustering of the co-assignment: each edge weighs
    (share of runs that put its ends together) - 1/2, and Leiden-CPM at resolution 0 groups authors
    who are usually together. With ``runs == 1`` the single run is the consensus.
    """
    if runs < 1:
        raise AnalysisError(f"ensemble: runs must be at least 1, got {runs}")
    members = tuple(partition(layers, method, seed=seed + i, resolution=resolution) for i in range(runs))
    if runs == 1 or layers.n_edges == 0 or all(np.array_equal(members[0], m) for m in members[1:]):
        cons = members[0]          # nothing to reconcile
    else:
        together = np.zeros(layers.n_edges)
        for m in members:
            together += m[layers.u] == m[layers.v]
        cons = canonical(_cpm(layers, together / runs - 0.5, seed, 0.0))
    return Consensus(membership=cons, stability=_stability(cons, members), runs=members)


def two_camps(layers: SignedLayers, *, seed: int = 0) -> np.ndarray:
    """Split the largest component in two by the leading eigenvector of the signed adjacency.

    Returns one value per vertex: 0 or 1 (camp 0 is the larger) for vertices of the largest
    component, -1 for the rest. Deterministic: the eigenvector's sign is fixed by the camps' sizes.
    """
    out = np.full(layers.n_vertices, -1, dtype=np.int64)
    nz = layers.w != 0
    if layers.n_vertices < 2 or not nz.any():
        return out
    g = layers.graph(nz)
    comps = g.connected_components()
    giant = np.asarray(max(comps, key=len) if len(comps) else [], dtype=np.int64)
    if giant.size < 2:
        return out
    local = np.full(layers.n_vertices, -1, dtype=np.int64)
    local[giant] = np.arange(giant.size)
    sel = nz & (local[layers.u] >= 0)
    u, v, w = local[layers.u[sel]], local[layers.v[sel]], layers.w[sel]
    vec = _leading_eigenvector(giant.size, u, v, w, seed)
    camp = (vec < 0).astype(np.int64)
    if camp.sum() * 2 > camp.size or (camp.sum() * 2 == camp.size and camp[0] == 1):
        camp = 1 - camp
    out[giant] = camp
    return out


def _leading_eigenvector(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, seed: int) -> np.ndarray:
    """Eigenvector of the largest (algebraic) eigenvalue of the symmetric signed adjacency."""
    if n <= 400:
        a = np.zeros((n, n))
        np.add.at(a, (u, v), w)
        np.add.at(a, (v, u), w)
        _, vecs = np.linalg.eigh(a)
        return vecs[:, -1]
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    a = coo_matrix((np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n)).tocsr()
    v0 = np.random.default_rng(seed).random(n) + 0.5
    try:
        _, vecs = eigsh(a, k=1, which="LA", v0=v0, tol=1e-8, maxiter=max(1000, 20 * n))
    except ArpackNoConvergence as err:
        if err.eigenvectors.shape[1] == 0:
            raise AnalysisError(f"two camps: the leading eigenvector of the signed adjacency ({n} authors) "
                                "did not converge") from err
        vecs = err.eigenvectors
    return vecs[:, 0]


def nmi(a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray) -> float:
    """Normalized mutual information (arithmetic mean normalisation) of two labelings.

    >>> nmi([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> nmi([0, 0, 1, 1], [0, 1, 0, 1])
    0.0
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise AnalysisError(f"nmi: labelings differ in length ({a.size} vs {b.size})")
    n = a.size
    if n == 0:
        return 1.0
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    ai, bi = ai.ravel(), bi.ravel()
    cont = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(cont, (ai, bi), 1)
    pa, pb, pab = cont.sum(1) / n, cont.sum(0) / n, cont / n
    ha = -np.sum(pa[pa > 0] * np.log(pa[pa > 0]))
    hb = -np.sum(pb[pb > 0] * np.log(pb[pb > 0]))
    nzm = pab > 0
    mi = np.sum(pab[nzm] * np.log(pab[nzm] / np.outer(pa, pb)[nzm]))
    if ha == 0 and hb == 0:
        return 1.0
    return float(mi / ((ha + hb) / 2)) if ha + hb > 0 else 0.0
