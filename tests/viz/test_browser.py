"""The report in a real browser: loads cleanly, shows every node, hovers, and runs no injected code.

Drives Debian's headless Chromium (/usr/bin/chromium) through playwright; skipped when either is
missing. Screenshots go to tests/_artifacts/ (git-ignored).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from discourse.viz import report_html, write_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "_artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '<a href="javascript:window.__pwned=2">click me</a>',
    '<img src=x onerror="window.__pwned=3">',
    "<br><b>%{x}</b> %{customdata}",
    '<a href="https://evil.example/">evil link</a>',
]
T0 = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)


def _data() -> dict[str, Any]:
    """Nine plain commenters in two camps plus one commenter per payload; every name and text hostile."""
    plain = [f"user{i}" for i in range(9)]
    authors = plain + PAYLOADS
    nodes = pl.DataFrame({
        "author": authors,
        "community": [i % 2 for i in range(len(authors))],
        "n_comments": [1 + i % 4 for i in range(len(authors))],
        "pagerank": [0.02 + 0.01 * i for i in range(len(authors))],
    })
    src = [authors[i] for i in range(len(authors))]
    tgt = [authors[(i * 5 + 3) % len(authors)] for i in range(len(authors))]
    edges = pl.DataFrame({
        "source": src, "target": tgt, "n_replies": [1 + i % 3 for i in range(len(src))],
        "n_agree": [i % 2 for i in range(len(src))], "n_neutral": [0] * len(src),
        "n_disagree": [0] * len(src), "n_hostile": [(i + 1) % 2 for i in range(len(src))],
        "weight_sum": [0.5 if i % 2 else -0.7 for i in range(len(src))],
    }).filter(pl.col("source") != pl.col("target"))
    replies = pl.DataFrame({
        "thread_id": ["t"] * len(authors),
        "comment_id": [str(i) for i in range(len(authors))],
        "parent_id": [None] + [str(i // 2) for i in range(1, len(authors))],
        "author": authors,
        "text": [PAYLOADS[i % len(PAYLOADS)] + f" comment {i}" for i in range(len(authors))],
        "created_at": [T0 + dt.timedelta(minutes=7 * i) for i in range(len(authors))],
        "label": [("agree", "neutral", "disagree", "hostile")[i % 4] for i in range(len(authors))],
        "weight": [(0.6, 0.0, -0.4, -0.9)[i % 4] for i in range(len(authors))],
    })
    return {"nodes": nodes, "edges": edges, "replies": replies}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _open(browser: Any, path: Path) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error"
            else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith(("file:", "data:", "blob:"))
            else None)
    page.goto(path.as_uri())
    page.wait_for_function("window.__discourseReady === true || window.__discourseErrors.length > 0", timeout=60_000)
    assert page.evaluate("window.__discourseErrors") == []
    return page, problems


_POINT_JS = """([div, curve, idx]) => {
  const gd = document.getElementById(div), t = gd._fullData[curve];
  gd.scrollIntoView({block: 'start'});
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
  return [r.left + xa._offset + xa.l2p(t.x[idx]), r.top + ya._offset + ya.l2p(t.y[idx])];
}"""


def _node_points(page: Any) -> list[tuple[int, int]]:
    return page.evaluate("""() => {
      const gd = document.getElementById('plot-network'), out = [];
      gd._fullData.forEach((t, i) => { if ((t.legendgroup || '').startsWith('f')) {
        for (let j = 0; j < t.x.length; j++) out.push([i, j]); } });
      return out; }""")


@pytest.mark.parametrize("webgl", [False, True], ids=["svg", "webgl"])
def test_report_in_chromium(browser: Any, tmp_path: Path, webgl: bool) -> None:
    data = _data()
    path = write_report(tmp_path / "network.html", report_html(**data, metrics={"threads": 1},
                                                               title="<b>XSS</b> test", webgl=webgl))
    page, problems = _open(browser, path)
    try:
        # every commenter is a point of the network
        points = _node_points(page)
        assert len(points) == data["nodes"].height
        # hover every node: a tooltip appears, shows names as typed, and nothing runs or links
        seen = []
        for curve, idx in points:
            page.mouse.move(2, 2)
            page.wait_for_selector("#plot-network .hoverlayer .hovertext", state="detached", timeout=5_000)
            x, y = page.evaluate(_POINT_JS, ["plot-network", curve, idx])
            page.mouse.move(x, y)
            label = page.wait_for_selector("#plot-network .hoverlayer .hovertext", timeout=5_000)
            seen.append(label.text_content())
            assert page.eval_on_selector_all("#plot-network .hoverlayer a", "els => els.length") == 0
        for payload in PAYLOADS:
            assert any(text.startswith(payload) for text in seen), payload
        assert any("comment" in text for text in seen)  # comment snippets are in the node hover
        assert page.evaluate("typeof window.__pwned") == "undefined"
        links = page.eval_on_selector_all(
            "a", "els => els.filter(a => /javascript:|evil\\.example/.test(a.getAttribute('href') || '')).length")
        assert links == 0
        assert page.eval_on_selector_all("img[src='x']", "els => els.length") == 0
        assert page.locator("section").count() == 5
        ARTIFACTS.mkdir(exist_ok=True)
        page.mouse.move(5, 5)
        page.screenshot(path=str(ARTIFACTS / f"report_{'webgl' if webgl else 'svg'}.png"), full_page=True)
        assert problems == []
    finally:
        page.close()


def test_size_selector_and_legend_work(browser: Any, tmp_path: Path) -> None:
    path = write_report(tmp_path / "network.html", report_html(**_data(), title="selector"))
    page, problems = _open(browser, path)
    try:
        sizes_before = page.evaluate("""() => document.getElementById('plot-network')._fullData
            .filter(t => (t.legendgroup || '').startsWith('f')).map(t => Array.from(t.marker.size))""")
        page.click("#plot-network .updatemenu-header-group")
        page.click("#plot-network .updatemenu-dropdown-button-group >> text=n comments")
        page.wait_for_timeout(300)
        sizes_after = page.evaluate("""() => document.getElementById('plot-network')._fullData
            .filter(t => (t.legendgroup || '').startsWith('f')).map(t => Array.from(t.marker.size))""")
        assert sizes_before != sizes_after and [len(s) for s in sizes_before] == [len(s) for s in sizes_after]
        # clicking a legend entry hides that faction
        page.click("#plot-network .legend .traces >> nth=-1 >> .legendtoggle", force=True)
        page.wait_for_timeout(800)  # plotly waits out the double-click delay before toggling
        hidden = page.evaluate("""() => document.getElementById('plot-network').data
            .filter(t => t.visible === 'legendonly').length""")
        assert hidden == 1
        assert problems == []
    finally:
        page.close()


def test_static_image_export(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    import struct

    from discourse.viz import network_figure
    from discourse.viz.image import figure_image, write_image

    data = _data()
    fig = network_figure(data["nodes"], data["edges"])
    png = write_image(tmp_path / "net.png", fig, width=500, height=300, scale=2).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1000, 600)  # IHDR: width, height in pixels
    svg = figure_image(fig, format="svg", width=500, height=300).decode()
    assert svg.startswith("<svg")
    import xml.etree.ElementTree as ET

    elements = list(ET.fromstring(svg).iter())
    # names show only as text: no element is a script or a link, no attribute is a handler or an href
    assert not [e.tag for e in elements if e.tag.rsplit("}", 1)[-1] in ("script", "a", "foreignObject")]
    assert not [k for e in elements for k in e.attrib if k.lower().startswith("on") or k.endswith("href")]
    assert any((e.text or "").startswith("<script>window.__pwned=") for e in elements)  # a name, as typed


# -- issue 17: names, grey edges, hover quotes, search, isolation, caveats ----------------------------

@pytest.fixture(scope="module")
def sample_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    import discourse

    result = discourse.build(Path(__file__).resolve().parents[2] / "sample_data" / "main_street.csv", scorer="fast",
                             runs=1)
    path = write_report(tmp_path_factory.mktemp("issue17") / "network.html", result.report_html())
    return path, result


def _ready(browser: Any, path: Path) -> tuple[Any, list[str]]:
    page, problems = _open(browser, path)
    page.wait_for_function("window.__discourseTools === true", timeout=30_000)
    return page, problems


def test_names_grey_edges_and_caveats_in_chromium(browser: Any, sample_page: tuple[Path, Any]) -> None:
    path, result = sample_page
    page, problems = _ready(browser, path)
    try:
        names = page.eval_on_selector_all("#plot-network .annotation-text", "els => els.map(e => e.textContent)")
        anonymous = set(result.nodes.filter(pl.col("anonymous"))["author"].to_list())
        assert anonymous and not anonymous & set(names)     # the sample's deleted commenters are never named
        nodes = result.nodes.filter(~pl.col("anonymous"))
        wanted = set(nodes.sort(["n_comments", "author"], descending=[True, False]).head(15)["author"].to_list())
        wanted |= set(nodes.filter(pl.col("roles").list.contains("instigator") | pl.col("roles").list.contains("target"))
                      ["author"].to_list())
        assert wanted <= set(names), wanted - set(names)
        # neutral pairs are drawn, in grey, and listed in the legend
        grey = page.evaluate("""() => document.getElementById('plot-network')._fullData
            .filter(t => t.legendgroup === 'sign0' && t.mode === 'lines' && t.visible === true)
            .map(t => t.line.color)""")
        neutral_pairs = result.edges.filter((pl.col("n_agree") == 0) & (pl.col("n_disagree") == 0)
                                            & (pl.col("n_hostile") == 0) & (pl.col("source") != pl.col("target")))
        assert neutral_pairs.height and grey and set(grey) == {"#8c8c8c"}
        legend = page.eval_on_selector_all("#plot-network .legendtext", "els => els.map(e => e.textContent)")
        assert any(t.startswith("neutral (") for t in legend)
        # the caveats come first, the settings folded away
        header = page.text_content("header")
        for text in ("coverage:", "reply structure:", "language:", "factions:", "stance:", "key figure"):
            assert text in header, text
        assert header.index("coverage:") < header.index("method, seed and settings")
        assert page.evaluate("document.querySelector('header details').open") is False
        assert problems == []
    finally:
        page.close()


def test_edge_hover_quotes_what_the_pair_said(browser: Any, sample_page: tuple[Path, Any]) -> None:
    path, _ = sample_page
    page, problems = _ready(browser, path)
    try:
        curve = page.evaluate("""() => document.getElementById('plot-network')._fullData
            .findIndex(t => t.legendgroup === 'sign-1' && t.hoverinfo === 'text')""")
        assert curve >= 0
        page.mouse.move(2, 2)
        x, y = page.evaluate(_POINT_JS, ["plot-network", curve, 0])
        page.mouse.move(x, y)
        label = page.wait_for_selector("#plot-network .hoverlayer .hovertext", timeout=5_000)
        text = label.text_content()
        assert "→" in text and "tone: disagreement / hostility" in text and "“" in text
        assert "(hostile)" in text or "(disagree)" in text
        assert problems == []
    finally:
        page.close()


def test_search_highlights_a_commenters_neighbourhood(browser: Any, sample_page: tuple[Path, Any]) -> None:
    path, result = sample_page
    page, problems = _ready(browser, path)
    try:
        who = "gary54"
        e = result.edges.filter(pl.col("source") != pl.col("target"))
        others = set(e.filter(pl.col("source") == who)["target"]) | set(e.filter(pl.col("target") == who)["source"])
        traces_before = page.evaluate("document.getElementById('plot-network').data.length")
        page.fill("#network-search", "GARY")   # a part of the name, any case
        page.press("#network-search", "Enter")
        page.wait_for_function("window.__discourseHighlight && window.__discourseHighlight.points > 0", timeout=10_000)
        found = page.evaluate("window.__discourseHighlight")
        assert found["points"] == 1 + len(others)
        assert page.text_content("#network-status").startswith(f"{who}: {len(others)} people")
        overlay = page.evaluate("""() => { const d = document.getElementById('plot-network').data;
            return d[d.length - 1].text; }""")
        assert sorted(overlay) == sorted([who, *others])
        page.click("#network-clear")
        page.wait_for_function(f"document.getElementById('plot-network').data.length === {traces_before}", timeout=10_000)
        page.fill("#network-search", "nobody-by-this-name")
        page.press("#network-search", "Enter")
        assert "No commenter matches" in page.text_content("#network-status")
        assert problems == []
    finally:
        page.close()


def test_clicking_a_faction_in_the_legend_isolates_it(browser: Any, sample_page: tuple[Path, Any]) -> None:
    path, _ = sample_page
    page, problems = _ready(browser, path)
    try:
        entry = page.locator("#plot-network .legend .traces", has_text="faction 0")
        entry.locator(".legendtoggle").click(force=True)
        page.wait_for_function("window.__discourseIsolated && window.__discourseIsolated.group === 'f0'", timeout=10_000)
        vis = page.evaluate("""() => document.getElementById('plot-network').data
            .filter(t => /^f[0-9]+$/.test(t.legendgroup || '')).map(t => [t.legendgroup, t.visible])""")
        assert [v for g, v in vis if g == "f0"] == [True]
        assert all(v == "legendonly" for g, v in vis if g != "f0")
        assert page.text_content("#network-status").startswith("One faction shown")
        page.wait_for_timeout(400)
        entry.locator(".legendtoggle").click(force=True)   # again: every faction back
        page.wait_for_function("window.__discourseIsolated === null", timeout=10_000)
        vis = page.evaluate("""() => document.getElementById('plot-network').data
            .filter(t => /^f[0-9]+$/.test(t.legendgroup || '')).map(t => t.visible)""")
        assert all(v is True for v in vis)
        assert problems == []
    finally:
        page.close()


def test_the_singletons_button_shows_the_periphery(browser: Any, tmp_path: Path) -> None:
    data = _data()
    nodes = data["nodes"].with_columns(community=pl.when(pl.col("author") == "user8").then(99)
                                       .otherwise(pl.col("community")))
    nodes = pl.concat([nodes, pl.DataFrame({"author": ["quiet"], "community": [100], "n_comments": [1],
                                            "pagerank": [0.001]})], how="diagonal_relaxed")
    nodes = nodes.with_columns(n_comments=pl.when(pl.col("author").is_in(["user8", "quiet"])).then(0)
                               .otherwise(pl.col("n_comments") + 5), pagerank=pl.when(pl.col("author").is_in(
                                   ["user8", "quiet"])).then(0.0).otherwise(pl.col("pagerank")))
    # 15 others outrank the two: user8 (a singleton faction) and quiet (no tie) wait outside the view
    extra = pl.DataFrame({"author": [f"x{i}" for i in range(12)], "community": [i % 2 for i in range(12)],
                          "n_comments": [9] * 12, "pagerank": [0.5] * 12})
    nodes = pl.concat([nodes, extra], how="diagonal_relaxed")
    path = write_report(tmp_path / "network.html", report_html(nodes=nodes, edges=data["edges"], title="periphery"))
    page, problems = _ready(browser, path)
    try:
        hidden = page.evaluate("""() => document.getElementById('plot-network').data
            .filter(t => t.legendgroup === 'periphery').map(t => t.visible)""")
        assert hidden and all(v is False for v in hidden)
        page.click("#plot-network .updatemenu-button >> text=/singleton/")
        page.wait_for_function("""() => document.getElementById('plot-network').data
            .filter(t => t.legendgroup === 'periphery').every(t => t.visible === true)""", timeout=10_000)
        assert page.evaluate("document.getElementById('plot-network').layout.xaxis.range[1]") > 1.2
        assert problems == []
    finally:
        page.close()
