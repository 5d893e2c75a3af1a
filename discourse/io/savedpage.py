"""Web pages a browser saved as one file: MHTML (Chrome, Edge and Opera's "Webpage, Single File", ``.mhtml`` /
``.mht``) and Safari's web archive (``.webarchive``).

Both hold the page's HTML documents (the page and each of its frames) beside its images and styles. The
documents are taken out, the page first and then its frames in the order the file holds them, and each
is read as a saved page (:mod:`discourse.io.webpage`: WordPress, Disqus, Reddit, Discourse or repeated
comment blocks). The first document whose comment structure is found is used: a news page showing its
Disqus comments in a frame has them in the frame's document, which a ".html" save puts in a file of its
own but these formats keep inside. When no document has comment structure the page is read as flat text.
Each document is read with its address (MHTML's ``Content-Location``, the archive's ``WebResourceURL``)
as the browser's "saved from url" mark, so a Disqus frame's thread identifier is kept as the ".html"
reader keeps it; its text is decoded by its stated charset (else UTF-8, else Windows-1252).

``.mhtml`` is MIME (RFC 2557, ``multipart/related``), read with Python's ``email`` package (quoted-printable
and base64 bodies); ``.webarchive`` is a binary property list (``WebMainResource``, ``WebSubframeArchives``),
read with ``plistlib``. Neither holds anything to run: only the HTML documents are read.
"""

from __future__ import annotations

import email
import email.policy
import html
import plistlib
import re
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import polars as pl

from discourse.errors import ParseError
from discourse.io._common import decode, read_bytes
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.io.webpage import parse_structured

__all__ = ["html_documents", "read_saved_page", "sniff_mhtml", "sniff_webarchive"]

_MHTML_HEAD = re.compile(r"(?im)^content-type:\s*multipart/related")
_MIME_VERSION = re.compile(r"(?im)^mime-version:")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class _Document:
    url: str | None
    text: str


def _decoded(data: bytes, charset: str | None, path: Path) -> str:
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, path)


def _mhtml_documents(data: bytes, path: Path) -> list[_Document]:
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    if not message.is_multipart():
        raise ParseError(path, None, "an MHTML file whose body is not multipart/related; expected a page saved as "
                                     "'Webpage, Single File'")
    docs: list[_Document] = []
    roots: list[tuple[_Document, Message]] = []
    for part in message.walk():
        if part.get_content_type() not in ("text/html", "application/xhtml+xml") or part.is_multipart():
            continue
        body = part.get_payload(decode=True)
        if not isinstance(body, bytes) or not body.strip():
            continue
        docs.append(_Document(_location(part), _decoded(body, part.get_content_charset(), path)))
        roots.append((docs[-1], part))
    if not docs:
        raise ParseError(path, None, "an MHTML file with no text/html part; expected a saved web page")
    # the page itself first: the root part RFC 2557 names (``start=<content-id>``), else the part at the
    # snapshot's address (Chrome writes it first anyway)
    start = message.get_param("start")
    if isinstance(start, str) and start.strip():
        root = next((d for d, part in roots if str(part.get("Content-ID", "")).strip() == start.strip()), None)
        if root is not None:
            docs.remove(root)
            docs.insert(0, root)
            return docs
    main = message.get("Snapshot-Content-Location") or message.get("X-Snapshot-Content-Location")
    if main:
        docs.sort(key=lambda d: d.url != str(main).strip())
    return docs


def _location(part: Message) -> str | None:
    value = part.get("Content-Location")
    return str(value).strip() if value else None


def _archive_documents(archive: Any, path: Path, out: list[_Document]) -> None:
    if not isinstance(archive, dict):
        return
    main = archive.get("WebMainResource")
    if isinstance(main, dict) and str(main.get("WebResourceMIMEType", "")).lower() in ("text/html", "application/xhtml+xml"):
        body = main.get("WebResourceData")
        if isinstance(body, bytes) and body.strip():
            url = main.get("WebResourceURL")
            enc = main.get("WebResourceTextEncodingName")
            out.append(_Document(str(url) if url else None, _decoded(body, str(enc) if enc else None, path)))
    for frame in archive.get("WebSubframeArchives") or []:
        _archive_documents(frame, path, out)


