"""Seeded, signed node layouts for the author network.

Attraction comes from the non-hostile layer (agreeing and neutral reply pairs, weighted by how often
the pair talked); hostile pairs pull only weakly (:data:`HOSTILE_PULL`) and, after the force-directed
layout, are pushed apart by a few vectorized repulsion passes (each node moves by the average of its
pushes), so opposing camps sit visibly apart. The algorithm is chosen
by size: Fruchterman-Reingold for small graphs, its grid variant (linear-time repulsion) for big
ones; DrL, Kamada-Kawai and a circle are available by name.

Same authors, edges and seed give the same coordinates: igraph's random generator is swapped for a
seeded :class:`random.Random` while it runs (and restored afterwards); it draws the start positions.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Literal, get_args

import igraph as ig
import numpy as np
import polars as pl

from discourse.analysis._graphs import graph_from_arrays
from discourse.errors import AnalysisError

__all__ = ["FR_MAX_NODES", "LAYOUTS", "LayoutName", "edge_sign_expr", "faction_layout", "signed_layout", "tone_pairs"]

LayoutName = Literal["auto", "factions", "fr", "fr_grid", "drl", "kk", "circle"]
LAYOUTS: tuple[str, ...] = get_args(LayoutName)
HOSTILE_PULL = 0.1
"""Attraction of a hostile pair relative to a friendly pair with as many replies."""
FR_MAX_NODES = 500
"""Graphs with more nodes than this use the grid variant of Fruchterman-Reingold under ``layout="auto"``
(exact FR takes 16 s at 2,000 nodes, the grid variant 0.5 s; at 30,000 nodes and 100,000
edges the grid variant takes about half a second for 100 iterations, DrL 45 s)."""


def edge_sign_expr(edges_schema: pl.Schema | dict) -> pl.Expr:
    """An Int8 expression: +1 agreement, 0 neutral, -1 hostility for each edge.

    Uses ``net_sign`` when the edges carry it (the analysis stage's verdict), else the sign of
    ``weight_sum``; without either every edge is neutral.
    """
    col = "net_sign" if "net_sign" in edges_schema else "weight_sum" if "weight_sum" in edges_schema else None
    if col is None:  # an unscored network: every edge neutral
        return pl.lit(0, pl.Int8)
    return pl.col(col).cast(pl.Float64).fill_null(0.0).fill_nan(0.0).sign().cast(pl.Int8)


@contextlib.contextmanager
def _seeded_igraph(seed: int) -> Iterator[None]:
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def signed_layout(
    authors: pl.Series,
    edges: pl.DataFrame,
    *,
    method: LayoutName = "auto",
    seed: int = 0,
    repel_iterations: int = 40,
) -> pl.DataFrame:
    """Coordinates for every author: a frame ``author, x, y`` in the order of ``authors``.

    ``edges`` needs ``source``, ``target`` and ``n_replies`` plus ``net_sign`` or ``weight_sum`` (see
    :func:`edge_sign_expr`); edges naming authors not in ``authors`` are ignored. Coordinates are
    scaled to fit [-1, 1]. Raises :class:`AnalysisError` for an unknown ``method``.
    """
    if method not in LAYOUTS:
        raise AnalysisError(f"layout {method!r} is unknown; expected one of {list(LAYOUTS)}")
    if method == "factions":
        raise AnalysisError("layout 'factions' needs each author's faction: call faction_layout")
    n = authors.len()
    if n == 0:
        return pl.DataFrame(schema={"author": pl.String, "x": pl.Float64, "y": pl.Float64})
    index = pl.DataFrame({"author": authors.cast(pl.String), "i": pl.arange(0, n, eager=True, dtype=pl.Int64)})
    pairs = _pairs(index, edges)
    rng = np.random.default_rng(seed)
    start = rng.uniform(-1.0, 1.0, size=(n, 2)) * np.sqrt(n)
    if method == "auto":
        method = "fr" if n <= FR_MAX_NODES else "fr_grid"
    pos_pairs = pairs.filter(pl.col("sign") >= 0)
    # hostile pairs pull only weakly (so a commenter who only argues stays near the argument instead
    # of drifting at random); the repulsion pass below then sets them apart
    g = graph_from_arrays(n, pairs["a"].to_numpy(), pairs["b"].to_numpy(), directed=False)
    weights = pairs.select(
        pl.when(pl.col("sign") < 0).then(pl.col("w") * HOSTILE_PULL).otherwise(pl.col("w"))
    ).to_series().to_list()
    with _seeded_igraph(seed):
        if method == "circle":
            coords = np.asarray(g.layout_circle().coords, dtype=float)
        elif g.ecount() == 0:
            coords = start
        elif method in ("fr", "fr_grid"):
            coords = np.asarray(
                g.layout_fruchterman_reingold(
                    # start positions come from the seeded igraph generator: passing our own wide
                    # start matrix made the grid variant 8x slower
                    weights=weights, niter=500 if method == "fr" else 200, grid=method == "fr_grid",
                ).coords,
                dtype=float,
            )
        elif method == "kk":
            coords = np.asarray(g.layout_kamada_kawai(seed=start.tolist()).coords, dtype=float)
        else:
            coords = np.asarray(g.layout_drl(weights=weights, seed=start.tolist()).coords, dtype=float)
    coords = _normalise(coords)
    neg = pairs.filter(pl.col("sign") < 0)
    if neg.height and method != "circle":
        coords = _normalise(_repel(coords, neg["a"].to_numpy(), neg["b"].to_numpy(), pos_pairs, repel_iterations))
    return pl.DataFrame({"author": index["author"], "x": coords[:, 0], "y": coords[:, 1]})


def _pairs(index: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """Undirected author pairs (a < b) with a sign and an attraction weight; self-loops dropped."""
    if edges.height == 0:
        return pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64, "sign": pl.Int8, "w": pl.Float64})
    e = (
        edges.select(
            pl.col("source").cast(pl.String),
            pl.col("target").cast(pl.String),
            (pl.col("n_replies").cast(pl.Float64).fill_null(1.0) if "n_replies" in edges.columns
             else pl.lit(1.0)).alias("n_replies"),
            edge_sign_expr(edges.schema).alias("s"),
        )
        .join(index.rename({"author": "source", "i": "si"}), on="source", how="inner")
        .join(index.rename({"author": "target", "i": "ti"}), on="target", how="inner")
        .filter(pl.col("si") != pl.col("ti"))
    )
    return (
        e.with_columns(a=pl.min_horizontal("si", "ti"), b=pl.max_horizontal("si", "ti"))
        .group_by("a", "b")
        .agg(
            # a pair is hostile if its net reply sign is: hostility in either direction dominates
            sign=(pl.col("s").cast(pl.Float64) * pl.col("n_replies")).sum().sign().cast(pl.Int8),
            w=pl.col("n_replies").sum().log1p() + 1.0,
        )
        .sort("a", "b")
    )


def _normalise(coords: np.ndarray) -> np.ndarray:
    coords = np.nan_to_num(np.asarray(coords, dtype=float))
    if coords.shape[0] == 1:
        return np.zeros((1, 2))
    centre = (coords.max(axis=0) + coords.min(axis=0)) / 2.0
    span = float(np.abs(coords - centre).max()) or 1.0
    return (coords - centre) / span


def _repel(coords: np.ndarray, a: np.ndarray, b: np.ndarray, pos_pairs: pl.DataFrame, iterations: int) -> np.ndarray:
    """Push hostile pairs apart until they are at least a typical friendly distance * 2 apart."""
    out = coords.copy()
    if pos_pairs.height:
        pa, pb = pos_pairs["a"].to_numpy(), pos_pairs["b"].to_numpy()
        typical = float(np.median(np.linalg.norm(out[pa] - out[pb], axis=1)))
    else:
        typical = 0.1
    target = max(2.0 * typical, 0.05)
    n = len(out)
    for _ in range(iterations):
        d = out[b] - out[a]
        dist = np.linalg.norm(d, axis=1)
        short = dist < target
        if not short.any():
            break
        # coincident points: push along a fixed direction derived from the indices (deterministic)
        zero = dist < 1e-12
        d[zero] = np.column_stack([np.cos(a[zero] + b[zero]), np.sin(a[zero] + b[zero])])
        dist[zero] = 1.0
        step = np.where(short, (target - dist) / dist * 0.5, 0.0)[:, None] * d
        delta = np.column_stack([np.bincount(b, weights=step[:, k], minlength=n)
                                 - np.bincount(a, weights=step[:, k], minlength=n) for k in (0, 1)])
        # average, not sum, the pushes on a node: a hub with a thousand opponents must not fly away
        pushes = np.bincount(np.concatenate([a[short], b[short]]), minlength=n)
        out += delta / np.maximum(pushes, 1)[:, None]
    return out


# ---------------------------------------------------------------------------------------------- factions

GROUP_GAP = 2.0
"""Empty space between two faction regions, in node spacings (a node's region has radius ~0.56)."""
HOSTILE_GAP = 0.6
"""Extra space between two factions whose replies to each other are mostly opposing, as a share of
the sum of their radii: hostile factions sit visibly apart, the red edges crossing the gap."""
LEAN_MIN_MEMBERS = 12
"""Factions this big lean toward their partners (smaller ones keep their own shape)."""
OPPOSING_PULL = 0.2
"""How strongly opposing replies draw two factions together, relative to friendly ones."""
FORCE_MAX_GROUPS = 300
"""Factions placed by the force simulation; smaller ones beyond these are fitted into free space."""


def faction_layout(
    authors: pl.Series,
    communities: pl.Series,
    edges: pl.DataFrame,
    *,
    keep: pl.Series | None = None,
    seed: int = 0,
) -> pl.DataFrame:
    """Coordinates with the factions as separated groups: ``author, x, y, main`` in ``authors``' order.

    1. The **main view** holds every member of a faction with two or more members, and every author
       ``keep`` marks (the named ones); singletons and isolates (no tie but to themselves) are laid out
       on rings around it (``main`` false), toward the factions they reply to.
    2. The faction graph is laid out first: each faction is a disc (area in proportion to its members),
       discs never overlap, factions that talk to each other are drawn together, and factions whose
       replies to each other are mostly opposing (:func:`~discourse.viz.tone.tone_expr`) keep an extra
       gap (:data:`HOSTILE_GAP`).
    3. Each faction is then laid out inside its disc (Fruchterman-Reingold on its own ties, spread to an
       even density) and turned so that its members face the factions they talk to.

    ``communities`` holds each author's faction (-1 or null: none). ``edges`` needs ``source`` and
    ``target``; stance counts or weights give the tone (see :mod:`discourse.viz.tone`). Main-view
    coordinates fit [-1, 1]; the rest lie outside. Same inputs and seed, same coordinates.
    """
    n = authors.len()
    schema = {"author": pl.String, "x": pl.Float64, "y": pl.Float64, "main": pl.Boolean}
    if n == 0:
        return pl.DataFrame(schema=schema)
    index = pl.DataFrame({"author": authors.cast(pl.String), "i": pl.arange(0, n, eager=True, dtype=pl.Int64)})
    comm = communities.cast(pl.Int64, strict=False).fill_null(-1).to_numpy().astype(np.int64)
    kept = (np.zeros(n, dtype=bool) if keep is None else keep.cast(pl.Boolean).fill_null(False).to_numpy())
    pairs = tone_pairs(index, edges)
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    degree = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
    sizes = np.bincount(comm[comm >= 0], minlength=max(int(comm.max()) + 1, 1))
    in_faction = (comm >= 0) & (sizes[np.maximum(comm, 0)] >= 2) & (degree > 0)
    main = in_faction | kept
    if len(a) == 0:             # no tie at all: nothing to separate, show everyone by faction
        in_faction = np.ones(n, dtype=bool)
        main = in_faction.copy()
    # groups: factions (of their main-view members), and each named singleton alone
    key = np.where(in_faction, comm, -2 - np.arange(n))
    main_idx = np.flatnonzero(main)
    keys, inverse, counts = np.unique(key[main_idx], return_inverse=True, return_counts=True)
    first = np.full(len(keys), n, dtype=np.int64)
    np.minimum.at(first, inverse, main_idx)
    order = np.lexsort((first, -counts))            # biggest first, then by first member: deterministic
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys))
    group = np.full(n, -1, dtype=np.int64)
    group[main_idx] = rank[inverse]
    members = counts[order]
    radii = np.sqrt(members.astype(float))

    coords = np.zeros((n, 2))
    rng = np.random.default_rng(seed)
    ga, gb = group[a], group[b]
    same = (ga >= 0) & (ga == gb)
    by_group = np.argsort(ga[same], kind="stable")
    inner = pairs.filter(pl.Series(same))[by_group]
    bounds = np.searchsorted(ga[same][by_group], np.arange(len(members) + 1))
    local = np.zeros(n, dtype=np.int64)
    node_order = np.argsort(group, kind="stable")
    node_bounds = np.searchsorted(group[node_order], np.arange(len(members) + 1))
    with _seeded_igraph(seed):
        centres = _place_groups(group, members, radii, pairs, rng)
        for g in range(len(members)):
            idx = node_order[int(node_bounds[g]):int(node_bounds[g + 1])]
            local[idx] = np.arange(len(idx))
            part = inner[int(bounds[g]):int(bounds[g + 1])]
            coords[idx] = centres[g] + _inside(len(idx), local[part["a"].to_numpy()], local[part["b"].to_numpy()],
                                               part["replies"].to_numpy(), part["tone"].to_numpy(), radii[g])
    coords = _face_partners(coords, group, centres, pairs)
    coords = _lean(coords, group, centres, radii, members, pairs)
    lo, hi = coords[main].min(axis=0), coords[main].max(axis=0)
    centre = (lo + hi) / 2.0
    span = float(np.abs(coords[main] - centre).max()) or 1.0
    coords = (coords - centre) / span
    hidden = np.flatnonzero(~main)
    if len(hidden):
        coords[hidden] = _rings(hidden, coords, main, pairs, spacing=max(1.2 / span, 0.012))
    return pl.DataFrame({"author": index["author"], "x": coords[:, 0], "y": coords[:, 1], "main": main},
                        schema=schema)


