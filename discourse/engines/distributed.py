"""The dask engine: the same map/reduce as the stream engine, on a ``dask.distributed`` cluster.

Needs the ``distributed`` extra. Input paths must be readable by every worker. See docs/scale.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from discourse.engines.base import EngineOutput
from discourse.engines.load import Progress, as_paths
from discourse.engines.partition import (
    PartialResult,
    finish,
    map_part,
    partitioned_choice,
    partitioned_options,
    plan_parts,
    reduce_bucket,
)
from discourse.engines.stream import partial_output
from discourse.errors import InputError, MissingDependency
from discourse.options import BuildOptions
from discourse.quality import QualityReport

__all__ = ["DaskEngine", "distributed_edges", "distributed_network"]


def _dask() -> Any:
    try:
        import dask.distributed as dd
    except ImportError as err:
        raise MissingDependency("distributed edge building", "dask[distributed]", extra="distributed") from err
    return dd


def _pick(result: tuple[list[tuple[pl.DataFrame, pl.DataFrame]], QualityReport], b: int
          ) -> tuple[pl.DataFrame, pl.DataFrame]:
    return result[0][b]


def _quality_of(result: tuple[list[Any], QualityReport]) -> QualityReport:
    return result[1]


def distributed_network(paths: str | Path | Sequence[str | Path], options: BuildOptions | None = None, *,
                        client: Any = None, **kwargs: Any) -> PartialResult:
    """Edges, authors, counts and quality of ``paths`` computed on a Dask cluster.

    ``client``: a ``dask.distributed.Client``; without one the engine options' ``scheduler`` is
    connected to, or else a ``LocalCluster`` of ``workers`` processes is started and closed.
    ``partitions``: thread buckets, and the number of parts NDJSON input is cut into (default: twice
    the cluster's threads). Only the partial edge tables come back to this process. ``options`` and
    keyword arguments by option name are those of ``discourse.build``.
    """
    dd = _dask()
    asked = BuildOptions.from_flat(options, **kwargs)
    options = partitioned_options(asked)
    in_paths = as_paths(paths)
    if not in_paths:
        raise InputError("no input files given")
    cluster = None
    own = client is None
    if own:
        if options.engine.scheduler:
            client = dd.Client(options.engine.scheduler)
        else:
            cluster = dd.LocalCluster(n_workers=options.engine.workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None)
            client = dd.Client(cluster)
    try:
        n = options.engine.partitions or max(2, 2 * sum(client.nthreads().values()))
        total = sum(p.stat().st_size for p in in_paths if p.is_file())
        parts = plan_parts(in_paths, part_bytes=max(1024, math.ceil(total / n)), format=options.read.format)
        mapped = [client.submit(map_part, part, n, options.read, pure=False) for part in parts]
        quality_f = [client.submit(_quality_of, m, pure=False) for m in mapped]
        picked = [[client.submit(_pick, m, b, pure=False) for m in mapped] for b in range(n)]
        del mapped          # a part's frames are freed once its buckets are picked out
        reduced_f = [client.submit(reduce_bucket, pieces, options, pure=False) for pieces in picked]
        del picked
        read_q = client.gather(quality_f)
        reduced = client.gather(reduced_f)
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    res = finish(read_q, reduced, [f"{len(parts)} part(s), {n} thread bucket(s) on dask.distributed"],
                 options.network)
    res.stance = partitioned_choice(asked, "dask", res.counts.get("replies", 0))
    return res


def distributed_edges(paths: str | Path | Sequence[str | Path], options: BuildOptions | None = None, *,
                      client: Any = None, **kwargs: Any) -> pl.DataFrame:
    """The edges table of ``paths`` computed on Dask (see :func:`distributed_network`), equal to the
    memory engine's for the same input and options."""
    return distributed_network(paths, options, client=client, **kwargs).edges


class DaskEngine:
    name = "dask"

    def run(self, paths: list[Path], options: BuildOptions, progress: Progress) -> EngineOutput:
        progress("read")
        res = distributed_network(paths, options)
        progress("network")
        return partial_output(res, paths, self.name)
