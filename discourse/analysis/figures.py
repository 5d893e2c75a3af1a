"""Thread figures: polarization and balance measures of a signed author network.

Each figure function takes a :class:`FigureInput` and returns ``(value, reason)``: a number and
``None``, or ``None`` and why the figure is not defined for this graph (too few triangles, no
second faction...), so a small thread never gets a misleading number.

Which null model tests each figure is in :data:`FIGURE_NULLS`: ``"rewire"`` (degree-preserving
rewiring, for structure) or ``"sign"`` (sign permutation over fixed structure, for sign figures);
``None`` means the figure is descriptive and not tested.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import igraph as ig
import numpy as np

from discourse.analysis._graphs import graph_from_arrays
from discourse.analysis.factions import SignedLayers, layers_from_arrays

__all__ = [
    "FIGURES",
    "FIGURE_NULLS",
    "MIN_CAMP",
    "MIN_REPLIES",
    "MIN_TRIANGLES",
    "FigureInput",
    "compute_figures",
    "figure_input",
]

MIN_TRIANGLES = 3      # triangle balance needs at least this many signed triangles
MIN_CAMP = 5           # each side of the two-camp split needs this many authors (RWC, boundary)
MIN_REPLIES = 5        # out-group hostility needs this many replies within and across factions
MIN_SIGNED_EDGES = 3   # frustration needs this many signed ties
RWC_HUBS = 10          # high-degree authors per side where random walks stop (Garimella et al.)
STATUS_MAX_PATHS = 20_000_000   # status consistency counts two-step paths up to this many (~0.2 s)

Figure = tuple[float | None, str | None]


@dataclass(frozen=True)
class FigureInput:
    """Directed edge arrays over vertex indices (loops removed), their undirected collapse, the
    faction membership and the two camps (0/1, -1 outside the largest component)."""

    n_vertices: int
    src: np.ndarray
    dst: np.ndarray
    w: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    n_replies: np.ndarray
    n_hostile: np.ndarray
    layers: SignedLayers
    membership: np.ndarray
    camps: np.ndarray


def figure_input(n_vertices: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray, pos: np.ndarray,
                 neg: np.ndarray, n_replies: np.ndarray, n_hostile: np.ndarray, membership: np.ndarray,
                 camps: np.ndarray, layers: SignedLayers | None = None) -> FigureInput:
    """Build a :class:`FigureInput`, dropping self-loops."""
    keep = np.asarray(src) != np.asarray(dst)
    s, d, w, p, n, r, h = (np.asarray(a)[keep] for a in (src, dst, w, pos, neg, n_replies, n_hostile))
    if layers is None:
        layers = layers_from_arrays(n_vertices, s, d, w, p, n, r)
    return FigureInput(n_vertices, s, d, w, p, n, r, h, layers=layers, membership=np.asarray(membership),
                       camps=np.asarray(camps))


# -- structure ---------------------------------------------------------------------------------
def reciprocity(x: FigureInput) -> Figure:
    """Share of directed ties (author pairs with at least one reply) answered in the other direction."""
    if x.src.size < 2:
        return None, "fewer than 2 directed ties"
    key = x.src.astype(np.int64) * x.n_vertices + x.dst
    rev = x.dst.astype(np.int64) * x.n_vertices + x.src
    return float(np.isin(key, rev).mean()), None


def hostility_share(x: FigureInput) -> Figure:
    """Share of the kept replies labelled hostile."""
    total = int(x.n_replies.sum())
    if total == 0:
        return None, "no replies between known authors"
    return float(x.n_hostile.sum() / total), None


def _modularity(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, m: np.ndarray) -> float | None:
    """Newman modularity of an undirected weighted graph (edge arrays) under membership ``m``."""
    total = w.sum()
    if total <= 0:
        return None
    k = np.bincount(u, weights=w, minlength=n) + np.bincount(v, weights=w, minlength=n)
    inside = w[m[u] == m[v]].sum() / total
    kc = np.bincount(m, weights=k)
    return float(inside - np.sum((kc / (2 * total)) ** 2))


def modularity(x: FigureInput) -> Figure:
    """Modularity of the factions on the positive (agreement) layer."""
    L = x.layers
    pm = L.pos > 0
    q = _modularity(L.n_vertices, L.u[pm], L.v[pm], L.pos[pm], x.membership)
    return (None, "no positive ties") if q is None else (q, None)


def signed_modularity(x: FigureInput) -> Figure:
    """Gómez, Jensen & Arenas (2009): (w+ Q+ - w- Q-) / (w+ + w-) over both layers."""
    L = x.layers
    pm, nm = L.pos > 0, L.neg > 0
    wp, wn = L.pos[pm].sum(), L.neg[nm].sum()
    if wp + wn <= 0:
        return None, "no signed ties"
    qp = _modularity(L.n_vertices, L.u[pm], L.v[pm], L.pos[pm], x.membership) or 0.0
    qn = _modularity(L.n_vertices, L.u[nm], L.v[nm], L.neg[nm], x.membership) or 0.0
    return float((wp * qp - wn * qn) / (wp + wn)), None


def _ei(x: FigureInput, sign: int) -> Figure:
    L = x.layers
    sel = np.sign(L.w) == sign
    if not sel.any():
        return None, f"no {'positive' if sign > 0 else 'negative'} ties"
    if np.unique(x.membership).size < 2:
        return None, "fewer than 2 factions"
    across = x.membership[L.u[sel]] != x.membership[L.v[sel]]
    e, i = int(across.sum()), int((~across).sum())
    return float((e - i) / (e + i)), None


def ei_positive(x: FigureInput) -> Figure:
    """E-I index (Krackhardt & Stern) of positive ties: +1 all across factions, -1 all within."""
    return _ei(x, 1)


def ei_negative(x: FigureInput) -> Figure:
    """E-I index of negative ties: polarized threads have hostility across factions (near +1)."""
    return _ei(x, -1)


def outgroup_hostility(x: FigureInput) -> Figure:
    """Log odds ratio of a reply being hostile across versus within factions (0.5 added to each cell)."""
    across = x.membership[x.src] != x.membership[x.dst]
    na, ha = int(x.n_replies[across].sum()), int(x.n_hostile[across].sum())
    nw, hw = int(x.n_replies[~across].sum()), int(x.n_hostile[~across].sum())
    if na < MIN_REPLIES or nw < MIN_REPLIES:
        return None, f"fewer than {MIN_REPLIES} replies {'across' if na < MIN_REPLIES else 'within'} factions"
    return float(math.log(((ha + 0.5) / (na - ha + 0.5)) / ((hw + 0.5) / (nw - hw + 0.5)))), None


def _triangles(g: ig.Graph) -> int:
    """Triangles of a simple undirected graph, counted in C: transitivity x connected triples / 3."""
    deg = np.asarray(g.degree(), dtype=np.float64)
    triples = float(np.sum(deg * (deg - 1.0))) / 2.0
    if triples == 0.0:
        return 0
    return round(g.transitivity_undirected(mode="zero") * triples / 3.0)


def triangle_balance(x: FigureInput) -> Figure:
    """Share of signed triangles that are balanced (an even number of negative ties).

    Counted without listing triangles (9 million of them at a million comments): in the signed double
    cover, where each author has two copies, a positive tie joins same copies and a negative tie
    crosses over, a balanced triangle lifts to two triangles and an unbalanced one to a hexagon. So
    balanced = triangles(cover) / 2, out of triangles(graph of signed ties).
    """
    L = x.layers
    nz = L.w != 0
    g = L.signed_tie_graph[0]
    total = _triangles(g)
    if total < MIN_TRIANGLES:
        return None, f"fewer than {MIN_TRIANGLES} triangles"
    u, v, neg = L.u[nz], L.v[nz], L.w[nz] < 0
    n = L.n_vertices
    cover = graph_from_arrays(2 * n, np.concatenate([u, u + n]),
                              np.concatenate([np.where(neg, v + n, v), np.where(neg, v, v + n)]), directed=False)
    return float(_triangles(cover) / 2 / total), None


def status_consistency(x: FigureInput) -> Figure:
    """Status theory on directed signed ties (Leskovec, Huttenlocher & Kleinberg 2010, "Signed
    networks in social media"): a positive tie A->B says A rates B above itself, a negative one below.
    In a transitive triad A->B, B->C, A->C whose first two ties agree in sign, status predicts the
    third: A->C carries the same sign (B above A and C above B put C above A). The figure is the share
    of such triads where it does (about 1/2 when signs ignore status). Triads are counted from sparse
    matrix products, one per sign, evaluated only on the existing A->C ties."""
    from scipy import sparse

    sign = np.sign(x.w)
    n = x.n_vertices
    paths = int((np.bincount(x.dst, minlength=n) * np.bincount(x.src, minlength=n)).sum())
    if paths > STATUS_MAX_PATHS:
        return None, (f"{paths} two-step paths, more than the {STATUS_MAX_PATHS} counted here "
                      "(the products grow with the hubs' in- times out-degrees)")
    counts = []
    for s in (1.0, -1.0):
        sel = sign == s
        m = sparse.csr_matrix((np.ones(int(sel.sum())), (x.src[sel], x.dst[sel])), shape=(n, n))
        two_paths = m @ m                                   # A->B->C with both ties of sign s
        counts.append(np.asarray(two_paths[x.src, x.dst]).ravel())
    pos_paths, neg_paths = counts
    predicted = pos_paths + neg_paths
    total = float(predicted[sign != 0].sum())
    if total < MIN_TRIANGLES:
        return None, f"fewer than {MIN_TRIANGLES} transitive triads with two ties of one sign"
    kept = float(pos_paths[sign > 0].sum() + neg_paths[sign < 0].sum())
    return kept / total, None


def _frustrated_share(x: FigureInput, groups: np.ndarray, sel: np.ndarray) -> float:
    L = x.layers
    same = groups[L.u[sel]] == groups[L.v[sel]]
    neg = L.w[sel] < 0
    return float(((neg & same) | (~neg & ~same)).mean())


def frustration(x: FigureInput) -> Figure:
    """Share of signed ties the k-faction partition frustrates (negative inside a faction, positive
    across): the disagreement of that partition with the signs. Not the frustration index, which
    minimises over every partition (NP-hard); :func:`frustration_camps` gives the two-group value."""
    nz = x.layers.w != 0
    if int(nz.sum()) < MIN_SIGNED_EDGES:
        return None, f"fewer than {MIN_SIGNED_EDGES} signed ties"
    return _frustrated_share(x, x.membership, nz), None


def frustration_camps(x: FigureInput) -> Figure:
    """Share of the largest component's signed ties that the two camps frustrate: the two-group
    disagreement (Highland tribes: the published two-group frustration is 7 of 58 ties), an upper
    bound of the two-group frustration index since the camps come from the leading eigenvector."""
    L, c = x.layers, x.camps
    sel = (L.w != 0) & (c[L.u] >= 0) & (c[L.v] >= 0)
    if int(sel.sum()) < MIN_SIGNED_EDGES:
        return None, f"fewer than {MIN_SIGNED_EDGES} signed ties between the two camps' members"
    return _frustrated_share(x, c, sel), None


# -- two-camp polarization ---------------------------------------------------------------------
def _camp_ties(x: FigureInput, positive: bool) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Undirected ties between members of the two camps (only agreeing ones when ``positive``)."""
    L, c = x.layers, x.camps
    sel = (c[L.u] >= 0) & (c[L.v] >= 0)
    if positive:
        sel &= L.w > 0
    u, v = L.u[sel], L.v[sel]
    ends = np.unique(np.concatenate([u, v]))
    sides = c[ends]
    if min(int((sides == 0).sum()), int((sides == 1).sum())) < MIN_CAMP:
        layer = "agreement network" if positive else "reply network"
        return u, v, f"each camp needs at least {MIN_CAMP} authors with ties in the {layer}"
    return u, v, None


def random_walk_controversy(x: FigureInput) -> Figure:
    """RWC (Garimella et al. 2018) on the agreement layer with the two camps.

    Walks start at a uniformly chosen author and stop at one of the ``RWC_HUBS`` highest-degree
    authors of either camp; RWC = P(X|X) P(Y|Y) - P(X|Y) P(Y|X), where P(A|B) is the probability a
    walk that ended in camp B started in camp A. 1: walks stay home; 0: camps mix.
    """
    u, v, why = _camp_ties(x, positive=True)
    if why:
        return None, why
    from scipy.sparse import coo_matrix, diags
    from scipy.sparse.linalg import cg

    nodes = np.unique(np.concatenate([u, v]))
    local = np.full(x.n_vertices, -1, dtype=np.int64)
    local[nodes] = np.arange(nodes.size)
    lu, lv = local[u], local[v]
    side = x.camps[nodes]
    deg = np.bincount(lu, minlength=nodes.size) + np.bincount(lv, minlength=nodes.size)
    hubs = np.zeros(nodes.size, dtype=bool)
    for s in (0, 1):
        members = np.flatnonzero(side == s)
        k = min(RWC_HUBS, max(1, members.size // 10))
        order = np.lexsort((members, -deg[members]))
        hubs[members[order[:k]]] = True
    # walks from a piece of the graph without a hub never stop: leave those authors out
    comp = np.asarray(graph_from_arrays(nodes.size, lu, lv, directed=False).connected_components().membership)
    reach = np.isin(comp, comp[hubs])
    keep_edge = reach[lu]
    nodes, side, hubs, deg = nodes[reach], side[reach], hubs[reach], deg[reach]
    remap = np.cumsum(reach) - 1
    lu, lv = remap[lu[keep_edge]], remap[lv[keep_edge]]
    n = nodes.size
    adj = coo_matrix((np.ones(2 * lu.size), (np.concatenate([lu, lv]), np.concatenate([lv, lu]))),
                     shape=(n, n)).tocsr()
    free = np.flatnonzero(~hubs)
    lap = (coo_matrix((deg[free].astype(float), (np.arange(free.size), np.arange(free.size))),
                      shape=(free.size, free.size)).tocsr() - adj[free][:, free])
    ends = {}
    for s in (0, 1):
        target = (hubs & (side == s)).astype(float)
        rhs = adj[free] @ target
        h = target.copy()
        if free.size:
            jacobi = diags(1.0 / np.maximum(deg[free], 1).astype(float))
            sol, _ = cg(lap, rhs, rtol=1e-8, maxiter=2000, M=jacobi)
            h[free] = np.clip(sol, 0.0, 1.0)
        ends[s] = h                      # P(walk from each author ends in camp s)
    p = {}
    for end in (0, 1):
        total = ends[end].sum()
        for start in (0, 1):
            p[start, end] = float(ends[end][side == start].sum() / total) if total > 0 else 0.0
    # the solver stops at a relative residual of 1e-8 after BLAS sums whose order follows the thread
    # count: digits past 1e-10 are noise and would make the same input give different bytes
    return round(p[0, 0] * p[1, 1] - p[0, 1] * p[1, 0], 10), None


def boundary_polarization(x: FigureInput) -> Figure:
    """Guerra et al. (2013), "A measure of polarization on social media networks based on community
    boundaries": P = mean over boundary authors v of d_i(v) / (d_i(v) + d_b(v)) - 1/2.

    On the reply structure (undirected ties of any sign) with the two camps: an author is *internal*
    when none of their ties crosses to the other camp; a *boundary* author has a tie across and a tie
    to an internal author of their own camp; d_i(v) counts v's ties to internal authors of its camp and
    d_b(v) its ties to *boundary* authors of the other camp (ties to the other camp's non-boundary
    authors count in neither). Near 0.5: boundary authors lean inward (polarized); 0: no lean; below
    0: they lean to the other camp.
    """
    u, v, why = _camp_ties(x, positive=False)
    if why:
        return None, why
    c = x.camps
    a = np.concatenate([u, v])
    b = np.concatenate([v, u])
    cross = c[a] != c[b]
    n = x.n_vertices
    internal = np.bincount(a[cross], minlength=n) == 0
    d_i = np.bincount(a[~cross & internal[b]], minlength=n)
    boundary = ~internal & (d_i > 0)
    d_b = np.bincount(a[cross & boundary[b]], minlength=n)
    nb = int(boundary.sum())
    if nb < 3:
        return None, "fewer than 3 boundary authors"
    frac = d_i[boundary] / (d_i[boundary] + d_b[boundary])
    return float(np.mean(frac - 0.5)), None


FIGURES: dict[str, Callable[[FigureInput], Figure]] = {
    "reciprocity": reciprocity,
    "hostility_share": hostility_share,
    "outgroup_hostility": outgroup_hostility,
    "modularity": modularity,
    "signed_modularity": signed_modularity,
    "ei_positive": ei_positive,
    "ei_negative": ei_negative,
    "triangle_balance": triangle_balance,
    "status_consistency": status_consistency,
    "frustration": frustration,
    "frustration_camps": frustration_camps,
    "rwc": random_walk_controversy,
    "boundary_polarization": boundary_polarization,
}

FIGURE_NULLS: dict[str, str | None] = {
    "reciprocity": "rewire",
    "hostility_share": None,
    "outgroup_hostility": "sign",
    "modularity": "rewire",
    "signed_modularity": "sign",
    "ei_positive": "sign",
    "ei_negative": "sign",
    "triangle_balance": "sign",
    "status_consistency": "sign",
    "frustration": "sign",
    "frustration_camps": "sign",
    "rwc": "rewire",
    "boundary_polarization": "rewire",
}


def compute_figures(x: FigureInput, names: tuple[str, ...] | None = None) -> dict[str, Figure]:
    """Every figure (or the named ones) for one input."""
    return {name: FIGURES[name](x) for name in (names or tuple(FIGURES))}
