"""build() end to end on hand-written threads: tables, determinism, no mutation, atomic output."""

import json

import igraph as ig
import polars as pl
import pytest

import discourse
from discourse import schema
from discourse.io import write as out_mod


@pytest.fixture(scope="module")
def result(sample_data):
    return discourse.build([sample_data / "main_street.csv"], seed=3)


def test_tables_follow_their_schemas(result):
    schema.validate(result.comments, "comments")
    schema.validate(result.replies, "scored replies")
    schema.validate(result.edges, "edges")
    schema.validate(result.nodes, "nodes")
    assert isinstance(result.graph, ig.Graph)
    assert result.comments.height == 64 and result.replies.height == 64


def test_network_holds_the_known_authors_and_quarrels(result):
    names = set(result.graph.vs["name"])
    # every named author who replied to another named author is a node; deleted/anonymous are not
    assert {"maya", "rick_h", "gary54", "olu", "donna", "theo", "priya", "sam_k"} <= names
    assert None not in names and "[deleted]" not in names and "" not in names
    e = result.edges
    gary_sam = e.filter((pl.col("source") == "gary54") & (pl.col("target") == "sam_k"))
    assert gary_sam["n_replies"].item() == 1
    # counts per stance add up to the replies on each edge
    assert (e["n_agree"] + e["n_neutral"] + e["n_disagree"] + e["n_hostile"] == e["n_replies"]).all()


def test_each_author_in_exactly_one_faction(result):
    assert result.nodes["author"].n_unique() == result.nodes.height
    assert result.nodes["community"].null_count() == 0


def test_same_seed_same_outputs(sample_data, result, tmp_path):
    again = discourse.build([sample_data / "main_street.csv"], seed=3)
    assert again.nodes.equals(result.nodes)
    assert again.edges.equals(result.edges)
    a, b = dict(result.metrics), dict(again.metrics)
    assert json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
    result.write(tmp_path / "a")
    again.write(tmp_path / "b")
    for name in ("nodes.parquet", "edges.parquet", "metrics.json", "network.html", "graph.graphml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_metrics_carry_the_reproducibility_record(result):
    rec = result.metrics["reproducibility"]
    assert rec["seed"] == 3
    assert rec["versions"]["discourse"] == discourse.__version__
    assert rec["options"]["stance"]["scorer"] == "default"
    assert discourse.BuildOptions.from_dict(rec["options"]) == result.options
    assert len(rec["inputs"][0]["sha256"]) == 64


def test_figure_is_a_plotly_figure(result):
    import plotly.graph_objects as go

    fig = result.figure()
    assert isinstance(fig, go.Figure)
    assert len(fig.data) > 0


def test_inputs_are_not_mutated(sample_data):
    from discourse.io import read
    from discourse.pairing import pair_replies
    from discourse.repair import repair
    from discourse.stance import score

    data = read(sample_data / "main_street.csv")
    before = data.comments.clone()
    comments, _ = repair(data.comments, data.threads, data.quality)
    assert data.comments.equals(before)
    replies = pair_replies(comments, data.threads)
    rb = replies.clone()
    score(replies)
    assert replies.equals(rb)


def test_interrupted_write_leaves_no_partial_file(result, tmp_path, monkeypatch):
    target = tmp_path / "bundle"
    real = out_mod.atomic_path

    def boom(path):
        if str(path).endswith("network.html"):
            raise KeyboardInterrupt
        return real(path)

    (tmp_path / "bundle").mkdir()
    (target / "network.html").write_text("old")
    with monkeypatch.context() as m:
        m.setattr(out_mod, "atomic_path", boom)
        with pytest.raises(KeyboardInterrupt):
            result.write(target)
    assert (target / "network.html").read_text() == "old"
    assert not [p for p in target.iterdir() if p.name.endswith(".part")]


def test_atomic_path_cleans_up_on_error(tmp_path):
    with pytest.raises(RuntimeError), out_mod.atomic_path(tmp_path / "x.json") as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_two_formats_in_one_build(sample_data):
    res = discourse.build([sample_data / "main_street.csv", sample_data / "library_hours.jsonl"], seed=0)
    assert res.threads.height == 2
    assert res.quality.totals()["read"] == 91


def test_written_files_have_ordinary_permissions(tmp_path):
    import os
    import stat

    path = out_mod.write_text(tmp_path / "x.txt", "hello")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_mention_refinement_only_where_parents_are_coarse(tmp_path):
    from discourse.pipeline import load

    csv = ("thread_id,comment_id,parent_id,author,text\n"
           "t,1,,ann,Opening point\n"
           "t,2,1,bob,I think so too\n"
           "t,3,1,cat,\"@bob no, that is wrong\"\n")
    p = tmp_path / "t.csv"
    p.write_text(csv)
    generic = load([p]).comments
    assert generic["parent_id"].to_list() == [None, "1", "1"]  # explicit parents are trusted
    yt = load([p], site="youtube").comments
    assert yt["parent_id"].to_list() == [None, "1", "2"]  # YouTube replies are flat: @bob answers bob
    assert yt["parent_source"].to_list()[2] == "mention"


def test_graphml_in_the_bundle_carries_factions_and_roles(result, tmp_path):
    result.write(tmp_path)
    g = ig.Graph.Read_GraphML(str(tmp_path / "graph.graphml"))
    assert g.vcount() == result.graph.vcount()
    assert "community" in g.vs.attributes() and "role" in g.vs.attributes()
    by_name = dict(zip(result.nodes["author"], result.nodes["community"]))
    assert all(int(v["community"]) == by_name[v["label"]] for v in g.vs)  # Gephi shows "label"
    assert {"pos_w", "neg_w", "abs_w", "net_sign"} <= set(g.es.attributes())
