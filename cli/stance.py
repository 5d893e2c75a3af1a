"""``discourse stance``: score (parent, reply) pairs and measure scorers against labeled files.

Each command parses its options, makes one library call (:mod:`discourse.stance`) and lets
``handled()`` turn discourse's errors into one line and exit code 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from discourse.cli._common import err_console, handled

app = typer.Typer(
    name="stance",
    help="Score and evaluate stance on (parent, reply) pairs.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # comment text is user data
    add_completion=False,
)

ScorerOpt = Annotated[str, typer.Option("--scorer", "-s", help="Stance scorer: default (cues), vader, embed, or one registered by name.")]
TextColOpt = Annotated[str, typer.Option("--text-col", help="Column holding the reply text.")]
ParentColOpt = Annotated[str, typer.Option("--parent-col", help="Column holding the parent's text.")]


def read_pairs(path: Path, text_col: str, parent_col: str) -> pl.DataFrame:
    """A CSV or Parquet file of pairs with its text columns renamed to ``text`` and ``parent_text``."""
    from discourse.errors import ColumnMappingError, ParseError
    from discourse.io._common import decode, read_bytes

    data = read_bytes(path)
    if path.suffix.lower() == ".parquet":
        try:
            df = pl.read_parquet(path)
        except (pl.exceptions.ComputeError, OSError) as err:
            raise ParseError(path, None, f"expected a Parquet file ({err})") from err
    else:
        try:
            df = pl.read_csv(decode(data, path).encode("utf-8"), infer_schema_length=0)
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as err:
            raise ParseError(path, None, f"expected a CSV file with a header row ({err})") from err
    for role, col in (("text", text_col), ("parent", parent_col)):
        if col not in df.columns:
            raise ColumnMappingError(path, role, col, df.columns)
    renamed = df.drop([c for c in ("text", "parent_text") if c in df.columns and c not in (text_col, parent_col)])
    return renamed.rename({text_col: "text", parent_col: "parent_text"}).with_columns(
        pl.col("text").cast(pl.String), pl.col("parent_text").cast(pl.String))


@app.command("score")
def score_cmd(
    pairs: Annotated[Path, typer.Argument(help="CSV or Parquet file of (parent text, reply text) pairs.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write: .parquet (default) or .csv.", dir_okay=False)],
    scorer: ScorerOpt = "default",
    text_col: TextColOpt = "text",
    parent_col: ParentColOpt = "parent_text",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Score the stance of each reply in PAIRS toward its parent and write --out.

    The output holds every input column (the two text columns renamed to text and parent_text) plus the
    stance columns of replies.parquet: p_agree, p_neutral, p_disagree, p_hostile, label, weight,
    confidence, p_offensive, offensive, scorer. Written atomically.
    """
    from discourse.io.write import write_csv, write_parquet
    from discourse.stance import score

    with handled():
        scored = score(read_pairs(pairs, text_col, parent_col), scorer)
        (write_csv if out.suffix.lower() == ".csv" else write_parquet)(out, scored)
        if not quiet:
            counts = dict(scored.group_by("label").len().iter_rows())
            summary = ", ".join(f"{counts.get(lab, 0)} {lab}" for lab in ("agree", "neutral", "disagree", "hostile"))
            err_console.print(f"Scored {scored.height} replies ({summary}); wrote {out}", markup=False)


@app.command("eval")
def eval_cmd(
    labeled: Annotated[Path, typer.Argument(help="Labeled file: ToxiChat JSONL, Lei & Huang CSV, context-toxicity CSV, Fanchuan CSV, or a CSV/Parquet with a label column.", show_default=False)],
    scorer: ScorerOpt = "default",
    layout: Annotated[str | None, typer.Option("--layout", help="toxichat, lei_huang, cat, fanchuan, debagreement, wikitactics, convabuse, diasafety, rumoureval or generic; default: detected.")] = None,
    text_col: TextColOpt = "text",
    parent_col: ParentColOpt = "parent_text",
    label_col: Annotated[str, typer.Option("--label-col", help="Column holding the gold label (generic files): agree, neutral, disagree or hostile.")] = "label",
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON instead of a table.")] = False,
    resamples: Annotated[int, typer.Option("--resamples", min=0, help="Bootstrap resamples for the 95% intervals of each F1 and the ECE (0: none).")] = 1000,
) -> None:
    """Measure a scorer against LABELED: accuracy, macro-F1, per-class precision, recall and F1, the
    confusion matrix, calibration (ECE) and, where the file labels offence, F1 of `offensive`; each F1
    and the ECE with a 95% bootstrap interval."""
    from discourse.stance import evaluate, read_labeled

    layouts = ("toxichat", "lei_huang", "cat", "fanchuan", "debagreement", "wikitactics", "convabuse", "diasafety",
               "rumoureval", "generic")
    with handled():
        if layout is not None and layout not in layouts:
            raise typer.BadParameter(f"expected one of {', '.join(layouts)}, got {layout!r}", param_hint="--layout")
        data = read_labeled(labeled, layout, text_col=text_col, parent_col=parent_col, label_col=label_col)  # type: ignore[arg-type]
        result = evaluate(data, scorer, resamples=resamples)
        typer.echo(json.dumps(result.to_dict(), indent=2) if as_json else result.to_text())


@app.command("scorers")
def scorers_cmd() -> None:
    """List the registered stance scorers, after what `default` means."""
    from discourse.stance import AUTO, NEURAL_MAX_REPLIES, SCORERS

    w_name = max(len(n) for n in [AUTO, *SCORERS])
    w_ident = max(len(impl.ident) for impl in SCORERS.values())
    typer.echo(f"{AUTO:<{w_name}}  {'-':<{w_ident}}  neural for up to {NEURAL_MAX_REPLIES} replies "
               "(--neural-max-replies), fast above")
    for name, impl in SCORERS.items():
        doc = (type(impl).__doc__ or "").strip().splitlines()[0] if type(impl).__doc__ else ""
        typer.echo(f"{name:<{w_name}}  {impl.ident:<{w_ident}}  {doc}")
