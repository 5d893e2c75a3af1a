"""Hacker News: Firebase items, Algolia item trees and HNPWA item JSON.

* **Firebase** (``/v0/item/ID.json``): one item, a JSON list of items, NDJSON of items, or the
  ``{"post": item, "comments": [items]}`` wrapper some crawlers save. A comment names its ``parent``
  (a comment or the story); the thread is found by climbing parents to a story (or, when the file
  lacks the story, to the outermost id it refers to). ``kids`` ids absent from the file are counted
  as the thread's ``missing`` comments; a story's ``descendants`` is its ``reported_comments``.
  NDJSON files of items (full HN dumps) are read by polars in :mod:`discourse.io._hn_fast`, which
  gives exactly what :func:`parse_firebase` gives and hands back to it whenever it cannot be sure.
* **Algolia** (``hn.algolia.com/api/v1/items/ID``): a tree of ``children`` with explicit
  ``parent_id`` and ``story_id``.
* **HNPWA** (node-hnapi ``/item/ID``): ``comments`` nested with ``level``, ``user``, ``content``;
  the parent is implied by nesting (``parent_source="nesting"``).

Text is HN HTML, turned into plain text by :func:`discourse.io._common.html_to_text`. Deleted
comments are kept (they hold the tree together) with null author and text, counted as
``author_deleted`` / ``text_deleted``; ``dead`` (flagged) comments keep their text and are flagged
``dead``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape as html_escape
from pathlib import Path
from typing import Any

from discourse._typing import OnError
from discourse.errors import ParseError
from discourse.io._common import (
    MAX_LINE_BYTES,
    SafeHTMLParser,
    decode,
    html_to_text,
    json_lines,
    load_json,
    loads,
    read_bytes,
)
from discourse.io._hn_fast import FIREBASE_TYPES, PLACEHOLDERS, STORY_TYPES, read_firebase_ndjson
from discourse.io.lines import longest_line
from discourse.io.reddit import comments_frame, threads_frame
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = [
    "hn_format",
    "parse_algolia",
    "parse_firebase",
    "parse_hackernews",
    "parse_hn_page",
    "parse_hnpwa",
    "read_hackernews",
    "sniff_hackernews",
]

SITE = "hackernews"


def _type(item: dict[str, Any]) -> str | None:
    """An item's ``type`` if it is a string (a list or object there is no type, and unhashable)."""
    kind = item.get("type")
    return kind if isinstance(kind, str) else None


def _id(value: Any) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


@dataclass
class _Builder:
    path: Path
    site: str
    fmt: str
    comments: list[dict[str, Any]] = field(default_factory=list)
    threads: list[dict[str, Any]] = field(default_factory=list)
    quality: QualityReport = field(default_factory=QualityReport)
    positions: dict[str, int] = field(default_factory=dict)
    records: int = 0
    bad: int = 0
    notes: list[str] = field(default_factory=list)

    def comment(self, *, thread: str, cid: str, parent: str | None, author: Any, html: Any, time: Any,
                score: Any = None, deleted: bool = False, dead: bool = False, source: str = "explicit") -> None:
        q, site = self.quality, self.site
        self.records += 1
        q.add_read(site, thread, 1)
        text = html if isinstance(html, str) else None
        if text in PLACEHOLDERS:
            q.repair(site, thread, PLACEHOLDERS[text])
            text = None
        elif deleted:
            q.repair(site, thread, "text_deleted")
            text = None
        if deleted or author in (None, ""):
            q.repair(site, thread, "author_deleted" if deleted else "author_missing")
            author = None
        if dead:
            q.flag(site, thread, "dead")
        pos = self.positions.get(thread, 0)
        self.positions[thread] = pos + 1
        self.comments.append({
            "site": site, "thread_id": thread, "comment_id": cid,
            "parent_id": None if parent == thread else parent,
            "author": None if author is None else str(author),
            "text": html_to_text(text) if text is not None else None,
            "created_at": time if isinstance(time, (int, float)) and not isinstance(time, bool) else None,
            "score": score if isinstance(score, int) and not isinstance(score, bool) else None,
            "position": pos, "parent_source": source,
            "parent_confidence": 1.0,
        })

    def story(self, *, thread: str, title: Any, html: Any, author: Any, url: Any, time: Any,
              reported: Any) -> None:
        reported = reported if isinstance(reported, int) and not isinstance(reported, bool) else None
        self.threads.append({
            "site": self.site, "thread_id": thread, "title": title if isinstance(title, str) else None,
            "text": html_to_text(html) if isinstance(html, str) and html else None,
            "author": author if isinstance(author, str) else None,
            "url": url if isinstance(url, str) else None,
            "created_at": time if isinstance(time, (int, float)) and not isinstance(time, bool) else None,
            "reported_comments": reported,
        })
        if reported is not None:
            self.quality.thread(self.site, thread).reported = reported
        else:
            self.quality.thread(self.site, thread)

    def result(self) -> ReadResult:
        known = {t["thread_id"] for t in self.threads}
        for tid in dict.fromkeys(c["thread_id"] for c in self.comments):
            if tid not in known:
                self.threads.append({"site": self.site, "thread_id": tid})
        fq = FileQuality(str(self.path), self.fmt, records=self.records + self.bad, bad_records=self.bad,
                         notes=list(self.notes))
        self.quality.files.append(fq)
        return ReadResult(comments_frame(self.comments), threads_frame(self.threads), self.quality)


