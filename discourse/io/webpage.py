"""Comment sections saved as HTML ("Save page as..."), read with the nesting the page has.

Layouts, tried in this order (the first that finds comments is used):

* ``wordpress``: ``ol.commentlist`` / ``ol.comment-list`` (``ul`` too) of ``li.comment`` items whose
  replies sit in a nested ``ul.children`` / ``ol.children``. The id is the number of ``li#comment-123``
  (``li#li-comment-123`` in older themes), the author ``.comment-author .fn`` ("Anonymous" is no
  name), the time ``time[datetime]`` (else the ``.comment-metadata`` link's text), the text
  ``.comment-content`` (else ``.comment-body`` without its header and "Reply" link). ``li.pingback``
  and ``li.trackback`` items are dropped with the reasons ``pingback`` / ``trackback``; a comment
  "awaiting moderation" is kept and flagged ``awaiting_moderation``.
* ``disqus``: the Disqus embed as a browser saves it (the iframe's document): ``#post-list`` of
  ``li.post#post-123`` with replies in ``ul.children``; author ``.post-byline .author``, text
  ``.post-message``, time the ``a.time-ago`` link's title. Deleted posts stay as placeholders (null
  author and text), counted as ``author_deleted`` / ``text_deleted`` repairs. Ids are Disqus post ids,
  as in the Disqus XML export.
* ``reddit``: new Reddit (``shreddit``) as saved: ``shreddit-comment`` elements stating ``thingid``,
  ``author`` and ``parentid`` (``t1_``: that comment, ``explicit``; else the enclosing comment), the text
  in ``[slot=comment]``; deleted and removed comments stay as placeholders (``text_deleted`` /
  ``text_removed``, ``author_deleted``). The thread is the ``shreddit-post``'s attributes.
* ``discourse``: a Discourse topic as a browser saves it: ``article[data-post-id]`` posts (in
  ``.topic-post``), the id the post number (``#post_3``), as the Discourse JSON reader uses; post 1 is the
  topic, not a comment. A post with a reply-to marker (``a.reply-to-tab``, naming the post or only its
  author) replies to that post (``explicit``; 0.9 when only the author is named and the latest earlier
  post by that author is taken). Discourse hides the marker when a post answers the one right above it,
  so a post without one answers either that post or the topic: its parent is left to the infer stage
  (``parent_source = "none"``). Discourse's no-script view (``div.crawler-post``) is read the same way.
* ``generic``: any page whose comments are repeated blocks: elements of one tag-and-class signature
  (classes that vary per item, such as ``depth-2`` or ``even``, ignored) repeated at least three times,
  holding text. The group is chosen by a score (how many blocks, how much text, whether names such as
  "comment" or "post" appear, whether an author can be found in each); nesting is DOM containment. Blocks
  that never hold one another are a flat list: nested by their indentation where they state different
  ones (``data-depth``, ``depth-2`` classes, a left margin), else (a forum) left to the infer stage
  (``parent_source = "none"``), except a block quoting a post by id (XenForo's ``data-source="post: N"``).
  Each comment's ``layout_confidence`` is the group's confidence, reported in the quality notes.

A page where none of these finds comments is read as flat text (its visible text through
:func:`discourse.io.flatpage.parse_flatpage`), and the notes say so: flat text stays the last resort.
Every comment item found is counted (``add_read``) and kept or dropped with a reason. A page cut short
(no ``</html>``) is an error naming the file, or with ``on_error="skip"`` read as far as it goes, noted.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import polars as pl
from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from bs4.exceptions import ParserRejectedMarkup

from discourse.errors import ParseError
from discourse.io._common import comments_frame, html_to_text, read_text, threads_frame
from discourse.io.flatpage import PageLayout, parse_flatpage
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["parse_structured", "parse_webpage", "read_webpage", "sniff_webpage"]

_ANONYMOUS = frozenset(n.lower() for n in PageLayout().anonymous_names)
_HTML_START = re.compile(r"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE | re.DOTALL)
_BAD_MARKED = re.compile(r"<!\[(?!CDATA\[)[^>]*>?")      # <![if !IE]> etc.: a bogus comment to a browser
_HTML_END = re.compile(r"</html\s*>", re.IGNORECASE)
_NUM = re.compile(r"(\d+)$")
_WHEN_FORMATS = (
    "%A, %B %d, %Y %I:%M %p", "%B %d, %Y at %I:%M %p", "%B %d, %Y at %H:%M", "%B %d, %Y %I:%M %p", "%b %d, %Y %I:%M %p",
    "%b %d, %Y at %I:%M %p", "%B %d, %Y", "%b %d, %Y", "%d %B %Y at %H:%M", "%d %B %Y %H:%M", "%d %B %Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%b %d, %Y %I:%M %p", "%d.%m.%Y %H:%M", "%d.%m.%Y, %H:%M",
    "%d.%m.%Y", "%d/%m/%Y %H:%M",
)
# classes that differ between items of one list (alternation, depth, state) and are ignored in signatures
_VARYING = re.compile(r".*\d.*|even|odd|alt|parent|first|last|active|selected|highlighted?|new|unread|open|closed"
                      r"|thread-(even|odd|alt)|by(user|postauthor)|(post|comment)-author-.*|depth-.*|is-.*|has-.*")
_CUE = re.compile(r"comment|reply|replies|post|message|msg|response|discussion|entry|review|note|thread", re.IGNORECASE)
_AUTHOR_CUE = re.compile(r"author|user|username|poster|commenter|byline|nick|(^|[-_])name($|[-_])|fn$|creator", re.IGNORECASE)
_TEXT_CUE = re.compile(r"content|body|text|message|cooked|entry|comment-text|post-text|(?<![\w-])md(?![\w-])", re.IGNORECASE)
_TIME_CUE = re.compile(r"date|time|when|ago|posted|published|stamp", re.IGNORECASE)
_SKIP_TAGS = ("script", "style", "noscript", "template", "svg", "textarea", "select", "iframe", "input", "button")


def _parse_when(value: str | None) -> str | None:
    """ISO-8601 text for a page's time (ISO, epoch milliseconds, or a written date), else None."""
    if not value:
        return None
    s = re.sub(r"\s+", " ", value.strip())
    if s.isdigit() and len(s) >= 12:               # Discourse's data-time: epoch milliseconds
        try:
            return datetime.fromtimestamp(int(s) / 1000, tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).isoformat()
    s = re.sub(r"\b([ap])\.?m\.?(?=\s|$)", lambda m: m.group(1).upper() + "M", s, flags=re.IGNORECASE)
    for fmt in _WHEN_FORMATS:
        try:
            return datetime.strptime(s, fmt).replace(tzinfo=UTC).isoformat()
        except ValueError:
            continue
    return None


