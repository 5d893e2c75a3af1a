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
from discourse.analysis import analyse, author_network, ensemble, signed_layers, thread_figures
from discourse.errors import InputError, NoUsableComments
from discourse.io import write as out
from discourse.options import BuildOptions, CompareOptions, ImageFormat, OptionError
from discourse.pipeline import Progress, prepare
from discourse.stance import choose_scorer, score, to_score

__all__ = ["COMPARE_DEFAULTS", "HOSTILITY_FIGURES", "Comparison", "ThreadView", "compare", "flatten_metrics"]

# compare's starting point: a build's defaults, with null models on (z-scores are what make threads of
# different sizes and sites comparable)
COMPARE_DEFAULTS = BuildOptions().replace(null_models=20)

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
    options: dict[str, Any] = field(default_factory=dict)   # flat: every build and compare option, and counts
    build_options: BuildOptions = field(default_factory=BuildOptions)

    def figure(self) -> Any:
        """Dot plots of every figure per thread with intervals (for many threads, one strip of dots per
        figure): a plotly Figure that displays itself in Jupyter and survives nbconvert."""
        from discourse.viz.compare import MANY_THREADS, figures_dotplot, figures_strip
        from discourse.viz.notebook import NotebookFigure

        fig = figures_strip(self.table) if self.table.height > MANY_THREADS else figures_dotplot(self.table)
        return NotebookFigure(fig)

    def __repr__(self) -> str:
        return f"<Comparison: {self.table.height} thread(s), {len(self.table.columns)} columns>"

    def _repr_html_(self) -> str:
        """A short summary for notebooks: the threads compared (at most 12 rows), not every column."""
        import html

        cols = [c for c in ("site", "thread_id", "title", "n_comments", "n_authors", "n_factions", "hostility_share")
                if c in self.table.columns]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape('' if r[c] is None else (f'{r[c]:.3g}' if isinstance(r[c], float) else str(r[c])))}</td>"
                                        for c in cols) + "</tr>" for r in self.table.head(12).to_dicts())
        more = f"<p>… and {self.table.height - 12} more</p>" if self.table.height > 12 else ""
        return (f"<div><b>Comparison of {self.table.height} thread(s)</b><table><tr>{head}</tr>{rows}</table>{more}"
                "<p><code>.table</code> holds every figure with z-scores and intervals; <code>.figure()</code> plots them; "
                "<code>.write(dir)</code> writes compare.html.</p></div>")

    def html(self, *, cdn: bool | None = None) -> str:
        """compare.html as a string (``cdn``: default from the render options)."""
        from discourse.viz.compare import compare_html

        return compare_html(self, cdn=cdn)

    def write(self, out_dir: str | Path, *, cdn: bool | None = None, image: ImageFormat | None = None) -> list[Path]:
        """comparison.parquet, comparison.csv, compare.html and, with ``image`` (default: the render
        options'), a static compare.png / compare.svg of the figures' dot plots; written as a whole
        (a new directory swapped in for ``out_dir``, as a build's bundle is)."""
        image = self.build_options.render.image if image is None else image
        page = self.html(cdn=cdn)
        own = ("comparison.parquet", "comparison.csv", "compare.html", "compare.png", "compare.svg")
        with out.bundle_dir(out_dir, own) as d:
            written = [out.write_parquet(d / "comparison.parquet", self.table),
                       out.write_csv(d / "comparison.csv", self.table),
                       out.write_text(d / "compare.html", page)]
            if image:
                from discourse.viz import write_image

                render = self.build_options.render
                written.append(write_image(d / f"compare.{image}", self.figure(), format=image, width=render.image_width,
                                           height=render.image_height, scale=render.image_scale))
        return [Path(out_dir) / Path(p).name for p in written]


def _is_bundle(p: Path) -> bool:
    return p.is_dir() and (p / "replies.parquet").is_file()


