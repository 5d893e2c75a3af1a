"""The ``discourse`` command. Each command parses options, makes one library call, and turns the
library's errors into one-line messages (see cli/_common.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from discourse.cli._common import (AuthorCol, Format, IdCol, Inputs, OnErrorOpt, OutDir, ParentCol, Quiet,
                                   ScoreCol, Seed, StageProgress, TextCol, ThreadCol, TimeCol, check_on_error,
                                   column_map, err_console, handled)

app = typer.Typer(
    name="discourse",
    help="Turn comment threads into signed discourse networks: who argues with whom.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # comment text is user data: never dump it in tracebacks
    add_completion=False,
)


@app.command()
def build(
    inputs: Inputs,
    out: OutDir = Path("discourse-out"),
    format: Format = None,
    seed: Seed = 0,
    quiet: Quiet = False,
    scorer: Annotated[str, typer.Option("--scorer", help="Stance scorer: default, vader, or one registered by name.")] = "default",
    infer_replies: Annotated[bool | None, typer.Option("--infer-replies/--no-infer-replies", help="Infer who replied to whom from the text and order (default: only for inputs without parent ids).", show_default=False)] = None,
    min_confidence: Annotated[float, typer.Option("--min-confidence", min=0.0, max=1.0, help="Leave inferred replies below this parent confidence out of the network (counted in quality.json).")] = 0.0,
    method: Annotated[str, typer.Option("--method", help="Faction method: leiden-cpm (signed, default), signed-modularity, spinglass, leiden, louvain, infomap, label-propagation.")] = "leiden-cpm",
    null_models: Annotated[int, typer.Option("--null-models", min=0, help="Null-model replicates for z-scores of the thread figures (0: none).")] = 0,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Seeds in the faction ensemble; the consensus is reported with each author's stability.")] = 5,
    resolution: Annotated[float | None, typer.Option("--resolution", help="Faction resolution (default: the method's own; 0 for leiden-cpm = split only on hostility).")] = None,
    self_replies: Annotated[str, typer.Option("--self-replies", help="keep or drop replies to one's own comments in the network.")] = "drop",
    root_edges: Annotated[bool, typer.Option("--root-edges/--no-root-edges", help="Make replies to the post edges to the post's author, when known.")] = True,
    mention_edges: Annotated[bool, typer.Option("--mention-edges/--no-mention-edges", help="Add edges for @name mentions of other authors.")] = False,
    size_by: Annotated[str, typer.Option("--size-by", help="Node column that sizes the nodes in network.html.")] = "pagerank",
    cdn: Annotated[bool, typer.Option("--cdn", help="Load plotly.js from its CDN instead of inlining it (a much smaller, online-only file).")] = False,
    max_edges: Annotated[int, typer.Option("--max-edges", min=1, help="Draw at most this many edges (the strongest) in network.html; the page says when it does.")] = 10_000,
    webgl: Annotated[bool | None, typer.Option("--webgl/--no-webgl", help="Force WebGL traces on or off (default: on for large networks).", show_default=False)] = None,
    image: Annotated[str | None, typer.Option("--image", help="Also write a static network.png or network.svg (rendered by the local Chromium).")] = None,
    site: Annotated[str | None, typer.Option("--site", help="Override the site label of every comment.")] = None,
    thread_id: Annotated[str | None, typer.Option("--thread-id", help="Override the thread id (single-thread inputs).")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title shown on network.html.")] = None,
    engine: Annotated[str, typer.Option("--engine", help="memory (default); stream: a dump in chunks with bounded memory; dask: on a Dask cluster. stream and dask write the network, not the per-comment tables.", rich_help_panel="Scale")] = "memory",
    chunk_rows: Annotated[int, typer.Option("--chunk-rows", min=1000, help="stream: rows per chunk.", rich_help_panel="Scale")] = 250_000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="dask: worker processes of the local cluster.", rich_help_panel="Scale")] = 2,
    partitions: Annotated[int | None, typer.Option("--partitions", min=1, help="dask: parts and thread buckets (default: twice the cluster's threads).", rich_help_panel="Scale")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="dask: address of a running scheduler, e.g. tcp://10.0.0.5:8786 (default: start a local cluster).", rich_help_panel="Scale")] = None,
    page_layout: Annotated[list[str] | None, typer.Option("--page-layout", metavar="KEY=VALUE", help="Flat-page layout rule KEY=VALUE (repeatable), e.g. inline_name=true; see docs/flatpage.md.")] = None,
    on_error: OnErrorOpt = "raise",
    id_col: IdCol = None, parent_col: ParentCol = None, author_col: AuthorCol = None, text_col: TextCol = None,
    time_col: TimeCol = None, thread_col: ThreadCol = None, score_col: ScoreCol = None,
) -> None:
    """Build a discourse network from INPUTS and write the bundle into --out.

    The bundle: comments.parquet, replies.parquet, edges.parquet, nodes.parquet, graph.graphml
    (and graph.gexf, nodes.csv, edges.csv), metrics.json, quality.json and network.html.
    """
    from discourse.pipeline import STAGES, BuildOptions, build as run_build

    with handled():
        check_on_error(on_error)
        if engine not in ("memory", "stream", "dask"):
            raise typer.BadParameter(f"expected memory, stream or dask, got {engine!r}", param_hint="--engine")
        if image not in (None, "png", "svg"):
            raise typer.BadParameter(f"expected 'png' or 'svg', got {image!r}", param_hint="--image")
        if self_replies not in ("keep", "drop"):
            raise typer.BadParameter(f"expected 'keep' or 'drop', got {self_replies!r}", param_hint="--self-replies")
        from discourse.io.flatpage import parse_layout_overrides

        options = BuildOptions(
            format=format, columns=column_map(id_col, parent_col, author_col, text_col, time_col, thread_col, score_col),
            on_error=on_error, site=site, thread_id=thread_id, infer_replies=infer_replies,
            page_layout=parse_layout_overrides(page_layout or []),
            min_confidence=min_confidence, scorer=scorer, self_replies=self_replies, root_edges=root_edges,
            mention_edges=mention_edges, method=method, runs=runs, resolution=resolution,
            null_replicates=null_models, seed=seed, size_by=size_by, max_edges=max_edges, webgl=webgl,
            engine=engine, chunk_rows=chunk_rows, workers=workers, partitions=partitions, scheduler=scheduler,
            title=title,
        )
        with StageProgress(STAGES, quiet, label="build: ") as progress:
            result = run_build(inputs, options, progress=progress)
            written = result.write(out, cdn=cdn, image=image, progress=progress)
        if not quiet:
            q = result.quality.totals()
            err_console.print(
                f"{q['read']} comments read, {q['kept']} kept; {result.graph.vcount()} authors, "
                f"{result.graph.ecount()} edges, {result.nodes['community'].n_unique()} factions.", markup=False)
            err_console.print(f"Wrote {len(written)} files to {out}/ (open {out / 'network.html'})", markup=False)


@app.command()
def compare(
    inputs: Annotated[list[Path], typer.Argument(help="Raw thread files (any readable format, one or many threads each) or bundle directories from `discourse build`.", show_default=False)],
    out: OutDir = Path("discourse-compare"),
    first_n: Annotated[int | None, typer.Option("--first-n", min=1, help="Compare every thread on its first N comments, so sizes match.")] = None,
    null_models: Annotated[int, typer.Option("--null-models", min=0, help="Null-model replicates per thread for the z-scores.")] = 20,
    bootstrap: Annotated[int, typer.Option("--bootstrap", min=0, help="Bootstrap resamples per thread for the 95% intervals (0: none).")] = 50,
    min_comments: Annotated[int, typer.Option("--min-comments", min=1, help="Leave out threads with fewer comments (e.g. the many tiny threads of a blog's Disqus export).")] = 5,
    format: Format = None,
    seed: Seed = 0,
    quiet: Quiet = False,
    scorer: Annotated[str, typer.Option("--scorer", help="Stance scorer for raw inputs.")] = "default",
    cdn: Annotated[bool, typer.Option("--cdn", help="Load plotly.js from its CDN instead of inlining it.")] = False,
    on_error: OnErrorOpt = "raise",
) -> None:
    """Compare threads side by side: writes comparison.parquet, comparison.csv and compare.html into --out."""
    from discourse.compare import compare as run_compare
    from discourse.pipeline import BuildOptions

    with handled():
        check_on_error(on_error)
        options = BuildOptions(format=format, seed=seed, scorer=scorer, on_error=on_error)
        with StageProgress(("read", "analyse"), quiet, label="compare: ") as progress:
            result = run_compare(inputs, first_n=first_n, bootstrap=bootstrap, null_replicates=null_models,
                                 seed=seed, min_comments=min_comments, options=options, progress=progress)
            written = result.write(out, cdn=cdn)
        if not quiet:
            skipped = result.options.get("threads_skipped_small", 0)
            err_console.print(f"Compared {result.table.height} thread(s)"
                              + (f" ({skipped} with fewer than {min_comments} comments left out)" if skipped else "")
                              + f"; wrote {len(written)} files to {out}/", markup=False)


@app.command()
def convert(
    inputs: Inputs,
    out: OutDir = Path("discourse-convokit"),
    to: Annotated[str, typer.Option("--to", help="Output format: convokit (a ConvoKit corpus directory) or parquet (comments.parquet + threads.parquet).")] = "convokit",
    format: Format = None,
    quiet: Quiet = False,
    infer_replies: Annotated[bool | None, typer.Option("--infer-replies/--no-infer-replies", help="Infer parents where the input has none (default) or always.", show_default=False)] = None,
    on_error: OnErrorOpt = "raise",
    id_col: IdCol = None, parent_col: ParentCol = None, author_col: AuthorCol = None, text_col: TextCol = None,
    time_col: TimeCol = None, thread_col: ThreadCol = None, score_col: ScoreCol = None,
) -> None:
    """Read and repair threads from any supported format and write them for other tools."""
    from discourse.io import write as out_files
    from discourse.io.convokit import write_convokit
    from discourse.pipeline import BuildOptions, load

    with handled():
        check_on_error(on_error)
        if to not in ("convokit", "parquet"):
            raise typer.BadParameter(f"expected 'convokit' or 'parquet', got {to!r}", param_hint="--to")
        options = BuildOptions(format=format, on_error=on_error, infer_replies=infer_replies,
                               columns=column_map(id_col, parent_col, author_col, text_col, time_col, thread_col, score_col))
        with StageProgress(("read", "repair", "infer"), quiet, label="convert: ") as progress:
            loaded = load(inputs, options, progress=progress)
        if to == "convokit":
            write_convokit(loaded.comments, loaded.threads, out)
        else:
            out_files.write_parquet(out / "comments.parquet", loaded.comments)
            out_files.write_parquet(out / "threads.parquet", loaded.threads)
        out_files.write_json(out / "quality.json", loaded.quality.to_dict())
        if not quiet:
            err_console.print(f"Wrote {loaded.comments.height} comments in {loaded.threads.height} thread(s) "
                              f"to {out}/ as {to}", markup=False)


@app.command()
def formats() -> None:
    """List the input formats discourse reads, in the order detection tries them."""
    from discourse.io import formats as all_formats

    for reader in all_formats():
        typer.echo(f"{reader.name:<18} {reader.site:<14} {reader.description}")


def _mount_subapps() -> None:
    """Command groups that live in their own modules."""
    from discourse.cli import stance as stance_cli

    app.add_typer(stance_cli.app, name="stance", help="Score and evaluate stance on (parent, reply) pairs.")


_mount_subapps()


def main() -> None:
    """Console entry point: the last line of defence against tracebacks."""
    try:
        app()
    except Exception as err:  # noqa: BLE001  (anything here is a bug; say so in one line)
        if os.environ.get("DISCOURSE_DEBUG"):
            raise
        err_console.print(f"Internal error ({type(err).__name__}: {err}). This is a bug in discourse; "
                          "rerun with DISCOURSE_DEBUG=1 for the traceback and please report it.", markup=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
