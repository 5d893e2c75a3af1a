"""Assembling figures into one HTML page that needs no network and runs no injected script.

* plotly.js is embedded gzip-compressed (``cdn=False``: 1.8 MB instead of 4.8 MB) or loaded from the
  plotly CDN at the exact version of the installed package (``cdn=True``, a small file). The page's
  own loader decodes it (base85, then the browser's ``DecompressionStream``), checks its SHA-256
  against the digest written into the loader, and only then runs it: a block of the same id that
  somehow reached the page could not run, so the content policy's guarantee (only our code runs)
  holds although plotly.js itself is no longer an inline script.
* Figure data (and the network's search index) go inside ``<script type="application/octet-stream">``
  blocks, gzip-compressed and base64-encoded (plotly.js: base85 with an alphabet without ``<``, a fifth
  smaller): no data can close the element, and the big hover texts of a large network shrink about
  five times.
* A Content-Security-Policy allows only the page's own scripts, by their SHA-256 hashes: an inline
  event handler (``<img onerror=...>``) that somehow reached the DOM would still not run, and
  ``connect-src 'none'`` forbids network access from the page. ``'unsafe-eval'`` stays because
  plotly's WebGL layer compiles its shaders' drawing code at run time (and the loader runs the
  checked plotly.js with it).
* If the viewer's browser has no WebGL, WebGL traces are switched to SVG before plotting.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import html
import json
import re
from dataclasses import dataclass
from typing import Any

import plotly.io as pio
from plotly.graph_objects import Figure
from plotly.offline import get_plotlyjs, get_plotlyjs_version

__all__ = ["CDN_URL", "Section", "decode_block", "encode_block", "figure_json", "page_blocks", "render_page"]

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


# base85 (RFC 1924's alphabet) with "." for "<": no "</script" and no "<!--" can appear in a block
_B85_FROM, _B85_TO = "<", "."
_B85_JS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;.=>?@^_`{|}~"


def encode_block(text: str, level: int = 6, *, b85: bool = False) -> str:
    """``text`` gzip-compressed (no timestamp: the same text gives the same bytes) and base64-encoded,
    or with ``b85`` base85 with an alphabet that has no ``<`` (a fifth smaller, slower to make: used for
    plotly.js, made once per process). Neither alphabet has ``<``: safe inside any script element."""
    packed = gzip.compress(text.encode("utf-8"), compresslevel=level, mtime=0)
    if b85:
        return base64.b85encode(packed).decode("ascii").replace(_B85_FROM, _B85_TO)
    return base64.b64encode(packed).decode("ascii")


def decode_block(data: str, *, b85: bool = False) -> str:
    """The inverse of :func:`encode_block` (tests and tools read pages with it)."""
    raw = base64.b85decode(data.replace(_B85_TO, _B85_FROM)) if b85 else base64.b64decode(data)
    return gzip.decompress(raw).decode("utf-8")


_BLOCK = re.compile(r'<script type="application/octet-stream" data-encoding="gzip-(b85|b64)"([^>]*)>([^<]*)</script>')


def page_blocks(page: str) -> dict[str, str]:
    """The data blocks of a page written by :func:`render_page`, decoded: by element id (``plotly-js``,
    ``network-index``) or, for figures, by the id of the div they are drawn in (``plot-network``)."""
    out = {}
    for enc, attrs, data in _BLOCK.findall(page):
        key = re.search(r'(?:data-target|id)="([^"]*)"', attrs)
        if key:
            out[html.unescape(key.group(1))] = decode_block(data, b85=enc == "b85")
    return out


@functools.lru_cache(maxsize=1)
def _plotly_blob() -> tuple[str, str]:
    """plotly.js compressed for the page, and its SHA-256 (hex) that the loader checks."""
    js = get_plotlyjs()
    return encode_block(js, level=9, b85=True), hashlib.sha256(js.encode("utf-8")).hexdigest()


_SHA256_K = ("428a2f98 71374491 b5c0fbcf e9b5dba5 3956c25b 59f111f1 923f82a4 ab1c5ed5 d807aa98 12835b01 243185be "
             "550c7dc3 72be5d74 80deb1fe 9bdc06a7 c19bf174 e49b69c1 efbe4786 0fc19dc6 240ca1cc 2de92c6f 4a7484aa "
             "5cb0a9dc 76f988da 983e5152 a831c66d b00327c8 bf597fc7 c6e00bf3 d5a79147 06ca6351 14292967 27b70a85 "
             "2e1b2138 4d2c6dfc 53380d13 650a7354 766a0abb 81c2c92e 92722c85 a2bfe8a1 a81a664b c24b8b70 c76c51a3 "
             "d192e819 d6990624 f40e3585 106aa070 19a4c116 1e376c08 2748774c 34b0bcb5 391c0cb3 4ed8aa4a 5b9cca4f "
             "682e6ff3 748f82ee 78a5636f 84c87814 8cc70208 90befffa a4506ceb bef9a3f7 c67178f2")

_BOOT = r"""
(function () {
  'use strict';
  var PLOTLY_SHA256 = '%(plotly_sha)s';   // empty: plotly.js comes from the CDN tag
  var config = %(config)s;
  var COLOURS = %(colours)s;
  window.__discourseReady = false;        // every figure drawn
  window.__discourseInteractive = false;  // the first figure (the network) drawn and answering
  window.__discourseTools = false;        // the network's search box and faction isolation ready
  window.__discourseErrors = [];
  window.__discourseTimings = {boot: Math.round(performance.now())};
  function fail(err) {
    window.__discourseErrors.push(String(err));
    var box = document.getElementById('load-error');
    if (box) { box.hidden = false; box.textContent = 'This page could not be drawn: ' + String(err) +
      '. It needs a recent browser (Chrome 80, Firefox 113, Safari 16.4 or later).'; }
  }
  // ---- blocks: gzip, then base64 (figures, index) or base85 without "<" (plotly.js)
  var ALPHA = '%(b85)s', LUT = new Uint8Array(128);
  for (var a = 0; a < ALPHA.length; a++) { LUT[ALPHA.charCodeAt(a)] = a; }
  function b85(text) {
    var n = text.length, full = Math.floor(n / 5), rest = n %% 5;
    var out = new Uint8Array(full * 4 + (rest ? rest - 1 : 0)), o = 0, i = 0, k, v;
    for (k = 0; k < full; k++, i += 5) {
      v = (((LUT[text.charCodeAt(i)] * 85 + LUT[text.charCodeAt(i + 1)]) * 85 + LUT[text.charCodeAt(i + 2)]) * 85
           + LUT[text.charCodeAt(i + 3)]) * 85 + LUT[text.charCodeAt(i + 4)];
      out[o++] = (v >>> 24) & 255; out[o++] = (v >>> 16) & 255; out[o++] = (v >>> 8) & 255; out[o++] = v & 255;
    }
    if (rest) {
      v = 0;
      for (k = 0; k < 5; k++) { v = v * 85 + (k < rest ? LUT[text.charCodeAt(i + k)] : 84); }
      for (k = 0; k < rest - 1; k++) { out[o++] = (v >>> (24 - 8 * k)) & 255; }
    }
    return out;
  }
  function b64(text) {
    var bin = atob(text), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }
  function bytesOf(el) {
    var packed = el.getAttribute('data-encoding') === 'gzip-b85' ? b85(el.textContent) : b64(el.textContent);
    var stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).arrayBuffer();
  }
  function textOf(el) { return bytesOf(el).then(function (buf) { return new TextDecoder().decode(buf); }); }
  // ---- SHA-256: the browser's, or this one where the page is not a secure context
  var K = '%(sha_k)s'.split(' ').map(function (h) { return parseInt(h, 16) | 0; });
  function sha256js(bytes) {
    var H = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var len = bytes.length, total = ((len + 9 + 63) >> 6) << 6, m = new Uint8Array(total), W = new Int32Array(64);
    m.set(bytes); m[len] = 0x80;
    var bits = len * 8, view = new DataView(m.buffer);
    view.setUint32(total - 8, Math.floor(bits / 4294967296)); view.setUint32(total - 4, bits >>> 0);
    function r(x, n) { return (x >>> n) | (x << (32 - n)); }
    for (var off = 0; off < total; off += 64) {
      for (var t = 0; t < 64; t++) {
        if (t < 16) { W[t] = view.getInt32(off + 4 * t); }
        else {
          var x = W[t - 15], y = W[t - 2];
          W[t] = (W[t - 16] + (r(x, 7) ^ r(x, 18) ^ (x >>> 3)) + W[t - 7] + (r(y, 17) ^ r(y, 19) ^ (y >>> 10))) | 0;
        }
      }
      var A = H[0], B = H[1], C = H[2], D = H[3], E = H[4], F = H[5], G = H[6], J = H[7];
      for (t = 0; t < 64; t++) {
        var t1 = (J + (r(E, 6) ^ r(E, 11) ^ r(E, 25)) + ((E & F) ^ (~E & G)) + K[t] + W[t]) | 0;
        var t2 = ((r(A, 2) ^ r(A, 13) ^ r(A, 22)) + ((A & B) ^ (A & C) ^ (B & C))) | 0;
        J = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0;
      }
      H[0] = (H[0] + A) | 0; H[1] = (H[1] + B) | 0; H[2] = (H[2] + C) | 0; H[3] = (H[3] + D) | 0;
      H[4] = (H[4] + E) | 0; H[5] = (H[5] + F) | 0; H[6] = (H[6] + G) | 0; H[7] = (H[7] + J) | 0;
    }
    return H.map(function (h) { return ('00000000' + (h >>> 0).toString(16)).slice(-8); }).join('');
  }
  function sha256(buf) {
    if (window.crypto && window.crypto.subtle) {
      return window.crypto.subtle.digest('SHA-256', buf).then(function (d) {
        return Array.prototype.map.call(new Uint8Array(d), function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
      });
    }
    return Promise.resolve(sha256js(new Uint8Array(buf)));
  }
  function loadPlotly() {
    if (!PLOTLY_SHA256) { return Promise.resolve(); }
    var t = performance.now(), el = document.getElementById('plotly-js');
    if (!el) { return Promise.reject(new Error('plotly.js is missing from the page')); }
    return bytesOf(el).then(function (buf) {
      return sha256(buf).then(function (digest) {
        if (digest !== PLOTLY_SHA256) { throw new Error('plotly.js does not match its checksum'); }
        (0, eval)(new TextDecoder().decode(buf));   // our own plotly.js, checked above
        window.__discourseTimings.plotly = Math.round(performance.now() - t);
      });
    });
  }
  function hasWebGL() {
    try { var c = document.createElement('canvas');
          return !!(c.getContext('webgl') || c.getContext('experimental-webgl')); }
    catch (e) { return false; }
  }
  function plot(block, gl) {
    var t = performance.now();
    return textOf(block).then(function (text) {
      var fig = JSON.parse(text);
      window.__discourseTimings['parse-' + block.getAttribute('data-target')] = Math.round(performance.now() - t);
      if (!gl) { fig.data.forEach(function (tr) { if (tr.type === 'scattergl') { tr.type = 'scatter'; } }); }
      var div = document.getElementById(block.getAttribute('data-target'));
      var t0 = performance.now();
      return Plotly.newPlot(div, fig.data, fig.layout, config).then(function () {
        window.__discourseTimings[div.id] = Math.round(performance.now() - t0);
        return div;
      });
    });
  }
  function start() {
    var gl = hasWebGL();
    var blocks = Array.prototype.slice.call(document.querySelectorAll('script.figure-data'));
    // the first figure is drawn at once; each further one after the browser has had a turn to paint
    // and answer input, so the network is usable while the rest of the page is still being drawn
    function next(i) {
      if (i >= blocks.length) { window.__discourseReady = true; return; }
      plot(blocks[i], gl).then(function (div) {
        if (i === 0) {
          window.__discourseTimings.interactive = Math.round(performance.now());
          window.__discourseInteractive = true;
          var idx = document.getElementById('network-index');
          if (idx) { networkTools(div, idx); }
        }
        setTimeout(function () { next(i + 1); }, 0);
      }, fail);
    }
    next(0);
  }
  loadPlotly().then(start, fail);

  // ---- the network: find a commenter, isolate a faction
  // the search index is read on first use (or when the browser is idle), never in the way of the
  // first hover
  function networkTools(gd, indexBlock) {
    var index = null, loading = null, X, Y, N, adj = null, lower, nodeTrace = {};
    function ready() {
      if (!loading) {
        loading = textOf(indexBlock).then(function (t) {
          index = JSON.parse(t); X = index.x; Y = index.y; N = index.names.length;
          lower = index.names.map(function (n) { return String(n).toLowerCase(); });
          index.nodeTraces.forEach(function (p) { nodeTrace[p[0]] = p[1]; });
          return index;
        });
      }
      return loading;
    }
    if (window.requestIdleCallback) { window.requestIdleCallback(function () { ready().catch(fail); }, {timeout: 10000}); }
    var input = document.getElementById('network-search'), list = document.getElementById('network-names');
    var status = document.getElementById('network-status'), clearButton = document.getElementById('network-clear');
    var overlay = 0, dimmed = null, isolated = null, home = null, labelsHidden = false;
    function ties(i) {
      if (!adj) {
        adj = []; for (var k = 0; k < N; k++) { adj.push([]); }
        for (var e = 0; e < index.s.length; e++) { adj[index.s[e]].push(e); adj[index.t[e]].push(e); }
      }
      return adj[i];
    }
    function range() { return [gd.layout.xaxis.range.slice(), gd.layout.yaxis.range.slice()]; }
    function say(text) { if (status) { status.textContent = text; } }
    function clear() {
      var p = Promise.resolve();
      if (overlay) {
        var idx = []; for (var k = gd.data.length - overlay; k < gd.data.length; k++) { idx.push(k); }
        overlay = 0; p = p.then(function () { return Plotly.deleteTraces(gd, idx); });
      }
      if (dimmed) { var d = dimmed; dimmed = null; p = p.then(function () { return Plotly.restyle(gd, {opacity: d.v}, d.i); }); }
      if (labelsHidden) { labelsHidden = false; p = p.then(function () { return labelVisibility(null); }); }
      return p;
    }
    function dim(keep) {
      var i = [], v = [];
      gd.data.forEach(function (t, k) { if (!keep(k)) { i.push(k); v.push(t.opacity === undefined ? 1 : t.opacity); } });
      dimmed = {i: i, v: v};
      return Plotly.restyle(gd, {opacity: 0.12}, i);
    }
    function edgeTraces(edges) {
      var by = {'0': [[], []], '1': [[], []], '-1': [[], []]};
      edges.forEach(function (e) {
        var s = index.s[e], t = index.t[e], b = by[String(index.tone[e])];
        b[0].push(X[s], X[t], null); b[1].push(Y[s], Y[t], null);
      });
      return ['0', '1', '-1'].filter(function (k) { return by[k][0].length; }).map(function (k) {
        return {type: 'scatter', x: by[k][0], y: by[k][1], mode: 'lines', name: 'highlight', showlegend: false,
                hoverinfo: 'skip', line: {color: COLOURS[k], width: k === '0' ? 1.2 : 2.2}, opacity: 0.9};
      });
    }
    function nodeOverlay(pts, who) {
      return {type: 'scatter', x: pts.map(function (p) { return X[p]; }), y: pts.map(function (p) { return Y[p]; }),
              mode: 'markers+text', name: 'highlight', showlegend: false, hoverinfo: 'text', textposition: 'top center',
              text: pts.map(function (p) { return index.labels[p]; }), hovertext: pts.map(function (p) { return index.labels[p]; }),
              textfont: {size: 11, color: '#111'},
              marker: {size: pts.map(function (p) { return p === who ? 16 : 9; }), color: '#ffffff',
                       line: {width: 2, color: '#111111'}}};
    }
    function zoom(pts) {
      var xs = pts.map(function (p) { return X[p]; }), ys = pts.map(function (p) { return Y[p]; });
      var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
      var pad = Math.max(0.15, 0.12 * Math.max(x1 - x0, y1 - y0));
      return Plotly.relayout(gd, {'xaxis.range': [x0 - pad, x1 + pad], 'yaxis.range': [y0 - pad, y1 + pad]});
    }
    function find(q) {
      q = q.trim().toLowerCase();
      if (!q) { return -1; }
      var exact = lower.indexOf(q);
      if (exact >= 0) { return exact; }
      for (var i = 0; i < N; i++) { if (lower[i].indexOf(q) >= 0) { return i; } }
      return -1;
    }
    function highlight(i) {
      return unisolate().then(clear).then(function () {
        if (!home) { home = range(); }
        var mine = ties(i), seen = {}, pts = [i], agree = 0, neutral = 0, oppose = 0;
        seen[i] = true;
        mine.forEach(function (e) {
          var o = index.s[e] === i ? index.t[e] : index.s[e];
          if (!seen[o]) { seen[o] = true; pts.push(o); }
          var tone = index.tone[e]; if (tone > 0) { agree++; } else if (tone < 0) { oppose++; } else { neutral++; }
        });
        var traces = edgeTraces(mine).concat([nodeOverlay(pts, i)]);
        return dim(function () { return false; }).then(function () {
          overlay = traces.length; return Plotly.addTraces(gd, traces);
        }).then(function () { return labelVisibility(''); }).then(function () { return zoom(pts); }).then(function () {
          say(index.names[i] + ': ' + (pts.length - 1) + ' people replied to or by them; ' + mine.length + ' ties (' + agree +
              ' agreeing, ' + neutral + ' neutral, ' + oppose + ' opposing).' +
              (index.tiesTotal > index.s.length ? ' (The ' + index.s.length + ' busiest of ' + index.tiesTotal + ' ties are searched.)' : ''));
          window.__discourseHighlight = {who: i, points: pts.length, ties: mine.length};
        });
      });
    }
    function labelVisibility(group) {   // null: every name; '': none; else the names of one faction
      var upd = {};
      labelsHidden = group !== null;
      index.labelAnnotations.forEach(function (p) { upd['annotations[' + p[0] + '].visible'] = group === null || p[1] === group; });
      return Plotly.relayout(gd, upd);
    }
    function isolate(group) {
      return clear().then(function () {
        isolated = group;
        var idx = [], vis = [];
        Object.keys(nodeTrace).forEach(function (k) {
          if (nodeTrace[k] !== 'periphery') { idx.push(+k); vis.push(nodeTrace[k] === group ? true : 'legendonly'); }
        });
        var edges = [], members = 0, inside = 0;
        index.group.forEach(function (g) { if (g === group) { members++; } });
        for (var e = 0; e < index.s.length; e++) {
          var a = index.group[index.s[e]] === group, b = index.group[index.t[e]] === group;
          if (a || b) { edges.push(e); if (a && b) { inside++; } }
        }
        return Plotly.restyle(gd, {visible: vis}, idx)
          .then(function () { return dim(function (k) { return nodeTrace[k] !== undefined; }); })
          .then(function () { var t = edgeTraces(edges); overlay = t.length; return Plotly.addTraces(gd, t); })
          .then(function () { return labelVisibility(group); })
          .then(function () {
            say('One faction shown: ' + members + ' commenters, ' + inside + ' ties inside it and ' + (edges.length - inside) +
                ' with other commenters. Click its legend entry again to show every faction.');
            window.__discourseIsolated = {group: group, members: members, ties: edges.length};
          });
      });
    }
    function unisolate() {
      if (isolated === null) { return Promise.resolve(); }
      isolated = null; window.__discourseIsolated = null;
      var idx = [], vis = [];
      Object.keys(nodeTrace).forEach(function (k) { if (nodeTrace[k] !== 'periphery') { idx.push(+k); vis.push(true); } });
      return clear().then(function () { return Plotly.restyle(gd, {visible: vis}, idx); })
        .then(function () { return labelVisibility(null); }).then(function () { say(''); });
    }
    gd.on('plotly_legendclick', function (ev) {
      var g = (gd.data[ev.curveNumber] || {}).legendgroup || '';
      if (!/^f[0-9]+$/.test(g)) { return true; }   // tones and keys: plotly's own show / hide
      ready().then(function () { return isolated === g ? unisolate() : isolate(g); }).catch(fail);
      return false;
    });
    gd.on('plotly_legenddoubleclick', function () { return false; });
    if (input) {
      input.addEventListener('focus', function () { ready().catch(fail); });
      input.addEventListener('input', function () {
        ready().then(function () {
          var q = input.value.trim().toLowerCase(), shown = 0;
          while (list.firstChild) { list.removeChild(list.firstChild); }
          if (q.length < 1) { return; }
          for (var i = 0; i < N && shown < 20; i++) {
            if (lower[i].indexOf(q) >= 0) { var o = document.createElement('option'); o.value = index.names[i]; list.appendChild(o); shown++; }
          }
        }).catch(fail);
      });
      var go = function () {
        ready().then(function () {
          var i = find(input.value);
          if (i < 0) { say('No commenter matches "' + input.value + '".'); return; }
          return highlight(i);
        }).catch(fail);
      };
      input.addEventListener('change', go);
      input.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { ev.preventDefault(); go(); } });
    }
    if (clearButton) {
      clearButton.addEventListener('click', function () {
        if (input) { input.value = ''; }
        unisolate().then(clear).then(function () {
          window.__discourseHighlight = null; say('');
          if (home) { var h = home; home = null; return Plotly.relayout(gd, {'xaxis.range': h[0], 'yaxis.range': h[1]}); }
        }).catch(fail);
      });
    }
    window.__discourseSearch = function (q) {
      return ready().then(function () { var i = find(q); return i < 0 ? false : highlight(i).then(function () { return true; }); });
    };
    window.__discourseTools = true;
  }
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
table.metrics td, table.metrics th { padding: 2px 14px 2px 0; border-bottom: 1px solid #eee; text-align: left; }
table.metrics td:first-child { color: #555; }
ul.caveats { margin: 0.3rem 0 0.6rem; padding-left: 1.2rem; }
ul.caveats li { margin: 0.15rem 0; }
ul.caveats li.warn { color: #8e0c25; }
details { margin: 0.3rem 0 0.8rem; color: #555; font-size: 0.9rem; }
.key span { display: inline-block; margin-right: 1.2rem; }
.swatch { display: inline-block; width: 18px; height: 4px; vertical-align: middle; margin-right: 4px; }
.plot { width: 100%; }
.tools { margin: 0.4rem 0; display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; }
.tools input { font: inherit; padding: 3px 6px; min-width: 16rem; }
.tools button { font: inherit; padding: 3px 10px; }
#network-status { color: #333; font-size: 0.92rem; }
#load-error { color: #8e0c25; font-weight: bold; }
table.threads td.num { text-align: right; white-space: nowrap; }
table.threads td { vertical-align: middle; }
dl#glossary-list dt { margin-top: 0.4rem; }
dl#glossary-list dd { margin-left: 1.2rem; color: #444; }
footer { max-width: 1280px; margin: 1rem auto; padding: 0 1.5rem; color: #777; font-size: 0.85rem; }
"""


def _block(data: str, attrs: dict[str, str], *, b85: bool = False) -> str:
    attr = "".join(f' {k}="{html.escape(v)}"' for k, v in attrs.items())
    return f'<script type="application/octet-stream" data-encoding="gzip-{"b85" if b85 else "b64"}"{attr}>{data}</script>'


def render_page(*, title: str, header_html: str, sections: list[Section], cdn: bool = False,
                footer_html: str = "", data: dict[str, Any] | None = None) -> str:
    """One HTML document holding every section; ``title`` is escaped here, the ``*_html`` parts are
    trusted markup built by this package (with any data already escaped). ``data`` maps an element id
    to a JSON-serialisable value the page's script reads (the network's search index)."""
    body: list[str] = []
    data_blocks: list[str] = []
    for sec in sections:
        body.append(f'<section id="{html.escape(sec.id)}">\n<h2>{html.escape(sec.heading)}</h2>\n{sec.intro_html}')
        if sec.figure is not None:
            div = f"plot-{sec.id}"
            body.append(f'<div id="{html.escape(div)}" class="plot"></div>')
            data_blocks.append(_block(encode_block(figure_json(sec.figure)),
                                      {"class": "figure-data", "data-target": div}))
        body.append("</section>")
    for key, value in sorted((data or {}).items()):
        data_blocks.append(_block(encode_block(json.dumps(value, separators=(",", ":"))), {"id": key}))
    colours = {"1": "#1a9850", "0": "#8c8c8c", "-1": "#d73027"}
    if cdn:
        plotly_sha, plotly_tag = "", f'<script src="{CDN_URL}" charset="utf-8"></script>'
    else:
        blob, plotly_sha = _plotly_blob()
        plotly_tag = _block(blob, {"id": "plotly-js"}, b85=True)
    boot = _BOOT % {"config": json.dumps(_CONFIG), "plotly_sha": plotly_sha, "b85": _B85_JS, "sha_k": _SHA256_K,
                    "colours": json.dumps(colours)}
    script_src = _sha256(boot) + (" https://cdn.plot.ly" if cdn else "")
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
        f'<header><h1>{html.escape(title)}</h1><p id="load-error" hidden></p>{header_html}</header>',
        *body,
        f"<footer>{footer_html}</footer>",
        *data_blocks,
        f"<script>{boot}</script>",
        "</body>",
        "</html>",
        "",
    ])