# -- Firebase ----------------------------------------------------------------------------------
def _is_story(item: dict[str, Any]) -> bool:
    return _type(item) in STORY_TYPES or ("title" in item and item.get("parent") is None)


def parse_firebase(items: list[Any], path: str | Path = "<data>", site: str = SITE, bad: int = 0) -> ReadResult:
    """Firebase items (stories and comments, any order) -> the canonical tables."""
    path = Path(path)
    b = _Builder(path, site, "hackernews-firebase", bad=bad)
    by_id: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or _id(item.get("id")) is None:
            raise ParseError(path, f"item {i}", "expected a Hacker News item object with an 'id'")
        by_id.setdefault(_id(item["id"]), item)  # type: ignore[arg-type]
    root_of: dict[str, str] = {}

    def thread_of(cid: str) -> str:
        chain = []
        cur = cid
        while cur not in root_of:
            item = by_id.get(cur)
            if item is None or _is_story(item):
                root_of[cur] = cur
                break
            parent = _id(item.get("parent"))
            if parent is None or parent in chain or parent == cur:
                root_of[cur] = cur  # a comment whose parent is unknown roots its own thread
                break
            chain.append(cur)
            cur = parent
        root = root_of[cur]
        for c in chain:
            root_of[c] = root
        return root

    for item in items:
        if _is_story(item):
            b.story(thread=_id(item["id"]), title=item.get("title"), html=item.get("text"),  # type: ignore[arg-type]
                    author=item.get("by"), url=item.get("url"), time=item.get("time"),
                    reported=item.get("descendants"))
    pollopts = 0
    for item in items:
        if _is_story(item):
            continue
        if item.get("type") == "pollopt":
            pollopts += 1
            continue
        cid = _id(item["id"])
        parent = _id(item.get("parent"))
        thread = thread_of(parent) if parent is not None else cid
        if parent is None:
            b.notes.append(f"item {cid} has no parent; read as its own thread")
        b.comment(thread=thread, cid=cid, parent=parent, author=item.get("by"), html=item.get("text"),  # type: ignore[arg-type]
                  time=item.get("time"), score=item.get("score"), deleted=bool(item.get("deleted")),
                  dead=bool(item.get("dead")))
    for item in items:
        kids = item.get("kids")
        if isinstance(kids, list) and item.get("type") != "pollopt":
            absent = sum(1 for k in kids if _id(k) not in by_id)
            if absent:
                b.quality.thread(site, thread_of(_id(item["id"]))).missing += absent  # type: ignore[arg-type]
    if pollopts:
        b.notes.append(f"{pollopts} poll option item(s) are not comments and were skipped")
    b.records = len(items)  # a Firebase file's records are its items, stories included
    return b.result()


