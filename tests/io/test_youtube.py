"""YouTube Data API reader: hand-written pages, the real responses in ../shared, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from discourse import schema
from discourse.errors import EmptyInput, ParseError
from discourse.io import read
from discourse.io._common import head
from discourse.io.registry import ReadOptions
from discourse.io.youtube import parse_youtube, read_youtube, sniff_youtube

DATA = Path(__file__).parent.parent / "data" / "youtube"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_thread_page_exact_table() -> None:
    r = read_youtube(DATA / "threads_page.json")
    expected = pl.DataFrame(
        {
            "site": ["youtube"] * 4,
            "thread_id": ["vid123"] * 4,
            "comment_id": ["T1", "T1.r1", "T1.r2", "T2"],
            "parent_id": [None, "T1", "T1", None],
            "author": ["Alice", "Bob", "Alice", "Carol"],
            # textOriginal when present, else textDisplay HTML as text
            "text": ["Great video & thanks", "No, it was bad", "@Bob you are wrong", "First!"],
            "created_at": [utc(2022, 3, 1, 10), utc(2022, 3, 1, 11), utc(2022, 3, 1, 12), utc(2022, 3, 2, 9, 30)],
            "score": [7, 0, 2, 1],
            "position": [0, 1, 2, 3],
            "parent_source": ["explicit"] * 4,
            "parent_confidence": [1.0] * 4,
        },
        schema=schema.COMMENTS,
    )
    assert_frame_equal(r.comments, expected)
    # Bob's authorChannelId is the video's channelId: he owns the video
    assert r.threads.select("thread_id", "url", "author").rows() == [
        ("vid123", "https://www.youtube.com/watch?v=vid123", "Bob")]
    tq = r.quality.threads[("youtube", "vid123")]
    assert (tq.read, tq.kept, tq.missing) == (4, 4, 1)  # totalReplyCount 3, 2 present
    assert r.quality.files[0].records == 4


def test_reply_page_without_video_id_forms_its_own_thread() -> None:
    r = read_youtube(DATA / "replies_page.json")
    assert r.comments.select("thread_id", "comment_id", "parent_id").rows() == [("T1", "T1.r3", None)]
    assert any("videoId" in n for n in r.quality.files[0].notes)


def test_pages_join_one_video_thread_when_named() -> None:
    opts = ReadOptions(thread_id="vid123")
    r = read([DATA / "threads_page.json", DATA / "replies_page.json"], options=opts)
    assert r.comments["thread_id"].unique().to_list() == ["vid123"]
    assert r.comments.filter(pl.col("comment_id") == "T1.r3")["parent_id"].to_list() == ["T1"]
    assert r.quality.threads[("youtube", "vid123")].read == 5


def test_list_of_pages_is_accepted() -> None:
    page = json.loads((DATA / "threads_page.json").read_text(encoding="utf-8"))
    r = parse_youtube([page, page], "two.json")
    assert r.comments.height == 8
    assert r.comments["position"].to_list() == list(range(8))


def _raw(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text(encoding="utf-8"))
    tops, replies, missing = [], [], 0
    for item in data["items"]:
        if item["kind"] == "youtube#commentThread":
            tops.append(item["snippet"]["topLevelComment"])
            rs = item.get("replies", {}).get("comments", [])
            replies += rs
            missing += item["snippet"]["totalReplyCount"] - len(rs)
        else:
            replies.append(item)
    everything = tops + replies
    return {"n": len(everything), "replies": len(replies), "missing": missing,
            "authors": len({c["snippet"]["authorDisplayName"] for c in everything}),
            "ids": [c["id"] for c in everything]}


@pytest.mark.shared
@pytest.mark.parametrize("name", [
    "codeforafrica_commentThreads_NgSFun7F8dI.json",
    "pythonyoutube_comment_threads_by_video_paged_1.json",
    "pythonyoutube_comment_threads_by_video_paged_2.json",
    "pythonyoutube_comments_by_parent_paged_1.json",
    "pythonyoutube_comments_by_parent_paged_2.json",
])
def test_real_responses_match_raw_counts(corpora: Path, name: str) -> None:
    path = corpora / "youtube" / name
    raw = _raw(path)
    with_video = "by_parent" not in name
    r = read_youtube(path)
    schema.validate(r.comments, "comments")
    schema.validate(r.threads, "threads")
    assert r.comments.height == raw["n"]
    assert sorted(r.comments["comment_id"].to_list()) == sorted(raw["ids"])
    # without a videoId, replies form their parent comment's thread and point at its post
    assert r.comments["parent_id"].is_not_null().sum() == (raw["replies"] if with_video else 0)
    assert r.comments["author"].n_unique() == raw["authors"]
    totals = r.quality.totals()
    assert (totals["read"], totals["missing"]) == (raw["n"], raw["missing"])
    assert r.quality.check_balanced() == []
    assert sniff_youtube(path, head(path))


@pytest.mark.shared
def test_codeforafrica_published_counts(corpora: Path) -> None:
    r = read_youtube(corpora / "youtube" / "codeforafrica_commentThreads_NgSFun7F8dI.json")
    assert (r.comments["parent_id"].is_null().sum(), r.comments["parent_id"].is_not_null().sum()) == (100, 61)
    assert r.quality.totals()["missing"] == 304 - 61


def test_truncated_json_is_a_parse_error(tmp_path: Path) -> None:
    bad = tmp_path / "cut.json"
    text = (DATA / "threads_page.json").read_text(encoding="utf-8")
    bad.write_text(text[: text.index('"totalReplyCount": 3') + 20], encoding="utf-8")
    with pytest.raises(ParseError, match=r"cut\.json, line \d+, column \d+: the JSON ends early"):
        read_youtube(bad)
    bad.write_text(text[:300], encoding="utf-8")  # cut inside a string
    with pytest.raises(ParseError, match=r"cut\.json, line 12, column \d+"):
        read_youtube(bad)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.json").write_bytes(b"")
    with pytest.raises(EmptyInput):
        read_youtube(tmp_path / "e.json")


def test_bom_and_cp1252(tmp_path: Path) -> None:
    text = (DATA / "threads_page.json").read_text(encoding="utf-8").replace("Carol", "Céline")
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "win.json").write_bytes(text.encode("cp1252"))
    for name in ("bom.json", "win.json"):
        r = read_youtube(tmp_path / name)
        assert r.comments["author"].to_list()[-1] == "Céline"


def test_wrong_shape_names_the_item() -> None:
    page = {"kind": "youtube#commentThreadListResponse", "items": [{"kind": "youtube#commentThread", "snippet": {}}]}
    with pytest.raises(ParseError, match=r"items\[0\]: expected snippet.topLevelComment"):
        parse_youtube(page, "p.json")
    with pytest.raises(ParseError, match="expected a YouTube API object"):
        parse_youtube({"data": []}, "p.json")


def test_sniffer_claims_only_youtube() -> None:
    assert sniff_youtube(Path("a.json"), (DATA / "replies_page.json").read_text(encoding="utf-8"))
    assert not sniff_youtube(Path("a.json"), '{"ancestors": [], "descendants": []}')
    assert not sniff_youtube(Path("a.json"), '{"total": 1, "data": [{"id": 1, "threadId": 1}]}')
    assert not sniff_youtube(Path("a.json"), '[{"kind": "t1", "data": {"body": "youtube#comment"}}]')
