"""``discourse fetch URL... --out DIR``: save a thread's API responses for ``discourse build DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from discourse.cli._common import Quiet, err_console, handled

FetchOut = Annotated[Path, typer.Option("--out", "-o", help="Folder to save the responses and manifest.json into "
                                        "(created if missing; a rerun resumes it).", file_okay=False, dir_okay=True)]


def fetch(
    urls: Annotated[list[str], typer.Argument(help="Thread URLs: Reddit, Hacker News, YouTube, Bluesky, Stack Exchange sites, and any Mastodon, Lemmy or "
                                              "Discourse instance.",
                                              show_default=False)],
    out: FetchOut = Path("discourse-fetch"),
    api_base: Annotated[list[str] | None, typer.Option(
        "--api-base", help="Send requests to this origin instead of the site's (a mirror, an archive, a test "
        "server): URL for every site, or SITE=URL for one (repeatable).")] = None,
    user_agent: Annotated[str | None, typer.Option(
        "--user-agent", help="The User-Agent header (Reddit asks for a unique, descriptive one).")] = None,
    rate: Annotated[float | None, typer.Option(
        "--rate", min=0.001, help="Requests per second to one host (default: each site's own polite rate).")] = None,
    retries: Annotated[int, typer.Option("--retries", min=0, max=20,
                                         help="Retries of one request on 429, 5xx, throttling and dropped connections.")] = 5,
    max_wait: Annotated[float, typer.Option("--max-wait", min=0.0,
                                            help="Longest single wait in seconds (Retry-After included) before giving up.")] = 300.0,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for one answer.")] = 30.0,
    quiet: Quiet = False,
) -> None:
    """Fetch whole threads from their sites into --out, one file per API response, with manifest.json.

    Then `discourse build DIR` reads the folder. A rerun skips what DIR holds. See docs/fetch.md for what
    each site allows.
    """
    from discourse.fetch import DEFAULT_USER_AGENT, FetchOptions
    from discourse.fetch import fetch as run_fetch

    options = FetchOptions(user_agent=user_agent or DEFAULT_USER_AGENT, api_base=tuple(api_base or ()), rate=rate,
                           retries=retries, max_wait=max_wait, timeout=timeout)
    with handled(f"Interrupted; every file in {out}/ is complete and listed in its manifest: rerun the same "
                 "command to resume."):
        if quiet:
            result = run_fetch(urls, out, options)
        else:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} requests"),
                          TimeElapsedColumn(), console=err_console, transient=True) as bar:
                task = bar.add_task("fetch", total=None)

                def seen(url: str) -> None:
                    bar.update(task, advance=1, description=f"fetch {url[:80]}")

                result = run_fetch(urls, out, options, progress=seen)
        if not quiet:
            for t in result.threads:
                missing = {k: v for k, v in t["missing"].items() if v}
                lacks = ("; missing " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(missing.items()))
                         if missing else "")
                reported = f" of {t['reported']} reported" if t.get("reported") is not None else ""
                err_console.print(f"{t['site']} {t['thread']}: {t['fetched']} comments{reported}{lacks}", markup=False)
            err_console.print(f"{result.requests} request(s) sent, {result.reused} answered from {out}/; "
                              f"next: discourse build {out} --out BUNDLE", markup=False)
