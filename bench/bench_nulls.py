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

    python bench/bench_nulls.py --partition-free [--graphs 1000]

checks the figures whose null needs no partition (triangle balance, status consistency) on many more
graphs in little time: the library's own sign null (``null_samples`` with the partitioning left out),
beside a control whose observed value is itself a sign-permuted copy, so exactly exchangeable with
the replicates: what a Monte Carlo test with this many replicates gives at best on these discrete
figures (with 60 replicates and mid-ranks |z| > 1.96 happens about 6.6% of the time on a continuous
figure, not 5%).
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


PARTITION_FREE = ("triangle_balance", "status_consistency")


def partition_free(args: argparse.Namespace) -> int:
    """Rates and coverage of the partition-free sign figures, observed and exchangeable control."""
    from discourse.analysis import author_network
    from discourse.analysis.core import _arrays, _layers
    from discourse.analysis.figures import compute_figures, figure_input
    from discourse.analysis.nullmodels import null_samples, rank_z, sign_permuted

    t0 = time.perf_counter()
    beyond: dict[tuple[str, str], list[bool]] = defaultdict(list)
    inside: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for seed in range(args.first_seed, args.first_seed + args.graphs):
        network = author_network(structureless(seed, args.authors, args.replies))
        arrays, n = _arrays(network), network.graph.vcount()
        none = np.zeros(n, dtype=np.int64)
        observed = figure_input(n, **arrays, membership=none, camps=none, layers=_layers(arrays, n))
        control = sign_permuted(observed, np.random.default_rng([seed, 0xC0]))
        for kind, x in (("observed", observed), ("control", control)):
            nulls = null_samples(x, lambda y, m=none: (m, m), replicates=args.replicates, seed=seed,
                                 names=PARTITION_FREE)
            for name, (value, _) in compute_figures(x, PARTITION_FREE).items():
                sample = np.asarray(nulls[name])
                if value is None or sample.size < 2 or sample.std() == 0:
                    continue
                beyond[name, kind].append(abs(rank_z(value, sample)) > 1.96)
                lo, hi = np.quantile(sample, [0.025, 0.975], method="weibull")
                inside[name, kind].append(bool(lo <= value <= hi))
    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M UTC}; partition-free sign figures on {args.graphs} structureless "
          f"graphs (seeds {args.first_seed}-{args.first_seed + args.graphs - 1}) of {args.authors} authors and "
          f"{args.replies} replies; {args.replicates} null replicates; {time.perf_counter() - t0:.0f} s")
    print("\n| figure | value | graphs | \\|z\\| > 1.96 | value inside the null's 95% |\n|---|---|---:|---:|---:|")
    for name, kind in sorted(beyond):
        b, i = beyond[name, kind], inside[name, kind]
        label = "observed" if kind == "observed" else "control (a permuted copy)"
        print(f"| {name} | {label} | {len(b)} | {np.mean(b):.1%} ({sum(b)}) | {np.mean(i):.3f} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    from discourse.analysis import analyse, author_network

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graphs", type=int, default=80)
    ap.add_argument("--replicates", type=int, default=60)
    ap.add_argument("--authors", type=int, default=60)
    ap.add_argument("--replies", type=int, default=400)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0, help="graphs use seeds first-seed .. first-seed + graphs - 1")
    ap.add_argument("--partition-free", action="store_true",
                    help="only the figures whose null needs no partition, beside an exchangeable control")
    args = ap.parse_args(argv)
    if args.partition_free:
        return partition_free(args)
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
