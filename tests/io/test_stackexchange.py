"""Stack Exchange dump reader: a hand-written dump, the real history.meta dump in ../shared, bad input."""

from __future__ import annotations

import io
import shutil
import xml.etree.ElementTree as ET
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
from discourse.io.registry import ReadOptions
from discourse.io.stackexchange import dump_files, parse_stackexchange, read_stackexchange, sniff_stackexchange

DUMP = Path(__file__).parent.parent / "data" / "stackexchange" / "dump"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_small_dump_exact_tables() -> None:
    r = read_stackexchange(DUMP)
    expected = pl.DataFrame(
        {
            "site": ["stackexchange"] * 7,
            "thread_id": ["1"] * 5 + ["50"] * 2,
            # depth-first: the question's comments, then each answer and its comments
            "comment_id": ["c1", "a2", "c2", "c3", "a3", "a6", "c6"],
            "parent_id": [None, None, "a2", "a2", None, None, "a6"],
            "author": ["Bob", "Bob", "Ann", "anon", "ghost", "user99", None],
            "text": ["Define X.", "Yes.", "@Bob source?", "Agreed & upvoted", "No.", "orphan answer", "who wrote this?"],
            "created_at": [utc(2015, 1, 1, 10, 30), utc(2015, 1, 1, 11), utc(2015, 1, 1, 11, 30),
                           utc(2015, 1, 1, 11, 40), utc(2015, 1, 1, 12), utc(2015, 1, 3), utc(2015, 1, 3, 1)],
            "score": [0, 3, 1, 0, -1, 0, 0],
            "position": [0, 1, 2, 3, 4, 0, 1],
            "parent_source": ["explicit"] * 7,
            "parent_confidence": [1.0] * 7,
        },
        schema=schema.COMMENTS,
    )
    assert_frame_equal(r.comments, expected)
    assert r.threads.rows() == [
        ("stackexchange", "1", "About X", "Is X true?", "Ann", None, utc(2015, 1, 1, 10), 5),
        ("stackexchange", "7", "Lonely", "Unanswered", "user12", None, utc(2015, 1, 4), 0),
        ("stackexchange", "50", None, None, None, None, None, None),
    ]


def test_small_dump_accounting() -> None:
    q = read_stackexchange(DUMP).quality
    t = q.threads
    assert (t[("stackexchange", "1")].read, t[("stackexchange", "1")].reported) == (5, 5)
    assert dict(t[("stackexchange", "50")].flagged) == {"author_unknown": 1, "thread_missing": 2}
    assert dict(t[("stackexchange", "4")].dropped) == {"not_question_or_answer": 1}
    assert dict(t[("stackexchange", "999")].dropped) == {"post_missing": 1}
    assert q.totals()["read"] == 9 and q.check_balanced() == []
    assert [f.records for f in q.files] == [6, 6, 4]


def test_posts_file_alone_finds_siblings_and_other_files_defer() -> None:
    a = read_stackexchange(DUMP / "Posts.xml")
    b = read_stackexchange(DUMP)
    assert_frame_equal(a.comments, b.comments)
    c = read_stackexchange(DUMP / "Comments.xml")
    assert c.comments.height == 0 and "read through Posts.xml" in c.quality.files[0].notes[0]


def test_posts_without_siblings(tmp_path: Path) -> None:
    shutil.copy(DUMP / "Posts.xml", tmp_path / "Posts.xml")
    r = read_stackexchange(tmp_path / "Posts.xml")
    assert r.comments["comment_id"].to_list() == ["a2", "a3", "a6"]
    assert r.comments["author"].to_list() == ["user11", "ghost", "user99"]  # no Users.xml: SE's own user<Id>
    assert [Path(f.path).name for f in r.quality.files] == ["Posts.xml"]


def test_detect_and_read_through_the_registry() -> None:
    assert detect_format(DUMP).name == "stackexchange"
    r = read(DUMP)
    assert r.comments.height == 7


def _attrs(path: Path) -> list[dict[str, str]]:
    return [dict(e.attrib) for e in ET.parse(path).getroot().iter("row")]