def tone_pairs(index: pl.DataFrame, edges: pl.DataFrame) -> pl.DataFrame:
    """Undirected author pairs (``a < b``, positions in ``index``) with their replies summed over both
    directions: ``friendly`` (agreeing and neutral), ``opposing`` (disagreeing and hostile), ``replies``
    and the pair's ``tone`` (+1, 0, -1 by :func:`~discourse.viz.tone.tone_expr`); self-replies left out."""
    from discourse.viz.tone import tone_expr

    out_schema = {"a": pl.Int64, "b": pl.Int64, "friendly": pl.Float64, "opposing": pl.Float64,
                  "replies": pl.Float64, "tone": pl.Int8}
    if edges.height == 0:
        return pl.DataFrame(schema=out_schema)
    cols = set(edges.columns)
    n_rep = (pl.col("n_replies").cast(pl.Float64).fill_null(1.0) if "n_replies" in cols else pl.lit(1.0))
    if {"n_agree", "n_disagree", "n_hostile"} <= cols:
        agree = pl.col("n_agree").cast(pl.Float64).fill_null(0.0)
        oppose = pl.col("n_disagree").cast(pl.Float64).fill_null(0.0) + pl.col("n_hostile").cast(pl.Float64).fill_null(0.0)
        neutral = (pl.col("n_neutral").cast(pl.Float64).fill_null(0.0) if "n_neutral" in cols
                   else pl.max_horizontal(n_rep - agree - oppose, pl.lit(0.0)))
    else:  # no label counts: the edge's own tone stands for all its replies
        t = tone_expr(edges.schema)
        agree = pl.when(t > 0).then(n_rep).otherwise(0.0)
        oppose = pl.when(t < 0).then(n_rep).otherwise(0.0)
        neutral = pl.when(t == 0).then(n_rep).otherwise(0.0)
    e = (
        edges.select(pl.col("source").cast(pl.String), pl.col("target").cast(pl.String),
                     agree.alias("ag"), neutral.alias("ne"), oppose.alias("op"))
        .join(index.rename({"author": "source", "i": "si"}), on="source", how="inner")
        .join(index.rename({"author": "target", "i": "ti"}), on="target", how="inner")
        .filter(pl.col("si") != pl.col("ti"))
    )
    agg = (
        e.with_columns(a=pl.min_horizontal("si", "ti"), b=pl.max_horizontal("si", "ti"))
        .group_by("a", "b").agg(n_agree=pl.col("ag").sum(), n_neutral=pl.col("ne").sum(),
                                n_disagree=pl.col("op").sum())
        .with_columns(n_hostile=pl.lit(0.0))
        .sort("a", "b")
    )
    return agg.select(
        "a", "b",
        friendly=pl.col("n_agree") + pl.col("n_neutral"),
        opposing=pl.col("n_disagree"),
        replies=pl.col("n_agree") + pl.col("n_neutral") + pl.col("n_disagree"),
        tone=tone_expr(agg.schema),
    ).cast(out_schema)  # type: ignore[arg-type]


