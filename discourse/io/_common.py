"""Helpers every reader shares: decoding bytes, loading JSON with located errors, HTML to text."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import polars as pl

from discourse import schema
from discourse.errors import EmptyInput, FileNotFound, ParseError

__all__ = [
    "comments_frame",
    "decode",
    "head",
    "html_to_text",
    "iso_utc",
    "json_lines",
    "load_json",
    "read_bytes",
    "read_text",
    "threads_frame",
]

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def read_bytes(path: str | Path) -> bytes:
    p = Path(path)
    if not p.exists():
        raise FileNotFound(p)
    if p.is_dir():
        raise ParseError(p, None, "is a directory; expected a file")
    data = p.read_bytes()
    if not data.strip():
        raise EmptyInput(p)
    return data


def decode(data: bytes, path: str | Path = "<bytes>") -> str:
    """Decode a file's bytes: honour a BOM, else UTF-8, else Windows-1252 (common in CSV exports)."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as err:
                raise ParseError(path, f"byte {err.start}", f"starts with a {enc} byte-order mark but is not {enc}") from err
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as err:
        raise ParseError(path, f"byte {err.start}", "expected UTF-8 or Windows-1252 text") from err


def read_text(path: str | Path) -> str:
    return decode(read_bytes(path), path)


def head(path: str | Path, n: int = 65536) -> str:
    """The first ``n`` bytes of a file decoded leniently, BOM stripped (for format sniffing)."""
    with open(path, "rb") as fh:
        data = fh.read(n)
    for bom, _ in _BOMS[:1]:
        if data.startswith(bom):
            data = data[len(bom):]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace")


def load_json(path: str | Path, text: str | None = None) -> Any:
    """Parse a JSON file; a syntax error or truncation names the line and column."""
    if text is None:
        text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        what = "the JSON ends early (truncated file?)" if err.pos >= len(text.rstrip()) else f"invalid JSON: {err.msg}"
        raise ParseError(path, f"line {err.lineno}, column {err.colno}", what) from err


_QUOTE_IN, _QUOTE_OUT = "\x00quote+\x00", "\x00quote-\x00"   # markers, resolved into "> " prefixes


class _TextExtractor(HTMLParser):
    """Text of comment HTML. Quoted blocks (``<blockquote>``, Discourse's ``<aside class="quote">``,
    nested too) become ``> `` lines, one ``>`` per level, as in Markdown, so that later stages can tell a
    reply's own words from the words it quotes; a quote's header ("alice:" with an avatar) is dropped."""

    _BLOCK: ClassVar[frozenset[str]] = frozenset({"p", "br", "div", "li", "blockquote", "pre", "tr", "h1", "h2",
                                                  "h3", "h4", "h5", "h6", "aside"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._href: str | None = None
        self._link_text: list[str] = []
        self._open: list[str] = []        # what each open element is: "quote", "skip" or ""
        self._open_tags: list[str] = []   # and its tag name
        self._skip = 0                    # open elements whose text is dropped (quote headers)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCK and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n\n" if tag == "p" else "\n")
        classes = (dict(attrs).get("class") or "").split()
        if tag in ("blockquote", "aside") and (tag == "blockquote" or "quote" in classes):
            # an <aside class="quote"> holds a header and a <blockquote>: the quote level is the blockquote's
            kind = "quote" if tag == "blockquote" else ""
        elif tag == "div" and ("title" in classes or "quote-controls" in classes) and "aside" in self._open_tags:
            kind = "skip"
        else:
            kind = ""
        if tag not in _VOID:
            self._open.append(kind)
            self._open_tags.append(tag)
        if kind == "quote":
            self.parts.append(_QUOTE_IN)
        elif kind == "skip":
            self._skip += 1
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open_tags:
            while self._open_tags:            # close up to the matching element (forgiving of bad nesting)
                kind, name = self._open.pop(), self._open_tags.pop()
                if kind == "quote":
                    self.parts.append(_QUOTE_OUT)
                elif kind == "skip":
                    self._skip -= 1
                if name == tag:
                    break
        if tag == "a" and self._href is not None:
            text = "".join(self._link_text)
            href = self._href
            self._href = None
            # links are kept as text: the visible text, plus the address when it differs
            shown = text if (not href or href.rstrip("/") in text or (text.rstrip(".…") in href and len(text) > 8)) else f"{text} ({href})" if text else href
            if not self._skip:
                self.parts.append(shown)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._href is not None:
            self._link_text.append(data)
        else:
            self.parts.append(data)


# elements without an end tag: they never open a level
_VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "wbr", "source", "area", "col", "embed"})


