"""Mastodon and PeerTube readers: hand-written files, the real files in ../shared, random trees, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from discourse import schema
from discourse.errors import EmptyInput, ParseError
from discourse.io import read
from discourse.io._common import head
from discourse.io.mastodon import parse_mastodon, read_mastodon, sniff_mastodon
from discourse.io.peertube import parse_peertube, read_peertube, sniff_peertube

DATA = Path(__file__).parent.parent / "data"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def frame(rows: list[tuple[Any, ...]], site: str) -> pl.DataFrame:
    cols = ["thread_id", "comment_id", "parent_id", "author", "text", "created_at", "score", "position"]
    df = pl.DataFrame(rows, schema=cols, orient="row")
    df = df.with_columns(site=pl.lit(site), parent_source=pl.lit("explicit"), parent_confidence=pl.lit(1.0))
    return schema.conform(df, schema.COMMENTS)


# -- Mastodon ---------------------------------------------------------------------------------------

def test_mastodon_context_without_root() -> None:
    r = read_mastodon(DATA / "mastodon" / "context_no_root.json")
    expected = frame([
        ("1", "11", None, "amy", "Nice post @op", utc(2023, 1, 1, 10), 3, 0),
        ("1", "12", "11", "ben@other.example", "Disagree.\n\nStrongly.", utc(2023, 1, 1, 11), 0, 1),
        ("1", "13", None, "cat@third.example", "", utc(2023, 1, 1, 12), 1, 2),
    ], "mastodon")
    assert_frame_equal(r.comments, expected)
    assert r.threads.select("site", "thread_id", "text").rows() == [("mastodon", "1", None)]
    tq = r.quality.threads[("mastodon", "1")]
    assert (tq.read, tq.kept, tq.missing) == (3, 3, 0)
    assert any("root status is not in the file" in n for n in r.quality.files[0].notes)


def test_mastodon_context_with_ancestors() -> None:
    r = read_mastodon(DATA / "mastodon" / "context_with_ancestors.json")
    expected = frame([
        ("100", "101", None, "amy", "first reply", utc(2023, 2, 1, 1), 0, 0),
        ("100", "103", "102", "ben@other.example", "reply to the focal status", utc(2023, 2, 1, 3), 0, 1),
        ("100", "104", "103", "amy", "deeper", utc(2023, 2, 1, 4), 2, 2),
    ], "mastodon")
    assert_frame_equal(r.comments, expected)
    assert r.threads.select("thread_id", "text", "author", "url", "created_at").rows() == [
        ("100", "Root post", "op", "https://ex.social/@op/100", utc(2023, 2, 1))]
    tq = r.quality.threads[("mastodon", "100")]
    assert (tq.read, tq.kept, tq.missing) == (3, 3, 1)  # the context's own status 102 is absent


def test_mastodon_list_of_statuses_with_reblog() -> None:
    r = read_mastodon(DATA / "mastodon" / "statuses.json")
    assert r.comments.select("thread_id", "comment_id", "parent_id").rows() == [("200", "201", None),
                                                                                 ("299", "300", None)]
    q = r.quality
    assert (q.threads[("mastodon", "200")].read, dict(q.threads[("mastodon", "200")].dropped)) == (2, {"reblog": 1})
    assert q.threads[("mastodon", "299")].kept == 1
    assert q.check_balanced() == []


def test_mastodon_single_status_reply() -> None:
    status = json.loads((DATA / "mastodon" / "statuses.json").read_text(encoding="utf-8"))[3]
    r = parse_mastodon(status, "one.json")
    assert r.comments.select("thread_id", "comment_id", "parent_id", "author").rows() == [
        ("299", "300", None, "cat@third.example")]


@pytest.mark.shared
def test_mastodon_real_context_matches_raw_counts(corpora: Path) -> None:
    path = corpora / "mastodon" / "rtoot_mastodon.social_109294719267373593_context.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    statuses = data["ancestors"] + data["descendants"]
    ids = {s["id"] for s in statuses}
    roots = {s["in_reply_to_id"] for s in statuses if s["in_reply_to_id"] not in ids}
    r = read_mastodon(path)
    schema.validate(r.comments, "comments")
    schema.validate(r.threads, "threads")
    assert len(roots) == 1 and r.threads["thread_id"].to_list() == list(roots)
    assert r.comments.height == len(statuses) == 59
    assert r.comments["parent_id"].is_null().sum() == sum(s["in_reply_to_id"] in roots for s in statuses)
    assert set(r.comments.drop_nulls("parent_id").select("comment_id", "parent_id").iter_rows()) == {
        (s["id"], s["in_reply_to_id"]) for s in statuses if s["in_reply_to_id"] not in roots}
    assert r.comments["author"].n_unique() == len({s["account"]["acct"] for s in statuses}) == 50
    assert r.comments["comment_id"].to_list() == [s["id"] for s in statuses]
    assert r.quality.check_balanced() == []
    assert sniff_mastodon(path, head(path))
    assert not sniff_peertube(path, head(path))


# -- PeerTube ---------------------------------------------------------------------------------------

def test_peertube_page_exact() -> None:
    r = read_peertube(DATA / "peertube" / "page.json")
    expected = frame([
        ("42", "501", None, "amy@tube.example", "Great talk", utc(2024, 1, 1, 10), None, 0),
        ("42", "502", None, None, None, utc(2024, 1, 2, 10), None, 1),
    ], "peertube")
    assert_frame_equal(r.comments, expected)
    tq = r.quality.threads[("peertube", "42")]
    assert (tq.read, tq.kept, tq.reported, tq.missing) == (2, 2, 4, 2)
    assert dict(tq.repaired) == {"author_deleted": 1, "text_deleted": 1}
    assert r.threads["reported_comments"].to_list() == [4]


def test_peertube_tree_exact() -> None:
    r = read_peertube(DATA / "peertube" / "tree.json")
    expected = frame([
        ("42", "501", None, "amy@tube.example", "Great talk", utc(2024, 1, 1, 10), None, 0),
        ("42", "503", "501", "ben@mastodon.example", "@amy no", utc(2024, 1, 1, 11), None, 1),
        ("42", "504", "503", "amy@tube.example", "yes", utc(2024, 1, 1, 12), None, 2),
    ], "peertube")
    assert_frame_equal(r.comments, expected)
    assert r.quality.threads[("peertube", "42")].missing == 0


def test_peertube_page_and_tree_join_one_video() -> None:
    r = read([DATA / "peertube" / "page.json", DATA / "peertube" / "tree.json"])
    assert r.threads.select("thread_id", "reported_comments").rows() == [("42", 4)]
    assert r.comments.height == 5  # 501 twice: de-duplication is the repair stage's job


def _peertube_nodes(node: dict[str, Any], out: list[dict[str, Any]]) -> None:
    out.append(node["comment"])
    for child in node["children"]:
        _peertube_nodes(child, out)


@pytest.mark.shared
@pytest.mark.parametrize("name", [
    "framatube_217eefeb_comment-threads_start0.json",
    "framatube_kkGMgK9ZtnKfYAgnEtQxbv_comment-threads_start0.json",
    "framatube_kkGMgK9ZtnKfYAgnEtQxbv_comment-threads_start12.json",
    "framatube_kkGMgK9ZtnKfYAgnEtQxbv_comment-thread_34293_tree.json",
])
def test_peertube_real_files_match_raw_counts(corpora: Path, name: str) -> None:
    path = corpora / "peertube" / name
    data = json.loads(path.read_text(encoding="utf-8"))
    comments: list[dict[str, Any]] = []
    if "data" in data:
        comments = data["data"]
        missing = sum(c["totalReplies"] for c in comments)
    else:
        _peertube_nodes(data, comments)
        missing = max(0, data["comment"]["totalReplies"] - (len(comments) - 1))
    r = read_peertube(path)
    schema.validate(r.comments, "comments")
    schema.validate(r.threads, "threads")
    assert r.comments["comment_id"].to_list() == [str(c["id"]) for c in comments]
    assert r.comments["parent_id"].is_not_null().sum() == sum(c["inReplyToCommentId"] is not None for c in comments)
    deleted = sum(c["isDeleted"] for c in comments)
    assert r.comments["text"].is_null().sum() == r.comments["author"].is_null().sum() == deleted
    assert r.comments["author"].drop_nulls().n_unique() == len(
        {(c["account"]["name"], c["account"]["host"]) for c in comments if not c["isDeleted"]})
    assert r.threads["thread_id"].to_list() == [str(comments[0]["videoId"])]
    tq = r.quality.threads[("peertube", str(comments[0]["videoId"]))]
    assert (tq.read, tq.missing, tq.repaired.get("author_deleted", 0)) == (len(comments), missing, deleted)
    assert tq.reported == data.get("totalNotDeletedComments")
    assert sniff_peertube(path, head(path))
    assert not sniff_mastodon(path, head(path))


# -- random trees round-trip ------------------------------------------------------------------------

_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=8)
_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"),
                                       exclude_characters="<>&"), min_size=1, max_size=30).map(str.strip).filter(bool)


@st.composite
def trees(draw: st.DrawFn) -> list[tuple[str, str | None, str, str]]:
    """(id, parent index id or None for top level, author, text), parents before children."""
    n = draw(st.integers(1, 25))
    nodes: list[tuple[str, str | None, str, str]] = []
    for i in range(n):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        nodes.append((str(5000 + i), None if parent is None else str(5000 + parent), draw(_NAME), draw(_TEXT)))
    return nodes


def _depth_first(nodes: list[tuple[str, str | None, str, str]]) -> list[tuple[str, str | None, str, str]]:
    kids: dict[str | None, list[tuple[str, str | None, str, str]]] = {}
    for node in nodes:
        kids.setdefault(node[1], []).append(node)
    out: list[tuple[str, str | None, str, str]] = []

    def walk(parent: str | None) -> None:
        for node in kids.get(parent, []):
            out.append(node)
            walk(node[0])

    walk(None)
    return out


@settings(max_examples=40, deadline=None)
@given(trees())
def test_mastodon_context_round_trip(nodes: list[tuple[str, str | None, str, str]]) -> None:
    ordered = _depth_first(nodes)
    descendants = [{"id": cid, "in_reply_to_id": parent or "1", "content": f"<p>{text}</p>",
                    "created_at": "2023-01-01T00:00:00Z", "reblog": None, "account": {"acct": author}}
                   for cid, parent, author, text in ordered]
    r = parse_mastodon({"ancestors": [], "descendants": descendants}, "ctx.json")
    assert r.threads["thread_id"].to_list() == ["1"]
    assert list(r.comments.select("comment_id", "parent_id", "author", "text").iter_rows()) == ordered


@settings(max_examples=40, deadline=None)
@given(trees())
def test_peertube_tree_round_trip(nodes: list[tuple[str, str | None, str, str]]) -> None:
    ordered = _depth_first(nodes)
    kids: dict[str | None, list[tuple[str, str | None, str, str]]] = {}
    for node in nodes:
        kids.setdefault(node[1], []).append(node)

    def build(node: tuple[str, str | None, str, str]) -> dict[str, Any]:
        cid, parent, author, text = node
        return {"comment": {"id": int(cid), "inReplyToCommentId": int(parent) if parent else None, "videoId": 9,
                            "text": text, "createdAt": "2024-01-01T00:00:00Z", "isDeleted": False,
                            "totalReplies": 0, "account": {"name": author, "host": "h.example"}},
                "children": [build(k) for k in kids.get(cid, [])]}

    forest = [build(top) for top in kids[None]]
    r = parse_peertube(forest, "trees.json")
    got = list(r.comments.select("comment_id", "parent_id", "author", "text").iter_rows())
    assert got == [(c, p, f"{a}@h.example", t) for c, p, a, t in ordered]


def test_peertube_nesting_fills_a_missing_parent_id() -> None:
    tree = {"comment": {"id": 1, "videoId": 3, "text": "a", "account": {"name": "x", "host": "h"}},
            "children": [{"comment": {"id": 2, "videoId": 3, "text": "b", "account": {"name": "y", "host": "h"}},
                          "children": []}]}
    r = parse_peertube(tree, "t.json")
    assert r.comments.select("comment_id", "parent_id", "parent_source").rows() == [
        ("1", None, "explicit"), ("2", "1", "nesting")]


# -- bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize("reader,name", [(read_mastodon, "mastodon/context_no_root.json"),
                                         (read_peertube, "peertube/tree.json")])
def test_truncated_json(tmp_path: Path, reader: Any, name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.rindex("}")], encoding="utf-8")
    with pytest.raises(ParseError, match=r"cut\.json, line \d+, column \d+: the JSON ends early"):
        reader(cut)


@pytest.mark.parametrize("reader", [read_mastodon, read_peertube])
def test_empty_file(tmp_path: Path, reader: Any) -> None:
    (tmp_path / "e.json").write_bytes(b"\n")
    with pytest.raises(EmptyInput):
        reader(tmp_path / "e.json")


def test_bom_and_cp1252(tmp_path: Path) -> None:
    text = (DATA / "peertube" / "page.json").read_text(encoding="utf-8").replace("Great talk", "Très bien")
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "win.json").write_bytes(text.encode("cp1252"))
    for name in ("bom.json", "win.json"):
        assert read_peertube(tmp_path / name).comments["text"].to_list()[0] == "Très bien"


def test_wrong_shapes_are_named() -> None:
    with pytest.raises(ParseError, match=r"descendants\[0\]: expected a status object"):
        parse_mastodon({"ancestors": [], "descendants": [{"id": "1"}]}, "m.json")
    with pytest.raises(ParseError, match="expected a PeerTube comment-threads page"):
        parse_peertube({"items": []}, "p.json")
    with pytest.raises(ParseError, match=r"data\[0\]: expected a 'videoId'"):
        parse_peertube({"total": 1, "data": [{"id": 1, "text": "x"}]}, "p.json")


def test_sniffers_do_not_cross() -> None:
    ctx = (DATA / "mastodon" / "context_no_root.json").read_text(encoding="utf-8")
    page = (DATA / "peertube" / "page.json").read_text(encoding="utf-8")
    assert sniff_mastodon(Path("m.json"), ctx) and not sniff_peertube(Path("m.json"), ctx)
    assert sniff_peertube(Path("p.json"), page) and not sniff_mastodon(Path("p.json"), page)
    topic = '{"post_stream": {"posts": [{"post_number": 1, "cooked": "x"}]}, "id": 5}'
    assert not sniff_mastodon(Path("t.json"), topic) and not sniff_peertube(Path("t.json"), topic)


def test_mastodon_boost_of_a_post_is_counted_and_dropped() -> None:
    boost = {"id": "900", "in_reply_to_id": None, "content": "", "reblog": {"id": "200"}, "account": {"acct": "x"}}
    r = parse_mastodon([boost], "boost.json")
    assert r.comments.height == 0 and r.threads.height == 0
    assert dict(r.quality.threads[("mastodon", "200")].dropped) == {"reblog": 1}


@pytest.mark.shared
def test_part2_sniffers_claim_only_their_own_corpus_files(corpora: Path) -> None:
    """Each of the six site readers recognises its own corpus files and no other file in ../shared."""
    from discourse.io.discourse_forum import sniff_discourse_forum
    from discourse.io.disqus import sniff_disqus
    from discourse.io.stackexchange import sniff_stackexchange
    from discourse.io.youtube import sniff_youtube

    sniffers = {"disqus": sniff_disqus, "youtube": sniff_youtube, "mastodon": sniff_mastodon,
                "peertube": sniff_peertube, "discourse": sniff_discourse_forum, "stackexchange": sniff_stackexchange}
    checked = 0
    for path in sorted(p for p in corpora.rglob("*") if p.is_file()):
        text = head(path)
        claims = sorted(name for name, sniff in sniffers.items() if sniff(path, text))
        own = path.relative_to(corpora).parts[0]
        assert claims == ([own] if own in sniffers else []), path
        checked += 1
    assert checked > 30


def test_peertube_flat_page_with_replies_counts_only_absent_replies() -> None:
    def c(i: int, parent: int | None, thread: int, replies: int) -> dict[str, Any]:
        return {"id": i, "threadId": thread, "inReplyToCommentId": parent, "videoId": 5, "text": f"t{i}",
                "totalReplies": replies, "account": {"name": "n", "host": "h"}}

    page = {"total": 2, "data": [c(1, None, 1, 3), c(2, 1, 1, 0), c(3, 2, 1, 0), c(4, None, 4, 1)]}
    r = parse_peertube(page, "flat.json")
    assert r.comments.select("comment_id", "parent_id").rows() == [("1", None), ("2", "1"), ("3", "2"), ("4", None)]
    assert r.quality.threads[("peertube", "5")].missing == (3 - 2) + (1 - 0)


def test_peertube_deep_tree_does_not_hit_the_recursion_limit() -> None:
    node: dict[str, Any] = {}
    depth = 3000
    for i in range(depth, 0, -1):
        node = {"comment": {"id": i, "videoId": 1, "text": "x", "inReplyToCommentId": i - 1 if i > 1 else None,
                            "account": {"name": "a", "host": "h"}}, "children": [node] if node else []}
    r = parse_peertube(node, "deep.json")
    assert r.comments["comment_id"].to_list() == [str(i) for i in range(1, depth + 1)]
    assert r.comments["position"].to_list()[-1] == depth - 1
