"""``build``: the whole chain from input files to a bundle, the same for the CLI and the Python API.

read -> repair -> infer parents (inputs without them) -> pair -> score stance -> author network ->
analyse -> render. Each stage is a plain function from frames to frames (see docs/ARCHITECTURE.md);
``build`` only calls them in order and records what it did.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import igraph as ig
import polars as pl

from discourse._version import __version__
from discourse.analysis import analyse
from discourse.engines import Loaded, Progress, get_engine, score_replies
from discourse.engines import load as _load
from discourse.engines.load import as_paths
from discourse.errors import NoUsableComments
from discourse.io import write as out
from discourse.options import BuildOptions, ImageFormat
from discourse.quality import QualityReport
from discourse.stance import ScorerChoice

__all__ = [
    "BUNDLE_FILES",
    "STAGES",
    "BuildOptions",
    "BuildResult",
    "Loaded",
    "Prepared",
    "Progress",
    "build",
    "load",
    "prepare",
]

STAGES = ("read", "repair", "infer", "pair", "score", "network", "analyse", "render")
BUNDLE_FILES = ("comments.parquet", "replies.parquet", "edges.parquet", "nodes.parquet", "graph.graphml",
                "metrics.json", "quality.json", "network.html")


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
    notices: list[str] = field(default_factory=list)   # what the CLI says besides the summary (e.g. the scorer used)

    def figure(self, size_by: str | None = None, *, static: bool = False):
        """The interactive network as a plotly Figure that displays itself in Jupyter (and survives
        nbconvert: see :mod:`discourse.viz.notebook`). ``static``: the publication figure of
        ``--image`` (no controls, names sized for the render options' image size)."""
        from discourse.viz import network_figure
        from discourse.viz.notebook import NotebookFigure

        render = self.options.render
        fig = network_figure(self.nodes, self.edges, comments=self.comments, replies=self.replies, op=self.op,
                             size_by=size_by or render.size_by, seed=self.options.seed, max_edges=render.max_edges,
                             webgl=render.webgl, static=static, title=self.title if static else None,
                             width=render.image_width if static else None,
                             height=render.image_height if static else 720)
        return NotebookFigure(fig)

    @property
    def op(self) -> list[str]:
        """The original posters: the threads' post authors, when known."""
        if "author" not in self.threads.columns:
            return []
        return [str(a) for a in self.threads["author"].drop_nulls().unique(maintain_order=True).to_list()]

    def report_html(self, *, cdn: bool | None = None) -> str:
        """network.html as a string (``cdn``: default from the render options)."""
        from discourse.viz import report_html

        render = self.options.render
        return report_html(nodes=self.nodes, edges=self.edges, replies=self.replies, comments=self.comments,
                           metrics=self.metrics, quality=self.quality.to_dict(), threads=self.threads,
                           title=self.title, cdn=render.cdn if cdn is None else cdn, seed=self.options.seed,
                           size_by=render.size_by, max_edges=render.max_edges, webgl=render.webgl)

    def caveats(self):
        """What to know before trusting the results (coverage, inferred parents, language, factions,
        key figures with their null-model verdicts): :class:`discourse.viz.caveats.Caveats`."""
        from discourse.viz.caveats import caveats

        return caveats(metrics=self.metrics, quality=self.quality.to_dict(),
                       comments=self.comments if self.comments is not None else self.replies, nodes=self.nodes)

    def __repr__(self) -> str:
        q = self.quality.totals()
        return (f"<BuildResult: {q['kept']:,} comments in {q['threads']:,} thread(s); {self.nodes.height:,} authors, "
                f"{self.edges.height:,} reply pairs; {self.caveats().factions}>")

    def _repr_html_(self) -> str:
        """A short summary for notebooks: sizes, the caveats and the key figures (not the tables)."""
        import html

        q = self.quality.totals()
        head = (f"<b>{html.escape(self.title)}</b>: {q['kept']:,} comments, {self.nodes.height:,} authors, "
                f"{self.edges.height:,} reply pairs")
        return (f'<div class="discourse-result">{head}{self.caveats().html()}'
                "<p><code>.figure()</code> draws the network; <code>.write(dir)</code> the bundle; "
                "<code>.nodes</code>, <code>.edges</code>, <code>.replies</code> are polars tables.</p></div>")

    @property
    def title(self) -> str:
        if self.options.render.title:
            return self.options.render.title
        titles = self.threads["title"].drop_nulls()
        if self.threads.height == 1 and titles.len():
            return str(titles[0])
        totals = self.quality.totals()
        return f"{totals['threads']} thread(s), {totals['kept']} comments"

    def write(self, out_dir: str | Path, *, cdn: bool | None = None, image: ImageFormat | None = None,
              progress: Progress | None = None) -> list[Path]:
        """Write the bundle into ``out_dir`` as a whole. Returns the paths written.

        The files are written into a new directory beside ``out_dir`` that then takes its place in
        one step (:func:`discourse.io.write.bundle_dir`): a reader sees the previous bundle or this
        one, never a mix, and a failure or Ctrl-C part way leaves the previous bundle untouched. An
        existing ``out_dir`` may hold only bundle files (it is replaced whole).

        ``image`` ("png" or "svg") also writes a static ``network.<image>`` through the local Chromium.
        ``cdn`` and ``image`` default to the render options.

        network.html is rendered in a second thread while the tables and graph files are written: the
        layout runs in igraph's C code holding the GIL, the writers run in polars' Rust code without
        it, so on two or more cores the two overlap (the "render" progress step is what is left of
        the page once the bundle is written).
        """
        from discourse.analysis.export import write_graph_files

        image = self.options.render.image if image is None else image
        own = ("comments.parquet", "threads.parquet", "replies.parquet", "edges.parquet", "nodes.parquet", "edges.csv",
               "nodes.csv", "graph.graphml", "graph.gexf", "metrics.json", "quality.json", "network.html",
               "network.png", "network.svg")
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="discourse-render") as pool:
            page = pool.submit(self.report_html, cdn=cdn)
            with out.bundle_dir(out_dir, own) as d:
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

                    render = self.options.render
                    written.append(write_image(d / f"network.{image}", self.figure(static=True), format=image,
                                               width=render.image_width, height=render.image_height,
                                               scale=render.image_scale))
        return [Path(out_dir) / Path(p).name for p in written]


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
    stance: ScorerChoice          # which scorer ran, and why


