"""Flat comment pages: an article followed by a comment section whose reply nesting was lost.

A scraped news page saved as plain text typically looks like this::

    Title of the article

    First paragraph of the article.

    Last paragraph of the article.


    An anonymous comment (no name line; it follows a run of blank lines).

    Peter Jennings

    A comment by Peter Jennings.
    It can run over several lines...

    ...and several paragraphs.

    Hasbara Hunter



    Tommy Jensen
    ...

:func:`parse_flatpage` turns such text into the canonical tables: the article becomes the thread's
root post, each comment a row with its author (null when anonymous: every anonymous comment is its own
unknown commenter), its text ("" for image-only comments, whose name line is followed by nothing) and
its ``position`` on the page. Parents are unknown (``parent_source = "none"``): the infer stage
(:func:`discourse.infer.infer_parents`) reconstructs them.

Layout rules are general and configurable through :class:`PageLayout` (``ReadOptions.page_layout``, a
dict of its field names). Each comment carries ``layout_confidence`` in [0, 1]: how sure the reader is
of where the comment starts and who wrote it.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import polars as pl

from discourse import schema
from discourse.errors import InputError
from discourse.io._common import read_text
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["PageLayout", "name_score", "parse_flatpage", "parse_layout_overrides", "read"]

_DEFAULT_SECTION_MARKERS = (
    r"\d*\s*(comments?|responses?|replies|reactions?|discussion)(\s*\(\d+\))?(\s+(to|on)\s+.*)?:?",
    # the same heading in other languages of the news pages scraped most (de, nl, da/no/sv, fr, es/pt, it, pl, fi)
    r"\d*\s*(kommentare?|reacties|kommentarer|commentaires?|comentarios?|coment[aá]rios?|commenti|komentarze|"
    r"kommentit)(\s*\(\d+\))?:?",
    r"(leave|post|add|write)( a)? (comment|reply|response).*",
    r"(show|view|load|read) (all )?(\d+ )?comments?.*",
)
_DEFAULT_IGNORE = (
    r"reply", r"reply\s*[↓→]?", r"log in to reply", r"like", r"\d+\s+likes?", r"share", r"report",
    r"flag", r"permalink", r"edit", r"edited", r"delete", r"vote up", r"vote down", r"[↑↓▲▼+−-]",
    r"\d+\s+(points?|votes?|upvotes?|downvotes?)", r"loading\.*", r"load more( comments)?", r"see more",
    r"read more", r"[+\-−]?\d{1,5}", r"show( \d+)? more( replies)?", r"hide replies", r"avatar", r"(reply|like|share|report)"
    r"([\s•·|]+(reply|like|share|report|flag))+",
    # what a browser copies of new Reddit's and Hacker News' page chrome: the depth line above each comment
    # ("level 2"), the action row, the "[–]" toggle, the search box under HN's footer
    r"(reply|share|report|save|follow|(give )?award)(\s+(reply|share|report|save|follow|(give )?award))+",
    r"save", r"follow", r"(give )?award", r"sort by:?(\s+\w+){0,2}", r"\[\s*[-–+]\s*\d*\s*\]", r"search:?",
)
# the depth line new Reddit prints above each comment ("level 2"): the nesting the page had
_LEVEL_RE = re.compile(r"level\s+(\d{1,3})", re.IGNORECASE)
# a navigation bar copied as text: four or more short items separated by " | " ("Guidelines | FAQ | Lists | API")
_NAV_RE = re.compile(r"[^|.!?]{1,24}(?:\s\|\s[^|.!?]{1,24}){3,}")
_DECORATION = " \t•·|›»–—"
_DEFAULT_TIMESTAMP = (
    r"(\w+\s+\d{1,2},\s+\d{4}|\d{1,2}\s+\w+\s+\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})"
    r"([\s,]+(at\s+)?\d{1,2}[:.]\d{2}(\s*[ap]\.?m\.?)?)?",
    r"\d+\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|hr|h|days?|d|weeks?|wks?|w|months?|mos?|years?|yrs?|y)\.?\s+ago",
    r"(yesterday|today)(\s+at\s+\d{1,2}[:.]\d{2}(\s*[ap]\.?m\.?)?)?",
)
_TIME_FORMATS = (
    "%B %d, %Y at %I:%M %p", "%B %d, %Y at %H:%M", "%B %d, %Y %I:%M %p", "%B %d, %Y", "%b %d, %Y at %I:%M %p",
    "%b %d, %Y", "%d %B %Y at %H:%M", "%d %B %Y %H:%M", "%d %B %Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
    "%Y-%m-%d", "%d.%m.%Y %H:%M", "%d.%m.%Y, %H:%M", "%d.%m.%Y um %H:%M", "%d.%m.%Y kl %H:%M", "%d.%m.%Y",
    "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M",
)
_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "dos", "del", "la", "le", "al",
                        "el", "bin", "ibn", "ben", "y", "e", "of", "the"})
_URL_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
_HANDLE_RE = re.compile(r"@?\w[\w.\-']{0,38}")
_HANDLE_MARK_RE = re.compile(r"\d|_|\w\.\w")
# a comment's header line as Hacker News (and old Reddit) print it: "user 3 hours ago | parent | next [–]",
# "user 12 points 3 hours ago", "user on March 3, 2021 | reply"
_AGO = r"\d+\s*(?:seconds?|minutes?|mins?|hours?|hrs?|hr|h|days?|d|weeks?|w|months?|mo|years?|yrs?|y)\.?\s+ago"
_HEADER_RE = re.compile(
    r"(?P<author>@?\w[\w.\-]{0,38})\s*[•·|]?\s+"
    r"(?:-?\d+\s+points?\s+)?"
    rf"(?P<when>{_AGO}|on\s+[A-Z][a-z]{{2,8}}\.?\s+\d{{1,2}},\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}(?:[ T]\d{{2}}:\d{{2}}(?::\d{{2}})?)?)"
    r"(?:\s*[|•·]\s*[^|•·]{1,25}?)*\s*(?:\[\s*[-–+]\s*\d*\s*\])?",
    re.IGNORECASE)
_VOTE_RE = re.compile(r"[+\-−]?\d{1,5}|[+\-−]?\d+\s+(?:points?|votes?|upvotes?|downvotes?|likes?)|[↑↓▲▼]\s*\d*", re.IGNORECASE)


@dataclass(frozen=True)
class PageLayout:
    """How a flat page lays out its article and comments. Every rule can be overridden.

    Blank-line conventions
        ``section_gap``: blank lines that end the article when no section marker is found;
        ``anonymous_gap``: a block of text preceded by at least this many blank lines, and not a
        name line, starts a new comment with no author (a single blank line separates paragraphs
        of one comment); ``blank_after_name``: the name line is followed by a blank line (else
        the comment text starts on the next line); ``image_gap``: a name line followed by at
        least this many blank lines (or by another name line, or the end of the page) is an
        image-only comment with text "".
    Name lines
        at most ``name_max_words`` words and ``name_max_chars`` characters, no end punctuation
        (``name_end_chars``), no URL; with ``name_capitalised`` every word (apart from particles
        such as "van", "al") starts with a capital or digit. ``name_pattern`` (a regex matched
        against the whole line) replaces these heuristics; ``name_suffix`` is stripped first
        (e.g. ``r"\\s+says:?"``). A line scoring at least ``name_min_score`` is a name.
    Sections and markers
        ``section_markers``: regexes (whole line, case-insensitive) that announce the comment
        section ("23 comments", "Leave a reply"); ``comments_start_line``: 1-based line number
        where comments start (overrides detection); ``ignore_lines``: UI markers dropped
        wherever they stand ("Reply", "Like", "3 points", a bare vote count; bullets and arrows
        around them are ignored); ``timestamp_lines``: lines dropped and, right after a name
        line, parsed into ``created_at`` when possible; ``anonymous_names``: name lines
        ("Guest", "Anonymous") that mark a comment as anonymous (author null).
    Inline names
        ``inline_name``: a regex with groups ``author`` and ``text`` for pages where the name
        opens the comment's first line ("Jane: I agree", "<jane> I agree"); every matching line
        starts a comment, other lines continue it, and the blank-line rules are not used.
    Detection
        with ``detect`` (the default) the page's own layout is read from the page before the rules
        apply (see :func:`detect_layout`): user-name lines of any case when the page has several in
        name position, whether the text starts after a blank line, header lines ("user 3 hours ago |
        reply"), and short lines repeated between comments (UI markers in any language). Rules given
        explicitly are kept.
    """

    section_gap: int = 2
    anonymous_gap: int = 2
    blank_after_name: bool = True
    image_gap: int = 3
    name_max_words: int = 5
    name_max_chars: int = 40
    name_end_chars: str = ".!?,;:)\"”'’…"
    name_capitalised: bool = True
    name_pattern: str | None = None
    name_suffix: str | None = r"\s+(says|said|wrote|writes):?"
    name_min_score: float = 0.5
    section_markers: tuple[str, ...] = _DEFAULT_SECTION_MARKERS
    comments_start_line: int | None = None
    ignore_lines: tuple[str, ...] = _DEFAULT_IGNORE
    timestamp_lines: tuple[str, ...] = _DEFAULT_TIMESTAMP
    anonymous_names: tuple[str, ...] = ("guest", "anonymous", "anon", "unknown", "[deleted]", "deleted user")
    inline_name: str | None = None
    detect: bool = True

    @classmethod
    def from_options(cls, value: PageLayout | dict[str, Any] | None, path: str | Path = "<text>") -> PageLayout:
        """Build a layout from ``ReadOptions.page_layout``; unknown keys raise InputError."""
        if isinstance(value, PageLayout):
            return value
        value = dict(value or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise InputError(f"{path}: unknown page_layout option(s) {', '.join(unknown)}; "
                             f"expected some of {', '.join(sorted(known))}")
        for key in ("section_markers", "ignore_lines", "timestamp_lines", "anonymous_names"):
            if key in value and isinstance(value[key], str):
                value[key] = (value[key],)
            elif key in value:
                value[key] = tuple(value[key])
        layout = cls(**value)
        patterns = [layout.name_pattern, layout.name_suffix, layout.inline_name, *layout.section_markers, *layout.ignore_lines,
                    *layout.timestamp_lines]
        for pattern in patterns:
            if pattern is None:
                continue
            try:
                re.compile(pattern)
            except re.error as err:
                raise InputError(f"{path}: page_layout regex {pattern!r} is invalid ({err})") from err
        return layout


_BOOL = {"true": True, "yes": True, "1": True, "on": True, "false": False, "no": False, "0": False, "off": False}


def parse_layout_overrides(items: list[str]) -> dict[str, Any]:
    """``["blank_after_name=false", "name_pattern=@?\\w+"]`` (e.g. repeated ``--page-layout`` CLI
    options) as a typed dict for ``ReadOptions.page_layout``. A value for a tuple field (markers,
    ignore lines...) replaces the defaults; give the key several times to list several patterns.
    Unknown keys and unparseable values raise InputError."""
    kinds = {f.name: f.default for f in fields(PageLayout)}
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in kinds:
            raise InputError(f"--page-layout {item!r}: expected KEY=VALUE with KEY one of {', '.join(sorted(kinds))}")
        default = kinds[key]
        try:
            if isinstance(default, bool):
                if raw.strip().lower() not in _BOOL:
                    raise ValueError(raw)
                value: Any = _BOOL[raw.strip().lower()]
            elif isinstance(default, int):
                value = int(raw)
            elif isinstance(default, float):
                value = float(raw)
            elif isinstance(default, tuple):
                value = (*out.get(key, ()), raw)
            else:   # optional str / int fields default to None
                value = None if raw.strip().lower() in ("", "none") else (int(raw) if key == "comments_start_line" else raw)
        except ValueError as err:
            raise InputError(f"--page-layout {item!r}: {raw!r} is not a valid value for {key} "
                             f"(expected {type(default).__name__ if default is not None else 'text'})") from err
        out[key] = value
    return out


def _full(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def name_score(line: str, layout: PageLayout) -> float:
    """How much ``line`` looks like an author-name line, in [0, 1] (0: it cannot be one).

    >>> name_score("Brian Michael Bo Pedersen", PageLayout())
    0.85
    >>> name_score("Saigon moment coming soon.", PageLayout())
    0.0
    """
    s = line.strip()
    if layout.name_suffix:
        s = re.sub(f"(?:{layout.name_suffix})$", "", s, flags=re.IGNORECASE).strip()
    if not s or len(s) > layout.name_max_chars or _URL_RE.search(s):
        return 0.0
    if layout.name_pattern is not None:
        return 0.85 if re.fullmatch(layout.name_pattern, s) else 0.0
    words = s.split()
    if len(words) > layout.name_max_words or s[-1] in layout.name_end_chars:
        return 0.0
    if not any(ch.isalpha() for ch in s):
        return 0.0
    if s.lower() in layout.anonymous_names:     # "[deleted]", "guest": a name line that names no one
        return 0.6
    if len(words) == 1 and not (s[0].isupper() or s[0] == "@"):
        # a user name of any case ("alice_99", "li.wei", "tptacek"): one token of letters, digits,
        # underscores, dots and hyphens. With a digit, an underscore or an inner dot it reads as a
        # name; a plain lower-case word ("yes", "bob") needs the page's support (repetition, layout)
        if not _HANDLE_RE.fullmatch(s):
            return 0.0
        return 0.55 if _HANDLE_MARK_RE.search(s) else 0.4
    core = [w for w in words if w.lower() not in _PARTICLES] or words
    capital = sum(1 for w in core if w[0].isupper() or w[0].isdigit() or w[0] == "@") / len(core)
    if layout.name_capitalised and capital < 1.0:
        return 0.0 if capital < 0.5 else 0.3
    score = 0.85 if len(words) >= 2 else 0.6
    if len(words) >= 2 and s.isupper() and len(s) > 12:  # shouting, not a name
        score -= 0.3
    return score


def _strip_name(line: str, layout: PageLayout) -> str:
    s = line.strip()
    if layout.name_suffix:
        s = re.sub(f"(?:{layout.name_suffix})$", "", s, flags=re.IGNORECASE).strip()
    return s


def _parse_time(line: str) -> datetime | None:
    plain = re.sub(r"\s+", " ", line.strip())
    s = re.sub(r"\s+", " ", line.strip().replace(".", ""))          # "9:15 a.m." -> "9:15 am"
    s = re.sub(r"\b([ap])m\b", lambda m: m.group(1).upper() + "M", s, flags=re.IGNORECASE)
    for candidate in (s, plain):                                   # dates written with dots: "03.05.2024"
        for fmt in _TIME_FORMATS:
            try:
                return datetime.strptime(candidate, fmt).replace(tzinfo=UTC)
            except ValueError:
                continue
    return None


@dataclass
class _Block:
    line: int          # 1-based line number of the first line
    lines: list[str]
    gap: int           # blank lines before it


@dataclass
class _Comment:
    line: int
    author: str | None
    paragraphs: list[str]
    confidence: float
    created_at: datetime | None = None
    image_only: bool = False


def _blocks(lines: list[tuple[int, str]]) -> list[_Block]:
    blocks: list[_Block] = []
    gap = 0
    for number, text in lines:
        if not text.strip():
            gap += 1
            continue
        if blocks and gap == 0:
            blocks[-1].lines.append(text)
        else:
            blocks.append(_Block(number, [text], gap))
        gap = 0
    return blocks


def _find_section(lines: list[str], layout: PageLayout) -> tuple[int, int, str, int | None]:
    """(index of the first comment line, index where the article ends, how it was found, reported count)."""
    if layout.comments_start_line is not None:
        start = max(0, layout.comments_start_line - 1)
        return start, start, f"line {layout.comments_start_line} (given)", None
    markers = _full(layout.section_markers)
    seen_text = 0
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        seen_text += 1
        if seen_text > 1 and markers is not None and len(s) <= 80 and markers.fullmatch(s):
            m = re.match(r"\s*(\d+)", s)
            return i + 1, i, f"marker {s!r} on line {i + 1}", int(m.group(1)) if m else None
    run = 0
    seen_text = 0
    for i, line in enumerate(lines):
        if line.strip():
            if run >= layout.section_gap and seen_text > 1:
                return i, i - run, f"{run} blank lines before line {i + 1}", None
            run = 0
            seen_text += 1
        else:
            run += 1
    return len(lines), len(lines), "no comment section found", None


@dataclass
class LayoutFindings:
    """What :func:`detect_layout` read from a page's comment section."""

    blank_after_name: bool | None = None              # set when the page shows it (None: left as given)
    user_names: frozenset[str] = frozenset()          # user-name lines ("alice_99", "bob") taken as names
    header_lines: frozenset[int] = frozenset()        # line numbers of "user 3 hours ago | reply" headers
    repeated_markers: dict[str, int] = field(default_factory=dict)   # short lines repeated between comments
    date_lines: dict[int, str] = field(default_factory=dict)          # line number -> a date line found by its shape
    name_lines: int = 0                               # name-like lines at the start of a block
    in_position: int = 0                              # ... of which followed by text as the layout says
    confidence: float = 1.0

    def describe(self) -> str:
        parts = [f"{self.in_position} of {self.name_lines} name-like line(s) in name position"]
        if self.blank_after_name is not None:
            parts.append("text " + ("after a blank line" if self.blank_after_name else "on the line after the name"))
        if self.user_names:
            parts.append(f"{len(self.user_names)} user name(s) of any case")
        if self.header_lines:
            parts.append(f"{len(self.header_lines)} header line(s) (name, time, links)")
        if self.date_lines:
            parts.append(f"{len(self.date_lines)} date line(s) found by their repeated shape")
        if self.repeated_markers:
            parts.append("repeated marker line(s) " + ", ".join(f"{k!r} x{v}" for k, v in sorted(self.repeated_markers.items())))
        return f"layout detected from the page: {'; '.join(parts)}; confidence {self.confidence:.2f}"


def _shape(line: str) -> str:
    """A line's shape: every run of digits ``9``, every run of letters ``a`` ("3. März 2021" -> "9. a 9")."""
    return re.sub(r"[^\W\d_]+", "a", re.sub(r"\d+", "9", line))


def _is_user_name(line: str, layout: PageLayout) -> bool:
    """A one-token user name that the name rules alone do not take (lower case: "bob", "alice_99")."""
    s = _strip_name(line, layout)
    return " " not in s and not s[:1].isupper() and s[:1] != "@" and 0 < name_score(s, layout) < 0.85


def detect_layout(kept: list[tuple[int, str]], layout: PageLayout) -> tuple[list[tuple[int, str]], LayoutFindings]:
    """Read the layout of a comment section from the page itself, by repetition and position.

    * short lines repeated at least 3 times, each time followed by the start of a comment (a name
      line) or the end of the page, are UI markers ("Svar", "Antworten", "reply"): dropped;
    * name-like lines (user names of any case included) at the start of blocks: when most of them
      open a block that holds the text on the next line, the text follows the name without a blank
      line (``blank_after_name`` False); when at least 3 different one-token user names stand in
      name position (followed by text), user names are names on this page;
    * the confidence is the share of name-like lines standing in name position.

    Returns the lines without the markers and the findings."""
    texts = [(n, line.strip()) for n, line in kept if line.strip()]
    # dates of a form the rules do not know ("03.03.2021 09:15", "3. März 2021 um 09:15"): short lines
    # of one shape (digits as 9, words as a) with at least four digits, repeated at least 3 times, each
    # right after a name line
    shapes = {t: _shape(t) for _, t in texts if len(t) <= 40 and sum(ch.isdigit() for ch in t) >= 4}
    shape_count = Counter(shapes.values())
    dates: dict[int, str] = {}
    if layout.detect:
        for shape, n in shape_count.items():
            if n < 3:
                continue
            at = [i for i, (_, t) in enumerate(texts) if shapes.get(t) == shape]
            if sum(1 for i in at if i > 0 and name_score(texts[i - 1][1], layout) >= 0.4) >= 0.8 * len(at):
                dates.update({texts[i][0]: texts[i][1] for i in at})
    if dates:
        kept = [(n, line) for n, line in kept if n not in dates]
        texts = [(n, t) for n, t in texts if n not in dates]
    count = Counter(t for _, t in texts)
    markers: dict[str, int] = {}
    for line, n in count.items():
        if (n < 3 or len(line) > 30 or len(line.split()) > 4 or line[-1] in layout.name_end_chars
                or name_score(line, layout) >= 0.85):
            continue
        at = [i for i, (_, t) in enumerate(texts) if t == line]
        # a marker closes a comment: text before it, the next comment's name (or the end) after it
        after = sum(1 for i in at if i + 1 == len(texts) or (texts[i + 1][1] != line and name_score(texts[i + 1][1], layout) >= 0.4))
        before = sum(1 for i in at if i > 0 and name_score(texts[i - 1][1], layout) < 0.4)
        if after >= 0.8 * len(at) and before >= 0.8 * len(at):
            markers[line] = n
    if markers:
        kept = [(n, line) for n, line in kept if line.strip() not in markers]
    blocks = _blocks(kept)
    single: list[str] = []      # name-like single-line blocks followed by a text block
    opening: list[str] = []     # name-like first lines of blocks whose next line is text
    total = 0
    for k, b in enumerate(blocks):
        first = b.lines[0]
        if name_score(first, layout) < 0.4:
            continue
        total += 1
        if len(b.lines) == 1:
            nxt = blocks[k + 1] if k + 1 < len(blocks) else None
            if nxt is not None and nxt.gap < layout.image_gap and name_score(nxt.lines[0], layout) < 0.4:
                single.append(first)
        elif name_score(b.lines[1], layout) < 0.4:
            opening.append(first)
    found = LayoutFindings(repeated_markers=markers, date_lines=dates)
    blank = layout.blank_after_name
    if blank and layout.detect and len(opening) >= 3 and len(opening) > 2 * len(single):
        blank = False
        found.blank_after_name = False
    elif layout.detect and len(single) >= 3 and len(single) > 2 * len(opening):
        found.blank_after_name = True
    in_position = single if blank else opening
    users = {_strip_name(line, layout) for line in in_position if _is_user_name(line, layout)}
    if layout.detect and layout.name_pattern is None and len(users) >= 3:
        found.user_names = frozenset(users)
    found.name_lines, found.in_position = total, len(in_position)
    found.confidence = round(len(in_position) / total, 2) if total else 1.0
    return kept, found


def _split_comments(blocks: list[_Block], layout: PageLayout, times: dict[int, datetime],
                    found: LayoutFindings | None = None) -> list[_Comment]:
    """Walk the comment section's blocks and cut them into comments (see :class:`PageLayout`).
    ``found`` (from :func:`detect_layout`) names the lines the page's layout shows to be names."""
    found = found or LayoutFindings()
    candidates = Counter(_strip_name(b.lines[0], layout) for b in blocks
                         if (len(b.lines) == 1 or not layout.blank_after_name) and name_score(b.lines[0], layout) > 0)
    comments: list[_Comment] = []
    awaiting: _Comment | None = None        # a name line whose text has not started yet
    for block in blocks:
        first = block.lines[0]
        score = name_score(first, layout)
        single = len(block.lines) == 1
        name = _strip_name(first, layout)
        if block.line in found.header_lines:
            score = 0.9
        elif score and name in found.user_names:
            score = max(score, 0.7)
        if score and candidates[name] >= 2 and (score >= 0.5 or not _is_user_name(first, layout) or name in found.user_names):
            score = min(1.0, score + 0.15)
        is_name = score >= layout.name_min_score and (single or not layout.blank_after_name)
        if awaiting is not None and layout.blank_after_name and block.gap < layout.image_gap:
            # the text of the comment whose name line came just before
            awaiting.paragraphs.append("\n".join(block.lines))
            if block.gap != 1:
                awaiting.confidence *= 0.85
            if is_name:
                awaiting.confidence *= 0.8
            awaiting = None
            continue
        if awaiting is not None:            # name line followed by a long gap: image-only
            awaiting.image_only = True
            awaiting.confidence *= 0.9
            awaiting = None
        if is_name:
            comment = _Comment(block.line, _strip_name(first, layout), [], score, times.get(block.line))
            comments.append(comment)
            if layout.blank_after_name:
                awaiting = comment
            elif block.lines[1:]:
                comment.paragraphs.append("\n".join(block.lines[1:]))
            else:
                comment.image_only = True
            continue
        if not comments or block.gap >= layout.anonymous_gap or comments[-1].image_only:
            confidence = 0.85 if block.gap == layout.anonymous_gap or not comments else 0.65
            if score:   # looked a bit like a name but was not taken for one
                confidence *= 0.8
            comments.append(_Comment(block.line, None, ["\n".join(block.lines)], confidence))
        else:
            comments[-1].paragraphs.append("\n".join(block.lines))
    if awaiting is not None:
        awaiting.image_only = True
        awaiting.confidence *= 0.9
    return comments


def _split_inline(lines: list[tuple[int, str]], layout: PageLayout, rx: re.Pattern[str]) -> list[_Comment]:
    """Comments whose first line starts with the author's name (``PageLayout.inline_name``)."""
    comments: list[_Comment] = []
    paragraph: list[str] = []

    def flush() -> None:
        if comments and paragraph:
            comments[-1].paragraphs.append("\n".join(paragraph))
        paragraph.clear()

    for number, line in lines:
        m = rx.match(line.strip())
        if m and "author" in rx.groupindex:
            flush()
            author = (m.group("author") or "").strip() or None
            first = (m.group("text") if "text" in rx.groupindex else line[m.end():]) or ""
            comments.append(_Comment(number, author, [], 0.85 if author else 0.6))
            if first.strip():
                paragraph.append(first.strip())
        elif not line.strip():
            flush()
        elif comments:
            paragraph.append(line)
        else:                       # text before the first name line: an anonymous comment
            comments.append(_Comment(number, None, [], 0.5))
            paragraph.append(line)
    flush()
    for c in comments:
        c.image_only = not c.paragraphs
    return comments


def _nest_by_levels(comments: list[_Comment], levels: dict[int, int]) -> tuple[dict[int, int | None], str | None]:
    """Parents from the depth lines a page prints above its comments ("level 1", "level 2", as new Reddit
    copies): each comment's depth is the last depth line between the previous comment and its own first
    line; its parent is the latest earlier comment one level up (level 1: the post). A comment without a
    depth line (a comment's text split in two, say) or whose depth skips a level has no parent from the
    page (the infer stage decides), and what follows keeps its place. Returns {position: parent position
    (None: the post)} and a note."""
    if not levels:
        return {}, None
    at = sorted(levels)
    out: dict[int, int | None] = {}
    stack: list[int | None] = []        # the open comment at each level (None: not known)
    previous = 0
    unplaced = 0
    for pos, c in enumerate(comments):
        k = bisect.bisect_left(at, c.line) - 1
        depth = levels[at[k]] if k >= 0 and at[k] > previous else 0
        previous = c.line
        if depth < 1:
            unplaced += 1
            continue
        del stack[depth - 1:]
        stack += [None] * (depth - 1 - len(stack))
        parent = stack[-1] if stack else None
        if depth == 1 or parent is not None:
            out[pos] = parent
        else:
            unplaced += 1
        stack.append(pos)
    note = f"nesting from {len(levels)} depth line(s) ('level N'): {len(out)} of {len(comments)} comments placed"
    return out, note + (f", {unplaced} left to inference (no depth line, or a level skipped)" if unplaced else "")


def _nest_by_header_links(comments: list[_Comment], links: dict[int, frozenset[str]]) -> tuple[dict[int, int | None], str | None]:
    """What Hacker News' header links tell of the nesting ("user 3 hours ago | root | parent | next [–]"):
    a comment without a "parent" link (but with "prev" or "next") answers the post; one with "parent" but
    no "root" link is one level down, so on a depth-first page it answers the latest earlier top-level
    comment. Deeper comments ("root") are left to the infer stage. Returns {position: parent position
    (None: the post)} and a note."""
    out: dict[int, int | None] = {}
    top: int | None = None
    deeper = 0
    for pos, c in enumerate(comments):
        words = links.get(c.line)
        if not words or not words & {"parent", "prev", "next", "root"}:
            top = None                       # a comment of unknown depth: what follows is not anchored
            continue
        if "parent" not in words:
            out[pos], top = None, pos
        elif "root" not in words and top is not None:
            out[pos] = top
        else:
            deeper += 1
    if not out:
        return out, None
    return out, (f"nesting from header links: {sum(p is None for p in out.values())} top-level comment(s), "
                 f"{sum(p is not None for p in out.values())} direct repl(y/ies) to them; {deeper} deeper left to inference")


def parse_flatpage(text: str, *, path: str | Path = "<text>", thread_id: str = "page", site: str = "web",
                   layout: PageLayout | None = None, given: Collection[str] = ()) -> ReadResult:
    """Parse a flat page's text into comments, the article as the thread's root post, and a quality report.

    Comments get ``parent_id`` null and ``parent_source = "none"`` (infer them with
    :func:`discourse.infer.infer_parents`), ``position`` in page order, and ``layout_confidence``.
    ``given``: the layout rules the user set (``ReadOptions.page_layout``'s keys); what the page's
    detected layout shows does not replace them.
    """
    layout = layout or PageLayout()
    fixed_blank = "blank_after_name" in given
    ignore = _full(layout.ignore_lines)
    stamp = _full(layout.timestamp_lines)
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").split("\n")
    raw = [line.rstrip() for line in raw]
    start, article_end, how, reported = _find_section(raw, layout)

    article = list(raw[:article_end])
    # the title: the first line that is not the site's menu bar ("Hacker News new | past | comments | ask")
    first = next((i for i, line in enumerate(article) if line.strip() and not _NAV_RE.fullmatch(line.strip())), None)
    title = article[first].strip() if first is not None else None
    body_blocks = _blocks(list(enumerate(article[first + 1:] if first is not None else [], start=1)))
    body = "\n\n".join("\n".join(b.lines) for b in body_blocks) or None

    kept: list[tuple[int, str]] = []
    times: dict[int, datetime] = {}
    dropped_markers = 0
    votes = 0
    headers: set[int] = set()
    levels: dict[int, int] = {}     # line number -> depth, from "level 2" lines
    header_links: dict[int, frozenset[str]] = {}    # header line number -> its links ("parent", "next")
    last_name_line: int | None = None
    for i in range(start, len(raw)):
        line = raw[i]
        s = line.strip()
        marker = s.strip(_DECORATION)     # "Reply • Share ›", "• 3 years ago"
        if s and layout.detect and not layout.inline_name and (level := _LEVEL_RE.fullmatch(s)):
            levels[i + 1] = int(level.group(1))
            continue
        # a bare "·" between a name and its time (new Reddit), a menu bar; a lone dash may part a comment's text
        if s and (not s.strip(" \t•·|") or (_NAV_RE.fullmatch(s) and not _HEADER_RE.fullmatch(s))):
            dropped_markers += 1
            continue
        if s and ignore is not None and (ignore.fullmatch(s) or (marker and ignore.fullmatch(marker))):
            dropped_markers += 1
            votes += bool(_VOTE_RE.fullmatch(marker or s))
            continue
        header = _HEADER_RE.fullmatch(s) if s and layout.detect and not layout.inline_name else None
        if header is not None and not header.group("author").isdigit():
            # "user 3 hours ago | parent | next [–]": the name line, its time kept when it is a date
            headers.add(i + 1)
            header_links[i + 1] = frozenset(re.findall(r"[a-z]+", s[header.end("when"):].lower()))
            kept.append((i + 1, header.group("author")))
            parsed = _parse_time(re.sub(r"^on\s+", "", header.group("when"), flags=re.IGNORECASE))
            if parsed is not None:
                times.setdefault(i + 1, parsed)
            last_name_line = None
            continue
        if s in ("OP", "Mod", "MOD", "Author") and last_name_line is not None:   # a badge right after the name
            dropped_markers += 1
            continue
        if s and stamp is not None and len(s) <= 60 and marker and stamp.fullmatch(marker):
            dropped_markers += 1
            if last_name_line is not None:
                parsed = _parse_time(marker)
                if parsed is not None:
                    times.setdefault(last_name_line, parsed)
            continue
        if s:
            last_name_line = i + 1 if name_score(s, layout) else None
        kept.append((i + 1, line))
    found: LayoutFindings | None = None
    if layout.inline_name:
        comments = _split_inline(kept, layout, re.compile(layout.inline_name))
    else:
        if layout.detect:
            kept, found = detect_layout(kept, layout)
            found.header_lines = frozenset(headers)
            dropped_markers += len(found.date_lines)
            lines_at = [n for n, line in kept if line.strip()]
            for number, when in found.date_lines.items():       # the time of the name line above it
                parsed = _parse_time(when)
                k = bisect.bisect_left(lines_at, number)
                if parsed is not None and k:
                    times.setdefault(lines_at[k - 1], parsed)
            if found.blank_after_name is False and not fixed_blank:
                layout = replace(layout, blank_after_name=False)
            dropped_markers += sum(found.repeated_markers.values())
        comments = _split_comments(_blocks(kept), layout, times, found)

    anonymous = {n.lower() for n in layout.anonymous_names}
    for c in comments:
        if c.author is not None and c.author.lower() in anonymous:
            c.author = None
    partial, level_note = _nest_by_levels(comments, levels)
    if not partial and header_links:
        partial, links_note = _nest_by_header_links(comments, header_links)
        level_note = "; ".join(n for n in (level_note, links_note) if n) or None
    rows = [{
        "site": site, "thread_id": thread_id, "comment_id": f"c{pos}", "parent_id": None,
        "author": c.author, "text": "" if c.image_only and not c.paragraphs else "\n\n".join(c.paragraphs),
        "created_at": c.created_at, "score": None, "position": pos, "parent_source": "none",
        "parent_confidence": 0.0, "layout_confidence": round(min(1.0, max(0.0, c.confidence)), 4),
        "page_line": c.line,
    } for pos, c in enumerate(comments)]
    for pos, parent in partial.items():
        rows[pos].update(parent_id=None if parent is None else f"c{parent}", parent_source="nesting", parent_confidence=1.0)
    frame = pl.DataFrame(rows, schema={**schema.COMMENTS, "layout_confidence": pl.Float64(), "page_line": pl.Int64()})
    comments_df = schema.conform(frame, schema.COMMENTS)
    threads = schema.conform(pl.DataFrame([{
        "site": site, "thread_id": thread_id, "title": title, "text": body, "author": None, "url": None,
        "created_at": None, "reported_comments": reported,
    }]), schema.THREADS)

    quality = QualityReport()
    quality.add_read(site, thread_id, len(rows))
    if reported is not None:
        quality.thread(site, thread_id).reported = reported
    named = [c for c in comments if c.author]
    confidences = [cast(float, r["layout_confidence"]) for r in rows]
    note = (f"flatpage: comment section from {how}; {len(rows)} comments "
            f"({len(named)} named by {len({c.author for c in named})} authors, {len(rows) - len(named)} anonymous, "
            f"{sum(c.image_only for c in comments)} image-only); {dropped_markers} marker/timestamp line(s) ignored; "
            f"layout confidence mean {sum(confidences) / len(confidences) if confidences else 0:.2f}, "
            f"{sum(c < 0.5 for c in confidences)} comment(s) below 0.5")
    notes = [note.replace("line(s) ignored;", f"line(s) ignored ({votes} vote count(s));") if votes else note]
    if found is not None:
        notes.append(found.describe())
    if level_note:
        notes.append(level_note)
    quality.files.append(FileQuality(str(path), "flatpage", records=len(rows), notes=notes))
    return ReadResult(comments_df, threads, quality)


def read(path: Path, options: ReadOptions) -> ReadResult:
    """Read one flat page (plain text) with the layout in ``options.page_layout``."""
    layout = PageLayout.from_options(options.page_layout, path)
    return parse_flatpage(read_text(path), path=path, thread_id=options.thread_id or Path(path).stem,
                          site=options.site or "web", layout=layout, given=tuple(options.page_layout))


_NOT_TEXT_SUFFIXES = {".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".xml", ".html", ".htm", ".xhtml",
                      ".parquet", ".zst", ".gz", ".zip", ".yml", ".yaml"}


def _sniff(path: Path, head_text: str) -> bool:
    """Plain prose in paragraphs: not JSON, XML/HTML or delimited text."""
    if path.is_dir() or path.suffix.lower() in _NOT_TEXT_SUFFIXES:
        return False
    stripped = head_text.lstrip()
    if not stripped or stripped[0] in "{[<" or "\x00" in head_text[:4096]:
        return False
    lines = [line for line in head_text.splitlines() if line.strip()][:8]
    if len(lines) < 3:
        return False
    for sep in (",", "\t", ";", "|"):
        counts = {line.count(sep) for line in lines[:5]}
        if (len(counts) == 1 and counts != {0} and sep != ",") or (sep == "," and len(counts) == 1
                                                                 and min(counts) >= 2):
            return False
    return "\n\n" in head_text.replace("\r\n", "\n")


register(Reader(
    name="flatpage",
    site="web",
    description="a flat comment page saved as plain text (article, then comments without nesting)",
    sniff=_sniff,
    read=read,
    priority=-50,
    suffixes=(".txt", ".text"),
))