def _place_groups(group: np.ndarray, members: np.ndarray, radii: np.ndarray, pairs: pl.DataFrame,
                  rng: np.random.Generator) -> np.ndarray:
    """Centres of the faction discs: a force simulation on the biggest, free space for the rest."""
    n_groups = len(members)
    if n_groups == 1:
        return np.zeros((1, 2))
    ga, gb = group[pairs["a"].to_numpy()], group[pairs["b"].to_numpy()]
    across = (ga >= 0) & (gb >= 0) & (ga != gb)
    meta = (pl.DataFrame({"g": np.minimum(ga, gb)[across], "h": np.maximum(ga, gb)[across],
                          "friendly": pairs["friendly"].to_numpy()[across],
                          "opposing": pairs["opposing"].to_numpy()[across]})
            .group_by("g", "h").agg(pl.col("friendly").sum(), pl.col("opposing").sum()).sort("g", "h"))
    g_i, h_i = meta["g"].to_numpy(), meta["h"].to_numpy()
    # factions are drawn together by their friendly replies; opposing ones pull a fifth as much (and
    # keep the extra gap), so a small faction sits by the faction it agrees with
    replies = meta["friendly"].to_numpy() + OPPOSING_PULL * meta["opposing"].to_numpy()
    hostile = meta["opposing"].to_numpy() > meta["friendly"].to_numpy()
    big = min(n_groups, FORCE_MAX_GROUPS)
    in_big = (g_i < big) & (h_i < big)
    centres = np.zeros((n_groups, 2))
    centres[:big] = _force(radii[:big], g_i[in_big], h_i[in_big], replies[in_big], hostile[in_big], rng,
                           iterations=300 if big <= 100 else 150)
    if big < n_groups:
        _fit_small(centres, radii, big, g_i, h_i, replies, hostile)
    return centres


