"""Bluesky (AT Protocol) post threads: ``app.bsky.feed.getPostThread`` answers.

Accepted: a getPostThread answer (``{"thread": <threadViewPost>, ...}``), a bare
``app.bsky.feed.defs#threadViewPost``, or a JSON array of these (several answers about one conversation,
e.g. a thread and the deeper branches re-requested from it). A post appearing in several answers is
read once.

A ``threadViewPost`` holds ``post`` (a ``postView``: ``uri``, ``cid``, ``author`` {``did``, ``handle``},
``record`` {``text``, ``createdAt``, ``reply`` {``root``, ``parent``}}, ``replyCount``, ``likeCount``),
its ``parent`` (walked upwards: the ancestors of the requested post) and its ``replies`` (walked
downwards, depth first).

Decisions:

* the thread id is the conversation root's AT URI (``record.reply.root.uri``; a post without
  ``record.reply`` is the root itself). The root becomes the thread row, not a comment;
* comment ids are AT URIs; the parent is ``record.reply.parent.uri`` (``"explicit"``), or lacking it
  the post the reply hangs under (``"nesting"``); replies to the root have a null ``parent_id``;
* the author is the handle (``author.did`` where the handle is ``handle.invalid`` or absent); text is
  ``record.text``; ``created_at`` is ``record.createdAt`` (``indexedAt`` lacking it); score is
  ``likeCount``;
* ``#notFoundPost`` (deleted) and ``#blockedPost`` items are comments the thread holds but the answer
  does not show: read and dropped as ``not_found`` / ``blocked``;
* ``replyCount`` minus the replies present under a post (the API cuts the tree at ``depth``, and shows
  ancestors without their other replies) is counted as the thread's ``missing``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from discourse.errors import ParseError
from discourse.io._common import comments_frame, load_json, threads_frame
from discourse.io._times import utc_iso
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["parse_bluesky", "post_url", "read_bluesky", "sniff_bluesky"]

SITE = "bluesky"
THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"
NOT_FOUND = "app.bsky.feed.defs#notFoundPost"
BLOCKED = "app.bsky.feed.defs#blockedPost"


def post_url(uri: str, handle: str | None) -> str | None:
    """The bsky.app address of a post from its AT URI (``at://DID/app.bsky.feed.post/RKEY``)."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        return None
    return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"


def _kind(node: Any, path: str, where: str) -> str:
    if not isinstance(node, dict):
        raise ParseError(path, where, "expected a thread view object (threadViewPost, notFoundPost or blockedPost)")
    t = node.get("$type")
    if t == NOT_FOUND or node.get("notFound") is True:
        return "not_found"
    if t == BLOCKED or node.get("blocked") is True:
        return "blocked"
    post = node.get("post")
    if (t in (None, THREAD_VIEW)) and isinstance(post, dict):
        if not isinstance(post.get("uri"), str) or not isinstance(post.get("record"), dict):
            raise ParseError(path, f"{where}.post", "expected a postView with 'uri' and 'record'")
        return "post"
    raise ParseError(path, where, f"expected a {THREAD_VIEW}, #notFoundPost or #blockedPost "
                                  f"(found $type {t!r})")


def _reply_ref(post: dict[str, Any], key: str) -> str | None:
    reply = post["record"].get("reply")
    ref = reply.get(key) if isinstance(reply, dict) else None
    uri = ref.get("uri") if isinstance(ref, dict) else None
    return uri if isinstance(uri, str) and uri else None


def _nodes(top: Any, path: str, where: str) -> list[tuple[str, dict[str, Any], str | None]]:
    """(locator, node, structural parent uri) for one answer: ancestors top-down, then the requested
    post and its replies depth first."""
    if isinstance(top, dict) and "thread" in top and "post" not in top:
        top, where = top["thread"], f"{where}.thread" if where else "thread"
    where = where or "top level"
    _kind(top, path, where)
    chain: list[tuple[str, dict[str, Any]]] = [(where, top)]
    cur, loc = top, where
    while isinstance(cur, dict) and cur.get("parent") is not None:
        cur, loc = cur["parent"], f"{loc}.parent"
        _kind(cur, path, loc)
        chain.append((loc, cur))
    chain.reverse()
    out: list[tuple[str, dict[str, Any], str | None]] = []
    above: str | None = None
    for loc, node in chain[:-1]:
        out.append((loc, node, above))
        above = node["post"]["uri"] if "post" in node else node.get("uri")
    stack: list[tuple[str, Any, str | None]] = [(chain[-1][0], chain[-1][1], above)]
    while stack:
        loc, node, parent = stack.pop()
        kind = _kind(node, path, loc)
        out.append((loc, node, parent))
        if kind != "post":
            continue
        replies = node.get("replies") or []
        if not isinstance(replies, list):
            raise ParseError(path, f"{loc}.replies", "expected a list of thread views")
        uri = node["post"]["uri"]
        stack.extend((f"{loc}.replies[{i}]", r, uri) for i, r in reversed(list(enumerate(replies))))
    return out


def parse_bluesky(data: Any, path: str = "<bluesky>", thread_id: str | None = None) -> ReadResult:
    """Parse decoded getPostThread JSON into the canonical tables (see the module doc for the rules)."""
    answers = [(f"item {i}", a) for i, a in enumerate(data)] if isinstance(data, list) else [("", data)]
    if not answers:
        raise ParseError(path, None, "expected a getPostThread answer (an object with 'thread'), not an empty list")
    quality = QualityReport()
    fq = FileQuality(path, SITE)
    rows: list[dict[str, Any]] = []
    threads: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    reply_count: dict[str, tuple[str, int]] = {}     # uri -> (thread, replyCount)
    children: dict[str, set[str]] = {}               # uri -> uris shown under it
    repeated = 0
    for where, answer in answers:
        nodes = _nodes(answer, path, where)
        posts = [n["post"] for _, n, _ in nodes if "post" in n]
        root = next((r for p in posts if (r := _reply_ref(p, "root"))), None)
        if root is None:
            root = next((p["uri"] for p in posts if _reply_ref(p, "parent") is None), None)
        if root is None:
            raise ParseError(path, where or None, "no post in the answer names its conversation's root")
        tid = thread_id or root
        threads.setdefault(tid, {"site": SITE, "thread_id": tid})
        for loc, node, above in nodes:
            uri = node["post"]["uri"] if "post" in node else node.get("uri")
            key = uri if isinstance(uri, str) and uri else f"{where}:{loc}"
            if above is not None:
                children.setdefault(above, set()).add(key)
            if key in seen:
                repeated += 1
                continue
            seen.add(key)
            fq.records += 1
            if "post" not in node:
                reason = _kind(node, path, loc)
                quality.add_read(SITE, tid, 1)
                quality.drop(SITE, tid, reason)
                continue
            post = node["post"]
            record = post["record"]
            author = post.get("author") if isinstance(post.get("author"), dict) else {}
            handle = author.get("handle")
            name = handle if isinstance(handle, str) and handle and handle != "handle.invalid" else author.get("did")
            count = post.get("replyCount")
            if isinstance(count, int):
                reply_count[key] = (tid, count)
            created = utc_iso(record.get("createdAt")) or utc_iso(post.get("indexedAt"))
            text = record.get("text")
            if not isinstance(text, str):
                text = ""
            parent = _reply_ref(post, "parent")
            if parent is None and uri == root:
                threads[tid].update({"text": text, "author": name, "url": post_url(uri, name),
                                     "created_at": created})
                continue
            source = "explicit"
            if parent is None:
                parent, source = above, "nesting"
            like = post.get("likeCount")
            quality.add_read(SITE, tid, 1)
            rows.append({
                "site": SITE, "thread_id": tid, "comment_id": uri,
                "parent_id": None if parent in (None, root, tid) else parent,
                "author": name, "text": text, "created_at": created,
                "score": like if isinstance(like, int) else None,
                "parent_source": source, "parent_confidence": 1.0,
            })
    for uri, (tid, count) in reply_count.items():
        shown = len(children.get(uri, ()))
        if count > shown:
            quality.thread(SITE, tid).missing += count - shown
    if repeated:
        fq.notes.append(f"{repeated} item(s) appear in more than one answer and were read once")
    for tid, t in threads.items():
        if "text" not in t:
            fq.notes.append(f"thread {tid}: the root post is not in the file")
    quality.files.append(fq)
    return ReadResult(comments_frame(rows), threads_frame(list(threads.values())), quality)


def read_bluesky(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a saved getPostThread answer (or a list of them)."""
    options = options or ReadOptions()
    return parse_bluesky(load_json(path), str(path), options.thread_id)


def sniff_bluesky(path: Path, head: str) -> bool:
    """A getPostThread answer: a threadViewPost type, or a thread of AT URIs with records."""
    start = head.lstrip()[:1]
    if start not in ("{", "["):
        return False
    return THREAD_VIEW in head or ('"at://' in head and '"record"' in head and '"post"' in head)


READER = register(Reader(
    name="bluesky", site=SITE,
    description="Bluesky app.bsky.feed.getPostThread answers (threadViewPost JSON), one or a list",
    sniff=sniff_bluesky, read=read_bluesky, priority=50, suffixes=(".json",),
))