# -- Algolia -----------------------------------------------------------------------------------
def parse_algolia(tree: dict[str, Any], path: str | Path = "<data>", site: str = SITE) -> ReadResult:
    """An Algolia ``items`` tree (a story or a comment with nested ``children``) -> canonical tables."""
    path = Path(path)
    b = _Builder(path, site, "hackernews-algolia")
    root_id = _id(tree.get("id"))
    if root_id is None:
        raise ParseError(path, "the root item", "expected an Algolia item with an 'id'")
    is_story = _type(tree) in STORY_TYPES or tree.get("parent_id") is None
    thread = root_id if is_story else (_id(tree.get("story_id")) or _id(tree.get("parent_id")) or root_id)
    if is_story:
        b.story(thread=thread, title=tree.get("title"), html=tree.get("text"), author=tree.get("author"),
                url=tree.get("url"), time=tree.get("created_at_i"), reported=None)
    stack: list[tuple[Any, str | None, str]] = []
    if is_story:
        stack.extend((c, root_id, f"child {i} of {root_id}") for i, c in reversed(list(enumerate(_children(tree, path)))))
    else:
        stack.append((tree, _id(tree.get("parent_id")), "the root item"))
    while stack:
        node, nest_parent, where = stack.pop()
        if not isinstance(node, dict) or _id(node.get("id")) is None:
            raise ParseError(path, where, "expected an Algolia item object with an 'id'")
        cid = _id(node["id"])
        parent = _id(node.get("parent_id")) or nest_parent
        author, text = node.get("author"), node.get("text")
        b.comment(thread=_id(node.get("story_id")) or thread, cid=cid, parent=parent, author=author,  # type: ignore[arg-type]
                  html=text, time=node.get("created_at_i"), score=node.get("points"),
                  deleted=author is None and text is None,
                  source="explicit" if node.get("parent_id") is not None else "nesting")
        stack.extend((c, cid, f"child {i} of {cid}") for i, c in reversed(list(enumerate(_children(node, path)))))
    return b.result()


def _children(node: dict[str, Any], path: Path) -> list[Any]:
    kids = node.get("children") or []
    if not isinstance(kids, list):
        raise ParseError(path, f"item {node.get('id')}", "expected 'children' to be a list")
    return kids


# -- HNPWA -------------------------------------------------------------------------------------
def parse_hnpwa(item: dict[str, Any], path: str | Path = "<data>", site: str = SITE) -> ReadResult:
    """An HNPWA / node-hnapi item with nested ``comments`` -> canonical tables (parents by nesting)."""
    path = Path(path)
    b = _Builder(path, site, "hackernews-hnpwa")
    thread = _id(item.get("id"))
    if thread is None:
        raise ParseError(path, "the root item", "expected an HNPWA item with an 'id'")
    reported = item.get("comments_count", item.get("commentscount"))
    b.story(thread=thread, title=item.get("title"), html=item.get("content"), author=item.get("user"),
            url=item.get("url"), time=item.get("time"), reported=reported)
    top = item.get("comments") or []
    if not isinstance(top, list):
        raise ParseError(path, "the root item", "expected 'comments' to be a list")
    stack: list[tuple[Any, str | None, str]] = [(c, None, f"comment {i}") for i, c in reversed(list(enumerate(top)))]
    while stack:
        node, parent, where = stack.pop()
        if not isinstance(node, dict) or _id(node.get("id")) is None:
            raise ParseError(path, where, "expected an HNPWA comment object with an 'id'")
        cid = _id(node["id"])
        b.comment(thread=thread, cid=cid, parent=parent, author=node.get("user"), html=node.get("content"),  # type: ignore[arg-type]
                  time=node.get("time"), deleted=bool(node.get("deleted")), dead=bool(node.get("dead")),
                  source="nesting")
        kids = node.get("comments") or []
        if not isinstance(kids, list):
            raise ParseError(path, f"comment {cid}", "expected 'comments' to be a list")
        stack.extend((c, cid, f"reply {i} of {cid}") for i, c in reversed(list(enumerate(kids))))
    return b.result()