def load(paths: str | Path | Sequence[str | Path], options: BuildOptions | None = None,
         progress: Progress | None = None, **kwargs: Any) -> Loaded:
    """read -> repair -> infer (inputs without parent ids, or all with ``infer_replies=True``).

    Options: a :class:`BuildOptions` and/or keyword arguments by option name (``text_col="body"``).
    """
    return _load(paths, BuildOptions.from_flat(options, **kwargs), progress)


def prepare(paths: str | Path | Sequence[str | Path], options: BuildOptions | None = None,
            progress: Progress | None = None, **kwargs: Any) -> Prepared:
    """read -> repair -> infer -> pair -> score (options as for :func:`load`)."""
    options = BuildOptions.from_flat(options, **kwargs)
    loaded = _load(paths, options, progress)
    replies, choice = score_replies(loaded.comments, loaded.threads, options.stance, progress, loaded.quality)
    return Prepared(loaded.comments, loaded.threads, replies, loaded.quality, loaded.paths, choice)


def build(paths: str | Path | Sequence[str | Path], options: BuildOptions | None = None,
          progress: Progress | None = None, **kwargs: Any) -> BuildResult:
    """Run the whole chain on ``paths``.

    Options are a :class:`BuildOptions` and/or keyword arguments by option name, the CLI's flags
    with underscores: ``build("thread.json", seed=1, scorer="vader", text_col="body", null_models=20)``.
    An unknown name or a bad value raises :class:`discourse.options.OptionError`.
    """
    options = BuildOptions.from_flat(options, **kwargs)
    step = progress or (lambda _stage: None)
    engine = get_engine(options.engine.name)
    done = engine.run(as_paths(paths), options, step)
    network, quality = done.network, done.quality
    for reason, n in network.counts.items():
        quality.network[reason] += int(n)
    if network.graph.vcount() == 0:
        raise NoUsableComments(", ".join(map(str, done.paths)),
                               "no reply between two known authors; nothing to draw a network from")

    step("analyse")
    analysis = analyse(network, done.replies, options.analysis, seed=options.seed)
    # wall-clock timings differ run to run: kept on the result, out of metrics.json (same input, same file)
    metrics = {k: v for k, v in analysis.metrics.items() if k != "timings_s"}
    metrics = {
        **metrics,
        "reproducibility": {
            "versions": _versions(),
            "seed": options.seed,
            "scorer": done.stance.ident,
            "stance": done.stance.to_dict(),
            "options": options.to_dict(),
            "inputs": [{"path": str(p), "sha256": _sha256(p)} for p in done.paths],
        },
    }
    return BuildResult(comments=done.comments, threads=done.threads, replies=done.replies, edges=network.edges,
                       nodes=analysis.nodes, graph=network.graph, metrics=metrics, quality=quality,
                       options=options, timings=dict(analysis.metrics.get("timings_s", {})),
                       notices=[done.stance.reason] if done.stance.notice else [])
