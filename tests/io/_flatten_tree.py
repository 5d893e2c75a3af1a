"""Test helper: a comment tree written out as the flat text page a scraper would have saved.

``flatten_tree`` walks the tree depth-first (each comment, then its replies in order, as a threaded page
shows them once its indentation is lost) and writes the conventions of the seed page, which
:mod:`discourse.io.flatpage` reads: a title and a body, two blank lines, then per comment its author's
name line, a blank line and its text (paragraphs separated by one blank line); an anonymous comment has
no name line and follows two blank lines; an image-only comment (text ``""``) is a name line with
nothing after it, and the next comment follows three blank lines.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

__all__ = ["depth_first", "flatten_tree"]


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


def flatten_tree(comments: list[dict[str, Any]], title: str = "Title Of The Story",
                 body: str = "Body paragraph one.\n\nBody paragraph two.") -> str:
    """The flat text page of ``comments`` (dicts with ``id``, ``parent``, ``author`` (None: anonymous)
    and ``text``), depth-first."""
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
