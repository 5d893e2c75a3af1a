"""The author-network figure and its layout: counts, signs, direction, hover, caps, determinism."""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
import pytest

from discourse.errors import AnalysisError
from discourse.viz import faction_figure, network_figure, signed_layout, size_options

ALLOWED_TAGS = re.compile(r"</?(b|i|br)>")


def _nodes() -> pl.DataFrame:
    return pl.DataFrame({
        "author": ["ann", "bob", "cy", "dee"],
        "n_comments": [3, 1, 2, 5],
        "community": [0, 0, 1, 1],
        "pagerank": [0.1, 0.2, 0.3, 0.4],
        "role": ["bridge", "member", "member", "<b>leader</b>"],
    })


def _edges() -> pl.DataFrame:
    # ann->bob agree, bob->ann agree, cy->dee neutral (net 0), ann->cy hostile, eve->ann hostile (eve not in nodes),
    # dee->dee self-reply
    return pl.DataFrame({
        "source": ["ann", "bob", "cy", "ann", "eve", "dee"],
        "target": ["bob", "ann", "dee", "cy", "ann", "dee"],
        "n_replies": [2, 1, 3, 1, 4, 1],
        "n_agree": [2, 1, 0, 0, 0, 0],
        "n_neutral": [0, 0, 3, 0, 0, 1],
        "n_disagree": [0, 0, 0, 0, 1, 0],
        "n_hostile": [0, 0, 0, 1, 3, 0],
        "weight_sum": [1.2, 0.5, 0.0, -0.9, -3.1, 0.0],
        "weight_mean": [0.6, 0.5, 0.0, -0.9, -0.775, 0.0],
        "abs_w": [1.2, 0.5, 0.0, 0.9, 3.1, 0.0],
    })


def _node_traces(fig: go.Figure) -> list:
    return [t for t in fig.data if (t.legendgroup or "").startswith("f")]


def _hover_traces(fig: go.Figure) -> list:
    return [t for t in fig.data if (t.legendgroup or "").startswith("sign") and t.hoverinfo == "text"]


def _arrow_traces(fig: go.Figure) -> list:
    return [t for t in fig.data if (t.legendgroup or "").startswith("sign") and t.mode == "markers"
            and t.hoverinfo == "skip"]


def test_every_author_is_drawn_once() -> None:
    fig = network_figure(_nodes(), _edges())
    names = [h.split("</b>")[0].removeprefix("<b>") for t in _node_traces(fig) for h in t.hovertext]
    assert sorted(names) == ["ann", "bob", "cy", "dee", "eve"]  # eve only appears in edges


def test_edges_by_sign_and_self_loops() -> None:
    fig = network_figure(_nodes(), _edges())
    by_group = {t.legendgroup: len(t.x) for t in _hover_traces(fig)}
    # agreement: ann->bob, bob->ann; neutral: cy->dee; hostility: ann->cy, eve->ann; dee->dee not drawn
    assert by_group == {"sign1": 2, "sign0": 1, "sign-1": 2}
    meta = fig.layout.meta["discourse"]
    assert (meta["edges_total"], meta["edges_drawn"], meta["self_loops"], meta["nodes"]) == (5, 5, 1, 5)
    legend = sorted(t.name for t in fig.data if t.showlegend is not False and (t.legendgroup or "").startswith("sign"))
    assert legend == ["agreement (2)", "disagreement / hostility (2)", "neutral (1)"]


def test_edge_hover_lists_stance_counts() -> None:
    fig = network_figure(_nodes(), _edges())
    hostile = next(t for t in _hover_traces(fig) if t.legendgroup == "sign-1")
    eve = next(h for h in hostile.hovertext if h.startswith("<b>eve</b>"))
    assert eve == ("<b>eve</b> → <b>ann</b><br>4 replies: agree 0 · neutral 0 · disagree 1 · hostile 3"
                   "<br>tone: disagreement / hostility (mean weight -0.775)")


