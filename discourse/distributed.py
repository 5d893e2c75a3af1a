"""Edges from dumps too big for one pass in memory: streamed on one machine, or on a Dask cluster.

Both paths run the same map/reduce over the ordinary stages, so their edges table equals the one
``discourse.pipeline.build`` makes with the same ``BuildOptions`` (read, repair, infer, pair, score,
``author_network``): integer columns exactly, float sums up to summation order.


map     each input part (a line-aligned byte range of an NDJSON dump, or a whole file of any other
        format) is read with the registered reader for its format and its rows are hash-partitioned by
        ``(site, thread_id)`` into ``partitions`` buckets, carrying their place in the input.
reduce  each bucket then holds whole threads: every reply's parent (and the post) lives in the same
        bucket, so repair, parent inference, pairing, stance scoring and edge aggregation run on it
        unchanged, giving partial edges (counts and weight sums per author pair).
combine partial edges are summed per (source, target): counts, ``weight_sum``, ``pos_w``, ``neg_w``
        summed; ``first_at`` min, ``last_at`` max; ``abs_w``, ``weight_mean``, ``net_sign`` recomputed.

:func:`stream_edges` spills the buckets to Parquet in a temporary directory and reduces them one at a
time, so memory holds one chunk, one bucket and the growing edge table, never the whole dump.
:func:`distributed_edges` submits the same tasks to a ``dask.distributed`` client (the ``distributed``
extra); input paths must be readable by every worker. See docs/scale.md.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from discourse import schema
from discourse.errors import AnalysisError, FileNotFound, InputError, MissingDependency, ParseError
from discourse.io import ReadOptions, detect_format, read_file
from discourse.quality import FileQuality, QualityReport

__all__ = ["DistributedResult", "stream_edges", "stream_network", "distributed_edges",
           "distributed_network", "combine_edges", "plan_parts", "Part"]

_ORDER = ["__dx_file", "__dx_part", "__dx_row"]          # a row's place in the input, for exact ties
_LINE_SUFFIXES = (".ndjson", ".jsonl")
_BYTES_PER_ROW_GUESS = 400


@dataclass(frozen=True)
class Part:
    """One map task's input: ``path`` bytes ``[start, end)`` (``end`` None: the whole file)."""

    path: str
    format: str
    file_index: int
    part_index: int
    start: int = 0
    end: int | None = None


@dataclass
class DistributedResult:
    """Edges (``analysis.network.EDGE_COLUMNS``), authors (author, n_comments), the network's
    left-out counts and the quality report of everything read."""

    edges: pl.DataFrame
    authors: pl.DataFrame
    counts: dict[str, int]
    quality: QualityReport
    notes: list[str] = field(default_factory=list)
    options: Any = None

    def network(self) -> Any:
        """The ``AuthorNetwork`` these edges make (igraph graph included), ready for
        ``discourse.analysis.analyse(network)`` on one machine."""
        from discourse.analysis.network import AuthorNetwork, NetworkOptions, graph_from_edges

        return AuthorNetwork(edges=self.edges, graph=graph_from_edges(self.edges, self.authors),
                             counts=dict(self.counts), authors=self.authors,
                             options=self.options or NetworkOptions())


# -- planning --------------------------------------------------------------------------------------

def _is_line_file(path: Path) -> bool:
    """Plain NDJSON / JSON Lines (by suffix, or a first line that is a whole JSON object)."""
    if path.suffix.lower() in _LINE_SUFFIXES:
        return True
    if path.suffix.lower() != ".json":
        return False
    with open(path, "rb") as fh:
        first = fh.readline(1 << 20).strip()
        second = fh.readline(1 << 20).strip()
    return first.startswith(b"{") and first.endswith(b"}") and second.startswith(b"{")


