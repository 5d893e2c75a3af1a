"""Reddit API thread JSON (``/comments/ID.json``) and ``/api/morechildren`` responses.

A thread page is ``[submission Listing, comment Listing]``: comments (``kind: t1``) nest through
``replies`` (another Listing, or ``""`` when there are none); ``kind: more`` stubs stand for comments
the page left out (``children`` ids, ``count``; "continue this thread" stubs have ``id: "_"`` and
count 0). ``/api/morechildren`` answers ``{"json": {"errors": [], "data": {"things": [...]}}}`` with a
flat list of the comments a stub stood for; the shared corpus wraps each answer as
``{"request_form": ..., "response": ...}``. Both kinds of file give rows of the same thread
(``site="reddit"``, ``thread_id`` = the submission id without ``t3_``); comments repeated across
overlapping responses are kept here and counted by the repair stage.

Deleted markers become nulls and are counted: author ``[deleted]``/``[removed]`` ->
``author_deleted``; body ``[deleted]`` -> ``text_deleted``; body ``[removed]`` -> ``text_removed``.
``more`` stubs count toward the thread's ``missing``: the distinct ids they list that the file does not
hold (overlapping morechildren responses expand each other's stubs), else their ``count``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from discourse import schema
from discourse.errors import ParseError
from discourse.io._common import load_json
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = [
    "DELETED_AUTHORS",
    "comments_frame",
    "decode_reddit_entities",
    "epoch_to_utc",
    "parse_reddit",
    "read_reddit",
    "sniff_reddit",
    "threads_frame",
]

SITE = "reddit"
DELETED_AUTHORS = frozenset({"[deleted]", "[removed]"})
_BODY_MARKERS = {"[deleted]": "text_deleted", "[removed]": "text_removed"}
# a body is entity-escaped (modern API, Pushshift) unless it holds a raw < > or a bare &
_RAW_MARKUP = re.compile(r"[<>]|&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)")

_COMMENT_ROW = {**schema.COMMENTS, "created_at": pl.Float64()}
_THREAD_ROW = {**schema.THREADS, "created_at": pl.Float64()}


# -- shared helpers (the other site readers of this package use them too) ----------------------
# the times a datetime holds (years 1 to 9999) in epoch microseconds: an epoch outside is junk
_MIN_US, _MAX_US = -62_135_596_800_000_000, 253_402_300_799_999_999


def epoch_to_utc(expr: pl.Expr) -> pl.Expr:
    """Epoch seconds (int, float or numeric string) -> UTC microsecond datetime; junk, and epochs
    outside years 1-9999 (a 20-digit number), -> null."""
    micros = (expr.cast(pl.Float64, strict=False) * 1_000_000).round()
    return pl.when(micros.is_between(_MIN_US, _MAX_US)).then(micros).otherwise(None).cast(pl.Int64).cast(schema.UTC)


def comments_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows with ``created_at`` as epoch seconds -> a comments table in canonical dtypes."""
    df = pl.DataFrame(rows, schema=_COMMENT_ROW, orient="row") if rows else pl.DataFrame(schema=_COMMENT_ROW)
    return schema.conform(df.with_columns(epoch_to_utc(pl.col("created_at")).alias("created_at")), schema.COMMENTS)


def threads_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows with ``created_at`` as epoch seconds -> a threads table in canonical dtypes."""
    rows = [{name: row.get(name) for name in _THREAD_ROW} for row in rows]
    df = pl.DataFrame(rows, schema=_THREAD_ROW, orient="row") if rows else pl.DataFrame(schema=_THREAD_ROW)
    return schema.conform(df.with_columns(epoch_to_utc(pl.col("created_at")).alias("created_at")), schema.THREADS)


def decode_reddit_entities(text: str | None) -> str | None:
    """Undo Reddit's escaping of ``&`` ``<`` ``>`` in a body, unless the body is plainly raw."""
    if text is None or "&" not in text or _RAW_MARKUP.search(text):
        return text
    return html.unescape(text)


def _strip_prefix(value: Any) -> str | None:
    if value is None or value == "":
        return None
    s = str(value)
    return s[3:] if len(s) > 3 and s[0] == "t" and s[2] == "_" and s[1].isdigit() else s


