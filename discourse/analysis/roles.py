"""Role labels for authors, derived from the signed centralities and the factions.

Thresholds are relative to the thread: "top" means at or above the ``TOP_QUANTILE`` of the score
among authors with at least one tie, and above zero. Each author gets every role whose rule holds
(``roles``, a list) and one ``role``: the first of :data:`ROLE_PRIORITY` that holds. The rules are
explained for users in docs/analysis.md.

=============  ==============================================================================
combatant      both an instigator and a target
instigator     top hub score on the negative layer, sends more hostility than agreement, and
               is hostile to at least ``MIN_TIES`` authors
target         top authority score on the negative layer, receives more hostility than
               agreement, from at least ``MIN_TIES`` authors
leader         top PageRank on the positive layer, endorsed by at least ``MIN_TIES`` authors,
               positive status
broker         top betweenness, with ties into at least two factions besides its own
member         none of the above, tied to two or more authors
peripheral     tied to a single author (in either or both directions)
isolate        no tie (only replies to unknown, deleted or self)
=============  ==============================================================================
"""

from __future__ import annotations

import numpy as np
import polars as pl

from discourse.analysis.factions import SignedLayers

__all__ = ["MIN_TIES", "ROLE_PRIORITY", "TOP_QUANTILE", "assign_roles"]

ROLE_PRIORITY: tuple[str, ...] = ("combatant", "instigator", "target", "leader", "broker", "member",
                                  "peripheral", "isolate")
TOP_QUANTILE = 0.9
MIN_TIES = 2


def _neighbour_factions(layers: SignedLayers, membership: np.ndarray) -> np.ndarray:
    """How many factions other than its own each vertex has a tie into."""
    n = layers.n_vertices
    if layers.n_edges == 0:
        return np.zeros(n, dtype=np.int64)
    a = np.concatenate([layers.u, layers.v])
    f = np.concatenate([membership[layers.v], membership[layers.u]])
    other = membership[a] != f
    counts = (pl.DataFrame({"a": a[other], "f": f[other]})
              .group_by("a").agg(pl.col("f").n_unique().alias("k")))
    out = np.zeros(n, dtype=np.int64)
    out[counts["a"].to_numpy()] = counts["k"].to_numpy()
    return out


def assign_roles(table: pl.DataFrame, layers: SignedLayers, membership: np.ndarray) -> pl.DataFrame:
    """Add ``n_neighbours`` (distinct authors tied to, either direction, loops aside),
    ``n_other_factions``, ``roles`` (list) and ``role`` to a centrality table (graph order)."""
    n = layers.n_vertices
    neighbours = np.bincount(layers.u, minlength=n) + np.bincount(layers.v, minlength=n)
    active = pl.col("n_neighbours") > 0

    def top(col: str) -> pl.Expr:
        cut = pl.col(col).filter(active).quantile(TOP_QUANTILE, interpolation="lower")
        return (pl.col(col) >= cut) & (pl.col(col) > 0) & active

    t = table.with_columns(pl.Series("n_neighbours", neighbours, dtype=pl.Int64),
                           pl.Series("n_other_factions", _neighbour_factions(layers, membership), dtype=pl.Int64))
    instigator = (top("neg_hub") & (pl.col("out_neg_strength") > pl.col("out_pos_strength"))
                  & (pl.col("out_neg_degree") >= MIN_TIES))
    target = (top("neg_authority") & (pl.col("in_neg_strength") > pl.col("in_pos_strength"))
              & (pl.col("in_neg_degree") >= MIN_TIES))
    leader = top("pagerank") & (pl.col("in_pos_degree") >= MIN_TIES) & (pl.col("status") > 0)
    broker = top("betweenness") & (pl.col("n_other_factions") >= 2)
    ties = pl.col("n_neighbours")
    flags = {
        "combatant": instigator & target,
        "instigator": instigator,
        "target": target,
        "leader": leader,
        "broker": broker,
    }
    t = t.with_columns([e.fill_null(False).alias(f"_is_{k}") for k, e in flags.items()])
    special = pl.any_horizontal([pl.col(f"_is_{k}") for k in flags])
    t = t.with_columns(
        (~special & (ties >= 2)).alias("_is_member"),
        (~special & (ties == 1)).alias("_is_peripheral"),
        (ties == 0).alias("_is_isolate"),
    )
    roles = pl.concat_list([
        pl.when(pl.col(f"_is_{r}")).then(pl.lit(r)).otherwise(pl.lit(None, dtype=pl.String)) for r in ROLE_PRIORITY
    ]).list.drop_nulls()
    t = t.with_columns(roles.alias("roles")).with_columns(pl.col("roles").list.first().alias("role"))
    return t.drop([c for c in t.columns if c.startswith("_is_")])
