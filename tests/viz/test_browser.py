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
