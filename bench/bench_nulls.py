"""Are the null models calibrated? On networks with no structure, a figure's z-score should pass 1.96
in about 5% of graphs, and the observed value should fall inside the null's central 95% about 95% of
the time.

    python bench/bench_nulls.py [--graphs 80] [--replicates 60] [--authors 60] [--replies 400] [--runs 5] [--first-seed 0]

Each graph: ``--replies`` replies between ``--authors`` authors drawn uniformly (self-replies skipped),
each agree, neutral, disagree or hostile uniformly at random, so neither who answers whom nor the signs
hold any structure. Each is analysed as a build analyses a thread (``discourse.analysis.analyse`` with
``--runs`` ensemble seeds and ``--replicates`` null replicates). Prints, per figure: the share of graphs
with |z| > 1.96 and the share whose value lies inside the null interval (targets: 3-7% and 0.93-0.97).
Use 40 replicates or more: fewer cannot hold a 95% interval (with 20 the interval is the null's range,
which holds an exchangeable value 19 times in 21).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
LABELS = ("agree", "neutral", "disagree", "hostile")
WEIGHTS = {"agree": 1.0, "neutral": 0.0, "disagree": -0.5, "hostile": -1.0}


def structureless(seed: int, authors: int, replies: int) -> pl.DataFrame:
    """Scored replies with no structure: uniform authors and targets, uniform labels."""
    from discourse import schema

    rng = np.random.default_rng(seed)
    a = rng.integers(0, authors, replies)
    b = rng.integers(0, authors, replies)
    keep = a != b
    a, b = a[keep], b[keep]
    labels = [LABELS[i] for i in rng.integers(0, 4, a.size)]
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    n = a.size
    frame = pl.DataFrame({
        "site": ["bench"] * n, "thread_id": [f"g{seed}"] * n, "comment_id": [f"c{i}" for i in range(n)],
        "parent_id": [f"p{i}" for i in range(n)], "author": [f"u{x}" for x in a],
        "parent_author": [f"u{x}" for x in b], "text": ["t"] * n, "parent_text": ["p"] * n,
        "created_at": [t0] * n, "to_root": [False] * n, "self_reply": [False] * n,
        "parent_source": ["explicit"] * n, "parent_confidence": [1.0] * n,
        "p_agree": [0.25] * n, "p_neutral": [0.25] * n, "p_disagree": [0.25] * n, "p_hostile": [0.25] * n,
        "label": labels, "weight": [WEIGHTS[x] for x in labels], "confidence": [1.0] * n,
        "p_offensive": [0.0] * n, "offensive": [False] * n, "scorer": ["random"] * n, "lang": ["en"] * n,
    })
    spec = {**schema.REPLIES, **schema.STANCE_COLUMNS}
    return schema.conform(frame, spec)


def main(argv: list[str] | None = None) -> int:
    from discourse.analysis import analyse, author_network

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graphs", type=int, default=80)
    ap.add_argument("--replicates", type=int, default=60)
    ap.add_argument("--authors", type=int, default=60)
    ap.add_argument("--replies", type=int, default=400)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0, help="graphs use seeds first-seed .. first-seed + graphs - 1")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    beyond: dict[str, list[bool]] = defaultdict(list)
    inside: dict[str, list[bool]] = defaultdict(list)
    for seed in range(args.first_seed, args.first_seed + args.graphs):
        replies = structureless(seed, args.authors, args.replies)
        figures = analyse(author_network(replies), replies, runs=args.runs, null_models=args.replicates,
                          seed=seed).metrics["figures"]
        for name, rec in figures.items():
            if rec.get("z") is None or rec.get("interval") is None:
                continue
            beyond[name].append(abs(rec["z"]) > 1.96)
            lo, hi = rec["interval"]
            inside[name].append(lo <= rec["value"] <= hi)
    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M UTC}; {args.graphs} structureless graphs (seeds {args.first_seed}-"
          f"{args.first_seed + args.graphs - 1}) of {args.authors} "
          f"authors and {args.replies} replies; {args.replicates} null replicates; ensemble of {args.runs}; "
          f"{time.perf_counter() - t0:.0f} s")
    print("\n| figure | graphs | \\|z\\| > 1.96 | value inside the null's 95% |\n|---|---:|---:|---:|")
    for name in sorted(beyond):
        print(f"| {name} | {len(beyond[name])} | {np.mean(beyond[name]):.1%} | {np.mean(inside[name]):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
