"""Lemmy (any instance): comment lists and posts from the HTTP API (v3).

Accepted: a ``GET /api/v3/comment/list`` page (``{"comments": [commentView, ...]}``), a
``GET /api/v3/post`` answer (``{"post_view": {...}}``: the thread row and its reported count), or a JSON
array of these (the pages of one post, with or without its post answer). A comment in several pages is
read once.

A ``commentView`` holds ``comment`` (``id``, ``post_id``, ``content`` (Markdown), ``published``,
``deleted``, ``removed``, ``path``, ``ap_id``), ``creator`` (``name``, ``local``, ``actor_id``), ``post``,
``community`` and ``counts`` (``score``, ``child_count``).

Decisions:

* the thread is the post: thread id = ``post_id``; the thread row comes from ``post_view`` when given
  (title ``name``, text ``body``, author, ``ap_id``, ``counts.comments`` as the reported count), else from
  the ``post`` of the comment views (no author: a comment view names only the post's ``creator_id``);
* the tree is ``comment.path`` (``"0.12.34"``: comment 34 replies to 12; ``"0.12"`` is top level, a
  reply to the post with a null ``parent_id``), ``"explicit"``;
* the author is ``creator.name`` for accounts of the answering instance (``local``), else
  ``name@host`` from ``actor_id`` (comments federate, so a bare name is ambiguous); text is ``content``;
  score is ``counts.score``; ``created_at`` is ``published`` (taken as UTC when it has no offset, as
  Lemmy before 0.19 wrote it);
* deleted (by the author) and removed (by a moderator) comments are kept with null text, counted as
  ``text_deleted`` / ``text_removed``;
* ``child_count`` (all descendants) minus the descendants present, over the comments whose ancestors
  are all absent, is counted as ``missing`` (pages cut at ``max_depth``, pages not fetched).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from discourse.errors import ParseError
from discourse.io._common import comments_frame, load_json, threads_frame
from discourse.io._times import utc_iso
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["lemmy_author", "parse_lemmy", "read_lemmy", "sniff_lemmy"]

SITE = "lemmy"


def lemmy_author(creator: Any) -> str | None:
    """``name`` for a local account, ``name@host`` for one of another instance."""
    if not isinstance(creator, dict) or not isinstance(creator.get("name"), str) or not creator["name"]:
        return None
    name: str = creator["name"]
    host = urlsplit(creator.get("actor_id") or "").hostname
    return name if creator.get("local", True) or not host else f"{name}@{host}"


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _path_ids(path_text: Any, path: str, where: str) -> list[str]:
    parts = path_text.split(".") if isinstance(path_text, str) else []
    if len(parts) < 2 or parts[0] != "0" or not all(p.isdigit() for p in parts):
        raise ParseError(path, where, f"expected comment.path like '0.12.34' (found {path_text!r})")
    return parts[1:]


def parse_lemmy(data: Any, path: str = "<lemmy>", thread_id: str | None = None) -> ReadResult:
    """Parse decoded Lemmy API JSON into the canonical tables (see the module doc for the rules)."""
    items = [(f"item {i}", x) for i, x in enumerate(data)] if isinstance(data, list) else [("", data)]
    views: list[tuple[str, dict[str, Any]]] = []
    posts: list[tuple[str, dict[str, Any]]] = []
    for where, item in items:
        if isinstance(item, dict) and isinstance(item.get("comments"), list):
            views += [(f"{where + ', ' if where else ''}comments[{i}]", v) for i, v in enumerate(item["comments"])]
        elif isinstance(item, dict) and isinstance(item.get("post_view"), dict):
            posts.append((where or "post_view", item["post_view"]))
        else:
            raise ParseError(path, where or None, "expected a Lemmy comment list ({'comments': [...]}) "
                                                  "or a post answer ({'post_view': {...}})")
    quality = QualityReport()
    fq = FileQuality(path, SITE)
    threads: dict[str, dict[str, Any]] = {}
    for where, pv in posts:
        post = pv.get("post")
        if not isinstance(post, dict) or post.get("id") is None:
            raise ParseError(path, where, "expected a post_view with a 'post' holding an 'id'")
        tid = thread_id or str(post["id"])
        counts = _obj(pv.get("counts"))
        reported = counts.get("comments")
        threads[tid] = {"site": SITE, "thread_id": tid, "title": post.get("name"), "text": post.get("body"),
                        "author": lemmy_author(pv.get("creator")), "url": post.get("ap_id"),
                        "created_at": utc_iso(post.get("published")),
                        "reported_comments": reported if isinstance(reported, int) else None}
        if isinstance(reported, int):
            quality.thread(SITE, tid).reported = reported

    rows: list[dict[str, Any]] = []
    chain: dict[str, list[str]] = {}          # comment id -> its path ids (ancestors then itself)
    child_count: dict[str, tuple[str, int]] = {}
    repeated = 0
    for where, v in views:
        c = v.get("comment") if isinstance(v, dict) else None
        if not isinstance(c, dict) or c.get("id") is None or c.get("post_id") is None:
            raise ParseError(path, where, "expected a comment view whose 'comment' has 'id' and 'post_id'")
        cid = str(c["id"])
        ids = _path_ids(c.get("path"), path, f"{where}.comment.path")
        if ids[-1] != cid:
            raise ParseError(path, f"{where}.comment.path", f"the path {c['path']!r} does not end in the comment's id {cid}")
        if cid in chain:
            repeated += 1
            continue
        chain[cid] = ids
        fq.records += 1
        tid = thread_id or str(c["post_id"])
        if tid not in threads:
            post = _obj(v.get("post"))
            threads[tid] = {"site": SITE, "thread_id": tid, "title": post.get("name"), "text": post.get("body"),
                            "url": post.get("ap_id"), "created_at": utc_iso(post.get("published"))}
        quality.add_read(SITE, tid, 1)
        counts = _obj(v.get("counts"))
        if isinstance(counts.get("child_count"), int):
            child_count[cid] = (tid, counts["child_count"])
        text = c.get("content")
        if c.get("removed"):
            text = None
            quality.repair(SITE, tid, "text_removed")
        elif c.get("deleted"):
            text = None
            quality.repair(SITE, tid, "text_deleted")
        score = counts.get("score")
        rows.append({
            "site": SITE, "thread_id": tid, "comment_id": cid,
            "parent_id": ids[-2] if len(ids) > 1 else None,
            "author": lemmy_author(v.get("creator")), "text": text if isinstance(text, str) or text is None else str(text),
            "created_at": utc_iso(c.get("published")), "score": score if isinstance(score, int) else None,
            "parent_source": "explicit", "parent_confidence": 1.0,
        })
    below: dict[str, int] = {}
    for ids in chain.values():
        for a in ids[:-1]:
            below[a] = below.get(a, 0) + 1
    for cid, (tid, n) in child_count.items():
        if not any(a in chain for a in chain[cid][:-1]) and n > below.get(cid, 0):
            quality.thread(SITE, tid).missing += n - below.get(cid, 0)
    if repeated:
        fq.notes.append(f"{repeated} comment(s) appear in more than one page and were read once")
    for tid in threads:
        quality.thread(SITE, tid)
        if not posts:
            fq.notes.append(f"thread {tid}: the post answer is not in the file (its author and comment count are unknown)")
    quality.files.append(fq)
    return ReadResult(comments_frame(rows), threads_frame(list(threads.values())), quality)


def read_lemmy(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a saved Lemmy comment list page, post answer, or a list of them."""
    options = options or ReadOptions()
    return parse_lemmy(load_json(path), str(path), options.thread_id)


def sniff_lemmy(path: Path, head: str) -> bool:
    """A Lemmy comment list (comment views with ``path`` and ``child_count``) or a post answer."""
    start = head.lstrip()
    if start[:1] not in ("{", "["):
        return False
    if '"comments"' in start and '"path"' in start and '"child_count"' in start and '"creator"' in start:
        return True
    return '"post_view"' in start and '"community"' in start


READER = register(Reader(
    name="lemmy", site=SITE,
    description="Lemmy API v3: /api/v3/comment/list pages and /api/v3/post answers (JSON), one or a list",
    sniff=sniff_lemmy, read=read_lemmy, priority=50, suffixes=(".json",),
))