def _gap(ri: np.ndarray, rj: np.ndarray, hostile: np.ndarray | bool) -> np.ndarray:
    # the fixed gap shrinks for small factions (two of five members need no two node spacings between them)
    fixed = np.minimum(GROUP_GAP, 0.25 * (ri + rj))
    return ri + rj + fixed + np.where(hostile, HOSTILE_GAP * (ri + rj), 0.0)


def _force(radii: np.ndarray, g: np.ndarray, h: np.ndarray, replies: np.ndarray, hostile: np.ndarray,
           rng: np.random.Generator, iterations: int = 300) -> np.ndarray:
    """Disc centres: springs between factions that talk (to the distance that keeps them apart), no
    overlap, a weak pull to the middle. Deterministic: the start is a sunflower spiral plus seeded jitter."""
    k = len(radii)
    total = float(np.sqrt((radii ** 2).sum()))
    angle = np.arange(k) * np.pi * (3.0 - np.sqrt(5.0))
    r0 = total * 1.2 * np.sqrt((np.arange(k) + 0.5) / k)
    pos = np.column_stack([r0 * np.cos(angle), r0 * np.sin(angle)]) + rng.normal(0, 0.05 * total, (k, 2))
    if k == 1:
        return np.zeros((1, 2))
    mass = radii ** 2
    hostile_m = np.zeros((k, k), dtype=bool)
    hostile_m[g, h] = hostile_m[h, g] = hostile
    target = _gap(radii[:, None], radii[None, :], hostile_m)
    np.fill_diagonal(target, 0.0)
    w = np.log1p(replies) / max(float(np.log1p(replies).max()), 1e-9) if len(replies) else replies
    for it in range(iterations):
        step = 1.0 - it / iterations
        # springs: partners beyond their target distance are pulled in (heavier discs move less)
        if len(g):
            d = pos[h] - pos[g]
            dist = np.maximum(np.linalg.norm(d, axis=1), 1e-9)
            stretch = np.maximum(dist - target[g, h], 0.0) / dist * w * 0.25 * step
            move = d * stretch[:, None]
            share = mass[h] / (mass[g] + mass[h])
            delta = np.zeros_like(pos)
            np.add.at(delta, g, move * share[:, None])
            np.add.at(delta, h, -move * (1 - share)[:, None])
            pos += delta
        # gravity: everything drifts to the middle, so unconnected factions stay close
        pos -= pos * 0.02 * step
        # no overlap: every pair at least its target apart (full correction, split by mass)
        for _ in range(2):
            d = pos[None, :, :] - pos[:, None, :]
            dist = np.linalg.norm(d, axis=2)
            np.fill_diagonal(dist, np.inf)
            short = np.maximum(target - dist, 0.0)
            if not short.any():
                break
            zero = dist < 1e-9
            if zero.any():  # coincident centres: a fixed direction from the indices
                ii, jj = np.nonzero(zero)
                d[ii, jj] = np.column_stack([np.cos(ii * 2.4 + jj), np.sin(ii * 2.4 + jj)])
                dist[ii, jj] = 1.0
            share = mass[None, :] / (mass[:, None] + mass[None, :])
            push = (short / dist * share)[:, :, None] * d
            pos -= push.sum(axis=1) * 0.5
    return pos - (pos * mass[:, None]).sum(axis=0) / mass.sum()


