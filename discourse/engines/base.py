"""The engine interface: read inputs, end with an author network and its quality report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import polars as pl

from discourse.engines.load import Progress
from discourse.quality import QualityReport
from discourse.stance import ScorerChoice

if TYPE_CHECKING:
    from discourse.analysis.network import AuthorNetwork
    from discourse.options import BuildOptions

__all__ = ["Engine", "EngineOutput"]


@dataclass
class EngineOutput:
    """What every engine hands back. ``comments`` and ``replies`` are None when the engine never
    gathers them in one place (stream, dask)."""

    network: AuthorNetwork
    quality: QualityReport
    threads: pl.DataFrame
    comments: pl.DataFrame | None
    replies: pl.DataFrame | None
    paths: list[Path]
    stance: ScorerChoice          # which scorer ran, and why


class Engine(Protocol):
    """read -> repair -> infer -> pair -> score -> edges, wherever it runs."""

    name: str

    def run(self, paths: list[Path], options: BuildOptions, progress: Progress) -> EngineOutput:
        """The author network of ``paths`` built with ``options`` (read, infer, stance, network and
        engine groups)."""
        ...
