"""The ``discourse`` command. Each command parses options, makes one library call, and turns the
library's errors into one-line messages (see cli/_common.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from discourse.cli._common import Inputs, OutDir, Quiet, StageProgress, err_console, handled, interrupted_bundle
from discourse.cli._options import takes_options
from discourse.comparison import COMPARE_DEFAULTS
from discourse.options import BuildOptions, CompareOptions

if TYPE_CHECKING:
    import polars as pl

app = typer.Typer(
    name="discourse",
    help="Turn comment threads into signed discourse networks: who argues with whom.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # comment text is user data: never dump it in tracebacks
    add_completion=False,
)


@app.command()
@takes_options()
def build(
    inputs: Inputs,
    options: BuildOptions,
    out: OutDir = Path("discourse-out"),
    quiet: Quiet = False,
) -> None:
    """Build a discourse network from INPUTS and write the bundle into --out.

    The bundle: comments.parquet, replies.parquet, edges.parquet, nodes.parquet, graph.graphml
    (and graph.gexf, nodes.csv, edges.csv), metrics.json, quality.json and network.html.
    """
    from discourse.pipeline import STAGES
    from discourse.pipeline import build as run_build

    with handled(interrupted_bundle(out)):
        with StageProgress(STAGES, quiet, label="build: ") as progress:
            result = run_build(inputs, options, progress=progress)
            written = result.write(out, progress=progress)
        if not quiet:
            q = result.quality.totals()
            err_console.print(_summary(q, result.nodes, result.graph.vcount(), result.graph.ecount()), markup=False)
            facts = result.caveats()
            for line in facts.lines():
                if not line.startswith(("Factions:", "Warning:")):  # factions above, warnings below
                    err_console.print(line, markup=False)
            err_console.print(f"Wrote {len(written)} files to {out}/ (open {out / 'network.html'})", markup=False)
            for notice in result.notices:
                err_console.print(f"Note: {notice}", markup=False)
            for warning in result.quality.warnings():
                err_console.print(f"Warning: {warning}", markup=False)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(totals: dict[str, int], nodes: pl.DataFrame, n_authors: int, n_edges: int) -> str:
    """The build's one-line summary. Anonymous commenters (one node per comment) are counted apart, and
    those in no faction of their own are not singletons of the factions count."""
    import polars as pl

    anonymous = nodes["anonymous"].fill_null(False) if "anonymous" in nodes.columns else pl.repeat(
        False, nodes.height, eager=True)
    size = nodes.with_columns(_anon=anonymous).group_by("community").agg(pl.len(), pl.col("_anon").all())
    alone = nodes.join(size, on="community", how="left")["len"] == 1
    # factions of anonymous commenters only (they answered each other) are counted apart, like singletons
    anonymous_only = int(((size["len"] >= 2) & size["_anon"]).sum())
    factions = int((size["len"] >= 2).sum()) - anonymous_only
    singletons, anonymous_alone = int((alone & ~anonymous).sum()), int((alone & anonymous).sum())
    n_anonymous = int(anonymous.sum())
    extra = [_plural(singletons, "singleton")] if singletons else []
    if anonymous_only:
        extra.append(f"{anonymous_only} of anonymous commenters only")
    if anonymous_alone:
        extra.append(f"{anonymous_alone} anonymous alone")
    return (f"{totals['read']} comments read, {totals['kept']} kept; {_plural(n_authors, 'author')}"
            + (f" ({n_anonymous} anonymous)" if n_anonymous else "")
            + f", {_plural(n_edges, 'edge')}, {factions} faction{'' if factions == 1 else 's'}"
            + (f" (+ {', '.join(extra)})" if extra else "") + ".")


@app.command()
@takes_options(compare=True, base=COMPARE_DEFAULTS)
def compare(
    inputs: Annotated[list[Path], typer.Argument(help="Raw thread files (any readable format, one or many threads each) or bundle directories from `discourse build`.", show_default=False)],
    options: BuildOptions,
    compare_options: CompareOptions,
    out: OutDir = Path("discourse-compare"),
    quiet: Quiet = False,
) -> None:
    """Compare threads side by side: writes comparison.parquet, comparison.csv and compare.html into --out.

    Every build option applies to the threads compared (raw files are read, scored and analysed as
    `discourse build` would); null models default to 20 replicates here.
    """
    from discourse.comparison import compare as run_compare

    with handled(interrupted_bundle(out)):
        with StageProgress(("read", "analyse"), quiet, label="compare: ") as progress:
            result = run_compare(inputs, options, compare_options, progress=progress)
            written = result.write(out)
        if not quiet:
            skipped = result.options.get("threads_skipped_small", 0)
            err_console.print(f"Compared {result.table.height} thread(s)"
                              + (f" ({skipped} with fewer than {compare_options.min_comments} comments left out)"
                                 if skipped else "")
                              + f"; wrote {len(written)} files to {out}/", markup=False)


@app.command()
@takes_options("read", "infer", "stance")
def convert(
    inputs: Inputs,
    options: BuildOptions,
    out: OutDir = Path("discourse-convokit"),
    to: Annotated[str, typer.Option("--to", help="Output format: convokit (a ConvoKit corpus directory) or parquet (comments.parquet + threads.parquet).")] = "convokit",
    stance: Annotated[bool, typer.Option("--stance/--no-stance", help="Score each reply's stance and write it too: in each utterance's meta (convokit), as replies.parquet (parquet).")] = True,
    quiet: Quiet = False,
) -> None:
    """Read and repair threads from any supported format and write them for other tools."""
    from discourse.io import write as out_files
    from discourse.io.convokit import write_convokit
    from discourse.pipeline import load, prepare

    with handled(f"Interrupted; each file in {out}/ is complete or absent (files are written one by one, each "
                 "atomically)."):
        if to not in ("convokit", "parquet"):
            raise typer.BadParameter(f"expected 'convokit' or 'parquet', got {to!r}", param_hint="--to")
        stages = ("read", "repair", "infer", "pair", "score") if stance else ("read", "repair", "infer")
        with StageProgress(stages, quiet, label="convert: ") as progress:
            loaded = prepare(inputs, options, progress=progress) if stance else load(inputs, options, progress=progress)
        replies = getattr(loaded, "replies", None)
        if to == "convokit":
            write_convokit(loaded.comments, loaded.threads, out, replies=replies)
        else:
            out_files.write_parquet(out / "comments.parquet", loaded.comments)
            out_files.write_parquet(out / "threads.parquet", loaded.threads)
            if replies is not None:
                out_files.write_parquet(out / "replies.parquet", replies)
        out_files.write_json(out / "quality.json", loaded.quality.to_dict())
        if not quiet:
            err_console.print(f"Wrote {loaded.comments.height} comments in {loaded.threads.height} thread(s) "
                              f"to {out}/ as {to}" + (" with their stance" if replies is not None else ""),
                              markup=False)


@app.command()
def formats() -> None:
    """List the input formats discourse reads, in the order detection tries them."""
    from discourse.io import formats as all_formats

    for reader in all_formats():
        typer.echo(f"{reader.name:<18} {reader.site:<14} {reader.description}")


def _mount_subapps() -> None:
    """Command groups that live in their own modules."""
    from discourse.cli import fetch as fetch_cli
    from discourse.cli import stance as stance_cli

    app.add_typer(stance_cli.app, name="stance", help="Score and evaluate stance on (parent, reply) pairs.")
    app.command(name="fetch")(fetch_cli.fetch)


_mount_subapps()


def main() -> None:
    """Console entry point: the last line of defence against tracebacks."""
    try:
        app()
    except KeyboardInterrupt:           # before a command's own handling began (while starting up)
        err_console.print("Interrupted; nothing was written.", markup=False)
        sys.exit(130)
    except Exception as err:
        if os.environ.get("DISCOURSE_DEBUG"):
            raise
        first = (str(err).strip().splitlines() or [""])[0]   # one line, whatever the error's text holds
        err_console.print(f"Internal error ({type(err).__name__}: {first}). This is a bug in discourse; "
                          "rerun with DISCOURSE_DEBUG=1 for the traceback and please report it.", markup=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
