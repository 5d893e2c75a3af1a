"""A vectorised reader for NDJSON files of Hacker News Firebase items.

:func:`read_firebase_ndjson` gives exactly what ``parse_firebase(json items of the file)`` gives
(tables, quality report, notes) but parses with polars and assigns threads with numpy pointer
doubling instead of a Python loop per item. It returns ``None`` whenever it cannot guarantee that
result, and the caller then takes the line-by-line Python path (which also owns every error
message and ``--on-error skip``). It declines when:

* polars cannot parse a line, or a value has an unexpected type (the schema below is strict for
  numbers, lists and booleans; string fields are checked against the raw text);
* a key is repeated in an object, present with ``null``, written with escapes, or nested in an
  unknown field (Python's ``json`` keeps the last duplicate, polars the first; ``"title": null``
  makes an item a story in ``parse_firebase``);
* the file holds ``\r``, U+0085, U+2028 or U+2029 (rare; declined so that no line-break rule can
  set the two paths apart), surrogate escapes, a byte-order mark, or keys of other HN shapes (``children``,
  ``comments``, ``post``); raw control characters polars rejects itself, as ``json.loads`` does;
* an item lacks an integer id, is not Firebase-shaped, ids repeat, or parents form a cycle.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from discourse import schema
from discourse.io._common import html_to_text
from discourse.io.reddit import epoch_to_utc
from discourse.io.registry import ReadResult
from discourse.quality import FileQuality, QualityReport, ThreadQuality

__all__ = ["read_firebase_ndjson"]

_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(), "type": pl.String(), "by": pl.String(), "text": pl.String(), "parent": pl.Int64(),
    "kids": pl.List(pl.Int64()), "time": pl.Float64(), "score": pl.Int64(), "deleted": pl.Boolean(),
    "dead": pl.Boolean(), "title": pl.String(), "url": pl.String(), "descendants": pl.Int64(),
}
_STRINGS = ("type", "by", "text", "title", "url")
# the item kinds and text placeholders of Firebase items (this path's and discourse.io.hackernews's)
STORY_TYPES = ("story", "job", "poll", "ask")
FIREBASE_TYPES = ("comment", "story", "job", "poll", "pollopt")
PLACEHOLDERS = {"[deleted]": "text_deleted", "[dead]": "text_removed", "[flagged]": "text_removed"}

# anything in the raw text that makes the two paths part ways (see the module docstring): line
# break characters other than \n, surrogate escapes, keys of other shapes, keys with escapes.
# polars itself rejects raw control characters, in strings or between tokens, as json.loads does.
_ODD = r'[\r\x{85}\x{2028}\x{2029}]|\\u[dD][89a-fA-F]|"(?:children|comments|post)"\s*:|\\[^"\\]*"\s*:'
_KEY = r'"(?:' + "|".join(_SCHEMA) + r')"\s*:'
_STRING_KEY = r'"(?:' + "|".join(_STRINGS) + r')"\s*:\s*"'
# html.unescape of these entities, when they are a text's only '&', is a plain replacement
_ENTITIES = {"&#x27;": "'", "&#39;": "'", "&#x2F;": "/", "&#x2f;": "/", "&quot;": '"', "&amp;": "&",
             "&lt;": "<", "&gt;": ">"}
_ENTITY_RE = "|".join(_ENTITIES).replace("#", r"\#")
# what str.strip() strips (polars' default strip leaves \x1c-\x1f)
_PY_SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
             "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_TAG_RE = r"<[a-zA-Z/!]"


def _raw_ok(data: bytes, items: pl.DataFrame) -> bool:
    """The raw text holds no construct on which polars and ``json.loads`` part ways, and the known
    keys appear exactly as often as they have non-null values (the string ones with string values).

    Without keys written with escapes (which :data:`_ODD` rules out) a key can only be counted too
    often (repeated, null, nested in an unknown field), so totals over all keys suffice.
    """
    odd = keys = strings = 0
    for chunk in _chunks(data):
        raw = pl.col("raw").cast(pl.String)  # three scans in parallel; count_matches is faster than contains
        counts = pl.DataFrame({"raw": [chunk]}, schema={"raw": pl.Binary}).select(
            raw.str.count_matches(_ODD), raw.str.count_matches(_KEY).alias("k"),
            raw.str.count_matches(_STRING_KEY).alias("s")).row(0)
        odd, keys, strings = odd + counts[0], keys + counts[1], strings + counts[2]
    nonnull = items.select(pl.all().is_not_null().sum()).row(0, named=True)
    return not odd and keys == sum(nonnull.values()) and strings == sum(nonnull[k] for k in _STRINGS)


def _chunks(data: bytes, size: int = 1 << 24) -> Iterator[bytes]:
    """``data`` in pieces of about ``size`` bytes that end at line ends (no key spans lines)."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start + size)
        end = len(data) if end < 0 else end + 1
        yield data[start:end]
        start = end


