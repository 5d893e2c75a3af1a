"""ConvoKit corpus directories: reading, and writing our tables as one."""

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
from discourse.errors import ParseError
from discourse.io import detect_format, read
from discourse.io.convokit import read_convokit, sniff_convokit, write_convokit
from discourse.io.registry import ReadOptions

DATA = Path(__file__).parent.parent / "data"
TINY = DATA / "convokit" / "tiny"


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def test_read_tiny_corpus_exact() -> None:
    assert detect_format(TINY).name == "convokit"
    r = read(TINY)
    schema.validate(r.comments, "comments")
    assert r.comments.select("site", "thread_id", "comment_id", "parent_id", "author", "text", "score",
                             "position").rows() == [
        ("convokit", "post1", "u1", None, "alice", "Top comment", 3, 0),
        ("convokit", "post1", "u2", "u1", None, None, 0, 1),
        ("convokit", "post1", "u3", "u2", "bob", "old-style keys", None, 2),
        ("convokit", "w0", "w1", None, "ed1", "A talk page opener", None, 0),
        ("convokit", "w0", "w2", "w1", "ed2", "A reply", None, 1),
    ]
    assert r.comments["created_at"].to_list()[:2] == [_utc(1700000060), _utc(1700000120)]
    assert r.threads.select("thread_id", "title", "text", "author", "created_at").rows() == [
        ("post1", "A title", "Post body", "op", _utc(1700000000)),
        ("w0", None, None, None, None),
    ]
    p1 = r.quality.threads[("convokit", "post1")]
    assert (p1.read, p1.kept, dict(p1.repaired)) == (3, 3, {"author_deleted": 1, "text_removed": 1})
    assert r.quality.threads[("convokit", "w0")].read == 2
    assert r.quality.files[0].records == 6
    assert r.quality.check_balanced() == []


def test_site_override_and_sniff(tmp_path: Path) -> None:
    assert read_convokit(TINY, ReadOptions(site="reddit")).comments["site"].unique().to_list() == ["reddit"]
    assert not sniff_convokit(tmp_path, "")
    (tmp_path / "utterances.jsonl").write_text("")
    assert not sniff_convokit(tmp_path, "")  # no conversations.json / index.json beside it
    assert not sniff_convokit(TINY / "utterances.jsonl", "")


def test_bad_utterance_line(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    for f in TINY.iterdir():
        (corpus / f.name).write_bytes(f.read_bytes())
    lines = (TINY / "utterances.jsonl").read_text().splitlines()
    lines.insert(2, '{"id": "x", "speaker": ')
    (corpus / "utterances.jsonl").write_text("\n".join(lines))
    with pytest.raises(ParseError, match=r"utterances\.jsonl, line 3: invalid JSON"):
        read_convokit(corpus)
    r = read_convokit(corpus, ReadOptions(on_error="skip"))
    assert (r.comments.height, r.quality.files[0].bad_records, r.quality.files[0].records) == (5, 1, 7)
    lines[2] = '{"id": "x", "speaker": "s", "text": "no conversation"}'
    (corpus / "utterances.jsonl").write_text("\n".join(lines))
    with pytest.raises(ParseError, match="line 3: an utterance without a 'conversation_id'"):
        read_convokit(corpus)


def _canonical(df: pl.DataFrame, table: dict) -> pl.DataFrame:
    return df.select(list(table))


def test_round_trip_of_mixed_sites(tmp_path: Path) -> None:
    src = read([DATA / "reddit" / "thread.json", DATA / "hn" / "hnpwa.json", DATA / "hn" / "firebase_items.json"])
    out = write_convokit(src.comments, src.threads, tmp_path / "corpus")
    back = read(out)
    assert_frame_equal(_canonical(back.comments, schema.COMMENTS), _canonical(src.comments, schema.COMMENTS))
    assert_frame_equal(_canonical(back.threads, schema.THREADS), _canonical(src.threads, schema.THREADS))


def test_written_corpus_follows_the_convokit_format(tmp_path: Path) -> None:
    # the same comment id on two sites forces namespaced utterance ids; ours survive in meta
    comments = pl.DataFrame({
        "site": ["a", "a", "b"], "thread_id": ["t", "t", "t"], "comment_id": ["1", "2", "1"],
        "parent_id": [None, "1", None], "author": ["x", None, "y"], "text": ["hi", "yo", None],
        "position": [0, 1, 0], "parent_source": ["explicit"] * 3, "parent_confidence": [1.0] * 3,
    })
    comments = schema.conform(comments, schema.COMMENTS)
    out = write_convokit(comments, None, tmp_path / "c")
    assert sorted(p.name for p in out.iterdir()) == ["conversations.json", "corpus.json", "index.json",
                                                    "speakers.json", "utterances.jsonl"]
    utts = [json.loads(x) for x in (out / "utterances.jsonl").read_text().splitlines()]
    ids = [u["id"] for u in utts]
    assert len(ids) == len(set(ids)) == 5  # two roots and three comments
    for u in utts:
        assert {"id", "speaker", "conversation_id", "reply_to", "timestamp", "text"} <= set(u)
        assert u["reply_to"] is None or u["reply_to"] in ids
        assert u["conversation_id"] in ids
        assert isinstance(u["text"], str) and isinstance(u["speaker"], str)
    speakers = json.loads((out / "speakers.json").read_text())
    assert {u["speaker"] for u in utts} == set(speakers)
    assert set(json.loads((out / "conversations.json").read_text())) == {u["conversation_id"] for u in utts}
    index = json.loads((out / "index.json").read_text())
    assert {"utterances-index", "speakers-index", "conversations-index", "overall-index", "version"} <= set(index)
    assert all(isinstance(v, list) for v in index["utterances-index"].values())
    back = read(out).comments
    assert back.select("site", "thread_id", "comment_id", "parent_id", "author", "text").rows() == [
        ("a", "t", "1", None, "x", "hi"), ("a", "t", "2", "1", None, "yo"), ("b", "t", "1", None, "y", None)]


# -- property: any forest of threads survives the trip through a ConvoKit corpus -----------------
@st.composite
def forests(draw: st.DrawFn) -> list[tuple[str, str, list[int | None]]]:
    out = []
    for t in range(draw(st.integers(1, 3))):
        site = draw(st.sampled_from(["reddit", "hackernews"]))
        n = draw(st.integers(1, 25))
        parents = [None if i == 0 else draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(n)]
        out.append((site, f"t{t}", parents))
    return out


@settings(max_examples=30, deadline=None)
@given(forests())
def test_random_forests_round_trip(tmp_path_factory: pytest.TempPathFactory,
                                   forest: list[tuple[str, str, list[int | None]]]) -> None:
    rows = []
    for site, tid, parents in forest:
        for i, p in enumerate(parents):  # comment ids repeat across threads on purpose
            rows.append({"site": site, "thread_id": tid, "comment_id": str(i),
                         "parent_id": None if p is None else str(p), "author": f"u{i % 4}" if i % 7 else None,
                         "text": f"text {i}", "position": i, "parent_source": "explicit", "parent_confidence": 1.0})
    comments = schema.conform(pl.DataFrame(rows), schema.COMMENTS)
    out = write_convokit(comments, None, tmp_path_factory.mktemp("ck") / "corpus")
    back = read_convokit(out).comments
    key = ["site", "thread_id", "comment_id", "parent_id", "author", "text", "position"]
    assert back.select(key).rows() == comments.select(key).rows()
