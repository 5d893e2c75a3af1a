"""Pieces shared by every command: option types defined once, error handling, progress display."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from discourse.errors import DiscourseError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)

Inputs = Annotated[list[Path], typer.Argument(help="Thread files (or ConvoKit / Stack Exchange directories) to read.",
                                               show_default=False)]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Directory to write the bundle into (created if missing).",
                                      file_okay=False, dir_okay=True, writable=True)]
Format = Annotated[str | None, typer.Option("--format", "-f", help="Input format; default: detected from content. See `discourse formats`.")]
Seed = Annotated[int, typer.Option("--seed", help="Random seed: the same input and seed give the same outputs.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
OnErrorOpt = Annotated[str, typer.Option("--on-error", help="raise: stop at a bad record; skip: skip bad lines of a dump and count them in quality.json.")]
IdCol = Annotated[str | None, typer.Option("--id-col", help="Column holding the comment id (generic tables).", rich_help_panel="Column mapping")]
ParentCol = Annotated[str | None, typer.Option("--parent-col", help="Column holding the parent comment id; empty = reply to the post.", rich_help_panel="Column mapping")]
AuthorCol = Annotated[str | None, typer.Option("--author-col", help="Column holding the author name.", rich_help_panel="Column mapping")]
TextCol = Annotated[str | None, typer.Option("--text-col", help="Column holding the comment text.", rich_help_panel="Column mapping")]
TimeCol = Annotated[str | None, typer.Option("--time-col", help="Column holding the time (ISO-8601 or epoch seconds).", rich_help_panel="Column mapping")]
ThreadCol = Annotated[str | None, typer.Option("--thread-col", help="Column holding the thread id.", rich_help_panel="Column mapping")]
ScoreCol = Annotated[str | None, typer.Option("--score-col", help="Column holding the comment score.", rich_help_panel="Column mapping")]


def column_map(id_col: str | None, parent_col: str | None, author_col: str | None, text_col: str | None,
               time_col: str | None, thread_col: str | None, score_col: str | None) -> dict[str, str]:
    pairs = {"id": id_col, "parent": parent_col, "author": author_col, "text": text_col, "time": time_col,
             "thread": thread_col, "score": score_col}
    return {role: col for role, col in pairs.items() if col}


def check_on_error(value: str) -> str:
    if value not in ("raise", "skip"):
        raise typer.BadParameter(f"expected 'raise' or 'skip', got {value!r}", param_hint="--on-error")
    return value


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Turn discourse's own errors into one line on stderr and exit code 1."""
    try:
        yield
    except DiscourseError as err:
        err_console.print(f"Error: {err}", markup=False)
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        err_console.print("Interrupted; no partial output was left behind.", markup=False)
        raise typer.Exit(code=130) from None


class StageProgress:
    """A rich progress display over named stages; a no-op when quiet."""

    def __init__(self, stages: tuple[str, ...], quiet: bool, label: str = "") -> None:
        self.stages = stages
        self.quiet = quiet
        self.label = label
        self._progress: Progress | None = None
        self._task = None
        self._done = 0

    def __enter__(self) -> StageProgress:
        if not self.quiet:
            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                      console=err_console, transient=False)
            self._progress.__enter__()
            self._task = self._progress.add_task(self.label or "working", total=len(self.stages))
        return self

    def __call__(self, stage: str) -> None:
        if self._progress is not None and self._task is not None:
            if stage in self.stages:
                self._done = self.stages.index(stage)
            self._progress.update(self._task, completed=self._done, description=f"{self.label}{stage}")

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None and self._task is not None:
            if exc[0] is None:
                self._progress.update(self._task, completed=len(self.stages), description=f"{self.label}done")
            self._progress.__exit__(*exc)
