"""The polars fast path for NDJSON Firebase items gives exactly what ``parse_firebase`` gives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from discourse.errors import ParseError
from discourse.io import hackernews
from discourse.io._common import html_to_text
from discourse.io._hn_fast import _PY_SPACE, _convert, read_firebase_ndjson
from discourse.io.hackernews import parse_firebase, read_hackernews
from discourse.io.registry import ReadOptions, ReadResult


def _write(path: Path, items: list[Any], *, ensure_ascii: bool = True) -> Path:
    path.write_text("\n".join(json.dumps(i, ensure_ascii=ensure_ascii) for i in items) + "\n", encoding="utf-8")
    return path


def _python_path(path: Path) -> ReadResult:
    """What the line-by-line path makes of a file whose every line is a good item."""
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return parse_firebase(items, path)


def _same(a: ReadResult, b: ReadResult) -> None:
    assert_frame_equal(a.comments, b.comments)
    assert_frame_equal(a.threads, b.threads)
    assert a.quality.to_dict() == b.quality.to_dict()


def _check(path: Path, *, fast: bool) -> ReadResult:
    """The fast path is taken (or declines) as expected and ``read_hackernews`` equals the Python path."""
    got = read_firebase_ndjson(path.read_bytes(), path, "hackernews")
    assert (got is not None) == fast
    want = _python_path(path)
    if got is not None:
        _same(got, want)
    _same(read_hackernews(path), want)
    return want


# -- a hand-made file: every rule once ----------------------------------------------------------
ITEMS: list[dict[str, Any]] = [
    {"id": 1, "type": "story", "by": "op", "title": "T", "text": "Intro &amp; more<p>x", "time": 100,
     "descendants": 9, "kids": [2, 3, 99], "url": "https://e.x/a"},
    {"id": 2, "type": "comment", "by": "ann", "parent": 1, "text": "it&#x27;s  ", "time": 101, "score": 3},
    {"id": 3, "type": "comment", "parent": 1, "deleted": True, "time": 102, "kids": [4]},
    {"id": 4, "type": "comment", "by": "ben", "parent": 3, "text": "[flagged]", "dead": True, "time": 103},
    {"id": 5, "type": "comment", "by": "", "parent": 70, "text": "orphan <i>a</i>", "kids": [6, 71]},
    {"id": 6, "type": "comment", "by": "cat", "parent": 5, "text": "&lt;b&gt; no tag"},
    {"id": 7, "type": "comment", "by": "dan", "text": "no parent"},
    {"id": 8, "type": "pollopt", "by": "op", "parent": 1, "text": "option", "kids": [55]},
    {"id": 9, "title": "untyped story", "by": "eve"},
    {"id": 10, "type": "comment", "by": "fay", "parent": 8, "text": "[deleted]"},
]


def test_hand_made_file_exact(tmp_path: Path) -> None:
    r = _check(_write(tmp_path / "items.ndjson", ITEMS), fast=True)
    rows = r.comments.select("thread_id", "comment_id", "parent_id", "author", "text", "position").rows()
    assert rows == [
        ("1", "2", None, "ann", "it's", 0),
        ("1", "3", None, None, None, 1),
        ("1", "4", "3", "ben", None, 2),
        ("70", "5", None, None, "orphan a", 0),
        ("70", "6", "5", "cat", "<b> no tag", 1),
        ("7", "7", None, "dan", "no parent", 0),
        ("1", "10", "8", "fay", None, 3),
    ]
    assert r.threads.select("thread_id", "title", "text").rows() == [
        ("1", "T", "Intro & more\n\nx"), ("9", "untyped story", None), ("70", None, None), ("7", None, None)]
    q = {t["thread_id"]: t for t in r.quality.to_dict()["threads"]}
    assert (q["1"]["read"], q["1"]["reported"], q["1"]["missing"]) == (4, 9, 1)  # 99 absent; pollopt 8's 55 not counted
    assert q["1"]["repaired"] == {"author_deleted": 1, "text_deleted": 2, "text_removed": 1}
    assert q["1"]["flagged"] == {"dead": 1}
    assert (q["70"]["missing"], q["70"]["repaired"]) == (1, {"author_missing": 1})
    assert r.quality.files[0].notes == ["item 7 has no parent; read as its own thread",
                                        "1 poll option item(s) are not comments and were skipped"]
    assert r.quality.files[0].records == 10


# -- the fast path declines where the two parsers could differ ----------------------------------
@pytest.mark.parametrize("line", [
    '{"id": 20, "title": null, "by": "x"}',          # a story only to Python (title present)
    '{"id": 20, "by": "x", "by": "y", "parent": 1}',  # duplicate key: json keeps the last
    '{"id": 20, "by": 5, "parent": 1}',               # author not a string
    '{"id": 20, "by": "x", "parent": 1, "text": 1.5}',
    '{"id": 20,\r"by": "x", "parent": 1}',           # splitlines splits here too
    '{"id": 20, "by": "x", "parent": 1, "text": "a\u2028b"}',   # splitlines splits here
    '{"id": 20, "by": "x", "parent": 1, "text": "\\ud83d\\ude00"}',
    '{"id": 20, "by": "x", "parent": 1, "extra": {"id": 5}}',
    '{"id": 2, "by": "x", "parent": 1}',              # duplicate id
    '{"id": 20, "by": "x", "parent": 21}\n{"id": 21, "by": "y", "parent": 20}',  # a cycle
    '{"id": 20, "by": "x", "parent": 20}',
    '{"id": "20", "by": "x", "parent": 1}',
    '{"id": 20}',                                     # not an item: the Python path names the line
    '{"id": 20, "type": {"a": 1}, "by": "x"}',        # an object as type (is no type)
])
def test_declines_and_python_path_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str) -> None:
    p = _write(tmp_path / "odd.ndjson", ITEMS[:3])
    p.write_text(p.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    assert read_firebase_ndjson(p.read_bytes(), p, "hackernews") is None

    def outcome() -> ReadResult | str:
        try:
            return read_hackernews(p)
        except ParseError as err:
            return str(err)
    got = outcome()
    monkeypatch.setattr(hackernews, "read_firebase_ndjson", lambda *a: None)
    want = outcome()
    if isinstance(want, str):
        assert got == want
    else:
        assert isinstance(got, ReadResult)
        _same(got, want)


def test_tabs_and_blank_lines_between_items_are_read_fast(tmp_path: Path) -> None:
    p = tmp_path / "tabs.ndjson"
    p.write_text('{"id": 1,\t"type": "story", "title": "T"}\n\n   \n{"id": 2, "by": "a",\t"parent": 1}\n',
                 encoding="utf-8")
    r = _check(p, fast=True)
    assert r.comments.select("thread_id", "comment_id", "author").rows() == [("1", "2", "a")]


def test_bad_line_keeps_python_errors(tmp_path: Path) -> None:
    p = _write(tmp_path / "bad.ndjson", ITEMS[:4])
    p.write_text(p.read_text() + '{"id": 30, "by": "x"\n', encoding="utf-8")
    with pytest.raises(ParseError, match=r"bad\.ndjson, line 5: invalid JSON"):
        read_hackernews(p)
    r = read_hackernews(p, ReadOptions(on_error="skip"))
    assert (r.comments.height, r.quality.files[0].bad_records, r.quality.files[0].records) == (3, 1, 5)


# -- random item sets -----------------------------------------------------------------------------
_TEXTS = st.one_of(
    st.none(), st.sampled_from(["[deleted]", "[dead]", "[flagged]", "", "  "]),
    st.lists(st.sampled_from(["a", " ", "&amp;", "&#x27;", "&#x2F;", "&quot;", "&lt;", "&gt;", "&", "&copy",
                              "&#128;", "<p>", "<p>", "<a href=\"http:&#x2F;&#x2F;x.y\">x.y</a>", "< b", "\n", "\xa0",
                              " \t", "<P>", "<p",
                              "\x1c", "é", "&ampx;", "&#X27;"]), max_size=8).map("".join))


@st.composite
def item_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(2, 30))
    ids = list(range(100, 100 + n))
    items = []
    for i in ids:
        kind = draw(st.sampled_from(["story", "comment", "comment", "comment", "pollopt", "none"]))
        item: dict[str, Any] = {"id": i}
        if kind != "none":
            item["type"] = kind
        if kind == "story" or draw(st.booleans()):
            item["by"] = draw(st.sampled_from(["u1", "u2", ""]))
        if kind == "story" and draw(st.booleans()):
            item["title"] = "t"
            item["descendants"] = draw(st.integers(0, 9))
        parent = draw(st.one_of(st.none(), st.sampled_from(ids), st.integers(1, 50)))
        if kind != "story" and parent is not None and parent < i:  # earlier ids only: no cycles
            item["parent"] = parent
        if kind == "none" and "by" not in item and "parent" not in item:
            item["kids"] = []
        text = draw(_TEXTS)
        if text is not None:
            item["text"] = text
        for flag in ("deleted", "dead"):
            if draw(st.integers(0, 4)) == 0:
                item[flag] = True
        if draw(st.booleans()):
            item["kids"] = draw(st.lists(st.one_of(st.sampled_from(ids), st.integers(1, 50)), max_size=4))
        if draw(st.booleans()):
            item["time"] = draw(st.integers(0, 2_000_000_000))
            item["score"] = draw(st.integers(-5, 500))
        items.append(item)
    return draw(st.permutations(items))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(item_sets(), st.booleans())
def test_random_item_sets_match_parse_firebase(tmp_path: Path, items: list[dict[str, Any]], ascii_: bool) -> None:
    _check(_write(tmp_path / "r.ndjson", items, ensure_ascii=ascii_), fast=True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(item_sets(), st.data())
def test_random_duplicates_match_parse_firebase(tmp_path: Path, items: list[dict[str, Any]],
                                                data: st.DataObject) -> None:
    items = [*items, dict(data.draw(st.sampled_from(items)), text="again")]
    _check(_write(tmp_path / "d.ndjson", items), fast=False)


# -- real and synthetic files ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["hackernews_jobs_firebase_40846428_toplevel.json",
                                  "hackernews_jobs_firebase_41129813_toplevel.json"])
def test_corpus_files_as_ndjson(corpora: Path, tmp_path: Path, name: str) -> None:
    wrapper = json.loads((corpora / "hackernews" / name).read_text(encoding="utf-8"))
    items = [wrapper["post"], *wrapper["comments"]]
    p = _write(tmp_path / "items.ndjson", items, ensure_ascii=False)
    r = _check(p, fast=True)
    assert r.comments.height == len(wrapper["comments"])
    direct = read_hackernews(corpora / "hackernews" / name)  # the wrapper file's items read the same
    assert_frame_equal(direct.comments, r.comments)
    assert_frame_equal(direct.threads, r.threads)


def test_synthetic_generator_file(shared_dir: Path, tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(shared_dir / "bench" / "gen_threads.py"), "--comments", "5000",
                    "--seed", "3", "--format", "hn", "--out", str(tmp_path)], check=True, capture_output=True)
    r = _check(tmp_path / "hn_items.ndjson", fast=True)
    assert r.comments.height == 5000


_PIECES = ["a", "b c", " ", "  ", "\n", "\xa0", "\x1c", "é", ".", "...", "\u2026", "&amp;", "&#x27;", "&#x2F;",
           "&quot;", "&lt;", "&gt;", "&", "&copy", "&#128;", "&ampx;", "&#X27;", "&lt;p&gt;", "<p>", "<p>", "<P>",
           "<p", "<i>", "</i>", "< b", "<", "<?x>", "<&", "<<", "<!-- c -->", "</p>", "<pre><code>x</code></pre>",
           '<a href="http:&#x2F;&#x2F;x.y&#x2F;z">http:&#x2F;&#x2F;x.y&#x2F;z</a>',
           '<a href="http://x.y/" rel="nofollow">',
           '<a href="https://example.com/a/long/path">example.com/a/lo...</a>', '<a href="">', "</a>",
           '<a href="u">text</a>', '<a href="">t</a>', '<a href="h"></a>', '<a href="x">x...</a>']


@settings(max_examples=300, deadline=None)
@example(["\x1ca\x1c", "\x1c<p>b\x1c", '<a href="u">t</a>'])  # str.strip strips \x1c, polars' default does not
@example(["a \t\na", "a\n\n\n\nb", "a \t\n<p>b"])  # untagged text keeps its spaces and breaks
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=10).map("".join), min_size=1, max_size=20))
def test_text_conversion_matches_html_to_text(texts: list[str]) -> None:
    got = _convert(pl.Series("text", texts, dtype=pl.String)).to_list()
    assert got == [html_to_text(t) for t in texts]
    assert _convert(pl.Series("text", texts, dtype=pl.String), piece=3).to_list() == got  # long columns go in pieces


def test_python_whitespace_list_is_complete() -> None:
    assert set(_PY_SPACE) == {c for c in map(chr, range(0x110000)) if c.isspace()}
