"""``build``: the whole chain from input files to a bundle, the same for the CLI and the Python API.

read -> repair -> infer parents (inputs without them) -> pair -> score stance -> author network ->
analyse -> render. Each stage is a plain function from frames to frames (see docs/ARCHITECTURE.md);
``build`` only calls them in order and records what it did.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import igraph as ig
import polars as pl

from discourse import schema
from discourse._typing import OnError
from discourse._version import __version__
from discourse.errors import NoUsableComments
from discourse.io import ReadOptions, read
from discourse.io import write as out
from discourse.pairing import pair_replies
from discourse.quality import QualityReport
from discourse.repair import repair

__all__ = ["build", "load", "Loaded", "prepare", "Prepared", "COARSE_PARENT_SITES", "BuildResult", "BuildOptions", "STAGES", "BUNDLE_FILES"]

STAGES = ("read", "repair", "infer", "pair", "score", "network", "analyse", "render")
BUNDLE_FILES = ("comments.parquet", "replies.parquet", "edges.parquet", "nodes.parquet", "graph.graphml",
                "metrics.json", "quality.json", "network.html")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    """Everything that shapes a build; recorded in metrics.json for reproducibility."""

    format: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    on_error: OnError = "raise"
    site: str | None = None
    thread_id: str | None = None
    page_layout: dict = field(default_factory=dict)
    infer_replies: bool | None = None     # None: infer only where the input has no parent ids
    refine_mentions: bool | None = None   # re-target "@name" replies: None = only on COARSE_PARENT_SITES
    min_confidence: float = 0.0
    scorer: str = "default"
    self_replies: str = "drop"
    root_edges: bool = True
    mention_edges: bool = False
    method: str = "leiden-cpm"
    runs: int = 5                         # seeds in the faction ensemble (consensus + stability)
    resolution: float | None = None       # faction resolution; None: the method's default
    null_replicates: int = 0
    seed: int = 0
    size_by: str = "pagerank"
    max_edges: int = 10_000               # network.html draws the strongest edges above this, and says so
    webgl: bool | None = None             # None: WebGL above a size threshold
    title: str | None = None
    engine: str = "memory"                # memory | stream (chunked, bounded memory) | dask (a cluster)
    chunk_rows: int = 250_000             # stream: rows per chunk
    workers: int = 2                      # dask: worker processes of the local cluster
    partitions: int | None = None         # dask: thread buckets / parts (default: 2 x cluster threads)
    scheduler: str | None = None          # dask: address of an existing scheduler (else a local cluster)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class BuildResult:
    """The tables, graph and figures of one build. ``figure()`` displays in Jupyter.

    With the ``stream`` and ``dask`` engines the per-comment tables are never gathered in one place:
    ``comments`` and ``replies`` are then None and the bundle holds the network, not the comments.
    """

    comments: pl.DataFrame | None
    threads: pl.DataFrame
    replies: pl.DataFrame | None
    edges: pl.DataFrame
    nodes: pl.DataFrame
    graph: ig.Graph
    metrics: dict[str, Any]
    quality: QualityReport
    options: BuildOptions
    timings: dict[str, float] = field(default_factory=dict)  # seconds per analysis step (not in metrics.json)

    def figure(self, size_by: str | None = None):
        """The interactive network as a plotly Figure."""
        from discourse.viz import network_figure

        return network_figure(self.nodes, self.edges, comments=self.comments,
                              size_by=size_by or self.options.size_by, seed=self.options.seed,
                              max_edges=self.options.max_edges, webgl=self.options.webgl)

    def report_html(self, *, cdn: bool = False) -> str:
        from discourse.viz import report_html

        return report_html(nodes=self.nodes, edges=self.edges, replies=self.replies, comments=self.comments,
                           metrics=self.metrics, title=self.title, cdn=cdn, seed=self.options.seed,
                           size_by=self.options.size_by, max_edges=self.options.max_edges,
                           webgl=self.options.webgl)

    @property
    def title(self) -> str:
        if self.options.title:
            return self.options.title
        titles = self.threads["title"].drop_nulls()
        if self.threads.height == 1 and titles.len():
            return str(titles[0])
        totals = self.quality.totals()
        return f"{totals['threads']} thread(s), {totals['kept']} comments"

    def write(self, out_dir: str | Path, *, cdn: bool = False, image: str | None = None,
              progress: Progress | None = None) -> list[Path]:
        """Write the bundle into ``out_dir``, each file atomically. Returns the paths written.

        ``image`` ("png" or "svg") also writes a static ``network.<image>`` through the local Chromium.

        network.html is rendered in a second thread while the tables and graph files are written: the
        layout runs in igraph's C code holding the GIL, the writers run in polars' Rust code without
        it, so on two or more cores the two overlap (the "render" progress step is what is left of
        the page once the bundle is written).
        """
        from discourse.analysis.export import write_graph_files

        d = Path(out_dir)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="discourse-render") as pool:
            page = pool.submit(self.report_html, cdn=cdn)
            written = [out.write_parquet(d / name, table) for name, table in (
                ("comments.parquet", self.comments), ("threads.parquet", self.threads),
                ("replies.parquet", self.replies)) if table is not None]
            written += [
                out.write_parquet(d / "edges.parquet", self.edges),
                out.write_parquet(d / "nodes.parquet", self.nodes),
                out.write_csv(d / "edges.csv", self.edges),
                out.write_csv(d / "nodes.csv", self.nodes),
                *write_graph_files(self.graph, graphml=d / "graph.graphml", gexf=d / "graph.gexf", nodes=self.nodes),
                out.write_json(d / "metrics.json", self.metrics),
                out.write_json(d / "quality.json", self.quality.to_dict()),
            ]
            if progress:
                progress("render")
            written.append(out.write_text(d / "network.html", page.result()))
        if image:
            from discourse.viz import write_image

            written.append(write_image(d / f"network.{image}", self.figure(), format=image))
        return [Path(p) for p in written]


def _sha256(path: Path) -> str | None:
    if path.is_dir():
        return None
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    import leidenalg
    import numpy
    import plotly

    return {"discourse": __version__, "python": platform.python_version(), "polars": pl.__version__,
            "igraph": ig.__version__, "leidenalg": getattr(leidenalg, "__version__", "?"),
            "plotly": plotly.__version__, "numpy": numpy.__version__}


@dataclass
class Prepared:
    """The front half of a build: scored replies and what they came from."""

    comments: pl.DataFrame
    threads: pl.DataFrame
    replies: pl.DataFrame
    quality: QualityReport
    paths: list[Path]


def _options(options: BuildOptions | None, kwargs: dict[str, Any]) -> BuildOptions:
    if options is None:
        return BuildOptions(**kwargs)
    return BuildOptions(**{**options.to_dict(), **kwargs}) if kwargs else options


# sites whose recorded parents are coarser than the conversation: Stack Exchange comments hang off a
# post, YouTube replies off the top-level comment; "@name" openings there say who is answered
COARSE_PARENT_SITES = ("stackexchange", "youtube")


@dataclass
class Loaded:
    """Comments read, repaired and with every parent known (inferred where the input had none)."""

    comments: pl.DataFrame
    threads: pl.DataFrame
    quality: QualityReport
    paths: list[Path]


def _refine(comments: pl.DataFrame, which: bool | None, quality: QualityReport) -> pl.DataFrame:
    from discourse.infer import refine_mentions

    if which is False:
        return comments
    mask = pl.lit(True) if which else pl.col("site").is_in(list(COARSE_PARENT_SITES))
    indexed = comments.with_row_index("__order")
    target = indexed.filter(mask)
    if target.height == 0:
        return comments
    refined = refine_mentions(target.drop("__order")).with_columns(target["__order"])
    changed = int(target["parent_id"].ne_missing(refined["parent_id"]).sum())
    if changed:
        quality.notes.append(f"{changed} reply(ies) re-targeted to the comment of the @named author")
    return pl.concat([indexed.filter(~mask), refined.select(indexed.columns)], how="vertical").sort("__order").drop("__order")


def load(paths: str | Path | Sequence[str | Path], options: BuildOptions | None = None,
         progress: Progress | None = None, **kwargs: Any) -> Loaded:
    """read -> repair -> infer (inputs without parent ids, or all with ``infer_replies=True``)."""
    from discourse.infer import infer_parents

    options = _options(options, kwargs)
    step = progress or (lambda _stage: None)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]

    step("read")
    ropts = ReadOptions(columns=dict(options.columns), on_error=options.on_error, site=options.site,
                        thread_id=options.thread_id, page_layout=dict(options.page_layout))
    data = read(paths, options.format, ropts)

    step("repair")
    comments, quality = repair(data.comments, data.threads, data.quality)

    step("infer")
    if options.infer_replies:
        # forced: treat the input as flat, whatever parent ids it holds
        comments = comments.with_columns(parent_source=pl.lit("none"), parent_id=pl.lit(None, pl.String),
                                         parent_confidence=pl.lit(0.0))
    n_flat = comments.select((pl.col("parent_source") == "none").sum()).item()
    if options.infer_replies is not False and n_flat:
        comments = infer_parents(comments, threads=data.threads)
        quality.notes.append(f"parents inferred for {n_flat} comment(s) without parent ids")
    comments = _refine(comments, options.refine_mentions, quality)
    schema.validate(comments, "comments")
    return Loaded(comments, data.threads, quality, paths)


def prepare(paths: str | Path | Sequence[str | Path], options: BuildOptions | None = None,
            progress: Progress | None = None, **kwargs: Any) -> Prepared:
    """read -> repair -> infer -> pair -> score."""
    from discourse import stance

    options = _options(options, kwargs)
    step = progress or (lambda _stage: None)
    loaded = load(paths, options, progress)

    step("pair")
    replies = pair_replies(loaded.comments, loaded.threads)

    step("score")
    replies = schema.validate(stance.score(replies, options.scorer), "scored replies")
    return Prepared(loaded.comments, loaded.threads, replies, loaded.quality, loaded.paths)


def build(paths: str | Path | Sequence[str | Path], options: BuildOptions | None = None,
          progress: Progress | None = None, **kwargs: Any) -> BuildResult:
    """Run the whole chain on ``paths``.

    Options are a :class:`BuildOptions` or its fields as keyword arguments, e.g.
    ``build("thread.json", seed=1, scorer="vader")``.
    """
    from discourse.analysis import analyse
    from discourse.analysis.network import NetworkOptions, author_network

    options = _options(options, kwargs)
    step = progress or (lambda _stage: None)
    nopts = NetworkOptions(self_replies=options.self_replies, root_edges=options.root_edges,
                           mention_edges=options.mention_edges, min_confidence=options.min_confidence)
    if options.engine == "memory":
        prep = prepare(paths, options, progress)
        replies, quality, threads, comments, in_paths = prep.replies, prep.quality, prep.threads, prep.comments, prep.paths
        step("network")
        network = author_network(replies, threads, nopts)
    else:
        network, quality, in_paths = _scaled_network(paths, options, step)
        comments = replies = None
        threads = schema.empty(schema.THREADS)
    for reason, n in network.counts.items():
        quality.network[reason] += int(n)
    if network.graph.vcount() == 0:
        raise NoUsableComments(", ".join(map(str, in_paths)),
                               "no reply between two known authors; nothing to draw a network from")

    step("analyse")
    analysis = analyse(network, replies, method=options.method, seed=options.seed,
                       null_replicates=options.null_replicates, runs=options.runs, resolution=options.resolution)
    # wall-clock timings differ run to run: kept on the result, out of metrics.json (same input, same file)
    metrics = {k: v for k, v in analysis.metrics.items() if k != "timings_s"}
    metrics = {
        **metrics,
        "reproducibility": {
            "versions": _versions(),
            "seed": options.seed,
            "scorer": replies["scorer"][0] if replies is not None and replies.height else options.scorer,
            "options": options.to_dict(),
            "network_options": nopts.options_dict(),
            "inputs": [{"path": str(p), "sha256": _sha256(p)} for p in in_paths],
        },
    }
    return BuildResult(comments=comments, threads=threads, replies=replies, edges=network.edges,
                       nodes=analysis.nodes, graph=network.graph, metrics=metrics, quality=quality,
                       options=options, timings=dict(analysis.metrics.get("timings_s", {})))


def _scaled_network(paths: str | Path | Sequence[str | Path], options: BuildOptions,
                    step: Progress) -> tuple[Any, QualityReport, list[Path]]:
    """read..aggregate on the stream or dask engine (discourse.distributed): the same edges as the
    memory engine, without gathering every comment in one process."""
    from discourse import distributed
    from discourse.errors import AnalysisError

    if isinstance(paths, (str, Path)):
        paths = [paths]
    in_paths = [Path(p) for p in paths]
    step("read")
    if options.engine == "stream":
        res = distributed.stream_network(in_paths, chunk_rows=options.chunk_rows, scorer=options.scorer,
                                         options=options)
    elif options.engine == "dask":
        client = None
        if options.scheduler:
            dd = distributed._dask()
            client = dd.Client(options.scheduler)
        try:
            res = distributed.distributed_network(in_paths, client=client, n_workers=options.workers,
                                                  partitions=options.partitions, scorer=options.scorer,
                                                  options=options)
        finally:
            if client is not None:
                client.close()
    else:
        raise AnalysisError(f"unknown engine {options.engine!r}; expected memory, stream or dask")
    step("network")
    quality = res.quality
    quality.notes.extend(res.notes)
    quality.notes.append(f"engine {options.engine}: comments and replies tables were not gathered; "
                         "the bundle holds the network")
    return res.network(), quality, in_paths