# -- parsing -----------------------------------------------------------------------------------
@dataclass
class _Builder:
    """Collects rows and accounting while a file is walked."""

    path: Path
    site: str
    comments: list[dict[str, Any]] = field(default_factory=list)
    threads: list[dict[str, Any]] = field(default_factory=list)
    quality: QualityReport = field(default_factory=QualityReport)
    positions: dict[str, int] = field(default_factory=dict)
    stubs: int = 0
    continue_stubs: int = 0
    stub_ids: dict[str, set[str]] = field(default_factory=dict)     # thread -> ids stubs stand for
    stub_counts: dict[str, int] = field(default_factory=dict)       # thread -> counts of id-less stubs

    def comment(self, data: dict[str, Any], thread_id: str | None, where: str) -> None:
        cid = data.get("id")
        if cid in (None, ""):
            raise ParseError(self.path, where, "a t1 comment without an 'id'")
        tid = _strip_prefix(data.get("link_id")) or thread_id
        if tid is None:
            raise ParseError(self.path, where, "a comment whose thread is unknown (no 'link_id')")
        q = self.quality
        q.add_read(self.site, tid, 1)
        author = data.get("author")
        if author in DELETED_AUTHORS:
            author = None
            q.repair(self.site, tid, "author_deleted")
        body = data.get("body")
        if body in _BODY_MARKERS:
            q.repair(self.site, tid, _BODY_MARKERS[body])
            body = None
        raw_parent = data.get("parent_id")
        if raw_parent in (None, ""):
            parent, source, conf = None, "none", 0.0
        else:
            parent = None if str(raw_parent).startswith("t3_") else _strip_prefix(raw_parent)
            source, conf = "explicit", 1.0
        pos = self.positions.get(tid, 0)
        self.positions[tid] = pos + 1
        score = data.get("score")
        self.comments.append({
            "site": self.site, "thread_id": tid, "comment_id": str(cid), "parent_id": parent,
            "author": None if author is None else str(author),
            "text": decode_reddit_entities(None if body is None else str(body)),
            "created_at": number_or_none(data.get("created_utc")), "score": score if isinstance(score, int) else None,
            "position": pos, "parent_source": source, "parent_confidence": conf,
        })

    def more(self, data: dict[str, Any], thread_id: str | None) -> None:
        self.stubs += 1
        if data.get("id") == "_":
            self.continue_stubs += 1
        if thread_id is None:
            return
        children = data.get("children")
        if isinstance(children, list) and children:
            self.stub_ids.setdefault(thread_id, set()).update(str(c) for c in children)
        else:
            count = data.get("count")
            self.stub_counts[thread_id] = self.stub_counts.get(thread_id, 0) + (count if isinstance(count, int) else 0)

    def submission(self, data: dict[str, Any], where: str) -> str:
        tid = data.get("id") or _strip_prefix(data.get("name"))
        if not tid:
            raise ParseError(self.path, where, "a t3 submission without an 'id'")
        tid = str(tid)
        author = data.get("author")
        selftext = data.get("selftext")
        reported = data.get("num_comments")
        self.threads.append({
            "site": self.site, "thread_id": tid,
            "title": decode_reddit_entities(data["title"]) if isinstance(data.get("title"), str) else None,
            "text": decode_reddit_entities(selftext) if selftext else None,
            "author": None if author in DELETED_AUTHORS or author is None else str(author),
            "url": data.get("url"), "created_at": number_or_none(data.get("created_utc")),
            "reported_comments": reported if isinstance(reported, int) else None,
        })
        tq = self.quality.thread(self.site, tid)
        if isinstance(reported, int):
            tq.reported = reported
        return tid

    def result(self, fmt: str, records: int) -> ReadResult:
        # missing: distinct ids the stubs stand for that the file does not hold (overlapping
        # morechildren responses expand each other's stubs), plus the counts of stubs without ids
        present: dict[str, set[str]] = {}
        for c in self.comments:
            present.setdefault(c["thread_id"], set()).add(c["comment_id"])
        for tid in {*self.stub_ids, *self.stub_counts}:
            absent = self.stub_ids.get(tid, set()) - present.get(tid, set())
            self.quality.thread(self.site, tid).missing += len(absent) + self.stub_counts.get(tid, 0)
        fq = FileQuality(str(self.path), fmt, records=records)
        if self.stubs:
            fq.notes.append(f"{self.stubs} 'more' stub(s) ({self.continue_stubs} 'continue this thread')")
        self.quality.files.append(fq)
        known = {t["thread_id"] for t in self.threads}
        for tid in dict.fromkeys(c["thread_id"] for c in self.comments):
            if tid not in known:  # morechildren files carry no submission: a bare row per thread
                self.threads.append({"site": self.site, "thread_id": tid})
        return ReadResult(comments_frame(self.comments), threads_frame(self.threads), self.quality)


def number_or_none(value: Any) -> float | None:
    """A JSON number, or a string holding one, as float; anything else (bools included) -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _thing(item: Any, path: Path, where: str) -> tuple[str, dict[str, Any]]:
    if not isinstance(item, dict) or not isinstance(item.get("data"), dict) or "kind" not in item:
        raise ParseError(path, where, "expected a Reddit thing {'kind': ..., 'data': {...}}")
    return str(item["kind"]), item["data"]


def _listing_children(listing: Any, path: Path, where: str) -> list[Any]:
    if not isinstance(listing, dict) or listing.get("kind") != "Listing":
        raise ParseError(path, where, "expected a Reddit Listing {'kind': 'Listing', 'data': {'children': [...]}}")
    data = listing.get("data")
    children = data.get("children") if isinstance(data, dict) else None
    if not isinstance(children, list):
        raise ParseError(path, where, "a Listing without a 'data.children' list")
    return children


def _walk(children: list[Any], path: Path, where: str) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Depth-first (page order) over nested things: (kind, data, locator)."""
    stack = [(item, f"{where}, child {i}") for i, item in reversed(list(enumerate(children)))]
    while stack:
        item, loc = stack.pop()
        kind, data = _thing(item, path, loc)
        loc = f"{loc} ({kind}_{data.get('id')})"
        yield kind, data, loc
        replies = data.get("replies")
        if kind == "t1" and replies not in (None, ""):
            sub = _listing_children(replies, path, f"{loc} replies")
            stack.extend((c, f"{loc} reply {i}") for i, c in reversed(list(enumerate(sub))))