def _classes(el: Tag) -> list[str]:
    value = el.get("class")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else str(value).split()


def _attr(el: Tag | None, name: str) -> str | None:
    if el is None:
        return None
    value = el.get(name)
    if value is None:
        return None
    return " ".join(value) if isinstance(value, list) else str(value)


def _text_of(el: Tag | None) -> str:
    return re.sub(r"\s+", " ", el.get_text(" ")).strip() if el is not None else ""


def _author_name(value: str | None) -> str | None:
    if not value:
        return None
    s = re.sub(r"\s+(says|said|wrote|writes):?$", "", re.sub(r"\s+", " ", value).strip(), flags=re.IGNORECASE)
    s = s.lstrip("@").strip()
    return None if not s or s.lower() in _ANONYMOUS else s


@dataclass
class _Item:
    """A comment found on the page."""

    el: Tag
    cid: str
    author: str | None = None
    text: str | None = ""
    created_at: str | None = None
    parent: str | None = None
    parent_source: str = "nesting"
    confidence: float = 1.0
    drop: str | None = None                 # a reason to drop it (pingback, trackback)
    repairs: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


class _Page:
    """The parsed document and the comment elements found on it."""

    def __init__(self, soup: BeautifulSoup) -> None:
        self.soup = soup
        self.post_id: str | None = None     # the thread's id where the comments name it (new Reddit's postid)
        self.notes: list[str] = []          # what a layout found worth saying in the quality notes

    def nest(self, items: list[_Item]) -> None:
        """Give each item its parent by DOM containment (the nearest enclosing item), then lift every
        item out of the page: each becomes a small tree of its own content, without its replies, so
        that looking inside one costs its own size however deep the nesting is."""
        members = {id(it.el): it for it in items}
        for it in items:
            up = next((members[id(anc)] for anc in it.el.parents if id(anc) in members), None)
            it.parent = up.cid if up is not None else None
        for it in items:
            it.el.extract()

    @staticmethod
    def own(item: _Item, selector: str) -> list[Tag]:
        """The elements of ``item`` (lifted out by :meth:`nest`) matching ``selector``."""
        return list(item.el.select(selector))

    @staticmethod
    def own_first(item: _Item, selector: str) -> Tag | None:
        return item.el.select_one(selector)

    @staticmethod
    def body_text(item: _Item, remove: str) -> str:
        """The item's text without the parts ``remove`` selects."""
        clone = copy.copy(item.el)
        if remove:
            for el in clone.select(remove):
                el.decompose()
        return html_to_text(clone.decode_contents()) or ""


def _unique(ids: Iterable[str | None], items: list[_Item]) -> None:
    """Ids from the page where it gives them (else the item's position); repeated ids made unique."""
    seen: Counter[str] = Counter()
    for pos, (cid, it) in enumerate(zip(ids, items)):
        base = cid or f"c{pos}"
        seen[base] += 1
        it.cid = base if seen[base] == 1 else f"{base}~{seen[base]}"


