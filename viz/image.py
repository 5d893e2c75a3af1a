"""Static PNG / SVG export of any figure, drawn by plotly.js in the local headless Chromium.

No kaleido and no browser download: the figure is plotted in a blank page (plotly.js inlined from the
installed plotly package, every network request refused) and ``Plotly.toImage`` hands back the
image. Needs the ``playwright`` package and a Chromium executable (``/usr/bin/chromium`` by default,
or the ``DISCOURSE_CHROMIUM`` environment variable).
"""

from __future__ import annotations

import base64
import os
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from plotly.graph_objects import Figure
from plotly.offline import get_plotlyjs

from discourse.errors import MissingDependency, OutputError
from discourse.io.write import write_bytes
from discourse.options import ImageFormat
from discourse.viz._html import figure_json

__all__ = ["ImageFormat", "figure_image", "write_image"]

_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


def _chromium(executable: str | None) -> str:
    path = executable or os.environ.get("DISCOURSE_CHROMIUM") or "/usr/bin/chromium"
    if not Path(path).is_file():
        raise OutputError(f"{path}: no Chromium executable here; static image export needs one "
                          "(install chromium or set DISCOURSE_CHROMIUM)")
    return path


def figure_image(
    fig: Figure,
    *,
    format: ImageFormat = "png",
    width: int = 1200,
    height: int = 800,
    scale: float = 1.0,
    executable: str | None = None,
) -> bytes:
    """Render ``fig`` to PNG or SVG bytes (``width`` x ``height`` CSS pixels, times ``scale`` for PNG)."""
    if format not in ("png", "svg"):
        raise OutputError(f"image format {format!r} is not supported; expected 'png' or 'svg'")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise MissingDependency("static image export", "playwright", extra="image") from err
    browser_path = _chromium(executable)
    page_html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<script>{get_plotlyjs()}</script></head><body><div id=\"fig\"></div>"
        f'<script type="application/json" id="data">{figure_json(fig)}</script></body></html>'
    )
    script = """async ([fmt, w, h, s]) => {
      const fig = JSON.parse(document.getElementById('data').textContent);
      const div = document.getElementById('fig');
      await Plotly.newPlot(div, fig.data, fig.layout, {staticPlot: true});
      return await Plotly.toImage(div, {format: fmt, width: w, height: h, scale: s});
    }"""
    def render() -> str:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=browser_path, args=_ARGS)
            try:
                page = browser.new_page()
                page.route("**/*", lambda route: route.abort())  # nothing leaves the machine
                page.set_content(page_html, wait_until="load")
                return str(page.evaluate(script, [format, width, height, scale]))
            finally:
                browser.close()

    # playwright's sync API refuses to run in a thread with an asyncio loop (Jupyter, or another
    # playwright session): a worker thread of its own always works
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            url = pool.submit(render).result()
    except PlaywrightError as err:
        raise OutputError(f"{browser_path}: could not render the figure as {format}: {err}") from err
    header, _, payload = url.partition(",")
    if ";base64" in header:
        return base64.b64decode(payload)
    return urllib.parse.unquote(payload).encode("utf-8")


def write_image(path: str | Path, fig: Figure, *, format: ImageFormat | None = None, **kwargs: object) -> Path:
    """Render ``fig`` and write it to ``path`` atomically; the format defaults to the file's suffix."""
    fmt = format or Path(path).suffix.lstrip(".").lower() or "png"
    return write_bytes(path, figure_image(fig, format=fmt, **kwargs))  # type: ignore[arg-type]
