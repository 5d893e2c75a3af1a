"""Disqus XML exports (the "Export comments" file of a forum), old and new style.

An export is one ``<disqus>`` element holding ``<category>``, ``<thread dsq:id>`` and ``<post dsq:id>``
elements side by side. A post names its thread with ``<thread dsq:id>`` and, when it is a reply, its
parent with ``<parent dsq:id>``. Old exports carry ``<email>``/``<ipAddress>``; new ones omit them; both
are read the same way (elements are matched by local name, so a missing namespace does not matter).

Decisions:

* every post's parent is ``"explicit"``: a ``<parent>`` names it, and its absence states that the post
  replies to the thread's page (null ``parent_id``), as Reddit's ``t3_`` parents do;
* the author is the display ``<name>`` (falling back to ``<username>``): anonymous Disqus commenters
  have only a name, and a site's visitors see names, so the name is the identity;
* ``isDeleted`` posts are kept as placeholders (replies may point at them) with null author and text,
  counted as ``author_deleted`` and ``text_deleted`` repairs;
* ``isSpam`` posts are dropped with the reason ``spam`` (their replies become orphans, which the
  repair stage re-attaches);
* a post whose ``<thread>`` is not defined in the file is kept in a thread of that id with no title,
  flagged ``thread_missing`` and noted on the file; threads without posts are not in the threads table
  (their number is noted on the file).

The file is streamed with :func:`xml.etree.ElementTree.iterparse`, so large exports stay small in memory.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from discourse._typing import OnError
from discourse.errors import EmptyInput, FileNotFound, ParseError
from discourse.io._common import comments_frame, html_to_text, threads_frame, xml_encoding_error
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["parse_disqus", "read_disqus", "sniff_disqus"]

SITE = "disqus"
_ROOT_RE = re.compile(r"<disqus[\s>]")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _dsq_id(elem: ET.Element) -> str | None:
    for key, value in elem.attrib.items():
        if _local(key) == "id":
            value = value.strip()
            return value or None
    return None


def _fields(elem: ET.Element) -> dict[str, ET.Element]:
    """An element's children by local name (the first of each name), read in one pass."""
    out: dict[str, ET.Element] = {}
    for c in elem:
        out.setdefault(_local(c.tag), c)
    return out


def _text(fields: dict[str, ET.Element], name: str) -> str | None:
    c = fields.get(name)
    if c is None or c.text is None:
        return None
    return c.text.strip()


def _is_true(fields: dict[str, ET.Element], name: str) -> bool:
    return (_text(fields, name) or "").lower() == "true"


def _author(fields: dict[str, ET.Element]) -> str | None:
    a = fields.get("author")
    if a is None:
        return None
    af = _fields(a)
    return _text(af, "name") or _text(af, "username") or None


def _iter_top(source: IO[bytes], path: str) -> Iterator[ET.Element]:
    """Yield each direct child of the ``<disqus>`` root once it is complete, then free it."""
    depth = 0
    root: ET.Element | None = None
    try:
        for event, elem in ET.iterparse(source, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 1:
                    root = elem
                    if _local(elem.tag) != "disqus":
                        raise ParseError(path, "line 1", f"expected a <disqus> export, found <{_local(elem.tag)}>")
                continue
            depth -= 1
            if depth == 1:
                yield elem
                if root is not None:
                    root.clear()
    except ET.ParseError as err:
        line, col = err.position
        raise ParseError(path, f"line {line}, column {col}", f"malformed XML: {err}") from err
    except (LookupError, ValueError) as err:
        raise xml_encoding_error(path, err) from err
    if root is None:
        raise ParseError(path, None, "expected a <disqus> XML export; found no elements")


def parse_disqus(source: bytes | IO[bytes], path: str = "<disqus>", on_error: OnError = "raise") -> ReadResult:
    """Parse a Disqus XML export (bytes or a binary file object) into the canonical tables.

    ``on_error="skip"``: a ``<thread>``/``<post>`` lacking its ids is skipped and counted as a bad
    record of the file instead of failing (malformed XML always fails: the parser cannot resume).
    """

    def bad(record: str, expected: str) -> None:
        if on_error != "skip":
            raise ParseError(path, record, expected)
        fq.bad_records += 1

    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    quality = QualityReport()
    fq = FileQuality(path, "disqus")
    threads: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    n_post = 0
    for elem in _iter_top(source, path):
        kind = _local(elem.tag)
        f = _fields(elem)
        if kind == "thread":
            tid = _dsq_id(elem)
            if tid is None:
                bad("a <thread> element", "expected a dsq:id attribute on every <thread>")
                continue
            msg = _text(f, "message")
            threads[tid] = {
                "site": SITE, "thread_id": tid, "title": _text(f, "title") or None,
                "text": html_to_text(msg) if msg else None, "author": _author(f),
                "url": _text(f, "link") or None, "created_at": _text(f, "createdAt"),
            }
        elif kind == "post":
            n_post += 1
            pid = _dsq_id(elem)
            if pid is None:
                bad(f"post {n_post}", "expected a dsq:id attribute on <post>")
                continue
            tid = _dsq_id(f["thread"]) if "thread" in f else None
            if tid is None:
                bad(f"post {n_post} (dsq:id={pid})", "expected <thread dsq:id=...> naming its thread")
                continue
            parent = _dsq_id(f["parent"]) if "parent" in f else None
            quality.add_read(SITE, tid, 1)
            if _is_true(f, "isSpam"):
                quality.drop(SITE, tid, "spam")
                continue
            deleted = _is_true(f, "isDeleted")
            if deleted:
                quality.repair(SITE, tid, "author_deleted")
                quality.repair(SITE, tid, "text_deleted")
            msg = None if deleted else _text(f, "message")
            rows.append({
                "site": SITE, "thread_id": tid, "comment_id": pid, "parent_id": parent,
                "author": None if deleted else _author(f),
                "text": None if deleted else (html_to_text(msg) if msg else ""),
                "created_at": _text(f, "createdAt"),
                "parent_source": "explicit", "parent_confidence": 1.0,
            })
    fq.records = n_post
    used = {r["thread_id"] for r in rows} | {tid for (_, tid) in quality.threads}
    missing = sorted(used - threads.keys())
    for tid in missing:
        threads[tid] = {"site": SITE, "thread_id": tid}
        n = quality.thread(SITE, tid).read
        quality.flag(SITE, tid, "thread_missing", quality.thread(SITE, tid).kept)
        fq.notes.append(f"{n} post(s) name thread {tid}, which the file does not define")
    empty = len(threads.keys() - used)
    if empty:
        fq.notes.append(f"{empty} thread(s) without posts left out of the threads table")
    quality.files.append(fq)
    return ReadResult(comments_frame(rows), threads_frame([t for k, t in threads.items() if k in used]), quality)


def read_disqus(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a Disqus XML export file (streamed)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFound(p)
    with open(p, "rb") as fh:
        start = fh.read(4096)
        if not start.strip():
            raise EmptyInput(p)
        fh.seek(0)
        return parse_disqus(fh, str(p), (options or ReadOptions()).on_error)


def sniff_disqus(path: Path, head: str) -> bool:
    """A Disqus export: an XML document whose root element is ``<disqus>``."""
    start = head.lstrip()[:4096]
    return start.startswith("<") and bool(_ROOT_RE.search(start)) and "<rss" not in start[:200]


READER = register(Reader(
    name="disqus", site=SITE, description="Disqus XML export (<disqus> with <thread> and <post>)",
    sniff=sniff_disqus, read=read_disqus, priority=50, suffixes=(".xml",),
))