def test_arrowheads_point_from_source_to_target() -> None:
    fig = network_figure(_nodes(), _edges())
    pos = {h.split("</b>")[0].removeprefix("<b>"): (x, y)
           for t in _node_traces(fig) for h, x, y in zip(t.hovertext, t.x, t.y)}
    checked = 0
    for hover, arrows in zip(_hover_traces(fig), _arrow_traces(fig)):
        assert hover.legendgroup == arrows.legendgroup
        for text, mx, my, ax, ay, angle in zip(hover.hovertext, hover.x, hover.y, arrows.x, arrows.y,
                                               arrows.marker.angle):
            src, tgt = re.findall(r"<b>(.*?)</b>", text)[:2]
            (x0, y0), (x1, y1) = pos[src], pos[tgt]
            dx, dy = x1 - x0, y1 - y0
            # the hover marker sits by the middle of the pair, shifted slightly to the right of travel
            off_x, off_y = mx - (x0 + x1) / 2, my - (y0 + y1) / 2
            assert abs(off_x * dx + off_y * dy) < 1e-9 and off_x * dy - off_y * dx >= 0
            assert math.hypot(off_x, off_y) <= 0.05 * math.hypot(dx, dy) + 1e-12
            # the arrowhead lies on the same (shifted) line, between the middle and the target
            t = ((ax - mx) * dx + (ay - my) * dy) / (dx * dx + dy * dy)
            assert 0.0 <= t <= 0.5
            assert abs((ax - mx) * dy - (ay - my) * dx) < 1e-9
            # plotly's angle turns the upward triangle clockwise: 0 = up, 90 = right
            expected = math.degrees(math.atan2(dx, dy))
            assert abs((angle - expected + 180) % 360 - 180) < 0.1
            checked += 1
    assert checked == 5


def test_reply_pairs_in_both_directions_get_two_lines() -> None:
    fig = network_figure(_nodes(), _edges())
    agree = next(t for t in _hover_traces(fig) if t.legendgroup == "sign1")
    (ax, ay), (bx, by) = zip(agree.x, agree.y)  # ann->bob and bob->ann
    assert math.hypot(ax - bx, ay - by) > 1e-6


def test_node_hover_escapes_names_comments_and_roles() -> None:
    nodes = _nodes().with_columns(
        pl.Series("author", ["<script>window.__pwned=1</script>", "bob", "cy", '<a href="javascript:x()">d</a>']))
    edges = _edges().with_columns(pl.col("source").replace({"ann": nodes["author"][0]}))
    comments = pl.DataFrame({
        "author": [nodes["author"][0], nodes["author"][0], "bob"],
        "text": ['<img src=x onerror="window.__pwned=2">', "50%{x} <br> <a href='https://e.example'>e</a>", "fine"],
    })
    fig = network_figure(nodes, edges, comments=comments)
    texts = [h for t in fig.data if t.hovertext for h in t.hovertext]
    assert texts
    for text in texts:
        bare = ALLOWED_TAGS.sub("", text)
        assert "<" not in bare and ">" not in bare and "%{" not in bare, text
    first = next(h for t in _node_traces(fig) for h in t.hovertext if "window.__pwned=1" in h)
    assert "&lt;img src=x onerror=&#34;window.__pwned=2&#34;&gt;" in first
    assert "50&#37;&#123;x&#125; &lt;br&gt;" in first
    leader = next(h for t in _node_traces(fig) for h in t.hovertext if "javascript" in h)
    assert "&lt;b&gt;leader&lt;/b&gt;" in leader


def test_comments_per_node_limit() -> None:
    comments = pl.DataFrame({"author": ["ann"] * 5, "text": [f"comment {i}" for i in range(5)]})
    fig = network_figure(_nodes(), _edges(), comments=comments, comments_per_node=2)
    ann = next(h for t in _node_traces(fig) for h in t.hovertext if h.startswith("<b>ann</b>"))
    assert ann.count("• ") == 2 and "comment 0" in ann and "comment 1" in ann and "comment 2" not in ann


def test_max_edges_keeps_the_strongest_and_says_so() -> None:
    n = 10
    edges = pl.DataFrame({
        "source": [f"a{i}" for i in range(n)], "target": [f"b{i}" for i in range(n)],
        "n_replies": [1] * n, "weight_sum": [(-1) ** i * (i + 1) / 10 for i in range(n)],
    }).with_columns(abs_w=pl.col("weight_sum").abs())
    fig = network_figure(pl.DataFrame({"author": ["a0"]}), edges, max_edges=3)
    drawn = sorted(re.findall(r"<b>(a\d)</b>", h)[0] for t in _hover_traces(fig) for h in t.hovertext)
    assert drawn == ["a7", "a8", "a9"]  # |weight| 0.8, 0.9, 1.0
    notes = [a.text for a in fig.layout.annotations]
    assert "Showing the 3 strongest of 10 reply pairs (at most 25 per commenter)." in notes
    assert sum(len(t.x) for t in _node_traces(fig)) == 2 * n  # every author is still drawn


