"""Stack Exchange sites: a question, every answer and every comment, through the API (v2.3).

1. ``GET /2.3/questions/ID?site=HOST&filter=withbody`` (the question; ``answer_count``).
2. ``GET /2.3/questions/ID/answers?...&page=N`` and ``GET /2.3/questions/ID/comments?...&page=N`` until
   ``has_more`` is false (100 a page).
3. ``GET /2.3/answers/ID;ID;.../comments?...&page=N``: the answers' comments, 100 answers a call.

``site`` is the URL's host (``stackoverflow.com``, ``superuser.com``, ``X.stackexchange.com``, ...),
which the API takes as it is. Without a key an address gets 300 requests a day; with one (environment
variable ``STACKEXCHANGE_KEY``, from stackapps.com; it never reaches the manifest) 10,000. Every answer
may carry ``backoff`` (seconds to leave that method alone): it is honoured. Errors come as status 400
``{"error_id", "error_name", "error_message"}``: ``throttle_violation`` is throttling, unless its message
says the day's quota is spent (then the error says when it comes back). Answers are read by
:mod:`discourse.io.stackexchange_api`.
"""

from __future__ import annotations

import os
import re
from typing import Any

from discourse.fetch._client import FetchError, NotAvailable, Session

__all__ = ["DEFAULT_BASE", "KEY_ENV", "SITE", "check", "fetch_thread", "match"]

SITE = "stackexchange"
DEFAULT_BASE = "https://api.stackexchange.com"
KEY_ENV = "STACKEXCHANGE_KEY"
RATE = 10.0          # the API refuses more than 30 requests a second from one address
PAGE = 100
_HOSTS = r"(?:[a-z0-9-]+\.)?(?:stackoverflow\.com|superuser\.com|serverfault\.com|askubuntu\.com|" \
         r"stackapps\.com|mathoverflow\.net|[a-z0-9-]+\.stackexchange\.com)"
_URL = re.compile(rf"^https?://({_HOSTS})/(?:questions|q)/(\d+)(?:/[^\s?#]*)?/?(?:[?#].*)?$", re.IGNORECASE)
_QUOTA = re.compile(r"available in (\d+) seconds")


def match(url: str) -> str | None:
    m = _URL.match(url.strip())
    return m.group(2) if m else None


def host(url: str) -> str:
    m = _URL.match(url.strip())
    return m.group(1).lower() if m else ""


def check(data: Any) -> tuple[str, str] | None:
    if not (isinstance(data, dict) and "error_id" in data and "items" not in data):
        return None
    name = str(data.get("error_name") or data["error_id"])
    message = f"{name}: {data.get('error_message') or ''}".rstrip(": ")
    if name == "throttle_violation":
        quota = _QUOTA.search(str(data.get("error_message") or ""))
        if quota and int(quota.group(1)) > 600:
            return "error", (f"{message} (the address's daily quota is spent; set {KEY_ENV} for a larger one, "
                             "or rerun later: the folder resumes where it stopped)")
        return "throttled", message
    if name in ("no_method", "not_found"):
        return "missing", message
    return "error", message


def _pages(session: Session, url: str, params: dict[str, Any], kind: str, kw: dict[str, Any],
           budget: list[int]) -> list[dict[str, Any]]:
    """Every item of a paged method (page 1, 2, ... while ``has_more``)."""
    items: list[dict[str, Any]] = []
    page = 1
    while budget[0] > 0:
        budget[0] -= 1
        got = session.get(url, {**params, "page": page}, kind=kind, **kw)
        data = got.data
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise FetchError(f"{url}: expected a Stack Exchange answer with 'items'")
        items += [i for i in data["items"] if isinstance(i, dict)]
        backoff = data.get("backoff")
        if isinstance(backoff, (int, float)) and backoff > 0 and not got.reused:
            session.sleep(float(backoff))
        if not data.get("has_more"):
            break
        page += 1
    return items


def fetch_thread(session: Session, url: str, thread: str) -> dict[str, Any]:
    base = session.options.base_for(SITE, DEFAULT_BASE)
    key = os.environ.get(KEY_ENV) or None
    kw: dict[str, Any] = {"site": SITE, "thread": thread, "rate": RATE, "check": check, "secret_params": ("key",)}
    common = {"site": host(url), "filter": "withbody", "pagesize": PAGE, "sort": "creation", "order": "asc",
              "key": key}
    budget = [session.options.max_requests]
    question = _pages(session, f"{base}/2.3/questions/{thread}", common, "question", kw, budget)
    if not question:
        raise NotAvailable(f"{url}: the API has no question {thread} on {host(url)} (deleted, or not a question)")
    answers = _pages(session, f"{base}/2.3/questions/{thread}/answers", common, "answers", kw, budget)
    comments = _pages(session, f"{base}/2.3/questions/{thread}/comments", common, "comments", kw, budget)
    ids = sorted({str(a["answer_id"]) for a in answers if a.get("answer_id") is not None}, key=int)
    failed: list[str] = []
    for i in range(0, len(ids), PAGE):
        try:
            comments += _pages(session, f"{base}/2.3/answers/{';'.join(ids[i:i + PAGE])}/comments", common,
                               "answer_comments", kw, budget)
        except NotAvailable as err:
            failed.append(str(err))
    count = question[0].get("answer_count")
    short = max(0, count - len(ids)) if isinstance(count, int) else 0
    missing: dict[str, int] = {"not_returned": short} if short else {}
    if failed:
        missing["request_failed"] = len(failed)
    if budget[0] <= 0:
        missing["request_budget_spent"] = 1
    # the API's default filter gives answer_count but no comment counts: the thread's size is unknown
    return {"url": url, "site": SITE, "thread": thread, "reported": None,
            "fetched": len(ids) + len(comments), "complete": not missing, "missing": missing, "failed": failed}