# -- HN item page HTML -------------------------------------------------------------------------
_ITEM_HREF = re.compile(r"(?:^|/)item\?id=(\d+)")
_USER_HREF = re.compile(r"(?:^|/)user\?id=([^&]+)")


class _PageParser(SafeHTMLParser):
    """Collects the comments of an HN item page: id, author, text, indentation, ISO time if shown.

    Old pages (2013) indent with a spacer ``<img src=".../s.gif" width=40*depth>`` and show only
    relative times; current pages add ``<tr class="athing comtr" id=ID>``, ``<td class="ind"
    indent=N>``, ``<a class="hnuser">`` and ``<span class="age" title="ISO time">``.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.comments: list[dict[str, Any]] = []
        self.story: str | None = None
        self.story_title: str | None = None
        self.page_title: list[str] = []
        self._cur: dict[str, Any] | None = None
        self._text_depth = 0          # > 0 while inside the comment's text element
        self._text_tag = ""
        self._in_title = False
        self._in_story_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        cls = a.get("class", "")
        if tag == "title":
            self._in_title = True
        if self._text_depth:
            if tag == self._text_tag:
                self._text_depth += 1
            self._cur["html"].append(self.get_starttag_text() or "")  # type: ignore[index]
            return
        if tag == "tr" and "athing" in cls.split():
            if "comtr" in cls.split():
                self._start(a.get("id") or None, None, row=True)
            elif self.story is None:
                self.story = a.get("id") or None
        if tag == "td" and cls == "ind" and a.get("indent", "").isdigit() and self._cur is not None \
                and self._cur["depth"] is None:
            self._cur["depth"] = int(a["indent"])
        if tag == "img" and a.get("src", "").endswith("s.gif") and a.get("height") == "1" \
                and a.get("width", "").isdigit() and self.story is not None:
            depth = int(a["width"]) // 40
            if self._cur is not None and self._cur["row"]:
                if self._cur["depth"] is None:
                    self._cur["depth"] = depth
            else:  # the old layout: the spacer is where a comment starts
                self._start(None, depth, row=False)
        cur = self._cur
        if tag == "a":
            href = a.get("href", "")
            m_item, m_user = _ITEM_HREF.search(href), _USER_HREF.search(href)
            if cur is not None and cur["id"] is None and m_item:
                cur["id"] = m_item.group(1)
            if cur is not None and cur["author"] is None and m_user:
                cur["author"] = m_user.group(1)
        if tag == "span" and cls == "age" and cur is not None and a.get("title"):
            cur["time"] = a["title"].split()[0]
        if tag == "span" and a.get("id", "").startswith("score_") and self.story is None:
            self.story = a["id"][len("score_"):]
        if tag == "td" and cls == "title" and self.story_title is None and self._cur is None:
            self._in_story_title = True
        if cur is not None and cur["text"] is None and (
                (tag == "span" and cls == "comment") or (tag == "div" and cls.startswith("commtext"))):
            self._text_tag, self._text_depth = tag, 1
            cur["html"] = []

    def _start(self, cid: str | None, depth: int | None, row: bool) -> None:
        self._finish_current()
        self._cur = {"id": cid, "author": None, "text": None, "depth": depth, "time": None, "row": row}

    def _finish_current(self) -> None:
        # a comment without text is kept (deleted ones hold the indentation tree together)
        if self._cur is not None and self._cur["id"] is not None and self._cur["depth"] is not None:
            self.comments.append(self._cur)
        self._cur = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in ("td", "a") and self._in_story_title and self.story_title is not None:
            self._in_story_title = False
        if self._text_depth and tag == self._text_tag and self._cur is not None:
            self._text_depth -= 1
            if self._text_depth == 0:
                self._cur["text"] = "".join(self._cur.pop("html"))
                return
        if self._text_depth:
            self._cur["html"].append(f"</{tag}>")  # type: ignore[index]

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.page_title.append(data)
        if self._in_story_title and data.strip():
            self.story_title = data.strip()
            self._in_story_title = False
        if self._text_depth:
            self._cur["html"].append(html_escape(data, quote=False))  # type: ignore[index]

    def close(self) -> None:
        super().close()
        self._finish_current()


def parse_hn_page(page: str, path: str | Path = "<data>", site: str = SITE) -> ReadResult:
    """An HN item page's HTML -> canonical tables; parents come from indentation (``nesting``)."""
    path = Path(path)
    parser = _PageParser()
    parser.feed(page)
    parser.close()
    if parser.story is None:
        raise ParseError(path, None, "expected a Hacker News item page (no story id found)")
    b = _Builder(path, site, "hackernews-html")
    thread = parser.story
    title = parser.story_title or "".join(parser.page_title).replace("| Hacker News", "").strip() or None
    b.story(thread=thread, title=title, html=None, author=None, url=None, time=None, reported=None)
    stack: list[tuple[int, str]] = []
    for c in parser.comments:
        while stack and stack[-1][0] >= c["depth"]:
            stack.pop()
        parent = stack[-1][1] if stack else None
        stack.append((c["depth"], c["id"]))
        when = None
        if c["time"]:
            try:
                when = datetime.fromisoformat(c["time"]).replace(tzinfo=UTC).timestamp()
            except ValueError:
                when = None
        gone = c["author"] is None and (c["text"] is None or c["text"].strip() in ("[deleted]", "[flagged]", "[dead]"))
        b.comment(thread=thread, cid=c["id"], parent=parent, author=c["author"], html=c["text"], time=when,
                  deleted=gone, source="nesting")
    return b.result()


