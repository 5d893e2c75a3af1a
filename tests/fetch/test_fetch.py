"""discourse fetch against a local server replaying recorded responses (tests/data/fetch), per site:
paged and "more" answers, 429 with Retry-After, throttling sent with status 200, 403, 404 and a dropped
connection; then the folder read back by the directory reader."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from discourse.cli.app import app
from discourse.fetch import FetchOptions, NoNetwork, NotAvailable, Session, Throttled, fetch, recognise
from discourse.io import read
from tests.fetch._server import Replay, serve

DATA = Path(__file__).resolve().parent.parent / "data" / "fetch"
REDDIT = "https://www.reddit.com/r/AskHistorians/comments/k8w2q1/were_medieval_bridges/"
HN = "https://news.ycombinator.com/item?id=38100000"
MASTODON = "https://fosstodon.org/@riverwatch/111200000000000004"


def raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


def js(name: str) -> Any:
    return json.loads(raw(name))


class Clock:
    """An injected sleep and clock: waits are recorded, none is slept."""

    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.t += s

    def __call__(self) -> float:
        return self.t


def run(urls: list[str], out: Path, base: str, clock: Clock | None = None, **kw: Any) -> Any:
    clock = clock or Clock()
    opts = FetchOptions(api_base=(base,), **kw)
    with Session(out, opts, sleep=clock.sleep, clock=clock) as s:
        return fetch(urls, out, opts, session=s)


def reddit_routes(morechildren: list[Any]) -> Replay:
    return Replay({
        "/comments/k8w2q1.json": [(200, raw("reddit_thread.json"))],
        "/comments/k8w2q1/_/g0b2.json": [(200, raw("reddit_continue_g0b2.json"))],
        "/api/morechildren.json": morechildren,
    })


def test_urls_are_recognised() -> None:
    assert recognise(REDDIT)[1] == "k8w2q1"
    assert recognise("https://old.reddit.com/r/x/comments/K8W2Q1/")[1] == "k8w2q1"
    assert recognise("https://redd.it/k8w2q1")[1] == "k8w2q1"
    assert recognise(HN)[1] == "38100000"
    assert recognise(MASTODON)[1] == "111200000000000004"
    assert recognise("https://social.example/@a@b.example/111")[1] == "111"
    from discourse.errors import InputError
    with pytest.raises(InputError, match="not a thread URL"):
        recognise("https://example.com/blog/post")


def test_reddit_whole_tree_through_429_and_a_throttling_body(tmp_path: Path) -> None:
    replay = reddit_routes([(429, {"message": "Too Many Requests", "error": 429}, {"Retry-After": "7"}),
                            (200, raw("reddit_ratelimit_body.json")),
                            (200, raw("reddit_morechildren.json"))])
    clock = Clock()
    with serve(replay) as base:
        res = run([REDDIT], tmp_path, base, clock, user_agent="test-agent/1.0 by u/tester")
    assert 7.0 in clock.slept                      # Retry-After honoured
    assert 4.0 in clock.slept                      # the throttling body retried after backoff*2 (no header)
    assert set(replay.agents) == {"test-agent/1.0 by u/tester"}
    [t] = res.threads
    assert t["fetched"] == 5 and t["reported"] == 6 and t["complete"]
    more = [q for p, q in replay.log if p == "/api/morechildren.json"]
    assert more[-1]["children"] == "g0d4,g0e5" and more[-1]["link_id"] == "t3_k8w2q1"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [f["kind"] for f in manifest["files"]] == ["thread", "continue", "morechildren"]   # failures not saved
    for f in manifest["files"]:
        assert (tmp_path / f["file"]).is_file() and f["status"] == 200 and len(f["sha256"]) == 64

    got = read(tmp_path)
    c = got.comments.sort("comment_id")
    assert c["comment_id"].to_list() == ["g0a1", "g0b2", "g0c3", "g0d4", "g0e5"]
    parents = dict(zip(c["comment_id"], c["parent_id"]))
    assert parents == {"g0a1": None, "g0b2": "g0a1", "g0c3": "g0b2", "g0d4": None, "g0e5": "g0d4"}
    assert c.filter(c["comment_id"] == "g0b2")["text"].item() == "Lasting & being maintained are different things."
    tq = got.quality.thread("reddit", "k8w2q1")
    assert tq.read == 5 and tq.missing == 0 and tq.reported == 6      # no stub left over after the merge
    assert tq.repaired["author_deleted"] == 1 and tq.repaired["text_removed"] == 1


def test_rerun_resumes_without_the_network(tmp_path: Path) -> None:
    replay = reddit_routes([(200, raw("reddit_morechildren.json"))])
    with serve(replay) as base:
        run([REDDIT], tmp_path, base)
        sent = len(replay.log)
        again = run([REDDIT], tmp_path, base)
    assert sent == 3 and len(replay.log) == sent
    assert again.requests == 0 and again.reused == 3


def test_a_changed_file_is_refetched_and_refused_by_build(tmp_path: Path) -> None:
    replay = reddit_routes([(200, raw("reddit_morechildren.json"))])
    with serve(replay) as base:
        run([REDDIT], tmp_path, base)
        manifest = json.loads((tmp_path / "manifest.json").read_text())
        more = next(f["file"] for f in manifest["files"] if f["kind"] == "morechildren")
        (tmp_path / more).write_text('{"json": {"errors": [], "data": {"things": []}}}')
        from discourse.errors import InputError
        with pytest.raises(InputError, match="changed since it was fetched"):
            read(tmp_path)
        again = run([REDDIT], tmp_path, base)
    assert again.requests == 1       # only the tampered response was asked again
    assert read(tmp_path).comments.height == 5


def test_reddit_morechildren_that_return_nothing_are_missing(tmp_path: Path) -> None:
    replay = reddit_routes([(200, {"json": {"errors": [], "data": {"things": []}}})])
    with serve(replay) as base:
        res = run([REDDIT], tmp_path, base)
    assert res.threads[0]["missing"]["not_returned"] == 2 and not res.threads[0]["complete"]
    got = read(tmp_path)
    tq = got.quality.thread("reddit", "k8w2q1")
    assert tq.read == 3 and tq.missing == 2
    assert any("could not get 2 (not returned)" in n for f in got.quality.files for n in f.notes)


def test_hackernews_algolia_then_firebase_for_what_it_lacks(tmp_path: Path) -> None:
    items = js("hn_firebase_items.json")
    replay = Replay({
        "/api/v1/items/38100000": [(200, raw("hn_algolia_38100000.json"))],
        "/v0/item/38100000.json": [(200, raw("hn_firebase_38100000.json"))],
        **{f"/v0/item/{k}.json": [(200, v)] for k, v in items.items()},
        "/v0/item/38100040.json": [(200, "null")],        # Firebase answers null for an item it lost
    })
    with serve(replay) as base:
        res = run([HN], tmp_path, base)
    [t] = res.threads
    assert t["reported"] == 4 and t["fetched"] == 3 and t["missing"] == {"not_returned": 1}
    got = read(tmp_path)
    c = got.comments.sort("comment_id")
    assert c["comment_id"].to_list() == ["38100010", "38100011", "38100020", "38100030"]
    assert dict(zip(c["comment_id"], c["parent_id"]))["38100030"] == "38100010"
    tq = got.quality.thread("hackernews", "38100000")
    assert tq.reported == 4 and tq.missing == 1 and tq.read == 4


def test_hackernews_algolia_alone_when_complete(tmp_path: Path) -> None:
    story = {**js("hn_firebase_38100000.json"), "descendants": 2}
    replay = Replay({"/api/v1/items/38100000": [(200, raw("hn_algolia_38100000.json"))],
                     "/v0/item/38100000.json": [(200, story)]})
    with serve(replay) as base:
        res = run([HN], tmp_path, base)
    assert len(replay.log) == 2 and res.threads[0]["complete"]
    got = read(tmp_path)
    assert got.comments.height == 3 and got.threads["reported_comments"].to_list() == [2]


def test_mastodon_reply_url_fetches_the_conversation_and_capped_branches(tmp_path: Path) -> None:
    replay = Replay({
        "/api/v1/statuses/111200000000000004": [(200, raw("mastodon_status_reply.json"))],
        "/api/v1/statuses/111200000000000004/context": [(200, raw("mastodon_context_reply.json"))],
        "/api/v1/statuses/111200000000000001": [(200, raw("mastodon_status_root.json"))],
        "/api/v1/statuses/111200000000000001/context": [(200, raw("mastodon_context_root.json"))],
    })
    with serve(replay) as base:
        res = run([MASTODON], tmp_path, base)
    [t] = res.threads
    assert t["thread"] == "111200000000000001" and t["fetched"] == 4 and t["complete"]
    got = read(tmp_path)
    assert got.threads["thread_id"].to_list() == ["111200000000000001"]
    c = got.comments.sort("comment_id")
    assert c["comment_id"].to_list() == [f"11120000000000000{i}" for i in (2, 3, 4, 5)]
    assert c["author"].to_list() == ["hydro@scholar.social", "budgethawk", "riverwatch", "budgethawk"]
    assert got.quality.thread("mastodon", "111200000000000001").read == 4


@pytest.mark.parametrize(("answer", "error", "words"), [
    ((403, {"reason": "private", "message": "Forbidden", "error": 403}), NotAvailable, "HTTP 403 forbidden (private)"),
    ((404, {"message": "Not Found", "error": 404}), NotAvailable, "HTTP 404 not found"),
    ((403, "<html><body>You've been blocked by network security.</body></html>"), NotAvailable, "HTTP 403 forbidden"),
    ((429, {"message": "Too Many Requests"}, {"Retry-After": "3600"}), Throttled, "wait 3600 s"),
    ((503, "<html>upstream down</html>"), Throttled, "HTTP 503, still after 3 tries"),
    ((200, "<html><title>whoa there, pardner!</title></html>"), Throttled, "too many requests"),
    ((200, "<html><body>Log in to continue</body></html>"), Exception, "not JSON"),
    ("drop", NoNetwork, "connection failed"),
])
def test_errors_are_one_line_and_leave_nothing_half_written(tmp_path: Path, answer: Any, error: type,
                                                             words: str) -> None:
    replay = Replay({"/comments/k8w2q1.json": [answer]})
    with serve(replay) as base, pytest.raises(error, match=re.escape(words)) as info:
        run([REDDIT], tmp_path, base, retries=2)
    assert "\n" not in str(info.value)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert not list(tmp_path.glob("reddit-*"))


def test_cli_fetch_then_build_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    replay = Replay({"/api/v1/statuses/111200000000000001": [(200, raw("mastodon_status_root.json"))],
                     "/api/v1/statuses/111200000000000001/context": [(200, raw("mastodon_context_root.json"))],
                     "/api/v1/statuses/111200000000000004/context": [(200, raw("mastodon_context_reply.json"))]})
    out = tmp_path / "dir"
    with serve(replay) as base:
        res = runner.invoke(app, ["fetch", "https://fosstodon.org/@riverwatch/111200000000000001", "--out", str(out),
                                  "--api-base", f"mastodon={base}", "--rate", "1000"])
        assert res.exit_code == 0, res.output
        assert "mastodon 111200000000000001: 4 comments" in res.output
        bad = runner.invoke(app, ["fetch", "https://fosstodon.org/@riverwatch/99", "--out", str(tmp_path / "x"),
                                  "--api-base", base, "--quiet"])
        assert bad.exit_code == 1
        assert bad.output.strip().startswith("Error: ") and "HTTP 404 not found" in bad.output
        assert len(bad.output.strip().splitlines()) == 1
    unknown = runner.invoke(app, ["fetch", "https://example.com/x", "--out", str(tmp_path / "y")])
    assert unknown.exit_code == 1 and "not a thread URL" in unknown.output
    res = runner.invoke(app, ["convert", str(out), "--to", "parquet", "--out", str(tmp_path / "conv"), "--quiet"])
    assert res.exit_code == 0, res.output
    import polars as pl
    assert pl.read_parquet(tmp_path / "conv" / "comments.parquet").height == 4


def test_a_fetch_stopped_by_throttling_resumes_where_it_stopped(tmp_path: Path) -> None:
    replay = reddit_routes([(429, {"message": "Too Many Requests", "error": 429}, {"Retry-After": "9999"})])
    with serve(replay) as base:
        with pytest.raises(Throttled, match="wait 9999 s"):
            run([REDDIT], tmp_path, base)
        manifest = json.loads((tmp_path / "manifest.json").read_text())
        assert [f["kind"] for f in manifest["files"]] == ["thread", "continue"]   # what came is listed
        assert read(tmp_path).comments.height == 3                             # and builds meanwhile
        replay.routes["/api/morechildren.json"] = [(200, raw("reddit_morechildren.json"))]
        before = len(replay.log)
        again = run([REDDIT], tmp_path, base)
    assert [p for p, _ in replay.log[before:]] == ["/api/morechildren.json"]
    assert again.reused == 2 and again.threads[0]["complete"]


def test_cli_fetch_then_build_a_reddit_thread(tmp_path: Path) -> None:
    runner = CliRunner()
    out, bundle = tmp_path / "raw", tmp_path / "out"
    with serve(reddit_routes([(200, raw("reddit_morechildren.json"))])) as base:
        res = runner.invoke(app, ["fetch", REDDIT, "--out", str(out), "--api-base", base, "--rate", "1000",
                                  "--user-agent", "discourse-tests/1.0"])
    assert res.exit_code == 0, res.output
    assert "reddit k8w2q1: 5 comments of 6 reported" in res.output
    res = runner.invoke(app, ["build", str(out), "--out", str(bundle), "--quiet"])
    assert res.exit_code == 0, res.output
    quality = json.loads((bundle / "quality.json").read_text())
    assert quality["totals"]["read"] == 5 and quality["totals"]["coverage"] == round(5 / 6, 4)
    assert any(f["format"] == "fetched" for f in quality["files"])


def test_hackernews_firebase_alone_when_algolia_does_not_know_the_item(tmp_path: Path) -> None:
    items = js("hn_firebase_items.json")
    replay = Replay({   # no Algolia route: the replay answers 404, as Algolia does for an item it lacks
        "/v0/item/38100000.json": [(200, raw("hn_firebase_38100000.json"))],
        **{f"/v0/item/{k}.json": [(200, v)] for k, v in items.items()},
        "/v0/item/38100040.json": [(200, "null")],
    })
    with serve(replay) as base:
        res = run([HN], tmp_path, base)
    assert replay.log[0][0] == "/api/v1/items/38100000"
    assert res.threads[0]["fetched"] == 3
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {f["kind"] for f in manifest["files"]} == {"firebase"}      # the 404 saved nothing
    got = read(tmp_path)
    assert sorted(got.comments["comment_id"]) == ["38100010", "38100011", "38100020", "38100030"]
    assert got.quality.thread("hackernews", "38100000").missing == 1
