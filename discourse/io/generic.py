"""Generic tables: CSV, TSV, JSON Lines and Parquet, with a column mapping.

Which column holds the comment id, the parent id, the author, the text, the time, the thread and the
score is guessed from common names or given with ``ReadOptions.columns`` (roles: thread, id, parent,
author, text, time, score, site, title). A mapping that names an absent column is an error that lists
the file's columns. Without a parent column, comments get ``parent_source="none"`` and the infer stage
reconstructs who replied to whom; an empty parent cell means a reply to the post.

A row that cannot be a comment is a ParseError naming the row (CSV, Parquet) or line (JSON Lines), or
with ``on_error="skip"`` a bad record of the file: a blank comment id (when the table has an id
column), a JSON Lines line that is not an object or is longer than ``max_line_bytes``, a list or
object where a mapped column needs a value. A time that is no time (junk, a 20-digit epoch) is left
null and counted in a note on the file.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, cast

import polars as pl

from discourse import schema
from discourse.errors import ColumnMappingError, EmptyInput, NoUsableComments, ParseError
from discourse.io._common import decode, json_lines, read_bytes
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["GUESSES", "parse_table", "read_generic"]

# role -> column names tried in order when the role is not mapped explicitly
GUESSES: dict[str, tuple[str, ...]] = {
    "id": ("comment_id", "id", "post_id", "utterance_id", "message_id"),
    "parent": ("parent_id", "parent_comment_id", "reply_to", "in_reply_to", "in_reply_to_id", "parent"),
    "author": ("author", "user", "username", "user_name", "speaker", "by", "name"),
    "text": ("text", "body", "content", "message", "comment", "comment_text"),
    "time": ("created_at", "timestamp", "created_utc", "time", "date", "datetime"),
    "thread": ("thread_id", "link_id", "conversation_id", "thread", "discussion_id", "topic_id"),
    "score": ("score", "votes", "upvotes", "likes"),
    "site": ("site", "platform", "source"),
}
AUTHOR_PLACEHOLDERS = ("[deleted]", "[removed]", "[unknown]")
_SUFFIX_KIND = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
                ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


def _kind(path: Path, head_text: str) -> str | None:
    if head_text.startswith("PAR1"):
        return "parquet"
    kind = _SUFFIX_KIND.get(path.suffix.lower())
    if kind == "jsonl" and not head_text.lstrip().startswith("{"):
        return None
    return kind


def _resolve(columns: list[str], mapping: dict[str, str], path: Path) -> dict[str, str | None]:
    resolved: dict[str, str | None] = {}
    lower = {c.lower(): c for c in columns}
    for role, names in GUESSES.items():
        if role in mapping:
            if mapping[role] not in columns:
                raise ColumnMappingError(path, role, mapping[role], columns)
            resolved[role] = mapping[role]
        else:
            resolved[role] = next((lower[n] for n in names if n in lower), None)
    if "title" in mapping and mapping["title"] not in columns:
        raise ColumnMappingError(path, "title", mapping["title"], columns)
    if resolved["text"] is None:
        raise ParseError(path, "header", f"no text column found (tried {', '.join(GUESSES['text'])}); "
                         f"its columns are: {', '.join(columns)}. Name it with --text-col")
    return resolved


def _as_id(col: str) -> pl.Expr:
    """Ids as strings; float-typed ids from CSV (1.0) become "1"; blanks become null."""
    e = pl.col(col)
    return (
        pl.when(e.cast(pl.String).str.strip_chars() == "").then(None)
        .otherwise(e.cast(pl.String).str.strip_chars().str.replace(r"^(-?\d+)\.0$", "${1}"))
    )


# the times a datetime holds (years 1 to 9999), as epoch milliseconds: an epoch outside is no time
_MIN_MS, _MAX_MS = -62_135_596_800_000, 253_402_300_799_999


def _epoch_ms(ms: pl.Expr) -> pl.Expr:
    """Epoch milliseconds (float) -> UTC datetimes; out of range, NaN or infinite -> null."""
    ok = ms.is_between(_MIN_MS, _MAX_MS)
    return pl.from_epoch(pl.when(ok).then(ms).otherwise(None).cast(pl.Int64), time_unit="ms").dt.replace_time_zone("UTC")


def _as_time(df: pl.DataFrame, col: str, path: Path) -> pl.Expr:
    dtype = df.schema[col]
    e = pl.col(col)
    if dtype.is_numeric():
        # epoch seconds (or milliseconds when clearly too large for seconds)
        secs = e.cast(pl.Float64)
        ms = pl.when(secs.abs() > 1e11).then(secs).otherwise(secs * 1000.0)
        return _epoch_ms(ms).cast(schema.UTC)
    if isinstance(dtype, pl.Datetime):
        return (e.dt.replace_time_zone("UTC") if dtype.time_zone is None else e.dt.convert_time_zone("UTC")).cast(schema.UTC)
    if isinstance(dtype, pl.Date):
        return e.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    s = e.cast(pl.String).str.strip_chars()
    s = pl.when(s == "").then(None).otherwise(s)
    numeric = s.str.contains(r"^-?\d+(\.\d+)?$")
    as_epoch = _epoch_ms(s.cast(pl.Float64, strict=False) * 1000)
    parsed = s.str.to_datetime(time_zone="UTC", strict=False, time_unit="us", ambiguous="earliest")
    return pl.when(numeric).then(as_epoch.cast(schema.UTC)).otherwise(parsed)


def _record(lines: list[int] | None, i: int) -> str:
    """How an error names row ``i`` (0-based) of a loaded table."""
    return f"line {lines[i]}" if lines is not None else f"row {i + 1} (after the header)"


def _blank_ids(df: pl.DataFrame, id_col: str | None, path: Path, options: ReadOptions,
               lines: list[int] | None) -> tuple[pl.DataFrame, int]:
    """Rows whose comment id is blank cannot be told apart: a ParseError naming the first, or with
    ``on_error="skip"`` dropped and counted."""
    if id_col is None:
        return df, 0
    blank = _as_id(id_col).is_null()
    idx = df.select(pl.arg_where(blank)).to_series()
    if not idx.len():
        return df, 0
    if options.on_error == "raise":
        raise ParseError(path, _record(lines, int(idx[0])),
                         f"a blank comment id (column {id_col!r}); expected an id on every row "
                         "(or --on-error skip to skip and count such rows)")
    return df.filter(~blank), idx.len()


def parse_table(df: pl.DataFrame, path: Path, options: ReadOptions, *, lines: list[int] | None = None
                ) -> ReadResult:
    """Map a loaded table's columns onto the canonical comments table (pure; no I/O). ``lines``: the
    file line of each row (JSON Lines), for error messages; the quality record's ``bad_records``
    counts rows skipped here (blank ids, with ``on_error="skip"``)."""
    if df.height == 0:
        raise NoUsableComments(str(path), "the table has a header but no rows")
    cols = _resolve(df.columns, options.columns, path)
    records = df.height
    df, n_blank = _blank_ids(df, cols["id"], path, options, lines)
    if df.height == 0:
        raise NoUsableComments(str(path), f"every row ({records}) has a blank comment id")
    site_default = options.site or "generic"
    thread_default = options.thread_id or path.stem
    exprs: list[pl.Expr] = [
        (pl.col(cols["site"]).cast(pl.String).fill_null(site_default) if cols["site"] else pl.lit(site_default)).alias("site"),
        (_as_id(cols["thread"]).fill_null(thread_default) if cols["thread"] else pl.lit(thread_default)).alias("thread_id"),
        (_as_id(cols["id"]) if cols["id"] else pl.int_range(pl.len()).cast(pl.String)).alias("comment_id"),
        (_as_id(cols["parent"]) if cols["parent"] else pl.lit(None, pl.String)).alias("parent_id"),
        (pl.col(cols["author"]).cast(pl.String).str.strip_chars() if cols["author"] else pl.lit(None, pl.String)).alias("author"),
        pl.col(cast(str, cols["text"])).cast(pl.String).alias("text"),   # _resolve raised if none
        (_as_time(df, cols["time"], path) if cols["time"] else pl.lit(None, schema.UTC)).alias("created_at"),
        (pl.col(cols["score"]).cast(pl.Int64, strict=False) if cols["score"] else pl.lit(None, pl.Int64)).alias("score"),
    ]
    out = df.select(exprs)
    # Reddit-style prefixed ids ("t1_abc", "t3_xyz") in a generic dump: strip the kind prefix,
    # and a parent that is the link itself ("t3_") is a reply to the post.
    out = out.with_columns(
        pl.when(pl.col("parent_id").str.starts_with("t3_")).then(None)
        .otherwise(pl.col("parent_id").str.replace(r"^t1_", "")).alias("parent_id"),
        pl.col("thread_id").str.replace(r"^t3_", ""),
        pl.col("author").replace({"": None}),
    )
    # a parent equal to the thread id is a reply to the post
    out = out.with_columns(
        pl.when(pl.col("parent_id") == pl.col("thread_id")).then(None).otherwise(pl.col("parent_id")).alias("parent_id")
    )
    # deletion placeholders, as Reddit-derived exports write them
    deleted_author = pl.col("author").is_in(list(AUTHOR_PLACEHOLDERS)).fill_null(False)
    deleted_text = pl.col("text").is_in(["[deleted]"]).fill_null(False)
    removed_text = pl.col("text").is_in(["[removed]"]).fill_null(False)
    marks = out.select(deleted_author.alias("a"), deleted_text.alias("d"), removed_text.alias("r"),
                       "site", "thread_id")
    out = out.with_columns(
        pl.when(deleted_author).then(None).otherwise(pl.col("author")).alias("author"),
        pl.when(deleted_text | removed_text).then(None).otherwise(pl.col("text")).alias("text"),
    )
    has_parent = cols["parent"] is not None
    out = out.with_columns(
        pl.int_range(pl.len()).over("thread_id").cast(pl.Int64).alias("position"),
        (pl.when(pl.col("parent_id").is_null()).then(pl.lit("root")).otherwise(pl.lit("explicit"))
         if has_parent else pl.lit("none")).alias("parent_source"),
        pl.lit(1.0 if has_parent else 0.0).alias("parent_confidence"),
    )
    n_bad_time = 0
    if cols["time"]:
        raw = df.get_column(cols["time"])
        n_bad_time = int((out["created_at"].is_null() & raw.is_not_null() & (raw.cast(pl.String).str.strip_chars() != "")).sum())
    quality = QualityReport(files=[FileQuality(str(path), "generic", records=records, bad_records=n_blank)])
    if n_blank:
        quality.files[0].notes.append(f"{n_blank} row(s) with a blank comment id (column {cols['id']!r}) skipped")
    if n_bad_time:
        quality.files[0].notes.append(f"{n_bad_time} time value(s) in column {cols['time']!r} could not be parsed; left null")
    for site, tid, n in out.group_by(["site", "thread_id"]).len().iter_rows():
        quality.add_read(site, tid, n)
    for flag, reason in (("a", "author_deleted"), ("d", "text_deleted"), ("r", "text_removed")):
        for site, tid, n in marks.filter(pl.col(flag)).group_by(["site", "thread_id"]).len().iter_rows():
            quality.repair(site, tid, reason, n)
    title_col = options.columns.get("title")
    threads = out.group_by(["site", "thread_id"], maintain_order=True).agg(
        pl.col("created_at").min()
    )
    if title_col:
        titles = df.select(
            (_as_id(cols["thread"]).fill_null(thread_default) if cols["thread"] else pl.lit(thread_default)).alias("thread_id"),
            pl.col(title_col).cast(pl.String).alias("title"),
        ).group_by("thread_id", maintain_order=True).agg(pl.col("title").drop_nulls().first())
        threads = threads.join(titles, on="thread_id", how="left")
    threads = threads.with_columns(pl.col("thread_id").str.replace(r"^t3_", ""))
    return ReadResult(schema.conform(out, schema.COMMENTS), schema.conform(threads, schema.THREADS), quality)


def _load(path: Path, kind: str, options: ReadOptions) -> tuple[pl.DataFrame, int, list[int] | None]:
    """The file as a table, the number of bad lines skipped, and (JSON Lines) each row's line."""
    if kind == "parquet":
        try:
            return pl.read_parquet(path), 0, None
        except (pl.exceptions.PolarsError, OSError) as err:
            raise ParseError(path, None, f"not a readable Parquet file ({_first_line(err)})") from err
    text = decode(read_bytes(path), path)
    if kind in ("csv", "tsv"):
        try:
            return pl.read_csv(io.StringIO(text), separator="\t" if kind == "tsv" else ",",
                               infer_schema_length=0, truncate_ragged_lines=False), 0, None
        except pl.exceptions.PolarsError as err:
            raise ParseError(path, None, f"not a well-formed {kind.upper()} table ({_first_line(err)})") from err
    parsed, bad = json_lines(text, path, options.on_error, "expected one JSON object per line",
                             max_line_bytes=options.max_line_bytes)
    if not parsed:
        raise EmptyInput(path)
    names = list(dict.fromkeys(k for _, obj in parsed for k in obj))
    roles = {c for c in _resolve(names, options.columns, path).values() if c}
    if options.columns.get("title"):
        roles.add(options.columns["title"])
    kept: list[tuple[int, dict[str, Any]]] = []
    for lineno, obj in parsed:
        nested = next((c for c in roles if isinstance(obj.get(c), (dict, list))), None)
        if nested is None:
            kept.append((lineno, obj))
            continue
        if options.on_error == "raise":
            what = "an object" if isinstance(obj[nested], dict) else "a list"
            raise ParseError(path, f"line {lineno}", f"column {nested!r} holds {what}; expected a string or a number")
        bad += 1
    if not kept:
        raise NoUsableComments(str(path), "no line holds a usable row")
    columns = {name: _column(name, [obj.get(name) for _, obj in kept]) for name in names}
    return pl.DataFrame(columns), bad, [lineno for lineno, _ in kept]


