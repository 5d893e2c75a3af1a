"""The issue's "done when": fetch r/announcements fo7p5b from a local server replaying the shared
corpus's recorded thread page, then build the folder."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from discourse.cli.app import app
from tests.fetch._server import Replay, serve

URL = "https://www.reddit.com/r/announcements/comments/fo7p5b/introducing_reddit_polls/"


def _find(things: list[Any], cid: str) -> dict[str, Any] | None:
    stack = list(things)
    while stack:
        t = stack.pop()
        d = t.get("data", {})
        if t.get("kind") == "t1" and d.get("id") == cid:
            return t
        if t.get("kind") == "t1" and isinstance(d.get("replies"), dict):
            stack.extend(d["replies"]["data"]["children"])
    return None


@pytest.mark.shared
@pytest.mark.slow
def test_fetch_then_build_the_recorded_reddit_thread(corpora: Path, tmp_path: Path) -> None:
    raw = (corpora / "reddit" / "praw_fo7p5b_announcements_thread.json").read_bytes()
    page = json.loads(raw)     # already the API's shape: [submission Listing, comment Listing]

    def continue_page(path: str, query: dict[str, str]) -> Any:
        # /comments/fo7p5b/_/PARENT.json: the page rooted at that comment, as Reddit answers it
        pid = path.rsplit("/", 1)[-1].removesuffix(".json")
        found = _find(page[1]["data"]["children"], pid)
        if found is None:
            return 404, {"message": "Not Found", "error": 404}
        return 200, [page[0], {"kind": "Listing", "data": {"children": [copy.deepcopy(found)]}}]

    replay = Replay({
        "/comments/fo7p5b.json": [(200, raw)],
        # the recording holds no expansions: the API "has nothing more" for every stub
        "/api/morechildren.json": lambda p, q: (200, {"json": {"errors": [], "data": {"things": []}}}),
    })
    replay.routes.update({f"/comments/fo7p5b/_/{i}.json": continue_page for i in _continue_parents(page)})
    out, bundle = tmp_path / "dir", tmp_path / "bundle"
    runner = CliRunner()
    with serve(replay) as base:
        res = runner.invoke(app, ["fetch", URL, "--out", str(out), "--api-base", base, "--rate", "10000", "--quiet"])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    thread_file = next(f for f in manifest["files"] if f["kind"] == "thread")
    assert (out / thread_file["file"]).read_bytes() == raw           # saved unchanged
    kinds = {f["kind"] for f in manifest["files"]}
    assert {"thread", "morechildren"} <= kinds
    [t] = manifest["threads"]
    assert t["reported"] == 3982 and t["fetched"] == 492
    assert t["missing"]["not_returned"] == 2702 and not t["complete"]

    res = runner.invoke(app, ["build", str(out), "--out", str(bundle), "--quiet"])
    assert res.exit_code == 0, res.output
    quality = json.loads((bundle / "quality.json").read_text())
    tq = quality["threads"]["reddit/fo7p5b"] if "reddit/fo7p5b" in quality.get("threads", {}) else None
    totals = quality["totals"]
    assert totals["read"] == 492
    assert totals["kept"] + sum(totals["dropped"].values()) == 492
    assert 0 < totals["coverage"] < 0.2        # 492 of 3982
    notes = [n for f in quality["files"] for n in f["notes"]]
    assert any("could not get 2702 (not returned)" in n for n in notes), notes
    del tq


def _continue_parents(page: list[Any]) -> list[str]:
    out, stack = [], list(page[1]["data"]["children"])
    while stack:
        t = stack.pop()
        d = t.get("data", {})
        if t.get("kind") == "more" and d.get("id") == "_":
            out.append(str(d["parent_id"])[3:])
        if t.get("kind") == "t1" and isinstance(d.get("replies"), dict):
            stack.extend(d["replies"]["data"]["children"])
    return out