def _fit_small(centres: np.ndarray, radii: np.ndarray, start: int, g: np.ndarray, h: np.ndarray,
               replies: np.ndarray, hostile: np.ndarray) -> None:
    """Place the factions beyond the first ``start`` (the smallest) on rings around the others, each
    at the angle of the placed factions it replies with (linear time: thousands of small factions at a
    million comments)."""
    n = len(radii)
    sx, sy = np.zeros(n), np.zeros(n)
    w = np.log1p(replies)
    for me, other in ((g, h), (h, g)):
        ok = (me >= start) & (other < start)
        np.add.at(sx, me[ok], w[ok] * centres[other[ok], 0])
        np.add.at(sy, me[ok], w[ok] * centres[other[ok], 1])
    small = np.arange(start, n)
    has = (np.abs(sx) + np.abs(sy))[small] > 0
    want = np.where(has, np.arctan2(sy[small], sx[small]), np.inf)
    extent = float((np.linalg.norm(centres[:start], axis=1) + radii[:start]).max())
    spacing = 2.0 * float(radii[small].max()) + GROUP_GAP
    centres[small] = _ring_slots(want, extent + GROUP_GAP + spacing / 2, spacing)


def _inside(m: int, la: np.ndarray, lb: np.ndarray, replies: np.ndarray, tone: np.ndarray,
            radius: float) -> np.ndarray:
    """Offsets of a faction's ``m`` members inside a disc of ``radius``: their own ties (``la``-``lb``,
    local indices) laid out, then spread to an even density (each member's distance from the middle
    by rank), angles kept."""
    if m == 1:
        return np.zeros((1, 2))
    golden = np.pi * (3.0 - np.sqrt(5.0))
    if len(la):
        weights = np.log1p(replies) + 1.0
        weights = np.where(tone < 0, weights * HOSTILE_PULL, weights)
        graph = graph_from_arrays(m, la, lb, directed=False)
        niter = 150 if m <= 50 else 500 if m <= 300 else 200   # small groups settle in few steps
        xy = np.asarray(graph.layout_fruchterman_reingold(weights=weights.tolist(), niter=niter,
                                                          grid=m > 300).coords, dtype=float)
    else:
        t = np.arange(m)
        xy = np.column_stack([np.sqrt(t + 0.5) * np.cos(t * golden), np.sqrt(t + 0.5) * np.sin(t * golden)])
    xy = np.nan_to_num(xy)
    xy = xy - xy.mean(axis=0)
    dist = np.linalg.norm(xy, axis=1)
    angle = np.arctan2(xy[:, 1], xy[:, 0])
    if m <= 3:
        new_r = np.full(m, 0.6 * radius)
        angle = angle[0] + 2.0 * np.pi * np.arange(m) / m
    else:
        ranks = np.argsort(np.argsort(dist, kind="stable"), kind="stable")
        new_r = radius * np.sqrt((ranks + 0.5) / m)
    return np.column_stack([new_r * np.cos(angle), new_r * np.sin(angle)])