_I64 = (-(2**63), 2**63 - 1)


def _column(name: str, values: list[Any]) -> pl.Series:
    """One JSON Lines column: booleans, whole numbers (64-bit), numbers or strings as the values all
    are; anything mixed (or nested, or too big for 64 bits) as strings (lists and objects as JSON)."""
    kinds = {type(v) for v in values if v is not None}
    if kinds == {bool}:
        return pl.Series(name, values, dtype=pl.Boolean)
    if kinds == {int} and all(_I64[0] <= v <= _I64[1] for v in values if v is not None):
        return pl.Series(name, values, dtype=pl.Int64)
    if kinds and kinds <= {int, float} and all(isinstance(v, float) or abs(v) < 2**1000 for v in values if v is not None):
        return pl.Series(name, [None if v is None else float(v) for v in values], dtype=pl.Float64)
    if kinds <= {str}:
        return pl.Series(name, values, dtype=pl.String)

    def text(v: Any) -> str | None:
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (dict, list)):
            return json.dumps(v, ensure_ascii=False)
        return str(v)

    return pl.Series(name, [text(v) for v in values], dtype=pl.String)


def _first_line(err: Exception) -> str:
    """An error's message without the lines polars adds (hints, the failing expression)."""
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def read_generic(path: Path, options: ReadOptions) -> ReadResult:
    from discourse.io._common import head

    kind = _kind(path, head(path, 4096)) or "csv"
    df, bad, lines = _load(path, kind, options)
    result = parse_table(df, path, options, lines=lines)
    fq = result.quality.files[0]
    fq.format = f"generic-{kind}"
    fq.bad_records += bad
    fq.records += bad
    return result


def _sniff(path: Path, head_text: str) -> bool:
    if path.is_dir():
        return False
    kind = _kind(path, head_text)
    if kind is None:
        return False
    if kind in ("csv", "tsv"):
        first = head_text.splitlines()[0].lower() if head_text.strip() else ""
        sep = "\t" if kind == "tsv" else ","
        names = {c.strip().strip('"') for c in first.split(sep)}
        return bool(names & set(GUESSES["text"])) or kind == "tsv" or len(names) > 1
    return True


register(Reader(
    name="table",
    site="generic",
    description="Generic CSV / TSV / JSON Lines / Parquet with a column mapping (--id-col, --parent-col, ...)",
    sniff=_sniff,
    read=read_generic,
    priority=-100,
    suffixes=(".csv", ".tsv", ".jsonl", ".ndjson", ".parquet"),
))