def _texts(html: pl.Expr) -> pl.Expr:
    """``html_to_text`` of the texts it can be written for as an expression, null for the others.

    Those are texts whose every '&' starts one of :data:`_ENTITIES`, and that have no tag (which
    ``html_to_text`` only unescapes and strips), or no tag but ``<p>`` and no raw line break. For
    those ``html_to_text`` unescapes (the entities cannot span a tag, as the count shows) and puts a
    blank line for each ``<p>`` that follows text not ending in a line break: a blank line per
    ``<p>``, runs of line breaks cut to two, and the final strip give the same.
    """
    entities_only = html.str.count_matches("&", literal=True) == html.str.count_matches(_ENTITY_RE)
    p_only = ~(html.str.contains("\n", literal=True)  # '<?' would hide text from the parser
               | html.str.replace_all("<p>", "", literal=True).str.contains(r"<[a-zA-Z/!?]"))
    return (pl.when(entities_only & ~html.str.contains(_TAG_RE))  # html_to_text only unescapes and strips
            .then(_unescape(html).str.strip_chars(_PY_SPACE))
            .when(entities_only & p_only)
            .then(_cleanup(_unescape(html.str.replace_all("<p>", "\n\n", literal=True)))))


# the pieces of HN comment HTML whose handling by html_to_text can be written as expressions: a link
# (an unescaped href, text without tags), <i> and </i> (nothing), <p>, text, a '<' that starts no tag
# (other pieces, say '<&', are left out, so the pieces do not add up to the text and it is not converted)
_TOKEN = r'<a href="[^"<>]*"(?: rel="nofollow")?>[^<]*</a>|</?i>|<p>|[^<]+|<[^a-zA-Z/!?<&][^<&]*|<$'
_HREF = r'^<a href="([^"<>]*)"'
_LINK_TEXT = r'>([^<]*)</a>$'


def _unescape(s: pl.Expr) -> pl.Expr:
    return s.str.replace_many(list(_ENTITIES), list(_ENTITIES.values()))


def _cleanup(s: pl.Expr) -> pl.Expr:
    """The final steps of ``html_to_text``: spaces before line breaks, runs of breaks, strip."""
    return s.str.replace_all(r"[ \t]+\n", "\n").str.replace_all(r"\n{3,}", "\n\n").str.strip_chars(_PY_SPACE)


def _linked(html: pl.Series) -> pl.Series:
    """``html_to_text`` of texts made only of :data:`_TOKEN` pieces (links, <i>, <p>) without raw
    line breaks, whose every '&' starts one of :data:`_ENTITIES`; null for the others.

    html_to_text unescapes each piece; puts a link as its text, or "text (href)" unless the one holds
    the other (its rule, written over columns); and puts a blank line for each <p> that follows output
    not ending in a line break: a blank line for every <p> and the cleanup give the same, since the
    pieces themselves cannot end in one.
    """
    rows = html.to_frame("h").with_row_index("row").filter(
        (pl.col("h").str.count_matches("&", literal=True) == pl.col("h").str.count_matches(_ENTITY_RE))
        & ~pl.col("h").str.contains("\n", literal=True))
    pieces = rows.select("row", pl.col("h").str.extract_all(_TOKEN).alias("t")).explode("t")
    t = pl.col("t")
    href, text = _unescape(t.str.extract(_HREF, 1)), _unescape(t.str.extract(_LINK_TEXT, 1))
    in_href = href.str.contains(text.str.strip_chars_end(".\u2026"), literal=True) & (text.str.len_chars() > 8)
    shown = (pl.when((href == "") | text.str.contains(href.str.strip_chars_end("/"), literal=True) | in_href)
             .then(text).when(text != "").then(text + " (" + href + ")").otherwise(href))
    piece = (pl.when(t.str.starts_with("<a ")).then(shown).when(t == "<p>").then(pl.lit("\n\n"))
             .when(t.is_in(["<i>", "</i>"])).then(pl.lit("")).otherwise(_unescape(t)))
    joined = pieces.group_by("row", maintain_order=True).agg(
        t.str.join("").alias("raw"), piece.str.join("").alias("out"))
    done = rows.join(joined, on="row", how="left").select(
        "row", pl.when(pl.col("raw") == pl.col("h")).then(_cleanup(pl.col("out"))).alias("text"))
    out = pl.Series("text", [None] * html.len(), dtype=pl.String)
    return out.scatter(done["row"], done["text"]) if done.height else out