def _face_partners(coords: np.ndarray, group: np.ndarray, centres: np.ndarray, pairs: pl.DataFrame) -> np.ndarray:
    """Turn each faction's disc about its centre so that its members face the factions they reply to
    (the rotation maximising the sum of offset . direction-to-partner, in closed form)."""
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    if len(a) == 0 or len(centres) < 2:
        return coords
    ga, gb = group[a], group[b]
    ok = (ga >= 0) & (gb >= 0) & (ga != gb)
    a, b, ga, gb = a[ok], b[ok], ga[ok], gb[ok]
    w = np.log1p(pairs["replies"].to_numpy()[ok])
    dots = np.zeros(len(centres))
    crosses = np.zeros(len(centres))
    for me, gm, go in ((a, ga, gb), (b, gb, ga)):
        off = coords[me] - centres[gm]
        toward = centres[go] - centres[gm]
        toward /= np.maximum(np.linalg.norm(toward, axis=1), 1e-9)[:, None]
        dots += np.bincount(gm, weights=w * (off * toward).sum(axis=1), minlength=len(centres))
        crosses += np.bincount(gm, weights=w * (off[:, 0] * toward[:, 1] - off[:, 1] * toward[:, 0]),
                               minlength=len(centres))
    theta = np.arctan2(crosses, dots)
    out = coords.copy()
    sel = group >= 0
    c, s = np.cos(theta)[group[sel]], np.sin(theta)[group[sel]]
    off = coords[sel] - centres[group[sel]]
    out[sel] = centres[group[sel]] + np.column_stack([c * off[:, 0] - s * off[:, 1], s * off[:, 0] + c * off[:, 1]])
    return out


