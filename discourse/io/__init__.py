"""Reading threads into the canonical tables.

``read(paths)`` detects each file's format from its content (or takes ``format=``), runs that reader,
and joins the results: several files of one thread (paged responses, ``morechildren``) become one thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl

from discourse import schema
from discourse.errors import EmptyInput, FileNotFound, InputError, NoUsableComments, ParseError, UnknownFormat
from discourse.io._common import head, load_json, xml_encoding_error
from discourse.io.registry import READERS, Reader, ReadOptions, ReadResult, get_reader, register
from discourse.quality import QualityReport

__all__ = [
    "READERS",
    "ReadOptions",
    "ReadResult",
    "Reader",
    "detect_format",
    "formats",
    "merge_threads",
    "read",
    "read_file",
    "register",
]


def _load_readers() -> None:
    from discourse.io import _all  # noqa: F401  (registers the readers)


def formats() -> list[Reader]:
    """The registered readers, in the order detection tries them."""
    _load_readers()
    return sorted(READERS.values(), key=lambda r: (-r.priority, r.name))


def detect_format(path: str | Path) -> Reader:
    """The reader that recognises this file (or directory) from its content."""
    p = Path(path)
    if not p.exists():
        raise FileNotFound(p)
    if p.is_dir():
        for reader in formats():
            if reader.directory and reader.sniff(p, ""):
                return reader
        raise UnknownFormat(p, "a directory that is neither a ConvoKit corpus, a Stack Exchange dump nor a `discourse fetch` folder (manifest.json)")
    if p.stat().st_size == 0:
        raise EmptyInput(p)
    text = head(p)
    if not text.strip() and not p.name.endswith((".zst", ".parquet")):
        raise EmptyInput(p)
    for reader in formats():
        if reader.sniff(p, text):
            return reader
    raise UnknownFormat(p, _why_unknown(p, text))


def _why_unknown(path: Path, head_text: str) -> str:
    """When no reader claims a file, say what is wrong with it if we can (a broken JSON or XML file
    is a parse error, not an unknown kind)."""
    start = head_text.lstrip()[:1]
    if start in ("{", "["):
        load_json(path)  # raises ParseError naming line and column when the JSON is broken
        return "valid JSON, but not the structure of any site discourse reads"
    if start == "<":
        import xml.etree.ElementTree as ET

        try:
            for _ in ET.iterparse(path, events=("end",)):
                pass
        except ET.ParseError as err:
            line, col = err.position
            raise ParseError(path, f"line {line}, column {col}", f"malformed XML ({err})") from err
        except (LookupError, ValueError) as err:
            raise xml_encoding_error(path, err) from err
        return "well-formed XML, but not a Disqus export or a Stack Exchange dump"
    if "\x00" in head_text:
        return "binary content"
    return ""


def read_file(path: str | Path, format: str | None = None, options: ReadOptions | None = None) -> ReadResult:
    options = options or ReadOptions()
    p = Path(path)
    if not p.exists():
        raise FileNotFound(p)
    _load_readers()
    reader = get_reader(format) if format else detect_format(p)
    try:
        result = reader.read(p, options)
    except InputError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, pl.exceptions.PolarsError) as err:
        # A reader met a structure it did not expect: report it against the file, not as a traceback.
        raise ParseError(p, None, f"does not look like a valid {reader.name} file ({type(err).__name__}: {err})") from err
    comments = schema.conform(result.comments, schema.COMMENTS)
    threads = schema.conform(result.threads, schema.THREADS)
    quality = result.quality
    if options.site:
        comments = comments.with_columns(site=pl.lit(options.site))
        threads = threads.with_columns(site=pl.lit(options.site))
    if options.thread_id:
        found = comments.select("site", "thread_id").unique()
        if found.height > 1:
            raise InputError(f"{p}: --thread-id names a single thread, but the file holds {found.height} threads")
        comments = comments.with_columns(thread_id=pl.lit(options.thread_id))
        threads = threads.with_columns(thread_id=pl.lit(options.thread_id))
    if options.site or options.thread_id:
        quality = _rekey(quality, site=options.site, thread_id=options.thread_id)
    return ReadResult(comments, threads, quality)


def _rekey(quality: QualityReport, *, site: str | None = None, thread_id: str | None = None) -> QualityReport:
    """The report with every thread's site and/or id overridden (as the comments were)."""
    out = QualityReport(files=quality.files, network=quality.network, notes=quality.notes)
    for (old_site, old_tid), tq in quality.threads.items():
        out.thread(site or old_site, thread_id or old_tid).merge(tq)
    return out


def read(paths: str | Path | Sequence[str | Path], format: str | None = None,
         options: ReadOptions | None = None) -> ReadResult:
    """Read one or more files into one comments table, one threads table and one quality report.

    Comments are not de-duplicated here (the repair stage does that, and counts it).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise InputError("no input files given")
    results = [read_file(p, format, options) for p in paths]
    comments = pl.concat([r.comments for r in results], how="diagonal_relaxed")
    comments = schema.conform(comments, schema.COMMENTS)
    threads = merge_threads([r.threads for r in results])
    quality = QualityReport()
    for r in results:
        quality = quality.merge(r.quality)
    if comments.height == 0:
        raise NoUsableComments(", ".join(str(p) for p in paths), "the files hold no comments")
    return ReadResult(comments, threads, quality)


def merge_threads(frames: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """One row per (site, thread_id): the first non-null value of each field in input order, except
    ``created_at`` (the earliest) and ``reported_comments`` (the largest), which pages of one thread
    may each hold in part. Every engine merges threads with this function."""
    threads = pl.concat([schema.conform(f, schema.THREADS) for f in frames], how="diagonal_relaxed")
    threads = schema.conform(threads, schema.THREADS)
    if threads.height == 0:
        return threads
    others = [c for c in threads.columns if c not in ("site", "thread_id")]
    merged = threads.group_by(["site", "thread_id"], maintain_order=True).agg(
        [pl.col(c).min() if c == "created_at" else pl.col(c).max() if c == "reported_comments"
         else pl.col(c).drop_nulls().first() for c in others]
    )
    return schema.conform(merged, schema.THREADS)
