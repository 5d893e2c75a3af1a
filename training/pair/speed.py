"""Throughput of the shipped neural scorer on real reply lengths: pairs per second through
``discourse.stance.score`` (tokenising, the int8 model, calibration and the stance columns), on the cores this
process may use.

    .venv/bin/python -m training.pair.speed [--n 1000] [--threads N] [--repeats 3]

The pairs are a fixed sample of the labeled dev sets (each source in proportion, so the lengths are those of
real Reddit, Wikipedia talk, Twitter and chatbot replies); the best of ``--repeats`` timed runs is reported,
after one warm-up run that loads the model.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from discourse.stance import score
from discourse.stance._pair import PairScorer, available_cores
from training.pair.table import build_table

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.pair.speed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "corpora" / "labeled" / "dev")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=0, help="default: the cores this process may use")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    pairs = build_table(a.dev).filter(pl.col("parent_text") != "").sample(a.n, seed=0).select("text", "parent_text")
    scorer = PairScorer(threads=a.threads or None)
    score(pairs.head(8), scorer)  # loads the model
    enc = scorer._runtime().encoder
    tokens = [len(r[0]) for r in enc.encode(pairs["text"].to_list(), pairs["parent_text"].to_list())]
    times = []
    for _ in range(a.repeats):
        t = time.perf_counter()
        score(pairs, scorer)
        times.append(time.perf_counter() - t)
    result = {"pairs": a.n, "threads": a.threads or available_cores(), "mean_tokens": float(np.mean(tokens)),
              "best_pairs_per_s": a.n / min(times), "median_pairs_per_s": a.n / float(np.median(times))}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
