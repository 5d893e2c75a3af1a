"""The stream engine: a dump larger than memory, read in chunks on one machine.

Pass 1 reads each chunk (NDJSON files, plain or ``.zst``, are cut at line ends; other files are read
whole) and spills its rows to Parquet, one file per (chunk, thread bucket). Pass 2 reduces one bucket
at a time (:func:`discourse.engines.partition.reduce_bucket`) and folds its partial edges into the
running table. Peak memory is about one chunk plus one bucket plus the edge table. See docs/scale.md.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from discourse.engines.base import EngineOutput
from discourse.engines.load import Progress, as_paths
from discourse.engines.partition import (
    _BYTES_PER_ROW_GUESS,
    Part,
    PartialResult,
    bucket_frames,
    combine_authors,
    combine_edges,
    finish,
    is_line_file,
    iter_line_blocks,
    partitioned_choice,
    partitioned_options,
    read_bytes,
    read_part,
    reduce_bucket,
)
from discourse.errors import AnalysisError, FileNotFound, InputError
from discourse.io import ReadOptions, detect_format
from discourse.io.lines import LineStats
from discourse.options import BuildOptions
from discourse.quality import FileQuality, QualityReport

__all__ = ["StreamEngine", "stream_edges", "stream_network"]


def _bytes_per_row(paths: Sequence[Path], options: ReadOptions) -> float:
    """Average line length of the first line-based input (64 KiB sample), for sizing chunks."""
    for p in paths:
        if p.is_file() and (p.name.endswith(".zst") or is_line_file(p)):
            for _, block in iter_line_blocks(p, 1 << 16, options):
                return max(1.0, len(block) / max(1, block.count(b"\n")))
    return float(_BYTES_PER_ROW_GUESS)


def stream_network(paths: str | Path | Sequence[str | Path], options: BuildOptions | None = None, *,
                   spill_dir: str | Path | None = None, **kwargs: Any) -> PartialResult:
    """Edges, authors, counts and quality of a dump read in chunks of about ``chunk_rows`` lines.

    ``options`` (a :class:`~discourse.options.BuildOptions`) and keyword arguments by option name
    (``chunk_rows=100_000, scorer="vader"``) are those of ``discourse.build``. The spill files live in
    a temporary directory under ``spill_dir``.
    """
    asked = BuildOptions.from_flat(options, **kwargs)
    options = partitioned_options(asked)
    in_paths = as_paths(paths)
    if not in_paths:
        raise InputError("no input files given")
    chunk_rows = options.engine.chunk_rows
    ropts = options.read
    block = max(1024, int(chunk_rows * _bytes_per_row(in_paths, ropts)))
    est_bytes = sum(p.stat().st_size * (4 if p.name.endswith(".zst") else 1) for p in in_paths if p.is_file())
    n_buckets = max(1, math.ceil(est_bytes / block))
    read_q: list[QualityReport] = []
    with tempfile.TemporaryDirectory(prefix="discourse-spill-", dir=spill_dir) as tmp:
        spill = Path(tmp)
        n_parts = 0
        for fi, p in enumerate(in_paths):
            if not p.exists():
                raise FileNotFound(p)
            fmt = ropts.format or detect_format(p).name
            line_based = p.is_file() and (p.name.endswith(".zst") or is_line_file(p))
            stats = LineStats()          # lines the block reader skipped (over-long, a truncated end)
            blocks = iter_line_blocks(p, block, ropts, stats) if line_based else iter([(0, None)])
            file_format = fmt
            for pi, (start, data) in enumerate(blocks):
                part = Part(str(p), fmt, fi, pi, start, None if data is None else start + len(data))
                res = read_bytes(data, part, ropts) if data is not None else read_part(part, ropts)
                buckets, q = bucket_frames(part, *res, n_buckets)
                read_q.append(q)
                file_format = next((f.format for f in q.files if f.path == str(p)), file_format)
                for b, (c, t) in enumerate(buckets):
                    if c.height or t.height:
                        (spill / f"b{b}").mkdir(exist_ok=True)
                        c.write_parquet(spill / f"b{b}" / f"c{n_parts}.parquet")
                        t.write_parquet(spill / f"b{b}" / f"t{n_parts}.parquet")
                n_parts += 1
            if stats.bad_lines or stats.notes:
                read_q.append(QualityReport(files=[FileQuality(str(p), file_format, records=stats.bad_lines,
                                                               bad_records=stats.bad_lines, notes=stats.notes)]))
        edges: pl.DataFrame | None = None          # the running edge total
        authors: pl.DataFrame | None = None
        reduced: list[dict[str, Any]] = []
        # partial edges wait until they hold half as many rows as the running table, then are folded in
        # at once: folding after every bucket re-grouped the whole table each time (quadratic in the
        # number of buckets: 10M comments took 683 s, most of it there); pending rows stay under half
        # the table, so memory still follows the author network
        pending: list[pl.DataFrame] = []
        for b in range(n_buckets):
            d = spill / f"b{b}"
            if not d.exists():
                continue
            pieces = [(pl.read_parquet(d / f"c{i}.parquet"), pl.read_parquet(d / f"t{i}.parquet"))
                      for i in range(n_parts) if (d / f"c{i}.parquet").exists()]
            r = reduce_bucket(pieces, options)
            del pieces
            reduced.append({"edges": None, "authors": None, "counts": r["counts"], "quality": r["quality"]})
            pending.append(r["edges"])
            if 2 * sum(p.height for p in pending) >= (0 if edges is None else edges.height):
                edges, pending = combine_edges([edges, *pending], sort=False), []
            authors = combine_authors([authors, r["authors"]])
    # finish sums the running total and what is still pending in one last combine
    reduced += [{"edges": e, "authors": a, "counts": {}, "quality": QualityReport()}
                for e, a in ((edges, authors), *((p, None) for p in pending))]
    result = finish(read_q, reduced, [f"streamed in {n_parts} chunk(s) of about {chunk_rows} lines, "
                                      f"{n_buckets} thread bucket(s)"], options.network)
    result.stance = partitioned_choice(asked, "stream", result.counts.get("replies", 0))
    return result


def stream_edges(paths: str | Path | Sequence[str | Path], options: BuildOptions | None = None,
                 **kwargs: Any) -> pl.DataFrame:
    """The edges table of a dump processed in chunks (see :func:`stream_network`)."""
    return stream_network(paths, options, **kwargs).edges


def partial_output(res: PartialResult, paths: list[Path], engine: str) -> EngineOutput:
    """An engine's output from partial work: the network, with a note that the per-comment tables
    were never gathered."""
    from discourse import schema

    quality = res.quality
    quality.notes.extend(res.notes)
    quality.notes.append(f"engine {engine}: comments and replies tables were not gathered; "
                         "the bundle holds the network")
    if res.stance is None:
        raise AnalysisError(f"engine {engine}: the partial result does not say which scorer ran")
    return EngineOutput(network=res.network(), quality=quality, threads=schema.empty(schema.THREADS),
                        comments=None, replies=None, paths=paths, stance=res.stance)


class StreamEngine:
    name = "stream"

    def run(self, paths: list[Path], options: BuildOptions, progress: Progress) -> EngineOutput:
        progress("read")
        res = stream_network(paths, options)
        progress("network")
        return partial_output(res, paths, self.name)
