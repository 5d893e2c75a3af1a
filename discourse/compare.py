"""Compare threads side by side, with size-aware, null-normalised figures.

Raw figures mislead across threads: threads differ in size and sites differ in culture. For every
thread, :func:`compare` computes each thread figure raw, as a z-score against its null model (the
analysis stage's null models, re-partitioned on every replicate), and with a bootstrap interval
(replies resampled with replacement, the network and figures recomputed). ``first_n`` truncates every
thread to its first N comments so that sizes match; threads with fewer than ``min_comments`` comments
are left out of the table (their number is recorded in ``Comparison.options``).

Inputs are raw threads (any readable format, one or many threads per file) or bundle directories
written by ``discourse build`` (their ``replies.parquet`` and ``threads.parquet`` are reused).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from discourse import schema
from discourse._typing import STANCE_LABELS
from discourse.errors import InputError, NoUsableComments
from discourse.io import write as out
from discourse.pipeline import BuildOptions, Progress, prepare

__all__ = ["compare", "Comparison", "ThreadView", "HOSTILITY_FIGURES", "flatten_metrics"]

# figures where a larger value means more hostility; the calm-vs-hostile test checks each of them
HOSTILITY_FIGURES = ("share_hostile", "share_negative", "hostility_mass", "share_offensive", "hostility_share")


_DERIVED = ("_z", "_null_mean", "_null_sd", "_null_lo", "_null_hi", "_replicates", "_reason")


@dataclass
class ThreadView:
    site: str
    thread_id: str
    title: str | None
    replies: pl.DataFrame
    nodes: pl.DataFrame
    edges: pl.DataFrame
    metrics: dict[str, Any]


@dataclass
class Comparison:
    """One row per thread in ``table``; ``figure()`` and ``html()`` draw them side by side."""

    table: pl.DataFrame
    threads: list[ThreadView] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    def figure(self):
        """Dot plots of every figure per thread with intervals (a plotly Figure)."""
        from discourse.viz.compare import figures_dotplot

        return figures_dotplot(self.table)

    def html(self, *, cdn: bool = False) -> str:
        from discourse.viz.compare import compare_html

        return compare_html(self, cdn=cdn)

    def write(self, out_dir: str | Path, *, cdn: bool = False) -> list[Path]:
        d = Path(out_dir)
        return [out.write_parquet(d / "comparison.parquet", self.table),
                out.write_csv(d / "comparison.csv", self.table),
                out.write_text(d / "compare.html", self.html(cdn=cdn))]


def _is_bundle(p: Path) -> bool:
    return p.is_dir() and (p / "replies.parquet").is_file()


def _load_bundle(p: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    try:
        replies = pl.read_parquet(p / "replies.parquet")
        threads = pl.read_parquet(p / "threads.parquet") if (p / "threads.parquet").is_file() else schema.empty(schema.THREADS)
    except (pl.exceptions.PolarsError, OSError) as err:
        raise InputError(f"{p}: not a readable discourse bundle ({err})") from err
    return schema.validate(replies, "scored replies"), threads


def flatten_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """The thread figures of an analysis as flat columns.

    For each figure ``F`` of ``metrics["figures"]``: ``F`` (raw value), ``F_z``, ``F_null_mean``,
    ``F_null_sd``, ``F_null_lo`` / ``F_null_hi`` (central 95% of the null values), ``F_replicates``
    and ``F_reason`` (why the value is null, when it is). Plus the faction count.
    """
    flat: dict[str, Any] = {}
    for name, rec in sorted((metrics.get("figures") or {}).items()):
        if not isinstance(rec, dict):
            flat[name] = _num(rec)
            continue
        flat[name] = _num(rec.get("value"))
        flat[f"{name}_z"] = _num(rec.get("z"))
        flat[f"{name}_null_mean"] = _num(rec.get("null_mean"))
        flat[f"{name}_null_sd"] = _num(rec.get("null_sd"))
        interval = rec.get("interval") or [None, None]
        flat[f"{name}_null_lo"], flat[f"{name}_null_hi"] = _num(interval[0]), _num(interval[1])
        flat[f"{name}_replicates"] = rec.get("replicates")
        flat[f"{name}_reason"] = rec.get("reason")
    sizes = metrics.get("sizes") or {}
    if "factions" in sizes:
        flat["n_factions"] = sizes["factions"]
    return flat


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return None if math.isnan(v) else float(v)


def _stance_figures(replies: pl.DataFrame) -> dict[str, float | None]:
    n = replies.height
    counts = dict(replies.group_by("label").len().iter_rows())
    figs: dict[str, float | None] = {}
    for label in STANCE_LABELS:
        figs[f"share_{label}"] = counts.get(label, 0) / n if n else None
    figs["share_negative"] = ((counts.get("disagree", 0) + counts.get("hostile", 0)) / n) if n else None
    w = replies["weight"]
    figs["mean_weight"] = float(w.mean()) if n else None
    neg = w.filter(w < 0)
    figs["hostility_mass"] = float(-neg.sum() / n) if n else None  # mean negative weight per reply (>= 0)
    figs["share_offensive"] = float(replies["offensive"].mean()) if n and "offensive" in replies.columns else None
    return figs


def _wilson(k: float, n: int, z: float = 1.96) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _thread_figures(replies: pl.DataFrame, threads: pl.DataFrame, options: BuildOptions,
                    null_replicates: int, seed: int, *, light: bool = False) -> tuple[dict[str, Any], Any, Any]:
    """Stance mix and thread figures of one thread. ``light`` (for bootstrap resamples) computes the
    figures from one partition, without the ensemble, centralities and roles."""
    from discourse.analysis import analyse, thread_figures
    from discourse.analysis.network import NetworkOptions, author_network

    nopts = NetworkOptions(self_replies=options.self_replies, root_edges=options.root_edges,
                           mention_edges=options.mention_edges, min_confidence=options.min_confidence)
    network = author_network(replies, threads, nopts)
    figs = _stance_figures(replies)
    if network.graph.vcount() == 0:
        return figs, network, None
    if light:
        figs.update(flatten_metrics({"figures": thread_figures(network, method=options.method, seed=seed)}))
        return figs, network, None
    analysis = analyse(network, replies, method=options.method, seed=seed, null_replicates=null_replicates)
    figs.update(flatten_metrics(analysis.metrics))
    return figs, network, analysis


def _truncate(replies: pl.DataFrame, first_n: int | None) -> pl.DataFrame:
    if not first_n:
        return replies
    order = [c for c in ("created_at", "position") if c in replies.columns]
    return (replies.with_row_index("__i").sort([*order, "__i"], nulls_last=True)
            .group_by(["site", "thread_id"], maintain_order=True).head(first_n).sort("__i").drop("__i"))


def compare(inputs: str | Path | Sequence[str | Path], *, first_n: int | None = None, bootstrap: int = 50,
            null_replicates: int = 20, seed: int = 0, min_comments: int = 1, options: BuildOptions | None = None,
            progress: Progress | None = None, **kwargs: Any) -> Comparison:
    """Compare every thread found in ``inputs`` (raw files or bundle directories)."""
    options = options or BuildOptions(seed=seed, **kwargs)
    step = progress or (lambda _stage: None)
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    paths = [Path(p) for p in inputs]
    if not paths:
        raise InputError("compare needs at least one input")
    frames: list[tuple[pl.DataFrame, pl.DataFrame]] = []
    raw = [p for p in paths if not _is_bundle(p)]
    for p in paths:
        if _is_bundle(p):
            frames.append(_load_bundle(p))
    for p in raw:  # one prepare per file keeps thread ids of different files apart in errors
        step("read")
        prep = prepare([p], options)
        frames.append((prep.replies, prep.threads))
    replies = pl.concat([f[0] for f in frames], how="diagonal_relaxed")
    threads = pl.concat([schema.conform(f[1], schema.THREADS) for f in frames], how="diagonal_relaxed")
    replies = _truncate(replies, first_n)
    if replies.height == 0:
        raise NoUsableComments(", ".join(map(str, paths)), "no replies to compare")

    rows: list[dict[str, Any]] = []
    views: list[ThreadView] = []
    rng = np.random.default_rng(seed)
    sizes = replies.group_by(["site", "thread_id"], maintain_order=True).len()
    keys = sizes.filter(pl.col("len") >= min_comments).select("site", "thread_id").rows()
    skipped = sizes.height - len(keys)
    if not keys:
        raise NoUsableComments(", ".join(map(str, paths)), f"no thread has {min_comments} or more comments")
    for site, tid in keys:
        step("analyse")
        rep = replies.filter((pl.col("site") == site) & (pl.col("thread_id") == tid))
        thr = threads.filter((pl.col("site") == site) & (pl.col("thread_id") == tid))
        figs, network, analysis = _thread_figures(rep, thr, options, null_replicates, seed)
        title = thr["title"].drop_nulls().first() if thr.height else None
        n = rep.height
        row: dict[str, Any] = {
            "site": site, "thread_id": tid, "title": title,
            "n_comments": n,
            "n_authors": rep["author"].drop_nulls().n_unique(),
            "n_replies": int((~rep["to_root"]).sum()),
            "n_nodes": network.graph.vcount(), "n_edges": network.graph.ecount(),
            "first_n": first_n,
        }
        row.update(figs)
        for label in (*STANCE_LABELS, "negative"):
            k = (figs.get(f"share_{label}") or 0.0) * n
            row[f"share_{label}_lo"], row[f"share_{label}_hi"] = _wilson(k, n)
        # bootstrap intervals for every raw figure
        raw_figs = [k2 for k2 in figs if not k2.endswith(_DERIVED) and k2 != "n_factions"]
        if bootstrap and n >= 5:
            samples: dict[str, list[float]] = {}
            for _ in range(bootstrap):
                idx = rng.integers(0, n, n)
                boot = rep[idx.tolist()].with_columns(
                    pl.format("{}#{}", pl.col("comment_id"), pl.int_range(pl.len())).alias("comment_id"))
                bfigs, _, _ = _thread_figures(boot, thr, options, 0, seed, light=True)
                for k2 in raw_figs:
                    v = bfigs.get(k2)
                    if isinstance(v, float):
                        samples.setdefault(k2, []).append(v)
            for k2 in raw_figs:
                vals = samples.get(k2)
                if f"{k2}_lo" in row:
                    continue
                if vals and len(vals) >= max(5, bootstrap // 2):
                    row[f"{k2}_lo"], row[f"{k2}_hi"] = (float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5)))
        rows.append(row)
        views.append(ThreadView(site, tid, title, rep,
                                analysis.nodes if analysis is not None else schema.empty(schema.NODES),
                                network.edges, analysis.metrics if analysis is not None else {}))
    table = pl.DataFrame(rows, infer_schema_length=None, strict=False)
    front = ["site", "thread_id", "title", "n_comments", "n_authors", "n_replies", "n_nodes", "n_edges",
             "n_factions", "first_n"]
    for col in front:
        if col not in table.columns:
            table = table.with_columns(pl.lit(None).alias(col))
    table = table.select(*front, *sorted(c for c in table.columns if c not in front))
    return Comparison(table=table, threads=views, options={
        **options.to_dict(), "first_n": first_n, "bootstrap": bootstrap, "null_replicates": null_replicates,
        "seed": seed, "min_comments": min_comments, "threads_skipped_small": skipped})
