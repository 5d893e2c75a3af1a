"""Hacker News: the Algolia items API, with Firebase for what Algolia lacks.

1. ``GET hn.algolia.com/api/v1/items/ID``: the whole tree in one answer (``children`` nested).
2. ``GET hacker-news.firebaseio.com/v0/item/ID.json``: the story, whose ``descendants`` says how many
   comments the thread holds.
3. When Algolia does not know the item (404) or holds fewer comments than ``descendants`` (its index
   lags new comments), the tree is walked through Firebase item by item (``kids``), each item one
   request. A Firebase item that answers ``null`` (gone) is counted as missing.

``--api-base URL`` replaces both origins (``URL/api/v1/items/ID``, ``URL/v0/item/ID.json``); to
point the two APIs at different places give ``hackernews-algolia=URL`` and ``hackernews-firebase=URL``.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from discourse.fetch._client import NotAvailable, Session

__all__ = ["ALGOLIA", "FIREBASE", "SITE", "check", "fetch_thread", "match"]

SITE = "hackernews"
ALGOLIA = "https://hn.algolia.com"
FIREBASE = "https://hacker-news.firebaseio.com"
RATE = 5.0
_URL = re.compile(r"^https?://news\.ycombinator\.com/item\?(?:.*&)?id=(\d+)", re.IGNORECASE)


def match(url: str) -> str | None:
    m = _URL.match(url.strip())
    return m.group(1) if m else None


def check(data: Any) -> tuple[str, str] | None:
    """Firebase answers ``{"error": "..."}`` for a bad request; Algolia ``{"status": 4xx, "message": ...}``."""
    if isinstance(data, dict) and set(data) <= {"error", "status", "message"} and data:
        msg = str(data.get("error") or data.get("message"))
        return ("throttled" if data.get("status") == 429 or "rate" in msg.lower() else "error"), msg
    return None


def _algolia_count(node: dict[str, Any]) -> tuple[int, set[str]]:
    n, ids, stack = 0, set(), list(node.get("children") or [])
    while stack:
        c = stack.pop()
        if not isinstance(c, dict):
            continue
        ids.add(str(c.get("id")))
        if c.get("author") is not None or c.get("text") is not None:
            n += 1
        stack.extend(c.get("children") or [])
    return n, ids


def fetch_thread(session: Session, url: str, thread: str) -> dict[str, Any]:
    algolia = session.options.base_for("hackernews-algolia", session.options.base_for(SITE, ALGOLIA))
    firebase = session.options.base_for("hackernews-firebase", session.options.base_for(SITE, FIREBASE))
    kw: dict[str, Any] = {"site": SITE, "thread": thread, "rate": RATE, "check": check}
    tree: dict[str, Any] | None
    try:
        got = session.get(f"{algolia}/api/v1/items/{thread}", kind="algolia", **kw).data
        tree = got if isinstance(got, dict) else None
    except NotAvailable:
        tree = None   # Algolia does not know it (yet): Firebase has every item
    story = session.get(f"{firebase}/v0/item/{thread}.json", kind="firebase", **kw).data
    if story is None:
        raise NotAvailable(f"{url}: Hacker News has no item {thread}")
    if story.get("type") not in ("story", "poll", "job") or story.get("deleted"):
        raise NotAvailable(f"{url}: item {thread} is a {story.get('type')}"
                           f"{' (deleted)' if story.get('deleted') else ''}, not a story with comments")
    reported = story.get("descendants") if isinstance(story.get("descendants"), int) else None
    have_algolia, _ = _algolia_count(tree) if tree else (0, set())
    missing: dict[str, int] = {}
    fetched = have_algolia
    if tree is None or (reported is not None and have_algolia < reported):
        queue = deque(str(k) for k in story.get("kids") or [])
        seen: set[str] = set(queue)
        fetched = gone = 0
        requests = 2
        while queue and requests < session.options.max_requests:
            item_id = queue.popleft()
            requests += 1
            try:
                item = session.get(f"{firebase}/v0/item/{item_id}.json", kind="firebase", **kw).data
            except NotAvailable:
                item = None
            if not isinstance(item, dict):
                gone += 1
                continue
            if not item.get("deleted"):
                fetched += 1
            for k in item.get("kids") or []:
                if str(k) not in seen:
                    seen.add(str(k))
                    queue.append(str(k))
        fetched = max(fetched, have_algolia)
        if gone:
            missing["not_returned"] = gone
        if queue:
            missing["not_requested"] = len(queue)
    return {"url": url, "site": SITE, "thread": thread, "reported": reported, "fetched": fetched,
            "complete": not missing, "missing": missing, "failed": []}