@pytest.mark.shared
def test_real_dump_matches_raw_counts(corpora: Path) -> None:
    d = corpora / "stackexchange"
    posts = _attrs(d / "history.meta_se_Posts.xml")
    comments = _attrs(d / "history.meta_se_Comments.xml")
    users = {u["Id"]: u["DisplayName"] for u in _attrs(d / "history.meta_se_Users.xml")}
    questions = {p["Id"] for p in posts if p["PostTypeId"] == "1"}
    answers = {p["Id"]: p for p in posts if p["PostTypeId"] == "2"}
    on_q = [c for c in comments if c["PostId"] in questions]
    on_a = [c for c in comments if c["PostId"] in answers]

    # users of the data who share a display name are told apart by their id
    seen = {r.get(k) for r in [*answers.values(), *on_q, *on_a] for k in ("OwnerUserId", "UserId")} | {
        p.get("OwnerUserId") for p in posts if p["Id"] in questions or p["Id"] in {a["ParentId"] for a in answers.values()}}
    holders: dict[str, set[str]] = {}
    for uid in seen - {None}:
        if users.get(uid):
            holders.setdefault(users[uid], set()).add(uid)
    users = {uid: (f"{n} (user{uid})" if len(holders.get(n, ())) > 1 else n) for uid, n in users.items()}

    def name(row: dict[str, str], uid: str, fallback: str) -> str | None:
        return users.get(row.get(uid, "")) or row.get(fallback) or (f"user{row[uid]}" if row.get(uid) else None)

    authors = {name(a, "OwnerUserId", "OwnerDisplayName") for a in answers.values()}
    authors |= {name(c, "UserId", "UserDisplayName") for c in on_q + on_a}
    r = read_stackexchange(d)
    schema.validate(r.comments, "comments")
    schema.validate(r.threads, "threads")
    assert r.comments.height == len(answers) + len(on_q) + len(on_a) == 1095 + 3454
    assert r.comments["parent_id"].is_not_null().sum() == len(on_a)
    assert r.comments["author"].drop_nulls().n_unique() == len(authors - {None})
    assert set(r.threads["thread_id"]) == questions | {a["ParentId"] for a in answers.values()}
    assert r.threads.height == 556
    totals = r.quality.totals()
    assert totals["read"] == len(answers) + len(comments)
    assert sum(totals["dropped"].values()) == len(comments) - len(on_q) - len(on_a)
    assert r.quality.check_balanced() == []
    assert [f.records for f in r.quality.files] == [len(posts), len(comments), len(users)]
    for f in d.iterdir():
        assert sniff_stackexchange(f, head(f))


def test_users_sharing_a_display_name_stay_apart(tmp_path: Path) -> None:
    (tmp_path / "Posts.xml").write_text(
        '<posts>\n<row Id="1" PostTypeId="1" Title="T" Body="Q?" OwnerUserId="1" />\n'
        '<row Id="2" PostTypeId="2" ParentId="1" Body="A." OwnerUserId="2" />\n'
        '<row Id="3" PostTypeId="2" ParentId="1" Body="B." OwnerUserId="3" />\n'
        '<row Id="4" PostTypeId="2" ParentId="1" Body="C." OwnerDisplayName="Sam" />\n</posts>\n', encoding="utf-8")
    (tmp_path / "Users.xml").write_text(
        '<users>\n<row Id="1" DisplayName="Sam" />\n<row Id="2" DisplayName="Sam" />\n'
        '<row Id="3" DisplayName="Kim" />\n<row Id="4" DisplayName="Kim" />\n</users>\n', encoding="utf-8")
    r = read_stackexchange(tmp_path)
    # users 1 and 2 are both "Sam"; user 4 (also "Kim") wrote nothing here, so Kim keeps the plain name, and the
    # deleted account known only as "Sam" keeps its name too (nothing tells it apart)
    assert r.threads["author"].to_list() == ["Sam (user1)"]
    assert r.comments["author"].to_list() == ["Sam (user2)", "Kim", "Sam"]
    notes = [n for fq in r.quality.files if fq.path.endswith("Users.xml") for n in fq.notes]
    assert notes == ["1 display name(s) shared by 2 users are told apart by their id, e.g. 'John (user1011)'"]


def test_malformed_xml_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "Posts.xml").write_text('<?xml version="1.0"?>\n<posts>\n  <row Id="1" PostTypeId="1" Body="x>\n</posts>\n',
                                        encoding="utf-8")
    with pytest.raises(ParseError, match=r"Posts\.xml, line \d+, column \d+: malformed XML"):
        read_stackexchange(tmp_path / "Posts.xml")


def test_bad_comments_file_is_named(tmp_path: Path) -> None:
    shutil.copy(DUMP / "Posts.xml", tmp_path / "Posts.xml")
    (tmp_path / "Comments.xml").write_bytes(b"<comments>\n<row Id=\"1\" PostId=\"1\" Text=\"caf\xe9\" />\n</comments>\n")
    with pytest.raises(ParseError, match=r"Comments\.xml, line 2, column \d+"):
        read_stackexchange(tmp_path)


def test_empty_and_wrong_files(tmp_path: Path) -> None:
    (tmp_path / "Posts.xml").write_bytes(b"\xef\xbb\xbf\n")
    with pytest.raises(EmptyInput):
        read_stackexchange(tmp_path / "Posts.xml")
    (tmp_path / "Posts.xml").write_text("<users><row Id='1' /></users>", encoding="utf-8")
    with pytest.raises(ParseError, match="expected a Stack Exchange <posts> file"):
        read_stackexchange(tmp_path / "Posts.xml")
    (tmp_path / "Posts.xml").write_text("<posts><row Id='1' PostTypeId='2' /></posts>", encoding="utf-8")
    with pytest.raises(ParseError, match=r"row 1 \(Id=1\): expected a ParentId"):
        read_stackexchange(tmp_path / "Posts.xml")
    lone = tmp_path / "other" / "Users.xml"
    lone.parent.mkdir()
    lone.write_text("<users><row Id='1' /></users>", encoding="utf-8")
    with pytest.raises(ParseError, match=r"give Posts\.xml or the dump directory"):
        read_stackexchange(lone)
    with pytest.raises(ParseError, match=r"expected one \*Posts\.xml"):
        dump_files(lone.parent)