def _quote_lines(text: str) -> str:
    """Resolve the quote markers: each line inside k quote levels starts with ``"> " * k``."""
    if _QUOTE_IN not in text:
        return text
    out: list[str] = []
    depth = 0
    for piece in re.split(f"({re.escape(_QUOTE_IN)}|{re.escape(_QUOTE_OUT)})", text):
        if piece == _QUOTE_IN:
            depth += 1
            out.append("\n")
        elif piece == _QUOTE_OUT:
            depth = max(0, depth - 1)
            out.append("\n")
        elif depth:
            lines = [line.strip() for line in piece.split("\n")]
            out.append("\n".join(("> " * depth + line) if line else "" for line in lines))
        else:
            out.append(piece)
    return "".join(out)


_TAG_RE = re.compile(r"<[a-zA-Z/!]")


def html_to_text(s: str | None) -> str | None:
    """Comment HTML (HN, YouTube textDisplay, Disqus, Discourse) to plain text: entities decoded,
    paragraphs kept as blank lines, links kept as their text (and address), quoted blocks as ``> ``
    lines."""
    if s is None:
        return None
    if not _TAG_RE.search(s):
        return html.unescape(s).strip()
    parser = _TextExtractor()
    parser.feed(s)
    parser.close()
    out = _quote_lines("".join(parser.parts))
    out = re.sub(r"[ \t]+\n", "\n", out)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip()


def iso_utc(name: str) -> pl.Expr:
    """Column ``name`` of ISO-8601 text as UTC datetimes: offsets and ``Z`` honoured, naive times taken
    as UTC, junk -> null."""
    c = pl.col(name)
    return pl.coalesce(
        c.str.to_datetime(time_unit="us", time_zone="UTC", strict=False),
        c.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us", strict=False).dt.replace_time_zone("UTC"),
    ).alias(name)


def comments_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """``schema.COMMENTS`` from row dicts whose ``created_at`` is ISO-8601 text; ``position`` is each
    row's order within its thread."""
    spec = {**schema.COMMENTS, "created_at": pl.String()}
    df = pl.DataFrame(rows, schema=spec).with_columns(
        iso_utc("created_at"), position=pl.int_range(pl.len(), dtype=pl.Int64).over("thread_id"))
    return schema.conform(df, schema.COMMENTS)


def threads_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """``schema.THREADS`` from row dicts whose ``created_at`` is ISO-8601 text."""
    spec = {**schema.THREADS, "created_at": pl.String()}
    return schema.conform(pl.DataFrame(rows, schema=spec).with_columns(iso_utc("created_at")), schema.THREADS)


def json_lines(lines: str | Iterable[str], path: str | Path, on_error: str, expected: str, *, first_line: int = 1,
               accept: Callable[[dict[str, Any]], bool] | None = None) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """JSON Lines: ``(line number, object)`` for each line holding a JSON object (that ``accept``
    accepts), and the number of bad lines skipped. Blank lines are ignored. A bad line raises
    ParseError naming it (``expected`` says what should be there) unless ``on_error == "skip"``.

    ``lines`` may be the whole text: it is split at ``"\n"`` only, as JSON Lines are (``str.splitlines``
    would also split at U+0085, U+2028 and U+2029, which JSON strings may hold unescaped)."""
    if isinstance(lines, str):
        lines = lines.split("\n")
    out: list[tuple[int, dict[str, Any]]] = []
    bad = 0
    for lineno, line in enumerate(lines, start=first_line):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            obj, why = None, f"invalid JSON ({err.msg} at column {err.colno})"
        else:
            why = expected
        if not isinstance(obj, dict) or (accept is not None and not accept(obj)):
            if on_error == "raise":
                raise ParseError(path, f"line {lineno}", why)
            bad += 1
            continue
        out.append((lineno, obj))
    return out, bad
