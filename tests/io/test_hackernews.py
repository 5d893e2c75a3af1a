"""Hacker News: Firebase items, Algolia trees, HNPWA items."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discourse import schema
from discourse.errors import EmptyInput, ParseError
from discourse.io import detect_format, read
from discourse.io._common import head
from discourse.io.hackernews import parse_firebase, parse_hnpwa, read_hackernews, sniff_hackernews
from discourse.io.registry import ReadOptions

HN = Path(__file__).parent.parent / "data" / "hn"
COLS = ["thread_id", "comment_id", "parent_id", "author", "text", "position", "parent_source"]


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def test_firebase_list_exact() -> None:
    r = read_hackernews(HN / "firebase_items.json")
    schema.validate(r.comments, "comments")
    assert r.comments.select(COLS).rows() == [
        ("100", "104", "101", "cat", "Replying before my parent appears in the file", 0, "explicit"),
        ("100", "101", None, "ann", "Hello & welcome\n\nSecond para", 1, "explicit"),
        ("100", "102", None, None, None, 2, "explicit"),
        ("100", "103", "102", "ben", "I was flagged", 3, "explicit"),
        ("100", "105", "104", None, "no author given", 4, "explicit"),
    ]
    assert r.comments["created_at"].to_list() == [_utc(t) for t in (1700000400, 1700000100, 1700000200,
                                                                     1700000300, 1700000500)]
    assert r.threads.rows() == [("hackernews", "100", "Show HN: A tiny thing", None, "op", "https://example.com/tiny",
                                 _utc(1700000000), 5)]
    tq = r.quality.threads[("hackernews", "100")]
    assert (tq.read, tq.kept, tq.reported, tq.missing) == (5, 5, 5, 1)  # kid 199 is not in the file
    assert dict(tq.repaired) == {"author_deleted": 1, "text_deleted": 1, "author_missing": 1}
    assert dict(tq.flagged) == {"dead": 1}


def test_firebase_wrapper_and_ndjson() -> None:
    r = read_hackernews(HN / "firebase_wrapper.json")
    assert r.comments.select(COLS).rows() == [
        ("200", "201", None, "acme", "Acme | Remote", 0, "explicit"),
        ("200", "202", None, "zed", None, 1, "explicit"),
    ]
    assert r.threads.select("title", "text", "reported_comments").rows() == [
        ("Ask HN: Who is hiring?", "Please state the location\n\nThanks", 4)]
    tq = r.quality.threads[("hackernews", "200")]
    assert (tq.missing, dict(tq.repaired), dict(tq.flagged)) == (2, {"text_removed": 1}, {"dead": 1})

    n = read_hackernews(HN / "items.ndjson")
    assert n.comments.select(COLS).rows() == [
        ("300", "301", None, "u1", "first's", 0, "explicit"),
        ("300", "302", "301", "u2", "https://x.org/a", 1, "explicit"),
        ("400", "401", None, None, None, 0, "explicit"),
    ]
    assert n.threads["thread_id"].to_list() == ["300", "400"]
    assert n.quality.files[0].format == "hackernews-firebase"


def test_algolia_tree() -> None:
    r = read_hackernews(HN / "algolia.json")
    assert r.comments.select(COLS).rows() == [
        ("500", "501", None, "x1", "hi there", 0, "explicit"),
        ("500", "502", "501", None, None, 1, "explicit"),
        ("500", "503", None, "x3", "second top", 2, "explicit"),
    ]
    assert r.comments["created_at"].to_list() == [_utc(1700000060), _utc(1700000120), _utc(1700000180)]
    assert r.threads.select("title", "author", "created_at").rows() == [("Algolia story", "teller", _utc(1700000000))]
    assert dict(r.quality.threads[("hackernews", "500")].repaired) == {"author_deleted": 1, "text_deleted": 1}


def test_hnpwa_nesting() -> None:
    r = read_hackernews(HN / "hnpwa.json")
    assert r.comments.select(COLS).rows() == [
        ("600", "601", None, "u1", "a & b", 0, "nesting"),
        ("600", "602", "601", None, None, 1, "nesting"),
        ("600", "603", "602", "u3", "c", 2, "nesting"),
        ("600", "604", None, "u4", "d", 3, "nesting"),
    ]
    assert r.threads.select("title", "text", "author", "reported_comments").rows() == [("HNPWA story", None, "poster", 4)]
    tq = r.quality.threads[("hackernews", "600")]
    assert (dict(tq.repaired), dict(tq.flagged)) == ({"text_deleted": 1, "author_deleted": 1}, {"dead": 1})


def test_sniff_claims_hn_only() -> None:
    for name in ("firebase_items.json", "firebase_wrapper.json", "items.ndjson", "algolia.json", "hnpwa.json"):
        assert sniff_hackernews(HN / name, head(HN / name)), name
        assert detect_format(HN / name).name == "hackernews", name
    reddit = Path(__file__).parent.parent / "data" / "reddit"
    for name in ("thread.json", "thread_morechildren.json", "comments.ndjson", "submissions.ndjson"):
        assert not sniff_hackernews(reddit / name, head(reddit / name)), name


def test_bad_input(tmp_path: Path) -> None:
    cut = tmp_path / "cut.json"
    cut.write_text((HN / "hnpwa.json").read_text()[:300])
    with pytest.raises(ParseError, match=r"cut\.json, line \d+, column \d+: the JSON ends early"):
        read_hackernews(cut)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"foo": [1, 2]}')
    with pytest.raises(ParseError, match="expected Hacker News JSON"):
        read_hackernews(wrong)
    wrong.write_text('{"id": 1, "level": 0, "user": "u", "comments": [{"level": 1}]}')
    with pytest.raises(ParseError, match=r"comment 0: expected an HNPWA comment object with an 'id'"):
        read_hackernews(wrong)
    lines = (HN / "items.ndjson").read_text().splitlines()
    lines[2] = '{"by":"u2","id":302,"parent":301,"text":"trunc'
    nd = tmp_path / "bad.ndjson"
    nd.write_text("\n".join(lines))
    with pytest.raises(ParseError, match=r"bad\.ndjson, line 3: invalid JSON"):
        read_hackernews(nd)
    r = read_hackernews(nd, ReadOptions(on_error="skip"))
    assert r.comments["comment_id"].to_list() == ["301", "401"]
    assert (r.quality.files[0].records, r.quality.files[0].bad_records) == (5, 1)
    empty = tmp_path / "empty.json"
    empty.write_text(" ")
    with pytest.raises(EmptyInput):
        read_hackernews(empty)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + (HN / "algolia.json").read_bytes())
    assert read_hackernews(bom).comments.height == 3


# -- the shared corpus ---------------------------------------------------------------------------
def test_corpus_hnpwa_counts_and_nesting(corpora: Path) -> None:
    path = corpora / "hackernews" / "circumflex_hnpwa_item_25015967.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    flat: list[tuple[dict, int | None]] = []

    def walk(nodes: list, parent: int | None) -> None:
        for c in nodes:
            flat.append((c, parent))
            walk(c.get("comments", []), c["id"])
    walk(raw["comments"], None)

    r = read(path)
    c = r.comments
    assert c.height == len(flat)
    assert c["parent_id"].is_not_null().sum() == sum(1 for x, _ in flat if x["level"] > 0)
    assert c["author"].drop_nulls().n_unique() == len({x["user"] for x, _ in flat if "user" in x and not x.get("deleted")})
    assert dict(zip(c["comment_id"], c["parent_id"])) == {str(x["id"]): (None if p is None else str(p)) for x, p in flat}
    totals = r.quality.totals()
    assert totals["repaired"]["author_deleted"] == sum(1 for x, _ in flat if x.get("deleted"))
    assert totals["flagged"]["dead"] == sum(1 for x, _ in flat if x.get("dead"))
    assert r.threads["reported_comments"].to_list() == [raw["commentscount"]]
    schema.validate(c, "comments")


@pytest.mark.parametrize("name", ["hackernews_jobs_firebase_40846428_toplevel.json",
                                  "hackernews_jobs_firebase_41129813_toplevel.json"])
def test_corpus_firebase_counts(corpora: Path, name: str) -> None:
    path = corpora / "hackernews" / name
    raw = json.loads(path.read_text(encoding="utf-8"))
    items = [raw["post"], *raw["comments"]]
    ids = {x["id"] for x in items}
    r = read(path)
    c = r.comments
    assert c.height == len(raw["comments"])
    assert c["parent_id"].is_not_null().sum() == sum(1 for x in raw["comments"] if x["parent"] != raw["post"]["id"])
    assert c["author"].drop_nulls().n_unique() == len({x["by"] for x in raw["comments"] if "by" in x and not x.get("deleted")})
    tq = r.quality.threads[("hackernews", str(raw["post"]["id"]))]
    assert tq.repaired["author_deleted"] == sum(1 for x in raw["comments"] if x.get("deleted"))
    assert tq.missing == sum(1 for x in items for k in x.get("kids", []) if k not in ids)
    assert tq.reported == raw["post"]["descendants"]
    assert r.quality.check_balanced() == []


# -- properties: any tree as Firebase NDJSON (any order) or HNPWA nesting reads back the same -----
@st.composite
def trees(draw: st.DrawFn) -> tuple[list[int | None], list[int]]:
    n = draw(st.integers(min_value=1, max_value=50))
    parents = [None if i == 0 else draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(n)]
    return parents, draw(st.permutations(list(range(n))))


def _expected(parents: list[int | None]) -> dict[str, str | None]:
    return {str(1000 + i): (str(1000 + p) if p is not None else None) for i, p in enumerate(parents)}


@settings(max_examples=50, deadline=None)
@given(trees())
def test_random_firebase_round_trip(case: tuple[list[int | None], list[int]]) -> None:
    parents, order = case
    items = [{"id": 1000 + i, "type": "comment", "by": f"u{i % 3}", "text": f"<p>t{i}", "time": i,
              "parent": 1000 + parents[i] if parents[i] is not None else 1} for i in order]
    items.insert(len(items) // 2, {"id": 1, "type": "story", "title": "s", "by": "op",
                                   "kids": [1000 + i for i, p in enumerate(parents) if p is None]})
    r = parse_firebase(json.loads(json.dumps(items)))
    assert dict(zip(r.comments["comment_id"], r.comments["parent_id"])) == _expected(parents)
    assert set(r.comments["thread_id"]) == {"1"}


@settings(max_examples=50, deadline=None)
@given(trees())
def test_random_hnpwa_round_trip(case: tuple[list[int | None], list[int]]) -> None:
    parents, _ = case

    def node(i: int, level: int) -> dict:
        return {"id": 1000 + i, "level": level, "user": f"u{i}", "content": f"<p>{i}",
                "comments": [node(j, level + 1) for j, p in enumerate(parents) if p == i]}
    item = {"id": 1, "title": "s", "user": "op", "comments": [node(i, 0) for i, p in enumerate(parents) if p is None]}
    r = parse_hnpwa(json.loads(json.dumps(item)))
    assert dict(zip(r.comments["comment_id"], r.comments["parent_id"])) == _expected(parents)
    pos = dict(zip(r.comments["comment_id"], r.comments["position"]))
    assert all(pos[str(1000 + p)] < pos[str(1000 + i)] for i, p in enumerate(parents) if p is not None)


# -- HN item page HTML: parents by indentation ----------------------------------------------------
def test_item_page_html_exact() -> None:
    r = read_hackernews(HN / "item_page.html")
    assert r.comments.select(COLS).rows() == [
        ("7000", "7001", None, "alice", "First & foremost\n\nSecond paragraph", 0, "nesting"),
        ("7000", "7002", "7001", None, None, 1, "nesting"),
        ("7000", "7003", "7002", "bob", "Replying to a deleted comment", 2, "nesting"),
        ("7000", "7004", None, "carol", "Top level again", 3, "nesting"),
    ]
    assert r.comments["created_at"][0] == datetime(2024, 6, 1, 12, 5, tzinfo=UTC)
    assert r.threads.select("thread_id", "title").rows() == [("7000", "Tiny test page")]
    assert dict(r.quality.threads[("hackernews", "7000")].repaired) == {"author_deleted": 1, "text_deleted": 1}
    assert detect_format(HN / "item_page.html").name == "hackernews"


@pytest.mark.parametrize("name", ["hnparser_html_simple.html", "hnparser_html_single.html"])
def test_corpus_item_pages(corpora: Path, name: str) -> None:
    import re

    path = corpora / "hackernews" / name
    page = path.read_text(encoding="utf-8")
    rows = re.findall(r'<img src="[^"]*s\.gif" height=1 width=(\d+)></td>.*?<a href="user\?id=([^"]+)">.*?'
                      r'<a href="item\?id=(\d+)">link</a>', page, flags=re.S)
    assert len(rows) == page.count('<span class="comment">')
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for width, _user, cid in rows:
        depth = int(width) // 40
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[cid] = stack[-1][1] if stack else None
        stack.append((depth, cid))
    r = read(path)
    c = r.comments
    assert c.height == len(rows)
    assert dict(zip(c["comment_id"], c["parent_id"])) == parents
    assert c["author"].n_unique() == len({u for _, u, _ in rows})
    assert c["parent_id"].is_not_null().sum() == sum(1 for w, _, _ in rows if w != "0")


def test_ndjson_with_a_broken_first_line(tmp_path: Path) -> None:
    lines = (HN / "items.ndjson").read_text().splitlines()
    lines[0] = lines[0][:40]
    p = tmp_path / "first_bad.ndjson"
    p.write_text("\n".join(lines))
    with pytest.raises(ParseError, match=r"first_bad\.ndjson, line 1: invalid JSON"):
        read_hackernews(p)
    r = read_hackernews(p, ReadOptions(on_error="skip"))
    assert r.comments["comment_id"].to_list() == ["301", "302", "401"]
    # the story line of 300 is lost; its comments still climb to the id they name
    assert r.comments["thread_id"].to_list() == ["300", "300", "400"]
    assert r.quality.files[0].bad_records == 1


def test_ndjson_text_may_hold_unicode_line_separators(tmp_path: Path) -> None:
    items = [{"id": 1, "type": "story", "title": "T", "by": "a", "kids": [2]},
             {"id": 2, "type": "comment", "parent": 1, "by": "b", "text": "first\u2028second"},
             {"id": 3, "type": "comment", "parent": 2, "by": "c", "text": "ok\u2029fine"}]
    p = tmp_path / "items.ndjson"
    p.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
    r = read_hackernews(p)
    assert r.comments["comment_id"].to_list() == ["2", "3"]
    assert r.comments["parent_id"].to_list() == [None, "2"]
    assert r.quality.files[0].bad_records == 0
