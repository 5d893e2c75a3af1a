"""Pieces shared by every command: option types defined once, error handling, progress display."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from discourse.errors import DiscourseError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)

Inputs = Annotated[list[Path], typer.Argument(help="Thread files (or ConvoKit, Stack Exchange or `discourse fetch` directories) to read.",
                                               show_default=False)]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Directory to write the bundle into (created if missing).",
                                      file_okay=False, dir_okay=True, writable=True)]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]


INTERRUPTED = "Interrupted; every file written is complete (each is written atomically)."


def interrupted_bundle(out: Path) -> str:
    """What Ctrl-C leaves of a command that writes a bundle whole (discourse.io.write.bundle_dir)."""
    return (f"Interrupted; {out}/ holds the bundle it held before (or the whole new one, if writing had "
            "finished): a bundle is swapped in whole, never mixed or left half-written.")


@contextlib.contextmanager
def handled(interrupted: str = INTERRUPTED) -> Iterator[None]:
    """Turn discourse's own errors, and I/O failures, into one line on stderr and exit code 1;
    Ctrl-C into ``interrupted`` (what the command leaves behind, truthfully) and exit code 130."""
    try:
        yield
    except DiscourseError as err:
        err_console.print(f"Error: {err}", markup=False)
        raise typer.Exit(code=1) from None
    except OSError as err:
        # an I/O failure no stage turned into a DiscourseError (a file gone or unreadable, a disk full)
        where = f"{err.filename}: " if err.filename else ""
        err_console.print(f"Error: {where}{err.strerror or err}", markup=False)
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        err_console.print(interrupted, markup=False)
        raise typer.Exit(code=130) from None


class StageProgress:
    """A rich progress display over named stages; a no-op when quiet."""

    def __init__(self, stages: tuple[str, ...], quiet: bool, label: str = "") -> None:
        self.stages = stages
        self.quiet = quiet
        self.label = label
        self._progress: Progress | None = None
        self._task: TaskID | None = None
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

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress is not None and self._task is not None:
            if exc_type is None:
                self._progress.update(self._task, completed=len(self.stages), description=f"{self.label}done")
            self._progress.__exit__(exc_type, exc, tb)