# -- WordPress ------------------------------------------------------------------------------------
_WP_LISTS = "ol.commentlist, ul.commentlist, ol.comment-list, ul.comment-list"
_WP_ITEMS = "li.comment, li.pingback, li.trackback, li[id^=comment-], li[id^=li-comment-]"
_WP_HEADER = (".comment-author, .comment-meta, .comment-metadata, .commentmetadata, .reply, .comment-reply-link, "
              ".comment-awaiting-moderation, .says, footer, .comment-edit-link")


def _wordpress(page: _Page) -> list[_Item] | None:
    lists = page.soup.select(_WP_LISTS)
    if not lists:
        return None
    els: list[Tag] = []
    seen: set[int] = set()
    for lst in lists:
        for el in lst.select(_WP_ITEMS):
            if id(el) not in seen:
                seen.add(id(el))
                els.append(el)
    if not els:
        return None
    items = [_Item(el, "") for el in els]
    ids = []
    for el in els:
        m = re.fullmatch(r"(?:li-)?comment-(\d+)", _attr(el, "id") or "")
        inner = None if m else el.select_one("[id^=comment-], [id^=div-comment-]")
        m = m or (re.search(r"(\d+)$", _attr(inner, "id") or "") if inner is not None else None)
        ids.append(m.group(1) if m else None)
    _unique(ids, items)
    page.nest(items)
    for it in items:
        kinds = set(_classes(it.el))
        if "pingback" in kinds or "trackback" in kinds:
            it.drop = "pingback" if "pingback" in kinds else "trackback"
            continue
        fn = page.own_first(it, ".comment-author .fn, .comment-author cite, .comment-author")
        it.author = _author_name(_text_of(fn))
        when = page.own_first(it, "time[datetime]")
        it.created_at = _parse_when(_attr(when, "datetime")) if when is not None else None
        if it.created_at is None:
            meta = page.own_first(it, ".comment-metadata a, .comment-meta a, .commentmetadata a")
            it.created_at = _parse_when(_text_of(meta))
        content = page.own_first(it, ".comment-content, .comment-text")
        if content is not None:
            it.text = html_to_text(content.decode_contents()) or ""
        else:
            body = page.own_first(it, ".comment-body")
            it.text = page.body_text(it if body is None else _Item(body, it.cid), _WP_HEADER)
        if page.own_first(it, ".comment-awaiting-moderation") is not None:
            it.flags.append("awaiting_moderation")
    return items


# -- Disqus (the embed's saved document) ----------------------------------------------------------
def _disqus(page: _Page) -> list[_Item] | None:
    root = page.soup.select_one("#post-list, ul.post-list")
    els = root.select("li.post") if root is not None else []
    if not els:
        return None
    items = [_Item(el, "") for el in els]
    _unique([(m.group(1) if (m := re.fullmatch(r"post-(\d+)", _attr(el, "id") or "")) else None) for el in els], items)
    page.nest(items)
    for it in items:
        message = page.own_first(it, ".post-message")
        deleted = "deleted" in _classes(it.el) or page.own_first(it, ".post-content.deleted, .deleted") is not None
        if deleted or message is None:
            it.author, it.text = None, None
            it.repairs += ["author_deleted", "text_deleted"]
            continue
        author = page.own_first(it, ".post-byline .author a, .post-byline .author")
        it.author = _author_name(_text_of(author))
        link = page.own_first(it, "a.time-ago, .post-meta time, time[datetime]")
        it.created_at = _parse_when(_attr(link, "datetime") or _attr(link, "title") or _attr(link, "data-timestamp"))
        it.text = html_to_text(message.decode_contents()) or ""
    return items


# -- new Reddit (shreddit, 2023-) as saved ---------------------------------------------------------
_REDDIT_GONE = {"[deleted]": "text_deleted", "comment deleted by user": "text_deleted", "[removed]": "text_removed",
                "comment removed by moderator": "text_removed"}


def _reddit(page: _Page) -> list[_Item] | None:
    els = page.soup.select("shreddit-comment")
    if not els:
        return None
    items = [_Item(el, "") for el in els]
    _unique([re.sub(r"^t1_", "", _attr(el, "thingid") or "") or None for el in els], items)
    stated = [_attr(el, "parentid") for el in els]
    page.post_id = next((re.sub(r"^t3_", "", v) for el in els if (v := _attr(el, "postid"))), None)
    page.nest(items)
    for it, parent in zip(items, stated):
        # the parent the element states (t1_: a comment, t3_: the post) over the nesting
        if parent and parent.startswith("t1_"):
            it.parent, it.parent_source = parent[3:], "explicit"
        elif parent and parent.startswith("t3_"):
            it.parent, it.parent_source = None, "explicit"
        it.author = _author_name(_attr(it.el, "author"))
        when = page.own_first(it, "faceplate-timeago[ts], time[datetime]")
        it.created_at = _parse_when(_attr(it.el, "created") or _attr(it.el, "created-timestamp")
                                    or _attr(when, "ts") or _attr(when, "datetime"))
        body = page.own_first(it, "[slot=comment], div[id$=-comment-rtjson-content], .md")
        text = html_to_text(body.decode_contents()) if body is not None else None
        gone = _REDDIT_GONE.get((text or "").strip().lower()) if text is not None else "text_deleted"
        it.text = None if gone else text
        if gone:
            it.repairs.append(gone)
        if it.author is None and (_attr(it.el, "author") or "").lower() == "[deleted]":
            it.repairs.append("author_deleted")
    return items