def _lean(coords: np.ndarray, group: np.ndarray, centres: np.ndarray, radii: np.ndarray, members: np.ndarray,
          pairs: pl.DataFrame, rounds: int = 2, step: float = 0.25) -> np.ndarray:
    """Move each member of a faction part way toward the authors it replies with (friendly ties
    count more), keeping it inside its disc, then spread each disc to an even density again: members
    with ties to another faction end up on the rim facing it, so edges between factions stay short."""
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    if len(a) == 0:
        return coords
    sel = group >= 0
    big = sel & (members[np.maximum(group, 0)] >= LEAN_MIN_MEMBERS)
    if not big.any():
        return coords
    w = np.log1p(pairs["friendly"].to_numpy() + OPPOSING_PULL * pairs["opposing"].to_numpy())
    ok = sel[a] & sel[b]
    a, b, w = a[ok], b[ok], w[ok]
    n = len(coords)
    out = coords.copy()
    idx = np.flatnonzero(big)
    g = group[idx]
    for _ in range(rounds):
        wsum = np.bincount(a, weights=w, minlength=n) + np.bincount(b, weights=w, minlength=n)
        tx = np.bincount(a, weights=w * out[b, 0], minlength=n) + np.bincount(b, weights=w * out[a, 0], minlength=n)
        ty = np.bincount(a, weights=w * out[b, 1], minlength=n) + np.bincount(b, weights=w * out[a, 1], minlength=n)
        has = wsum[idx] > 0
        target = np.column_stack([tx[idx], ty[idx]]) / np.maximum(wsum[idx], 1e-12)[:, None]
        moved = out[idx] + np.where(has[:, None], step * (target - out[idx]), 0.0)
        off = moved - centres[g]
        dist = np.linalg.norm(off, axis=1)
        # even density again: the distance from the middle by rank within the faction, angle kept
        order = np.lexsort((dist, g))
        start = np.searchsorted(g[order], g[order])
        rank = np.empty(len(idx))
        rank[order] = np.arange(len(idx)) - start
        new_r = radii[g] * np.sqrt((rank + 0.5) / members[g])
        out[idx] = centres[g] + off / np.maximum(dist, 1e-12)[:, None] * new_r[:, None]
    return out


