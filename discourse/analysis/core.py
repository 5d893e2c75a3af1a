"""``analyse``: factions, key actors, roles and thread figures for one author network."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from discourse import schema
from discourse.analysis.centrality import centralities
from discourse.analysis.factions import (
    SignedLayers,
    default_resolution,
    ensemble,
    layers_from_arrays,
    partition,
    two_camps,
)
from discourse.analysis.figures import FIGURE_NULLS, FigureInput, compute_figures, figure_input
from discourse.analysis.network import AuthorNetwork, NetworkOptions, author_network
from discourse.analysis.nullmodels import NULL_DESCRIPTIONS, null_samples, summarise
from discourse.analysis.roles import assign_roles
from discourse.analysis.triads import signed_triad_census
from discourse.options import AnalysisOptions

__all__ = ["DEFAULT_RUNS", "Analysis", "analyse", "figures_by_thread", "thread_figures"]

DEFAULT_RUNS = AnalysisOptions().runs


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyse` found.

    nodes:      one row per author (``schema.NODES`` + degrees and strengths by sign, pagerank,
                neg_hub, neg_authority, betweenness, status, pn_centrality, stability, camp,
                n_neighbours, n_other_factions, roles, role), in the graph's vertex order.
    metrics:    JSON-serialisable figures (see docs/analysis.md).
    membership: faction per vertex (graph order), numbered by decreasing size.
    """

    nodes: pl.DataFrame
    metrics: dict[str, Any]
    membership: np.ndarray


def _arrays(network: AuthorNetwork) -> dict[str, np.ndarray]:
    """Directed edge arrays over vertex indices, read from the edge table (same order as the graph)."""
    g, e = network.graph, network.edges
    ends = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    return {"src": ends[:, 0], "dst": ends[:, 1], "w": e["weight_sum"].to_numpy().astype(float),
            "pos": e["pos_w"].to_numpy().astype(float), "neg": e["neg_w"].to_numpy().astype(float),
            "n_replies": e["n_replies"].to_numpy().astype(np.int64),
            "n_hostile": e["n_hostile"].to_numpy().astype(np.int64)}


def _layers(arrays: dict[str, np.ndarray], n_vertices: int) -> SignedLayers:
    a = arrays
    return layers_from_arrays(n_vertices, a["src"], a["dst"], a["w"], a["pos"], a["neg"], a["n_replies"])


def _figures(x: FigureInput, *, method: str, seed: int, null_replicates: int,
             resolution: float | None, runs: int) -> dict[str, dict[str, Any]]:
    """Figures of ``x``, z-scored against null replicates partitioned exactly as the observed network
    was (the same method, resolution and ensemble of ``runs`` seeds): a replicate partitioned once
    against an observed 5-run consensus made the z-scores too liberal."""
    raw = compute_figures(x)
    nulls: dict[str, list[float]] = {}
    if null_replicates > 0:
        def partitioner(y: FigureInput) -> tuple[np.ndarray, np.ndarray]:
            membership = ensemble(y.layers, method, seed=seed, runs=runs, resolution=resolution).membership
            return membership, two_camps(y.layers, seed=seed)

        tested = tuple(n for n, (v, _) in raw.items() if v is not None and FIGURE_NULLS[n])
        nulls = null_samples(x, partitioner, replicates=null_replicates, seed=seed, names=tested)
    return {name: summarise(value, reason, nulls.get(name), FIGURE_NULLS[name], null_replicates)
            for name, (value, reason) in raw.items()}


def thread_figures(network: AuthorNetwork, options: AnalysisOptions | None = None, *, seed: int = 0,
                   membership: np.ndarray | None = None, **kwargs: Any) -> dict[str, dict[str, Any]]:
    """Every thread figure of one network, each as ``{value, z, null_mean, null_sd, interval, null,
    replicates, reason}``. Factions are found with the options' ``method`` (one run) unless
    ``membership`` is given; options as for :func:`analyse`."""
    options = (options or AnalysisOptions()).replace(**kwargs)
    arrays = _arrays(network)
    layers = _layers(arrays, network.graph.vcount())
    if membership is None:
        membership = partition(layers, options.method, seed=seed, resolution=options.resolution)
    x = figure_input(network.graph.vcount(), **arrays, membership=np.asarray(membership),
                     camps=two_camps(layers, seed=seed), layers=layers)
    return _figures(x, method=options.method, seed=seed, null_replicates=options.null_models, runs=1,
                    resolution=options.resolution)


