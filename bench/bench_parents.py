#!/usr/bin/env python3
"""Parent inference on flat pages (issue 18): the seed page against a careful reading, flattened real
threads against their true trees, by confidence band, and speed on a 10,000-comment flat page.

    python bench/bench_parents.py                    # all three parts (needs ../shared beside the checkout)
    python bench/bench_parents.py --skip speed       # without the speed part

* seed: ``../shared/seed/000_a9f39a774eb31046.txt`` read as ``discourse build`` reads it, parents
  inferred, compared with ``bench/seed_parents.json`` (a careful human reading: comment index ->
  parent index, matched by a hash of author and text start; comments a reader cannot place are left
  out). "strict" counts the reader's first choice only, "either" also the other likely parents listed.
* measure sets: the held-out halves of BENCHMARKS.md's parent-inference sets (Reddit n49rw, Disqus
  tl3shi alternate threads, HN 25015967 alternate subtrees, gen_threads seed 2), flattened
  depth-first and chronologically (training/fit_infer.py), with accuracy by the inferred parent's
  confidence: < 0.5, 0.5-0.8, >= 0.8 and the share of comments in each band.
* speed: one synthetic thread of 10,000 comments (gen_threads seed 3) flattened both ways.
* headroom: on the depth-first measure sets, how much the page-order decisions cost: the accuracy as
  inferred, the share of comments whose true parent was among their candidates, and the accuracy when
  every earlier comment has its true parent (teacher forcing): what better decoding of the same
  scorer could reach at most, against what a better pair scorer must add.

Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
GOLD = Path(__file__).resolve().parent / "seed_parents.json"
BANDS = ((0.0, 0.5, "<0.5"), (0.5, 0.8, "0.5-0.8"), (0.8, 1.01, ">=0.8"))


def key(author: str | None, text: str | None) -> str:
    """The gold file's comment key: sha1 of 'author|first 60 characters of the text' (normalised)."""
    raw = f"{(author or '').strip().lower()}|{' '.join((text or '').split())[:60].lower()}"
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


def seed() -> dict[str, object]:
    from discourse import io
    from discourse.infer import infer_parents

    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    page = io.read(SHARED / gold["page"])
    out = infer_parents(page.comments, threads=page.threads)
    keys = [key(a, t) for a, t in out.select("author", "text").iter_rows()]
    where = {k: n for n, k in enumerate(keys)}
    gold_keys = {g["index"]: g["key"] for g in gold["comments"]}
    ids = out["comment_id"].to_list()
    inferred = dict(zip(ids, out["parent_id"].to_list()))
    conf = dict(zip(ids, out["parent_confidence"].to_list()))
    strict = either = n = unmatched = 0
    wrong: list[int] = []
    for g in gold["comments"]:
        if g["parent"] is None:
            continue
        if g["key"] not in where or any(p >= 0 and gold_keys[p] not in where for p in [g["parent"], *g["also"]]):
            unmatched += 1
            continue
        n += 1
        got = inferred[ids[where[g["key"]]]]
        want = [None if p < 0 else ids[where[gold_keys[p]]] for p in [g["parent"], *g["also"]]]
        strict += got == want[0]
        either += got in want
        if got not in want:
            wrong.append(g["index"])
    return {"part": "seed", "comments": out.height, "judged": n, "unmatched": unmatched,
            "strict": round(strict / max(1, n), 3), "either": round(either / max(1, n), 3),
            "right_strict": strict, "wrong_indices": wrong,
            "mean_confidence": round(sum(conf.values()) / max(1, len(conf)), 3)}


def bands(inferred: pl.DataFrame, flat: pl.DataFrame) -> dict[str, object]:
    j = inferred.select("site", "thread_id", "comment_id", "parent_id", "parent_confidence").join(
        flat.select("site", "thread_id", "comment_id", "true_parent_id", "truth_known"),
        on=["site", "thread_id", "comment_id"]).filter(pl.col("truth_known"))
    j = j.with_columns(correct=pl.col("parent_id").eq_missing(pl.col("true_parent_id")))
    out: dict[str, object] = {}
    for lo, hi, name in BANDS:
        part = j.filter(pl.col("parent_confidence").is_between(lo, hi, closed="left"))
        out[name] = {"share": round(part.height / max(1, j.height), 3),
                     "accuracy": round(float(part["correct"].mean()), 3) if part.height else None}
    return out