def _convert(html: pl.Series, piece: int = 1 << 17) -> pl.Series:
    """``html_to_text`` over a column: expressions where they give the same, the function on the
    distinct remaining texts. Long columns go in pieces, which bounds the expressions' scratch memory."""
    if html.len() > piece:
        return pl.concat([_convert(html.slice(i, piece)) for i in range(0, html.len(), piece)])
    fast = html.to_frame("h").select(_texts(pl.col("h"))).to_series()
    rest = html.filter(fast.is_null() & html.is_not_null()).unique()
    if rest.len():
        linked = _linked(rest)
        left = rest.filter(linked.is_null())
        linked = linked.scatter(linked.is_null().arg_true(),
                                pl.Series([html_to_text(s) for s in left.to_list()], dtype=pl.String))
        fast = fast.fill_null(html.replace_strict(rest, linked, default=None))
    return fast.alias(html.name)


def _roots(ids: np.ndarray, parent: pl.Series, story: np.ndarray) -> np.ndarray | None:
    """Each item's thread id as ``thread_of`` finds it: climb parents until a story, an item
    without parent (its own thread) or a parent not in the file (that id); None on a cycle."""
    n = len(ids)
    order = np.argsort(ids, kind="stable")
    par = parent.fill_null(0).to_numpy()
    has_par = parent.is_not_null().to_numpy()
    at = np.clip(np.searchsorted(ids, par, sorter=order), 0, n - 1)
    pidx = order[at]
    present = has_par & (ids[pidx] == par)
    step = ~story & present
    nxt = np.where(step, pidx, np.arange(n))
    key = np.where(~story & has_par & ~present, par, ids)
    for _ in range(64):
        after = nxt[nxt]
        if np.array_equal(after, nxt):
            break
        nxt = after
    if step[nxt].any():
        return None  # a cycle never reaches a story, a parentless item or an absent parent
    return key[nxt]


