"""Engines: where the work from input files to the author network runs.

``memory`` (default) keeps every table in one process; ``stream`` reads a dump in chunks with bounded
memory; ``dask`` spreads the same map/reduce over a Dask cluster. All three run the same load stage
(:mod:`discourse.engines.load`: repair, infer, ``@name`` re-targeting, pairing, scoring), so they give
the same edges for the same input and options. ``discourse.build`` picks one by ``engine=``.

Imports run one way: pipeline -> engines -> stages (io, repair, infer, pairing, stance, analysis).
"""

from __future__ import annotations

from discourse.engines.base import Engine, EngineOutput
from discourse.engines.distributed import DaskEngine, distributed_edges, distributed_network
from discourse.engines.load import COARSE_PARENT_SITES, Loaded, Progress, load, repair_and_infer, score_replies
from discourse.engines.memory import MemoryEngine
from discourse.engines.partition import PartialResult, combine_edges, plan_parts
from discourse.engines.stream import StreamEngine, stream_edges, stream_network

__all__ = [
    "COARSE_PARENT_SITES",
    "ENGINES",
    "DaskEngine",
    "Engine",
    "EngineOutput",
    "Loaded",
    "MemoryEngine",
    "PartialResult",
    "Progress",
    "StreamEngine",
    "combine_edges",
    "distributed_edges",
    "distributed_network",
    "get_engine",
    "load",
    "plan_parts",
    "repair_and_infer",
    "score_replies",
    "stream_edges",
    "stream_network",
]

ENGINES: dict[str, Engine] = {e.name: e for e in (MemoryEngine(), StreamEngine(), DaskEngine())}


def get_engine(name: str) -> Engine:
    """The engine called ``name`` (one of :data:`discourse.options.ENGINE_NAMES`)."""
    return ENGINES[name]
