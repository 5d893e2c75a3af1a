"""Issue 18: comments with no known author are nodes of their own in every engine (memory, stream,
dask), or left out and counted with ``unknown_authors="drop"``; turn-taking hints reach quality.json.

The input is a Pushshift-style dump written here: two threads where deleted and anonymous commenters
quarrel with named ones, one exchange alternating (deleted a -> named B -> deleted a' -> B -> deleted a'').
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import discourse
from discourse import engines as dx
from discourse.analysis.network import LEFT_OUT_REASONS, author_network
from discourse.options import BuildOptions
from discourse.pipeline import prepare

T0 = 1_700_000_000


def _rows() -> list[dict]:
    thread_a = [  # id, parent, author, body
        ("a1", None, "[deleted]", "This deployment is an occupation, plain and simple."),
        ("a2", "a1", "jens_holm", "No, they were invited by the government. You are wrong."),
        ("a3", "a2", "[deleted]", "Invited? That is nonsense and you know it."),
        ("a4", "a3", "jens_holm", "It is documented. Read the agreement before you shout."),
        ("a5", "a4", "[deleted]", "You idiot, nobody believes that agreement."),
        ("a6", "a2", "mara", "I agree with Jens, the invitation is on record."),
        ("a7", "a6", "[deleted]", "Thanks, good point!"),
        ("a8", None, "mara", "Good reporting, thanks."),
    ]
    thread_b = [
        ("b1", None, "kofi", "Body bags are what they will get."),
        ("b2", "b1", "[deleted]", "That makes no sense at all."),
        ("b3", "b2", "[deleted]", "I agree, that is exactly right."),
        ("b4", "b1", "jens_holm", "You are wrong about this."),
    ]
    out = []
    for k, (tid, rows) in enumerate((("pa", thread_a), ("pb", thread_b))):
        for i, (cid, parent, author, body) in enumerate(rows):
            out.append({"id": cid, "parent_id": f"t1_{parent}" if parent else f"t3_{tid}", "link_id": f"t3_{tid}",
                        "author": author, "body": body, "created_utc": T0 + 1000 * k + 60 * i,
                        "subreddit": "worldnews", "score": 1})
    return sorted(out, key=lambda r: (r["created_utc"], r["id"]))


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("anon") / "RC_anon.ndjson"
    p.write_text("".join(json.dumps(r) + "\n" for r in _rows()), encoding="utf-8")
    return p


def _memory(dump: Path, **options: object):
    o = BuildOptions.from_flat(**{"scorer": "fast", **options})
    prep = prepare([dump], o)
    return author_network(prep.replies, prep.threads, o.network), prep


def test_each_unknown_author_is_a_node_and_its_replies_count(dump: Path) -> None:
    net, prep = _memory(dump)
    anon = net.authors.filter(pl.col("anonymous"))
    # every deleted comment touches a kept edge here (b3 answers b2, a7 answers mara, ...)
    assert sorted(anon["author"]) == sorted(f"anonymous#{t}/{c}" for t, c in (
        ("pa", "a1"), ("pa", "a3"), ("pa", "a5"), ("pa", "a7"), ("pb", "b2"), ("pb", "b3")))
    assert anon["n_comments"].to_list() == [1] * 6
    c = net.counts
    assert c["anonymous_comments"] == 6 and c["anonymous_authors"] == 6 and c["unknown_author"] == 0
    assert c["replies"] == c["kept"] + sum(c[r] for r in LEFT_OUT_REASONS)
    pairs = set(zip(net.edges["source"], net.edges["target"], strict=True))
    assert ("jens_holm", "anonymous#pa/a1") in pairs and ("anonymous#pa/a3", "jens_holm") in pairs
    assert ("anonymous#pb/b3", "anonymous#pb/b2") in pairs      # anonymous to anonymous counts too
    assert net.graph.vs.select(anonymous=True)["name"] == sorted(anon["author"])
    # the turn-taking chain is a hint, the chain in reply order, never a merged node
    assert net.hints == [{"site": "reddit", "thread_id": "pa", "comment_ids": ["a1", "a3", "a5"],
                          "interlocutors": ["jens_holm", "jens_holm"], "reason": net.hints[0]["reason"]}]
    assert prep.replies["author"].null_count() == 6     # the tables keep the truth: no author


def test_drop_keeps_the_graph_of_named_authors(dump: Path) -> None:
    net, _ = _memory(dump, unknown_authors="drop")
    assert not net.authors["anonymous"].any()
    assert not any(a.startswith("anonymous#") for a in net.authors["author"])
    c = net.counts
    assert c["unknown_author"] == 6 and c["anonymous_authors"] == 0 and c["anonymous_comments"] == 6
    # a2 and a4 answer deleted comments; a8 and b1 answer a post whose author the dump does not hold
    assert c["unknown_parent_author"] == 4
    assert c["replies"] == c["kept"] + sum(c[r] for r in LEFT_OUT_REASONS)


@pytest.mark.parametrize("unknown_authors", ["node", "drop"])
def test_stream_engine_equals_memory(dump: Path, unknown_authors: str) -> None:
    net, _ = _memory(dump, unknown_authors=unknown_authors)
    result = dx.stream_network([dump], chunk_rows=3, unknown_authors=unknown_authors, scorer="fast")
    assert_frame_equal(result.edges, net.edges)
    assert_frame_equal(result.authors.sort("author"), net.authors.sort("author"))
    assert result.counts == net.counts
    assert result.quality.hints == net.hints


@pytest.mark.slow
def test_dask_engine_equals_memory(dump: Path) -> None:
    dd = pytest.importorskip("dask.distributed")
    net, _ = _memory(dump, unknown_authors="drop")
    node, _ = _memory(dump)
    with dd.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            dd.Client(cluster) as client:
        dropped = dx.distributed_network([dump], client=client, partitions=2, unknown_authors="drop")
        kept = dx.distributed_network([dump], client=client, partitions=2)
    assert_frame_equal(dropped.edges, net.edges)
    assert_frame_equal(kept.edges, node.edges)
    assert kept.counts["anonymous_authors"] == 6 and dropped.counts["anonymous_authors"] == 0


def test_build_figures_and_bundle_state_the_anonymous_nodes(dump: Path, tmp_path: Path) -> None:
    result = discourse.build(dump, scorer="fast", runs=1)
    sizes = result.metrics["sizes"]
    assert sizes["anonymous_authors"] == int(result.nodes["anonymous"].sum()) == 6
    assert sizes["singletons"] + sizes["anonymous_singletons"] == int(
        (result.nodes.group_by("community").len()["len"] == 1).sum())
    # factions never name an anonymous commenter among their top authors
    assert all(not a.startswith("anonymous#") for f in result.metrics["factions"] for a in f["top_authors"])
    assert sum(f["anonymous"] for f in result.metrics["factions"]) == 6
    result.write(tmp_path / "b")
    quality = json.loads((tmp_path / "b" / "quality.json").read_text())
    assert quality["network"]["anonymous_authors"] == 6
    assert [h["comment_ids"] for h in quality["hints"]] == [["a1", "a3", "a5"]]
    nodes = pl.read_parquet(tmp_path / "b" / "nodes.parquet")
    assert nodes.schema["anonymous"] == pl.Boolean and int(nodes["anonymous"].sum()) == 6
    assert "anonymous" in (tmp_path / "b" / "graph.graphml").read_text()
    streamed = discourse.build(dump, scorer="fast", runs=1, engine="stream")
    assert streamed.metrics["sizes"]["anonymous_authors"] == 6
    assert streamed.quality.to_dict()["hints"] == quality["hints"]


def test_compare_counts_anonymous_nodes_per_thread(dump: Path) -> None:
    c = discourse.compare([dump], scorer="fast", bootstrap=0, null_models=2, min_comments=1, runs=1)
    by = dict(zip(c.table["thread_id"], c.table["n_anonymous"], strict=True))
    assert by == {"pa": 4, "pb": 2}
    assert c.table["n_authors"].to_list() == [2, 2]          # named commenters only
    assert (c.table["n_nodes"] - c.table["n_anonymous"] >= c.table["n_authors"]).all()