def _load_bundle(p: Path, options: BuildOptions) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A bundle's scored replies and threads; re-scored when it was scored with another scorer than
    the options name (its reading and reply structure are kept as built)."""
    try:
        replies = pl.read_parquet(p / "replies.parquet")
        threads = pl.read_parquet(p / "threads.parquet") if (p / "threads.parquet").is_file() else schema.empty(schema.THREADS)
    except (pl.exceptions.PolarsError, OSError) as err:
        raise InputError(f"{p}: not a readable discourse bundle ({err})") from err
    replies = schema.validate(replies, "scored replies")
    wanted = choose_scorer(options.stance.scorer, to_score(replies), options.stance.neural_max_replies)
    if replies.height and set(replies["scorer"].unique().to_list()) != {wanted.ident}:
        replies = score(replies, wanted.scorer)
    return replies, threads


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
    w = replies["weight"].cast(pl.Float64).to_numpy()
    figs["mean_weight"] = float(w.mean()) if n else None
    figs["hostility_mass"] = float(-w[w < 0].sum() / n) if n else None  # mean negative weight per reply (>= 0)
    offensive = replies["offensive"].cast(pl.Float64).to_numpy() if "offensive" in replies.columns else None
    figs["share_offensive"] = float(offensive.mean()) if n and offensive is not None else None
    return figs


def _wilson(k: float, n: int, z: float = 1.96) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _thread_figures(replies: pl.DataFrame, threads: pl.DataFrame, options: BuildOptions, *,
                    light: bool = False) -> tuple[dict[str, Any], Any, Any]:
    """Stance mix and thread figures of one thread, with the build's network and analysis options.
    ``light`` (for bootstrap resamples) computes the figures with the same faction ensemble but
    without null models, centralities and roles."""
    network = author_network(replies, threads, options.network)
    figs = _stance_figures(replies)
    if network.graph.vcount() == 0:
        return figs, network, None
    if light:
        membership = ensemble(signed_layers(network.graph), options.analysis.method, seed=options.seed,
                              runs=options.analysis.runs, resolution=options.analysis.resolution).membership
        figs.update(flatten_metrics({"figures": thread_figures(network, options.analysis.replace(null_models=0),
                                                               seed=options.seed, membership=membership)}))
        return figs, network, None
    analysis = analyse(network, replies, options.analysis, seed=options.seed)
    figs.update(flatten_metrics(analysis.metrics))
    return figs, network, analysis


MAX_BLOCKS = 50          # bootstrap units per thread (reply trees grouped in order): bounds the jackknife
MIN_BLOCKS = 5


def _tree_of(replies: pl.DataFrame) -> np.ndarray:
    """For each reply, the index (in thread order) of its reply tree: the top-level comment it hangs
    from. Replies whose ancestry leaves the table start a tree of their own."""
    parent = dict(zip(replies["comment_id"].to_list(), replies["parent_id"].to_list()))
    root: dict[str, str] = {}

    def find(cid: str) -> str:
        path = []
        while cid not in root:
            p = parent.get(cid)
            if p is None or p not in parent or p in path:
                root[cid] = cid
                break
            path.append(cid)
            cid = p
        for c in path:
            root[c] = root[cid]
        return root[cid]

    roots = [find(c) for c in replies["comment_id"].to_list()]
    order = {r: i for i, r in enumerate(dict.fromkeys(roots))}
    return np.array([order[r] for r in roots], dtype=np.int64)


def _bootstrap_intervals(rep: pl.DataFrame, thr: pl.DataFrame, options: BuildOptions, names: list[str],
                         resamples: int, seed: int) -> dict[str, tuple[float, float]]:
    """95% BCa bootstrap intervals of the figures ``names`` for one thread.

    The units resampled are whole reply trees (a top-level comment and everything below it), grouped
    in thread order into at most :data:`MAX_BLOCKS` blocks, so the back-and-forth inside a tree stays
    together (resampling single replies thinned the ties and biased reciprocity low, and its percentile
    interval excluded the observed value). BCa (scipy.stats.bootstrap) corrects for the bias and skew
    that remain; the statistic is the figures computed as for the table, on the resampled replies.
    """
    import warnings

    from scipy import stats

    trees = _tree_of(rep)
    n_trees = int(trees.max()) + 1 if trees.size else 0
    blocks = trees * min(n_trees, MAX_BLOCKS) // max(n_trees, 1)
    n_blocks = int(blocks.max()) + 1 if blocks.size else 0
    if n_blocks < MIN_BLOCKS or not names:
        return {}
    rows_of = [np.flatnonzero(blocks == b) for b in range(n_blocks)]

    def statistic(chosen: np.ndarray, axis: int = -1) -> np.ndarray:
        idx = np.concatenate([rows_of[int(b)] for b in chosen])
        copy = np.concatenate([np.full(rows_of[int(b)].size, k) for k, b in enumerate(chosen)])
        sample = rep[idx.tolist()].with_columns(
            pl.format("{}#{}", pl.col("comment_id"), pl.Series(copy)).alias("comment_id"),
            pl.when(pl.col("parent_id").is_null()).then(None)
            .otherwise(pl.format("{}#{}", pl.col("parent_id"), pl.Series(copy))).alias("parent_id"))
        figs, _, _ = _thread_figures(sample, thr, options, light=True)
        return np.array([v if isinstance(v := figs.get(k), float) else np.nan for k in names])

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        res = stats.bootstrap((np.arange(n_blocks),), statistic, vectorized=False, method="BCa",
                              n_resamples=resamples, confidence_level=0.95, rng=np.random.default_rng(seed))
    lo, hi = np.atleast_1d(res.confidence_interval.low), np.atleast_1d(res.confidence_interval.high)
    return {k: (float(a), float(b)) for k, a, b in zip(names, lo, hi) if np.isfinite(a) and np.isfinite(b)}


def _truncate(replies: pl.DataFrame, first_n: int | None) -> pl.DataFrame:
    if not first_n:
        return replies
    order = [c for c in ("created_at", "position") if c in replies.columns]
    return (replies.with_row_index("__i").sort([*order, "__i"], nulls_last=True)
            .group_by(["site", "thread_id"], maintain_order=True).head(first_n).sort("__i").drop("__i"))


def compare(inputs: str | Path | Sequence[str | Path], options: BuildOptions | None = None,
            compare_options: CompareOptions | None = None, *, progress: Progress | None = None,
            **kwargs: Any) -> Comparison:
    """Compare every thread found in ``inputs`` (raw files or bundle directories).

    Options are those of ``discourse.build`` (a :class:`BuildOptions`, default
    :data:`COMPARE_DEFAULTS`: 20 null models) plus :class:`CompareOptions` (``first_n``,
    ``bootstrap``, ``min_comments``), and/or any of them as keyword arguments by name:
    ``compare(paths, first_n=200, runs=3, scorer="vader")``. Raw inputs are read together, as
    ``build`` reads them (a thread given twice, or in pages, is one thread).
    """
    options, rest = (options or COMPARE_DEFAULTS).split(**kwargs)
    copts = (compare_options or CompareOptions()).replace(**rest)
    if options.engine.name != "memory":
        raise OptionError("engine", f"compare resamples each thread's replies in memory; got {options.engine.name!r}, "
                                    "expected 'memory' (build a dump's network with --engine stream instead)")
    step = progress or (lambda _stage: None)
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    paths = [Path(p) for p in inputs]
    if not paths:
        raise InputError("compare needs at least one input")
    frames: list[tuple[pl.DataFrame, pl.DataFrame]] = [_load_bundle(p, options) for p in paths if _is_bundle(p)]
    raw = [p for p in paths if not _is_bundle(p)]
    if raw:
        step("read")
        prep = prepare(raw, options)
        frames.append((prep.replies, prep.threads))
    replies = pl.concat([f[0] for f in frames], how="diagonal_relaxed")
    threads = pl.concat([schema.conform(f[1], schema.THREADS) for f in frames], how="diagonal_relaxed")
    first_n, bootstrap, min_comments, seed = copts.first_n, copts.bootstrap, copts.min_comments, options.seed
    replies = _truncate(replies, first_n)
    if replies.height == 0:
        raise NoUsableComments(", ".join(map(str, paths)), "no replies to compare")

    rows: list[dict[str, Any]] = []
    views: list[ThreadView] = []
    sizes = replies.group_by(["site", "thread_id"], maintain_order=True).len()
    keys = sizes.filter(pl.col("len") >= min_comments).select("site", "thread_id").rows()
    skipped = sizes.height - len(keys)
    if not keys:
        raise NoUsableComments(", ".join(map(str, paths)), f"no thread has {min_comments} or more comments")
    for site, tid in keys:
        step("analyse")
        rep = replies.filter((pl.col("site") == site) & (pl.col("thread_id") == tid))
        thr = threads.filter((pl.col("site") == site) & (pl.col("thread_id") == tid))
        figs, network, analysis = _thread_figures(rep, thr, options)
        title = str(thr["title"].drop_nulls()[0]) if thr.height and thr["title"].drop_nulls().len() else None
        n = rep.height
        row: dict[str, Any] = {
            "site": site, "thread_id": tid, "title": title,
            "n_comments": n,
            "n_authors": rep["author"].drop_nulls().n_unique(),
            "n_replies": int((~rep["to_root"]).sum()),
            "n_nodes": network.graph.vcount(), "n_edges": network.graph.ecount(),
            # nodes that are anonymous commenters (one per comment): n_nodes - n_anonymous are named
            "n_anonymous": int(network.counts.get("anonymous_authors", 0)),
            "first_n": first_n,
        }
        row.update(figs)
        for label in (*STANCE_LABELS, "negative"):
            k = (figs.get(f"share_{label}") or 0.0) * n
            row[f"share_{label}_lo"], row[f"share_{label}_hi"] = _wilson(k, n)
        # bootstrap intervals for every raw figure (the stance shares have their Wilson intervals)
        raw_figs = [k2 for k2 in figs if not k2.endswith(_DERIVED) and k2 != "n_factions" and f"{k2}_lo" not in row]
        if bootstrap:
            for k2, (lo, hi) in _bootstrap_intervals(rep, thr, options, raw_figs, bootstrap, seed).items():
                row[f"{k2}_lo"], row[f"{k2}_hi"] = lo, hi
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
    return Comparison(table=table, threads=views, build_options=options, options={
        **options.flat(), **copts.to_dict(), "threads_skipped_small": skipped})