def _rings(hidden: np.ndarray, coords: np.ndarray, main: np.ndarray, pairs: pl.DataFrame, *,
           spacing: float) -> np.ndarray:
    """Positions for the authors outside the main view: concentric rings around it, each author at
    the angle of the main-view authors it replies to (isolates fill in after them, in order)."""
    n = len(main)
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    w = np.log1p(pairs["replies"].to_numpy())
    sx = np.zeros(n)
    sy = np.zeros(n)
    for me, other in ((a, b), (b, a)):
        ok = main[other] & ~main[me]
        np.add.at(sx, me[ok], w[ok] * coords[other[ok], 0])
        np.add.at(sy, me[ok], w[ok] * coords[other[ok], 1])
    has = (np.abs(sx) + np.abs(sy))[hidden] > 0
    want = np.where(has, np.arctan2(sy[hidden], sx[hidden]), np.inf)
    base = float(np.abs(coords[main]).max()) * np.sqrt(2.0) + 3 * spacing
    return _ring_slots(want, base, spacing)


def _ring_slots(want: np.ndarray, base: float, spacing: float) -> np.ndarray:
    """Points on concentric rings from radius ``base`` outward, ``spacing`` apart along and across the
    rings, one per entry of ``want`` (a wished angle, or inf for none): in the order of the wished
    angles, each takes the first free slot at or after its angle (those without a wish come last)."""
    k = len(want)
    order = np.lexsort((np.arange(k), want))
    slots_r: list[float] = []
    slots_a: list[float] = []
    radius = base
    while len(slots_r) < 1.5 * k:
        m = max(int(2 * np.pi * radius / spacing), 8)
        slots_r += [radius] * m
        slots_a += list(-np.pi + 2 * np.pi * (np.arange(m) + 0.5) / m)
        radius += spacing
    by_angle = np.lexsort((np.asarray(slots_r), np.asarray(slots_a)))
    sr, sa = np.asarray(slots_r)[by_angle], np.asarray(slots_a)[by_angle]
    n_slots = len(sr)
    ideal = np.searchsorted(sa, np.where(np.isfinite(want[order]), want[order], np.pi + 1.0))
    take = np.maximum.accumulate(np.maximum(ideal, np.arange(k)) - np.arange(k)) + np.arange(k)
    take = np.minimum(take, n_slots - k + np.arange(k))
    out = np.empty((k, 2))
    out[order] = np.column_stack([sr[take] * np.cos(sa[take]), sr[take] * np.sin(sa[take])])
    return out
