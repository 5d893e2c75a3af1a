"""Bluesky: a post's whole thread through the public AppView.

1. ``GET /xrpc/com.atproto.identity.resolveHandle?handle=H`` when the URL names a handle, not a DID.
2. ``GET /xrpc/app.bsky.feed.getPostThread?uri=at://DID/app.bsky.feed.post/RKEY&depth=1000&parentHeight=1000``.
   A reply's URL fetches its conversation's root (``record.reply.root``) instead.
3. The AppView cuts deep trees: every post whose ``replyCount`` is larger than the replies shown is
   asked again as the top of its own thread, until nothing new comes back.

Public posts need no account (default origin ``https://public.api.bsky.app``). Errors come as status 400
``{"error": "NotFound"}`` and throttling as 429 ``{"error": "RateLimitExceeded"}`` with ``ratelimit-reset``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from discourse.fetch._client import FetchError, NotAvailable, Session

__all__ = ["DEFAULT_BASE", "SITE", "check", "fetch_thread", "match"]

SITE = "bluesky"
DEFAULT_BASE = "https://public.api.bsky.app"
RATE = 5.0     # the AppView allows 3,000 requests per 5 minutes per IP
_URL = re.compile(r"^https?://(?:www\.)?bsky\.app/profile/([^/\s]+)/post/([A-Za-z0-9]+)/?(?:[?#].*)?$")


def match(url: str) -> str | None:
    m = _URL.match(url.strip())
    return m.group(2) if m else None


def check(data: Any) -> tuple[str, str] | None:
    if isinstance(data, dict) and isinstance(data.get("error"), str) and "thread" not in data and "did" not in data:
        msg = f"{data['error']}: {data.get('message', '')}".rstrip(": ")
        if "RateLimit" in data["error"]:
            return "throttled", msg
        return ("missing" if data["error"] in ("NotFound", "InvalidRequest") else "error"), msg
    return None


def _views(node: Any) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict) and isinstance(n.get("post"), dict):
            yield n
            stack.extend(r for r in n.get("replies") or [] if isinstance(r, dict))


def fetch_thread(session: Session, url: str, thread: str) -> dict[str, Any]:
    base = session.options.base_for(SITE, DEFAULT_BASE)
    kw: dict[str, Any] = {"site": SITE, "thread": thread, "rate": RATE, "check": check}
    m = _URL.match(url.strip())
    actor = m.group(1) if m else ""
    if not actor.startswith("did:"):
        got = session.get(f"{base}/xrpc/com.atproto.identity.resolveHandle", {"handle": actor}, kind="handle", **kw).data
        actor = got.get("did") if isinstance(got, dict) else None
        if not isinstance(actor, str):
            raise FetchError(f"{url}: the handle did not resolve to a DID")

    def ask(uri: str, parents: int) -> dict[str, Any]:
        got = session.get(f"{base}/xrpc/app.bsky.feed.getPostThread",
                          {"uri": uri, "depth": 1000, "parentHeight": parents}, kind="thread", **kw).data
        node = got.get("thread") if isinstance(got, dict) else None
        if not isinstance(node, dict):
            raise FetchError(f"{base}/xrpc/app.bsky.feed.getPostThread: expected {{'thread': threadViewPost}}")
        if not isinstance(node.get("post"), dict):
            raise NotAvailable(f"{url}: the post is {str(node.get('$type', 'not available')).rsplit('#', 1)[-1]}")
        return node

    uri = f"at://{actor}/app.bsky.feed.post/{thread}"
    node = ask(uri, 1000)
    root = ((node["post"].get("record") or {}).get("reply") or {}).get("root", {}).get("uri")
    if root and root != uri:
        node = ask(root, 0)
    posts: dict[str, dict[str, Any]] = {}
    for v in _views(node):
        posts.setdefault(v["post"]["uri"], v)
    asked = {node["post"]["uri"]}
    failed: list[str] = []
    requests = 2
    while requests < session.options.max_requests:
        shown: dict[str, int] = {}
        for v in posts.values():
            parent = ((v["post"].get("record") or {}).get("reply") or {}).get("parent", {}).get("uri")
            if parent:
                shown[parent] = shown.get(parent, 0) + 1
        todo = [u for u, v in posts.items() if u not in asked
                and (v["post"].get("replyCount") or 0) > shown.get(u, 0)]
        if not todo:
            break
        for u in todo:
            asked.add(u)
            requests += 1
            try:
                for v in _views(ask(u, 0)):
                    posts.setdefault(v["post"]["uri"], v)
            except NotAvailable as err:
                failed.append(str(err))
    shown = {}
    for v in posts.values():
        parent = ((v["post"].get("record") or {}).get("reply") or {}).get("parent", {}).get("uri")
        if parent:
            shown[parent] = shown.get(parent, 0) + 1
    short = sum(max(0, (v["post"].get("replyCount") or 0) - shown.get(u, 0)) for u, v in posts.items())
    missing = {"not_returned": short} if short else {}
    if failed:
        missing["request_failed"] = len(failed)
    return {"url": url, "site": SITE, "thread": thread, "reported": None, "fetched": max(0, len(posts) - 1),
            "complete": not missing, "missing": missing, "failed": failed}
