"""PeerTube video comments (``/api/v1/videos/{id}/comment-threads``).

Accepted: a ``comment-threads`` list page (``{"total", "data": [comment, ...], "totalNotDeletedComments"}``:
the top-level comments of a video), the tree of one thread (``comment-threads/{threadId}``:
``{"comment": {...}, "children": [{"comment", "children"}, ...]}``), or a JSON array of these. Every
file of one video joins one thread: the thread id is the ``videoId``.

Decisions:

* top-level comments (``inReplyToCommentId`` null) reply to the video: null ``parent_id``; replies keep
  ``inReplyToCommentId`` (``"explicit"``), or, lacking it inside a tree, their enclosing comment
  (``"nesting"``); ``position`` is depth-first order;
* the author is ``account.name@account.host`` (comments federate across instances, so the bare name
  is ambiguous); deleted comments (``isDeleted``, ``account: null``) are kept with null author and
  text, counted as ``author_deleted``/``text_deleted``;
* ``totalReplies`` of a top-level comment minus the replies present is ``missing``;
  ``totalNotDeletedComments`` is the thread's ``reported`` count (PeerTube's own total, which leaves
  deleted comments out); a list page holding fewer threads than ``total`` says so in a file note.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from discourse import schema
from discourse.errors import ParseError
from discourse.io._common import comments_frame, load_json
from discourse.io.mastodon import fediverse_text
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["parse_peertube", "read_peertube", "sniff_peertube"]

SITE = "peertube"
_SNIFF_RE = re.compile(r'"(inReplyToCommentId|threadId|totalRepliesFromVideoAuthor)"\s*:')


class _Parser:
    def __init__(self, path: str, thread_id: str | None) -> None:
        self.path = path
        self.thread_id = thread_id
        self.quality = QualityReport()
        self.rows: list[dict[str, Any]] = []
        self.threads: dict[str, dict[str, Any]] = {}
        self.notes: list[str] = []

    def item(self, data: Any, where: str) -> None:
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            present: dict[Any, int] = {}  # thread root id -> replies to it present in the page
            for i, c in enumerate(data["data"]):
                self.comment(c, f"{where}, data[{i}]", None)
                if c.get("inReplyToCommentId") not in (None, ""):
                    present[c.get("threadId")] = present.get(c.get("threadId"), 0) + 1
            for c in data["data"]:
                if c.get("inReplyToCommentId") in (None, ""):
                    self.missing(c, present.get(c.get("id"), 0))
            total, alive = data.get("total"), data.get("totalNotDeletedComments")
            if isinstance(total, int) and total > len(data["data"]):
                self.notes.append(f"{where}: {len(data['data'])} of the video's {total} comment threads")
            if isinstance(alive, int) and data["data"]:
                tid = self.tid(data["data"][0], where)
                tq = self.quality.thread(SITE, tid)
                tq.reported = max(tq.reported or 0, alive)
                self.threads[tid]["reported_comments"] = tq.reported
        elif isinstance(data, dict) and isinstance(data.get("comment"), dict):
            n = self.tree(data, where, None)
            self.missing(data["comment"], n - 1)
        else:
            raise ParseError(self.path, where, "expected a PeerTube comment-threads page ({total, data}) "
                                               "or thread tree ({comment, children})")

    def tid(self, c: dict[str, Any], where: str) -> str:
        if self.thread_id:
            return self.thread_id
        if c.get("videoId") in (None, ""):
            raise ParseError(self.path, where, "expected a 'videoId' on the comment (or pass a thread id)")
        return str(c["videoId"])

    def missing(self, c: dict[str, Any], present: int) -> None:
        total = c.get("totalReplies")
        if isinstance(total, int) and total > present:
            self.quality.thread(SITE, self.tid(c, "")).missing += total - present

    def tree(self, node: dict[str, Any], where: str, enclosing: str | None) -> int:
        """Add a comment and its children depth-first (iteratively: deep trees are fine); return how
        many comments the tree held."""
        stack: list[tuple[Any, str, str | None]] = [(node, where, enclosing)]
        n = 0
        while stack:
            cur, loc, parent = stack.pop()
            if not isinstance(cur, dict):
                raise ParseError(self.path, loc, "expected {comment, children}")
            cid = self.comment(cur.get("comment"), f"{loc}.comment", parent)
            n += 1
            children = cur.get("children") or []
            if not isinstance(children, list):
                raise ParseError(self.path, f"{loc}.children", "expected a list")
            stack.extend((child, f"{loc}.children[{i}]", cid) for i, child in reversed(list(enumerate(children))))
        return n

    def comment(self, c: Any, where: str, enclosing: str | None) -> str:
        if not isinstance(c, dict) or c.get("id") in (None, ""):
            raise ParseError(self.path, where, "expected a comment object with an 'id'")
        tid = self.tid(c, where)
        if tid not in self.threads:
            self.threads[tid] = {"site": SITE, "thread_id": tid}
        cid = str(c["id"])
        self.quality.add_read(SITE, tid, 1)
        parent = c.get("inReplyToCommentId")
        source = "explicit"
        if parent in (None, "") and enclosing is not None:
            parent, source = enclosing, "nesting"
        deleted = bool(c.get("isDeleted"))
        account = c.get("account") or {}
        author = None
        if account.get("name"):
            author = f"{account['name']}@{account['host']}" if account.get("host") else str(account["name"])
        if deleted:
            author = None
            self.quality.repair(SITE, tid, "author_deleted")
            self.quality.repair(SITE, tid, "text_deleted")
        self.rows.append({
            "site": SITE, "thread_id": tid, "comment_id": cid,
            "parent_id": None if parent in (None, "") else str(parent), "author": author,
            "text": None if deleted else (fediverse_text(c.get("text")) or ""),
            "created_at": c.get("createdAt"), "parent_source": source, "parent_confidence": 1.0,
        })
        return cid


def parse_peertube(data: Any, path: str = "<peertube>", thread_id: str | None = None) -> ReadResult:
    """Parse decoded PeerTube comment JSON (a list page, a thread tree, or an array of them)."""
    p = _Parser(path, thread_id)
    if isinstance(data, list):
        for i, d in enumerate(data):
            p.item(d, f"item {i}")
    else:
        p.item(data, "top level")
    p.quality.files.append(FileQuality(path, "peertube", records=len(p.rows), notes=p.notes))
    threads = pl.DataFrame(list(p.threads.values()),
                           schema={"site": pl.String(), "thread_id": pl.String(), "reported_comments": pl.Int64()})
    return ReadResult(comments_frame(p.rows), schema.conform(threads, schema.THREADS), p.quality)


def read_peertube(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a saved PeerTube comment-threads page or thread tree."""
    options = options or ReadOptions()
    return parse_peertube(load_json(path), str(path), options.thread_id)


def sniff_peertube(path: Path, head: str) -> bool:
    """PeerTube comment JSON: camelCase ``inReplyToCommentId``/``threadId`` fields."""
    start = head.lstrip()
    return start[:1] in ("{", "[") and bool(_SNIFF_RE.search(start[:16384]))


READER = register(Reader(
    name="peertube", site=SITE,
    description="PeerTube comment-threads pages and thread trees (JSON)",
    sniff=sniff_peertube, read=read_peertube, priority=50, suffixes=(".json",),
))
