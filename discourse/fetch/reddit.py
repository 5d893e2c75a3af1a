"""Reddit: the thread page plus every ``/api/morechildren`` expansion and "continue this thread" page.

1. ``GET /comments/ID.json?limit=500`` (``[submission Listing, comment Listing]``).
2. Each ``more`` stub with ``children`` ids is expanded by ``GET /api/morechildren.json`` (at most 100 ids
   a call, ``limit_children=false``); answers can hold further stubs, which join the queue.
3. Each "continue this thread" stub (``id: "_"``, ``count: 0``, parent ``t1_P``) is fetched as the page
   rooted at that comment, ``GET /comments/ID/_/P.json``.

It stops when the queue is empty or the comments held reach the thread's ``num_comments`` (which
counts deleted and removed comments the API never returns, so the queue usually ends first). Ids a
morechildren answer did not return are recorded in the manifest as missing. Throttling that comes back
with status 200 (``{"json": {"errors": [["RATELIMIT", ...]]}}``) is retried like a 429.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from typing import Any

from discourse.fetch._client import FetchError, NotAvailable, Session

__all__ = ["DEFAULT_BASE", "SITE", "check", "fetch_thread", "match"]

SITE = "reddit"
DEFAULT_BASE = "https://www.reddit.com"
RATE = 0.5            # unauthenticated clients get about 10 requests a minute; stay under it
BATCH = 100           # morechildren takes at most 100 ids a call
_URL = re.compile(r"^https?://(?:[\w-]+\.)?(?:reddit\.com|redd\.it)/(?:r/[^/]+/)?(?:comments/)?([a-z0-9]{4,10})(?:[/?#].*)?$",
                  re.IGNORECASE)


def match(url: str) -> str | None:
    """The thread id of a Reddit thread URL (``/r/SUB/comments/ID/...``, ``/comments/ID``, ``redd.it/ID``)."""
    m = _URL.match(url.strip())
    if not m:
        return None
    if "redd.it/" not in url and "/comments/" not in url:
        return None
    return m.group(1).lower()


def check(data: Any) -> tuple[str, str] | None:
    """Reddit's errors sent with status 200: ``{"json": {"errors": [[CODE, message, field]]}}`` or
    ``{"error": 429, "message": ...}``."""
    if isinstance(data, dict):
        if isinstance(data.get("error"), int) and data["error"] == 429:
            return "throttled", f"error 429: {data.get('message', '')}".strip()
        if isinstance(data.get("error"), int) and not isinstance(data.get("data"), dict) and not data.get("json"):
            return None if data["error"] in (401, 403, 404) else ("error", f"error {data['error']}: {data.get('message', '')}")
        errors = data.get("json", {}).get("errors") if isinstance(data.get("json"), dict) else None
        if errors:
            first = errors[0] if isinstance(errors[0], list) else [str(errors[0])]
            text = " ".join(str(x) for x in first[:2])
            return ("throttled" if "RATELIMIT" in text.upper() else "error"), text
    return None


def _things(listing: Any) -> list[Any]:
    if isinstance(listing, dict) and isinstance(listing.get("data"), dict):
        children = listing["data"].get("children")
        return children if isinstance(children, list) else []
    return []


def _walk(things: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    stack = list(reversed(things))
    while stack:
        item = stack.pop()
        if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
            continue
        kind, data = str(item.get("kind")), item["data"]
        yield kind, data
        replies = data.get("replies")
        if kind == "t1" and isinstance(replies, dict):
            stack.extend(reversed(_things(replies)))


def fetch_thread(session: Session, url: str, thread: str) -> dict[str, Any]:
    base = session.options.base_for(SITE, DEFAULT_BASE)
    kw: dict[str, Any] = {"site": SITE, "thread": thread, "rate": RATE, "check": check}
    page = session.get(f"{base}/comments/{thread}.json", {"limit": 500}, kind="thread", **kw).data
    if not (isinstance(page, list) and len(page) == 2):
        raise FetchError(f"{base}/comments/{thread}.json: expected a thread page [submission, comments]")
    sub = next((d for k, d in _walk(_things(page[0])) if k == "t3"), {})
    reported = sub.get("num_comments") if isinstance(sub.get("num_comments"), int) else None
    have: set[str] = set()
    stubs: deque[dict[str, Any]] = deque()

    def take(things: list[Any]) -> None:
        for kind, data in _walk(things):
            if kind == "t1" and data.get("id"):
                have.add(str(data["id"]))
            elif kind == "more":
                stubs.append(data)

    take(_things(page[1]))
    unreturned: set[str] = set()
    failed: list[str] = []
    continued: set[str] = set()
    requests = 1
    while stubs and requests < session.options.max_requests:
        if reported is not None and len(have) >= reported:
            break
        stub = stubs.popleft()
        children = [str(c) for c in stub.get("children") or [] if str(c) not in have]
        parent = str(stub.get("parent_id") or "")
        try:
            if stub.get("id") == "_" or (not children and stub.get("count") == 0 and parent.startswith("t1_")):
                pid = parent[3:]
                if not pid or pid in continued:
                    continue
                continued.add(pid)
                requests += 1
                got = session.get(f"{base}/comments/{thread}/_/{pid}.json", {"limit": 500}, kind="continue", **kw).data
                take(_things(got[1]) if isinstance(got, list) and len(got) == 2 else [])
                continue
            for i in range(0, len(children), BATCH):
                batch = children[i:i + BATCH]
                requests += 1
                got = session.get(f"{base}/api/morechildren.json",
                                  {"api_type": "json", "link_id": f"t3_{thread}", "children": ",".join(batch),
                                   "limit_children": "false", "sort": "confidence"}, kind="morechildren", **kw).data
                body = got.get("json") if isinstance(got, dict) else None
                data = body.get("data") if isinstance(body, dict) else None
                things = data.get("things") if isinstance(data, dict) else None
                take(things if isinstance(things, list) else [])
                unreturned.update(c for c in batch if c not in have)
        except NotAvailable as err:  # one expansion refused: counted, the rest goes on
            failed.append(str(err))
    pending = {str(c) for s in stubs for c in s.get("children") or []} - have
    missing = {"not_returned": len(unreturned - have), "not_requested": len(pending - unreturned)}
    if failed:
        missing["request_failed"] = len(failed)
    return {"url": url, "site": SITE, "thread": thread, "reported": reported, "fetched": len(have),
            "complete": not any(missing.values()), "missing": missing, "failed": failed}
