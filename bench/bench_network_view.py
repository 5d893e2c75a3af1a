#!/usr/bin/env python3
"""Issue 17: how well network.html separates the factions, and what the page costs.

For each gen_threads configuration (planted factions K, comments N, one thread), the thread is built
with discourse's defaults and the author network is drawn with :func:`discourse.viz.network_figure`;
the node positions of the figure are scored by the **silhouette** of the planted factions
(``truth/factions.csv``; Euclidean distance in the figure's coordinates, every author with a planted
faction). Two node sets are scored: the commenters the network shows at first (``main``: the figure's
faction traces) and every commenter (``all``: singletons and isolates too, wherever the figure puts
them). The same script runs on any checkout, so today's figure and the new one come from one command:

    python bench/bench_network_view.py silhouette --factions 3 4 5 6 --comments 10000 --against 38dd13a
    python bench/bench_network_view.py silhouette --factions 3 --comments 100000 --against 38dd13a
    python bench/bench_network_view.py page sample_data/main_street.csv      # page size, time to interactive
    python bench/bench_network_view.py shot OUT.png INPUT...                  # build, then a screenshot
    python bench/bench_network_view.py tti --against 38dd13a --nodes 30000 --edges 100000 --repeat 3
    python bench/bench_network_view.py tti --against 38dd13a sample_data/main_street.csv

``tti`` renders the same tables with today's viz/ and with viz/ as it was at ``--against`` (extracted
with ``git show`` into bench/out/, its imports pointed at the copy), and opens the two pages in turn
in one Chromium: page size, time until the network answers (``__discourseInteractive``) and until a
node's hover label shows, old and new alternately, so both see the same machine load.

Data goes to bench/data/nv_k<K>_n<N>/ (generated once); one JSON line per measurement is printed and
appended to bench/out/network_view.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent
GEN = ROOT.parent.parent / "shared" / "bench" / "gen_threads.py"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _data(k: int, n: int, seed: int) -> Path:
    d = ROOT / "data" / f"nv_k{k}_n{n}_s{seed}"
    if not (d / "manifest.json").is_file():
        subprocess.run([sys.executable, str(GEN), "--comments", str(n), "--threads", "1", "--factions", str(k),
                        "--seed", str(seed), "--format", "reddit", "--out", str(d)], check=True,
                       stdout=subprocess.DEVNULL)
    return d


def silhouette(xy: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette (Rousseeuw 1987), exact, in blocks of rows (no n x n matrix held)."""
    classes, lab = np.unique(labels, return_inverse=True)
    if len(classes) < 2 or len(xy) < 3:
        return float("nan")
    counts = np.bincount(lab, minlength=len(classes)).astype(float)
    out = np.empty(len(xy))
    for start in range(0, len(xy), 2048):
        block = xy[start:start + 2048]
        d = np.sqrt(((block[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
        sums = np.stack([d[:, lab == c].sum(1) for c in range(len(classes))], axis=1)
        own = lab[start:start + 2048]
        rows = np.arange(len(block))
        a = sums[rows, own] / np.maximum(counts[own] - 1, 1)
        mean_other = sums / counts
        mean_other[rows, own] = np.inf
        b = mean_other.min(1)
        s = (b - a) / np.maximum(a, b)
        s[counts[own] <= 1] = 0.0
        out[start:start + len(block)] = s
    return float(out.mean())


def _positions(fig) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(main, all): author, x, y of the figure's node traces (main: the faction traces)."""
    rows_main, rows_all = [], []
    for t in fig.data:
        group = t.legendgroup or ""
        if t.hovertext is None or "→" in (t.hovertext[0] if len(t.hovertext) else ""):
            continue
        if not (group.startswith("f") or group in ("periphery", "hidden")):
            continue
        names = [h.split("</b>")[0].removeprefix("<b>") for h in t.hovertext]
        part = list(zip(names, t.x, t.y))
        rows_all += part
        if group.startswith("f"):
            rows_main += part
    schema = {"author": pl.String, "x": pl.Float64, "y": pl.Float64}
    return (pl.DataFrame(rows_main, schema=schema, orient="row"), pl.DataFrame(rows_all, schema=schema, orient="row"))


def cmd_silhouette(args: argparse.Namespace) -> None:
    import discourse
    from discourse.viz import network_figure

    for k in args.factions:
        d = _data(k, args.comments, args.seed)
        truth = pl.read_csv(d / "truth" / "factions.csv").select("author", planted="faction")
        t0 = time.perf_counter()
        result = discourse.build([d / "reddit_comments.ndjson", d / "reddit_submissions.ndjson"], seed=0)
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        fig = network_figure(result.nodes, result.edges, comments=result.comments, seed=0)
        t_fig = time.perf_counter() - t0
        main, every = _positions(fig)
        rec: dict[str, object] = {"what": "silhouette", "factions": k, "comments": args.comments,
                                  "seed": args.seed, "authors": result.nodes.height,
                                  "factions_found": result.metrics["sizes"]["factions"],
                                  "build_s": round(t_build, 2), "figure_s": round(t_fig, 2)}
        sets = [("main", main), ("all", every)]
        if args.against:  # the same build drawn by viz/ as it was at that commit
            import importlib

            _old_viz(args.against)
            old = importlib.import_module(f"oldviz_{args.against}.network")
            _, old_all = _positions(old.network_figure(result.nodes, result.edges, comments=result.comments, seed=0))
            sets += [(f"{args.against}_all", old_all)]
        for name, pos in sets:
            j = pos.join(truth, on="author", how="inner")
            rec[f"n_{name}"] = j.height
            rec[f"silhouette_{name}"] = round(silhouette(j.select("x", "y").to_numpy(), j["planted"].to_numpy()), 4)
        _emit(rec, args)


def cmd_page(args: argparse.Namespace) -> None:
    """Page size and time to interactive of a built thread's network.html (built here, default options)."""
    import discourse

    out = ROOT / "out" / "nv_page"
    result = discourse.build([Path(p) for p in args.inputs], seed=0)
    t0 = time.perf_counter()
    page = result.report_html()
    t_render = time.perf_counter() - t0
    out.mkdir(parents=True, exist_ok=True)
    path = out / "network.html"
    path.write_text(page, encoding="utf-8")
    rec = {"what": "page", "inputs": args.inputs, "authors": result.nodes.height, "edges": result.edges.height,
           "html_bytes": len(page.encode("utf-8")), "render_s": round(t_render, 2), **open_in_chromium(path)}
    _emit(rec, args)


def cmd_shot(args: argparse.Namespace) -> None:
    """Build INPUTs with the defaults and screenshot network.html's network (and, with --header, the
    caveats above it) in headless Chromium at 1300 px wide: the pictures in docs/img/."""
    from playwright.sync_api import sync_playwright

    import discourse

    result = discourse.build([Path(p) for p in args.inputs], seed=0)
    out = ROOT / "out" / "nv_shot"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "network.html"
    path.write_text(result.report_html(), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.goto(path.as_uri(), timeout=120_000)
        page.wait_for_function("window.__discourseTools === true", timeout=120_000)
        page.mouse.move(1, 1)
        page.wait_for_timeout(500)
        page.locator("#plot-network").screenshot(path=args.png)
        if args.header:
            page.locator("header").screenshot(path=args.header)
        browser.close()
    _emit({"what": "shot", "png": args.png, "inputs": args.inputs, "authors": result.nodes.height}, args)


def _old_viz(rev: str):
    """viz/ at ``rev`` as an importable package ``oldviz_<rev>`` under bench/out/ (imports rewritten)."""
    import importlib
    import re as _re

    name = f"oldviz_{rev}"
    pkg = ROOT / "out" / "oldviz" / name
    pkg.mkdir(parents=True, exist_ok=True)
    files = subprocess.run(["git", "ls-tree", "--name-only", rev, "viz/"], cwd=ROOT.parent, capture_output=True,
                           text=True, check=True).stdout.split()
    for f in files:
        if not f.endswith(".py"):
            continue
        text = subprocess.run(["git", "show", f"{rev}:{f}"], cwd=ROOT.parent, capture_output=True, text=True,
                              check=True).stdout
        text = _re.sub(r"\bdiscourse\.viz\b", name, text)
        (pkg / Path(f).name).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(pkg.parent))
    return importlib.import_module(f"{name}.report")


def cmd_tti(args: argparse.Namespace) -> None:
    from discourse.viz import report_html

    old = _old_viz(args.against)
    if args.inputs:
        import discourse

        r = discourse.build([Path(p) for p in args.inputs], seed=0)
        tables = {"nodes": r.nodes, "edges": r.edges, "replies": r.replies, "comments": r.comments,
                  "metrics": r.metrics, "title": r.title}
        extra = {"quality": r.quality.to_dict(), "threads": r.threads}
        what = " ".join(args.inputs)
    else:
        sys.path.insert(0, str(ROOT))
        from bench_html import synthetic

        tables = {**synthetic(args.nodes, args.edges, 6, 1), "title": "synthetic"}
        extra = {}
        what = f"synthetic {args.nodes} nodes, {args.edges} edges"
    out = ROOT / "out" / "nv_tti"
    out.mkdir(parents=True, exist_ok=True)
    pages = {}
    for label, render, kw in (("old", old.report_html, {}), ("new", report_html, extra)):
        t0 = time.perf_counter()
        html = render(**tables, **kw)
        path = out / f"{label}.html"
        path.write_text(html, encoding="utf-8")
        pages[label] = (path, len(html.encode("utf-8")), round(time.perf_counter() - t0, 2))
    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for _ in range(args.repeat):
        for label in ("old", "new"):
            runs[label].append(open_in_chromium(pages[label][0], hover=True))
    for label in ("old", "new"):
        inter = sorted(r["network_interactive_s"] for r in runs[label])
        hover = sorted(r["first_hover_s"] for r in runs[label])
        _emit({"what": "tti", "input": what, "code": label if label == "new" else f"{label} ({args.against})",
               "html_bytes": pages[label][1], "render_s": pages[label][2], "interactive_s": inter,
               "first_hover_s": hover, "in_page_interactive_ms": sorted(r["in_page_ms"].get("interactive", -1)
                                                                         for r in runs[label]),
               "in_page_ms": runs[label][-1]["in_page_ms"],
               "load_1min": round(os.getloadavg()[0], 1)}, args)


def open_in_chromium(path: Path, hover: bool = False) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        t0 = time.perf_counter()
        page.goto(path.as_uri(), timeout=120_000)
        page.wait_for_function("window.__discourseInteractive === true", timeout=120_000)
        t_inter = time.perf_counter() - t0
        t_hover = float("nan")
        if hover:
            xy = page.evaluate("""() => {
              const gd = document.getElementById('plot-network');
              gd.scrollIntoView({block: 'start'});
              const i = gd._fullData.findIndex(t => (t.legendgroup || '').startsWith('f') && t.visible === true);
              const t = gd._fullData[i], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
              const r = gd.getBoundingClientRect();
              return [r.left + xa._offset + xa.l2p(t.x[0]), r.top + ya._offset + ya.l2p(t.y[0])]; }""")
            page.mouse.move(*xy)
            page.wait_for_selector("#plot-network .hoverlayer .hovertext", timeout=60_000)
            t_hover = time.perf_counter() - t0
        timings = page.evaluate("window.__discourseTimings")
        browser.close()
    return {"network_interactive_s": round(t_inter, 2), "first_hover_s": round(t_hover, 2), "in_page_ms": timings}


def _emit(rec: dict[str, object], args: argparse.Namespace) -> None:
    rec["git"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    rec["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    line = json.dumps(rec)
    print(line, flush=True)
    (ROOT / "out").mkdir(exist_ok=True)
    with open(ROOT / "out" / "network_view.jsonl", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("silhouette")
    s.add_argument("--factions", type=int, nargs="+", default=[3, 4, 5, 6])
    s.add_argument("--comments", type=int, default=10_000)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--against", default=None, help="also score the layout of viz/ at this commit, on the same build")
    p = sub.add_parser("page")
    p.add_argument("inputs", nargs="+")
    h = sub.add_parser("shot")
    h.add_argument("png")
    h.add_argument("inputs", nargs="+")
    h.add_argument("--header", default=None, help="also a screenshot of the page's header (the caveats)")
    t = sub.add_parser("tti")
    t.add_argument("inputs", nargs="*")
    t.add_argument("--against", default="38dd13a", help="the commit whose viz/ is compared")
    t.add_argument("--nodes", type=int, default=30_000)
    t.add_argument("--edges", type=int, default=100_000)
    t.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    {"silhouette": cmd_silhouette, "page": cmd_page, "shot": cmd_shot, "tti": cmd_tti}[args.cmd](args)


if __name__ == "__main__":
    main()