def test_capped_edges_do_not_all_go_to_one_hub() -> None:
    # 100 strong replies to a hub, 40 weaker pairs elsewhere: at most 25 of the 60 drawn touch the hub
    edges = pl.DataFrame({
        "source": [f"f{i}" for i in range(100)] + [f"a{i}" for i in range(40)],
        "target": ["hub"] * 100 + [f"b{i}" for i in range(40)],
        "n_replies": [1] * 140, "weight_sum": [-0.9] * 100 + [-0.5] * 40,
    }).with_columns(abs_w=pl.col("weight_sum").abs())
    fig = network_figure(pl.DataFrame({"author": ["hub"]}), edges, max_edges=60)
    drawn = [h for t in _hover_traces(fig) for h in t.hovertext]
    assert len(drawn) == 60 and sum("<b>hub</b>" in h for h in drawn) == 25


def test_webgl_switch() -> None:
    assert all(isinstance(t, go.Scatter) for t in network_figure(_nodes(), _edges()).data)
    assert all(isinstance(t, go.Scattergl) for t in network_figure(_nodes(), _edges(), webgl=True).data)
    n = 1500
    nodes = pl.DataFrame({"author": [f"u{i}" for i in range(n)], "community": [i % 3 for i in range(n)]})
    edges = pl.DataFrame({"source": [f"u{i}" for i in range(n)], "target": [f"u{(i * 7 + 1) % n}" for i in range(n)],
                          "n_replies": [1] * n, "weight_sum": [0.5] * n})
    fig = network_figure(nodes, edges, layout="circle")  # 1500 nodes + 1500 edges > threshold
    assert fig.layout.meta["discourse"]["webgl"] is True
    assert all(isinstance(t, go.Scattergl) for t in fig.data)


def test_size_selector_restyles_every_node_trace() -> None:
    fig = network_figure(_nodes(), _edges(), size_by="n_comments")
    assert size_options(_nodes(), "n_comments") == ["n_comments", "pagerank"]
    menu = fig.layout.updatemenus[0]
    assert [b.label for b in menu.buttons] == ["n comments", "pagerank"]
    node_idx = [i for i, t in enumerate(fig.data) if (t.legendgroup or "").startswith("f")]
    for button in menu.buttons:
        sizes, idx = button.args
        assert list(idx) == node_idx
        assert [len(a) for a in sizes["marker.size"]] == [len(fig.data[i].x) for i in node_idx]
    # initial sizes follow n_comments: dee (5) is the biggest dot, bob (1) and eve (null -> min) the smallest
    size = {h.split("</b>")[0][3:]: s for t in _node_traces(fig) for h, s in zip(t.hovertext, t.marker.size)}
    assert size["dee"] == max(size.values()) and size["bob"] == size["eve"] == min(size.values())


