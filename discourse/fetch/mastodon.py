"""Mastodon (any instance, and servers with its API: Pleroma, Akkoma, GoToSocial).

1. ``GET /api/v1/statuses/ID`` and ``GET /api/v1/statuses/ID/context``. When the URL names a reply
   (its context has ``ancestors``), the conversation's root is fetched the same way instead, so the
   thread is the whole conversation.
2. A context answer is capped (servers limit descendants, more so for clients without a token): any
   status whose ``replies_count`` is larger than the replies held is asked for its own context, until
   nothing new comes back.

The instance is the URL's host (``--api-base`` points elsewhere: a mirror, a test server). Public
statuses need no token; a server that requires one answers 401, reported as such.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from discourse.fetch._client import FetchError, NotAvailable, Session

__all__ = ["SITE", "check", "fetch_thread", "match"]

SITE = "mastodon"
RATE = 2.0   # Mastodon allows 300 requests per 5 minutes per IP
_URL = re.compile(r"^(https?://[^/\s]+)/(?:@[\w.@-]+|users/[\w.-]+/statuses|web/statuses|notice|objects)/(\d+|[A-Za-z0-9]{10,})/?(?:[?#].*)?$")


def match(url: str) -> str | None:
    m = _URL.match(url.strip())
    return m.group(2) if m else None


def instance(url: str) -> str:
    m = _URL.match(url.strip())
    return m.group(1) if m else ""


def check(data: Any) -> tuple[str, str] | None:
    if isinstance(data, dict) and "error" in data and "id" not in data and "descendants" not in data:
        msg = str(data["error"])
        return ("throttled" if "too many" in msg.lower() or "rate" in msg.lower() else "error"), msg
    return None


def fetch_thread(session: Session, url: str, thread: str) -> dict[str, Any]:
    base = session.options.base_for(SITE, instance(url))
    kw: dict[str, Any] = {"site": SITE, "thread": thread, "rate": RATE, "check": check}

    def status(sid: str) -> dict[str, Any]:
        got = session.get(f"{base}/api/v1/statuses/{sid}", kind="status", **kw).data
        if not isinstance(got, dict) or "id" not in got:
            raise FetchError(f"{base}/api/v1/statuses/{sid}: expected a Status object")
        return got

    def context(sid: str) -> dict[str, Any]:
        got = session.get(f"{base}/api/v1/statuses/{sid}/context", kind="context", **kw).data
        if not isinstance(got, dict) or "descendants" not in got:
            raise FetchError(f"{base}/api/v1/statuses/{sid}/context: expected a Context object")
        return got

    first = status(thread)
    root_id = thread
    if first.get("in_reply_to_id") is not None:
        ctx = context(thread)
        ancestors = ctx.get("ancestors") or []
        if ancestors:
            root_id = str(ancestors[0]["id"])
            status(root_id)
    statuses: dict[str, dict[str, Any]] = {}
    for s in context(root_id).get("descendants") or []:
        statuses[str(s["id"])] = s
    asked = {root_id}
    failed: list[str] = []
    requests = 3
    while requests < session.options.max_requests:
        children = Counter(str(s.get("in_reply_to_id")) for s in statuses.values())
        todo = [sid for sid, s in statuses.items() if sid not in asked
                and isinstance(s.get("replies_count"), int) and s["replies_count"] > children[sid]]
        if not todo:
            break
        for sid in todo:
            asked.add(sid)
            requests += 1
            try:
                for s in context(sid).get("descendants") or []:
                    statuses.setdefault(str(s["id"]), s)
            except NotAvailable as err:
                failed.append(str(err))
    children = Counter(str(s.get("in_reply_to_id")) for s in statuses.values())
    short = sum(max(0, s["replies_count"] - children[sid]) for sid, s in statuses.items()
                if isinstance(s.get("replies_count"), int))
    missing = {"not_returned": short} if short else {}
    if failed:
        missing["request_failed"] = len(failed)
    return {"url": url, "site": SITE, "thread": root_id, "reported": None, "fetched": len(statuses),
            "complete": not missing, "missing": missing, "failed": failed}