# -- Discourse (a topic page as saved) ------------------------------------------------------------
def _discourse(page: _Page) -> tuple[list[_Item], _Item | None] | None:
    els = page.soup.select("article[data-post-id]")
    crawler = False
    if not els:
        els = page.soup.select("div.crawler-post, [itemtype$='DiscussionForumPosting'][id^=post_]")
        crawler = True
    if not els:
        return None
    items = [_Item(el, "", parent_source="none", confidence=0.0) for el in els]
    numbers = []
    for el in els:
        m = re.fullmatch(r"post_(\d+)", _attr(el, "id") or "")
        pos = el.select_one("meta[itemprop=position]")
        numbers.append(m.group(1) if m else (_attr(pos, "content") or _attr(el, "data-post-number")))
    _unique(numbers, items)
    by_author: dict[str, str] = {}
    root: _Item | None = None
    kept: list[_Item] = []
    for it in items:
        el = it.el
        name = el.select_one(".names .username a, .names .first a, .creator [itemprop=name], [itemprop=author] [itemprop=name],"
                             " .username a, [data-user-card]")
        it.author = _author_name(_attr(name, "data-user-card") or _text_of(name))
        when = el.select_one(".post-date [data-time], .relative-date[data-time], time[datetime], [itemprop=datePublished]")
        it.created_at = _parse_when(_attr(when, "data-time") or _attr(when, "datetime") or _attr(when, "content"))
        cooked = el.select_one(".cooked, [itemprop=text], .post")
        classes = set(_classes(el))
        if "deleted" in classes or (cooked is None and not crawler):
            it.author, it.text = None, None
            it.repairs += ["author_deleted", "text_deleted"]
        else:
            it.text = html_to_text(cooked.decode_contents()) if cooked is not None else ""
        if it.cid == "1":
            root = it
            continue
        tab = el.select_one(".reply-to-tab, [data-reply-to-post-number]")
        if tab is not None:
            label = " ".join(filter(None, (_attr(tab, "data-reply-to-post-number"), _attr(tab, "aria-label"),
                                          _attr(tab, "title"), _attr(tab, "href"))))
            m = re.search(r"(?:^|post\s*#?\s*|#post_|/)(\d+)\b(?!.*\d)", label)
            if m:
                it.parent, it.parent_source, it.confidence = m.group(1), "explicit", 1.0
            else:
                who = _author_name(_text_of(tab.select_one("span") or tab))
                target = by_author.get(who or "")
                if target is not None:
                    it.parent, it.parent_source, it.confidence = target, "explicit", 0.9
        if it.parent == "1":
            it.parent = None
        if it.author:
            by_author[it.author] = it.cid
        kept.append(it)
    return kept, root


# -- generic: repeated blocks ---------------------------------------------------------------------
def _stable_classes(el: Tag) -> list[str]:
    return sorted(c for c in _classes(el) if not _VARYING.fullmatch(c.lower()))