def figures_by_thread(replies: pl.DataFrame, threads: pl.DataFrame | None = None, *,
                      network: NetworkOptions | None = None, analysis: AnalysisOptions | None = None,
                      seed: int = 0) -> pl.DataFrame:
    """Thread figures for each (site, thread_id) of ``replies``, long format: one row per thread and
    figure with ``value, z, null_mean, null_sd, lo, hi, null, replicates, reason``."""
    rows: list[dict[str, Any]] = []
    keys = replies.select("site", "thread_id").unique().sort("site", "thread_id")
    for (site, tid), part in replies.partition_by("site", "thread_id", as_dict=True).items():
        tpart = None if threads is None else threads.filter((pl.col("site") == site) & (pl.col("thread_id") == tid))
        net = author_network(part, tpart, network or NetworkOptions())
        for name, rec in thread_figures(net, analysis, seed=seed).items():
            interval = rec["interval"] or [None, None]
            rows.append({"site": site, "thread_id": tid, "figure": name, "value": rec["value"], "z": rec["z"],
                         "null_mean": rec["null_mean"], "null_sd": rec["null_sd"], "lo": interval[0],
                         "hi": interval[1], "null": rec["null"], "replicates": rec["replicates"],
                         "reason": rec["reason"], "authors": net.graph.vcount(), "replies": net.counts["kept"]})
    spec = {"site": pl.String, "thread_id": pl.String, "figure": pl.String, "value": pl.Float64, "z": pl.Float64,
            "null_mean": pl.Float64, "null_sd": pl.Float64, "lo": pl.Float64, "hi": pl.Float64, "null": pl.String,
            "replicates": pl.Int64, "reason": pl.String, "authors": pl.Int64, "replies": pl.Int64}
    out = pl.DataFrame(rows, schema=spec)
    order = keys.with_row_index("_k")
    return out.join(order, on=["site", "thread_id"], how="left").sort("_k", maintain_order=True).drop("_k")


def _faction_table(nodes: pl.DataFrame, arrays: dict[str, np.ndarray], membership: np.ndarray,
                   limit: int = 20) -> list[dict[str, Any]]:
    """The ``limit`` largest factions: size, comments, replies sent within and across, the share of
    those that are hostile, and the three authors with the highest PageRank."""
    if membership.size == 0:
        return []
    a = arrays
    same = membership[a["src"]] == membership[a["dst"]]
    f = membership[a["src"]]
    k = int(membership.max()) + 1

    def per(mask: np.ndarray, col: str) -> np.ndarray:
        return np.bincount(f[mask], weights=a[col][mask], minlength=k)

    loops = a["src"] == a["dst"]
    within_n, within_h = per(same & ~loops, "n_replies"), per(same & ~loops, "n_hostile")
    across_n, across_h = per(~same, "n_replies"), per(~same, "n_hostile")
    anonymous = _anonymous(nodes)
    # anonymous commenters are counted, never named as a faction's top authors
    ranked = (nodes.filter(~anonymous).select("author", "community", "n_comments", "pagerank")
              .sort(["community", "pagerank", "author"], descending=[False, True, False]))
    top = dict(ranked.group_by("community", maintain_order=True).agg(pl.col("author").head(3)).iter_rows())
    anon_of = np.bincount(membership[anonymous.to_numpy()], minlength=k)
    sizes = np.bincount(membership, minlength=k)
    comments = nodes.group_by("community").agg(pl.col("n_comments").sum())
    comments_of = dict(comments.iter_rows())

    def share(h: float, n: float) -> float | None:
        return float(h / n) if n else None

    return [{"community": c, "authors": int(sizes[c]), "comments": int(comments_of.get(c, 0)),
             "replies_within": int(within_n[c]), "replies_across": int(across_n[c]),
             "hostile_share_within": share(within_h[c], within_n[c]),
             "hostile_share_across": share(across_h[c], across_n[c]),
             "anonymous": int(anon_of[c]),
             "top_authors": list(top.get(c, []))}
            for c in range(min(limit, k))]


def _anonymous(nodes: pl.DataFrame) -> pl.Series:
    """Which nodes are anonymous commenters (all False when the table has no ``anonymous`` column)."""
    if "anonymous" in nodes.columns:
        return nodes["anonymous"].fill_null(False)
    return pl.Series("anonymous", [False] * nodes.height, dtype=pl.Boolean)


