"""Pushshift / Arctic Shift Reddit dumps: NDJSON, one comment (or submission) a line, plain or ``.zst``.

Comment lines carry ``id, parent_id, link_id, author, body, created_utc, score, subreddit``;
submission lines ``id, title, selftext, author, url, created_utc, num_comments, subreddit``.
Dumps are large, so the file (decompressed on the fly when it is ``.zst``) is read in chunks of
whole lines, each parsed by polars and reduced at once to the canonical columns with vectorized
expressions: memory holds the output plus one chunk, and nothing walks the rows in Python.

Every field is read as text and cast afterwards, since dumps of different years disagree on types
(``created_utc`` is a number in some and a string in others). Bodies are HTML-entity escaped in the
dumps (``&gt;`` for a quote); ``&lt; &gt; &amp;`` are decoded. When polars cannot parse a chunk
(a broken line, Windows-1252 text, a lone surrogate escape) that chunk is read again line by line,
which names the bad line (``on_error="raise"``) or skips and counts it (``on_error="skip"``,
``FileQuality.bad_records``).

Lines come from :func:`discourse.io.lines.iter_line_blocks`: a truncated or corrupt ``.zst`` and a
line longer than ``ReadOptions.max_line_bytes`` are errors (or counted skips) there, and memory stays
bounded by the chunk and that limit whatever the file decompresses to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from discourse import schema
from discourse._typing import OnError
from discourse.errors import EmptyInput, FileNotFound, ParseError
from discourse.io._common import MAX_LINE_BYTES, json_lines, loads
from discourse.io.lines import LineStats, is_zstd, iter_line_blocks, open_decompressed, zstd_end
from discourse.io.reddit import DELETED_AUTHORS, epoch_to_utc
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = [
    "COMMENT_FIELDS",
    "SUBMISSION_FIELDS",
    "parse_pushshift_frame",
    "parse_pushshift_lines",
    "read_pushshift",
    "sniff_pushshift",
]

SITE = "reddit"
COMMENT_FIELDS = ("id", "parent_id", "link_id", "author", "body", "created_utc", "score", "subreddit")
SUBMISSION_FIELDS = ("id", "name", "title", "selftext", "author", "url", "created_utc", "num_comments",
                     "score", "subreddit")


def _strip_kind(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace(r"^t\d_", "")


def _kind_of(obj: dict[str, Any]) -> str | None:
    if "body" in obj and ("link_id" in obj or "parent_id" in obj):
        return "comments"
    if "title" in obj and ("num_comments" in obj or "selftext" in obj):
        return "submissions"
    return None


# -- the vectorized core -----------------------------------------------------------------------
def _decode_entities(expr: pl.Expr) -> pl.Expr:
    # one left-to-right pass, so "&amp;lt;" becomes the literal "&lt;" the author typed
    return expr.str.replace_many(["&lt;", "&gt;", "&amp;"], ["<", ">", "&"])


def _reduce(raw: pl.DataFrame, kind: str, path: str | Path, first_line: int, on_error: OnError
            ) -> tuple[pl.DataFrame, int]:
    """Raw dump fields (text) of one chunk -> canonical columns (site and position come later).

    Rows without an id (comments: or without a ``link_id`` naming the thread) are unusable: they
    raise ParseError, or with ``on_error="skip"`` are dropped and returned as a count.
    """
    fields = COMMENT_FIELDS if kind == "comments" else SUBMISSION_FIELDS
    raw = raw.with_columns([pl.lit(None, dtype=pl.String).alias(f) for f in fields if f not in raw.columns])
    if kind == "submissions":
        raw = raw.with_columns(pl.coalesce(pl.col("id"), pl.col("name")).alias("id"))
    required = ["id", "link_id"] if kind == "comments" else ["id"]
    unusable = pl.any_horizontal([pl.col(c).is_null() | (pl.col(c) == "") for c in required])
    n_bad = raw.select(unusable.sum()).item()
    if n_bad:
        if on_error == "raise":
            idx = raw.with_row_index("_rec").filter(unusable)["_rec"][0]
            raise ParseError(path, f"record {idx + 1} of the lines from line {first_line}",
                             f"a {kind[:-1]} without {' or '.join(repr(c) for c in required)}")
        raw = raw.filter(~unusable)
    author = pl.col("author")
    author_deleted = author.is_in(list(DELETED_AUTHORS))
    author_out = pl.when(author_deleted).then(None).otherwise(author).alias("author")
    if kind == "submissions":
        text = pl.col("selftext")
        return raw.select(
            _strip_kind(pl.col("id")).alias("thread_id"),
            _decode_entities(pl.col("title")).alias("title"),
            pl.when(text.is_in(["", "[deleted]", "[removed]"])).then(None).otherwise(_decode_entities(text)).alias("text"),
            author_out,
            pl.col("url"),
            epoch_to_utc(pl.col("created_utc")).alias("created_at"),
            pl.col("num_comments").cast(pl.Float64, strict=False).cast(pl.Int64, strict=False).alias("reported_comments"),
            pl.col("subreddit"),
        ), n_bad
    parent = pl.col("parent_id")
    body = pl.col("body")
    return raw.select(
        pl.col("link_id").str.strip_prefix("t3_").alias("thread_id"),
        pl.col("id").str.strip_prefix("t1_").alias("comment_id"),
        pl.when(parent.str.starts_with("t3_")).then(None).otherwise(parent.str.strip_prefix("t1_")).alias("parent_id"),
        author_out,
        pl.when(body.is_in(["[deleted]", "[removed]"])).then(None).otherwise(_decode_entities(body)).alias("text"),
        epoch_to_utc(pl.col("created_utc")).alias("created_at"),
        pl.col("score").cast(pl.Float64, strict=False).cast(pl.Int64, strict=False).alias("score"),
        pl.when(parent.is_null()).then(pl.lit("none")).otherwise(pl.lit("explicit")).alias("parent_source"),
        pl.when(parent.is_null()).then(0.0).otherwise(1.0).alias("parent_confidence"),
        pl.col("subreddit"),
        author_deleted.alias("_author_deleted"),
        (body == "[deleted]").alias("_text_deleted"),
        (body == "[removed]").alias("_text_removed"),
    ), n_bad


_COMMENT_ORDER = ("site", "thread_id", "comment_id", "parent_id", "author", "text", "created_at", "score", "position",
                  "parent_source", "parent_confidence", "subreddit", "_author_deleted", "_text_deleted", "_text_removed")


def _number_comments(parts: list[pl.DataFrame], site: str) -> pl.DataFrame:
    """Join reduced chunks into one frame with ``site`` and ``position`` (order within the thread).

    Positions are computed over the thread ids alone, then sliced back onto each chunk (zero-copy), so
    every column keeps the chunks' layout and the text is never rechunked (copied) as a whole.
    """
    thread_ids = pl.concat([p.select("thread_id") for p in parts])
    position = thread_ids.select(pl.int_range(pl.len(), dtype=pl.Int64).over("thread_id").alias("position")).to_series()
    out, offset = [], 0
    for part in parts:
        out.append(part.with_columns(pl.lit(site).alias("site"), position.slice(offset, part.height))
                   .select(_COMMENT_ORDER))
        offset += part.height
    return pl.concat(out)


def _finish(reduced: pl.DataFrame, kind: str, path: str | Path, site: str, bad: int) -> ReadResult:
    """Reduced rows of a whole file (comments already numbered) -> canonical tables and quality."""
    quality = QualityReport()
    quality.files.append(FileQuality(str(path), f"pushshift-{kind}", records=reduced.height + bad, bad_records=bad))
    if kind == "submissions":
        threads = schema.conform(reduced.with_columns(pl.lit(site).alias("site")), schema.THREADS)
        for tid, reported in threads.select("thread_id", "reported_comments").iter_rows():
            tq = quality.thread(site, tid)
            if reported is not None:
                tq.reported = reported
        return ReadResult(schema.empty(schema.COMMENTS), threads, quality)
    flags = ["_author_deleted", "_text_deleted", "_text_removed"]
    # a narrow frame: grouping the full one would rechunk (copy) every column, text included
    per_thread = reduced.select("thread_id", "subreddit", *flags).group_by("thread_id", maintain_order=True).agg(
        pl.len(), *[pl.col(f).sum() for f in flags], pl.col("subreddit").first(),
    )
    for tid, n, a_del, t_del, t_rem, _ in per_thread.iter_rows():
        quality.add_read(site, tid, n)
        quality.repair(site, tid, "author_deleted", a_del)
        quality.repair(site, tid, "text_deleted", t_del)
        quality.repair(site, tid, "text_removed", t_rem)
    comments = reduced.drop(flags)
    threads = per_thread.select(pl.lit(site).alias("site"), "thread_id", "subreddit")
    return ReadResult(comments, schema.conform(threads, schema.THREADS), quality)


def parse_pushshift_frame(raw: pl.DataFrame, kind: str, path: str | Path = "<data>", site: str = SITE,
                          on_error: OnError = "raise", bad_records: int = 0) -> ReadResult:
    """Turn a frame of raw dump fields (all text) into the canonical tables.

    ``kind`` is ``"comments"`` or ``"submissions"``; ``bad_records`` counts lines already skipped.
    """
    reduced, n_bad = _reduce(raw, kind, path, 1, on_error)
    if kind == "comments":
        reduced = _number_comments([reduced], site)
    return _finish(reduced, kind, path, site, n_bad + bad_records)


# -- reading: chunks of whole lines, each parsed by polars; a failing chunk is parsed line by line -----
_CHUNK = 1 << 23  # 8 MiB of text per polars parse: bounds memory to the output plus one chunk


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")


def _chunks(path: Path, options: ReadOptions, stats: LineStats, size: int = _CHUNK) -> Iterator[tuple[int, bytes]]:
    """(number of the chunk's first line, bytes of whole lines), in file order (see
    :func:`discourse.io.lines.iter_line_blocks`: over-long lines and a truncated ``.zst`` end up in
    ``stats`` or raise)."""
    for lineno, _, chunk in iter_line_blocks(path, size, max_line_bytes=options.max_line_bytes,
                                             on_error=options.on_error, stats=stats):
        yield lineno, chunk


def _parse_lines(lines: Iterable[bytes | str], fields: tuple[str, ...], path: str | Path, first_line: int,
                 on_error: OnError, max_line_bytes: int = MAX_LINE_BYTES) -> tuple[pl.DataFrame, int]:
    """Parse lines one at a time: the raw-field frame and the number of bad lines skipped."""
    columns: dict[str, list[str | None]] = {f: [] for f in fields}
    texts = (_decode_line(line) if isinstance(line, bytes) else line for line in lines)
    rows, bad = json_lines(texts, path, on_error, "expected a JSON object (one comment or submission per line)",
                           first_line=first_line, max_line_bytes=max_line_bytes)
    for _, obj in rows:
        for f, col in columns.items():
            v = obj.get(f)
            col.append(None if v is None or isinstance(v, (dict, list)) else
                       ("true" if v is True else "false" if v is False else str(v)))
    return pl.DataFrame(columns, schema={f: pl.String() for f in fields}), bad


def _parse_chunk(chunk: bytes, fields: tuple[str, ...], path: str | Path, first_line: int,
                 on_error: OnError, max_line_bytes: int = MAX_LINE_BYTES) -> tuple[pl.DataFrame, int]:
    try:
        raw = pl.read_ndjson(chunk, schema={f: pl.String() for f in fields})
    except pl.exceptions.ComputeError:
        pass  # a broken line or non-UTF-8 text: parse this chunk by hand to name (or skip) the line
    else:
        # polars reads a lone high surrogate escape ("\ud800") as NUL (and fails on a lone low one):
        # a NUL anywhere sends the chunk to the exact path, which reads "\u0000" as NUL too and a lone
        # surrogate as U+FFFD
        if not raw.select(pl.any_horizontal(pl.all().str.contains("\x00", literal=True).any())).item():
            return raw, 0
    # split at "\n" only: a raw "\r" inside a bad line does not make it two lines
    return _parse_lines(chunk.split(b"\n"), fields, path, first_line, on_error, max_line_bytes)


def parse_pushshift_lines(lines: Iterable[bytes | str], path: str | Path = "<data>", site: str = SITE,
                          on_error: OnError = "raise", max_line_bytes: int = MAX_LINE_BYTES) -> ReadResult:
    """Parse NDJSON lines (already in memory); bad lines raise ParseError naming the line, or are counted."""
    lines = list(lines)
    first = next((_decode_line(x) if isinstance(x, bytes) else x for x in lines if x.strip()), None)
    obj = _first_object(first.lstrip("\ufeff")) if first else None
    kind = _kind_of(obj) if obj else None
    if kind is None:
        raise ParseError(path, "line 1", "expected a Reddit comment (body, link_id) or submission (title, num_comments) "
                                         "as a JSON object")
    if isinstance(lines[0], str):
        lines[0] = lines[0].lstrip("\ufeff")
    elif lines[0].startswith(b"\xef\xbb\xbf"):
        lines[0] = lines[0][3:]
    fields = COMMENT_FIELDS if kind == "comments" else SUBMISSION_FIELDS
    raw, bad = _parse_lines(lines, fields, path, 1, on_error, max_line_bytes)
    return parse_pushshift_frame(raw, kind, path, site, on_error, bad_records=bad)


def _head_bytes(path: Path, n: int = 65536) -> bytes:
    """The first ``n`` (decompressed) bytes, or those before corrupt ``.zst`` data (ParseError when
    there are none: the reading proper meets the corruption and reports or counts it)."""
    head = b""
    with open_decompressed(path) as src:
        while len(head) < n:
            try:
                block = src.read(min(4096, n - len(head)))
            except ParseError:
                if head:
                    break
                raise
            if not block:
                break
            head += block
    return head


def _first_object(head: str) -> dict[str, Any] | None:
    """The first line of ``head`` that is a JSON object (a broken first line is the chunk parser's
    to name or skip; it must not hide what kind of dump this is)."""
    for line in head.lstrip("\ufeff").split("\n", 50)[:50]:
        if line.strip():
            try:
                obj = loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                return obj
    return None


def read_pushshift(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a Pushshift comments or submissions dump (plain or .zst) into the canonical tables.

    The file is read in chunks of whole lines; each chunk is parsed by polars and reduced to the
    canonical columns at once, so memory holds the output plus one chunk, not the whole file twice.
    """
    options = options or ReadOptions()
    p = Path(path)
    if not p.exists():
        raise FileNotFound(p)
    site = options.site or SITE
    if is_zstd(p) and options.on_error == "raise" and (ended := zstd_end(p)) is not None:
        raise ended.error(p)     # truncated or corrupt: say so before reading anything
    head = _head_bytes(p)
    if not head.strip():
        raise EmptyInput(p)
    first = _first_object(_decode_line(head))
    kind = _kind_of(first) if first else None
    if kind is None:
        raise ParseError(p, "line 1", "expected a Reddit comment (body, link_id) or submission "
                                      "(title, num_comments) as a JSON object")
    fields = COMMENT_FIELDS if kind == "comments" else SUBMISSION_FIELDS
    parts: list[pl.DataFrame] = []
    bad = 0
    stats = LineStats()
    for first_line, chunk in _chunks(p, options, stats):
        raw, n_bad = _parse_chunk(chunk, fields, p, first_line, options.on_error, options.max_line_bytes)
        reduced, n_unusable = _reduce(raw, kind, p, first_line, options.on_error)
        del raw
        bad += n_bad + n_unusable
        # one chunk per column (a small copy of this chunk only), so adding the position later
        # does not make polars align, that is copy, the whole text column
        parts.append(reduced.rechunk())
    if not parts:
        parts.append(_reduce(pl.DataFrame(schema={f: pl.String() for f in fields}), kind, p, 1, options.on_error)[0])
    result = _finish(_number_comments(parts, site) if kind == "comments" else pl.concat(parts), kind, p, site,
                     bad + stats.bad_lines)
    result.quality.files[0].notes.extend(stats.notes)
    return result


