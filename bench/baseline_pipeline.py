#!/usr/bin/env python3
"""The pipeline an analyst would write without discourse: the yardstick for issue 8's speed ratio.

pandas reads a Pushshift-style comment dump (and its submissions file, for the post authors),
replies are joined to their parent's author with ``merge``, each reply's own sentiment comes from
vaderSentiment called once per reply, a networkx ``DiGraph`` accumulates replier -> parent-author
edges with the summed compound sentiment as weight, Louvain finds communities (on the undirected
graph with absolute weights, since networkx's Louvain refuses negative weights), PageRank and
sampled betweenness rank the actors, a spring layout places the nodes and one Plotly HTML file is
written.

This is deliberately ordinary code (what the tutorials show), not a straw man: the hot steps use
the libraries' own vectorised calls where they exist (pandas merge, networkx algorithms).

Usage::

    python bench/baseline_pipeline.py bench/data/g10000 [--no-layout] [--out bench/out/baseline]

prints one JSON line with the time of each step and the peak RSS (pandas, networkx and
vaderSentiment are the ``bench`` extra: ``pip install 'discourse-network-analysis[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import networkx as nx
import pandas as pd
import plotly.graph_objects as go
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

BETWEENNESS_SAMPLES = 500   # pivots for sampled betweenness (exact is O(nm): hours at 100k)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(data_dir: Path, *, layout: bool = True, out_dir: Path | None = None, seed: int = 0) -> dict:
    """Run the baseline on ``data_dir`` (gen_threads.py output); return timings in seconds."""
    t: dict[str, float] = {}
    t0 = time.perf_counter()

    # read
    comments = pd.read_json(data_dir / "reddit_comments.ndjson", lines=True, dtype={"id": str})
    posts = pd.read_json(data_dir / "reddit_submissions.ndjson", lines=True, dtype={"id": str})
    t["read"] = time.perf_counter() - t0

    # pair each reply with its parent's author (comment parent or the post's author)
    t1 = time.perf_counter()
    comments = comments[(comments["author"] != "[deleted]")].copy()
    comments["parent_key"] = comments["parent_id"].str.slice(3)
    by_id = comments[["id", "author"]].rename(columns={"id": "parent_key", "author": "parent_author"})
    post_authors = posts[["id", "author"]].rename(columns={"id": "parent_key", "author": "parent_author"})
    parents = pd.concat([by_id, post_authors[post_authors["parent_author"] != "[deleted]"]])
    replies = comments.merge(parents, on="parent_key", how="inner")
    replies = replies[replies["author"] != replies["parent_author"]]
    t["pair"] = time.perf_counter() - t1

    # sentiment per reply
    t1 = time.perf_counter()
    analyzer = SentimentIntensityAnalyzer()
    replies["compound"] = [analyzer.polarity_scores(str(b))["compound"] for b in replies["body"]]
    t["score"] = time.perf_counter() - t1

    # network
    t1 = time.perf_counter()
    agg = replies.groupby(["author", "parent_author"], as_index=False).agg(
        n_replies=("compound", "size"), weight=("compound", "sum"))
    g = nx.DiGraph()
    for row in agg.itertuples(index=False):
        g.add_edge(row.author, row.parent_author, weight=row.weight, n=row.n_replies)
    t["network"] = time.perf_counter() - t1

    # communities, centralities
    t1 = time.perf_counter()
    u = nx.Graph()
    for a, b, d in g.edges(data=True):
        w = abs(d["weight"]) + 1e-9
        if u.has_edge(a, b):
            u[a][b]["weight"] += w
        else:
            u.add_edge(a, b, weight=w)
    communities = nx.community.louvain_communities(u, weight="weight", seed=seed)
    t["communities"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    pos_g = nx.DiGraph()
    pos_g.add_nodes_from(g.nodes)
    pos_g.add_weighted_edges_from((a, b, d["weight"]) for a, b, d in g.edges(data=True) if d["weight"] > 0)
    pagerank = nx.pagerank(pos_g, weight="weight")
    k = min(BETWEENNESS_SAMPLES, g.number_of_nodes())
    betweenness = nx.betweenness_centrality(g, k=k, seed=seed)
    t["centralities"] = time.perf_counter() - t1

    # layout and figure
    if layout:
        t1 = time.perf_counter()
        xy = nx.spring_layout(u, seed=seed)
        t["layout"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        member = {n: i for i, c in enumerate(communities) for n in c}
        ex: list[float | None] = []
        ey: list[float | None] = []
        for a, b in g.edges():
            ex += [xy[a][0], xy[b][0], None]
            ey += [xy[a][1], xy[b][1], None]
        nodes = list(g.nodes)
        fig = go.Figure([
            go.Scattergl(x=ex, y=ey, mode="lines", line={"width": 0.5}, hoverinfo="skip"),
            go.Scattergl(x=[xy[n][0] for n in nodes], y=[xy[n][1] for n in nodes], mode="markers",
                         text=nodes, marker={"color": [member[n] for n in nodes],
                                             "size": [4 + 400 * pagerank.get(n, 0) for n in nodes]}),
        ])
        out_dir = out_dir or Path("bench/out/baseline")
        out_dir.mkdir(parents=True, exist_ok=True)
        fig.write_html(out_dir / "network.html", include_plotlyjs=True)
        t["html"] = time.perf_counter() - t1
    t["total"] = time.perf_counter() - t0
    return {
        "data": str(data_dir), "layout": layout, "comments": len(comments),
        "replies": len(replies), "nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
        "communities": len(communities), "betweenness_samples": k,
        "seconds": {k_: round(v, 2) for k_, v in t.items()}, "cpu_seconds": round(_cpu_seconds(), 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "betweenness_top": max(betweenness, key=betweenness.get) if betweenness else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", type=Path, help="a gen_threads.py --format reddit output directory")
    ap.add_argument("--no-layout", action="store_true", help="skip the spring layout and the HTML")
    ap.add_argument("--out", type=Path, default=None, help="where network.html goes")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    print(json.dumps(run(args.data_dir, layout=not args.no_layout, out_dir=args.out, seed=args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
