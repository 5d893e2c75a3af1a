"""YouTube: a video's comment threads, every page, and every reply of each.

1. ``GET /youtube/v3/commentThreads?part=snippet,replies&videoId=ID&maxResults=100`` page after page
   (``nextPageToken``); a thread embeds at most five replies.
2. ``GET /youtube/v3/comments?part=snippet&parentId=TOP&maxResults=100`` (paged) for every top-level
   comment whose ``totalReplyCount`` is larger than the replies embedded.

The Data API needs a key: the environment variable ``YOUTUBE_API_KEY`` (the error names it when it is
absent). The key is sent but never written to the manifest. Each call costs one unit of the key's
daily quota (10,000 by default); ``quotaExceeded`` and ``rateLimitExceeded`` (403) are throttling,
``commentsDisabled`` and ``videoNotFound`` say the thread cannot be fetched.
"""

from __future__ import annotations

import os
import re
from typing import Any

from discourse.fetch._client import FetchError, NotAvailable, Session

__all__ = ["DEFAULT_BASE", "KEY_ENV", "SITE", "check", "fetch_thread", "match"]

SITE = "youtube"
DEFAULT_BASE = "https://www.googleapis.com"
KEY_ENV = "YOUTUBE_API_KEY"
RATE = 5.0
_URL = re.compile(r"^https?://(?:(?:www|m|music)\.)?(?:youtube\.com/(?:watch\?(?:.*&)?v=|shorts/|live/|embed/)|youtu\.be/)"
                  r"([A-Za-z0-9_-]{11})")


def match(url: str) -> str | None:
    m = _URL.match(url.strip())
    return m.group(1) if m else None


def check(data: Any) -> tuple[str, str] | None:
    """Google's error body ``{"error": {"code", "message", "errors": [{"reason": ...}]}}``."""
    err = data.get("error") if isinstance(data, dict) else None
    if not isinstance(err, dict):
        return None
    reasons = {str(e.get("reason")) for e in err.get("errors") or [] if isinstance(e, dict)}
    msg = str(err.get("message") or ", ".join(sorted(reasons)))
    if reasons & {"rateLimitExceeded", "userRateLimitExceeded"}:
        return "throttled", msg
    if "quotaExceeded" in reasons:
        return "error", f"the key's daily quota is spent ({msg}); it resets at midnight Pacific time"
    if reasons & {"commentsDisabled", "videoNotFound", "forbidden"}:
        return "missing", ", ".join(sorted(reasons))
    return "error", msg


def fetch_thread(session: Session, url: str, thread: str) -> dict[str, Any]:
    key = os.environ.get(KEY_ENV)
    if not key:
        raise FetchError(f"{url}: YouTube's Data API needs a key; set the environment variable {KEY_ENV} "
                         "(a key from console.cloud.google.com, YouTube Data API v3 enabled)")
    base = session.options.base_for(SITE, DEFAULT_BASE)
    kw: dict[str, Any] = {"site": SITE, "thread": thread, "rate": RATE, "check": check, "secret_params": ("key",)}
    token: str | None = None
    tops: list[dict[str, Any]] = []
    requests = 0
    while requests < session.options.max_requests:
        requests += 1
        page = session.get(f"{base}/youtube/v3/commentThreads",
                           {"part": "snippet,replies", "videoId": thread, "maxResults": 100, "order": "time",
                            "textFormat": "plainText", "pageToken": token, "key": key}, kind="commentThreads", **kw).data
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise FetchError(f"{base}/youtube/v3/commentThreads: expected a commentThreadListResponse")
        tops += [t for t in page["items"] if isinstance(t, dict)]
        token = page.get("nextPageToken")
        if not token:
            break
    fetched = len(tops)
    short = 0
    failed: list[str] = []
    for t in tops:
        snippet = t.get("snippet") or {}
        total = snippet.get("totalReplyCount") or 0
        embedded = len((t.get("replies") or {}).get("comments") or [])
        if total <= embedded:
            fetched += embedded
            continue
        got, token = 0, None
        while requests < session.options.max_requests:
            requests += 1
            try:
                page = session.get(f"{base}/youtube/v3/comments",
                                   {"part": "snippet", "parentId": t.get("id"), "maxResults": 100,
                                    "textFormat": "plainText", "pageToken": token, "key": key}, kind="comments", **kw).data
            except NotAvailable as err:
                failed.append(str(err))
                break
            got += len(page.get("items") or []) if isinstance(page, dict) else 0
            token = page.get("nextPageToken") if isinstance(page, dict) else None
            if not token:
                break
        fetched += got
        short += max(0, total - got)
    missing = {"not_returned": short} if short else {}
    if failed:
        missing["request_failed"] = len(failed)
    return {"url": url, "site": SITE, "thread": thread, "reported": None, "fetched": fetched,
            "complete": not missing, "missing": missing, "failed": failed}