def test_sniffer_claims_only_dump_files(tmp_path: Path) -> None:
    assert sniff_stackexchange(DUMP / "Posts.xml", head(DUMP / "Posts.xml"))
    assert sniff_stackexchange(DUMP, "")
    assert not sniff_stackexchange(tmp_path, "")
    disqus = '<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com"><thread/></disqus>'
    assert not sniff_stackexchange(Path("d.xml"), disqus)
    assert not sniff_stackexchange(Path("p.json"), '{"posts": [{"row": 1}]}')


def test_skip_counts_rows_without_required_attributes(tmp_path: Path) -> None:
    (tmp_path / "Posts.xml").write_text(
        "<posts><row Id='1' PostTypeId='1' Title='q' /><row PostTypeId='2' ParentId='1' />"
        "<row Id='3' PostTypeId='2' /><row Id='4' PostTypeId='2' ParentId='1' Body='ok' /></posts>", encoding="utf-8")
    (tmp_path / "Comments.xml").write_text("<comments><row Id='1' Text='no post' /><row Id='2' PostId='4' Text='hi' />"
                                           "</comments>", encoding="utf-8")
    r = read_stackexchange(tmp_path, ReadOptions(on_error="skip"))
    assert r.comments["comment_id"].to_list() == ["a4", "c2"]
    assert [(f.records, f.bad_records) for f in r.quality.files] == [(4, 2), (2, 1)]
    assert r.quality.totals()["bad_records"] == 3


# -- random dumps: depth-first order and parents -------------------------------------------------------

@st.composite
def dumps(draw: st.DrawFn) -> tuple[list[tuple[int, str, int | None]], list[tuple[int, int]]]:
    """Posts (Id, type, ParentId) in Id order and comments (Id, PostId) in Id order."""
    n_q = draw(st.integers(1, 4))
    posts: list[tuple[int, str, int | None]] = []
    questions: list[int] = []
    next_id = 1
    for _ in range(n_q + draw(st.integers(0, 8))):
        if not questions or draw(st.booleans()):
            posts.append((next_id, "1", None))
            questions.append(next_id)
        else:
            posts.append((next_id, "2", draw(st.sampled_from(questions))))
        next_id += 1
    ids = [p[0] for p in posts]
    comments = [(i + 1, draw(st.sampled_from(ids))) for i in range(draw(st.integers(0, 12)))]
    return posts, comments


@settings(max_examples=40, deadline=None)
@given(dumps())
def test_random_dumps_read_depth_first(dump: tuple[list[tuple[int, str, int | None]], list[tuple[int, int]]]) -> None:
    posts, comments = dump
    post_xml = "<posts>" + "".join(
        f'<row Id="{i}" PostTypeId="{t}"' + (f' ParentId="{p}"' if p else ' Title="q"') + f' OwnerUserId="{i % 3}" />'
        for i, t, p in posts) + "</posts>"
    comment_xml = "<comments>" + "".join(
        f'<row Id="{c}" PostId="{p}" Text="t{c}" UserId="{c % 3}" />' for c, p in comments) + "</comments>"
    users_xml = '<users><row Id="0" DisplayName="Zero" /><row Id="1" DisplayName="One" /></users>'
    r = parse_stackexchange(io.BytesIO(post_xml.encode()), io.BytesIO(comment_xml.encode()),
                            io.BytesIO(users_xml.encode()))
    kind = {i: t for i, t, _ in posts}
    expected = []
    for q, t, _ in posts:
        if t != "1":
            continue
        expected += [(str(q), f"c{c}", None) for c, p in comments if p == q]
        for a, t2, parent in posts:
            if t2 == "2" and parent == q:
                expected.append((str(q), f"a{a}", None))
                expected += [(str(q), f"c{c}", f"a{a}") for c, p in comments if p == a]
    assert r.comments.select("thread_id", "comment_id", "parent_id").rows() == expected
    positions = r.comments.group_by("thread_id", maintain_order=True).agg(pl.col("position"))
    assert all(ps == list(range(len(ps))) for ps in positions["position"].to_list())
    names = {"0": "Zero", "1": "One", "2": "user2"}
    assert r.comments["author"].to_list() == [
        names[str(int(cid[1:]) % 3)] for _, cid, _ in expected]
    assert r.quality.totals()["read"] == len(expected)
    assert r.threads.height == sum(t == "1" for t in kind.values())
