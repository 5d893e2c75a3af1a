"""Measure the stance scorers: speed on synthetic replies, quality on the labeled holdout sets.

    python bench/bench_stance.py speed   [--n 1000000] [--vader-n 50000] [--threads 1]
    python bench/bench_stance.py speed-embed [--n 2000] [--threads 2] [--scorer embed|embed-mpnet]  # needs its extra
    python bench/bench_stance.py holdout [--scorers default,vader]    # e.g. --scorers default,cues-char,vader

speed: generates N synthetic comments with ../shared/bench/gen_threads.py (cached under --cache), pairs
each with its parent's text (top-level comments: null parent), and times ``score`` for the default
scorer on all of them and for VADER on the first --vader-n (VADER runs in Python per reply), on one
thread (POLARS_MAX_THREADS / OPENBLAS_NUM_THREADS are set before polars and numpy load). Also reports
how often the default label agrees with the generator's planted stance.

holdout: macro-F1 over agree/neutral/disagree on ToxiChat test and Lei & Huang CovidVaccine, and F1 of
``offensive`` against ToxiChat test offence labels. Run only on a finished scorer: holdout is never
used to train, tune or pick cue words.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _single_thread(threads: int) -> None:
    for var in ("POLARS_MAX_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)


def _synthetic(n: int, cache: Path) -> Path:
    out = cache / f"synth_{n}"
    if not (out / "comments.csv").exists():
        subprocess.run([sys.executable, str(SHARED / "bench" / "gen_threads.py"), "--comments", str(n), "--seed", "1",
                        "--format", "csv", "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


def speed(n: int, vader_n: int, cache: Path) -> None:
    import polars as pl

    from discourse.stance import score

    out = _synthetic(n, cache)
    comments = pl.read_csv(out / "comments.csv", schema_overrides={"comment_id": pl.String, "parent_id": pl.String,
                                                                   "thread_id": pl.String})
    parents = comments.select(pl.col("comment_id").alias("parent_id"), pl.col("text").alias("parent_text"))
    pairs = comments.join(parents, on="parent_id", how="left", maintain_order="left").select(
        "comment_id", "text", "parent_text")
    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M UTC}; polars threads {pl.thread_pool_size()}; "
          f"{pairs.height} replies ({pairs['parent_text'].is_not_null().sum()} with a parent comment)")
    score(pairs.head(1000), "fast")  # warm-up: lexicon load, regex compilation
    t0, c0 = time.perf_counter(), time.process_time()
    scored = score(pairs, "fast")
    dt, ct = time.perf_counter() - t0, time.process_time() - c0
    print(f"fast     {pairs.height:>9} replies: wall {dt:7.2f} s = {pairs.height / dt:>9,.0f}/s; "
          f"CPU {ct:7.2f} s = {pairs.height / ct:>9,.0f}/s")
    sub = pairs.head(vader_n)
    t0, c0 = time.perf_counter(), time.process_time()
    score(sub, "vader")
    dv, cv = time.perf_counter() - t0, time.process_time() - c0
    print(f"vader    {sub.height:>9} replies: wall {dv:7.2f} s = {sub.height / dv:>9,.0f}/s; "
          f"CPU {cv:7.2f} s = {sub.height / cv:>9,.0f}/s")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (wall time counts other processes' use of the core)")
    print("labels:", dict(sorted(scored.group_by("label").len().iter_rows())))
    truth_path = out / "truth" / "edges_truth.csv"
    if truth_path.exists():
        truth = pl.read_csv(truth_path, schema_overrides={"comment_id": pl.String}).select("comment_id", "stance")
        joined = scored.join(truth, on="comment_id").with_columns(
            pl.col("label").replace({"disagree": "hostile"}).alias("pred"))
        acc = joined.select((pl.col("pred") == pl.col("stance")).mean()).item()
        print(f"planted stance (agree/neutral/hostile; disagree counted as hostile): accuracy {acc:.3f} "
              f"on {joined.height} replies")
        print(joined.group_by("stance", "pred").len().sort("stance", "pred"))


def speed_embed(n: int, threads: int, cache: Path, scorer: str = "embed") -> None:
    """Replies per wall and CPU second of an embed scorer on the first ``n`` synthetic replies (encoder loaded first)."""
    import polars as pl
    import torch

    from discourse.stance import score

    torch.set_num_threads(threads)
    out = _synthetic(max(n, 10_000), cache)
    comments = pl.read_csv(out / "comments.csv", schema_overrides={"comment_id": pl.String, "parent_id": pl.String,
                                                                   "thread_id": pl.String})
    parents = comments.select(pl.col("comment_id").alias("parent_id"), pl.col("text").alias("parent_text"))
    pairs = comments.join(parents, on="parent_id", how="left", maintain_order="left").select(
        "comment_id", "text", "parent_text").head(n)
    score(pairs.head(10), scorer)  # warm-up: load the encoder and the head
    t0, c0 = time.perf_counter(), time.process_time()
    scored = score(pairs, scorer)
    dt, ct = time.perf_counter() - t0, time.process_time() - c0
    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M UTC}; torch threads {threads}; {scored['scorer'][0]}")
    print(f"{scorer:<12} {pairs.height:>9} replies: wall {dt:7.2f} s = {pairs.height / dt:>9,.0f}/s; "
          f"CPU {ct:7.2f} s = {pairs.height / ct:>9,.0f}/s; load average {os.getloadavg()[0]:.1f}")


def holdout(scorers: list[str]) -> None:
    from discourse.stance import read_labeled
    from discourse.stance._eval import evaluate

    base = SHARED / "corpora" / "labeled" / "holdout"
    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M UTC}")
    for name in ("toxichat_test.jsonl", "lei_huang_subreddit_CovidVaccine.csv"):
        data = read_labeled(base / name)
        for scorer in scorers:
            r = evaluate(data, scorer)
            off = f"  offensive F1 {r.offensive['f1']:.3f}" if r.offensive else ""
            per = "  ".join(f"{lab} F1 {m['f1']:.3f}" for lab, m in r.per_class.items())
            print(f"{name:<40} {r.scorer:<9} n {r.n:>5}  macro-F1 {r.macro_f1:.3f}  acc {r.accuracy:.3f}  "
                  f"ECE {r.ece:.3f}  [{per}]{off}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    sp = sub.add_parser("speed")
    sp.add_argument("--n", type=int, default=1_000_000)
    sp.add_argument("--vader-n", type=int, default=50_000)
    sp.add_argument("--threads", type=int, default=1)
    sp.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "discourse-bench")
    se = sub.add_parser("speed-embed")
    se.add_argument("--n", type=int, default=2000)
    se.add_argument("--threads", type=int, default=2)
    se.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "discourse-bench")
    se.add_argument("--scorer", default="embed", choices=("embed", "embed-mpnet"))
    hp = sub.add_parser("holdout")
    hp.add_argument("--scorers", default="default,vader")
    args = ap.parse_args(argv)
    if args.what == "speed":
        _single_thread(args.threads)
        speed(args.n, args.vader_n, args.cache)
    elif args.what == "speed-embed":
        speed_embed(args.n, args.threads, args.cache, args.scorer)
    else:
        holdout(args.scorers.split(","))
    return 0


if __name__ == "__main__":
    sys.exit(main())
