"""Partitioned work, shared by the stream and dask engines: plan parts, map, reduce, combine.

map     each input part (a line-aligned byte range of an NDJSON dump, or a whole file of any other
        format) is read with the registered reader for its format and its rows are hash-partitioned by
        ``(site, thread_id)`` into buckets, carrying their place in the input.
reduce  each bucket then holds whole threads: every reply's parent (and the post) lives in the same
        bucket, so the load stage (repair, parent inference, ``@name`` re-targeting), pairing, stance
        scoring and edge aggregation run on it unchanged (the same functions as the memory engine:
        :mod:`discourse.engines.load`), giving partial edges (counts and weight sums per author pair).
combine partial edges are summed per (source, target): counts, ``weight_sum``, ``pos_w``, ``neg_w``
        summed; ``first_at`` min, ``last_at`` max; ``abs_w``, ``weight_mean``, ``net_sign`` recomputed.

So the edges equal the memory engine's for the same input and options: integer columns exactly,
float sums up to summation order.
"""

from __future__ import annotations

import itertools
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
from discourse.analysis.network import (
    ANONYMOUS_COUNTS,
    EDGE_COLUMNS,
    LEFT_OUT_REASONS,
    AuthorNetwork,
    author_network,
    graph_from_edges,
    net_sign,
)
from discourse.engines.load import repair_and_infer, score_replies
from discourse.errors import AnalysisError, FileNotFound, ParseError
from discourse.io import ReadOptions, detect_format, merge_threads, read_file
from discourse.io import lines as io_lines
from discourse.io.lines import LineStats
from discourse.options import BuildOptions, NetworkOptions
from discourse.quality import FileQuality, QualityReport
from discourse.stance import AUTO, ScorerChoice, choose_scorer, get_scorer
from discourse.stance._choice import FAST

__all__ = [
    "Part",
    "PartialResult",
    "bucket_frames",
    "check_options",
    "combine_authors",
    "combine_edges",
    "finish",
    "is_line_file",
    "iter_line_blocks",
    "map_part",
    "plan_parts",
    "read_bytes",
    "read_part",
    "reduce_bucket",
]

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
class PartialResult:
    """Edges (``analysis.network.EDGE_COLUMNS``), authors (author, n_comments), the network's
    left-out counts and the quality report of everything read, gathered from partial work."""

    edges: pl.DataFrame
    authors: pl.DataFrame
    counts: dict[str, int]
    quality: QualityReport
    notes: list[str] = field(default_factory=list)
    options: NetworkOptions = field(default_factory=NetworkOptions)
    stance: ScorerChoice | None = None      # which scorer ran

    def network(self) -> AuthorNetwork:
        """The ``AuthorNetwork`` these edges make (igraph graph included), ready for
        ``discourse.analysis.analyse(network)`` on one machine."""
        return AuthorNetwork(edges=self.edges, graph=graph_from_edges(self.edges, self.authors),
                             counts=dict(self.counts), authors=self.authors, options=self.options)


# -- planning --------------------------------------------------------------------------------------

def is_line_file(path: Path) -> bool:
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
        if p.is_file() and is_line_file(p):
            n = max(1, math.ceil(p.stat().st_size / max(1, part_bytes)))
            cuts = _line_aligned_cuts(p, n)
            for pi, (a, b) in enumerate(itertools.pairwise(cuts)):
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


def read_bytes(data: bytes, part: Part, options: ReadOptions) -> tuple[pl.DataFrame, pl.DataFrame, QualityReport]:
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


def read_part(part: Part, options: ReadOptions) -> tuple[pl.DataFrame, pl.DataFrame, QualityReport]:
    """Read one part with its format's reader (a byte range through a temporary file)."""
    if part.end is None:
        res = read_file(part.path, part.format, options)
        return res.comments, res.threads, res.quality
    with open(part.path, "rb") as fh:
        fh.seek(part.start)
        data = fh.read(part.end - part.start)
    return read_bytes(data, part, options)


def iter_line_blocks(path: Path, block_bytes: int, options: ReadOptions | None = None,
                     stats: LineStats | None = None) -> Iterator[tuple[int, bytes]]:
    """Line-aligned blocks of about ``block_bytes`` of an NDJSON file, plain or Zstandard-compressed,
    with the (decompressed) byte offset each starts at. Memory: one block plus the longest line
    allowed. A truncated or corrupt ``.zst`` and an over-long line raise, or with
    ``options.on_error == "skip"`` are counted in ``stats`` (see :func:`discourse.io.lines.iter_line_blocks`)."""
    o = options or ReadOptions()
    for _, offset, block in io_lines.iter_line_blocks(path, block_bytes, max_line_bytes=o.max_line_bytes,
                                                      on_error=o.on_error, stats=stats):
        yield offset, block


