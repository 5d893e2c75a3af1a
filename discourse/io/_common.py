"""Helpers every reader shares: decoding bytes, loading JSON with located errors, HTML to text."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from json.decoder import scanstring  # type: ignore[attr-defined]  # the C string scanner json.loads uses
from pathlib import Path
from typing import Any, ClassVar

import polars as pl

from discourse import schema
from discourse.errors import EmptyInput, FileNotFound, ParseError
from discourse.options import ReadOptions

__all__ = [
    "MAX_LINE_BYTES",
    "SafeHTMLParser",
    "comments_frame",
    "decode",
    "fix_surrogates",
    "has_surrogate_escape",
    "head",
    "html_to_text",
    "iso_utc",
    "json_lines",
    "line_too_long",
    "load_json",
    "loads",
    "read_bytes",
    "read_text",
    "threads_frame",
    "too_long_message",
    "xml_encoding_error",
]

# the longest NDJSON / JSON Lines line the readers take by default (ReadOptions.max_line_bytes): far
# above any real comment or submission, and it bounds what one line costs in memory (a .zst "bomb"
# of one newline-free line is cut off there instead of decompressed whole)
MAX_LINE_BYTES: int = ReadOptions().max_line_bytes

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


# -- JSON: any depth, located errors, lone surrogates ----------------------------------------------
_JSON_WS = re.compile(r"[ \t\n\r]*")
_JSON_NUMBER = re.compile(r"(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?")
_LONG_INT = re.compile(r"\d{4301,}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_LONG_NUMBER = "a number of more than 4,300 digits (Python's limit); expected a JSON number of sensible size"
_CONSTANTS = (("null", None), ("true", True), ("false", False), ("NaN", float("nan")),
              ("Infinity", float("inf")), ("-Infinity", float("-inf")))


def _ws(s: str, i: int) -> int:
    """The index of the first non-blank character at or after ``i``."""
    m = _JSON_WS.match(s, i)
    return m.end() if m else i


def _loads_iterative(s: str) -> Any:
    """``json.loads`` with an explicit stack instead of recursion, so that any depth parses (a thread
    nested 500 replies deep is over 1,000 JSON levels; Python's decoder stops at its recursion limit).
    The same grammar, values and error positions as ``json.loads``; used only when it gives up."""
    n = len(s)
    stack: list[list[Any]] = []        # open containers: [list or dict, pending key of a dict]
    idx = _ws(s, 0)
    while True:
        value: Any
        ch = s[idx:idx + 1]
        if ch == "{":
            j = _ws(s, idx + 1)
            if s[j:j + 1] == "}":
                value, idx = {}, j + 1
            else:
                key, idx = _json_key(s, j)
                stack.append([{}, key])
                continue
        elif ch == "[":
            j = _ws(s, idx + 1)
            if s[j:j + 1] == "]":
                value, idx = [], j + 1
            else:
                stack.append([[], None])
                idx = j
                continue
        elif ch == '"':
            value, idx = scanstring(s, idx + 1)
        else:
            m = _JSON_NUMBER.match(s, idx)
            if m:
                integer, frac, exp = m.groups()
                value = float(integer + (frac or "") + (exp or "")) if frac or exp else int(integer)
                idx = m.end()
            else:
                for word, const in _CONSTANTS:
                    if s.startswith(word, idx):
                        value, idx = const, idx + len(word)
                        break
                else:
                    raise json.JSONDecodeError("Expecting value", s, idx)
        # a value is complete: put it in its container, closing every container it completes
        while True:
            if not stack:
                end = _ws(s, idx)
                if end != n:
                    raise json.JSONDecodeError("Extra data", s, end)
                return value
            top = stack[-1]
            container = top[0]
            if isinstance(container, dict):
                container[top[1]] = value
            else:
                container.append(value)
            idx = _ws(s, idx)
            ch = s[idx:idx + 1]
            if ch == ",":
                idx = _ws(s, idx + 1)
                if isinstance(container, dict):
                    top[1], idx = _json_key(s, idx)
                break
            if ch == ("}" if isinstance(container, dict) else "]"):
                stack.pop()
                value, idx = container, idx + 1
                continue
            raise json.JSONDecodeError("Expecting ',' delimiter", s, idx)


def _json_key(s: str, idx: int) -> tuple[str, int]:
    """An object's key at ``idx`` and the index of its value (after the colon and blanks)."""
    if s[idx:idx + 1] != '"':
        raise json.JSONDecodeError("Expecting property name enclosed in double quotes", s, idx)
    key, j = scanstring(s, idx + 1)
    j = _ws(s, j)
    if s[j:j + 1] != ":":
        raise json.JSONDecodeError("Expecting ':' delimiter", s, j)
    return key, _ws(s, j + 1)


def has_surrogate_escape(text: str) -> bool:
    """Whether JSON text holds a ``\\udXXX`` escape (a surrogate, lone or half of a pair)."""
    return _SURROGATE_ESCAPE.search(text) is not None


def fix_surrogates(obj: Any) -> tuple[Any, int]:
    """``obj`` (decoded JSON) with every lone UTF-16 surrogate in its strings and keys replaced by
    U+FFFD, and the number of strings changed. JSON may escape one (``"\\ud800"``), Python decodes it,
    but no UTF-8 text (polars, Parquet) can hold it. Walks with a stack: any depth."""
    def fix(v: str) -> str:
        return _LONE_SURROGATE.sub("\ufffd", v)

    if isinstance(obj, str):
        return (fix(obj), 1) if _LONE_SURROGATE.search(obj) else (obj, 0)
    n = 0
    stack = [obj]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for k, v in list(cur.items()):
                if isinstance(v, str):
                    if _LONE_SURROGATE.search(v):
                        cur[k] = fix(v)
                        n += 1
                elif isinstance(v, (dict, list)):
                    stack.append(v)
                if _LONE_SURROGATE.search(k):
                    cur[fix(k)] = cur.pop(k)
                    n += 1
        elif isinstance(cur, list):
            for i, v in enumerate(cur):
                if isinstance(v, str):
                    if _LONE_SURROGATE.search(v):
                        cur[i] = fix(v)
                        n += 1
                elif isinstance(v, (dict, list)):
                    stack.append(v)
    return obj, n


def loads(text: str) -> Any:
    """``json.loads`` for any depth, with lone surrogates replaced by U+FFFD.

    Raises ``json.JSONDecodeError`` (a ValueError) for bad JSON, and ValueError for an integer of
    more than 4,300 digits (Python's limit on converting digits to an int)."""
    try:
        obj = json.loads(text)
    except RecursionError:
        obj = _loads_iterative(text)
    if has_surrogate_escape(text):
        obj, _ = fix_surrogates(obj)
    return obj


def _position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"line {line}, column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


def load_json(path: str | Path, text: str | None = None) -> Any:
    """Parse a JSON file (any depth); a syntax error or truncation names the line and column."""
    if text is None:
        text = read_text(path)
    try:
        return loads(text)
    except json.JSONDecodeError as err:
        what = "the JSON ends early (truncated file?)" if err.pos >= len(text.rstrip()) else f"invalid JSON: {err.msg}"
        raise ParseError(path, f"line {err.lineno}, column {err.colno}", what) from err
    except ValueError as err:  # an integer of more than 4,300 digits
        m = _LONG_INT.search(text)
        raise ParseError(path, _position(text, m.start()) if m else None, _LONG_NUMBER) from err


_QUOTE_IN, _QUOTE_OUT = "\x00quote+\x00", "\x00quote-\x00"   # markers, resolved into "> " prefixes


class SafeHTMLParser(HTMLParser):
    """An ``HTMLParser`` that never fails on what a page may hold. Python's parser raises
    AssertionError on a marked section it does not know (``<![foo[``, ``<![ x``); a browser reads
    such a section as a bogus comment that ends at the next ``>``, and so does this parser."""

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1      # -1: wait for more input (at the end: kept as text)


class _TextExtractor(SafeHTMLParser):
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
        if tag in self._BLOCK and self.parts:
            # a paragraph is a blank line away from what precedes it, whatever white space the markup
            # has between the tags ("</p>\n<p>" too); other blocks start a line
            tail = self.parts[-1].rstrip(" \t")
            if tag == "p" and not tail.endswith("\n\n"):
                self.parts.append("\n\n")
            elif not tail.endswith("\n"):
                self.parts.append("\n")
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


def xml_encoding_error(path: str | Path, err: Exception) -> ParseError:
    """The error for an XML file whose declared encoding the parser cannot use (expat raises
    LookupError for an unknown name, ValueError for a multi-byte one)."""
    return ParseError(path, "line 1", f"the XML declaration names an encoding that cannot be read ({err}); "
                                      "expected UTF-8 or another single-byte encoding Python knows")


_ISO_FORMATS = (  # (format, carries an offset); the first is the common one, the rest parse only what it left
    ("%Y-%m-%dT%H:%M:%S%.f%#z", True),     # %#z: Z, z, +02:00, +0200, +02
    ("%Y-%m-%dT%H:%M:%S%.f", False),
    ("%Y-%m-%d %H:%M:%S%.f%#z", True),
    ("%Y-%m-%d %H:%M:%S%.f", False),
    ("%Y-%m-%dT%H:%M%#z", True),
    ("%Y-%m-%dT%H:%M", False),
    ("%Y-%m-%d %H:%M%#z", True),
    ("%Y-%m-%d %H:%M", False),
)


def _parse_iso(text: pl.Series) -> pl.Series:
    """Each value parsed on its own: a list of explicit ISO-8601 shapes tried in turn on the values still
    unparsed (polars' inference picks one format from the first value, which turned every value of another
    shape into null, so a file's times depended on its first row)."""
    out = text.str.to_datetime(_ISO_FORMATS[0][0], time_unit="us", time_zone="UTC", strict=False)
    for fmt, aware in (*_ISO_FORMATS[1:], ("%Y-%m-%d", False)):
        missing = (out.is_null() & text.is_not_null()).arg_true()
        if missing.len() == 0:
            break
        part = text.gather(missing)
        if fmt == "%Y-%m-%d":
            parsed = part.str.to_date(fmt, strict=False).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        elif aware:
            parsed = part.str.to_datetime(fmt, time_unit="us", time_zone="UTC", strict=False)
        else:
            parsed = part.str.to_datetime(fmt, time_unit="us", strict=False).dt.replace_time_zone("UTC")
        out = out.scatter(missing, parsed)
    return out


def iso_utc(name: str) -> pl.Expr:
    """Column ``name`` of ISO-8601 text as UTC datetimes: offsets and ``Z`` honoured, naive times taken
    as UTC, a bare date as its midnight, junk -> null; every value is read on its own, whatever the others'
    shape."""
    return pl.col(name).cast(pl.String).map_batches(_parse_iso, return_dtype=pl.Datetime("us", "UTC")).alias(name)


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


def line_too_long(line: str | bytes, limit: int) -> bool:
    """Whether a line is longer than ``limit`` bytes (UTF-8, for text)."""
    if isinstance(line, bytes):
        return len(line) > limit
    return len(line) > limit or (4 * len(line) > limit and len(line.encode("utf-8", "surrogatepass")) > limit)


def too_long_message(limit: int) -> str:
    """What a reader says of a line over the limit."""
    return (f"a line longer than {limit:,} bytes, the limit on one line (raise it with --max-line-bytes; "
            "a line this long is no comment)")


def json_lines(lines: str | Iterable[str], path: str | Path, on_error: str, expected: str, *, first_line: int = 1,
               accept: Callable[[dict[str, Any]], bool] | None = None,
               max_line_bytes: int | None = MAX_LINE_BYTES) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """JSON Lines: ``(line number, object)`` for each line holding a JSON object (that ``accept``
    accepts), and the number of bad lines skipped. Blank lines are ignored. A bad line (not JSON, not
    an object, longer than ``max_line_bytes``, holding an integer of over 4,300 digits) raises
    ParseError naming it (``expected`` says what should be there) unless ``on_error == "skip"``.
    Objects nest to any depth; lone surrogates in strings become U+FFFD.

    ``lines`` may be the whole text: it is split at ``"\n"`` only, as JSON Lines are (``str.splitlines``
    would also split at ``"\r"``, U+0085, U+2028 and U+2029, which JSON strings may hold unescaped)."""
    if isinstance(lines, str):
        lines = lines.split("\n")
    out: list[tuple[int, dict[str, Any]]] = []
    bad = 0
    for lineno, line in enumerate(lines, start=first_line):
        if not line.strip():
            continue
        obj: Any = None
        if max_line_bytes is not None and line_too_long(line, max_line_bytes):
            why = too_long_message(max_line_bytes)
        else:
            try:
                obj = loads(line)
            except json.JSONDecodeError as err:
                why = f"invalid JSON ({err.msg} at column {err.colno})"
            except ValueError:
                why = _LONG_NUMBER
            else:
                why = expected
        if not isinstance(obj, dict) or (accept is not None and not accept(obj)):
            if on_error == "raise":
                raise ParseError(path, f"line {lineno}", why)
            bad += 1
            continue
        out.append((lineno, obj))
    return out, bad
