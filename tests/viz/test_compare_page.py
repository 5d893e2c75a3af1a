"""Issue 21: compare.html shows names as typed (no double escaping) under network.html's content
policy (no 'unsafe-inline' script), in the page source and in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import discourse
from discourse.comparison import Comparison
from discourse.viz import report_html
from discourse.viz._html import page_blocks

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TITLE = 'He said "no" & <b>left</b> <img src=x onerror="window.__pwned=1">'
SITE = "it's a site"


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    d = tmp_path_factory.mktemp("cmp")
    rows = ["id,parent,author,text,title,site"]
    people = ["ann", "bob", "cy", 'dee "the" one', "eve"]
    for i in range(24):
        parent = "" if i % 6 == 0 else str(i - 1)
        rows.append(f'{i},{parent},"{people[i % 5].replace(chr(34), chr(34) * 2)}","'
                    f'{"No, you are wrong." if i % 2 else "Agreed, well said."}","{TITLE.replace(chr(34), chr(34) * 2)}",'
                    f'"{SITE}"')
    path = d / "quotes.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return discourse.compare([path], id_col="id", parent_col="parent", author_col="author", text_col="text",
                             title_col="title", site_col="site", scorer="fast", runs=1, bootstrap=0, null_models=0,
                             min_comments=1)


def _csp(page: str) -> str:
    m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert m, "no content policy"
    return m.group(1)


def test_compare_html_has_network_htmls_content_policy(comparison: Comparison) -> None:
    page = comparison.html()
    policy = _csp(page)
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'sha256-" in script_src
    network = report_html(nodes=comparison.threads[0].nodes, edges=comparison.threads[0].edges)
    shape = lambda p: re.sub(r"'sha256-[^']*'", "HASH", p)  # noqa: E731
    assert shape(policy) == shape(_csp(network))            # the same policy, hashes aside
    assert "connect-src 'none'" in policy


def test_compare_html_escapes_once(comparison: Comparison) -> None:
    page = comparison.html()
    # the table: HTML-escaped once
    assert "He said &quot;no&quot; &amp; &lt;b&gt;left&lt;/b&gt;" in page and "&amp;quot;" not in page
    # the figures: plotly's escaping (numeric entities it shows as the characters), never &quot;
    data = "".join(v for k, v in page_blocks(page).items() if k.startswith("plot-"))
    assert data and "&quot;" not in data and "&amp;quot;" not in data
    assert "&#34;no&#34;" in data and "it&#39;s a site" in data


@pytest.mark.browser
@pytest.mark.slow
def test_compare_html_in_chromium_shows_names_as_typed(comparison: Comparison, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    path = comparison.write(tmp_path / "cmp")[-1]
    assert path.name == "compare.html"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.goto(path.as_uri())
        page.wait_for_function("window.__discourseReady === true || window.__discourseErrors.length > 0",
                               timeout=60_000)
        try:
            assert page.evaluate("window.__discourseErrors") == []
            assert page.locator("div.plot .main-svg").count() >= 5          # every figure drawn
            ticks: list[Any] = page.eval_on_selector_all("#plot-stance .ytick text", "els => els.map(e => e.textContent)")
            label = f"{SITE}/quotes · {TITLE[:28]}…"
            assert label in ticks, ticks
            cell = page.eval_on_selector("table.metrics td:nth-child(3)", "e => e.textContent")
            assert cell == TITLE
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert page.eval_on_selector_all("img[src='x']", "els => els.length") == 0
            assert problems == []
        finally:
            browser.close()


# -- issue 17: many threads --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Comparison:
    d = tmp_path_factory.mktemp("many")
    rows = ["id,parent,author,text,thread"]
    texts = ["I agree, well said.", "No, you are wrong about that.", "What time is the meeting?",
             "You are an idiot and a liar."]
    for t in range(15):
        for i in range(10):
            parent = "" if i % 5 == 0 else f"{t}-{i - 1}"
            rows.append(f'{t}-{i},{parent},"p{(i + t) % 4}","{texts[(i * (t + 1)) % 4]}",thread{t:02d}')
    path = d / "many.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return discourse.compare([path], id_col="id", parent_col="parent", author_col="author", text_col="text",
                             thread_col="thread", scorer="fast", runs=1, bootstrap=0, null_models=0, min_comments=1)


def test_many_threads_get_a_table_with_sparklines_and_a_glossary(many: Comparison) -> None:
    from discourse.viz.compare import MANY_THREADS, figure_columns, figures_strip

    assert many.table.height == 15 > MANY_THREADS
    page = many.html()
    table = page.split('id="threads-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 16 and table.count("<polyline") == 15   # a sparkline per thread
    assert re.findall(r'<section id="([a-z]+)">', page) == ["networks", "stance", "figures", "escalation", "glossary"]
    glossary = page.split('<dl id="glossary-list">', 1)[1].split("</dl>", 1)[0]
    for col in figure_columns(many.table):
        assert f"<code>{col}</code>" in glossary, col
    # a figure no thread has says why, in the glossary and on its table cell
    assert "no thread has a value" in glossary and "each camp needs" in glossary
    assert 'title="each camp needs' in table
    # the strip plot does not grow with the number of threads
    doubled = pl.concat([many.table, many.table.with_columns(pl.col("thread_id") + "b")])
    assert figures_strip(doubled).layout.height == figures_strip(many.table).layout.height


def test_a_comparison_has_a_short_notebook_summary(many: Comparison) -> None:
    summary = many._repr_html_()
    assert summary.count("<tr>") == 13 and "and 3 more" in summary
    assert repr(many) == f"<Comparison: 15 thread(s), {len(many.table.columns)} columns>"
