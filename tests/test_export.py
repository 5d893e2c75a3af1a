"""GraphML and GEXF 1.3 export: well-formed, typed, signed weights split, untrusted names escaped."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path

import igraph as ig
import polars as pl
import pytest

from discourse.analysis import analyse, graph_with_nodes, write_gexf, write_graphml, write_tables
from discourse.analysis.network import author_network
from discourse.errors import OutputError

_spec = importlib.util.spec_from_file_location("analysis_helpers", Path(__file__).parent / "data/analysis/helpers.py")
H = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(H)

GM = "{http://graphml.graphdrawing.org/xmlns}"
GX = "{http://gexf.net/1.3}"
NASTY = 'Zoë <b>&"\'\x01'


def _graph():
    replies = H.pairs([(NASTY, "bob", "hostile"), ("bob", NASTY, "agree"), ("bob", "cid", "agree"),
                       ("cid", "bob", "hostile"), ("cid", "bob", "hostile")])
    net = author_network(replies)
    nodes = analyse(net, runs=1).nodes
    return net, graph_with_nodes(net.graph, nodes)


def test_graphml_is_typed_and_reads_back_in_igraph(tmp_path):
    net, g = _graph()
    path = write_graphml(g, tmp_path / "g.graphml")
    root = ET.parse(path).getroot()
    keys = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in root.iter(f"{GM}key")}
    assert keys[("edge", "weight_sum")] == "double" and keys[("edge", "n_replies")] == "long"
    assert keys[("edge", "net_sign")] == "long" and keys[("node", "community")] == "long"
    assert keys[("node", "role")] == "string" and keys[("edge", "weight")] == "double"
    back = ig.Graph.Read_GraphML(str(path))
    assert back.vcount() == g.vcount() and back.ecount() == g.ecount()
    assert back.vs["label"] == [n.replace("\x01", "\ufffd") for n in g.vs["name"]]
    # cid -> bob: two hostile replies: weight_sum -2, abs_w 2 (the layout weight), net_sign -1
    e = next(e for e in back.es if back.vs[e.source]["label"] == "cid")
    assert (e["weight_sum"], e["abs_w"], e["weight"], e["net_sign"], e["neg_w"], e["pos_w"]) == (-2.0, 2.0, 2.0, -1, 2.0, 0.0)
    assert all(w >= 0 for w in back.es["weight"])


def test_gexf_13_declares_types_and_keeps_values(tmp_path):
    net, g = _graph()
    path = write_gexf(g, tmp_path / "g.gexf")
    root = ET.parse(path).getroot()
    assert root.tag == f"{GX}gexf" and root.get("version") == "1.3"
    graph = root.find(f"{GX}graph")
    assert graph.get("defaultedgetype") == "directed"
    decl = {}
    for attrs in graph.findall(f"{GX}attributes"):
        for a in attrs.findall(f"{GX}attribute"):
            decl[(attrs.get("class"), a.get("title"))] = (a.get("id"), a.get("type"))
    assert decl[("edge", "weight_sum")][1] == "double" and decl[("node", "pagerank")][1] == "double"
    assert decl[("node", "n_comments")][1] == "long" and decl[("edge", "first_at")][1] == "string"
    nodes = graph.find(f"{GX}nodes").findall(f"{GX}node")
    labels = [n.get("label") for n in nodes]
    assert NASTY.replace("\x01", "\ufffd") in labels
    edges = graph.find(f"{GX}edges").findall(f"{GX}edge")
    assert len(edges) == net.edges.height
    ws_id = decl[("edge", "weight_sum")][0]
    sums = sorted(float(v.get("value")) for e in edges for v in e.iter(f"{GX}attvalue") if v.get("for") == ws_id)
    assert sums == sorted(net.edges["weight_sum"].to_list())
    assert all(float(e.get("weight")) >= 0 for e in edges)


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path):
    _, g = _graph()
    write_gexf(g, tmp_path / "out" / "g.gexf")
    write_graphml(g, tmp_path / "out" / "g.graphml")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["g.gexf", "g.graphml"]


def test_unwritable_target_raises_output_error(tmp_path):
    _, g = _graph()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="file"):
        write_graphml(g, blocker / "g.graphml")


def test_nodes_table_joins_onto_vertices(tmp_path):
    net, _ = _graph()
    nodes = analyse(net, runs=1).nodes
    root = ET.parse(write_gexf(net.graph, tmp_path / "g.gexf", nodes=nodes)).getroot()
    titles = {a.get("title") for a in root.iter(f"{GX}attribute")}
    assert {"community", "role", "pagerank", "stability"} <= titles
    plain = ET.parse(write_gexf(net.graph, tmp_path / "p.gexf")).getroot()
    assert "role" not in {a.get("title") for a in plain.iter(f"{GX}attribute")}


def test_tables_round_trip(tmp_path):
    net, _ = _graph()
    nodes = analyse(net, runs=1).nodes
    paths = write_tables(nodes, net.edges, tmp_path)
    assert [p.name for p in paths] == ["nodes.parquet", "edges.parquet", "nodes.csv", "edges.csv"]
    assert pl.read_parquet(tmp_path / "edges.parquet").equals(net.edges)
    csv_nodes = pl.read_csv(tmp_path / "nodes.csv")
    assert csv_nodes.height == nodes.height and "roles" in csv_nodes.columns


def test_gexf_leaves_out_empty_attvalues(tmp_path):
    g = ig.Graph(n=2, edges=[(0, 1)], directed=True)
    g.vs["name"] = ["a", "b"]
    g.vs["note"] = [None, "x"]
    root = ET.parse(write_gexf(g, tmp_path / "g.gexf")).getroot()
    nodes = list(root.iter(f"{GX}node"))
    assert nodes[0].find(f"{GX}attvalues") is None
    assert nodes[1].find(f"{GX}attvalues") is not None
    edge = next(root.iter(f"{GX}edge"))
    assert edge.find(f"{GX}attvalues") is None and edge.get("weight") == "1.0"


def test_gexf_colours_factions_for_gephi(tmp_path):
    net = author_network(H.two_factions())
    nodes = analyse(net, runs=1).nodes
    root = ET.parse(write_gexf(net.graph, tmp_path / "g.gexf", nodes=nodes)).getroot()
    viz = "{http://gexf.net/1.3/viz}color"
    colours = {n.get("label"): tuple(int(n.find(viz).get(c)) for c in "rgb") for n in root.iter(f"{GX}node")}
    assert colours["a"] == colours["b"] == colours["c"] == (31, 119, 180)      # faction 0
    assert colours["d"] == colours["e"] == colours["f"] == (214, 39, 40)       # faction 1
    plain = ET.parse(write_gexf(net.graph, tmp_path / "p.gexf")).getroot()
    assert next(plain.iter(f"{GX}node")).find(viz) is None
