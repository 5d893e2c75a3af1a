"""Issue 17: the network a researcher can read. Tone by a rule on the replies, factions laid out apart,
names placed without overlap, the periphery behind a button, quotes in the edge hover, the page's
search index and the publication figure."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from discourse.viz import faction_layout, network_figure, network_view
from discourse.viz.network import ALONE_GROUP, REPLY_CLASSES, place_labels
from discourse.viz.tone import tone_expr

# -- tone ------------------------------------------------------------------------------------------


def _tone(**cols: list) -> list[int]:
    frame = pl.DataFrame(cols)
    return frame.select(tone_expr(frame.schema)).to_series().to_list()


def test_tone_rule_on_label_counts() -> None:
    # all neutral, 1 hostile in 4, 1 hostile in 3, 1 agree + 1 hostile, 2 agree + 1 disagree (net a third), 1 agree
    tones = _tone(n_agree=[0, 0, 0, 1, 2, 1], n_neutral=[5, 3, 2, 0, 0, 0], n_disagree=[0, 0, 0, 0, 1, 0],
                  n_hostile=[0, 1, 1, 1, 0, 0], weight_sum=[-0.4, -0.9, -0.9, 0.0, 0.9, 0.01])
    assert tones == [0, 0, -1, 0, 1, 1]


def test_tone_falls_back_to_the_mean_weight_then_the_sign() -> None:
    assert _tone(weight_mean=[-0.5, -0.1, 0.2]) == [-1, 0, 1]
    assert _tone(weight_sum=[-0.5, -0.1, 0.6], n_replies=[1, 1, 3]) == [-1, 0, 1]
    assert _tone(net_sign=[-1, 0, 1]) == [-1, 0, 1]
    assert _tone(source=["a"]) == [0]


@given(st.lists(st.tuples(*[st.integers(0, 6)] * 4), min_size=1, max_size=30),
       st.lists(st.floats(-1, 1), min_size=30, max_size=30))
@settings(max_examples=200, deadline=None)
def test_never_red_without_an_opposing_reply(counts: list[tuple[int, int, int, int]], weights: list[float]) -> None:
    ag, ne, di, ho = (list(c) for c in zip(*counts))
    tones = _tone(n_agree=ag, n_neutral=ne, n_disagree=di, n_hostile=ho, weight_sum=weights[:len(ag)])
    for t, a, d, h in zip(tones, ag, di, ho):
        assert t != -1 or d + h > 0
        assert t != 1 or a > 0


def test_a_neutral_pair_is_drawn_grey_whatever_its_weights_add_up_to() -> None:
    nodes = pl.DataFrame({"author": ["a", "b", "c"], "community": [0, 0, 1]})
    edges = pl.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "n_replies": [3, 1], "n_agree": [0, 0],
                          "n_neutral": [3, 0], "n_disagree": [0, 0], "n_hostile": [0, 1],
                          "weight_sum": [-0.31, -0.8], "net_sign": [-1, -1]})
    fig = network_figure(nodes, edges)
    lines = {t.legendgroup: t.line.color for t in fig.data if t.mode == "lines" and t.showlegend}
    assert lines == {"sign0": "#8c8c8c", "sign-1": "#d73027"}
    hover = {t.legendgroup: t.hovertext for t in fig.data if (t.legendgroup or "").startswith("sign")
             and t.hoverinfo == "text"}
    assert hover["sign0"][0].startswith("<b>a</b> → <b>b</b>") and "tone: neutral" in hover["sign0"][0]


def test_line_width_follows_the_number_of_replies() -> None:
    n = [1, 2, 3, 6, 12]
    nodes = pl.DataFrame({"author": [f"u{i}" for i in range(6)], "community": [0] * 6})
    edges = pl.DataFrame({"source": [f"u{i}" for i in range(5)], "target": [f"u{i + 1}" for i in range(5)],
                          "n_replies": n, "n_agree": n, "n_neutral": [0] * 5, "n_disagree": [0] * 5,
                          "n_hostile": [0] * 5})
    fig = network_figure(nodes, edges)
    widths = sorted(t.line.width for t in fig.data if t.mode == "lines" and t.legendgroup == "sign1")
    assert widths == [c[2] for c in REPLY_CLASSES]


# -- layout ----------------------------------------------------------------------------------------

def _planted(k: int = 4, size: int = 30, seed: int = 3) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    """k planted factions: agreement inside (ties with prob 0.25), hostility across (prob 0.03)."""
    rng = np.random.default_rng(seed)
    n = k * size
    truth = np.repeat(np.arange(k), size)
    rows = []
    for i in range(n):
        for j in range(i + 1, n):
            same = truth[i] == truth[j]
            if rng.random() < (0.25 if same else 0.03):
                rows.append((f"u{i}", f"u{j}", int(rng.integers(1, 4)), same))
    edges = pl.DataFrame(rows, schema={"source": pl.String, "target": pl.String, "n_replies": pl.Int64,
                                       "same": pl.Boolean}, orient="row").with_columns(
        n_agree=pl.when("same").then(pl.col("n_replies")).otherwise(0),
        n_neutral=pl.lit(0), n_disagree=pl.lit(0),
        n_hostile=pl.when("same").then(0).otherwise(pl.col("n_replies")))
    nodes = pl.DataFrame({"author": [f"u{i}" for i in range(n)], "community": truth})
    return nodes, edges, truth


def _silhouette(xy: np.ndarray, labels: np.ndarray) -> float:
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    out = []
    for i in range(len(xy)):
        own = labels == labels[i]
        a = d[i, own].sum() / max(own.sum() - 1, 1)
        b = min(d[i, labels == c].mean() for c in np.unique(labels) if c != labels[i])
        out.append((b - a) / max(a, b))
    return float(np.mean(out))


def test_factions_are_laid_out_as_separated_groups() -> None:
    nodes, edges, truth = _planted()
    pos = faction_layout(nodes["author"], nodes["community"], edges, seed=0)
    assert pos["main"].all()
    xy = pos.select("x", "y").to_numpy()
    assert _silhouette(xy, truth) > 0.5
    # hostile factions keep a gap: every faction's members sit closer to their own centre than to any other's
    centres = np.array([xy[truth == c].mean(axis=0) for c in range(4)])
    nearest = np.argmin(((xy[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    assert (nearest == truth).mean() > 0.97
    assert float(np.abs(xy).max()) <= 1.0 + 1e-9


def test_layout_is_seeded_and_deterministic() -> None:
    nodes, edges, _ = _planted(k=3, size=20)
    a = faction_layout(nodes["author"], nodes["community"], edges, seed=1)
    assert a.equals(faction_layout(nodes["author"], nodes["community"], edges, seed=1))
    assert not a.equals(faction_layout(nodes["author"], nodes["community"], edges, seed=2))


def test_singletons_and_isolates_wait_outside_the_main_view() -> None:
    nodes, edges, _ = _planted(k=2, size=15)
    extra = pl.DataFrame({"author": ["lone", "named", "quiet"], "community": [10, 11, 12]})
    nodes = pl.concat([nodes, extra])
    edges = pl.concat([edges, pl.DataFrame({"source": ["lone", "named"], "target": ["u0", "u20"], "n_replies": [1, 1],
                                            "same": [False, False], "n_agree": [1, 0], "n_neutral": [0, 1],
                                            "n_disagree": [0, 0], "n_hostile": [0, 0]})], how="diagonal_relaxed")
    keep = nodes["author"] == "named"
    pos = faction_layout(nodes["author"], nodes["community"], edges, keep=keep, seed=0)
    main = dict(zip(pos["author"], pos["main"]))
    assert not main["lone"] and not main["quiet"] and main["named"]   # a named singleton stays in view
    radius = {r["author"]: math.hypot(r["x"], r["y"]) for r in pos.iter_rows(named=True)}
    assert radius["lone"] > 1.2 and radius["quiet"] > 1.2
    # the singleton waits on the side of the faction it replies to (u0 is in faction 0)
    lone = pos.filter(pl.col("author") == "lone").select("x", "y").to_numpy()[0]
    f0 = pos.filter(pl.col("author").is_in([f"u{i}" for i in range(15)])).select("x", "y").to_numpy().mean(axis=0)
    f1 = pos.filter(pl.col("author").is_in([f"u{i}" for i in range(15, 30)])).select("x", "y").to_numpy().mean(axis=0)
    assert np.linalg.norm(lone - f0) < np.linalg.norm(lone - f1)


def test_the_periphery_is_behind_a_button_and_every_author_drawn_once() -> None:
    nodes, edges, _ = _planted(k=2, size=15)
    nodes = pl.concat([nodes, pl.DataFrame({"author": ["lone", "quiet"], "community": [10, 11]})])
    edges = pl.concat([edges, pl.DataFrame({"source": ["lone"], "target": ["u0"], "n_replies": [1], "same": [False],
                                            "n_agree": [1], "n_neutral": [0], "n_disagree": [0], "n_hostile": [0]})],
                      how="diagonal_relaxed")
    # 30 commenters in factions are named only up to the top 15 / top 8: "lone" and "quiet" are not named
    nodes = nodes.with_columns(n_comments=pl.when(pl.col("author").is_in(["lone", "quiet"])).then(1).otherwise(5))
    fig = network_figure(nodes, edges)
    meta = fig.layout.meta["discourse"]
    assert (meta["main_nodes"], meta["hidden_singletons"], meta["hidden_isolates"]) == (30, 1, 1)
    drawn = [h.split("</b>")[0][3:] for t in fig.data if t.mode == "markers" and t.hoverinfo == "text"
             and "→" not in t.hovertext[0] for h in t.hovertext]
    assert sorted(drawn) == sorted(nodes["author"].to_list())
    side = [t for t in fig.data if t.legendgroup == "periphery"]
    assert side and all(t.visible is False for t in side)
    menu = next(m for m in fig.layout.updatemenus if m.type == "buttons")
    assert menu.active == -1  # not pressed yet: the first click shows (plotly toggles args / args2)
    button = menu.buttons[0]
    assert "1 singleton & 1 isolate" in button.label
    shown, relayout, idx = button.args
    assert shown == {"visible": True} and sorted(idx) == sorted(i for i, t in enumerate(fig.data) if t.legendgroup == "periphery")
    assert relayout["xaxis.range"][1] > 1.2


# -- names -----------------------------------------------------------------------------------------

def _names(fig: go.Figure) -> dict[str, go.layout.Annotation]:
    return {a.text.replace("<b>", "").replace("</b>", ""): a for a in fig.layout.annotations
            if (a.name or "").startswith("label-")}


def test_op_instigators_targets_and_the_most_active_are_named() -> None:
    n = 40
    rng = np.random.default_rng(0)
    roles = ["member"] * n
    roles[30], roles[31], roles[32] = "instigator", "target", "combatant"
    nodes = pl.DataFrame({"author": [f"user{i}" for i in range(n)], "community": [i % 2 for i in range(n)],
                          "n_comments": list(range(n, 0, -1)), "pagerank": rng.random(n).tolist(), "role": roles,
                          "roles": [[r] for r in roles]})
    edges = pl.DataFrame({"source": [f"user{i}" for i in range(n)], "target": [f"user{(i + 2) % n}" for i in range(n)],
                          "n_replies": [1] * n, "n_agree": [1] * n, "n_neutral": [0] * n, "n_disagree": [0] * n,
                          "n_hostile": [0] * n})
    fig = network_figure(nodes, edges, op=["user39"])
    names = _names(fig)
    assert "user39 (OP)" in names                                     # the original poster, marked
    assert {"user30", "user31", "user32"} <= set(names)              # every instigator, target, combatant
    assert {f"user{i}" for i in range(15)} <= set(names)             # the 15 most active
    assert names["user30"].font.color == names["user31"].font.color != names["user0"].font.color
    ring = {h.split("</b>")[0][3:]: w for t in fig.data if (t.legendgroup or "").startswith("f")
            for h, w in zip(t.hovertext, t.marker.line.width)}
    assert ring["user39"] > ring["user30"] > ring["user0"]           # OP ring, antagonist ring, plain
    assert "original poster" in next(h for t in fig.data if (t.legendgroup or "").startswith("f")
                                     for h in t.hovertext if h.startswith("<b>user39</b>"))


def _boxes(points: np.ndarray, offsets: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    c = points + offsets
    return np.column_stack([c - sizes / 2, c + sizes / 2])


def test_names_never_overlap_when_there_is_room() -> None:
    rng = np.random.default_rng(5)
    points = rng.uniform(0, 600, size=(40, 2))
    radii = rng.uniform(3, 12, size=40)
    sizes = np.column_stack([rng.uniform(30, 110, size=40), np.full(40, 16.0)])
    off = place_labels(points, radii, sizes, bounds=(-200, -200, 800, 800))
    boxes = _boxes(points, off, sizes)
    for i in range(40):
        for j in range(i + 1, 40):
            ox = min(boxes[i, 2], boxes[j, 2]) - max(boxes[i, 0], boxes[j, 0])
            oy = min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1])
            assert ox <= 1e-9 or oy <= 1e-9, (i, j)
        for k in range(40):  # and no name covers a dot
            nx = np.clip(points[k, 0], boxes[i, 0], boxes[i, 2])
            ny = np.clip(points[k, 1], boxes[i, 1], boxes[i, 3])
            assert math.hypot(nx - points[k, 0], ny - points[k, 1]) >= radii[k] - 1e-9, (i, k)


def test_names_in_the_figure_are_placed_apart() -> None:
    nodes, edges, _ = _planted(k=3, size=20)
    nodes = nodes.with_columns(n_comments=pl.int_range(60, 0, -1), pagerank=pl.int_range(0, 60) / 60)
    fig = network_figure(nodes, edges, seed=0)
    names = list(_names(fig).values())
    assert len(names) >= 15
    # in pixels at the nominal size: the boxes (width from the text length) do not overlap
    xr, yr = fig.layout.xaxis.range, fig.layout.yaxis.range
    scale = min((1230 - 310) / (xr[1] - xr[0]), (720 - 90) / (yr[1] - yr[0]))
    boxes = []
    for a in names:
        cx, cy = a.x * scale + a.ax, -a.y * scale + a.ay
        w, h = len(a.text) * 6.6 + 6, 16.0
        boxes.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    overlaps = sum(1 for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                   if min(boxes[i][2], boxes[j][2]) - max(boxes[i][0], boxes[j][0]) > 0.5
                   and min(boxes[i][3], boxes[j][3]) - max(boxes[i][1], boxes[j][1]) > 0.5)
    assert overlaps == 0


# -- hover, index, static --------------------------------------------------------------------------

def test_edge_hover_quotes_the_strongest_replies_escaped_and_short() -> None:
    nodes = pl.DataFrame({"author": ["ann", "bob"], "community": [0, 1]})
    edges = pl.DataFrame({"source": ["ann"], "target": ["bob"], "n_replies": [3], "n_agree": [0], "n_neutral": [1],
                          "n_disagree": [1], "n_hostile": [1], "weight_sum": [-1.3]})
    long = "You are <b>wrong</b> and 100%{x} " + "blah " * 60
    replies = pl.DataFrame({"author": ["ann"] * 3, "parent_author": ["bob"] * 3,
                            "text": ["Thanks for the link.", long, "I disagree, the numbers say otherwise."],
                            "label": ["neutral", "hostile", "disagree"], "weight": [0.05, -0.9, -0.4]})
    fig = network_figure(nodes, edges, replies=replies)
    hover = next(t.hovertext[0] for t in fig.data if t.legendgroup == "sign-1" and t.hoverinfo == "text")
    first, second = hover.split("<br>“")[1:3]
    assert first.startswith("You are &lt;b&gt;wrong&lt;/b&gt; and 100&#37;&#123;x&#125;") and "(hostile)" in first
    assert second.startswith("I disagree") and "Thanks for the link" not in hover
    assert len(first.replace("<br>", " ")) < 220 and "…" in first


def test_search_index_has_names_as_typed_and_every_tie() -> None:
    nodes = pl.DataFrame({"author": ["<b>ann</b>", "bob", "cy"], "community": [0, 0, 1]})
    edges = pl.DataFrame({"source": ["<b>ann</b>", "bob", "cy"], "target": ["bob", "cy", "cy"], "n_replies": [1, 2, 1],
                          "n_agree": [1, 0, 0], "n_neutral": [0, 0, 1], "n_disagree": [0, 2, 0], "n_hostile": [0, 0, 0]})
    view = network_view(nodes, edges)
    idx = view.index
    assert idx["names"] == ["<b>ann</b>", "bob", "cy"] and idx["labels"][0] == "&lt;b&gt;ann&lt;/b&gt;"
    assert sorted(zip(idx["s"], idx["t"], idx["tone"])) == [(0, 1, 1), (1, 2, -1)]   # the self-reply is no tie
    groups = {g for _, g in idx["nodeTraces"]}
    # cy is alone in faction 1: drawn with the authors in no faction, not as a faction of one
    assert groups == {"f0", f"f{ALONE_GROUP}"} and len(idx["labelAnnotations"]) == 3


def test_the_publication_figure_has_no_controls() -> None:
    nodes, edges, _ = _planted(k=2, size=15)
    nodes = nodes.with_columns(pagerank=pl.int_range(0, 30) / 30, n_comments=pl.int_range(30, 0, -1))
    interactive = network_figure(nodes, edges)
    static = network_figure(nodes, edges, static=True, width=1600, height=1000, title="T")
    assert interactive.layout.updatemenus and not static.layout.updatemenus
    assert not [t for t in static.data if t.hoverinfo == "text"]
    texts = [a.text for a in static.layout.annotations]
    assert "size nodes by" not in texts and static.layout.legend.title.text is None
    label = next(a for a in static.layout.annotations if (a.name or "").startswith("label-"))
    assert label.font.size >= 14 and static.layout.width == 1600


def test_authors_alone_in_their_faction_share_one_legend_entry() -> None:
    # two factions of two, and three authors each alone in a faction of their own (two anonymous)
    nodes = pl.DataFrame({"author": ["ann", "bob", "cy", "dee", "eve", "anonymous#t/1", "anonymous#t/2"],
                          "community": [0, 0, 1, 1, 2, 3, 4],
                          "anonymous": [False, False, False, False, False, True, True]})
    pairs = [("ann", "bob"), ("cy", "dee"), ("eve", "ann"), ("anonymous#t/1", "cy"), ("anonymous#t/2", "bob")]
    edges = pl.DataFrame({"source": [a for a, _ in pairs], "target": [b for _, b in pairs], "n_replies": [1] * 5,
                          "n_agree": [1, 1, 0, 0, 0], "n_neutral": [0] * 5, "n_disagree": [0] * 5,
                          "n_hostile": [0, 0, 1, 1, 1]})
    fig = network_view(nodes, edges).figure
    names = [t.name for t in fig.data if t.showlegend and t.legendgroup and t.legendgroup.startswith("f")]
    assert names == ["faction 0: ann, bob (2)", "faction 1: cy, dee (2)", "alone, in no faction (3)"]
    hovers = [h for t in fig.data if t.legendgroup == f"f{ALONE_GROUP}" and t.hovertext for h in t.hovertext]
    assert len(hovers) == 3 and all("alone, in no faction" in h and "faction 2" not in h for h in hovers)