def _morechildren_things(data: Any, path: Path) -> list[tuple[list[Any], str | None, str]] | None:
    """The ``things`` lists of a morechildren file (wrapped, bare, or a list of either); None if not one."""
    def one(obj: Any, where: str) -> tuple[list[Any], str | None, str] | None:
        if not isinstance(obj, dict):
            return None
        link = None
        if "response" in obj and "request_form" in obj:
            form = obj.get("request_form")
            link = _strip_prefix(form.get("link_id")) if isinstance(form, dict) else None
            obj = obj["response"]
            if not isinstance(obj, dict):
                raise ParseError(path, where, "a morechildren 'response' that is not an object")
        body = obj.get("json")
        if not isinstance(body, dict):
            return None
        payload = body.get("data")
        if payload is None:  # an answer with only errors
            return [], link, where
        things = payload.get("things", []) if isinstance(payload, dict) else None
        if not isinstance(things, list):
            raise ParseError(path, where, "a morechildren response without a 'json.data.things' list")
        return things, link, where

    if isinstance(data, dict):
        got = one(data, "response 0")
        return [got] if got else None
    if isinstance(data, list) and data and all(isinstance(x, dict) and ("json" in x or "response" in x) for x in data):
        out = []
        for i, x in enumerate(data):
            got = one(x, f"response {i}")
            if got is None:
                raise ParseError(path, f"response {i}",
                                 "expected a morechildren response {'json': {'data': {'things': [...]}}}")
            out.append(got)
        return out
    return None


def parse_reddit(data: Any, path: str | Path = "<data>", site: str = SITE) -> ReadResult:
    """Parse decoded Reddit JSON: a thread page, a bare Listing, or morechildren responses."""
    path = Path(path)
    b = _Builder(path, site)
    records = 0
    batches = _morechildren_things(data, path)
    if batches is not None:
        fallback = next((_strip_prefix(d.get("link_id")) for things, _, _ in batches for t in things
                         if isinstance(t, dict) and isinstance(d := t.get("data"), dict) and d.get("link_id")), None)
        for things, link, where in batches:
            thread = link or fallback
            for kind, item, loc in _walk(things, path, where):
                if kind == "t1":
                    records += 1
                    b.comment(item, thread, loc)
                elif kind == "more":
                    b.more(item, thread)
        return b.result("reddit-morechildren", records)

    listings = data if isinstance(data, list) else [data]
    if not listings or not all(isinstance(x, dict) and x.get("kind") == "Listing" for x in listings):
        raise ParseError(path, None, "expected a Reddit thread page [submission Listing, comment Listing], "
                                     "a Listing, or /api/morechildren responses")
    thread = None
    for li, listing in enumerate(listings):
        for kind, item, loc in _walk(_listing_children(listing, path, f"listing {li}"), path, f"listing {li}"):
            if kind == "t3":
                thread = b.submission(item, loc)
            elif kind == "t1":
                records += 1
                b.comment(item, thread, loc)
            elif kind == "more":
                b.more(item, thread or (b.comments[-1]["thread_id"] if b.comments else None))
    return b.result("reddit", records)


def read_reddit(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a Reddit thread page or morechildren file."""
    options = options or ReadOptions()
    return parse_reddit(load_json(path), path, site=options.site or SITE)


_LISTING_RE = re.compile(r'"kind"\s*:\s*"Listing"')
_THING_RE = re.compile(r'"kind"\s*:\s*"t[13]"')
_MORECHILDREN_RE = re.compile(r'"things"\s*:\s*\[')


def sniff_reddit(path: Path, head: str) -> bool:
    """A Reddit Listing page, or a morechildren response (``json.data.things`` of t1/more things)."""
    start = head.lstrip()[:1]
    if start not in ("[", "{"):
        return False
    if _LISTING_RE.search(head) and _THING_RE.search(head):
        return True
    return bool(_MORECHILDREN_RE.search(head) and ('"json"' in head)
                and (_THING_RE.search(head) or re.search(r'"kind"\s*:\s*"more"', head)
                     or re.search(r'"things"\s*:\s*\[\s*\]', head)))


register(Reader(
    name="reddit",
    site=SITE,
    description="Reddit API thread JSON (/comments/ID.json) and /api/morechildren responses",
    sniff=sniff_reddit,
    read=read_reddit,
    priority=50,
    suffixes=(".json",),
))
