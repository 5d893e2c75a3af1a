"""Mastodon (and API-compatible fediverse servers): statuses and their reply context.

Accepted: a ``Context`` (``GET /api/v1/statuses/:id/context``: ``ancestors`` and ``descendants``), a
single ``Status``, or a JSON array of statuses.

How the thread is decided. A status whose ``in_reply_to_id`` is null is a conversation's root: it
becomes the thread row (the post), not a comment. Every other status belongs to the thread found by
following ``in_reply_to_id`` upwards through the file:

* it reaches a root in the file -> that root's id is the thread id;
* it reaches a status whose parent is not in the file -> that parent's id is the thread id (the root is
  absent; the thread row has only its id). This is the case of a context file without ancestors: the
  context's own status (never included in a context response) is the root, and its id is the
  ``in_reply_to_id`` of its direct replies;
* in a context *with* ancestors, a parent missing among the descendants is the context's own status,
  which sits below the last ancestor: those statuses join the ancestors' thread, keep their explicit
  parent id (the repair stage re-attaches them) and the thread's ``missing`` counts the absent status.

Replies to the root have a null ``parent_id``; all parents are ``"explicit"``. The author is
``account.acct`` (``user`` for accounts of the serving instance, ``user@domain`` for others); text is
``content`` (HTML) as text; score is ``favourites_count``. Boosts (``reblog`` set) are not replies and are
dropped with the reason ``reblog``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from discourse.errors import ParseError
from discourse.io._common import comments_frame, html_to_text, load_json, threads_frame
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["fediverse_text", "parse_mastodon", "read_mastodon", "sniff_mastodon"]

SITE = "mastodon"
_CONTEXT_RE = re.compile(r'^\{\s*"(ancestors|descendants)"\s*:\s*\[')
_STATUS_RE = re.compile(r'"in_reply_to_id"\s*:')
_MENTION_A_RE = re.compile(r'<a\s[^>]*class="[^"]*\b(?:mention|hashtag)\b[^"]*"[^>]*>', re.IGNORECASE)


def fediverse_text(content: str | None) -> str | None:
    """Fediverse status HTML as text: ``@user`` mentions and ``#tags`` keep their visible text only
    (their links would repeat the name as an address)."""
    if content is None:
        return None
    return html_to_text(_MENTION_A_RE.sub("<a>", content))


def _statuses(data: Any, path: str) -> tuple[list[tuple[str, dict[str, Any]]], bool]:
    """(locator, status) pairs in file order, and whether the data is a Context with ancestors."""
    if isinstance(data, dict) and ("ancestors" in data or "descendants" in data):
        out = []
        for key in ("ancestors", "descendants"):
            items = data.get(key) or []
            if not isinstance(items, list):
                raise ParseError(path, key, "expected a list of statuses")
            out += [(f"{key}[{i}]", s) for i, s in enumerate(items)]
        return out, bool(data.get("ancestors"))
    if isinstance(data, dict):
        return [("top level", data)], False
    if isinstance(data, list):
        return [(f"item {i}", s) for i, s in enumerate(data)], False
    raise ParseError(path, None, "expected a Mastodon Context, Status or list of statuses (a JSON object or array)")


def parse_mastodon(data: Any, path: str = "<mastodon>", thread_id: str | None = None) -> ReadResult:
    """Parse decoded Mastodon API JSON into the canonical tables (see the module doc for the rules)."""
    items, has_ancestors = _statuses(data, path)
    by_id: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for where, s in items:
        if not isinstance(s, dict) or s.get("id") in (None, "") or "content" not in s:
            raise ParseError(path, where, "expected a status object with 'id' and 'content'")
        sid = str(s["id"])
        if sid not in by_id:
            order.append(sid)
        by_id[sid] = s

    def parent_of(sid: str) -> str | None:
        p = by_id[sid].get("in_reply_to_id")
        return None if p in (None, "") else str(p)

    alias: dict[str, str] = {}
    if has_ancestors:
        last = str(data["ancestors"][-1].get("id"))
        for s in data.get("descendants") or []:
            p = parent_of(str(s["id"]))
            if p is not None and p not in by_id:
                alias[p] = last  # the context's own status sits below the last ancestor

    memo: dict[str, str] = {}

    def thread_of(sid: str) -> str:
        """Follow parents up to a root in the file or a parent outside it (memoised: long chains stay linear)."""
        path = [sid]
        seen = {sid}
        cur = sid
        while True:
            if cur in memo:
                found = memo[cur]
                break
            p = parent_of(cur)
            if p is None:
                found = cur
                break
            nxt = p if p in by_id else alias.get(p)
            if nxt is None or nxt in seen:
                found = p
                break
            seen.add(nxt)
            path.append(nxt)
            cur = nxt
        for s_id in path:
            memo[s_id] = found
        return found

    quality = QualityReport()
    fq = FileQuality(path, "mastodon", records=len(order))
    rows: list[dict[str, Any]] = []
    threads: dict[str, dict[str, Any]] = {}
    for sid in order:
        s = by_id[sid]
        account = s.get("account") or {}
        author = account.get("acct") or account.get("username") or None
        if s.get("reblog"):
            # a boost is not a reply: count it in the conversation of the status it boosts, then drop it
            boosted = s["reblog"].get("id") if isinstance(s["reblog"], dict) else None
            tid = thread_id or (thread_of(sid) if parent_of(sid) else str(boosted or sid))
            quality.add_read(SITE, tid, 1)
            quality.drop(SITE, tid, "reblog")
            continue
        if parent_of(sid) is None:
            tid = thread_id or sid
            threads[tid] = {"site": SITE, "thread_id": tid, "text": fediverse_text(s.get("content")),
                            "author": author, "url": s.get("url") or s.get("uri"), "created_at": s.get("created_at")}
            continue
        tid = thread_id or thread_of(sid)
        threads.setdefault(tid, {"site": SITE, "thread_id": tid})
        quality.add_read(SITE, tid, 1)
        parent = parent_of(sid)
        if parent is not None and parent in by_id and parent_of(parent) is None:
            parent = tid  # a reply to the root status, whatever the thread is called
        fav = s.get("favourites_count")
        rows.append({
            "site": SITE, "thread_id": tid, "comment_id": sid,
            "parent_id": None if parent == tid else parent,
            "author": author, "text": fediverse_text(s.get("content")) or "",
            "created_at": s.get("created_at"), "score": fav if isinstance(fav, int) else None,
            "parent_source": "explicit", "parent_confidence": 1.0,
        })
    absent = Counter(r["parent_id"] for r in rows if r["parent_id"] is not None and r["parent_id"] not in by_id)
    for pid, n in absent.items():
        tid = next(r["thread_id"] for r in rows if r["parent_id"] == pid)
        quality.thread(SITE, tid).missing += 1
        fq.notes.append(f"status {pid}, parent of {n} status(es) in thread {tid}, is not in the file")
    for tid, t in threads.items():
        if "text" not in t:
            fq.notes.append(f"thread {tid}: the root status is not in the file")
    quality.files.append(fq)
    return ReadResult(comments_frame(rows), threads_frame(list(threads.values())), quality)


def read_mastodon(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a saved Mastodon Context, Status or list of statuses."""
    options = options or ReadOptions()
    return parse_mastodon(load_json(path), str(path), options.thread_id)


def sniff_mastodon(path: Path, head: str) -> bool:
    """A Mastodon Context (starts with "ancestors"/"descendants") or status JSON (``in_reply_to_id``)."""
    start = head.lstrip()
    if _CONTEXT_RE.match(start):
        return True
    return start[:1] in ("{", "[") and bool(_STATUS_RE.search(start[:8192])) and '"account"' in start \
        and '"content"' in start and '"post_stream"' not in start


READER = register(Reader(
    name="mastodon", site=SITE,
    description="Mastodon API statuses: /api/v1/statuses/:id/context, a Status, or a list of statuses (JSON)",
    sniff=sniff_mastodon, read=read_mastodon, priority=50, suffixes=(".json",),
))