def _generic(page: _Page) -> tuple[list[_Item], float, str] | None:
    body = page.soup.body or page.soup
    # an element joins one group per stable class it has: nested replies often carry an extra class
    # ("msg-card msg-nested"), and the class they share is what makes them one kind of block
    groups: dict[tuple[str, str], list[Tag]] = defaultdict(list)
    for el in body.find_all(["div", "li", "article", "section", "tr", "dd", "blockquote"]):
        if any(p.name in ("nav", "header", "footer", "aside", "menu") for p in el.parents):
            continue
        for c in _stable_classes(el):
            groups[(el.name, c)].append(el)
    best: tuple[float, tuple[str, str], list[Tag]] | None = None
    scored: list[tuple[float, tuple[str, str], list[Tag]]] = []
    for sig, els in sorted(groups.items()):
        if len(els) < 3:
            continue
        lengths = sorted(len(_text_of(el)) for el in els)
        median = lengths[len(lengths) // 2]
        if median < 15:
            continue
        cue = 1.0 if _CUE.search(sig[1]) else 0.4
        authors = sum(1 for el in els[:50] if _first_name(el.select(_AUTHOR_SELECTOR, limit=3)) is not None) / min(len(els), 50)
        score = len(els) ** 0.5 * min(median, 400) ** 0.5 * cue * (0.5 + authors)
        scored.append((score, sig, els))
        if best is None or score > best[0]:
            best = (score, sig, els)
    if best is None:
        return None
    top, sig, els = best
    # of blocks that wrap one another one to one (li.comment around its div.comment-body), the outer
    # one holds the nesting
    for score, other_sig, others in scored:
        if (len(others) == len(els) and score >= 0.8 * top and other_sig != sig
                and all(any(d is inner for d in outer.descendants) for inner, outer in zip(els[:5], others[:5]))):
            sig, els = other_sig, others
            break
    items = [_Item(el, "") for el in els]
    ids = [_block_id(_attr(el, "data-id") or _attr(el, "id")) for el in els]
    _unique(ids, items)
    page.nest(items)
    quoted = [_quoted_post(it.el) for it in items]        # each block's own quote, not a nested reply's
    # blocks that never hold one another are a flat list (a forum, a non-threaded blog): where each one
    # answers is for the infer stage, unless the block quotes a post it names (XenForo's
    # blockquote[data-source="post: 1001"])
    flat = all(it.parent is None for it in items)
    indented = _nest_by_indent(items, els) if flat else 0
    known = {it.cid for it in items}
    for it, q in zip(items, quoted):
        if q is not None and q in known and q != it.cid:
            it.parent, it.parent_source = q, "quote"
        elif flat and not indented:
            it.parent_source = "none"
    if indented:
        page.notes.append(f"generic layout: nesting from the blocks' indentation ({indented} of {len(items)} placed)")
    found_author = 0
    for it in items:
        # the name: the block's data-author, else an element named for a name (".username"), else any
        # element whose class mentions the author or user (a wrapper such as ".message-userDetails" also
        # holds the user's title, so it comes last)
        author_el = _first_name_element(page.own(it, _NAME_SELECTOR)) or _first_name_element(page.own(it, _AUTHOR_SELECTOR))
        stated = _attr(it.el, "data-author")
        it.author = _author_name(stated or (_text_of(author_el) if author_el is not None else None))
        found_author += it.author is not None
        when = page.own_first(it, "time[datetime]")
        it.created_at = _parse_when(_attr(when, "datetime")) if when is not None else None
        if it.created_at is None:       # a written date in an element whose class says date/time/stamp
            stamps = [el for el in page.own(it, "span, div, a, small, p") if _TIME_CUE.search(" ".join(_classes(el)))]
            it.created_at = next((t for el in stamps if (t := _parse_when(_text_of(el))) is not None), None)
        # the text: an element whose class says so, not the one holding the author (a wrapper of the
        # whole comment, such as old Reddit's div.entry around the tagline and the text)
        texts = [el for el in page.own(it, "div, p, section, blockquote, article")
                 if _TEXT_CUE.search(" ".join(_classes(el))) and not _AUTHOR_CUE.search(" ".join(_classes(el)))
                 and (author_el is None or not any(d is author_el for d in el.descendants))]
        # a class that says body or content beats one that says only "message" (".message-cell" holds the
        # header and the action bar too)
        texts = [el for el in texts if _STRONG_TEXT_CUE.search(" ".join(_classes(el)))] or texts
        if texts:
            main = max(texts, key=lambda el: len(_text_of(el)))
            it.text = page.body_text(_Item(main, it.cid), "")
        else:
            remove = ", ".join(s for s in (_AUTHOR_SELECTOR, "time", "[class*=reply]", "[class*=meta]") if s)
            it.text = page.body_text(it, remove)
    cue = 1.0 if _CUE.search(sig[1]) else 0.6
    confidence = round(min(1.0, 0.35 + 0.1 * min(len(items), 5)) * cue * (0.6 + 0.4 * found_author / len(items)), 3)
    for it in items:
        it.confidence = confidence
    return items, confidence, f"{sig[0]}.{sig[1]}"


def _block_id(value: str | None) -> str | None:
    """A repeated block's id: the longest part of its element id holding a digit ("m-30001" -> "30001",
    old Reddit's "thing_t1_k3j9x2" -> "k3j9x2", wpDiscuz's "wpd-comm-123_0" (comment 123, parent 0) ->
    "123"), else None (its position is used)."""
    parts = [p for p in re.split(r"[-_:.]", (value or "").strip()) if p.isalnum() and any(ch.isdigit() for ch in p)]
    return max(parts, key=len) if parts else None     # ties: the first ("502_501": 502)


_DEPTH_CLASS = re.compile(r"(?:depth|level|indent|lvl|nest(?:ed|ing)?)[-_]?(\d{1,2})", re.IGNORECASE)
_DEPTH_STYLE = re.compile(r"(?:margin|padding)-left\s*:\s*(\d+(?:\.\d+)?)\s*(?:px|em|rem)", re.IGNORECASE)


def _depth_of(el: Tag) -> float | None:
    """A block's indentation as the page states it: a ``data-depth`` / ``depth`` / ``data-level`` value,
    a class such as ``depth-2`` / ``comment-level-3`` / ``indent-1``, or a left margin in its style."""
    for name in ("data-depth", "depth", "data-level", "data-indent"):
        value = _attr(el, name)
        if value is not None and value.strip().isdigit():
            return float(value)
    for c in _classes(el):
        if m := _DEPTH_CLASS.search(c):
            return float(m.group(1))
    if m := _DEPTH_STYLE.search(_attr(el, "style") or ""):
        return float(m.group(1))
    return None


def _nest_by_indent(items: list[_Item], els: list[Tag]) -> int:
    """Parents of a flat list of blocks from their indentation (each block answers the latest earlier one
    a level up), when every block states one and they differ; levels are the distinct values in order.
    A block whose level skips one is left to inference. Returns how many were placed (0: not used)."""
    depths = [_depth_of(el) for el in els]
    if any(d is None for d in depths) or len(set(depths)) < 2:
        return 0
    rank = {v: k + 1 for k, v in enumerate(sorted({d for d in depths if d is not None}))}
    stack: list[str | None] = []
    placed = 0
    for it, d in zip(items, depths):
        level = rank[d] if d is not None else 1
        del stack[level - 1:]
        stack += [None] * (level - 1 - len(stack))
        parent = stack[-1] if stack else None
        if level == 1 or parent is not None:
            it.parent, it.parent_source = parent, "nesting"
            placed += 1
        else:
            it.parent_source = "none"
        stack.append(it.cid)
    return placed


def _quoted_post(el: Tag) -> str | None:
    """The post a block quotes by id (XenForo: ``blockquote[data-source="post: 1001"]``), if any."""
    q = el.select_one("blockquote[data-source^='post']")
    m = re.search(r"(\d+)\s*$", _attr(q, "data-source") or "") if q is not None else None
    return m.group(1) if m else None


_NAME_SELECTOR = ("[itemprop=author] [itemprop=name], .username, .user-name, .author-name, .comment-author .fn, .fn, .commenter, "
                  "a[rel=author], .author, .byline .name")
_STRONG_TEXT_CUE = re.compile(r"content|body|text|cooked|bbwrapper|(?<![\w-])md(?![\w-])", re.IGNORECASE)
_AUTHOR_SELECTOR = ("[itemprop=author], [rel=author], [class*=author], [class*=user], [class*=poster], [class*=byline], "
                    "[class*=commenter], "
                    "[class*=nick], [class*=member], .fn, .name")


def _first_name_element(candidates: list[Tag]) -> Tag | None:
    """The first candidate author element whose text can be a name (short, one line)."""
    for el in candidates:
        if 0 < len(_text_of(el)) <= 40:
            return el
    return None


def _first_name(candidates: list[Tag]) -> str | None:
    """The first candidate author element's text that can be a name."""
    el = _first_name_element(candidates)
    return _text_of(el) if el is not None else None


# -- the page -------------------------------------------------------------------------------------
def _soup(text: str, path: str) -> BeautifulSoup:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return BeautifulSoup(_BAD_MARKED.sub("", text), "html.parser")
    except (ParserRejectedMarkup, AssertionError) as err:
        raise ParseError(path, None, f"HTML the parser cannot read ({err}); expected a saved web page") from err


_BLOCKS = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section", "header", "footer",
           "blockquote", "pre", "table", "tr", "dl", "dt", "dd", "aside", "main", "nav", "figure", "figcaption")


