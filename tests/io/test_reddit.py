"""Reddit API thread pages and /api/morechildren responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from discourse import schema
from discourse.errors import EmptyInput, ParseError
from discourse.io import detect_format, read
from discourse.io._common import head
from discourse.io.reddit import decode_reddit_entities, parse_reddit, read_reddit, sniff_reddit

DATA = Path(__file__).parent.parent / "data"
THREAD = DATA / "reddit" / "thread.json"
MORE = DATA / "reddit" / "thread_morechildren.json"


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def test_thread_page_exact_table() -> None:
    r = read_reddit(THREAD)
    expected = pl.DataFrame(
        {
            "site": ["reddit"] * 5,
            "thread_id": ["abc1"] * 5,
            "comment_id": ["c1", "c2", "c3", "c4", "c5"],
            "parent_id": [None, "c1", "c2", None, "c4"],
            "author": ["alice", None, "carol", "bob", "alice"],
            "text": ["I think it helps > tenants.", None, "Why was that deleted?", None, "Rules say <b> & no links"],
            "created_at": [_utc(1700000060), _utc(1700000120), _utc(1700000180), _utc(1700000240),
                           _utc(1700000300.5)],
            "score": [5, 1, 2, -3, 0],
            "position": [0, 1, 2, 3, 4],
            "parent_source": ["explicit"] * 5,
            "parent_confidence": [1.0] * 5,
        },
        schema=schema.COMMENTS,
    )
    assert_frame_equal(r.comments, expected)
    schema.validate(r.comments, "comments")
    assert r.threads.to_dicts() == [{
        "site": "reddit", "thread_id": "abc1", "title": "Is rent control good?", "text": "Discuss & be civil.",
        "author": "op_user", "url": "https://www.reddit.com/r/x/comments/abc1/", "created_at": _utc(1700000000),
        "reported_comments": 9,
    }]
    tq = r.quality.threads[("reddit", "abc1")]
    assert (tq.read, tq.kept, tq.reported) == (5, 5, 9)
    assert dict(tq.repaired) == {"author_deleted": 1, "text_deleted": 1, "text_removed": 1}
    # stub c9 lists 2 ids; stub c11 lists none but counts 4; the "continue this thread" stub adds 0
    assert tq.missing == 6
    assert r.quality.files[0].records == 5
    assert r.quality.check_balanced() == []


def test_morechildren_wrapped_bare_and_merged() -> None:
    r = read_reddit(MORE)
    assert r.comments["comment_id"].to_list() == ["c9", "c10", "c9"]  # duplicates are the repair stage's
    assert r.comments["parent_id"].to_list() == ["c1", "c9", "c1"]
    assert r.comments["author"].to_list() == ["dave", None, "dave"]
    assert r.comments["text"].to_list() == ["Agreed.", "still here", "Agreed."]
    tq = r.quality.threads[("reddit", "abc1")]
    assert (tq.read, tq.missing, dict(tq.repaired)) == (3, 1, {"author_deleted": 1})
    assert r.threads["thread_id"].to_list() == ["abc1"]

    raw = json.loads(MORE.read_text())
    bare = parse_reddit(raw[0]["response"])
    assert bare.comments["comment_id"].to_list() == ["c9", "c10"]
    listed = parse_reddit([x["response"] for x in raw])
    assert listed.comments["comment_id"].to_list() == ["c9", "c10", "c9"]

    both = read([THREAD, MORE])
    assert both.comments.height == 8
    assert both.threads.height == 1 and both.threads["title"][0] == "Is rent control good?"
    assert both.quality.threads[("reddit", "abc1")].read == 8


def test_entities_decoded_only_when_escaped() -> None:
    assert decode_reddit_entities("a &gt; b &amp; c") == "a > b & c"
    assert decode_reddit_entities("&amp;lt;x") == "&lt;x"
    assert decode_reddit_entities("raw & text &gt;") == "raw & text &gt;"  # a bare & says: not escaped
    assert decode_reddit_entities("<b> &amp;") == "<b> &amp;"
    assert decode_reddit_entities(None) is None


def test_sniff_claims_reddit_and_nothing_else(tmp_path: Path) -> None:
    assert sniff_reddit(THREAD, head(THREAD))
    assert sniff_reddit(MORE, head(MORE))
    assert detect_format(THREAD).name == "reddit"
    for other in (DATA / "reddit" / "comments.ndjson", DATA / "hn" / "firebase_items.json", DATA / "hn" / "hnpwa.json"):
        assert not sniff_reddit(other, head(other)), other
    p = tmp_path / "listing_like.json"
    p.write_text('{"kind": "Listing", "note": "no things here"}')
    assert not sniff_reddit(p, head(p))


def test_truncated_json_names_the_place(tmp_path: Path) -> None:
    p = tmp_path / "cut.json"
    p.write_text(THREAD.read_text()[:700])
    with pytest.raises(ParseError, match=r"cut\.json, line \d+, column \d+: the JSON ends early"):
        read_reddit(p)


def test_wrong_structure_raises(tmp_path: Path) -> None:
    p = tmp_path / "wrong.json"
    p.write_text('[{"kind": "Listing", "data": {"children": [{"kind": "t1", "data": "oops"}]}}]')
    with pytest.raises(ParseError, match=r"wrong\.json, listing 0, child 0: expected a Reddit thing"):
        read_reddit(p)
    p.write_text('{"hello": "world"}')
    with pytest.raises(ParseError, match="expected a Reddit thread page"):
        read_reddit(p)
    p.write_text('[{"kind": "Listing", "data": {"children": [{"kind": "t1", "data": {"id": "x", "body": "b"}}]}}]')
    with pytest.raises(ParseError, match=r"child 0 \(t1_x\): a comment whose thread is unknown"):
        read_reddit(p)


def test_empty_bom_and_cp1252(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"  \n")
    with pytest.raises(EmptyInput):
        read_reddit(empty)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + THREAD.read_bytes())
    assert read_reddit(bom).comments["comment_id"].to_list() == ["c1", "c2", "c3", "c4", "c5"]
    cp = tmp_path / "cp.json"
    cp.write_bytes(THREAD.read_text().replace("Why was that deleted?", "Caf\u00e9 closed?").encode("cp1252"))
    assert "Caf\u00e9 closed?" in read_reddit(cp).comments["text"].to_list()


# -- real threads in the shared corpus ------------------------------------------------------------
def _walk(children: list) -> list:
    out = []
    for c in children:
        out.append(c)
        replies = c["data"].get("replies") if c["kind"] == "t1" else None
        if replies:
            out.extend(_walk(replies["data"]["children"]))
    return out


def _raw_things(raw: object) -> list:
    if isinstance(raw, list) and raw and "response" in raw[0]:
        return [t for x in raw for t in x["response"]["json"]["data"]["things"]]
    return _walk(raw[1]["data"]["children"])  # type: ignore[index]


@pytest.mark.parametrize("name", [
    "praw_3hahrw_funny_thread.json",
    "praw_3hahrw_funny_thread_morechildren.json",
    "praw_n49rw_announcements_thread.json",
    "praw_n49rw_announcements_thread_morechildren.json",
    "praw_fo7p5b_announcements_thread.json",
])
def test_corpus_counts_match_the_raw_file(corpora: Path, name: str) -> None:
    path = corpora / "reddit" / name
    things = _raw_things(json.loads(path.read_text(encoding="utf-8")))
    t1 = [t["data"] for t in things if t["kind"] == "t1"]
    mores = [t["data"] for t in things if t["kind"] == "more"]
    n_replies = sum(1 for d in t1 if d["parent_id"].startswith("t1_"))
    authors = {d["author"] for d in t1 if d["author"] not in ("[deleted]", "[removed]")}
    deleted = sum(1 for d in t1 if d["author"] in ("[deleted]", "[removed]"))
    stub_ids = {c for m in mores for c in m["children"]}
    missing = len(stub_ids - {d["id"] for d in t1}) + sum(m["count"] for m in mores if not m["children"])

    r = read(path)
    assert detect_format(path).name == "reddit"
    assert r.comments.height == len(t1)
    assert r.comments["parent_id"].is_not_null().sum() == n_replies
    assert r.comments["author"].drop_nulls().n_unique() == len(authors)
    totals = r.quality.totals()
    assert totals["read"] == totals["kept"] == len(t1)
    assert totals["repaired"].get("author_deleted", 0) == deleted
    assert totals["missing"] == missing
    assert r.quality.check_balanced() == []
    if "morechildren" not in name:
        schema.validate(r.comments, "comments")
        sub = json.loads(path.read_text(encoding="utf-8"))[0]["data"]["children"][0]["data"]
        assert r.threads["reported_comments"].to_list() == [sub["num_comments"]]


# -- property: any tree written as a Reddit page reads back with the same parents -----------------
@st.composite
def trees(draw: st.DrawFn) -> list[int | None]:
    n = draw(st.integers(min_value=1, max_value=40))
    return [None if i == 0 else draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(n)]


def _reddit_page(parents: list[int | None]) -> list:
    def node(i: int) -> dict:
        kids = [j for j, p in enumerate(parents) if p == i]
        return {"kind": "t1", "data": {
            "id": f"k{i}", "parent_id": f"t1_k{parents[i]}" if parents[i] is not None else "t3_post",
            "link_id": "t3_post", "author": f"user{i % 3}", "body": f"text {i}", "created_utc": 1600000000 + i,
            "score": i,
            "replies": {"kind": "Listing", "data": {"children": [node(j) for j in kids]}} if kids else "",
        }}
    tops = [node(i) for i, p in enumerate(parents) if p is None]
    sub = {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "post", "title": "t"}}]}}
    return [sub, {"kind": "Listing", "data": {"children": tops}}]


@settings(max_examples=60, deadline=None)
@given(trees())
def test_random_trees_round_trip(parents: list[int | None]) -> None:
    r = parse_reddit(json.loads(json.dumps(_reddit_page(parents))))
    got = dict(zip(r.comments["comment_id"], r.comments["parent_id"]))
    assert got == {f"k{i}": (f"k{p}" if p is not None else None) for i, p in enumerate(parents)}
    # page order is depth-first: every parent comes before its replies
    pos = dict(zip(r.comments["comment_id"], r.comments["position"]))
    assert all(pos[f"k{p}"] < pos[f"k{i}"] for i, p in enumerate(parents) if p is not None)
