"""Test helper: a comment tree written out as the flat text page a scraper would have saved.

``flatten_tree`` walks the tree depth-first (each comment, then its replies in order, as a threaded page
shows them once its indentation is lost) and writes the conventions of the seed page, which
:mod:`discourse.io.flatpage` reads: a title and a body, two blank lines, then per comment its author's
name line, a blank line and its text (paragraphs separated by one blank line); an anonymous comment has
no name line and follows two blank lines; an image-only comment (text ``""``) is a name line with
nothing after it, and the next comment follows three blank lines.

``style`` writes what a browser copies of a site's page instead: ``"hackernews"`` (a header line
"user 3 hours ago | root | parent | next [–]" with the links Hacker News shows at that depth, the text,
a "reply" link) or ``"reddit"`` (new Reddit: "level N", the name ("[deleted]" when anonymous), "·", the
time, the text, the vote count and the action row). These keep part or all of the nesting.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

__all__ = ["depth_first", "depths", "flatten_tree"]


def depth_first(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The comments in depth-first page order. Each dict has ``id`` and ``parent`` (None: a reply to the
    post; a parent missing from the list is treated as None); siblings keep their order in the list."""
    ids = {c["id"] for c in comments}
    children: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for c in comments:
        children[c.get("parent") if c.get("parent") in ids else None].append(c)
    out: list[dict[str, Any]] = []
    stack = list(reversed(children[None]))
    while stack:                     # iterative: a thread may nest thousands deep
        c = stack.pop()
        out.append(c)
        stack.extend(reversed(children[c["id"]]))
    return out


def depths(comments: list[dict[str, Any]]) -> dict[Any, int]:
    """Each comment's depth (0: a reply to the post)."""
    ids = {c["id"] for c in comments}
    parent = {c["id"]: c.get("parent") if c.get("parent") in ids else None for c in comments}
    out: dict[Any, int] = {}
    for c in depth_first(comments):
        out[c["id"]] = 0 if parent[c["id"]] is None else out[parent[c["id"]]] + 1
    return out


def flatten_tree(comments: list[dict[str, Any]], title: str = "Title Of The Story",
                 body: str = "Body paragraph one.\n\nBody paragraph two.", style: str = "plain") -> str:
    """The flat text page of ``comments`` (dicts with ``id``, ``parent``, ``author`` (None: anonymous)
    and ``text``), depth-first."""
    if style != "plain":
        return _browser_copy(comments, title, body, style)
    out = [title, "", *body.split("\n"), "", ""]
    previous_image = False
    for k, c in enumerate(depth_first(comments)):
        author, text = c.get("author"), c.get("text") or ""
        if k:
            out += [""] * (3 if previous_image else 2 if author is None else 1)
        if author is not None:
            out.append(author)
            if text:
                out.append("")
        out += text.split("\n") if text else []
        previous_image = author is not None and not text
    return "\n".join(out) + "\n"


def _browser_copy(comments: list[dict[str, Any]], title: str, body: str, style: str) -> str:
    order = depth_first(comments)
    depth = depths(comments)
    if style == "hackernews":
        out = ["Hacker News new | past | comments | ask | show | jobs | submit\tlogin", " ", title,
               f"{len(order) * 3} points by poster 9 hours ago | hide | past | favorite | {len(order)} comments", "",
               *body.split("\n"), "", "add comment", ""]
        if any(c.get("author") is None for c in order):
            raise ValueError("style 'hackernews': every comment needs an author (the site has no anonymous comments)")
        for k, c in enumerate(order):
            d = depth[c["id"]]
            links = ["root"] * (d >= 2) + ["parent"] * (d >= 1) + ["prev"] * (k > 0) + ["next"]
            out += ["\t" * (d + 1), f"{c['author']} {k % 9 + 1} hours ago | {' | '.join(links)} [–]", "",
                    *(c.get("text") or "").split("\n"), "", "reply", ""]
        out += ["", "Guidelines | FAQ | Lists | API | Security | Legal | Apply to YC | Contact", "", "Search:"]
    elif style == "reddit":
        out = [title, "", *body.split("\n"), "", f"{len(order)} comments", "", "Sort by: best", ""]
        for k, c in enumerate(order):
            out += [f"level {depth[c['id']] + 1}", c.get("author") or "[deleted]", "·", f"{k % 9 + 1} hr. ago", "",
                    *(c.get("text") or "").split("\n"), "", str(k % 7 - 2), "Reply", "Share", "Report", "Save",
                    "Follow", ""]
    else:
        raise ValueError(f"style {style!r}: expected plain, hackernews or reddit")
    return "\n".join(out) + "\n"
