"""The HTTP side of ``discourse fetch``: one polite, robust session per fetch folder.

* **Polite**: a minimum interval between requests to one host (each site module sets its own rate),
  a User-Agent that names discourse (configurable: Reddit refuses generic ones).
* **Robust**: 429 and 5xx answers, dropped connections and timeouts are retried with exponential
  backoff; a ``Retry-After`` header (seconds or an HTTP date) is honoured; a wait longer than the
  budget fails at once with a one-line error instead of hanging. A site's ``check`` recognises error
  and throttling bodies sent with status 200 (Reddit's ``RATELIMIT``, an HTML block page).
* **Resumable**: every response is saved unchanged, one file per response, written atomically, and
  recorded in the folder's manifest (``discourse/fetch/_manifest.py``) with its request; a rerun answers
  a request the manifest already holds from the saved file (checked by SHA-256) without the network.

The sleep and the clock are injectable so that tests of waits take no time.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from discourse._version import __version__
from discourse.errors import DiscourseError
from discourse.fetch._manifest import Manifest, request_key
from discourse.io.write import write_bytes

__all__ = [
    "DEFAULT_USER_AGENT",
    "BodyCheck",
    "FetchError",
    "FetchOptions",
    "NoNetwork",
    "NotAvailable",
    "Response",
    "Session",
    "Throttled",
]

DEFAULT_USER_AGENT = f"discourse-network-analysis/{__version__} (research; +https://pypi.org/project/discourse-network-analysis/)"


class FetchError(DiscourseError):
    """A thread could not be fetched; the message names the URL and why."""


class NotAvailable(FetchError):
    """403, 404, 410: private, deleted, quarantined or wrong id."""


class Throttled(FetchError):
    """Rate-limited past the retry budget."""


class NoNetwork(FetchError):
    """The server could not be reached, or kept dropping the connection."""


# A site's check of a decoded body: None when it is a real answer, else ("throttled" | "missing" | "error", message)
BodyCheck = Callable[[Any], "tuple[str, str] | None"]


@dataclass(frozen=True)
class FetchOptions:
    """How ``discourse fetch`` talks to the sites (not build options: nothing here reaches a bundle)."""

    user_agent: str = DEFAULT_USER_AGENT
    api_base: tuple[str, ...] = ()        # "URL" (every site) or "site=URL"
    rate: float | None = None             # requests per second per host; None: each site's own default
    retries: int = 5                      # retries of one request (429, 5xx, throttling bodies, dropped connections)
    backoff: float = 2.0                  # first wait in seconds, doubled on each retry
    max_wait: float = 300.0               # the longest single wait (Retry-After included) before giving up
    timeout: float = 30.0
    max_requests: int = 5000              # per thread: a guard against a site that never says "done"

    def base_for(self, site: str, default: str) -> str:
        """The origin (scheme://host[:port][/prefix]) to use for ``site`` instead of ``default``."""
        chosen = None
        for item in self.api_base:
            name, sep, url = item.partition("=")
            if sep and "://" not in name:
                if name.strip().lower() == site:
                    chosen = url
            elif chosen is None:
                chosen = item
        return (chosen or default).rstrip("/")


@dataclass
class Response:
    data: Any
    status: int
    file: str
    reused: bool


@dataclass
class Session:
    """Requests for one fetch folder; saves each response and records it in the manifest."""

    out: Path
    options: FetchOptions = field(default_factory=FetchOptions)
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    progress: Callable[[str], None] | None = None
    requests_sent: int = 0
    reused: int = 0

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.manifest = Manifest.load(self.out)
        self._last: dict[str, float] = {}
        self._client: httpx.Client | None = None
        self._unsaved = 0
        self._saved_at = self.clock()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save(self) -> None:
        """Write the manifest now (``get`` writes it at most once a second: a long fetch would
        otherwise rewrite a growing manifest after every response)."""
        self.manifest.save()
        self._unsaved = 0
        self._saved_at = self.clock()

    def flush(self) -> None:
        """Write the manifest if responses came since it was last written."""
        if self._unsaved:
            self.save()

    def close(self) -> None:
        self.flush()
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                headers={"User-Agent": self.options.user_agent, "Accept": "application/json"},
                timeout=self.options.timeout, follow_redirects=True, transport=self.transport)
        return self._client

    # -- one request ---------------------------------------------------------------------------
    def get(self, url: str, params: dict[str, Any] | None = None, *, site: str, thread: str, kind: str,
            rate: float = 1.0, check: BodyCheck | None = None, headers: dict[str, str] | None = None,
            secret_params: tuple[str, ...] = ()) -> Response:
        """GET ``url`` (JSON), or answer from the folder when the manifest holds this request.

        Raises NotAvailable (401/403/404/410), Throttled (past the retry budget) or NoNetwork; any
        other status or body that is not JSON is a FetchError naming the URL."""
        params = {k: v for k, v in (params or {}).items() if v is not None}
        shown = {k: v for k, v in params.items() if k not in secret_params}   # API keys never reach the manifest
        key = request_key("GET", url, shown)
        entry = self.manifest.find(key)
        if entry is not None:
            saved = self.out / entry["file"]
            if saved.is_file():
                raw = saved.read_bytes()
                if hashlib.sha256(raw).hexdigest() == entry["sha256"]:
                    self.reused += 1
                    return Response(_json(raw, url), entry["status"], entry["file"], True)
        raw, status = self._send(url, params, rate=rate, check=check, headers=headers or {})
        name = self.manifest.next_name(site, thread, kind)
        write_bytes(self.out / name, raw)
        self.manifest.add({
            "file": name, "site": site, "thread": thread, "kind": kind, "method": "GET", "url": url,
            "params": shown, "status": status, "time": self.now().isoformat(timespec="seconds"),
            "bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest(), "key": key,
        })
        self._unsaved += 1
        if self.clock() - self._saved_at >= 1.0:
            self.save()
        return Response(_json(raw, url), status, name, False)

    def _wait_turn(self, url: str, rate: float) -> None:
        rate = self.options.rate or rate
        host = urlsplit(url).netloc
        if rate > 0 and host in self._last:
            gap = 1.0 / rate - (self.clock() - self._last[host])
            if gap > 0:
                self.sleep(gap)
        self._last[host] = self.clock()

    def _send(self, url: str, params: dict[str, Any], *, rate: float, check: BodyCheck | None,
              headers: dict[str, str]) -> tuple[bytes, int]:
        opts = self.options
        shown = _shown(url)
        why = ""
        for attempt in range(opts.retries + 1):
            self._wait_turn(url, rate)
            if self.progress:
                self.progress(shown)
            self.requests_sent += 1
            wait: float | None = None
            try:
                resp = self._http().get(url, params=params, headers=headers)
            except httpx.TimeoutException:
                why = "timed out"
            except httpx.TransportError as err:
                why = f"connection failed ({type(err).__name__}: {err})" if str(err) else \
                    f"connection failed ({type(err).__name__})"
            else:
                status = resp.status_code
                # a JSON 401/403 body may say more (YouTube's quota, a throttled API); an HTML one is a refusal
                verdict = check(_maybe_json(resp.content)) if check and status in (401, 403) \
                    and _maybe_json(resp.content) is not None else None
                if verdict is not None and verdict[0] == "error":
                    raise FetchError(f"{shown}: HTTP {status}: {verdict[1]}")
                if verdict is not None and verdict[0] == "missing":
                    raise NotAvailable(f"{shown}: HTTP {status} ({verdict[1]})")
                if verdict is not None:
                    why = f"HTTP {status} throttled ({verdict[1]})"
                    wait = _retry_after(resp.headers.get("Retry-After"), self.now())
                elif status in (401, 403):
                    raise NotAvailable(f"{shown}: HTTP {status} forbidden{_reason(resp)}: the thread is private, "
                                       "quarantined or blocked, or the site refuses unauthenticated clients")
                if status in (404, 410):
                    raise NotAvailable(f"{shown}: HTTP {status} not found{_reason(resp)}: the thread is deleted "
                                       "or the id is wrong")
                elif status == 429 or status >= 500:
                    why = f"HTTP {status}"
                    wait = _retry_after(resp.headers.get("Retry-After"), self.now())
                elif status >= 400:
                    # some APIs answer 400 for a missing thread or for throttling (Lemmy, Bluesky): ask the site
                    verdict = _verdict(resp.content, check) if check else None
                    if verdict is None:
                        raise FetchError(f"{shown}: HTTP {status}{_reason(resp)}")
                    if verdict[0] == "error":
                        raise FetchError(f"{shown}: HTTP {status}: {verdict[1]}")
                    if verdict[0] == "missing":
                        raise NotAvailable(f"{shown}: HTTP {status} not found ({verdict[1]}): the thread is deleted "
                                           "or the id is wrong")
                    why = f"HTTP {status} throttled ({verdict[1]})"
                    wait = _retry_after(resp.headers.get("Retry-After"), self.now())
                else:
                    raw = resp.content
                    verdict = _verdict(raw, check)
                    if verdict is None:
                        return raw, status
                    what, message = verdict
                    if what == "missing":
                        raise NotAvailable(f"{shown}: not found ({message}): the thread is deleted or the id is wrong")
                    if what != "throttled":
                        raise FetchError(f"{shown}: the site answered with an error: {message}")
                    why = f"throttled ({message}) with status {status}"
                    wait = _retry_after(resp.headers.get("Retry-After"), self.now())
            if attempt == opts.retries:
                break
            delay = wait if wait is not None else opts.backoff * 2 ** attempt
            if delay > opts.max_wait:
                raise Throttled(f"{shown}: {why}; the server asks to wait {delay:.0f} s, more than --max-wait "
                                f"{opts.max_wait:.0f} s; rerun later (the folder resumes where it stopped)")
            self.sleep(delay)
        tries = opts.retries + 1
        if why.startswith(("connection", "timed")):
            raise NoNetwork(f"{shown}: {why}, {tries} tries; check the network or --api-base, then rerun "
                            "(the folder resumes where it stopped)")
        raise Throttled(f"{shown}: {why}, still after {tries} tries; rerun later (the folder resumes where it "
                        "stopped) or lower --rate")


