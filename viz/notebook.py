"""Figures and results in Jupyter: outputs that draw themselves, in the notebook and after nbconvert.

plotly's default notebook renderer writes only plotly's own mimetype, which JupyterLab draws through an
extension and nbconvert drops: an executed notebook converted to HTML showed an empty figure.
:class:`NotebookFigure` (what ``BuildResult.figure()`` returns) is an ordinary plotly Figure whose
display carries both that mimetype and a self-contained ``text/html`` output: a div, the figure's
JSON and plotly.js embedded gzip-compressed (about 1.8 MB), decoded and checked (SHA-256) by a small
loader the first time, and shared by every later figure on the page.
"""

from __future__ import annotations

import html
import itertools
import json
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from discourse.viz._html import _B85_JS, _plotly_blob, figure_json

__all__ = ["NotebookFigure", "figure_html"]

_COUNTER = itertools.count()

_LOADER = r"""
(function () {
  var SHA = '%(sha)s', ALPHA = '%(b85)s', target = '%(div)s';
  function b85(text) {
    var LUT = new Uint8Array(128), a, n = text.length, full = Math.floor(n / 5), rest = n %% 5;
    for (a = 0; a < ALPHA.length; a++) { LUT[ALPHA.charCodeAt(a)] = a; }
    var out = new Uint8Array(full * 4 + (rest ? rest - 1 : 0)), o = 0, i = 0, k, v;
    for (k = 0; k < full; k++, i += 5) {
      v = (((LUT[text.charCodeAt(i)] * 85 + LUT[text.charCodeAt(i + 1)]) * 85 + LUT[text.charCodeAt(i + 2)]) * 85
           + LUT[text.charCodeAt(i + 3)]) * 85 + LUT[text.charCodeAt(i + 4)];
      out[o++] = (v >>> 24) & 255; out[o++] = (v >>> 16) & 255; out[o++] = (v >>> 8) & 255; out[o++] = v & 255;
    }
    if (rest) {
      v = 0; for (k = 0; k < 5; k++) { v = v * 85 + (k < rest ? LUT[text.charCodeAt(i + k)] : 84); }
      for (k = 0; k < rest - 1; k++) { out[o++] = (v >>> (24 - 8 * k)) & 255; }
    }
    return out;
  }
  function gunzip(bytes) {
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
  }
  if (!window.__discoursePlotly) {
    window.__discoursePlotly = window.Plotly ? Promise.resolve(window.Plotly) :
      gunzip(b85(document.getElementById(target + '-js').textContent)).then(function (buf) {
        var check = (window.crypto && window.crypto.subtle) ? window.crypto.subtle.digest('SHA-256', buf).then(function (d) {
          return Array.prototype.map.call(new Uint8Array(d), function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
        }) : Promise.resolve(SHA);
        return check.then(function (digest) {
          if (digest !== SHA) { throw new Error('plotly.js does not match its checksum'); }
          (0, eval)(new TextDecoder().decode(buf));
          return window.Plotly;
        });
      });
  }
  window.__discoursePlotly.then(function (Plotly) {
    var fig = JSON.parse(document.getElementById(target + '-data').textContent);
    return Plotly.newPlot(target, fig.data, fig.layout, {responsive: true, displaylogo: false});
  }).catch(function (err) {
    var div = document.getElementById(target);
    if (div) { div.textContent = 'The figure could not be drawn: ' + err; }
  });
})();
"""


def figure_html(fig: go.Figure, *, div_id: str | None = None) -> str:
    """A self-contained HTML fragment that draws ``fig`` wherever scripts run (Jupyter, nbconvert's
    HTML): plotly.js travels compressed inside it and is loaded once per page."""
    div = div_id or f"discourse-fig-{next(_COUNTER)}"
    blob, sha = _plotly_blob()
    height = fig.layout.height or 520
    loader = _LOADER % {"sha": sha, "b85": _B85_JS, "div": div}
    return (f'<div id="{html.escape(div)}" class="discourse-figure" style="width:100%;height:{int(height)}px"></div>'
            f'<script type="application/octet-stream" id="{html.escape(div)}-js">{blob}</script>'
            f'<script type="application/json" id="{html.escape(div)}-data">{figure_json(fig)}</script>'
            f"<script>{loader}</script>")


class NotebookFigure(go.Figure):
    """A plotly Figure that displays itself in Jupyter with a self-contained HTML output (kept by
    nbconvert) and plotly's own mimetype (drawn natively where JupyterLab's plotly extension runs)."""

    def _repr_html_(self) -> str:
        return figure_html(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, validate: bool = True,
                          **kwargs: Any) -> dict[str, Any]:
        meta = (self.layout.meta or {}).get("discourse", {}) if isinstance(self.layout.meta, dict) else {}
        summary = (f"network figure: {meta.get('nodes', '?')} commenters, {meta.get('edges_drawn', '?')} reply pairs "
                   "drawn" if meta else "plotly figure")
        return {
            "text/html": figure_html(self),
            "application/vnd.plotly.v1+json": {**json.loads(pio.to_json(self, validate=False)),
                                               "config": {"responsive": True, "displaylogo": False}},
            "text/plain": f"<{summary}>",
        }

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
