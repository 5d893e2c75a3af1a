"""Disqus XML export reader: a hand-written export, the real exports in ../shared, random trees, bad input."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from discourse import schema
from discourse.errors import EmptyInput, ParseError
from discourse.io._common import head
from discourse.io.disqus import parse_disqus, read_disqus, sniff_disqus

DATA = Path(__file__).parent.parent / "data" / "disqus"
NS = {"d": "http://disqus.com", "dsq": "http://disqus.com/disqus-internals"}
DSQ_ID = "{http://disqus.com/disqus-internals}id"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_small_export_exact_tables() -> None:
    r = read_disqus(DATA / "small.xml")
    expected = pl.DataFrame(
        {
            "site": ["disqus"] * 5,
            "thread_id": ["10", "10", "10", "10", "99"],
            "comment_id": ["100", "101", "102", "104", "200"],
            "parent_id": [None, "100", None, "102", None],
            "author": ["Ann", "Bob B.", None, "Ann", "Lost"],
            "text": ["First comment", "I disagree", None, "replying to the deleted one", ""],
            "created_at": [utc(2020, 1, 1, 11), utc(2020, 1, 1, 12), utc(2020, 1, 1, 13), utc(2020, 1, 1, 13),
                           utc(2020, 2, 1)],
            "score": [None] * 5,
            "position": [0, 1, 2, 3, 0],
            "parent_source": ["explicit"] * 5,
            "parent_confidence": [1.0] * 5,
        },
        schema=schema.COMMENTS,
    )
    assert_frame_equal(r.comments, expected)
    schema.validate(r.comments, "comments")
    threads = r.threads.sort("thread_id")
    assert threads["thread_id"].to_list() == ["10", "99"]  # thread 11 has no posts
    assert threads.row(0) == ("disqus", "10", "Post & one", "Intro", "Blogger", "https://blog.example/one",
                              utc(2020, 1, 1, 10), None)
    assert threads.row(1)[:3] == ("disqus", "99", None)


def test_small_export_accounting() -> None:
    q = read_disqus(DATA / "small.xml").quality
    t10 = q.threads[("disqus", "10")]
    assert (t10.read, t10.kept, dict(t10.dropped)) == (5, 4, {"spam": 1})
    assert dict(t10.repaired) == {"author_deleted": 1, "text_deleted": 1}
    t99 = q.threads[("disqus", "99")]
    assert (t99.read, t99.kept, dict(t99.flagged)) == (1, 1, {"thread_missing": 1})
    assert q.check_balanced() == []
    assert q.files[0].records == 6
    assert any("99" in n for n in q.files[0].notes)
    assert any("1 thread(s) without posts" in n for n in q.files[0].notes)


def _raw_counts(path: Path) -> dict[str, object]:
    """Counts taken straight from the XML with the stdlib, independent of the reader."""
    root = ET.parse(path).getroot()
    posts = root.findall("d:post", NS)
    spam = [p for p in posts if (p.findtext("d:isSpam", "", NS) or "").strip() == "true"]
    kept = [p for p in posts if p not in spam]
    deleted = [p for p in kept if (p.findtext("d:isDeleted", "", NS) or "").strip() == "true"]
    live = [p for p in kept if p not in deleted]
    defined = {t.get(DSQ_ID) for t in root.findall("d:thread", NS)}
    post_threads = [p.find("d:thread", NS).get(DSQ_ID) for p in posts]
    return {
        "posts": len(posts),
        "kept": len(kept),
        "replies": sum(p.find("d:parent", NS) is not None for p in kept),
        "deleted": len(deleted),
        "authors": len({p.findtext("d:author/d:name", "", NS).strip() for p in live}),
        "threads": len(set(post_threads)),
        "undefined": sum(t not in defined for t in post_threads),
        "pairs": {(p.find("d:thread", NS).get(DSQ_ID), p.get(DSQ_ID),
                   p.find("d:parent", NS).get(DSQ_ID) if p.find("d:parent", NS) is not None else None)
                  for p in kept},
    }


@pytest.mark.shared
@pytest.mark.parametrize("name", [
    "tl3shi_blog_disqus_export_redacted.xml", "gyk001_disqus_export_redacted.xml",
    "yesilmavihayat_disqus_export.xml", "isso_tests_disqus_edgecases.xml",
])
def test_real_exports_match_raw_counts(corpora: Path, name: str) -> None:
    path = corpora / "disqus" / name
    raw = _raw_counts(path)
    r = read_disqus(path)
    c = r.comments
    schema.validate(c, "comments")
    schema.validate(r.threads, "threads")
    assert c.height == raw["kept"]
    assert c["parent_id"].is_not_null().sum() == raw["replies"]
    assert c["text"].is_null().sum() == raw["deleted"]
    assert c["author"].drop_nulls().n_unique() == raw["authors"]
    assert r.threads.height == raw["threads"]
    assert set(c.select("thread_id", "comment_id", "parent_id").iter_rows()) == raw["pairs"]
    totals = r.quality.totals()
    assert totals["read"] == raw["posts"]
    assert totals["repaired"].get("text_deleted", 0) == raw["deleted"]
    assert totals["flagged"].get("thread_missing", 0) == raw["undefined"]
    assert r.quality.check_balanced() == []
    assert sniff_disqus(path, head(path))


@pytest.mark.shared
def test_published_counts_of_real_exports(corpora: Path) -> None:
    """The figures SOURCES.md states for these files."""
    tl = read_disqus(corpora / "disqus" / "tl3shi_blog_disqus_export_redacted.xml")
    assert (tl.comments.height, tl.comments["parent_id"].is_not_null().sum()) == (2693, 439)
    gy = read_disqus(corpora / "disqus" / "gyk001_disqus_export_redacted.xml")
    assert (gy.comments.height, gy.comments["text"].is_null().sum()) == (23, 17)
    ye = read_disqus(corpora / "disqus" / "yesilmavihayat_disqus_export.xml")
    assert (ye.comments.height, ye.comments["text"].is_null().sum(), ye.threads.height) == (51, 2, 1)


# -- random trees round-trip ---------------------------------------------------------------------

_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÄéß ", min_size=1, max_size=8).map(str.strip).filter(bool)
_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"),
                                       exclude_characters="<>&]"),
                min_size=1, max_size=30).map(str.strip).filter(bool)


@st.composite
def trees(draw: st.DrawFn) -> list[tuple[str, str | None, str, str]]:
    n = draw(st.integers(1, 25))
    nodes = []
    for i in range(n):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        nodes.append((str(1000 + i), None if parent is None else str(1000 + parent), draw(_NAME), draw(_TEXT)))
    return nodes


def _write_disqus(nodes: list[tuple[str, str | None, str, str]]) -> bytes:
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">',
             '<thread dsq:id="7"><title>T</title></thread>']
    for cid, parent, author, text in nodes:
        parts.append(
            f'<post dsq:id="{cid}"><message><![CDATA[<p>{escape(text)}</p>]]></message>'
            f"<createdAt>2021-05-01T00:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
            f"<author><name>{escape(author)}</name><isAnonymous>true</isAnonymous></author>"
            f'<thread dsq:id="7"/>' + (f'<parent dsq:id="{parent}"/>' if parent else "") + "</post>")
    parts.append("</disqus>")
    return "\n".join(parts).encode("utf-8")


@settings(max_examples=40, deadline=None)
@given(trees())
def test_random_trees_round_trip(nodes: list[tuple[str, str | None, str, str]]) -> None:
    r = parse_disqus(_write_disqus(nodes), "random.xml")
    got = list(r.comments.select("comment_id", "parent_id", "author", "text").iter_rows())
    assert got == [(c, p, a, t) for c, p, a, t in nodes]
    assert r.comments["position"].to_list() == list(range(len(nodes)))


# -- bad input -------------------------------------------------------------------------------------

def test_malformed_xml_names_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text('<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com">\n<post>\n</disqus>\n', encoding="utf-8")
    with pytest.raises(ParseError, match=r"bad\.xml, line 4, column \d+: malformed XML"):
        read_disqus(bad)


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"  \n")
    with pytest.raises(EmptyInput):
        read_disqus(empty)


def test_bom_is_accepted() -> None:
    data = (DATA / "small.xml").read_bytes()
    r = parse_disqus(b"\xef\xbb\xbf" + data, "bom.xml")
    assert r.comments.height == 5


def test_cp1252_bytes_in_utf8_export_are_a_parse_error() -> None:
    data = (DATA / "small.xml").read_bytes().replace(b"Bob B.", "Bób".encode("cp1252"))
    with pytest.raises(ParseError, match=r"line \d+, column \d+"):
        parse_disqus(data, "cp1252.xml")


def test_post_without_thread_is_named() -> None:
    data = b'<disqus xmlns:dsq="http://disqus.com/disqus-internals"><post dsq:id="5"><message>x</message></post></disqus>'
    with pytest.raises(ParseError, match=r"post 1 \(dsq:id=5\)"):
        parse_disqus(data, "x.xml")


def test_sniffer_claims_only_disqus() -> None:
    assert sniff_disqus(Path("a.xml"), (DATA / "small.xml").read_text(encoding="utf-8"))
    assert not sniff_disqus(Path("a.xml"), '<?xml version="1.0"?>\n<posts>\n<row Id="1" />\n</posts>')
    assert not sniff_disqus(Path("a.json"), '{"kind": "youtube#commentThreadListResponse"}')
    assert not sniff_disqus(Path("a.xml"), '<?xml version="1.0"?><rss><channel><title>disqus</title></channel></rss>')


def test_skip_counts_posts_without_ids() -> None:
    data = (b'<disqus xmlns:dsq="http://disqus.com/disqus-internals">'
            b'<post><message>no id</message><thread dsq:id="1"/></post>'
            b'<post dsq:id="2"><message>no thread</message></post>'
            b'<post dsq:id="3"><message>fine</message><thread dsq:id="1"/></post></disqus>')
    with pytest.raises(ParseError, match="post 1: expected a dsq:id"):
        parse_disqus(data, "x.xml")
    r = parse_disqus(data, "x.xml", on_error="skip")
    assert r.comments["comment_id"].to_list() == ["3"]
    assert (r.quality.files[0].records, r.quality.files[0].bad_records) == (3, 2)