def bucket_frames(part: Part, comments: pl.DataFrame, threads: pl.DataFrame, quality: QualityReport,
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
    return bucket_frames(part, *read_part(part, options or ReadOptions()), n_buckets)


# -- reduce: whole threads -> partial edges ---------------------------------------------------------

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


def reduce_bucket(pieces: Sequence[tuple[pl.DataFrame, pl.DataFrame]], options: BuildOptions) -> dict[str, Any]:
    """Run the load stage, pairing, scoring and the network on one bucket of whole threads, as the
    memory engine does with the same ``options``.

    Returns ``{"edges", "authors", "counts", "quality"}`` with partial edges; ``quality`` holds only
    what repair and inference changed (the read counts come from the map side).
    """
    comments = pl.concat([c for c, _ in pieces], how="diagonal_relaxed")
    threads = pl.concat([t for _, t in pieces], how="diagonal_relaxed")
    threads = merge_threads([threads.sort(_ORDER).drop(_ORDER) if threads.height else threads.drop(_ORDER, strict=False)])
    if comments.height == 0:
        return {"edges": None, "authors": None, "counts": {}, "quality": QualityReport()}
    comments = _renumber_positions(comments.sort(_ORDER)).drop(_ORDER)
    comments = schema.conform(comments, schema.COMMENTS)
    seed = QualityReport()
    for site, tid, n in comments.group_by(["site", "thread_id"], maintain_order=True).len().iter_rows():
        seed.add_read(site, tid, n)
    comments, after = repair_and_infer(comments, threads, seed, options.infer)
    replies, _ = score_replies(comments, threads, options.stance, quality=after)
    net = author_network(replies, threads, options.network)
    delta = _quality_delta(seed, after)
    delta.hints.extend(net.hints)
    return {"edges": net.edges, "authors": net.authors, "counts": dict(net.counts), "quality": delta}


# -- combine ---------------------------------------------------------------------------------------

def combine_edges(partials: Sequence[pl.DataFrame | None], *, sort: bool = True) -> pl.DataFrame:
    """Sum partial edge tables (``analysis.network.EDGE_COLUMNS``) into one, sorted by source, target
    (``sort=False``: in no particular order, for a running total that is combined again later)."""
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
            net_sign(pl.col("weight_sum")),
        )
    )
    if sort:
        out = out.sort("source", "target")
    return schema.conform(out, EDGE_COLUMNS).select(list(EDGE_COLUMNS))


def combine_authors(frames: Sequence[pl.DataFrame | None]) -> pl.DataFrame:
    present = [f for f in frames if f is not None and f.height]
    if not present:
        return pl.DataFrame(schema={"author": pl.String(), "n_comments": pl.Int64(), "anonymous": pl.Boolean()})
    both = pl.concat(present, how="diagonal_relaxed")
    if "anonymous" not in both.columns:
        both = both.with_columns(anonymous=pl.lit(False))
    return (both.group_by("author")
            .agg(pl.col("n_comments").sum().cast(pl.Int64), pl.col("anonymous").fill_null(False).any())
            .sort("author"))


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
        if fq.comments is not None:
            acc.comments = (acc.comments or 0) + fq.comments
        acc.notes.extend(n for n in fq.notes if n not in acc.notes)
    merged.files = list(files.values())
    return merged


def finish(read_q: list[QualityReport], reduced: list[dict[str, Any]], notes: list[str],
           options: NetworkOptions, stance: ScorerChoice | None = None) -> PartialResult:
    """Gather the map side's reports and the reduced buckets into one result."""
    quality = _merge_file_quality(read_q)
    counts: Counter[str] = Counter()
    for r in reduced:
        quality = quality.merge(r["quality"])
        counts.update({k: v for k, v in r["counts"].items() if k not in ("edges", "authors")})
    edges = combine_edges([r["edges"] for r in reduced])
    authors = combine_authors([r["authors"] for r in reduced])
    keys = ("replies", "kept", *LEFT_OUT_REASONS, "mention_edges", *ANONYMOUS_COUNTS)
    counts = Counter(dict.fromkeys(keys, 0)) + counts
    out_counts = {k: int(counts.get(k, 0)) for k in keys}
    out_counts.update(edges=edges.height, authors=authors.height)
    # the counts go into quality.network once, where build() adds every engine's network counts
    # (added here too, a streamed or Dask build's quality.json counted each reply twice)
    return PartialResult(edges=edges, authors=authors, counts=out_counts, quality=quality, notes=notes,
                         options=options, stance=stance)


def partitioned_options(options: BuildOptions) -> BuildOptions:
    """The options a partitioned run works with: ``"default"`` scoring is the fast scorer there (every
    bucket must score with the same scorer, and these engines are for inputs beyond interactive size).
    Options it cannot honour are an error, never silently dropped."""
    check_options(options)
    return options.replace(scorer=FAST) if options.stance.scorer == AUTO else options


def partitioned_choice(options: BuildOptions, engine: str, n_replies: int) -> ScorerChoice:
    """The record of the scorer a partitioned run used."""
    asked = options.stance.scorer
    if asked != AUTO:
        return choose_scorer(asked, n_replies, options.stance.neural_max_replies)
    impl = get_scorer(FAST)
    return ScorerChoice(AUTO, FAST, impl.ident, n_replies, options.stance.neural_max_replies,
                        f"the {engine} engine scores with the fast lexical scorer ({impl.ident}) under default; "
                        "pin --scorer neural to use the neural one", notice=True)


def check_options(options: BuildOptions) -> None:
    """Options a partitioned run cannot honour are an error, never silently dropped."""
    if options.network.mention_edges:
        raise AnalysisError("mention_edges needs every author known on a site at once, which a partitioned "
                            "run does not have; build mention edges on one machine (discourse build)")