def _visible_text(root: Tag) -> str:
    """The page's text as a reader sees it, for the flat-page reader: white space collapsed as a browser
    collapses it, each block (paragraph, heading, list item) a paragraph of its own, ``<br>`` a line break."""
    parts: list[str] = []
    for node in root.descendants:
        if isinstance(node, Tag):
            if node.name == "br":
                parts.append("\n")
            elif node.name in _BLOCKS:
                parts.append("\n\n")
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            parts.append(re.sub(r"\s+", " ", str(node)))
    text = re.sub(r" *\n *", "\n", "".join(parts))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _meta(soup: Tag, *selectors: str, text: bool = False) -> str | None:
    """The first value found: a ``<meta>``'s content, a ``<time>``'s datetime, a link's address, or
    (``text=True``, or none of those) the element's text."""
    for sel in selectors:
        el = soup.select_one(sel)
        if el is None:
            continue
        value = _text_of(el) if text else (_attr(el, "content") or _attr(el, "datetime") or _attr(el, "href") or _text_of(el))
        if value:
            return value.strip()
    return None


def _thread_row(soup: BeautifulSoup, site: str, tid: str, root: _Item | None, saved: dict[str, str],
                reported: int | None) -> dict[str, Any]:
    head = soup.head or soup        # <meta>, <link> and <title> are looked up in the head only
    title = (_meta(head, "meta[property='og:title']") or _meta(soup, "h1.entry-title, #topic-title h1")
             or _meta(soup, "h1") or _meta(head, "title"))
    article = soup.select_one(".entry-content, article .post-content, [itemprop=articleBody]")
    text = _visible_text(article).strip() if article is not None else None
    if title == "Disqus Comments":          # the embed's own title, not the page's
        title = None
    post = soup.select_one("shreddit-post")     # new Reddit states its post in attributes
    if post is not None and root is None:
        body = post.select_one("[slot=text-body]")
        return {
            "site": site, "thread_id": tid, "title": _attr(post, "post-title") or title, "reported_comments": reported,
            "text": (html_to_text(body.decode_contents()) or None) if body is not None else None,
            "author": _author_name(_attr(post, "author")),
            "url": _meta(head, "link[rel=canonical], meta[property='og:url']"),
            "created_at": _parse_when(_attr(post, "created-timestamp")),
        }
    return {
        "site": site, "thread_id": tid, "title": title, "reported_comments": reported,
        "text": root.text if root is not None else (text or None),
        "author": root.author if root is not None else _author_name(
            _meta(soup, ".entry-meta .author .fn, .byline .author, article a[rel=author]", text=True)
            or _meta(head, "meta[name=author]")),
        "url": _meta(head, "link[rel=canonical], meta[property='og:url']") or saved.get("t_u"),
        "created_at": root.created_at if root is not None else _parse_when(
            _meta(head, "meta[property='article:published_time']") or _meta(soup, "time.entry-date, article time[datetime]")),
    }


