"""Issue 17: results in Jupyter. A notebook is executed by a real kernel (nbclient), converted with
nbconvert, and the HTML it gives is opened in Chromium: the network figure must be drawn there."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def executed() -> object:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import discourse\n"
                                  "r = discourse.build('sample_data/main_street.csv', scorer='fast', runs=1)\nr"),
        nbformat.v4.new_code_cell("r.figure()"),
    ]
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    return nb


def test_a_result_shows_a_short_summary(executed: object) -> None:
    out = executed.cells[0].outputs[0]  # type: ignore[attr-defined]
    summary = out["data"]["text/html"]
    assert "coverage" in summary and "factions" in summary
    assert summary.count("\n") < 40 and len(summary) < 8_000
    assert out["data"]["text/plain"].startswith("<BuildResult: 64 comments")


def test_a_figure_carries_a_self_contained_html_output(executed: object) -> None:
    data = executed.cells[1].outputs[0]["data"]  # type: ignore[attr-defined]
    assert "application/vnd.plotly.v1+json" in data
    html = data["text/html"]
    assert 'class="discourse-figure"' in html and "Plotly.newPlot" in html and "-js\">" in html


def test_the_figure_survives_nbconvert_and_draws_in_a_browser(executed: object, tmp_path: Path) -> None:
    nbconvert = pytest.importorskip("nbconvert")
    body, _ = nbconvert.HTMLExporter().from_notebook_node(executed)
    assert 'class="discourse-figure"' in body
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    path = tmp_path / "notebook.html"
    path.write_text(body, encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
            page.goto(path.as_uri())
            page.wait_for_selector(".discourse-figure .main-svg", timeout=60_000)
            drawn = page.evaluate("""() => { const gd = document.querySelector('.discourse-figure');
                return gd._fullData.filter(t => (t.legendgroup || '').startsWith('f')).reduce((n, t) => n + t.x.length, 0); }""")
            assert drawn >= 9  # the commenters in factions
            names = page.eval_on_selector_all(".discourse-figure .annotation-text", "els => els.map(e => e.textContent)")
            assert "gary54" in names
        finally:
            browser.close()