def read_firebase_ndjson(data: bytes, path: str | Path, site: str) -> ReadResult | None:
    """NDJSON Firebase items -> exactly ``parse_firebase``'s result, or None when that cannot be
    guaranteed (the caller then reads the file line by line)."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        items = pl.read_ndjson(io.BytesIO(data), schema=_SCHEMA)
    except (pl.exceptions.PolarsError, ValueError, OverflowError):
        return None
    if items.height < 2 or items["id"].null_count() or items["id"].n_unique() != items.height:
        return None
    firebase = (pl.col("by").is_not_null() | pl.col("parent").is_not_null() | pl.col("kids").is_not_null()
                | pl.col("type").is_in(list(FIREBASE_TYPES)).fill_null(False))
    if not items.select(firebase.all(ignore_nulls=False)).item() or not _raw_ok(data, items):
        return None
    story = items.select(pl.col("type").is_in(list(STORY_TYPES)).fill_null(False)
                         | (pl.col("title").is_not_null() & pl.col("parent").is_null())).to_series()
    ids = items["id"].to_numpy()
    roots = _roots(ids, items["parent"], story.to_numpy())
    if roots is None:
        return None
    items = items.with_columns(story.alias("_story"), pl.Series("_root", roots),
                               pl.col("deleted").fill_null(False), pl.col("dead").fill_null(False))
    return _build(items, ids, Path(path), site)


def _build(items: pl.DataFrame, ids: np.ndarray, path: Path, site: str) -> ReadResult:
    """The tables and report from items with their thread (``_root``) and story mark."""
    stories = items.filter(pl.col("_story"))
    comments = items.filter(~pl.col("_story") & (pl.col("type") != "pollopt").fill_null(True))
    pollopts = items.height - stories.height - comments.height

    html, deleted = pl.col("text"), pl.col("deleted")
    placeholder = html.replace_strict(PLACEHOLDERS, default=None)
    no_author = deleted | pl.col("by").is_null() | (pl.col("by") == "")
    c = comments.with_columns(
        pl.col("_root").cast(pl.String).alias("thread_id"),
        pl.when(placeholder.is_not_null()).then(placeholder).when(deleted).then(pl.lit("text_deleted"))
        .alias("_text_fix"),
        pl.when(deleted).then(pl.lit("author_deleted")).when(no_author).then(pl.lit("author_missing"))
        .alias("_author_fix"),
    )
    table = c.with_columns(_convert(c["text"])).select(
        pl.lit(site).alias("site"), "thread_id", pl.col("id").cast(pl.String).alias("comment_id"),
        pl.when(pl.col("parent") != pl.col("_root")).then(pl.col("parent").cast(pl.String)).alias("parent_id"),
        pl.when(no_author).then(None).otherwise(pl.col("by")).alias("author"),
        pl.when(pl.col("_text_fix").is_null()).then(pl.col("text")).alias("text"),
        epoch_to_utc(pl.col("time")).alias("created_at"), "score",
        pl.int_range(pl.len(), dtype=pl.Int64).over("thread_id").alias("position"),
        pl.lit("explicit").alias("parent_source"), pl.lit(1.0).alias("parent_confidence"),
    )
    table = schema.conform(table, schema.COMMENTS)

    quality = QualityReport()
    threads = _threads(stories, table, site, quality)
    _account(c, site, quality)
    _missing(items, ids, site, quality)
    notes = [f"item {cid} has no parent; read as its own thread"
             for cid in c.filter(pl.col("parent").is_null())["id"].to_list()]
    if pollopts:
        notes.append(f"{pollopts} poll option item(s) are not comments and were skipped")
    quality.files.append(FileQuality(str(path), "hackernews-firebase", records=items.height, bad_records=0,
                                     notes=notes))
    return ReadResult(table, threads, quality)


def _threads(stories: pl.DataFrame, comments: pl.DataFrame, site: str, quality: QualityReport) -> pl.DataFrame:
    """Story rows in file order, then a bare row for each other thread the comments name."""
    story_rows = stories.with_columns(_convert(stories["text"]).alias("_text")).select(
        pl.lit(site).alias("site"), pl.col("id").cast(pl.String).alias("thread_id"), "title",
        pl.when(pl.col("text") != "").then(pl.col("_text")).alias("text"),  # an empty text is no text
        pl.col("by").alias("author"), "url",
        epoch_to_utc(pl.col("time")).alias("created_at"), pl.col("descendants").alias("reported_comments"))
    for tid, reported in story_rows.select("thread_id", "reported_comments").iter_rows():
        quality.thread(site, tid).reported = reported
    others = comments.select("thread_id").unique(maintain_order=True).filter(
        ~pl.col("thread_id").is_in(story_rows["thread_id"].implode()))
    return pl.concat([schema.conform(story_rows, schema.THREADS),
                      schema.conform(others.with_columns(pl.lit(site).alias("site")), schema.THREADS)])


def _account(c: pl.DataFrame, site: str, quality: QualityReport) -> None:
    """read / kept / repaired / flagged per thread, as ``_Builder.comment`` counts them."""
    per = c.group_by("thread_id", maintain_order=True).agg(
        pl.len().alias("n"), pl.col("dead").sum().alias("dead"),
        pl.col("_text_fix").drop_nulls().alias("t"), pl.col("_author_fix").drop_nulls().alias("a"))
    for tid, n, dead, tfix, afix in per.iter_rows():
        tq: ThreadQuality = quality.thread(site, tid)
        tq.read += n
        tq.kept += n
        tq.repaired.update(Counter(tfix))
        tq.repaired.update(Counter(afix))
        if dead:
            tq.flagged["dead"] += dead


def _missing(items: pl.DataFrame, ids: np.ndarray, site: str, quality: QualityReport) -> None:
    """``kids`` ids absent from the file count toward the thread's ``missing``."""
    with_kids = items.select("_root", "kids").filter(
        (pl.col("kids").list.len() > 0) & (items["type"] != "pollopt").fill_null(True))
    if not with_kids.height:
        return
    flat = with_kids["kids"].explode()
    known = np.sort(ids)
    values = flat.fill_null(0).to_numpy()
    at = np.clip(np.searchsorted(known, values), 0, len(known) - 1)
    absent = flat.is_null().to_numpy() | (known[at] != values)
    lengths = with_kids["kids"].list.len().cast(pl.Int64).to_numpy()
    starts = np.cumsum(lengths) - lengths
    per_item = np.add.reduceat(absent.astype(np.int64), starts)
    roots = with_kids["_root"].to_numpy()
    for root, n in zip(roots[per_item > 0].tolist(), per_item[per_item > 0].tolist()):
        quality.thread(site, str(root)).missing += n