def _webarchive_documents(data: bytes, path: Path) -> list[_Document]:
    try:
        archive = plistlib.loads(data)
    except (plistlib.InvalidFileException, ValueError, OverflowError) as err:
        raise ParseError(path, None, f"not a readable Safari web archive (a property list): {err}") from err
    if not isinstance(archive, dict) or "WebMainResource" not in archive:
        raise ParseError(path, None, "a property list without WebMainResource; expected a Safari web archive")
    docs: list[_Document] = []
    _archive_documents(archive, path, docs)
    if not docs:
        raise ParseError(path, None, "a Safari web archive with no HTML document; expected a saved web page")
    return docs


def html_documents(path: str | Path) -> list[tuple[str | None, str]]:
    """The HTML documents of a saved ``.mhtml`` / ``.webarchive`` file as ``(address, text)``, the page
    first, then its frames."""
    p = Path(path)
    data = read_bytes(p)
    docs = _webarchive_documents(data, p) if data.startswith(b"bplist") else _mhtml_documents(data, p)
    return [(d.url, d.text) for d in docs]


def _marked(url: str | None, text: str) -> str:
    """``text`` behind the "saved from url" mark browsers write at the top of a saved page."""
    if not url or re.search(r"[\s>]", url):
        return text
    return f"<!-- saved from url=({len(url):04d}){url} -->\n{text}"


def read_saved_page(path: Path, options: ReadOptions, kind: str) -> ReadResult:
    """Read a saved ``.mhtml`` or ``.webarchive`` page: the first of its documents with comment structure."""
    documents = html_documents(path)
    common: dict[str, Any] = {"path": path, "thread_id": options.thread_id, "site": options.site,
                              "on_error": options.on_error, "page_layout": options.page_layout}
    result = None
    used = 0
    for i, (url, text) in enumerate(documents):
        result = parse_structured(_marked(url, text), **common)
        if result is not None:
            used = i
            break
    if result is None:
        url, text = documents[0]
        result = parse_structured(_marked(url, text), **common, flat=True)
        assert result is not None
        note = "no document has comment structure: the page is read as flat text"
    else:
        where = "the page" if used == 0 else f"frame {used}"
        note = f"comments read from {where}" + (f" ({documents[used][0]})" if documents[used][0] else "")
    frames = len(documents) - 1
    for fq in result.quality.files:
        fq.format = kind
        fq.notes.insert(0, f"{kind}: the page and {frames} frame{'' if frames == 1 else 's'}; {note}")
    if used and result.threads.height:
        # the comments came from a frame (a Disqus embed): the thread's title is the page's
        title = _title(documents[0][1])
        if title:
            result = ReadResult(result.comments, result.threads.with_columns(
                pl.col("title").fill_null(pl.lit(title, pl.String))), result.quality)
    return result


def _title(html_text: str) -> str | None:
    m = _TITLE.search(html_text[:65536])
    title = " ".join(html.unescape(m.group(1)).split()) if m else ""
    return title or None


def sniff_mhtml(path: Path, head: str) -> bool:
    """A MIME ``multipart/related`` document (how MHTML starts)."""
    return not path.is_dir() and bool(_MIME_VERSION.search(head[:4096]) and _MHTML_HEAD.search(head[:8192]))


def sniff_webarchive(path: Path, head: str) -> bool:
    """A binary property list holding ``WebMainResource`` (the key may sit past the head: then the suffix)."""
    return (not path.is_dir() and head.startswith("bplist")
            and ("WebMainResource" in head or path.suffix.lower() == ".webarchive"))


MHTML_READER = register(Reader(
    name="mhtml", site="web",
    description="a web page saved as one file by Chrome, Edge or Opera (MHTML: .mhtml, .mht)",
    sniff=sniff_mhtml, read=lambda p, o: read_saved_page(p, o, "mhtml"), priority=60, suffixes=(".mhtml", ".mht"),
))
WEBARCHIVE_READER = register(Reader(
    name="webarchive", site="web",
    description="a web page saved by Safari (.webarchive)",
    sniff=sniff_webarchive, read=lambda p, o: read_saved_page(p, o, "webarchive"), priority=60,
    suffixes=(".webarchive",),
))
