"""Discourse forums (any instance): a topic and every post its stream lists.

1. ``GET /t/ID.json``: the topic, with ``post_stream.stream`` (every post id, in order) and the first
   posts (about 20).
2. ``GET /t/ID/posts.json?post_ids[]=...`` for the ids the topic answer left out, 20 a call.

The forum is the URL's host (``--api-base`` points elsewhere). Login-only forums and private
categories answer 403 (``invalid_access``); Discourse's throttling answers 429 with ``Retry-After``
and ``{"error_type": "rate_limit"}``, recognised with status 200 too.
"""

from __future__ import annotations

import re
from typing import Any

from discourse.fetch._client import FetchError, NotAvailable, Session

__all__ = ["SITE", "check", "fetch_thread", "match"]

SITE = "discourse"
RATE = 2.0
BATCH = 20
# /t/SLUG/ID, /t/SLUG/ID/POST, /t/ID, /t/ID/POST (a first segment all digits is the id)
_URL = re.compile(r"^(https?://[^/\s]+(?:/[^/\s]+)*?)/t/(?:(\d+)|[^/\s]*[^/\d\s][^/\s]*/(\d+))(?:/\d+)?/?(?:[?#].*)?$")


def match(url: str) -> str | None:
    m = _URL.match(url.strip())
    return (m.group(2) or m.group(3)) if m else None


def forum(url: str) -> str:
    m = _URL.match(url.strip())
    return m.group(1) if m else ""


def check(data: Any) -> tuple[str, str] | None:
    if isinstance(data, dict) and "error_type" in data and "post_stream" not in data:
        msg = "; ".join(str(e) for e in data.get("errors") or []) or str(data["error_type"])
        kind = data["error_type"]
        return ("throttled" if kind == "rate_limit" else "missing" if kind == "not_found" else "error"), msg
    return None


def _posts(data: Any) -> list[dict[str, Any]]:
    stream = data.get("post_stream") if isinstance(data, dict) else None
    posts = stream.get("posts") if isinstance(stream, dict) else None
    return [p for p in posts or [] if isinstance(p, dict)]


def fetch_thread(session: Session, url: str, thread: str) -> dict[str, Any]:
    base = session.options.base_for(SITE, forum(url))
    kw: dict[str, Any] = {"site": SITE, "thread": thread, "rate": RATE, "check": check}
    topic = session.get(f"{base}/t/{thread}.json", kind="topic", **kw).data
    stream = topic.get("post_stream", {}).get("stream") if isinstance(topic, dict) else None
    if not isinstance(stream, list):
        raise FetchError(f"{base}/t/{thread}.json: expected a topic with 'post_stream.stream'")
    have = {p.get("id") for p in _posts(topic)}
    todo = [pid for pid in stream if pid not in have]
    failed: list[str] = []
    for i in range(0, len(todo), BATCH):
        batch = todo[i:i + BATCH]
        try:
            got = session.get(f"{base}/t/{thread}/posts.json", {"post_ids[]": batch}, kind="posts", **kw).data
        except NotAvailable as err:
            failed.append(str(err))
            continue
        have.update(p.get("id") for p in _posts(got))
    lacking = sum(1 for pid in stream if pid not in have)
    reported = topic.get("posts_count")
    missing = {"not_returned": lacking} if lacking else {}
    if failed:
        missing["request_failed"] = len(failed)
    return {"url": url, "site": SITE, "thread": thread,
            "reported": reported - 1 if isinstance(reported, int) else None,
            "fetched": max(0, len(have & set(stream)) - 1), "complete": not missing, "missing": missing,
            "failed": failed}
