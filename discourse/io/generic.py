"""Generic tables: CSV, TSV, JSON Lines and Parquet, with a column mapping.

Which column holds the comment id, the parent id, the author, the text, the time, the thread and the
score is guessed from common names or given with ``ReadOptions.columns`` (roles: thread, id, parent,
author, text, time, score, site, title). A mapping that names an absent column is an error that lists
the file's columns. Without a parent column, comments get ``parent_source="none"`` and the infer stage
reconstructs who replied to whom; an empty parent cell means a reply to the post.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import cast

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


def _as_time(df: pl.DataFrame, col: str, path: Path) -> pl.Expr:
    dtype = df.schema[col]
    e = pl.col(col)
    if dtype.is_numeric():
        # epoch seconds (or milliseconds when clearly too large for seconds)
        secs = e.cast(pl.Float64)
        ms = pl.when(secs.abs() > 1e11).then(secs).otherwise(secs * 1000.0)
        return pl.from_epoch(ms.cast(pl.Int64), time_unit="ms").dt.replace_time_zone("UTC").cast(schema.UTC)
    if isinstance(dtype, pl.Datetime):
        return (e.dt.replace_time_zone("UTC") if dtype.time_zone is None else e.dt.convert_time_zone("UTC")).cast(schema.UTC)
    if isinstance(dtype, pl.Date):
        return e.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    s = e.cast(pl.String).str.strip_chars()
    s = pl.when(s == "").then(None).otherwise(s)
    numeric = s.str.contains(r"^-?\d+(\.\d+)?$")
    as_epoch = pl.from_epoch((s.cast(pl.Float64, strict=False) * 1000).cast(pl.Int64), time_unit="ms").dt.replace_time_zone("UTC")
    parsed = s.str.to_datetime(time_zone="UTC", strict=False, time_unit="us", ambiguous="earliest")
    return pl.when(numeric).then(as_epoch.cast(schema.UTC)).otherwise(parsed)


def parse_table(df: pl.DataFrame, path: Path, options: ReadOptions) -> ReadResult:
    """Map a loaded table's columns onto the canonical comments table (pure; no I/O)."""
    if df.height == 0:
        raise NoUsableComments(str(path), "the table has a header but no rows")
    cols = _resolve(df.columns, options.columns, path)
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
    quality = QualityReport(files=[FileQuality(str(path), "generic", records=df.height)])
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


def _load(path: Path, kind: str, options: ReadOptions) -> pl.DataFrame:
    if kind == "parquet":
        try:
            return pl.read_parquet(path)
        except (pl.exceptions.PolarsError, OSError) as err:
            raise ParseError(path, None, f"not a readable Parquet file ({err})") from err
    text = decode(read_bytes(path), path)
    if kind in ("csv", "tsv"):
        try:
            return pl.read_csv(io.StringIO(text), separator="\t" if kind == "tsv" else ",",
                               infer_schema_length=0, truncate_ragged_lines=False)
        except pl.exceptions.PolarsError as err:
            raise ParseError(path, None, f"not a well-formed {kind.upper()} table ({str(err).splitlines()[0]})") from err
    parsed, bad = json_lines(text, path, options.on_error, "expected one JSON object per line")
    rows = [obj for _, obj in parsed]
    if not rows:
        raise EmptyInput(path)
    df = pl.DataFrame(rows, infer_schema_length=None, strict=False)
    return df.with_columns(pl.lit(bad).alias("__bad_lines__")) if bad else df


def read_generic(path: Path, options: ReadOptions) -> ReadResult:
    from discourse.io._common import head

    kind = _kind(path, head(path, 4096)) or "csv"
    df = _load(path, kind, options)
    bad = 0
    if "__bad_lines__" in df.columns:
        bad = int(df["__bad_lines__"][0])
        df = df.drop("__bad_lines__")
    result = parse_table(df, path, options)
    result.quality.files[0].format = f"generic-{kind}"
    result.quality.files[0].bad_records = bad
    result.quality.files[0].records += bad
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
