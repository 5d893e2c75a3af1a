"""WordPress eXtended RSS (WXR) exports: Tools → Export of a WordPress site, where most blog and news
comments on the web are kept.

A WXR file is RSS 2.0 with the ``wp:`` namespace (``http://wordpress.org/export/1.x/``): one ``<item>``
per post or page, each holding its comments as ``<wp:comment>`` elements (``wp:comment_id``,
``wp:comment_parent``, ``wp:comment_author``, ``wp:comment_date_gmt``, ``wp:comment_content``,
``wp:comment_approved``, ``wp:comment_type``).

Decisions:

* a thread is an item (post, page or any post type) with at least one comment; its id is
  ``wp:post_id``, its row the item's title, text (``content:encoded``), author (``dc:creator``), link and
  date. Items without comments are not in the threads table (their number is noted on the file);
* every comment's parent is ``"explicit"``: ``wp:comment_parent`` names it, and ``0`` states that the
  comment answers the post;
* ``wp:comment_approved`` ``1`` (or ``approve``) is kept; ``spam`` is dropped with the reason ``spam``,
  ``trash`` and ``post-trashed`` with ``trash``, ``0`` (awaiting moderation, never shown) with
  ``unapproved``; pingbacks and trackbacks (``wp:comment_type``) are dropped with the reasons
  ``pingback`` / ``trackback``. Replies to a dropped comment become orphans, which the repair stage
  re-attaches to the post (and counts);
* the time is ``wp:comment_date_gmt``; a zero GMT date (``0000-00-00 00:00:00``, left by some imports)
  falls back to ``wp:comment_date``, the site's local time, read as UTC and counted as the repair
  ``local_time``;
* an empty author (WordPress shows "Anonymous") is null; e-mail and IP address are never read.

The file is streamed (``iterparse``, one item at a time) through defusedxml: a document that declares
entities or refers to external ones is refused with a one-line error (a WordPress export never does).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import defusedxml
import defusedxml.ElementTree as DET

from discourse._typing import OnError
from discourse.errors import EmptyInput, FileNotFound, ParseError
from discourse.io._common import comments_frame, html_to_text, threads_frame, xml_encoding_error
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["parse_wxr", "read_wxr", "sniff_wxr"]

SITE = "wordpress"
_SNIFF = re.compile(r"<rss[\s>][^>]*xmlns:wp=[\"']https?://wordpress\.org/export/|<wp:wxr_version>", re.DOTALL)
_DROP = {"spam": "spam", "trash": "trash", "post-trashed": "trash", "0": "unapproved", "hold": "unapproved"}
_ZERO_DATE = "0000-00-00 00:00:00"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _prefix(tag: str) -> str:
    """``wp`` for a tag in a WordPress export namespace, ``content``/``dc`` for those, else ""."""
    if not tag.startswith("{"):
        return ""
    ns = tag[1:].split("}", 1)[0]
    if "wordpress.org/export" in ns:
        return "wp"
    if "purl.org/rss/1.0/modules/content" in ns:
        return "content"
    if "purl.org/dc/elements" in ns:
        return "dc"
    return "?"


def _fields(elem: ET.Element) -> dict[str, str]:
    """An element's simple children as ``{"wp:comment_id": text, "title": text, ...}`` (first of each)."""
    out: dict[str, str] = {}
    for c in elem:
        p = _prefix(c.tag)
        key = f"{p}:{_local(c.tag)}" if p else _local(c.tag)
        out.setdefault(key, (c.text or "").strip())
    return out


def _wp_time(value: str | None) -> str | None:
    """``2024-03-04 09:21:00`` (UTC) as ISO-8601, else None."""
    if not value or value.startswith("0000"):
        return None
    return value.replace(" ", "T") + "+00:00" if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value) else None


def _iter_items(source: IO[bytes], path: str) -> Iterator[tuple[int, ET.Element]]:
    """Each ``<item>`` once complete, with its number, then freed; checks the root is ``<rss>``."""
    depth = 0
    root: ET.Element | None = None
    channel: ET.Element | None = None
    n = 0
    try:
        for event, elem in DET.iterparse(source, events=("start", "end"), forbid_dtd=False):
            if event == "start":
                depth += 1
                if depth == 1:
                    root = elem
                    if _local(elem.tag) != "rss":
                        raise ParseError(path, "line 1", f"expected a WordPress export (<rss>), found <{_local(elem.tag)}>")
                elif depth == 2 and _local(elem.tag) == "channel":
                    channel = elem
                continue
            depth -= 1
            if depth == 2 and _local(elem.tag) == "item":
                n += 1
                yield n, elem
                if channel is not None:
                    channel.clear()
    except ET.ParseError as err:
        line, col = err.position
        raise ParseError(path, f"line {line}, column {col}", f"malformed XML: {err}") from err
    except defusedxml.DefusedXmlException as err:
        raise ParseError(path, None, f"the XML declares or refers to entities ({type(err).__name__}), which are not "
                                     "read; expected a WordPress export, which has none") from err
    except (LookupError, ValueError) as err:
        raise xml_encoding_error(path, err) from err
    if root is None:
        raise ParseError(path, None, "expected a WordPress export (<rss> with wp: elements); found no elements")