def _shown(url: str) -> str:
    return url


def _json(raw: bytes, url: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        raise FetchError(f"{url}: the answer is not JSON ({err})") from err


def _maybe_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None


def _verdict(raw: bytes, check: BodyCheck | None) -> tuple[str, str] | None:
    """Is a 200 body an error in disguise?  Not JSON at all (an HTML block or login page) is throttling
    when it says so, else an error; JSON goes to the site's own check."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        text = raw[:4096].decode("utf-8", "replace").lower()
        if any(w in text for w in ("too many requests", "rate limit", "ratelimit", "whoa there", "slow down")):
            return "throttled", "an HTML page about too many requests"
        return "error", "a page that is not JSON (a login, consent or block page?)"
    return check(data) if check else None


def _reason(resp: httpx.Response) -> str:
    """A short reason from an error body (Reddit's ``reason``, Mastodon's ``error``), if any."""
    try:
        data = resp.json()
    except ValueError:
        return ""
    if isinstance(data, dict) and isinstance(data.get("error"), dict):   # Google APIs: {"error": {"message": ...}}
        data = data["error"]
    if isinstance(data, dict):
        for k in ("reason", "error", "message", "error_message"):
            v = data.get(k)
            if isinstance(v, str) and v and len(v) < 200:
                return f" ({v})"
    return ""


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
