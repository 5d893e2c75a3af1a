"""Assembling figures into one HTML page that needs no network and runs no injected script.

* plotly.js is inlined from the installed plotly package (``cdn=False``) or loaded from the plotly
  CDN at the exact version of the installed package (``cdn=True``, a small file).
* Figure JSON goes inside ``<script type="application/json">`` blocks with ``<``, ``>`` and ``/``
  written as ``\\uXXXX`` escapes (but for five fixed tags of our own), so no data can close the element.
* A Content-Security-Policy allows only the page's own scripts, by their SHA-256 hashes: an inline
  event handler (``<img onerror=...>``) that somehow reached the DOM would still not run, and
  ``connect-src 'none'`` forbids network access from the page. ``'unsafe-eval'`` stays because
  plotly's WebGL layer compiles its shaders' drawing code at run time.
* If the viewer's browser has no WebGL, WebGL traces are switched to SVG before plotting.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import dataclass

import plotly.io as pio
from plotly.graph_objects import Figure
from plotly.offline import get_plotlyjs, get_plotlyjs_version

__all__ = ["CDN_URL", "Section", "figure_json", "render_page"]

CDN_URL = f"https://cdn.plot.ly/plotly-{get_plotlyjs_version()}.min.js"
_CONFIG = {"responsive": True, "displaylogo": False, "scrollZoom": True,
           "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


@dataclass(frozen=True)
class Section:
    """One part of the page: a heading, explanatory HTML (trusted: written by us), an optional figure."""

    id: str
    heading: str
    intro_html: str = ""
    figure: Figure | None = None


# The few tags our own hover labels use; in JSON they are written back as plain text (a third of the
# hover bytes), which is safe: none of them can end a script element or open a comment.
_TAG_ESCAPES = {"b": "\\u003cb\\u003e", "/b": "\\u003c\\u002fb\\u003e", "i": "\\u003ci\\u003e",
                "/i": "\\u003c\\u002fi\\u003e", "br": "\\u003cbr\\u003e"}


def figure_json(fig: Figure) -> str:
    """The figure as JSON safe to place inside a ``<script>`` element.

    Every ``<``, ``>`` and ``/`` is a ``\\uXXXX`` escape except in the five tags of :data:`_TAG_ESCAPES`,
    so no text from the data can close the element or start ``<!--``.

    Only plain ``str.replace`` passes (a regular expression over a 40 MB figure took seconds): an
    escaped backslash ``\\\\`` is first rewritten as its equivalent ``\\u005c``, so afterwards every
    backslash in the text starts an escape, and an escaped tag cannot be the tail of a literal
    backslash from the data followed by the letters ``u003c``.
    """
    text = pio.to_json(fig, validate=False)
    for old, new in (("\\\\", "\\u005c"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                     ("\u2029", "\\u2029")):
        text = text.replace(old, new)
    for tag, escaped in _TAG_ESCAPES.items():
        text = text.replace(escaped, "<" + tag + ">")
    return text


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


_BOOT = """
(function () {
  function hasWebGL() {
    try { var c = document.createElement('canvas');
          return !!(c.getContext('webgl') || c.getContext('experimental-webgl')); }
    catch (e) { return false; }
  }
  var gl = hasWebGL();
  var config = %(config)s;
  var blocks = Array.prototype.slice.call(document.querySelectorAll('script.figure-data'));
  window.__discourseReady = false;        // every figure drawn
  window.__discourseInteractive = false;  // the first figure (the network) drawn and answering
  window.__discourseErrors = [];
  window.__discourseTimings = {boot: Math.round(performance.now())};
  function plot(block) {
    var t = performance.now();
    var fig = JSON.parse(block.textContent);
    window.__discourseTimings['parse-' + block.getAttribute('data-target')] = Math.round(performance.now() - t);
    if (!gl) { fig.data.forEach(function (t) { if (t.type === 'scattergl') { t.type = 'scatter'; } }); }
    var div = document.getElementById(block.getAttribute('data-target'));
    var t0 = performance.now();
    return Plotly.newPlot(div, fig.data, fig.layout, config).then(function () {
      window.__discourseTimings[div.id] = Math.round(performance.now() - t0);
    });
  }
  // The first figure is drawn at once; each further one after the browser has had a turn to paint and
  // answer input, so the network is usable while the rest of the page is still being drawn.
  function next(i) {
    if (i >= blocks.length) { window.__discourseReady = true; return; }
    plot(blocks[i]).then(function () {
      if (i === 0) {
        window.__discourseTimings.interactive = Math.round(performance.now());
        window.__discourseInteractive = true;
      }
      setTimeout(function () { next(i + 1); }, 0);
    }, function (err) { window.__discourseErrors.push(String(err)); });
  }
  next(0);
})();
"""

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #222;
       background: #fafafa; line-height: 1.45; }
header, section { max-width: 1280px; margin: 0 auto; padding: 0.5rem 1.5rem; }
header h1 { margin: 1rem 0 0.3rem; font-size: 1.6rem; }
section { background: #fff; margin-top: 1rem; border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { font-size: 1.2rem; margin: 0.8rem 0 0.3rem; }
p.note { color: #555; margin: 0.3rem 0; }
table.metrics { border-collapse: collapse; font-size: 0.9rem; margin: 0.4rem 0 0.8rem; }
table.metrics td { padding: 2px 14px 2px 0; border-bottom: 1px solid #eee; }
table.metrics td:first-child { color: #555; }
.key span { display: inline-block; margin-right: 1.2rem; }
.swatch { display: inline-block; width: 18px; height: 4px; vertical-align: middle; margin-right: 4px; }
.plot { width: 100%; }
footer { max-width: 1280px; margin: 1rem auto; padding: 0 1.5rem; color: #777; font-size: 0.85rem; }
"""


def render_page(*, title: str, header_html: str, sections: list[Section], cdn: bool = False,
                footer_html: str = "") -> str:
    """One HTML document holding every section; ``title`` is escaped here, the ``*_html`` parts are
    trusted markup built by this package (with any data already escaped)."""
    body: list[str] = []
    data_blocks: list[str] = []
    for sec in sections:
        body.append(f'<section id="{html.escape(sec.id)}">\n<h2>{html.escape(sec.heading)}</h2>\n{sec.intro_html}')
        if sec.figure is not None:
            div = f"plot-{sec.id}"
            body.append(f'<div id="{html.escape(div)}" class="plot"></div>')
            data_blocks.append(
                f'<script type="application/json" class="figure-data" data-target="{html.escape(div)}">'
                f"{figure_json(sec.figure)}</script>"
            )
        body.append("</section>")
    boot = _BOOT % {"config": json.dumps(_CONFIG)}
    script_hashes = [_sha256(boot)]
    if cdn:
        plotly_tag = f'<script src="{CDN_URL}" charset="utf-8"></script>'
        script_src = f"{' '.join(script_hashes)} https://cdn.plot.ly"
    else:
        js = get_plotlyjs()
        script_hashes.append(_sha256(js))
        plotly_tag = f'<script type="text/javascript">{js}</script>'
        script_src = " ".join(script_hashes)
    csp = (f"default-src 'none'; script-src {script_src} 'unsafe-eval'; style-src 'unsafe-inline'; "
           "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style>",
        plotly_tag,
        "</head>",
        "<body>",
        f"<header><h1>{html.escape(title)}</h1>{header_html}</header>",
        *body,
        f"<footer>{footer_html}</footer>",
        *data_blocks,
        f"<script>{boot}</script>",
        "</body>",
        "</html>",
        "",
    ])