def analyse(network: AuthorNetwork, replies: pl.DataFrame | None = None, options: AnalysisOptions | None = None,
            *, seed: int = 0, **kwargs: Any) -> Analysis:
    """Factions (an ensemble of ``runs`` seeds of ``method``), key actors, roles and thread figures.

    ``options`` (:class:`~discourse.options.AnalysisOptions`) and keyword arguments by option name
    (``method``, ``runs``, ``resolution``, ``null_models``) say how. ``null_models`` > 0 adds z-scores
    against null models that re-run the partitioning on each replicate. ``replies`` (the scored
    replies the network was built from) only adds the thread count to the metrics. Same network,
    options and seed give the same result.
    """
    options = (options or AnalysisOptions()).replace(**kwargs)
    method, runs, resolution, null_replicates = options.method, options.runs, options.resolution, options.null_models
    timings: dict[str, float] = {}
    t = time.perf_counter()
    g = network.graph
    arrays = _arrays(network)
    layers = _layers(arrays, g.vcount())
    cons = ensemble(layers, method, seed=seed, runs=runs, resolution=resolution)
    membership = cons.membership
    camps = two_camps(layers, seed=seed)
    timings["factions"] = time.perf_counter() - t

    t = time.perf_counter()
    table, notes = centralities(g, layers, seed=seed)
    table = assign_roles(table, layers, membership)
    timings["centralities"] = time.perf_counter() - t

    authors = network.authors
    nodes = pl.concat([
        authors.select("author", "n_comments", *(["anonymous"] if "anonymous" in authors.columns else [])),
        pl.DataFrame({"community": membership.astype(np.int64), "stability": cons.stability.astype(float),
                      "camp": camps.astype(np.int64)}, schema={"community": pl.Int64, "stability": pl.Float64,
                                                              "camp": pl.Int64}),
        table,
    ], how="horizontal")
    schema.validate(nodes, "nodes")

    t = time.perf_counter()
    x = figure_input(g.vcount(), **arrays, membership=membership, camps=camps, layers=layers)
    figures = _figures(x, method=method, seed=seed, null_replicates=null_replicates, resolution=resolution,
                       runs=runs)
    timings["figures"] = time.perf_counter() - t
    t = time.perf_counter()
    triads = signed_triad_census(x)
    timings["triads"] = time.perf_counter() - t

    sizes = np.bincount(membership) if membership.size else np.zeros(0, dtype=np.int64)
    active = int((table["n_neighbours"] > 0).sum()) if g.vcount() else 0
    anonymous = _anonymous(nodes).to_numpy()
    alone = sizes[membership] == 1 if membership.size else np.zeros(0, dtype=bool)
    metrics: dict[str, Any] = {
        "method": method,
        "resolution": default_resolution(method) if resolution is None else float(resolution),
        "seed": seed,
        "runs": runs,
        "sizes": {
            "threads": None if replies is None else int(replies.select("site", "thread_id").n_unique()),
            "authors": g.vcount(),
            "active_authors": active,
            "edges": g.ecount(),
            "replies": int(network.counts.get("kept", 0)),
            "anonymous_authors": int(anonymous.sum()),
            "factions": int((sizes >= 2).sum()),
            # of those, factions with no named member (anonymous commenters answering each other under a
            # post whose author is unknown): reported apart, they would flood the count
            "anonymous_factions": int(((sizes >= 2) & (np.bincount(membership[~anonymous], minlength=sizes.size) == 0)).sum())
            if membership.size else 0,
            # authors in a faction of their own, named and anonymous apart: many anonymous commenters
            # with one reply each are singletons, not factions
            "singletons": int((alone & ~anonymous).sum()),
            "anonymous_singletons": int((alone & anonymous).sum()),
            "largest_faction_share": float(sizes.max() / sizes.sum()) if sizes.size else None,
            "camps": [int((camps == 0).sum()), int((camps == 1).sum())],
        },
        "factions": _faction_table(nodes, arrays, membership),
        "stability_mean": float(cons.stability.mean()) if cons.stability.size else None,
        "roles": dict(sorted(nodes.group_by("role").len().iter_rows())) if nodes.height else {},
        "centrality": notes,
        "figures": figures,
        "triads": triads,
        "null_models": {"replicates": null_replicates, **NULL_DESCRIPTIONS},
        "network_counts": dict(network.counts),
        "network_options": network.options.options_dict(),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    return Analysis(nodes=nodes, metrics=metrics, membership=membership)