def test_many_factions_share_an_other_trace() -> None:
    n = 20   # factions of two members (an author alone in a faction is drawn as in none)
    nodes = pl.DataFrame({"author": [f"u{i}" for i in range(2 * n)], "community": [i // 2 for i in range(2 * n)]})
    fig = network_figure(nodes, pl.DataFrame(schema={"source": pl.String, "target": pl.String}))
    names = [t.name for t in _node_traces(fig)]
    assert len(names) == 12 and names[-1] == "other factions (18)"


def test_same_seed_same_figure_other_seed_other_layout() -> None:
    a = pio.to_json(network_figure(_nodes(), _edges(), seed=3))
    b = pio.to_json(network_figure(_nodes(), _edges(), seed=3))
    c = pio.to_json(network_figure(_nodes(), _edges(), seed=4))
    assert a == b and a != c


def test_inputs_are_not_mutated() -> None:
    nodes, edges = _nodes(), _edges()
    before = (nodes.clone(), edges.clone())
    network_figure(nodes, edges)
    assert nodes.equals(before[0]) and edges.equals(before[1])


def test_bad_options_raise() -> None:
    with pytest.raises(AnalysisError, match="layout 'nope' is unknown"):
        network_figure(_nodes(), _edges(), layout="nope")  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match="no 'source' column"):
        network_figure(_nodes(), pl.DataFrame({"src": ["a"], "target": ["b"]}))


def test_signed_layout_pushes_hostile_camps_apart() -> None:
    # two agreeing cliques of 5; every cross pair hostile
    a = [f"a{i}" for i in range(5)]
    b = [f"b{i}" for i in range(5)]
    rows = [(x, y, 1.0) for grp in (a, b) for x in grp for y in grp if x < y]
    rows += [(x, y, -1.0) for x in a for y in b]
    edges = pl.DataFrame(rows, schema={"source": pl.String, "target": pl.String, "weight_sum": pl.Float64},
                         orient="row").with_columns(n_replies=pl.lit(1, pl.Int64))
    pos = signed_layout(pl.Series(a + b), edges, seed=1)
    xy = {r["author"]: np.array([r["x"], r["y"]]) for r in pos.iter_rows(named=True)}
    within = np.mean([np.linalg.norm(xy[x] - xy[y]) for grp in (a, b) for x in grp for y in grp if x < y])
    across = np.mean([np.linalg.norm(xy[x] - xy[y]) for x in a for y in b])
    assert across > 2 * within
    assert pos.equals(signed_layout(pl.Series(a + b), edges, seed=1))
    assert float(pos["x"].abs().max()) <= 1.0 + 1e-9 and float(pos["y"].abs().max()) <= 1.0 + 1e-9


def test_faction_figure_aggregates_between_factions() -> None:
    fig = faction_figure(_nodes(), _edges())
    hovers = [h for t in _hover_traces(fig) for h in t.hovertext]
    # between factions only ann(0)->cy(1): 1 hostile reply; eve (no faction, -1) -> ann(0): 4 replies
    assert sorted(hovers) == sorted([
        "<b>no faction</b> → <b>faction 0</b><br>4 replies: agree 0 · neutral 0 · disagree 1 · hostile 3"
        "<br>tone: disagreement / hostility (mean weight -0.775)",
        "<b>faction 0</b> → <b>faction 1</b><br>1 reply: agree 0 · neutral 0 · disagree 0 · hostile 1"
        "<br>tone: disagreement / hostility (mean weight -0.9)",
    ])
    assert sorted(t.name for t in _node_traces(fig)) == ["faction 0 (2)", "faction 1 (2)", "no faction (1)"]
    nodes = {h.split("</b>")[0][3:]: h for t in _node_traces(fig) for h in t.hovertext}
    assert "members: 2" in nodes["faction 0"] and "internal replies: 3" in nodes["faction 0"]
    assert "internal replies: 3" in nodes["faction 1"]  # cy->dee 3; dee's self-reply is not a conversation


def test_webgl_arrow_angles_are_quantised_but_close() -> None:
    svg = network_figure(_nodes(), _edges(), webgl=False)
    gl = network_figure(_nodes(), _edges(), webgl=True)
    for a, b in zip(_arrow_traces(svg), _arrow_traces(gl)):
        for exact, rounded in zip(a.marker.angle, b.marker.angle):
            assert rounded % 5 == 0 and -180 <= rounded <= 180  # plotly folds angles into [-180, 180]
            assert abs((rounded - exact + 180) % 360 - 180) <= 2.5 + 1e-9


def test_faction_overview_lumps_small_factions_and_keeps_colours() -> None:
    # 14 factions: faction i has 15 - i members; beyond the 11 largest (0..10), 11, 12 and 13 are lumped
    rows = [(f"u{c}_{k}", c) for c in range(14) for k in range(15 - c)]
    nodes = pl.DataFrame(rows, schema={"author": pl.String, "community": pl.Int64}, orient="row")
    edges = pl.DataFrame({"source": ["u0_0", "u13_0"], "target": ["u12_0", "u0_1"],
                          "n_replies": [2, 1], "weight_sum": [1.0, -1.0]})
    overview = faction_figure(nodes, edges)
    network = network_figure(nodes, edges)
    names = [t.name for t in _node_traces(overview)]
    assert names[-1] == "other factions (9)" and len(names) == 12  # 4 + 3 + 2 members
    assert "faction 0 (15)" in names and "faction 10 (5)" in names
    # the same faction has the same colour in both figures (the network's entry also names two members)
    colour = {t.name.split(":")[0].split(" (")[0]: t.marker.color for t in _node_traces(network)}
    matched = [t.name for t in _node_traces(overview) if t.name.split(" (")[0] in colour]
    for t in _node_traces(overview):
        if t.name.split(" (")[0] in colour:
            assert colour[t.name.split(" (")[0]] == t.marker.color, t.name
    assert "faction 0 (15)" in matched and len(matched) >= 2


def _names(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations if (a.name or "").startswith("label-")]


def test_most_central_nodes_are_named_escaped() -> None:
    n = 12
    nodes = pl.DataFrame({"author": [f"<b>n{i}</b>" for i in range(n)], "pagerank": [i / 100 for i in range(n)],
                          "community": [0] * n})
    fig = network_figure(nodes, pl.DataFrame(schema={"source": pl.String, "target": pl.String}))
    # no comment counts: the 8 highest pageranks, escaped, most central first
    assert _names(fig) == [f"&lt;b&gt;n{i}&lt;/b&gt;" for i in range(11, 3, -1)]
    gl = network_figure(nodes, pl.DataFrame(schema={"source": pl.String, "target": pl.String}), webgl=True)
    assert _names(gl) == _names(fig)  # names are annotations: the same with WebGL


def test_bare_and_empty_tables() -> None:
    bare = network_figure(pl.DataFrame({"author": ["a", "b"]}), pl.DataFrame({"source": ["a"], "target": ["b"]}))
    assert [t.legendgroup for t in _hover_traces(bare)] == ["sign0"]  # unscored: one neutral edge
    assert _hover_traces(bare)[0].hovertext == ("<b>a</b> → <b>b</b><br>tone: neutral",)  # no counts: the pair
    empty = network_figure(pl.DataFrame(schema={"author": pl.String}),
                           pl.DataFrame(schema={"source": pl.String, "target": pl.String}))
    assert len(empty.data) == 0 and empty.layout.meta["discourse"]["nodes"] == 0
    loop = network_figure(pl.DataFrame({"author": ["a"]}),
                          pl.DataFrame({"source": ["a"], "target": ["a"], "n_replies": [3]}))
    assert loop.layout.meta["discourse"]["self_loops"] == 1 and not _hover_traces(loop)


def test_column_names_are_escaped_too() -> None:
    nodes = _nodes().with_columns(pl.col("pagerank").alias("<a href='x'>score</a>"))
    fig = network_figure(nodes, _edges(), size_by="<a href='x'>score</a>")
    assert fig.layout.updatemenus[0].buttons[0].label == "&lt;a href=&#39;x&#39;&gt;score&lt;/a&gt;"
    hover = next(h for t in _node_traces(fig) for h in t.hovertext if h.startswith("<b>ann</b>"))
    assert "&lt;a href=&#39;x&#39;&gt;score&lt;/a&gt;: 0.1" in hover


def test_big_graph_hover_keeps_the_essentials():
    import polars as pl

    from discourse.viz import network_figure

    n = 10_050
    nodes = pl.DataFrame({"author": [f"a{i}" for i in range(n)], "community": [i % 3 for i in range(n)],
                          "n_comments": [1] * n, "pagerank": [1.0 / n] * n, "betweenness": [0.5] * n,
                          "in_degree": [1] * n, "out_degree": [1] * n})
    edges = pl.DataFrame({"source": ["a0"], "target": ["a1"], "n_replies": [1], "weight_sum": [1.0]})
    fig = network_figure(nodes, edges, seed=0, size_by="pagerank")
    hovers = [h for t in fig.data if t.mode == "markers" and t.hovertext is not None for h in t.hovertext
              if "→" not in h]  # node hovers, not the edge midpoints'
    assert len(hovers) == n
    assert all("betweenness" not in h for h in hovers)
    assert all("pagerank" in h and "n comments" in h for h in hovers[:50])
