"""Literal aliases for every string option, so values are checked and documented in one place."""

from __future__ import annotations

from typing import Literal, get_args

StanceLabel = Literal["agree", "neutral", "disagree", "hostile"]
STANCE_LABELS: tuple[str, ...] = get_args(StanceLabel)

ParentSource = Literal[
    "explicit",   # the site recorded the parent id
    "nesting",    # implied by the nesting of the file (HNPWA trees, indentation)
    "quote",      # inferred: the comment quotes the parent
    "mention",    # inferred: the comment addresses the parent's author (@name, "Name, ...")
    "adjacency",  # inferred: position in the page (previous comment, turn-taking)
    "root",       # top-level: a reply to the thread's post
    "repaired",   # the recorded parent was missing or formed a cycle; attached to the root
    "none",       # the source holds no parent information: the infer stage fills it in
]
PARENT_SOURCES: tuple[str, ...] = get_args(ParentSource)

OnError = Literal["raise", "skip"]
