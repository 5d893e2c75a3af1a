"""Discourse forum reader: a hand-written topic and posts page, the real topic in ../shared, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from discourse import schema
from discourse.errors import EmptyInput, ParseError
from discourse.io._common import head
from discourse.io.discourse_forum import parse_discourse_forum, read_discourse_forum, sniff_discourse_forum

DATA = Path(__file__).parent.parent / "data" / "discourse_forum"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_topic_exact_tables() -> None:
    r = read_discourse_forum(DATA / "topic.json")
    expected = pl.DataFrame(
        {
            "site": ["discourse"] * 4,
            "thread_id": ["77"] * 4,
            "comment_id": ["2", "3", "5", "6"],          # post 1 is the post; post 4 is a system post
            "parent_id": [None, "2", "3", None],          # post 6 replies to post 1, i.e. the topic
            "author": ["amy", "ben", None, "amy"],
            "text": ["Tabs, obviously.", "Spaces > tabs", None, "Back to the question"],
            "created_at": [utc(2021, 6, 1, 13), utc(2021, 6, 1, 14), utc(2021, 6, 1, 16), utc(2021, 6, 1, 17)],
            "score": [4, None, None, None],
            "position": [0, 1, 2, 3],
            "parent_source": ["explicit"] * 4,
            "parent_confidence": [1.0] * 4,
        },
        schema=schema.COMMENTS,
    )
    assert_frame_equal(r.comments, expected)
    # 12:00 at -04:00 is 16:00 UTC
    assert r.threads.rows() == [("discourse", "77", "Tabs or spaces?", "Which do you use?", "op", None,
                                 utc(2021, 6, 1, 16), 6)]
    tq = r.quality.threads[("discourse", "77")]
    assert (tq.read, tq.kept, dict(tq.dropped)) == (5, 4, {"system_post": 1})
    assert dict(tq.repaired) == {"author_deleted": 1, "text_deleted": 1}
    assert dict(tq.flagged) == {"hidden": 1}
    assert (tq.reported, tq.missing) == (6, 1)       # posts_count 7 minus the root; post 707 absent
    assert r.quality.files[0].records == 6


def test_latest_posts_page() -> None:
    r = read_discourse_forum(DATA / "latest_posts.json")
    assert r.comments.select("thread_id", "comment_id", "parent_id", "author", "position").rows() == [
        ("88", "3", "2", "dan", 0), ("88", "2", None, "eve", 1)]
    assert r.threads.select("thread_id", "title", "author").sort("thread_id").rows() == [
        ("88", "Hello", None), ("99", "Other", "fay")]
    assert r.quality.threads[("discourse", "88")].read == 2
    assert ("discourse", "99") not in r.quality.threads   # a root post alone is no comment


@pytest.mark.shared
def test_real_topic_matches_raw_counts(corpora: Path) -> None:
    path = corpora / "discourse" / "discourse_api_try.discourse.org_topic.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    posts = data["post_stream"]["posts"]
    replies = [p for p in posts if p["post_number"] != 1]
    kept = [p for p in replies if p["post_type"] not in (2, 3)]
    r = read_discourse_forum(path)
    schema.validate(r.comments, "comments")
    schema.validate(r.threads, "threads")
    assert r.comments["comment_id"].to_list() == [str(p["post_number"]) for p in kept]
    assert r.comments["author"].to_list() == [p["username"] for p in kept]
    assert r.comments["parent_id"].is_not_null().sum() == sum(
        p["reply_to_post_number"] not in (None, 1) for p in kept)
    tq = r.quality.threads[("discourse", str(data["id"]))]
    assert (tq.read, tq.kept, tq.reported) == (len(replies), len(kept), data["posts_count"] - 1)
    assert r.threads.select("title", "author").row(0) == (data["title"], posts[0]["username"])
    assert r.quality.check_balanced() == []
    assert sniff_discourse_forum(path, head(path))


def test_posts_page_of_a_topic_and_a_list_of_documents() -> None:
    topic = json.loads((DATA / "topic.json").read_text(encoding="utf-8"))
    page = {"id": 77, "post_stream": {"posts": [
        {"id": 707, "post_number": 7, "reply_to_post_number": 6, "username": "ben", "cooked": "<p>ok</p>",
         "created_at": "2021-06-02T00:00:00Z", "post_type": 1}]}}
    r = parse_discourse_forum([topic, page], "both.json")
    assert r.comments["comment_id"].to_list() == ["2", "3", "5", "6", "7"]
    assert r.comments.filter(pl.col("comment_id") == "7")["parent_id"].to_list() == ["6"]


def test_bad_input(tmp_path: Path) -> None:
    text = (DATA / "topic.json").read_text(encoding="utf-8")
    (tmp_path / "cut.json").write_text(text[: text.rindex("]")], encoding="utf-8")
    with pytest.raises(ParseError, match=r"cut\.json, line \d+, column \d+: the JSON ends early"):
        read_discourse_forum(tmp_path / "cut.json")
    (tmp_path / "e.json").write_bytes(b"")
    with pytest.raises(EmptyInput):
        read_discourse_forum(tmp_path / "e.json")
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + text.replace("amy", "Zoë").encode("utf-8"))
    (tmp_path / "win.json").write_bytes(text.replace("amy", "Zoë").encode("cp1252"))
    for name in ("bom.json", "win.json"):
        assert read_discourse_forum(tmp_path / name).comments["author"].to_list()[0] == "Zoë"
    with pytest.raises(ParseError, match=r"post_stream.posts\[0\]: expected a post object"):
        parse_discourse_forum({"id": 1, "post_stream": {"posts": [{"post_number": "x"}]}}, "x.json")
    with pytest.raises(ParseError, match="expected a Discourse topic or posts page"):
        parse_discourse_forum({"posts": []}, "x.json")


def test_sniffer() -> None:
    assert sniff_discourse_forum(Path("t.json"), (DATA / "topic.json").read_text(encoding="utf-8"))
    assert sniff_discourse_forum(Path("t.json"), (DATA / "latest_posts.json").read_text(encoding="utf-8"))
    assert not sniff_discourse_forum(Path("m.json"), '{"ancestors": [], "descendants": [{"id": "1"}]}')
    assert not sniff_discourse_forum(Path("r.json"), '[{"kind": "Listing", "data": {"children": []}}]')