def _saved_from(text: str) -> dict[str, str]:
    """The query parameters of the address in the browser's "saved from url" comment at the top of a
    saved page (for the Disqus embed: ``t_i``, the thread identifier, and ``t_u``, the page's address)."""
    m = re.search(r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", text[:4096])
    if not m:
        return {}
    return {k: v[0].strip() for k, v in parse_qs(urlsplit(m.group(1)).query).items() if v and v[0].strip()}


def _reported(soup: BeautifulSoup) -> int | None:
    """The comment count the page states ("6 comments on ...", "5 Comments")."""
    post = soup.select_one("shreddit-post[comment-count]")
    if post is not None and (count := _attr(post, "comment-count") or "").isdigit():
        return int(count)
    el = soup.select_one(".comments-title, #comments-title, .comment-count, .comments-count")
    m = re.match(r"\s*(\d[\d,]*)\s+(comments?|responses?|replies|thoughts?)", _text_of(el), re.IGNORECASE) if el else None
    return int(m.group(1).replace(",", "")) if m else None


def _thread_id(soup: BeautifulSoup, layout: str, fallback: str, saved: dict[str, str], page_post_id: str | None = None) -> str:
    if layout == "wordpress":
        body = soup.body
        for c in _classes(body) if body is not None else []:
            if m := re.fullmatch(r"postid-(\d+)", c):
                return m.group(1)
        art = soup.select_one("article[id^=post-]")
        if art is not None and (m := re.fullmatch(r"post-(\d+)", _attr(art, "id") or "")):
            return m.group(1)
    if layout == "discourse":
        el = soup.select_one("[data-topic-id]")
        if el is not None and (value := _attr(el, "data-topic-id")):
            return value
    if layout == "disqus":
        return saved.get("t_i") or fallback
    if layout == "reddit" and page_post_id:
        return page_post_id
    return fallback


def parse_webpage(text: str, *, path: str | Path = "<html>", thread_id: str | None = None, site: str | None = None,
                  on_error: str = "raise", page_layout: dict[str, Any] | None = None) -> ReadResult:
    """Parse a saved page's HTML into the canonical tables (see the module's docstring)."""
    result = parse_structured(text, path=path, thread_id=thread_id, site=site, on_error=on_error,
                              page_layout=page_layout, flat=True)
    assert result is not None  # with flat=True a page without comment structure is read as flat text
    return result


def parse_structured(text: str, *, path: str | Path = "<html>", thread_id: str | None = None, site: str | None = None,
                     on_error: str = "raise", page_layout: dict[str, Any] | None = None,
                     flat: bool = False) -> ReadResult | None:
    """:func:`parse_webpage`, but None for a page with no comment structure unless ``flat`` (then its
    visible text is read as a flat page): a saved page with frames tries each document in turn."""
    spath = str(path)
    notes: list[str] = []
    if not _HTML_END.search(text[-4096:] if len(text) > 4096 else text):
        if on_error != "skip":
            raise ParseError(spath, None, "the page ends before </html> (a saved page cut short?); "
                                          "use --on-error skip to read what is there")
        notes.append("the page ends before </html> (cut short?): read as far as it goes")
    soup = _soup(text, spath)
    framed = soup.select_one("iframe[src*='disqus.com/embed'], #disqus_thread iframe, #disqus_thread:empty") is not None
    # a form with a text box is the page's reply or comment form: gone; other forms are kept, unwrapped
    # (old Reddit holds each comment's text in a <form class="usertext">)
    for el in soup.find_all("form"):
        if el.find(["textarea", "select"]) is not None or el.select_one("input[type=text], input[type=email], input:not([type])"):
            el.decompose()
        else:
            el.unwrap()
    for el in soup.find_all(list(_SKIP_TAGS)):
        el.decompose()
    page = _Page(soup)
    fallback_id = thread_id or Path(spath).stem
    root: _Item | None = None
    confidence = 1.0
    items: list[_Item] | None = None
    layout = ""
    if (found := _wordpress(page)) is not None:
        items, layout = found, "wordpress"
    elif (found := _disqus(page)) is not None:
        items, layout = found, "disqus"
    elif (found := _reddit(page)) is not None:
        items, layout = found, "reddit"
    elif (disc := _discourse(page)) is not None:
        (items, root), layout = disc, "discourse"
    elif (gen := _generic(page)) is not None:
        items, confidence, sig = gen
        layout = "generic"
        notes.append(f"generic layout: {len(items)} repeated blocks <{sig}>, confidence {confidence:.2f}")
        notes += page.notes
        if confidence < 0.3:
            items = None
    if items is None:
        if not flat:
            return None
        flat_result = parse_flatpage(_visible_text(soup.body or soup), path=path,
                              thread_id=fallback_id, site=site or "web", layout=PageLayout.from_options(page_layout, path),
                              given=tuple(page_layout or ()))
        for fq in flat_result.quality.files:
            fq.format = "webpage"
            fq.notes.insert(0, "no comment structure found in the HTML: read as a flat page (its visible text)")
            if framed:
                fq.notes.insert(1, "the page shows its Disqus comments in a frame, which a browser saves as a file of "
                                   "its own (in the page's _files folder); read that file for the comments")
            fq.notes[1:1] = notes
        return flat_result
    site = site or {"wordpress": "wordpress", "disqus": "disqus", "discourse": "discourse", "reddit": "reddit"}.get(layout, "web")
    # every comment is read: take them out of the page (the nesting layouts have already), so that
    # looking up the page's own parts (title, article, stated count) walks the rest only
    for it in [*items, *([root] if root is not None else [])]:
        it.el.extract()
    saved = _saved_from(text)
    tid = thread_id or _thread_id(soup, layout, fallback_id, saved, page.post_id)
    reported = _reported(soup)
    quality = QualityReport()
    rows: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    if root is not None:
        notes.append(f"post {root.cid} is the topic itself (the thread's text), not a comment")
    quality.add_read(site, tid, len(items))
    quality.thread(site, tid).reported = reported
    for it in items:
        if it.drop:
            quality.drop(site, tid, it.drop)
            counts[it.drop] += 1
            continue
        for r in it.repairs:
            quality.repair(site, tid, r)
        for f in it.flags:
            quality.flag(site, tid, f)
        counts[it.parent_source] += 1
        rows.append({
            "site": site, "thread_id": tid, "comment_id": it.cid, "parent_id": it.parent,
            "author": it.author, "text": it.text, "created_at": it.created_at,
            "parent_source": it.parent_source, "parent_confidence": it.confidence if it.parent_source != "none" else 0.0,
            "layout_confidence": confidence,
        })
    named = {r["author"] for r in rows if r["author"]}
    notes.insert(0, f"webpage: {layout} layout; {len(items)} comment item(s), {len(rows)} kept "
                    f"({len(named)} named author(s), {sum(r['author'] is None for r in rows)} without a name); "
                    + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    quality.files.append(FileQuality(spath, "webpage", records=len(items), notes=notes))
    comments = comments_frame([{k: v for k, v in r.items() if k != "layout_confidence"} for r in rows])
    if rows:
        comments = comments.with_columns(layout_confidence=pl.lit(confidence, pl.Float64))
    return ReadResult(comments, threads_frame([_thread_row(soup, site, tid, root, saved, reported)]), quality)


def read_webpage(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read one saved web page (.html)."""
    options = options or ReadOptions()
    return parse_webpage(read_text(path), path=path, thread_id=options.thread_id, site=options.site,
                         on_error=options.on_error, page_layout=options.page_layout)


def sniff_webpage(path: Path, head: str) -> bool:
    """An HTML document (a doctype, or an ``<html>``, ``<head>`` or ``<body>`` start)."""
    return not path.is_dir() and bool(_HTML_START.match(head[:8192]))


READER = register(Reader(
    name="webpage", site="web",
    description="a comment section saved as HTML (WordPress, Disqus or Discourse pages, or repeated comment blocks)",
    sniff=sniff_webpage, read=read_webpage, priority=20, suffixes=(".html", ".htm", ".xhtml"),
))
