"""Bluesky, Lemmy, Telegram and Stack Exchange API readers: hand-written files (tests/data), random trees written in each
format and read back, bad input as one-line errors, and sniffing that tells them apart."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discourse import io, schema
from discourse.errors import DiscourseError, ParseError
from discourse.io._common import head
from discourse.io.bluesky import parse_bluesky, read_bluesky, sniff_bluesky
from discourse.io.lemmy import parse_lemmy, read_lemmy, sniff_lemmy
from discourse.io.stackexchange_api import parse_stackexchange_api, read_stackexchange_api, sniff_stackexchange_api
from discourse.io.telegram import parse_telegram, read_telegram, sniff_telegram, telegram_text

DATA = Path(__file__).parent.parent / "data"
BSKY = DATA / "bluesky"
ROOT = "at://did:plc:u5cwb2mwiv2bfq53cjufe6yn/app.bsky.feed.post/3kq2b7xyzaa2c"


def rkey(uri: str | None) -> str | None:
    return None if uri is None else uri.rsplit("/", 1)[-1]


# -- Bluesky ----------------------------------------------------------------------------------------

def test_bluesky_thread_exact() -> None:
    r = read_bluesky(BSKY / "thread.json")
    got = [(rkey(c), rkey(p), a, s) for c, p, a, s in r.comments.select("comment_id", "parent_id", "author", "score").rows()]
    assert got == [
        ("3kq2c1aaaa22x", None, "bea.bsky.social", 12),
        ("3kq2c4bbbb22x", "3kq2c1aaaa22x", "ana.example.com", 4),
        ("3kq2c9cccc22x", "3kq2c4bbbb22x", "did:plc:z72i7hdynmk6r22z27h6tvur", 1),  # handle.invalid -> the DID
        ("3kq2d2dddd22x", "3kq2c1aaaa22x", "dmitri.bsky.social", 0),
        ("3kq2e5eeee22x", None, "dmitri.bsky.social", 2),
    ]
    assert r.comments["thread_id"].unique().to_list() == [ROOT]
    assert r.comments["created_at"][0] == datetime(2024, 3, 1, 10, 5, tzinfo=UTC)
    assert set(r.comments["parent_source"]) == {"explicit"}
    assert r.threads.select("thread_id", "author", "url").rows() == [
        (ROOT, "ana.example.com", "https://bsky.app/profile/ana.example.com/post/3kq2b7xyzaa2c")]
    tq = r.quality.threads[("bluesky", ROOT)]
    # root: 5 replies, 4 shown (not found and blocked included); 3kq2c9cccc22x: 3 replies, none shown
    assert (tq.read, tq.kept, dict(tq.dropped), tq.missing) == (7, 5, {"blocked": 1, "not_found": 1}, 4)
    assert r.quality.check_balanced() == []


def test_bluesky_deeper_branch_joins_the_thread_once() -> None:
    data = [json.loads((BSKY / name).read_text(encoding="utf-8")) for name in ("thread.json", "branch.json")]
    r = parse_bluesky(data, "both")
    assert r.comments["comment_id"].n_unique() == r.comments.height == 8
    branch = r.comments.filter(r.comments["comment_id"].str.ends_with("3kq2h3jjjj22x"))
    assert rkey(branch["parent_id"][0]) == "3kq2h1hhhh22x"
    tq = r.quality.threads[("bluesky", ROOT)]
    assert (tq.read, tq.kept, tq.missing) == (10, 8, 2)  # 3kq2c9cccc22x now shows 2 of its 3 replies
    assert any("more than one answer" in n for n in r.quality.files[0].notes)


def test_bluesky_asked_from_a_reply_walks_the_parents() -> None:
    data = json.loads((BSKY / "thread.json").read_text(encoding="utf-8"))
    root = data["thread"]
    first = root["replies"][0]
    second = first["replies"][0]
    focal = {"$type": "app.bsky.feed.defs#threadViewPost", "post": second["post"], "replies": second["replies"],
             "parent": {**first, "replies": None, "parent": {**root, "replies": None}}}
    r = parse_bluesky({"thread": focal}, "focal")
    assert [rkey(c) for c in r.comments["comment_id"]] == ["3kq2c1aaaa22x", "3kq2c4bbbb22x", "3kq2c9cccc22x"]
    assert r.threads["text"][0].startswith("We are changing")
    # the root's 5 replies and bea's 2 are shown one each: 4 + 1 missing, and 3kq2c9cccc22x's 3
    assert r.quality.threads[("bluesky", ROOT)].missing == 4 + 1 + 3


def test_bluesky_parent_deleted_above_the_focal_post() -> None:
    data = json.loads((BSKY / "thread.json").read_text(encoding="utf-8"))
    reply = data["thread"]["replies"][0]["replies"][0]
    gone = {"$type": "app.bsky.feed.defs#notFoundPost", "uri": reply["post"]["record"]["reply"]["parent"]["uri"],
            "notFound": True}
    r = parse_bluesky({"thread": {**reply, "parent": gone}}, "x")
    assert r.comments.height == 2
    tq = r.quality.threads[("bluesky", ROOT)]
    assert (tq.read, dict(tq.dropped)) == (3, {"not_found": 1})
    assert any("root post is not in the file" in n for n in r.quality.files[0].notes)


@pytest.mark.parametrize(("data", "where"), [
    ({"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": {"uri": "at://x"}}}, "thread.post"),
    ({"thread": {"$type": "app.bsky.feed.defs#somethingNew", "uri": "at://x"}}, "thread"),
    ({"thread": {"post": {"uri": "at://a/app.bsky.feed.post/1", "record": {"text": "t"}}, "replies": [7]}},
     "thread.replies[0]"),
    ([], None),
])
def test_bluesky_bad_structure_is_a_one_line_error(data: Any, where: str | None) -> None:
    with pytest.raises(ParseError) as err:
        parse_bluesky(data, "bsky.json")
    assert "\n" not in str(err.value) and str(err.value).startswith("bsky.json")
    assert err.value.record == where


# -- Lemmy ------------------------------------------------------------------------------------------

def test_lemmy_post_and_pages_exact() -> None:
    r = read_lemmy(DATA / "lemmy" / "post_with_comments.json")
    assert r.comments.select("comment_id", "parent_id", "author", "score").rows() == [
        ("9001", None, "alder", 41),
        ("9003", "9001", "brook@feddit.de", 12),
        ("9007", "9003", "alder", 9),
        ("9010", "9007", "cedar@sh.itjust.works", 3),
        ("9002", None, "dune", 0),
        ("9005", "9002", "cedar@sh.itjust.works", 2),
        ("9008", None, "brook@feddit.de", 0),
        ("9009", None, "dune", 5),
    ]
    texts = dict(r.comments.select("comment_id", "text").rows())
    assert texts["9002"] is None and texts["9008"] is None and texts["9010"] == "> Users can move\n\nOnly in theory."
    times = dict(r.comments.select("comment_id", "created_at").rows())
    assert times["9001"] == datetime(2024, 2, 10, 8, 20, 11, 100000, tzinfo=UTC)
    assert times["9009"] == datetime(2024, 2, 10, 9, 12, tzinfo=UTC)  # no offset (Lemmy < 0.19): UTC
    assert r.threads.select("thread_id", "title", "author", "url", "reported_comments").rows() == [
        ("1184523", "Should instances defederate from servers that allow AI scraping?", "moss",
         "https://lemmy.world/post/1184523", 12)]
    tq = r.quality.threads[("lemmy", "1184523")]
    # 9001 has 4 descendants and 3 present; 9009 has 3 and none
    assert (tq.read, tq.kept, tq.reported, tq.missing) == (8, 8, 12, 4)
    assert dict(tq.repaired) == {"text_deleted": 1, "text_removed": 1}


def test_lemmy_one_page_without_the_post() -> None:
    r = read_lemmy(DATA / "lemmy" / "comments_page1.json")
    assert r.threads.select("thread_id", "author", "reported_comments").rows() == [("1184523", None, None)]
    tq = r.quality.threads[("lemmy", "1184523")]
    assert (tq.read, tq.missing) == (5, 2)  # 9001: 1 not present; 9002: its 1 reply is on page 2
    assert any("post answer is not in the file" in n for n in r.quality.files[0].notes)


def test_lemmy_page_repeated_is_read_once() -> None:
    page = json.loads((DATA / "lemmy" / "comments_page1.json").read_text(encoding="utf-8"))
    r = parse_lemmy([page, page], "twice")
    assert r.comments.height == 5 and r.quality.threads[("lemmy", "1184523")].read == 5


@pytest.mark.parametrize(("path", "message"), [("0.12.x", "expected comment.path"), ("12.34", "expected comment.path"),
                                                ("0.12.35", "does not end in the comment's id 34")])
def test_lemmy_bad_path_names_the_comment(path: str, message: str) -> None:
    page = {"comments": [{"comment": {"id": 34, "post_id": 1, "path": path, "content": "x"}}]}
    with pytest.raises(ParseError) as err:
        parse_lemmy(page, "l.json")
    assert message in str(err.value) and err.value.record == "comments[0].comment.path"


def test_lemmy_unknown_shape_is_a_one_line_error() -> None:
    with pytest.raises(ParseError, match="expected a Lemmy comment list"):
        parse_lemmy({"posts": []}, "l.json")


# -- Telegram ---------------------------------------------------------------------------------------

def test_telegram_chat_exact() -> None:
    r = read_telegram(DATA / "telegram" / "result.json")
    assert r.comments.select("comment_id", "parent_id", "author", "parent_source", "score").rows() == [
        ("40212", None, "Rina", "none", None),
        ("40213", "40212", "Tomas", "explicit", None),
        ("40214", "40213", "Rina", "explicit", 4),
        ("40215", "40213", "Alex (user7700003)", "explicit", None),   # two accounts named Alex
        ("40216", None, "Alex (user7700009)", "none", None),
        ("40217", None, "Tomas", "none", None),                        # forwarded: said by who forwarded it
        ("40218", "40190", None, "explicit", None),                    # deleted account, parent not exported
        ("40220", "40214", "Rina", "explicit", None),                  # a sticker
    ]
    texts = r.comments["text"].to_list()
    assert texts[1] == "They cut line 14 entirely, see https://city.example/plan.pdf page 12"
    assert texts[3] == "@tomas_k the plan also adds a tram, to be fair" and texts[-1] == ""
    assert r.comments["created_at"][0] == datetime(2024, 5, 2, 9, 1, 10, tzinfo=UTC)
    assert r.threads.select("thread_id", "title").rows() == [("1874410092", "Eastside Neighbours")]
    tq = r.quality.threads[("telegram", "1874410092")]
    assert (tq.read, tq.kept, dict(tq.dropped), tq.missing) == (10, 8, {"service": 2}, 1)
    assert (dict(tq.repaired), dict(tq.flagged)) == ({"author_deleted": 1}, {"forwarded": 1})


def test_telegram_full_export_reads_every_chat_and_old_local_times() -> None:
    r = read_telegram(DATA / "telegram" / "full_export.json")
    assert r.threads["thread_id"].to_list() == ["200", "1874410092"]
    old = r.comments.filter(r.comments["thread_id"] == "200")
    assert old.select("comment_id", "parent_id", "text").rows() == [("5", None, "Polls close at nine?"),
                                                                    ("6", "5", "No, eight.")]
    assert old["created_at"].to_list() == [datetime(2020, 11, 3, 21, 15, tzinfo=UTC),
                                           datetime(2020, 11, 3, 21, 16, 40, tzinfo=UTC)]
    assert r.quality.threads[("telegram", "200")].repaired == {"local_time": 2}
    assert r.comments.filter(r.comments["thread_id"] == "1874410092")["created_at"].null_count() == 0


def test_telegram_reply_to_a_topic_start_has_no_parent() -> None:
    chat = {"name": "Forum", "type": "private_supergroup", "id": 9, "messages": [
        {"id": 1, "type": "service", "date_unixtime": "1700000000", "actor": "A", "actor_id": "user1",
         "action": "topic_created", "title": "Bikes", "text": ""},
        {"id": 2, "type": "message", "date_unixtime": "1700000060", "from": "B", "from_id": "user2",
         "reply_to_message_id": 1, "text": "first in the topic"}]}
    r = parse_telegram(chat, "forum.json")
    assert r.comments.select("parent_id", "parent_source").rows() == [(None, "none")]
    assert r.quality.threads[("telegram", "9")].missing == 0


def test_telegram_full_export_whose_chats_start_late_is_recognised(tmp_path: Path) -> None:
    full = json.loads((DATA / "telegram" / "full_export.json").read_text(encoding="utf-8"))
    contacts = [{"first_name": f"C{i}", "last_name": "", "phone_number": "+00 000", "date": "2020-01-01T00:00:00"}
                for i in range(3000)]
    big = {"about": full["about"], "personal_information": full["personal_information"],
           "contacts": {"about": "contacts", "list": contacts}, "chats": full["chats"], "left_chats": full["left_chats"]}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(big), encoding="utf-8")
    assert '"chats"' not in head(path)
    assert io.detect_format(path).name == "telegram"
    assert io.read_file(path).comments.height == 10
    with pytest.raises(ParseError, match="without chats"):
        parse_telegram({"about": "x", "personal_information": {}}, "result.json")


def test_telegram_text_forms() -> None:
    assert telegram_text("plain") == "plain"
    assert telegram_text(["a ", {"type": "bold", "text": "b"}, {"type": "text_link", "text": "c", "href": "u"}]) == "a bc"
    assert telegram_text(None) == ""


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "x", "id": 1, "messages": [{"id": 1, "type": "poll"}]}, "messages[0]"),
    ({"name": "x", "messages": []}, "top level: expected a chat with 'id'"),
    ({"name": "x"}, "expected a Telegram Desktop export"),
    ({"chats": {"list": [{"name": "no id", "messages": []}]}}, "chats.list[0]"),
])
def test_telegram_bad_structure_is_a_one_line_error(data: Any, message: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_telegram(data, "result.json")
    assert message in str(err.value) and "\n" not in str(err.value)


# -- Stack Exchange API ------------------------------------------------------------------------------

SE = DATA / "stackexchange_api"


def test_stackexchange_api_question_answers_comments_exact() -> None:
    r = read_stackexchange_api(SE / "question_thread.json")
    assert r.comments.select("comment_id", "parent_id", "author", "score").rows() == [
        ("c130511", None, "Sam (user3301)", 2),        # comments on the question reply to the post
        ("c130514", None, "René K.", 0),                # display names come HTML-encoded
        ("a442310", None, "Marta", 88),
        ("c130530", "a442310", "Sam (user3301)", 1),
        ("c130533", "a442310", "Sam (user9040)", 5),    # two users called Sam stay apart
        ("a442315", None, "Sam (user3301)", -3),
        ("c130541", "a442315", "Marta", 0),
        ("a442322", None, "user77812", 4),              # a deleted user keeps the API's name
    ]
    assert r.comments["text"][3] == "Sounds like an excuse to skip tests & ship bugs."
    assert r.comments["created_at"][0] == datetime(2023, 11, 14, 22, 30, tzinfo=UTC)
    assert r.threads.select("thread_id", "title", "author", "reported_comments").rows() == [
        ("442301", "Is 100% test coverage worth it?", "René K.", 9)]
    tq = r.quality.threads[("stackexchange", "442301")]
    assert (tq.read, tq.kept, tq.reported, tq.missing) == (8, 8, 9, 1)   # the 4th answer is not in the file


def test_stackexchange_api_answers_alone_and_orphan_comments() -> None:
    r = read_stackexchange_api(SE / "answers_page.json")
    tq = r.quality.threads[("stackexchange", "442301")]
    assert (tq.kept, tq.flagged["thread_missing"], tq.missing) == (3, 3, 3)  # their 3 comments are counted, absent
    page = {"items": [{"comment_id": 5, "post_id": 99, "body": "x", "owner": {"display_name": "a"}}], "has_more": False}
    r = parse_stackexchange_api([page, page], "c.json")
    assert r.comments.height == 0
    tq = r.quality.threads[("stackexchange", "99")]
    assert (tq.read, dict(tq.dropped)) == (1, {"post_missing": 1})
    assert any("more than one page" in n for n in r.quality.files[0].notes)


@pytest.mark.parametrize(("data", "where"), [({"error_id": 502, "error_name": "throttle_violation"}, None),
                                             ({"items": [{"id": 1}]}, "items[0]"),
                                             ([{"items": []}, {"items": [7]}], "item 1, items[0]")])
def test_stackexchange_api_bad_structure_is_a_one_line_error(data: Any, where: str | None) -> None:
    with pytest.raises(ParseError) as err:
        parse_stackexchange_api(data, "se.json")
    assert err.value.record == where and "\n" not in str(err.value)


# -- detection ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "name"), [
    (BSKY / "thread.json", "bluesky"), (BSKY / "branch.json", "bluesky"),
    (DATA / "lemmy" / "comments_page1.json", "lemmy"), (DATA / "lemmy" / "post_with_comments.json", "lemmy"),
    (DATA / "telegram" / "result.json", "telegram"), (DATA / "telegram" / "full_export.json", "telegram"),
    (SE / "question_thread.json", "stackexchange-api"), (SE / "answers_page.json", "stackexchange-api"),
])
def test_each_file_is_recognised_by_its_reader_only(path: Path, name: str) -> None:
    assert io.detect_format(path).name == name
    sniffers = {"bluesky": sniff_bluesky, "lemmy": sniff_lemmy, "telegram": sniff_telegram,
                "stackexchange-api": sniff_stackexchange_api}
    assert [n for n, s in sniffers.items() if s(path, head(path))] == [name]


@pytest.mark.parametrize("other", [DATA / "mastodon" / "context_with_ancestors.json", DATA / "reddit" / "thread.json",
                                   DATA / "youtube" / "threads_page.json", DATA / "discourse_forum" / "topic.json",
                                   DATA / "peertube" / "tree.json", DATA / "hn" / "firebase_items.json"])
def test_other_sites_are_not_taken(other: Path) -> None:
    text = head(other)
    assert not (sniff_bluesky(other, text) or sniff_lemmy(other, text) or sniff_telegram(other, text)
                or sniff_stackexchange_api(other, text))


def test_a_cut_export_is_a_one_line_error_naming_it(tmp_path: Path) -> None:
    data = (DATA / "telegram" / "result.json").read_bytes()
    cut = tmp_path / "result.json"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(DiscourseError) as err:
        io.read_file(cut, "telegram")
    assert "result.json" in str(err.value) and "\n" not in str(err.value)


# -- random trees round-trip ------------------------------------------------------------------------

_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20)


@st.composite
def trees(draw: st.DrawFn) -> list[tuple[int, int | None, str, str]]:
    """(id, parent id or None for a reply to the post, author, text), parents before children."""
    n = draw(st.integers(1, 30))
    out: list[tuple[int, int | None, str, str]] = []
    for i in range(n):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        out.append((100 + i, None if parent is None else 100 + parent, draw(_NAME), draw(_TEXT)))
    return out


def _expected(nodes: list[tuple[int, int | None, str, str]]) -> set[tuple[str, str | None, str, str]]:
    return {(str(i), None if p is None else str(p), a, t) for i, p, a, t in nodes}


def _check(res: Any, nodes: list[tuple[int, int | None, str, str]], key: Any = str) -> None:
    schema.validate(res.comments, "comments")
    got = {(key(c), None if p is None else key(p), a, t)
           for c, p, a, t in res.comments.select("comment_id", "parent_id", "author", "text").rows()}
    assert got == _expected(nodes)
    assert res.quality.check_balanced() == []
    assert sum(tq.missing for tq in res.quality.threads.values()) == 0


@settings(max_examples=40, deadline=None)
@given(trees())
def test_random_trees_round_trip_through_bluesky(nodes: list[tuple[int, int | None, str, str]]) -> None:
    def uri(i: int | str) -> str:
        return f"at://did:plc:{i}/app.bsky.feed.post/{i}"

    def view(i: int, parent: int | None, author: str, text: str) -> dict[str, Any]:
        kids = [n for n in nodes if n[1] == i]
        record: dict[str, Any] = {"text": text, "createdAt": "2024-01-01T00:00:00Z"}
        record["reply"] = {"root": {"uri": uri("root")}, "parent": {"uri": uri("root") if parent is None else uri(parent)}}
        return {"post": {"uri": uri(i), "author": {"did": f"did:plc:{author}", "handle": author}, "record": record,
                         "replyCount": len(kids)}, "replies": [view(*k) for k in kids]}

    tops = [n for n in nodes if n[1] is None]
    root = {"post": {"uri": uri("root"), "author": {"handle": "op"}, "record": {"text": "post"}, "replyCount": len(tops)},
            "replies": [view(*n) for n in tops]}
    _check(parse_bluesky({"thread": root}), nodes, key=lambda u: u.rsplit("/", 1)[-1])


@settings(max_examples=40, deadline=None)
@given(trees(), st.randoms(use_true_random=False))
def test_random_trees_round_trip_through_lemmy(nodes: list[tuple[int, int | None, str, str]], rnd: Any) -> None:
    parent = {i: p for i, p, _, _ in nodes}

    def path(i: int) -> str:
        chain = [i]
        while parent[chain[-1]] is not None:
            chain.append(parent[chain[-1]])  # type: ignore[arg-type]
        return "0." + ".".join(str(x) for x in reversed(chain))

    views = [{"comment": {"id": i, "post_id": 5, "path": path(i), "content": t, "published": "2024-01-01T00:00:00Z"},
              "creator": {"name": a, "local": True},
              "counts": {"score": 1, "child_count": sum(path(j).startswith(path(i) + ".") for j in parent)}}
             for i, _, a, t in nodes]
    rnd.shuffle(views)  # pages come in any order: the path alone gives the tree
    cut = rnd.randint(0, len(views))
    _check(parse_lemmy([{"comments": views[:cut]}, {"comments": views[cut:]}]), nodes)


@settings(max_examples=40, deadline=None)
@given(trees())
def test_random_trees_round_trip_through_telegram(nodes: list[tuple[int, int | None, str, str]]) -> None:
    messages = [{"id": i, "type": "message", "date_unixtime": str(1_700_000_000 + i), "from": a, "from_id": f"user{a}",
                 "text": t, **({} if p is None else {"reply_to_message_id": p})} for i, p, a, t in nodes]
    res = parse_telegram({"name": "chat", "type": "private_group", "id": 3, "messages": messages})
    _check(res, nodes)
    assert res.comments.filter(res.comments["parent_id"].is_null())["parent_source"].unique().to_list() in ([], ["none"])


@settings(max_examples=40, deadline=None)
@given(trees(), st.data())
def test_bluesky_deleted_and_blocked_replies_are_counted_never_kept(nodes: list[tuple[int, int | None, str, str]],
                                                                   data: st.DataObject) -> None:
    parents = {p for _, p, _, _ in nodes}
    leaves = [i for i, _, _, _ in nodes if i not in parents]
    gone = data.draw(st.dictionaries(st.sampled_from(leaves), st.sampled_from(["not_found", "blocked"])))

    def uri(i: int | str) -> str:
        return f"at://did:plc:{i}/app.bsky.feed.post/{i}"

    def view(i: int, parent: int | None, author: str, text: str) -> dict[str, Any]:
        if i in gone:
            return ({"$type": "app.bsky.feed.defs#notFoundPost", "uri": uri(i), "notFound": True}
                    if gone[i] == "not_found" else
                    {"$type": "app.bsky.feed.defs#blockedPost", "uri": uri(i), "blocked": True, "author": {"did": "d"}})
        kids = [n for n in nodes if n[1] == i]
        record = {"text": text, "reply": {"root": {"uri": uri("root")},
                                          "parent": {"uri": uri("root") if parent is None else uri(parent)}}}
        return {"$type": "app.bsky.feed.defs#threadViewPost",
                "post": {"uri": uri(i), "author": {"handle": author}, "record": record, "replyCount": len(kids)},
                "replies": [view(*k) for k in kids]}

    tops = [n for n in nodes if n[1] is None]
    root = {"post": {"uri": uri("root"), "author": {"handle": "op"}, "record": {"text": "post"}, "replyCount": len(tops)},
            "replies": [view(*n) for n in tops]}
    r = parse_bluesky({"thread": root})
    tq = r.quality.threads[("bluesky", uri("root"))]
    assert (tq.read, tq.kept, tq.missing) == (len(nodes), len(nodes) - len(gone), 0)
    assert dict(tq.dropped) == {k: v for k, v in
                                {"not_found": sum(v == "not_found" for v in gone.values()),
                                 "blocked": sum(v == "blocked" for v in gone.values())}.items() if v}
    assert r.comments.height == len(nodes) - len(gone)