def _line_aligned_cuts(path: Path, n: int) -> list[int]:
    """``n + 1`` offsets splitting ``path`` into about ``n`` parts, each ending after a newline."""
    size = path.stat().st_size
    cuts = [0]
    with open(path, "rb") as fh:
        for i in range(1, n):
            fh.seek(max(size * i // n, cuts[-1]))
            fh.readline()                       # finish the line the guess fell into
            pos = fh.tell()
            if pos >= size:
                break
            if pos > cuts[-1]:
                cuts.append(pos)
    cuts.append(size)
    return cuts


def plan_parts(paths: Sequence[str | Path], *, part_bytes: int, format: str | None = None) -> list[Part]:
    """Split the inputs into map tasks: plain NDJSON files into line-aligned parts of about
    ``part_bytes``; every other file (JSON documents, XML, CSV, compressed dumps) is one part."""
    parts: list[Part] = []
    for fi, raw in enumerate(paths):
        p = Path(raw)
        if not p.exists():
            raise FileNotFound(p)
        fmt = format or detect_format(p).name
        if p.is_file() and _is_line_file(p):
            n = max(1, math.ceil(p.stat().st_size / max(1, part_bytes)))
            cuts = _line_aligned_cuts(p, n)
            for pi, (a, b) in enumerate(zip(cuts, cuts[1:])):
                parts.append(Part(str(p), fmt, fi, pi, a, b))
        else:
            parts.append(Part(str(p), fmt, fi, 0))
    return parts


# -- map: read a part, bucket it by thread ---------------------------------------------------------

def _bucket_of(df: pl.DataFrame, n_buckets: int) -> pl.DataFrame:
    """Bucket number per row from a stable hash (CRC-32) of ``site + NUL + thread_id``.

    CRC-32 rather than polars' hash so every worker agrees whatever its polars build.
    """
    keys = df.select("site", "thread_id").unique(maintain_order=True)
    buckets = [zlib.crc32(f"{s}\0{t}".encode()) % n_buckets for s, t in keys.iter_rows()]
    return keys.with_columns(pl.Series("__dx_bucket", buckets, dtype=pl.Int64))


def _read_bytes(data: bytes, part: Part, options: ReadOptions) -> tuple[pl.DataFrame, pl.DataFrame, QualityReport]:
    """Read a line-aligned slice of ``part.path`` (already in memory) through a temporary file."""
    if not data.strip():
        return schema.empty(schema.COMMENTS), schema.empty(schema.THREADS), QualityReport(
            files=[FileQuality(part.path, part.format)])
    name = Path(part.path).name.removesuffix(".zst")
    suffix = Path(name).suffix or ".ndjson"
    fd, tmp = tempfile.mkstemp(prefix="discourse-part-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            res = read_file(tmp, part.format, options)
        except ParseError as err:
            raise ParseError(part.path, _locate(part, err.record), err.expected) from err
    finally:
        os.unlink(tmp)
    for fq in res.quality.files:
        fq.path = part.path
    return res.comments, res.threads, res.quality


def _locate(part: Part, record: str | None) -> str:
    """A part-relative ``line N`` as a line of the whole file (plain files; counted only on error)."""
    m = re.fullmatch(r"line (\d+)", record or "")
    if m and not part.path.endswith(".zst"):
        before = 0
        with open(part.path, "rb") as fh:
            left = part.start
            while left > 0:
                block = fh.read(min(left, 1 << 24))
                if not block:
                    break
                before += block.count(b"\n")
                left -= len(block)
        return f"line {before + int(m.group(1))}"
    return f"{record or 'a record'} of the part starting at byte {part.start}"


def _read_part(part: Part, options: ReadOptions) -> tuple[pl.DataFrame, pl.DataFrame, QualityReport]:
    """Read one part with its format's reader (a byte range through a temporary file)."""
    if part.end is None:
        res = read_file(part.path, part.format, options)
        return res.comments, res.threads, res.quality
    with open(part.path, "rb") as fh:
        fh.seek(part.start)
        data = fh.read(part.end - part.start)
    return _read_bytes(data, part, options)


def _iter_line_blocks(path: Path, block_bytes: int) -> Iterator[tuple[int, bytes]]:
    """Line-aligned blocks of about ``block_bytes`` of an NDJSON file, plain or Zstandard-compressed,
    with the (decompressed) byte offset each starts at. Memory: one block."""
    if path.name.endswith(".zst"):
        try:
            import zstandard
        except ImportError as err:  # a core dependency, but say what is missing if it is
            raise MissingDependency("reading .zst dumps", "zstandard") from err
        raw = open(path, "rb")
        fh = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(raw, read_across_frames=True)
    else:
        raw = None
        fh = open(path, "rb")
    try:
        offset, rest = 0, b""
        while True:
            block = fh.read(block_bytes)
            if not block:
                if rest:
                    yield offset, rest
                return
            data = rest + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            yield offset, data[:cut]
            offset += cut
            rest = data[cut:]
    finally:
        fh.close()
        if raw is not None:
            raw.close()


def _bucket_frames(part: Part, comments: pl.DataFrame, threads: pl.DataFrame, quality: QualityReport,
                   n_buckets: int) -> tuple[list[tuple[pl.DataFrame, pl.DataFrame]], QualityReport]:
    """Tag rows with their place in the input and split them into ``n_buckets`` by thread."""
    order = [pl.lit(part.file_index, pl.Int32).alias("__dx_file"),
             pl.lit(part.part_index, pl.Int32).alias("__dx_part"),
             pl.int_range(pl.len(), dtype=pl.Int64).alias("__dx_row")]
    comments, threads = comments.with_columns(order), threads.with_columns(order)
    keys = _bucket_of(pl.concat([comments.select("site", "thread_id"), threads.select("site", "thread_id")]),
                      n_buckets)
    out = []
    for df in (comments, threads):
        tagged = df.join(keys, on=["site", "thread_id"], how="left", maintain_order="left")
        parts = {k[0]: v.drop("__dx_bucket") for k, v in tagged.partition_by("__dx_bucket", as_dict=True).items()}
        empty = df.clear()
        out.append([parts.get(b, empty) for b in range(n_buckets)])
    return list(zip(out[0], out[1])), quality


def map_part(part: Part, n_buckets: int, options: ReadOptions | None = None
             ) -> tuple[list[tuple[pl.DataFrame, pl.DataFrame]], QualityReport]:
    """Read ``part`` and split its comments and threads into ``n_buckets`` (comments, threads) pairs."""
    return _bucket_frames(part, *_read_part(part, options or ReadOptions()), n_buckets)


# -- reduce: whole threads -> partial edges ---------------------------------------------------------

def _merge_threads(threads: pl.DataFrame) -> pl.DataFrame:
    """One row per thread, as ``discourse.io.read`` merges them (first non-null value in input order),
    except ``created_at`` (earliest) and ``reported_comments`` (largest), which parts split."""
    if threads.height == 0:
        return schema.conform(threads.drop(_ORDER, strict=False), schema.THREADS)
    threads = threads.sort(_ORDER)
    others = [c for c in threads.columns if c not in ("site", "thread_id", *_ORDER)]
    aggs = [pl.col(c).min() if c == "created_at" else pl.col(c).max() if c == "reported_comments"
            else pl.col(c).drop_nulls().first() for c in others]
    return schema.conform(threads.group_by(["site", "thread_id"], maintain_order=True).agg(aggs), schema.THREADS)


def _renumber_positions(comments: pl.DataFrame) -> pl.DataFrame:
    """A byte-range part numbers each thread's comments from 0; shift them to whole-file positions."""
    before = (
        comments.group_by("site", "thread_id", "__dx_file", "__dx_part").agg(pl.len().alias("__n"))
        .sort("__dx_part")
        .with_columns((pl.col("__n").cum_sum() - pl.col("__n")).over("site", "thread_id", "__dx_file")
                      .alias("__shift"))
        .drop("__n")
    )
    return (comments.join(before, on=["site", "thread_id", "__dx_file", "__dx_part"], how="left",
                          maintain_order="left")
            .with_columns(pl.col("position") + pl.col("__shift")).drop("__shift"))


def _quality_delta(before: QualityReport, after: QualityReport) -> QualityReport:
    """What a stage added to a report (drops, repairs, flags), as a report with ``read == 0``."""
    delta = QualityReport(notes=after.notes[len(before.notes):])
    for key, tq in after.threads.items():
        old = before.threads.get(key)
        d = delta.thread(*key)
        d.dropped = tq.dropped - (old.dropped if old else Counter())
        d.repaired = tq.repaired - (old.repaired if old else Counter())
        d.flagged = tq.flagged - (old.flagged if old else Counter())
        d.kept = -sum(d.dropped.values())
    return delta


def reduce_bucket(pieces: Sequence[tuple[pl.DataFrame, pl.DataFrame]], *, options: Any = None,
                  scorer: Any = "default") -> dict[str, Any]:
    """Run repair -> infer -> pair -> score -> network on one bucket of whole threads, as
    ``discourse.pipeline.build`` does with ``options`` (a ``BuildOptions``).

    Returns ``{"edges", "authors", "counts", "quality"}`` with partial edges; ``quality`` holds only
    what repair and inference changed (the read counts come from the map side).
    """
    from discourse import stance
    from discourse.analysis.network import author_network
    from discourse.pairing import pair_replies
    from discourse.repair import repair

    options = _build_options(options)
    comments = pl.concat([c for c, _ in pieces], how="diagonal_relaxed")
    threads = _merge_threads(pl.concat([t for _, t in pieces], how="diagonal_relaxed"))
    if comments.height == 0:
        return {"edges": None, "authors": None, "counts": {}, "quality": QualityReport()}
    comments = _renumber_positions(comments.sort(_ORDER)).drop(_ORDER)
    comments = schema.conform(comments, schema.COMMENTS)
    seed = QualityReport()
    for site, tid, n in comments.group_by(["site", "thread_id"], maintain_order=True).len().iter_rows():
        seed.add_read(site, tid, n)
    comments, after = repair(comments, threads, seed)
    quality = _quality_delta(seed, after)
    comments = _infer(comments, threads, quality, options)
    replies = pair_replies(comments, threads)
    replies = schema.validate(stance.score(replies, scorer), "scored replies")
    net = author_network(replies, threads, _network_options(options))
    return {"edges": net.edges, "authors": net.authors, "counts": dict(net.counts), "quality": quality}


def _infer(comments: pl.DataFrame, threads: pl.DataFrame, quality: QualityReport, options: Any) -> pl.DataFrame:
    """The pipeline's infer step on one bucket: parents for inputs without them, then ``@name``
    re-targeting where the options ask for it (``discourse.pipeline.load`` does the same)."""
    from discourse.infer import infer_parents
    from discourse.pipeline import _refine

    if options.infer_replies:
        comments = comments.with_columns(parent_source=pl.lit("none"), parent_id=pl.lit(None, pl.String),
                                         parent_confidence=pl.lit(0.0))
    n_flat = comments.select((pl.col("parent_source") == "none").sum()).item()
    if options.infer_replies is not False and n_flat:
        comments = infer_parents(comments, threads=threads)
        quality.notes.append(f"parents inferred for {n_flat} comment(s) without parent ids")
    comments = _refine(comments, options.refine_mentions, quality)
    return schema.validate(comments, "comments")


def _build_options(options: Any = None, **changes: Any) -> Any:
    """A ``BuildOptions`` (the pipeline's), with ``changes`` applied."""
    from discourse.pipeline import BuildOptions

    base = options if options is not None else BuildOptions()
    if not isinstance(base, BuildOptions):
        raise InputError(f"options must be discourse.pipeline.BuildOptions, got {type(base).__name__}")
    return BuildOptions(**{**base.to_dict(), **changes}) if changes else base


def _network_options(options: Any) -> Any:
    from discourse.analysis.network import NetworkOptions

    return NetworkOptions(self_replies=options.self_replies, root_edges=options.root_edges,
                          mention_edges=options.mention_edges, min_confidence=options.min_confidence)


def _read_options(options: Any) -> ReadOptions:
    return ReadOptions(columns=dict(options.columns), on_error=options.on_error, site=options.site,
                       thread_id=options.thread_id, page_layout=dict(options.page_layout))


# -- combine ---------------------------------------------------------------------------------------

def combine_edges(partials: Sequence[pl.DataFrame], *, sort: bool = True) -> pl.DataFrame:
    """Sum partial edge tables (``analysis.network.EDGE_COLUMNS``) into one, sorted by source, target
    (``sort=False``: in no particular order, for a running total that is combined again later)."""
    from discourse.analysis.network import EDGE_COLUMNS

    frames = [p for p in partials if p is not None and p.height]
    if not frames:
        return schema.empty(EDGE_COLUMNS)
    summed = [c for c, dt in EDGE_COLUMNS.items()
              if c not in ("source", "target", "weight_mean", "abs_w", "net_sign", "first_at", "last_at")]
    unknown = set(frames[0].columns) - set(EDGE_COLUMNS)
    if unknown:
        raise AnalysisError(f"combine_edges: partial edges carry columns with no combine rule: {sorted(unknown)}")
    out = (
        pl.concat(frames, how="vertical_relaxed")
        .group_by("source", "target")
        .agg(*[pl.col(c).sum() for c in summed], pl.col("first_at").min(), pl.col("last_at").max())
        .with_columns(
            (pl.col("weight_sum") / pl.col("n_replies")).alias("weight_mean"),
            (pl.col("pos_w") + pl.col("neg_w")).alias("abs_w"),
            pl.col("weight_sum").sign().cast(pl.Int8).alias("net_sign"),
        )
    )
    if sort:
        out = out.sort("source", "target")
    return schema.conform(out, EDGE_COLUMNS).select(list(EDGE_COLUMNS))


def _combine_authors(frames: Sequence[pl.DataFrame | None]) -> pl.DataFrame:
    frames = [f for f in frames if f is not None and f.height]
    if not frames:
        return pl.DataFrame(schema={"author": pl.String(), "n_comments": pl.Int64()})
    return (pl.concat(frames, how="vertical_relaxed").group_by("author")
            .agg(pl.col("n_comments").sum().cast(pl.Int64)).sort("author"))


def _merge_file_quality(reports: Sequence[QualityReport]) -> QualityReport:
    """Merge map-side reports, folding the parts of one file back into one FileQuality entry."""
    merged = QualityReport()
    for r in reports:
        merged = merged.merge(r)
    files: dict[tuple[str, str], FileQuality] = {}
    for fq in merged.files:
        acc = files.setdefault((fq.path, fq.format), FileQuality(fq.path, fq.format))
        acc.records += fq.records
        acc.bad_records += fq.bad_records
        acc.notes.extend(n for n in fq.notes if n not in acc.notes)
    merged.files = list(files.values())
    return merged


def _finish(read_q: list[QualityReport], reduced: list[dict[str, Any]], notes: list[str],
            options: Any) -> DistributedResult:
    from discourse.analysis.network import LEFT_OUT_REASONS

    quality = _merge_file_quality(read_q)
    counts: Counter[str] = Counter()
    for r in reduced:
        quality = quality.merge(r["quality"])
        counts.update({k: v for k, v in r["counts"].items() if k not in ("edges", "authors")})
    edges = combine_edges([r["edges"] for r in reduced])
    authors = _combine_authors([r["authors"] for r in reduced])
    counts = Counter({k: 0 for k in ("replies", "kept", *LEFT_OUT_REASONS, "mention_edges")}) + counts
    out_counts = {k: int(counts.get(k, 0)) for k in ("replies", "kept", *LEFT_OUT_REASONS, "mention_edges")}
    out_counts.update(edges=edges.height, authors=authors.height)
    for k, v in out_counts.items():
        quality.network[k] += v
    return DistributedResult(edges=edges, authors=authors, counts=out_counts, quality=quality, notes=notes,
                             options=_network_options(options))


def _check_options(options: Any) -> None:
    if options.mention_edges:
        raise AnalysisError("mention_edges needs every author known on a site at once, which a partitioned "
                            "run does not have; build mention edges on one machine (discourse build)")


# -- one machine, streamed ---------------------------------------------------------------------------

def _bytes_per_row(paths: Sequence[Path]) -> float:
    """Average line length of the first line-based input (64 KiB sample), for sizing chunks."""
    for p in paths:
        if p.is_file() and (p.name.endswith(".zst") or _is_line_file(p)):
            for _, block in _iter_line_blocks(p, 1 << 16):
                return max(1.0, len(block) / max(1, block.count(b"\n")))
    return float(_BYTES_PER_ROW_GUESS)


def stream_network(paths: str | Path | Sequence[str | Path], *, chunk_rows: int = 250_000,
                   scorer: Any = "default", options: Any = None, spill_dir: str | Path | None = None,
                   **kwargs: Any) -> DistributedResult:
    """Edges, authors, counts and quality of a dump read in chunks of about ``chunk_rows`` lines.

    Pass 1 reads each chunk (NDJSON files, plain or ``.zst``, are cut at line ends; other files are
    read whole) and spills its rows to Parquet, one file per (chunk, thread bucket), in a temporary
    directory under ``spill_dir``. Pass 2 reduces one bucket at a time and folds its partial edges into
    the running table. Peak memory is about one chunk plus one bucket plus the edge table.

    ``options`` is a ``discourse.pipeline.BuildOptions`` (format, column mapping, inference and network
    options, as for ``build``); keyword arguments set its fields. ``scorer`` (a name or a Scorer) wins
    over ``options.scorer``.
    """
    options = _build_options(options, **kwargs)
    _check_options(options)
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not paths:
        raise InputError("no input files given")
    if chunk_rows < 1:
        raise InputError(f"chunk_rows must be a positive number of lines, got {chunk_rows}")
    ropts = _read_options(options)
    block = max(1024, int(chunk_rows * _bytes_per_row(paths)))
    est_bytes = sum(p.stat().st_size * (4 if p.name.endswith(".zst") else 1) for p in paths if p.is_file())
    n_buckets = max(1, math.ceil(est_bytes / block))
    read_q: list[QualityReport] = []
    with tempfile.TemporaryDirectory(prefix="discourse-spill-", dir=spill_dir) as tmp:
        spill = Path(tmp)
        n_parts = 0
        for fi, p in enumerate(paths):
            if not p.exists():
                raise FileNotFound(p)
            fmt = options.format or detect_format(p).name
            line_based = p.is_file() and (p.name.endswith(".zst") or _is_line_file(p))
            blocks = _iter_line_blocks(p, block) if line_based else iter([(0, None)])
            for pi, (start, data) in enumerate(blocks):
                part = Part(str(p), fmt, fi, pi, start, None if data is None else start + len(data))
                res = _read_bytes(data, part, ropts) if data is not None else _read_part(part, ropts)
                buckets, q = _bucket_frames(part, *res, n_buckets)
                read_q.append(q)
                for b, (c, t) in enumerate(buckets):
                    if c.height or t.height:
                        (spill / f"b{b}").mkdir(exist_ok=True)
                        c.write_parquet(spill / f"b{b}" / f"c{n_parts}.parquet")
                        t.write_parquet(spill / f"b{b}" / f"t{n_parts}.parquet")
                n_parts += 1
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
            r = reduce_bucket(pieces, options=options, scorer=scorer)
            del pieces
            reduced.append({"edges": None, "authors": None, "counts": r["counts"], "quality": r["quality"]})
            pending.append(r["edges"])
            if 2 * sum(p.height for p in pending) >= (0 if edges is None else edges.height):
                edges, pending = combine_edges([edges, *pending], sort=False), []
            authors = _combine_authors([authors, r["authors"]])
    # _finish sums the running total and what is still pending in one last combine
    reduced += [{"edges": e, "authors": a, "counts": {}, "quality": QualityReport()}
                for e, a in ((edges, authors), *((p, None) for p in pending))]
    return _finish(read_q, reduced, [f"streamed in {n_parts} chunk(s) of about {chunk_rows} lines, "
                                     f"{n_buckets} thread bucket(s)"], options)


def stream_edges(paths: str | Path | Sequence[str | Path], *, chunk_rows: int = 250_000,
                 scorer: Any = "default", **kwargs: Any) -> pl.DataFrame:
    """The edges table of a dump processed in chunks of about ``chunk_rows`` lines (see
    :func:`stream_network`; keyword arguments pass through)."""
    return stream_network(paths, chunk_rows=chunk_rows, scorer=scorer, **kwargs).edges


# -- many machines: dask.distributed -----------------------------------------------------------------

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


def distributed_network(paths: str | Path | Sequence[str | Path], *, client: Any = None, n_workers: int = 2,
                        partitions: int | None = None, scorer: Any = "default", options: Any = None,
                        **kwargs: Any) -> DistributedResult:
    """Edges, authors, counts and quality of ``paths`` computed on a Dask cluster.

    ``client``: a ``dask.distributed.Client``; without one a ``LocalCluster`` of ``n_workers`` worker
    processes is started and closed. ``partitions``: thread buckets, and the number of parts NDJSON
    input is cut into (default: twice the cluster's threads). Only the partial edge tables come back
    to this process. ``options`` and keyword arguments: as for :func:`stream_network`.
    """
    dd = _dask()
    options = _build_options(options, **kwargs)
    _check_options(options)
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not paths:
        raise InputError("no input files given")
    own = client is None
    cluster = None
    if own:
        cluster = dd.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None)
        client = dd.Client(cluster)
    try:
        n = partitions or max(2, 2 * sum(client.nthreads().values()))
        total = sum(p.stat().st_size for p in paths if p.is_file())
        parts = plan_parts(paths, part_bytes=max(1024, math.ceil(total / n)), format=options.format)
        ropts = _read_options(options)
        mapped = [client.submit(map_part, part, n, ropts, pure=False) for part in parts]
        quality_f = [client.submit(_quality_of, m, pure=False) for m in mapped]
        picked = [[client.submit(_pick, m, b, pure=False) for m in mapped] for b in range(n)]
        del mapped          # a part's frames are freed once its buckets are picked out
        reduced_f = [client.submit(reduce_bucket, pieces, options=options, scorer=scorer, pure=False)
                     for pieces in picked]
        del picked
        read_q = client.gather(quality_f)
        reduced = client.gather(reduced_f)
    finally:
        if own:
            client.close()
            cluster.close()
    return _finish(read_q, reduced, [f"{len(parts)} part(s), {n} thread bucket(s) on dask.distributed"],
                   options)


def distributed_edges(paths: str | Path | Sequence[str | Path], *, client: Any = None, n_workers: int = 2,
                      partitions: int | None = None, scorer: Any = "default", **kwargs: Any) -> pl.DataFrame:
    """The edges table of ``paths`` computed on Dask (see :func:`distributed_network`), equal to the
    single-machine ``author_network(...).edges`` for the same input and options."""
    return distributed_network(paths, client=client, n_workers=n_workers, partitions=partitions,
                               scorer=scorer, **kwargs).edges
