"""Thread tree, escalation timeline, distributions and the report page."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import polars as pl
import pytest
from plotly.offline import get_plotlyjs, get_plotlyjs_version

from discourse.errors import AnalysisError
from discourse.viz import (
    distributions_figure,
    report_html,
    timeline_figure,
    tree_figure,
    tree_positions,
    write_report,
)
from discourse.viz._html import page_blocks
from discourse.viz.timeline import choose_interval

T0 = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
PWN = '<img src=x onerror="window.__pwned=1">'


def _replies() -> pl.DataFrame:
    # thread t1:   1 (top)  -> 2 -> 3 ;  1 -> 4 ;  5 (top)       thread t2: 6 (top)
    return pl.DataFrame({
        "thread_id": ["t1", "t1", "t1", "t1", "t1", "t2"],
        "comment_id": ["1", "2", "3", "4", "5", "6"],
        "parent_id": [None, "1", "2", "1", None, None],
        "author": ["ann", "bob", "ann", "cy", PWN, "dee"],
        "text": ["first", "reply <b>", "back", "other", "late %{x}", "alone"],
        "created_at": [T0 + dt.timedelta(minutes=m) for m in (0, 10, 20, 30, 70, 80)],
        "position": [0, 1, 2, 3, 4, 0],
        "label": ["neutral", "agree", "hostile", "disagree", "hostile", "neutral"],
        "weight": [0.0, 0.6, -0.9, -0.3, -0.8, 0.0],
    })


def test_tree_positions_depth_first() -> None:
    pos = tree_positions(_replies().filter(pl.col("thread_id") == "t1"))
    assert pos["comment_id"].to_list() == ["1", "2", "3", "4", "5"]
    assert pos["depth"].to_list() == [1, 2, 3, 2, 1]
    assert pos["order"].to_list() == [0, 1, 2, 3, 4]


def test_tree_positions_siblings_by_position_and_cycles() -> None:
    frame = pl.DataFrame({"comment_id": ["a", "b", "c", "x", "y"], "parent_id": [None, "a", "a", "y", "x"],
                          "position": [0, 2, 1, 3, 4]})
    pos = tree_positions(frame)
    # c (position 1) is read before b (position 2); x and y reply to each other: x is lifted to the top
    assert pos["comment_id"].to_list() == ["a", "c", "b", "x", "y"]
    assert pos["depth"].to_list() == [1, 2, 2, 1, 2]


def test_tree_figure_picks_the_busiest_thread_and_colours_by_label() -> None:
    fig = tree_figure(_replies())
    by_label = {t.name: len(t.x) for t in fig.data if t.mode == "markers" and t.name != "the post"}
    assert by_label == {"agree": 1, "neutral": 1, "disagree": 1, "hostile": 2}
    assert fig.layout.title.text == "thread t1: 5 comments"
    hover = [h for t in fig.data if t.hovertext for h in t.hovertext]
    assert not any("<img" in h or "<b>reply <b>" in h or "%{" in h for h in hover)
    assert tree_figure(_replies(), thread_id="t1", max_comments=2).layout.title.text == (
        "thread t1: 5 comments, showing the first 2")
    with pytest.raises(AnalysisError, match="no comments in thread 'nope'"):
        tree_figure(_replies(), thread_id="nope")


def test_timeline_shares_per_bin() -> None:
    replies = _replies().with_columns(
        pl.when(pl.col("comment_id") == "6").then(None).otherwise(pl.col("created_at")).alias("created_at"))
    fig = timeline_figure(replies, every="1h", min_replies=1)
    hostile = next(t for t in fig.data if t.name == "hostile share")
    # 12:00-13:00 holds 1..4 (one hostile of four); 13:00-14:00 holds 5 (hostile); 6 has no timestamp
    assert list(hostile.y) == [0.25, 1.0]
    bars = next(t for t in fig.data if t.name == "replies")
    assert list(bars.y) == [4, 1]
    assert fig.layout.title.text == "bins of 1h; 1 reply without timestamp or label left out"


def test_timeline_hides_shares_of_sparse_bins() -> None:
    fig = timeline_figure(_replies(), every="1h", min_replies=2)
    hostile = next(t for t in fig.data if t.name == "hostile share")
    # 13:00-14:00 holds 5 (hostile) and 6 (neutral): 2 replies, kept; 12:00-13:00 holds four
    assert list(hostile.y) == [0.25, 0.5]
    fig = timeline_figure(_replies(), every="1h", min_replies=3)
    hostile = next(t for t in fig.data if t.name == "hostile share")
    assert list(hostile.y) == [0.25, None]
    assert fig.layout.title.text == "bins of 1h; shares hidden in 1 bin(s) with fewer than 3 replies"


def test_choose_interval() -> None:
    assert choose_interval(dt.timedelta(hours=2)) == "5m"     # 120 min / 5 = 24 bins <= 40
    assert choose_interval(dt.timedelta(days=30)) == "1d"
    assert choose_interval(dt.timedelta(days=10_000)) == "1y"


def test_distributions_counts() -> None:
    edges = pl.DataFrame({"source": ["a", "a", "b", "c"], "target": ["b", "c", "a", "c"]})
    fig = distributions_figure(replies=_replies(), edges=edges)
    bars = fig.data[0]
    assert list(bars.x) == ["agree", "neutral", "disagree", "hostile"] and list(bars.y) == [1, 2, 1, 2]
    degree = {t.name: dict(zip(t.x, t.y)) for t in fig.data if t.name}
    # out-degree: a 2, b 1 (c's self-loop ignored); in-degree: b 1, c 1, a 1 -> three authors with 1
    assert degree["out-degree"] == {1: 1, 2: 1}
    assert degree["in-degree"] == {1: 3}


def _report(**kw: object) -> str:
    nodes = pl.DataFrame({"author": ["ann", "bob", "cy", "dee", PWN], "community": [0, 0, 1, 1, 1],
                          "n_comments": [2, 1, 1, 1, 1]})
    edges = pl.DataFrame({"source": ["bob", "ann", "cy", PWN], "target": ["ann", "bob", "ann", "ann"],
                          "n_replies": [1, 1, 1, 1], "weight_sum": [0.6, -0.9, -0.3, -0.8]})
    return report_html(nodes=nodes, edges=edges, replies=_replies(), comments=None,
                       metrics={"modularity": 0.4, "method": "<script>x</script>", "nested": {"a": 1}},
                       title="<i>My</i> thread", **kw)


def test_report_is_offline_escaped_and_locked_down() -> None:
    page = _report()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    executable = [body for attrs, body in scripts if "type=" not in attrs]
    assert len(executable) == 1  # our boot script, nothing else runs by itself
    assert all('type="application/octet-stream"' in attrs for attrs, _ in scripts if "type=" in attrs)
    assert "https://" not in "".join(attrs for attrs, _ in scripts)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    digest = base64.b64encode(hashlib.sha256(executable[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp and csp.count("'sha256-") == 1
    assert "connect-src 'none'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    # plotly.js travels compressed; the boot script runs it only when its SHA-256 is the one written in
    blocks = page_blocks(page)
    js = blocks["plotly-js"]
    assert f"plotly.js v{get_plotlyjs_version()}" in js[:200] and js == get_plotlyjs()
    assert f"'{hashlib.sha256(js.encode()).hexdigest()}'" in executable[0]
    assert "<title>&lt;i&gt;My&lt;/i&gt; thread</title>" in page
    assert "<td>&lt;script&gt;x&lt;/script&gt;</td>" in page and "<td>nested</td>" not in page
    assert PWN not in page and "<script>x" not in page
    # the payload reaches the figure data only as escaped text (and the data only compressed)
    data = blocks["plot-network"]
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in data and PWN not in data
    index = json.loads(blocks["network-index"])  # names as typed: the page's script only sets them as text
    assert PWN in index["names"] and "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in index["labels"]
    sections = re.findall(r'<section id="([a-z]+)">', page)
    assert sections == ["network", "factions", "thread", "timeline", "distributions"]


def test_report_cdn_is_small_and_names_the_version() -> None:
    page = _report(cdn=True)
    assert f'<script src="https://cdn.plot.ly/plotly-{get_plotlyjs_version()}.min.js"' in page
    assert len(page) < 300_000 < len(_report())


def test_report_is_deterministic_and_written_atomically(tmp_path: Path) -> None:
    page = _report(seed=5)
    assert page == _report(seed=5)
    target = write_report(tmp_path / "out" / "network.html", page)
    assert target.read_text(encoding="utf-8") == page
    assert [p.name for p in target.parent.iterdir()] == ["network.html"]


def test_weight_histogram_is_binned_before_it_reaches_the_page():
    import polars as pl

    from discourse.viz import distributions_figure

    replies = pl.DataFrame({"label": ["agree", "hostile", "neutral", "neutral", "disagree"],
                            "weight": [1.0, -1.0, 0.0, 0.04, -0.5]})
    fig = distributions_figure(replies=replies)
    bars = [t for t in fig.data if t.type == "bar" and len(t.x) == 20]
    assert len(bars) == 1
    counts = dict(zip(bars[0].x, bars[0].y))
    # 20 bins of 0.1 over [-1, 1]: -1.0 in the first, 1.0 in the last, 0.0 and 0.04 in [0, 0.1), -0.5 in [-0.5, -0.4)
    assert counts[-0.95] == 1 and counts[0.95] == 1 and counts[0.05] == 2 and counts[-0.45] == 1
    assert sum(bars[0].y) == 5
