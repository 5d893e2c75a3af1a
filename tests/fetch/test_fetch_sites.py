"""discourse fetch for Discourse forums, YouTube, Lemmy and Bluesky against recorded answers on 127.0.0.1,
and the folders read back by each site's reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from discourse.errors import DiscourseError
from discourse.fetch import FetchError, NotAvailable, Throttled, lemmy, recognise
from discourse.io import read
from tests.fetch._server import Replay, serve
from tests.fetch.test_fetch import Clock, raw, run

FORUM = "https://forum.example.org/t/tabs-or-spaces/31415"
VIDEO = "https://www.youtube.com/watch?v=Vid_0123456&t=42s"
LEMMY = "https://lemmy.example/post/4242"
BSKY = "https://bsky.app/profile/bob.example.com/post/3kr1000000000"
ROOT = "at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3kroot00000aa"


def test_site_urls_are_recognised() -> None:
    assert recognise(FORUM)[0].SITE == "discourse" and recognise(FORUM)[1] == "31415"
    assert recognise("https://forum.example.org/t/31415/7")[1] == "31415"
    assert recognise(VIDEO)[1] == "Vid_0123456" and recognise("https://youtu.be/Vid_0123456")[1] == "Vid_0123456"
    assert recognise("https://www.youtube.com/shorts/Vid_0123456")[0].SITE == "youtube"
    assert recognise(LEMMY)[0].SITE == "lemmy" and recognise(LEMMY)[1] == "4242"
    assert recognise(BSKY)[0].SITE == "bluesky" and recognise(BSKY)[1] == "3kr1000000000"


def test_discourse_topic_and_missing_posts_through_a_200_rate_limit(tmp_path: Path) -> None:
    replay = Replay({"/t/31415.json": [(200, raw("discourse_topic_31415.json"))],
                     "/t/31415/posts.json": [(200, raw("discourse_rate_limit.json")),
                                             (200, raw("discourse_posts_31415.json"))]})
    clock = Clock()
    with serve(replay) as base:
        res = run([FORUM], tmp_path, base, clock)
    assert 2.0 in clock.slept          # the throttling body (status 200) retried after the first backoff
    [t] = res.threads
    assert t["reported"] == 4 and t["fetched"] == 4 and t["complete"]
    assert replay.log[-1][1]["post_ids[]"] == "904"      # the ids the topic left out (the last one logged)
    got = read(tmp_path)
    c = got.comments.sort("comment_id")
    assert c["comment_id"].to_list() == ["2", "3", "4", "5"]
    assert dict(zip(c["comment_id"], c["parent_id"])) == {"2": None, "3": "2", "4": None, "5": "4"}
    tq = got.quality.thread("discourse", "31415")
    assert tq.missing == 0 and tq.read == 4


def test_youtube_pages_and_replies_with_the_key_kept_out_of_the_folder(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOUTUBE_API_KEY", "AIzaSECRET-test-key")
    replay = Replay({
        "/youtube/v3/commentThreads": lambda p, q: (200, raw("youtube_threads_2.json" if q.get("pageToken")
                                                             else "youtube_threads_1.json")),
        "/youtube/v3/comments": [(200, raw("youtube_replies_Ugz1.json"))],
    })
    with serve(replay) as base:
        res = run([VIDEO], tmp_path, base)
    assert all(q["key"] == "AIzaSECRET-test-key" for _, q in replay.log)
    assert not any(b"AIzaSECRET" in p.read_bytes() for p in tmp_path.iterdir())
    [t] = res.threads
    assert t["fetched"] == 6 and t["complete"]
    got = read(tmp_path)
    assert got.comments.height == 6 and set(got.comments["thread_id"]) == {"Vid_0123456"}
    assert got.quality.thread("youtube", "Vid_0123456").missing == 0


def test_youtube_needs_its_key_and_reports_disabled_comments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YOUTUBE_API_KEY", raising=False)
    with pytest.raises(FetchError, match="YOUTUBE_API_KEY"):
        run([VIDEO], tmp_path, "http://127.0.0.1:9")
    monkeypatch.setenv("YOUTUBE_API_KEY", "k")
    replay = Replay({"/youtube/v3/commentThreads": [(403, raw("youtube_comments_disabled.json"))]})
    with serve(replay) as base, pytest.raises(NotAvailable, match="commentsDisabled"):
        run([VIDEO], tmp_path, base)


def test_lemmy_pages_and_cut_branches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lemmy, "LIMIT", 2)
    replay = Replay({
        "/api/v3/post": [(200, raw("lemmy_post_4242.json"))],
        "/api/v3/comment/list": lambda p, q: (
            (200, raw("lemmy_comments_parent12.json")) if q.get("parent_id") == "12" and q["page"] == "1" else
            (200, {"comments": []}) if "parent_id" in q else
            (200, raw(f"lemmy_comments_page{q['page']}.json")) if q["page"] in ("1", "2") else (200, {"comments": []})),
    })
    with serve(replay) as base:
        res = run([LEMMY], tmp_path, base)
    [t] = res.threads
    assert t["reported"] == 5 and t["fetched"] == 5 and t["complete"]
    asked = [q.get("parent_id") for p, q in replay.log if p == "/api/v3/comment/list"]
    assert "12" in asked and "11" in asked     # both cut branches were asked
    got = read(tmp_path)
    c = got.comments.sort("comment_id")
    assert c["comment_id"].to_list() == ["11", "12", "13", "14", "15"]
    assert dict(zip(c["comment_id"], c["parent_id"]))["15"] == "14"


def test_lemmy_missing_post(tmp_path: Path) -> None:
    replay = Replay({"/api/v3/post": [(400, raw("lemmy_not_found.json"))]})
    with serve(replay) as base, pytest.raises(NotAvailable, match="couldnt_find_post"):
        run([LEMMY], tmp_path, base)


def test_bluesky_handle_root_and_deeper_branch(tmp_path: Path) -> None:
    def thread(path: str, q: dict[str, str]) -> tuple[int, bytes]:
        name = {ROOT: "bluesky_thread_root.json",
                "at://did:plc:bbbbbbbbbbbbbbbbbbbbbbbb/app.bsky.feed.post/3kr1000000000": "bluesky_thread_reply.json",
                "at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3kr1100000000": "bluesky_thread_branch.json"}
        return (200, raw(name[q["uri"]])) if q["uri"] in name else (400, raw("bluesky_not_found.json"))

    replay = Replay({"/xrpc/com.atproto.identity.resolveHandle": [(200, raw("bluesky_resolve_bob.json"))],
                     "/xrpc/app.bsky.feed.getPostThread": thread})
    with serve(replay) as base:
        res = run([BSKY], tmp_path, base)
    uris = [q["uri"] for p, q in replay.log if p.endswith("getPostThread")]
    assert uris[1] == ROOT and uris[2].endswith("3kr1100000000")
    [t] = res.threads
    assert t["fetched"] == 4 and t["complete"]
    got = read(tmp_path)
    assert got.threads["thread_id"].to_list() == [ROOT]
    assert got.comments.height == 4
    tq = got.quality.thread("bluesky", ROOT)
    assert tq.read - tq.kept == sum(tq.dropped.values()) and tq.dropped.get("not_found") == 1


def test_bluesky_missing_post_and_throttling(tmp_path: Path) -> None:
    replay = Replay({"/xrpc/com.atproto.identity.resolveHandle": [(200, raw("bluesky_resolve_bob.json"))],
                     "/xrpc/app.bsky.feed.getPostThread": [(400, raw("bluesky_not_found.json"))]})
    with serve(replay) as base, pytest.raises(NotAvailable, match="NotFound"):
        run([BSKY], tmp_path, base)
    replay = Replay({"/xrpc/com.atproto.identity.resolveHandle": [
        (429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, {"Retry-After": "1"})]})
    with serve(replay) as base, pytest.raises(Throttled, match="still after 2 tries"):
        run([BSKY], tmp_path / "x", base, retries=1)
    assert isinstance(Throttled("x"), DiscourseError)
    assert json.loads((tmp_path / "manifest.json").read_text())["files"][0]["kind"] == "handle"
