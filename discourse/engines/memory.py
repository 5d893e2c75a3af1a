"""The default engine: everything in one process, every per-comment table kept."""

from __future__ import annotations

from pathlib import Path

from discourse.analysis.network import author_network
from discourse.engines.base import EngineOutput
from discourse.engines.load import Progress, load, score_replies
from discourse.options import BuildOptions

__all__ = ["MemoryEngine"]


class MemoryEngine:
    name = "memory"

    def run(self, paths: list[Path], options: BuildOptions, progress: Progress) -> EngineOutput:
        loaded = load(paths, options, progress)
        replies, choice = score_replies(loaded.comments, loaded.threads, options.stance, progress, loaded.quality)
        progress("network")
        network = author_network(replies, loaded.threads, options.network)
        loaded.quality.hints.extend(network.hints)
        return EngineOutput(network=network, quality=loaded.quality, threads=loaded.threads,
                            comments=loaded.comments, replies=replies, paths=loaded.paths, stance=choice)