# -- dispatch ----------------------------------------------------------------------------------
def hn_format(data: Any) -> str | None:
    """Which HN JSON shape ``data`` is: "firebase", "algolia", "hnpwa" or None."""
    if isinstance(data, dict):
        if isinstance(data.get("post"), dict) and isinstance(data.get("comments"), list):
            return "firebase"
        if "children" in data and ("created_at_i" in data or "story_id" in data or "author" in data):
            return "algolia"
        if isinstance(data.get("comments"), list) and ("user" in data or "timeago" in data or "content" in data):
            return "hnpwa"
        if "id" in data and ("by" in data or "parent" in data or "kids" in data or _type(data) in
                             FIREBASE_TYPES):
            return "firebase"
        return None
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data[:50]):
        return "firebase" if all(hn_format(x) == "firebase" for x in data[:50]) else None
    return None


def parse_hackernews(data: Any, path: str | Path = "<data>", site: str = SITE) -> ReadResult:
    """Parse decoded HN JSON of any of the three shapes."""
    fmt = hn_format(data)
    if fmt == "algolia":
        return parse_algolia(data, path, site)
    if fmt == "hnpwa":
        return parse_hnpwa(data, path, site)
    if fmt == "firebase":
        if isinstance(data, dict) and "post" in data:
            return parse_firebase([data["post"], *data["comments"]], path, site)
        return parse_firebase(data if isinstance(data, list) else [data], path, site)
    raise ParseError(path, None, "expected Hacker News JSON: Firebase item(s), an Algolia items tree, "
                                 "or an HNPWA item with nested comments")


def _ndjson_items(text: str, path: Path, on_error: OnError, max_line_bytes: int = MAX_LINE_BYTES
                  ) -> tuple[list[Any], int]:
    rows, bad = json_lines(text, path, on_error, "expected a Hacker News item object",
                           accept=lambda obj: hn_format(obj) == "firebase", max_line_bytes=max_line_bytes)
    return [obj for _, obj in rows], bad


