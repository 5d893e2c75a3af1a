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

__all__ = ["FR_MAX_NODES", "LAYOUTS", "LayoutName", "edge_sign_expr", "signed_layout"]

LayoutName = Literal["auto", "fr", "fr_grid", "drl", "kk", "circle"]
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