def parse_wxr(source: bytes | IO[bytes], path: str = "<wxr>", on_error: OnError = "raise") -> ReadResult:
    """Parse a WXR export (bytes or a binary file object) into the canonical tables.

    ``on_error="skip"``: a ``<wp:comment>`` without a ``wp:comment_id``, or an item with comments but
    without a ``wp:post_id``, is skipped and counted as bad records of the file (malformed XML always
    fails: the parser cannot resume)."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    quality = QualityReport()
    fq = FileQuality(path, "wxr")
    rows: list[dict[str, Any]] = []
    threads: list[dict[str, Any]] = []
    without_comments = 0
    n_comments = 0
    reasons: Counter[str] = Counter()

    def bad(record: str, expected: str, n: int = 1) -> None:
        if on_error != "skip":
            raise ParseError(path, record, expected)
        fq.bad_records += n

    for number, item in _iter_items(source, path):
        f = _fields(item)
        comments = [c for c in item if _prefix(c.tag) == "wp" and _local(c.tag) == "comment"]
        if not comments:
            without_comments += 1
            continue
        tid = f.get("wp:post_id") or ""
        if not tid:
            n_comments += len(comments)
            bad(f"item {number} ({f.get('title') or 'untitled'})", "expected <wp:post_id> on an item with comments",
                len(comments))
            continue
        threads.append({
            "site": SITE, "thread_id": tid, "title": f.get("title") or None,
            "text": html_to_text(f.get("content:encoded")) or None, "author": f.get("dc:creator") or None,
            "url": f.get("link") or None, "created_at": _wp_time(f.get("wp:post_date_gmt")),
        })
        for c in comments:
            n_comments += 1
            cf = _fields(c)
            cid = cf.get("wp:comment_id") or ""
            if not cid:
                bad(f"item {number} (post {tid}), comment {n_comments}", "expected <wp:comment_id> in every <wp:comment>")
                continue
            quality.add_read(SITE, tid, 1)
            kind = (cf.get("wp:comment_type") or "").lower()
            approved = (cf.get("wp:comment_approved") or "1").lower()
            reason = kind if kind in ("pingback", "trackback") else _DROP.get(approved)
            if reason:
                quality.drop(SITE, tid, reason)
                reasons[reason] += 1
                continue
            created = _wp_time(cf.get("wp:comment_date_gmt"))
            if created is None and _wp_time(cf.get("wp:comment_date")):
                created = _wp_time(cf.get("wp:comment_date"))
                quality.repair(SITE, tid, "local_time")
            parent = cf.get("wp:comment_parent") or "0"
            author = cf.get("wp:comment_author") or None
            rows.append({
                "site": SITE, "thread_id": tid, "comment_id": cid, "parent_id": None if parent == "0" else parent,
                "author": None if author is not None and author.lower() == "anonymous" else author,
                "text": html_to_text(cf.get("wp:comment_content")) or "", "created_at": created,
                "parent_source": "explicit", "parent_confidence": 1.0,
            })
        item.clear()
    fq.records = n_comments
    if without_comments:
        fq.notes.append(f"{without_comments} item(s) without comments left out of the threads table")
    if reasons:
        fq.notes.append("not kept: " + ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())))
    quality.files.append(fq)
    return ReadResult(comments_frame(rows), threads_frame(threads), quality)


def read_wxr(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a WordPress WXR export file (streamed)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFound(p)
    with open(p, "rb") as fh:
        if not fh.read(4096).strip():
            raise EmptyInput(p)
        fh.seek(0)
        return parse_wxr(fh, str(p), (options or ReadOptions()).on_error)


def sniff_wxr(path: Path, head: str) -> bool:
    """An ``<rss>`` document in the WordPress export namespace."""
    start = head.lstrip()[:8192]
    return start.startswith("<") and bool(_SNIFF.search(start))


READER = register(Reader(
    name="wxr", site=SITE, description="WordPress export (WXR: <rss> with <wp:comment> elements)",
    sniff=sniff_wxr, read=read_wxr, priority=50, suffixes=(".xml",),
))
