"""Lemmy (any instance): a post and all its comments, page by page.

1. ``GET /api/v3/post?id=ID`` (the post, ``counts.comments`` its reported count).
2. ``GET /api/v3/comment/list?post_id=ID&type_=All&sort=Old&limit=50&page=N`` until a page comes back
   short.
3. Branches the pages cut (a comment whose ``child_count`` is larger than the descendants held) are
   asked by ``parent_id`` the same way.

The instance is the URL's host (``--api-base`` points elsewhere). Lemmy answers errors as
``{"error": "couldnt_find_post"}`` (status 400 or 404) and throttling as ``{"error": "rate_limit_error"}``.
"""

from __future__ import annotations

import re
from typing import Any

from discourse.fetch._client import FetchError, NotAvailable, Session

__all__ = ["SITE", "check", "fetch_thread", "match"]

SITE = "lemmy"
RATE = 2.0
LIMIT = 50
_URL = re.compile(r"^(https?://[^/\s]+)/post/(\d+)/?(?:[?#].*)?$")


def match(url: str) -> str | None:
    m = _URL.match(url.strip())
    return m.group(2) if m else None


def instance(url: str) -> str:
    m = _URL.match(url.strip())
    return m.group(1) if m else ""


def check(data: Any) -> tuple[str, str] | None:
    if isinstance(data, dict) and isinstance(data.get("error"), str) and "comments" not in data \
            and "post_view" not in data:
        msg = data["error"]
        if "rate_limit" in msg:
            return "throttled", msg
        return ("missing" if msg.startswith("couldnt_find") or msg in ("deleted", "not_found") else "error"), msg
    return None


def fetch_thread(session: Session, url: str, thread: str) -> dict[str, Any]:
    base = session.options.base_for(SITE, instance(url))
    kw: dict[str, Any] = {"site": SITE, "thread": thread, "rate": RATE, "check": check}
    post = session.get(f"{base}/api/v3/post", {"id": thread}, kind="post", **kw).data
    view = post.get("post_view") if isinstance(post, dict) else None
    if not isinstance(view, dict):
        raise FetchError(f"{base}/api/v3/post?id={thread}: expected a post answer with 'post_view'")
    reported = (view.get("counts") or {}).get("comments")
    comments: dict[str, dict[str, Any]] = {}
    requests = 1

    def pages(extra: dict[str, Any]) -> None:
        nonlocal requests
        page = 1
        while requests < session.options.max_requests:
            requests += 1
            got = session.get(f"{base}/api/v3/comment/list",
                              {**extra, "type_": "All", "sort": "Old", "limit": LIMIT, "page": page},
                              kind="comments", **kw).data
            items = got.get("comments") if isinstance(got, dict) else None
            if not isinstance(items, list):
                raise FetchError(f"{base}/api/v3/comment/list: expected {{'comments': [...]}}")
            for c in items:
                cid = str((c.get("comment") or {}).get("id"))
                comments.setdefault(cid, c)
            if len(items) < LIMIT:
                return
            page += 1

    pages({"post_id": thread})
    asked: set[str] = set()
    failed: list[str] = []
    while True:
        below: dict[str, int] = {}
        for c in comments.values():
            for anc in str((c.get("comment") or {}).get("path") or "").split(".")[1:-1]:
                below[anc] = below.get(anc, 0) + 1
        todo = [cid for cid, c in comments.items() if cid not in asked
                and ((c.get("counts") or {}).get("child_count") or 0) > below.get(cid, 0)]
        if not todo or requests >= session.options.max_requests:
            break
        for cid in todo:
            asked.add(cid)
            try:
                pages({"parent_id": cid})
            except NotAvailable as err:
                failed.append(str(err))
    lacking = max(0, reported - len(comments)) if isinstance(reported, int) else 0
    missing = {"not_returned": lacking} if lacking else {}
    if failed:
        missing["request_failed"] = len(failed)
    return {"url": url, "site": SITE, "thread": thread, "reported": reported, "fetched": len(comments),
            "complete": not missing, "missing": missing, "failed": failed}