_COMMENT_KEYS = re.compile(r'"link_id"\s*:')
_BODY_KEY = re.compile(r'"body"\s*:')


def sniff_pushshift(path: Path, head: str) -> bool:
    """First line is a JSON object with Reddit comment keys (body + link_id/parent_id) or submission
    keys (title + num_comments/selftext); ``.zst`` files are decompressed to look."""
    if path.suffix == ".zst" or head.startswith("(\ufffd/\ufffd"):
        try:
            head = _decode_line(_head_bytes(path)).lstrip("\ufeff")
        except ParseError:
            # a .zst whose start does not decompress: claimed here, so that reading it says what is wrong
            return path.suffix == ".zst"
    first = _first_object(head)
    if first is None:
        # a first line longer than the sniffed head: fall back to its keys
        line = head.lstrip("\ufeff").lstrip()
        return line.startswith("{") and "\n" not in line and bool(_COMMENT_KEYS.search(line) and _BODY_KEY.search(line))
    if _kind_of(first) is None:
        return False
    # an HN item or a ConvoKit utterance never has these Reddit-only keys
    return any(k in first for k in ("link_id", "subreddit", "num_comments", "selftext", "created_utc"))


register(Reader(
    name="pushshift",
    site=SITE,
    description="Pushshift / Arctic Shift Reddit NDJSON dumps of comments or submissions (plain or .zst)",
    sniff=sniff_pushshift,
    read=read_pushshift,
    priority=40,
    suffixes=(".ndjson", ".jsonl", ".zst", ".json"),
))