def _looks_ndjson(text: str) -> bool:
    """The first lines each start an object at column 0 and one of them is a whole JSON object
    (pretty-printed JSON indents its inner lines; a broken first line of a dump is still a dump)."""
    lines = [x for x in text.split("\n", 20)[:20] if x.strip()][:5]
    if len(lines) < 2 or not all(x.startswith("{") for x in lines):
        return False
    for line in lines:
        try:
            if isinstance(loads(line), dict):
                return True
        except ValueError:
            continue
    return False


def _head_lines(raw: bytes, n: int = 20) -> str:
    """The first ``n`` lines of a file's bytes, decoded leniently (what :func:`_looks_ndjson` reads)."""
    end = -1
    for _ in range(n):
        end = raw.find(b"\n", end + 1)
        if end < 0:
            end = len(raw)
            break
    return raw[:end].decode("utf-8", errors="replace")


def read_hackernews(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read an HN JSON, NDJSON or item-page HTML file of any supported shape."""
    options = options or ReadOptions()
    p = Path(path)
    site = options.site or SITE
    raw = read_bytes(p)
    if raw[:1] == b"{" and _looks_ndjson(_head_lines(raw)) and longest_line(raw) <= options.max_line_bytes:
        fast = read_firebase_ndjson(raw, p, site)  # None unless it gives exactly what the path below gives
        if fast is not None:
            return fast
    text = decode(raw, p).lstrip("\ufeff")
    if text.lstrip().startswith("<"):
        return parse_hn_page(text, p, site)
    try:
        data = loads(text)
    except ValueError:                # not one JSON document (NDJSON?), or broken
        if _looks_ndjson(text):
            items, bad = _ndjson_items(text, p, options.on_error, options.max_line_bytes)
            return parse_firebase(items, p, site, bad=bad)
        data = load_json(p, text)  # raises ParseError naming the line and column
    return parse_hackernews(data, p, site)


_HN_PAGE = re.compile(r"<title>[^<]*\| Hacker News</title>|news\.ycombinator\.com|ycombinator\.com/news\.css")
_FIREBASE_TYPE = re.compile(r'"type"\s*:\s*"(?:comment|story|job|poll|pollopt)"')
_FIREBASE_KEYS = re.compile(r'"(?:by|parent|kids|descendants)"\s*:')
_ALGOLIA = re.compile(r'"created_at_i"\s*:')
_CHILDREN = re.compile(r'"children"\s*:\s*\[')
_HNPWA_LEVEL = re.compile(r'"level"\s*:\s*\d')
_HNPWA_KEYS = re.compile(r'"(?:timeago|user|content)"\s*:')
_COMMENTS_LIST = re.compile(r'"comments"\s*:\s*\[')


def sniff_hackernews(path: Path, head: str) -> bool:
    """Firebase items (``type`` comment/story plus ``by``/``parent``/``kids``), an Algolia tree
    (``created_at_i`` and ``children``), an HNPWA item (``comments`` with ``level`` and ``user``), or
    an HN item page's HTML."""
    start = head.lstrip()[:1]
    if start == "<":
        return bool(_HN_PAGE.search(head) and "item?id=" in head)
    if start not in ("{", "["):
        return False
    if _ALGOLIA.search(head) and _CHILDREN.search(head):
        return True
    if _COMMENTS_LIST.search(head) and _HNPWA_LEVEL.search(head) and _HNPWA_KEYS.search(head):
        return True
    return bool(_FIREBASE_TYPE.search(head) and _FIREBASE_KEYS.search(head)
                and not _CHILDREN.search(head) and '"link_id"' not in head)


register(Reader(
    name="hackernews",
    site=SITE,
    description="Hacker News: Firebase items (JSON, list, NDJSON, {post, comments}), Algolia item trees, "
                "HNPWA items, item page HTML",
    sniff=sniff_hackernews,
    read=read_hackernews,
    priority=45,
    suffixes=(".json", ".ndjson", ".jsonl", ".html", ".htm"),
))
