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


# -- issue 18: anonymous speakers, made-up timestamps, stance in the meta ---------------------------
def _utterances(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "utterances.jsonl").read_text().splitlines()]


def _convokit_order(utts: list[dict]) -> list[str]:
    """Pre-order of each conversation as ConvoKit walks it: children sorted by timestamp
    (``UtteranceNode.set_children``), which raises TypeError on a missing timestamp."""
    children: dict[str | None, list[dict]] = {}
    for u in utts:
        children.setdefault(u["reply_to"], []).append(u)
    order: list[str] = []
    stack = sorted(children.get(None, []), key=lambda u: u["timestamp"], reverse=True)
    while stack:
        u = stack.pop()
        order.append(u["id"])
        stack.extend(sorted(children.get(u["id"], []), key=lambda c: c["timestamp"], reverse=True))
    return order


def test_a_flat_page_exports_distinct_anonymous_speakers_and_positions_as_times(tmp_path: Path,
                                                                                sample_data: Path) -> None:
    from discourse.pipeline import prepare

    prepared = prepare(sample_data / "ferry_page.txt")
    comments = prepared.comments
    anonymous = comments.filter(pl.col("author").is_null())
    assert anonymous.height >= 2 and comments["created_at"].null_count() == comments.height
    out = write_convokit(comments, prepared.threads, tmp_path / "ferry", replies=prepared.replies)
    utts = _utterances(out)
    by_id = {u["id"]: u for u in utts}
    # every anonymous comment is a speaker of its own, keyed as the network keys its node
    tid = comments["thread_id"][0]
    for cid in anonymous["comment_id"]:
        assert by_id[cid]["speaker"] == f"{schema.ANONYMOUS_PREFIX}{tid}/{cid}"
        assert by_id[cid]["meta"]["discourse_author_null"] is True
    speakers = json.loads((out / "speakers.json").read_text())
    expected = {by_id[c]["speaker"] for c in anonymous["comment_id"]}
    if prepared.threads["author"][0] is None:  # the page names nobody as the article's author
        expected.add(f"{schema.ANONYMOUS_PREFIX}{tid}")
    assert {s for s, v in speakers.items() if v["meta"]["anonymous"]} == expected
    assert "[deleted]" not in speakers
    # positions as timestamps: every utterance has one, the post first, comments in page order
    assert all(isinstance(u["timestamp"], int) for u in utts)
    assert by_id[tid]["timestamp"] == 0
    for row in comments.iter_rows(named=True):
        u = by_id[row["comment_id"]]
        assert (u["timestamp"], u["meta"]["discourse_time_from"], u["meta"]["discourse_time_null"]) == (
            row["position"] + 1, "position", True)
    order = _convokit_order(utts)
    assert sorted(order) == sorted(by_id)  # the traversal reaches every utterance
    # the stance columns ride along in each reply's meta, equal to the scored replies
    for row in prepared.replies.iter_rows(named=True):
        meta = by_id[row["comment_id"]]["meta"]
        for col in schema.STANCE_COLUMNS:
            assert meta[col] == row[col], col
    assert set(schema.STANCE_COLUMNS) <= set(json.loads((out / "index.json").read_text())["utterances-index"])
    # read back with our own reader: the same comments, null authors and null times again
    back = read(out)
    key = ["comment_id", "parent_id", "author", "text", "created_at", "position"]
    assert back.comments.select(key).rows() == comments.select(key).rows()
    assert back.threads["created_at"].to_list() == [None]
    assert back.quality.check_balanced() == []


def test_missing_times_among_known_ones_take_their_neighbours(tmp_path: Path) -> None:
    t0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
    times = [None, t0, None, datetime(2024, 5, 1, 13, tzinfo=UTC), None]
    comments = schema.conform(pl.DataFrame({
        "site": ["s"] * 5, "thread_id": ["t"] * 5, "comment_id": [f"c{i}" for i in range(5)],
        "parent_id": [None, "c0", "c1", None, "c3"], "author": ["a", None, "b", None, None],
        "text": ["x"] * 5, "created_at": times, "position": list(range(5)),
        "parent_source": ["explicit"] * 5, "parent_confidence": [1.0] * 5,
    }), schema.COMMENTS)
    out = write_convokit(comments, None, tmp_path / "c")
    utts = {u["id"]: u for u in _utterances(out)}
    got = [(utts[f"c{i}"]["timestamp"], utts[f"c{i}"]["meta"]["discourse_time_from"]) for i in range(5)]
    assert got == [(int(t0.timestamp()), "next"), (int(t0.timestamp()), "created_at"),
                   (int(t0.timestamp()), "previous"), (int(t0.timestamp()) + 3600, "created_at"),
                   (int(t0.timestamp()) + 3600, "previous")]
    assert (utts["t"]["timestamp"], utts["t"]["meta"]["discourse_time_from"]) == (int(t0.timestamp()), "first_comment")
    # three anonymous comments are three speakers, none of them the post's
    assert len({utts[c]["speaker"] for c in ("c1", "c3", "c4")}) == 3
    assert len(_convokit_order(list(utts.values()))) == 6
    back = read_convokit(out)
    assert back.comments["created_at"].to_list() == times
    assert back.comments["author"].to_list() == ["a", None, "b", None, None]


def test_anonymous_speakers_of_several_sites_do_not_collide(tmp_path: Path) -> None:
    comments = schema.conform(pl.DataFrame({
        "site": ["a", "b"], "thread_id": ["t", "t"], "comment_id": ["1", "1"], "parent_id": [None, None],
        "author": [None, None], "text": ["x", "y"], "position": [0, 0],
        "parent_source": ["explicit"] * 2, "parent_confidence": [1.0] * 2,
    }), schema.COMMENTS)
    utts = _utterances(write_convokit(comments, None, tmp_path / "c"))
    speakers = [u["speaker"] for u in utts if u["meta"]["discourse_role"] == "comment"]
    assert speakers == [f"{schema.ANONYMOUS_PREFIX}a:t/1", f"{schema.ANONYMOUS_PREFIX}b:t/1"]


def test_convokit_itself_loads_and_traverses_the_export(tmp_path: Path, sample_data: Path) -> None:
    convokit = pytest.importorskip("convokit")
    from discourse.pipeline import prepare

    prepared = prepare(sample_data / "ferry_page.txt")
    out = write_convokit(prepared.comments, prepared.threads, tmp_path / "ferry", replies=prepared.replies)
    corpus = convokit.Corpus(filename=str(out))
    convo = next(corpus.iter_conversations())
    assert len(list(convo.traverse("dfs"))) == prepared.comments.height + 1
    anonymous = [s for s in corpus.iter_speakers() if s.meta.get("anonymous")]
    assert len(anonymous) >= prepared.comments["author"].null_count()