def measure_sets() -> list[dict[str, object]]:
    sys.path.insert(0, str(ROOT))
    from discourse.infer import infer_parents
    from training.fit_infer import corpora, dedupe
    from training.infer.fit import evaluate, flatten

    rows = []
    for name, (comments, threads) in corpora().items():
        if not name.endswith("-measure"):
            continue
        for order in ("depth-first", "chronological"):
            flat = flatten(dedupe(comments), order)
            t0 = time.perf_counter()
            out = infer_parents(flat.drop("true_parent_id", "truth_known"), order=order, threads=threads)
            seconds = time.perf_counter() - t0
            r = evaluate(out, flat)
            rows.append({"part": "measure", "set": name.removesuffix("-measure"), "order": order, "n": r["n"],
                         "accuracy": round(float(r["accuracy"]), 3),  # type: ignore[arg-type]
                         "previous_baseline": round(float(r["baseline_previous"]), 3),  # type: ignore[arg-type]
                         "post_baseline": round(float(r["true_root_share"]), 3),  # type: ignore[arg-type]
                         "bands": bands(out, flat), "seconds": round(seconds, 2)})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def speed(n: int = 10_000) -> list[dict[str, object]]:
    import subprocess
    import tempfile

    sys.path.insert(0, str(ROOT))
    from discourse import io
    from discourse.infer import infer_parents
    from training.infer.fit import flatten

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(SHARED / "bench" / "gen_threads.py"), "--comments", str(n), "--threads",
                        "1", "--seed", "3", "--format", "csv", "--out", tmp], check=True, capture_output=True)
        res = io.read(Path(tmp) / "comments.csv", options=io.ReadOptions(site="synthetic"))
    rows = []
    for order in ("depth-first", "chronological"):
        flat = flatten(res.comments, order).drop("true_parent_id", "truth_known")
        t0 = time.perf_counter()
        infer_parents(flat, order=order, threads=res.threads)
        seconds = time.perf_counter() - t0
        rows.append({"part": "speed", "comments": flat.height, "threads": 1, "order": order,
                     "seconds": round(seconds, 2), "comments_per_s": round(flat.height / seconds)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def headroom() -> list[dict[str, object]]:
    sys.path.insert(0, str(ROOT))
    from discourse.infer.scorer import decode_thread, load_weights
    from training.fit_infer import corpora, dedupe
    from training.infer.fit import _threads, flatten

    weights = load_weights()
    rows = []
    for name, (comments, threads) in corpora().items():
        if not name.endswith("-measure"):
            continue
        flat = flatten(dedupe(comments), "depth-first")
        n = free = reachable = forced = 0
        for thread, truth, known in _threads(flat, threads):
            chosen: dict[int, int] = {}
            offered: dict[int, list[int]] = {}
            for step in decode_thread(thread, weights, "depth-first"):
                chosen[step.index] = step.candidates[step.chosen]   # a revised step replaces the decision
                offered.setdefault(step.index, step.candidates)
            for step in decode_thread(thread, weights, "depth-first", truth=truth):
                if step.revised or not known[step.index]:
                    continue
                i = step.index
                n += 1
                free += chosen[i] == truth[i]
                reachable += truth[i] in offered[i]
                forced += step.candidates[step.chosen] == truth[i]
        rows.append({"part": "headroom", "set": name.removesuffix("-measure"), "order": "depth-first", "n": n,
                     "accuracy": round(free / n, 3), "true_parent_offered": round(reachable / n, 3),
                     "accuracy_with_true_history": round(forced / n, 3)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: seed, measure, speed, headroom")
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print(f"{SHARED} is missing; nothing to measure", file=sys.stderr)
        return 1
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    print(json.dumps({"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": platform.platform(),
                      "python": platform.python_version()}), flush=True)
    if "seed" not in skip:
        print(json.dumps(seed()), flush=True)
    if "measure" not in skip:
        measure_sets()
    if "speed" not in skip:
        speed()
    if "headroom" not in skip:
        headroom()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
