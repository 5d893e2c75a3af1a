#!/usr/bin/env python3
"""Benchmark the HTML network report: build time, file size, and time to interactive in Chromium.

A synthetic signed network (planted factions, Zipf-like activity; agreement inside factions,
hostility across) with the tables the analysis stage hands over is rendered with
``discourse.viz.report_html``, written to bench/out/, and opened in headless Chromium. "Interactive"
means the network figure has finished ``Plotly.newPlot`` (the page's ``__discourseInteractive``) and a
node then shows its hover label under the mouse; the other figures are drawn after it
(``__discourseReady``). Timings include parsing the inlined plotly.js.

    python bench/bench_html.py --edges 100000 --nodes 30000
    python bench/bench_html.py --edges 100000 --max-edges 100000   # draw every edge
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import polars as pl

from discourse.viz import report_html, write_report

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def synthetic(n_nodes: int, n_edges: int, factions: int, seed: int) -> dict[str, pl.DataFrame]:
    """Nodes, edges, replies and comments of a planted signed network (deterministic in ``seed``)."""
    rng = np.random.default_rng(seed)
    activity = 1.0 / np.arange(1, n_nodes + 1) ** 0.8
    activity /= activity.sum()
    faction = rng.integers(0, factions, n_nodes)
    src = rng.choice(n_nodes, size=n_edges * 2, p=activity)
    tgt = rng.choice(n_nodes, size=n_edges * 2, p=activity)
    pairs = pl.DataFrame({"s": src, "t": tgt}).filter(pl.col("s") != pl.col("t")).unique(maintain_order=True)
    pairs = pairs.head(n_edges)
    s, t = pairs["s"].to_numpy(), pairs["t"].to_numpy()
    same = faction[s] == faction[t]
    n_rep = rng.integers(1, 6, len(s))
    n_agree = np.where(same, rng.binomial(n_rep, 0.7), rng.binomial(n_rep, 0.1))
    n_hostile = np.where(same, 0, rng.binomial(n_rep - n_agree, 0.6))
    n_neutral = n_rep - n_agree - n_hostile
    weight_sum = 0.6 * n_agree - 0.8 * n_hostile
    names = np.array([f"user_{i:06d}" for i in range(n_nodes)])
    edges = pl.DataFrame({
        "source": names[s], "target": names[t], "n_replies": n_rep, "n_agree": n_agree, "n_neutral": n_neutral,
        "n_disagree": np.zeros(len(s), dtype=np.int64), "n_hostile": n_hostile, "weight_sum": weight_sum,
        "weight_mean": weight_sum / n_rep, "abs_w": np.abs(weight_sum), "net_sign": np.sign(weight_sum),
    })
    out_d = np.bincount(s, minlength=n_nodes)
    in_d = np.bincount(t, minlength=n_nodes)
    nodes = pl.DataFrame({
        "author": names, "n_comments": out_d + 1, "community": faction,
        "pagerank": (in_d + 1) / (in_d + 1).sum(), "in_degree": in_d, "out_degree": out_d,
    })
    n_rep_total = 20_000
    start = np.datetime64("2024-01-01T00:00:00", "us")
    ridx = rng.integers(0, len(s), n_rep_total)
    labels = np.where(n_hostile[ridx] > 0, "hostile", np.where(n_agree[ridx] > 0, "agree", "neutral"))
    replies = pl.DataFrame({
        "thread_id": (ridx % 200).astype(str), "comment_id": np.arange(n_rep_total).astype(str),
        "parent_id": [None] * n_rep_total, "author": names[s[ridx]], "text": ["a reply that says something " * 3]
        * n_rep_total, "created_at": start + (rng.integers(0, 86_400 * 7, n_rep_total) * 1_000_000).astype("timedelta64[us]"),
        "label": labels, "weight": np.where(labels == "hostile", -0.8, np.where(labels == "agree", 0.6, 0.0)),
    }).with_columns(pl.col("created_at").dt.replace_time_zone("UTC"))
    return {"nodes": nodes, "edges": edges, "replies": replies}


def open_in_chromium(path: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        t0 = time.perf_counter()
        page.goto(path.as_uri(), timeout=120_000)
        t_load = time.perf_counter() - t0  # the load event: plotly.js parsed, the network drawn
        page.wait_for_function("window.__discourseInteractive === true", timeout=120_000)
        t_inter = time.perf_counter() - t0
        xy = page.evaluate("""() => {
          const gd = document.getElementById('plot-network');
          gd.scrollIntoView({block: 'start'});
          const i = gd._fullData.findIndex(t => (t.legendgroup || '').startsWith('f'));
          const t = gd._fullData[i], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
          const r = gd.getBoundingClientRect();
          return [r.left + xa._offset + xa.l2p(t.x[0]), r.top + ya._offset + ya.l2p(t.y[0])]; }""")
        page.mouse.move(*xy)
        page.wait_for_selector("#plot-network .hoverlayer .hovertext", timeout=60_000)
        t_hover = time.perf_counter() - t0
        page.wait_for_function("window.__discourseReady === true", timeout=120_000)
        t_ready = time.perf_counter() - t0
        timings = page.evaluate("window.__discourseTimings")
        nav = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
            return {response_end: Math.round(n.responseEnd), dom_content_loaded: Math.round(n.domContentLoadedEventEnd),
                    load_event: Math.round(n.loadEventEnd)}; }""")
        timings.update(nav)
        browser.close()
    if errors:
        raise RuntimeError(f"{path}: page errors: {errors}")
    return {"load_s": round(t_load, 2), "network_interactive_s": round(t_inter, 2),
            "first_hover_s": round(t_hover, 2), "all_figures_s": round(t_ready, 2), "in_page_ms": timings}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=30_000)
    ap.add_argument("--edges", type=int, default=100_000)
    ap.add_argument("--factions", type=int, default=6)
    ap.add_argument("--max-edges", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = ap.parse_args()
    data = synthetic(args.nodes, args.edges, args.factions, args.seed)
    kw = {} if args.max_edges is None else {"max_edges": args.max_edges}
    t0 = time.perf_counter()
    page = report_html(**data, comments=None, metrics={}, title="benchmark", seed=args.seed, **kw)
    t_build = time.perf_counter() - t0
    path = write_report(args.out / f"bench_{args.nodes}n_{data['edges'].height}e.html", page)
    result = {"nodes": args.nodes, "edges": data["edges"].height, "max_edges": args.max_edges,
              "build_s": round(t_build, 2), "html_mb": round(path.stat().st_size / 2**20, 1)}
    result.update(open_in_chromium(path))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
