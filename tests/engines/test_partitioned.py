"""The streamed and the Dask paths give the single-machine edges for the same input.

Inputs are Pushshift-style NDJSON dumps written here from a seeded random forest of threads with
the awkward cases mixed in: a comment repeated later in the dump (duplicate), a reply whose parent is
absent (orphan), a parent cycle whose members sit in different parts of the file, deleted authors and
self-replies. Lines are interleaved across threads, as in a real dump sorted by time.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from discourse import engines as dx
from discourse.analysis.network import author_network
from discourse.engines import partition
from discourse.errors import AnalysisError, MissingDependency, ParseError
from discourse.options import BuildOptions
from discourse.pipeline import prepare

PHRASES = ["I agree, that is exactly right.", "No, you are wrong about this.", "Interesting point.",
           "You idiot, read the article.", "Thanks, good point!", "That makes no sense at all.",
           "Could you explain that?", "Totally, well said."]


def _dump(n_threads: int = 12, per_thread: int = 30, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    authors = [f"user{i}" for i in range(25)]
    rows: list[dict] = []
    t0 = 1_600_000_000
    for t in range(n_threads):
        ids: list[str] = []
        for k in range(per_thread):
            cid = f"c{t}x{k}"
            parent = f"t3_p{t}" if not ids or rng.random() < 0.25 else f"t1_{rng.choice(ids)}"
            author = "[deleted]" if rng.random() < 0.05 else rng.choice(authors)
            body = rng.choice(PHRASES)
            if rng.random() < 0.15:                       # addressed replies, for @name re-targeting
                body = f"@{rng.choice(authors)} {body}"
            rows.append({"id": cid, "parent_id": parent, "link_id": f"t3_p{t}", "author": author,
                         "body": body, "created_utc": t0 + rng.randrange(10**6),
                         "subreddit": "synth", "score": rng.randrange(-5, 50)})
            ids.append(cid)
    rows.sort(key=lambda r: (r["created_utc"], r["id"]))          # threads interleave, like a dump
    # a self-reply, an orphan, a duplicate far from its original, a cycle spanning the file
    rows.insert(3, {**rows[2], "id": "self1", "parent_id": f"t1_{rows[2]['id']}", "link_id": rows[2]["link_id"]})
    rows.insert(10, {**rows[10], "id": "orphan1", "parent_id": "t1_gone", "author": "user3"})
    rows.append({**rows[20]})
    # a thread of its own whose cycle's last member sits alone at the end of the dump: only whole-file
    # positions (not positions within a part) cut the cycle where one pass over the file cuts it
    cyc = {"link_id": "t3_p99", "subreddit": "synth", "score": 1, "created_utc": t0}
    head = [{**cyc, "id": f"q{i}", "parent_id": "t3_p99", "author": f"user{i + 5}", "body": PHRASES[i]}
            for i in range(4)]
    head += [{**cyc, "id": "cyA", "parent_id": "t1_cyB", "author": "user1", "body": "Circular A"},
             {**cyc, "id": "cyC", "parent_id": "t1_cyA", "author": "user2", "body": "I agree, circular C"}]
    rows[0:0] = head
    rows.append({**cyc, "id": "cyB", "parent_id": "t1_cyC", "author": "user4", "body": "You are wrong, B"})
    return rows


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("dx") / "RC_synth.ndjson"
    p.write_text("".join(json.dumps(r) + "\n" for r in _dump()), encoding="utf-8")
    return p


def _one_machine(paths: list[Path], **options):
    """The pipeline's own chain up to the network (what ``build`` runs before analysing), with the
    fast scorer: the partitioned engines score with it under "default"."""
    o = BuildOptions.from_flat(**{"scorer": "fast", **options})
    prep = prepare(paths, o)
    return author_network(prep.replies, prep.threads, o.network), prep.quality


@pytest.fixture(scope="module")
def single(dump: Path):
    return _one_machine([dump])


def _same(result: dx.PartialResult, single) -> None:
    net, quality = single
    assert result.edges.height == net.edges.height > 50
    assert_frame_equal(result.edges.sort("source", "target"), net.edges.sort("source", "target"))
    assert_frame_equal(result.authors.sort("author"), net.authors.sort("author"))
    assert result.counts == net.counts
    assert result.quality.to_dict()["threads"] == quality.to_dict()["threads"]
    assert result.quality.totals() == quality.totals()


@pytest.fixture(scope="module")
def streamed(dump: Path) -> dx.PartialResult:
    """Small chunks: many parts, many buckets, threads spread over several chunks."""
    return dx.stream_network([dump], chunk_rows=20)


def test_stream_equals_single_machine(streamed: dx.PartialResult, single) -> None:
    assert "chunk(s)" in streamed.notes[0] and not streamed.notes[0].startswith("streamed in 1 ")
    _same(streamed, single)


def test_stream_in_one_chunk_equals_single_machine(dump: Path, single) -> None:
    assert_frame_equal(dx.stream_edges([dump], chunk_rows=100_000), single[0].edges)


def test_stream_zst_equals_plain(dump: Path, single, tmp_path: Path) -> None:
    zstandard = pytest.importorskip("zstandard")
    z = tmp_path / "RC_synth.ndjson.zst"
    z.write_bytes(zstandard.ZstdCompressor().compress(dump.read_bytes()))
    result = dx.stream_network([z], chunk_rows=60, format=dx.plan_parts([dump], part_bytes=1 << 30)[0].format)
    assert_frame_equal(result.edges, single[0].edges)


def test_the_awkward_cases_are_in_the_data(single) -> None:
    _, quality = single
    totals = quality.totals()
    assert totals["dropped"].get("duplicate") == 1
    assert totals["repaired"].get("orphan_reattached", 0) >= 1
    assert totals["repaired"].get("cycle_broken") == 1
    assert totals["flagged"].get("self_reply", 0) >= 1


def test_parts_are_line_aligned_and_cover_the_file(dump: Path) -> None:
    parts = dx.plan_parts([dump], part_bytes=500)
    data = dump.read_bytes()
    assert len(parts) > 20
    assert parts[0].start == 0 and parts[-1].end == len(data)
    for a, b in itertools.pairwise(parts):
        assert a.end == b.start
    for p in parts:
        assert data[p.end - 1:p.end] == b"\n"
    assert b"".join(data[p.start:p.end] for p in parts) == data


def test_combine_edges_by_hand() -> None:
    t = lambda s: datetime(2020, 1, 1, 0, 0, s, tzinfo=UTC)  # noqa: E731
    a = pl.DataFrame({"source": ["x", "y"], "target": ["y", "x"], "n_replies": [2, 1], "n_agree": [1, 0],
                      "n_neutral": [1, 0], "n_disagree": [0, 0], "n_hostile": [0, 1],
                      "weight_sum": [0.75, -1.0], "weight_mean": [0.375, -1.0], "pos_w": [0.75, 0.0],
                      "neg_w": [0.0, 1.0], "abs_w": [0.75, 1.0], "net_sign": [1, -1], "n_mentions": [0, 0],
                      "first_at": [t(5), t(1)], "last_at": [t(9), t(1)]})
    b = pl.DataFrame({"source": ["x"], "target": ["y"], "n_replies": [2], "n_agree": [0], "n_neutral": [0],
                      "n_disagree": [1], "n_hostile": [1], "weight_sum": [-1.5], "weight_mean": [-0.75],
                      "pos_w": [0.0], "neg_w": [1.5], "abs_w": [1.5], "net_sign": [-1], "n_mentions": [1],
                      "first_at": [t(2)], "last_at": [t(3)]})
    out = dx.combine_edges([a, b])
    assert out["source"].to_list() == ["x", "y"]
    x = out.row(0, named=True)
    assert (x["n_replies"], x["n_agree"], x["n_neutral"], x["n_disagree"], x["n_hostile"]) == (4, 1, 1, 1, 1)
    assert x["weight_sum"] == pytest.approx(-0.75) and x["weight_mean"] == pytest.approx(-0.1875)
    assert (x["pos_w"], x["neg_w"], x["abs_w"], x["net_sign"], x["n_mentions"]) == (0.75, 1.5, 2.25, -1, 1)
    assert (x["first_at"], x["last_at"]) == (t(2), t(9))
    assert out.row(1, named=True)["n_replies"] == 1


def test_mention_edges_are_refused(dump: Path) -> None:
    with pytest.raises(AnalysisError, match="mention_edges"):
        dx.stream_edges([dump], mention_edges=True)


def test_options_reach_every_bucket(dump: Path) -> None:
    """@name re-targeting on, self-replies kept, root edges off: still the one-machine result."""
    opts = {"refine_mentions": True, "self_replies": "keep", "root_edges": False}
    net, quality = _one_machine([dump], **opts)
    assert any("re-targeted" in n for n in quality.notes)
    result = dx.stream_network([dump], chunk_rows=60, options=BuildOptions.from_flat(**opts))
    _same(result, (net, quality))


@pytest.mark.slow
def test_options_reach_every_dask_worker(dump: Path) -> None:
    """The options object travels to the workers whole: non-default options give the one-machine edges."""
    dd = pytest.importorskip("dask.distributed")
    opts = {"refine_mentions": True, "self_replies": "keep", "root_edges": False, "infer_replies": True}
    net, quality = _one_machine([dump], **opts)
    with dd.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            dd.Client(cluster) as client:
        result = dx.distributed_network([dump], BuildOptions.from_flat(**opts), client=client, partitions=3)
    _same(result, (net, quality))


def test_missing_dask_names_the_extra(dump: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(MissingDependency, match=r"discourse-network-analysis\[distributed\]"):
        dx.distributed_edges([dump])


@pytest.mark.slow
def test_dask_local_cluster_equals_single_machine(dump: Path, single) -> None:
    dd = pytest.importorskip("dask.distributed")
    with dd.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            dd.Client(cluster) as client:
        result = dx.distributed_network([dump], client=client, partitions=5)
        edges = dx.distributed_edges([dump], client=client, partitions=3)
    _same(result, single)
    assert_frame_equal(edges, single[0].edges)


def test_a_bad_line_in_a_later_part_names_the_dump(tmp_path: Path) -> None:
    lines = [json.dumps(r) for r in _dump(n_threads=3, per_thread=20)]
    lines.insert(50, '{"id": "broken", "body": ')
    p = tmp_path / "RC_bad.ndjson"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"RC_bad\.ndjson, line 51\b"):
        dx.stream_edges([p], chunk_rows=10)
    with pytest.raises(ParseError, match=r"RC_bad\.ndjson, line 51\b"):
        at = len("\n".join(lines[:50])) + 1                       # where line 51 starts
        partition.map_part(next(x for x in dx.plan_parts([p], part_bytes=700) if x.start <= at < x.end), 4)


def test_the_graph_stages_load_the_streamed_edges(streamed: dx.PartialResult, single) -> None:
    from discourse.analysis import analyse

    net = streamed.network()
    assert net.graph.vs["name"] == single[0].graph.vs["name"]
    assert net.graph.get_edgelist() == single[0].graph.get_edgelist()
    ours, theirs = analyse(net, seed=3), analyse(single[0], seed=3)
    assert ours.membership.tolist() == theirs.membership.tolist()


def test_whole_file_formats_ride_along(dump: Path, tmp_path: Path) -> None:
    """A CSV (not cut into parts) read beside the NDJSON dump: still the one-machine result."""
    csv = tmp_path / "forum.csv"
    csv.write_text(
        "thread_id,comment_id,parent_id,author,text,timestamp\n"
        "f1,a,,ann,Masks work.,2021-01-01T00:00:00Z\n"
        "f1,b,a,bob,\"No, you are wrong about this.\",2021-01-01T00:01:00Z\n"
        "f1,c,b,ann,\"You idiot, read the article.\",2021-01-01T00:02:00Z\n"
        "f1,d,a,cat,\"I agree, that is exactly right.\",2021-01-01T00:03:00Z\n", encoding="utf-8")
    assert [p.end for p in dx.plan_parts([csv], part_bytes=10)] == [None]
    net, quality = _one_machine([dump, csv])
    assert {("bob", "ann"), ("ann", "bob"), ("cat", "ann")} <= set(net.edges.select("source", "target").rows())
    _same(dx.stream_network([dump, csv], chunk_rows=80), (net, quality))


def test_default_scoring_is_recorded_per_engine(dump: Path) -> None:
    """Under "default" a small build in memory runs the neural scorer; a partitioned one runs the fast
    scorer in every bucket and says so."""
    import discourse

    streamed = discourse.build([dump], engine="stream", chunk_rows=20)
    choice = streamed.metrics["reproducibility"]["stance"]
    assert (choice["requested"], choice["scorer"], choice["notice"]) == ("default", "fast", True)
    assert streamed.notices and "stream engine" in streamed.notices[0]
    pinned = discourse.build([dump], engine="stream", chunk_rows=20, scorer="vader")
    assert pinned.metrics["reproducibility"]["stance"]["scorer"] == "vader" and not pinned.notices
