"""Fetch threads from the live sites into a folder ``discourse build`` reads.

``fetch(urls, out)`` recognises each thread URL, asks the site's API for the whole thread (every
"more" expansion, every page) and saves each response unchanged into ``out`` (one file per response)
with ``manifest.json`` (the request, status, time and SHA-256 of every file, and per thread what is
still missing). A rerun skips what the folder holds. ``discourse build OUT`` reads the folder
(``discourse/io/fetched.py``).

One module per site, each with ``match(url) -> thread id | None`` and
``fetch_thread(session, url, thread) -> thread record``; the session (``_client.py``) does the HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from discourse.errors import InputError
from discourse.fetch import bluesky, discourse_forum, hackernews, lemmy, mastodon, reddit, stackexchange, youtube
from discourse.fetch._client import (
    DEFAULT_USER_AGENT,
    FetchError,
    FetchOptions,
    NoNetwork,
    NotAvailable,
    Session,
    Throttled,
)
from discourse.fetch._manifest import MANIFEST, Manifest

__all__ = [
    "DEFAULT_USER_AGENT",
    "MANIFEST",
    "SITES",
    "FetchError",
    "FetchOptions",
    "FetchResult",
    "Manifest",
    "NoNetwork",
    "NotAvailable",
    "Session",
    "Throttled",
    "fetch",
    "recognise",
]

# tried in order; the first whose match() takes the URL fetches it
SITES: tuple[ModuleType, ...] = (reddit, hackernews, youtube, bluesky, lemmy, stackexchange, discourse_forum,
                                 mastodon)


@dataclass
class FetchResult:
    out: Path
    threads: list[dict[str, Any]]
    requests: int      # sent over the network by this run
    reused: int        # answered from the folder (a resumed run)


def recognise(url: str) -> tuple[ModuleType, str]:
    """(site module, thread id) for a thread URL, or an InputError saying which URLs are known."""
    for site in SITES:
        thread = site.match(url)
        if thread:
            return site, thread
    raise InputError(f"{url}: not a thread URL discourse can fetch; expected one of "
                     + ", ".join(s.SITE for s in SITES) + " (see docs/fetch.md for the URL forms)")


def fetch(urls: Sequence[str], out: str | Path, options: FetchOptions | None = None, *,
          session: Session | None = None, progress: Callable[[str], None] | None = None) -> FetchResult:
    """Fetch every thread of ``urls`` into ``out``; returns what each thread holds and lacks.

    Raises InputError for a URL no site module takes (before anything is fetched), and the site's
    FetchError (NotAvailable, Throttled, NoNetwork) for a thread that cannot be fetched; what was
    saved before the error stays in ``out``, complete and in the manifest, for a rerun to resume."""
    options = options or FetchOptions()
    plan = [(url, *recognise(url)) for url in urls]
    if not plan:
        raise InputError("no URL given")
    out = Path(out)
    own = session is None
    sess = session or Session(out, options, progress=progress)
    done: list[dict[str, Any]] = []
    try:
        for url, site, thread in plan:
            record = site.fetch_thread(sess, url, thread)
            sess.manifest.set_thread(record)
            sess.save()
            done.append(record)
    finally:
        if own:
            sess.close()        # saves the manifest: every saved response is listed, even after an error
        else:
            sess.flush()
    return FetchResult(out, done, sess.requests_sent, sess.reused)
