"""Benchmark of the signed network analysis (issue 5) on synthetic threads.

    python bench/bench_analysis.py --comments 1000000            # network + factions + centralities + figures
    python bench/bench_analysis.py --comments 100000 --null 20   # with null models

Threads come from ../shared/bench/gen_threads.py (generated into a temporary folder, or --data DIR
holding its CSV output). Stances are the generator's planted ones (``--stances truth``, default) or
scored from the text by discourse.stance.score (``--stances scored``, when that stage is installed).
Prints one JSON line of timings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from discourse import schema

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_threads.py"

_TRUTH_STANCE = {  # planted stance -> (label, weight, p_agree, p_neutral, p_disagree, p_hostile)
    "agree": ("agree", 0.8, 0.9, 0.1, 0.0, 0.0),
    "neutral": ("neutral", 0.0, 0.05, 0.9, 0.05, 0.0),
    "hostile": ("hostile", -0.9, 0.0, 0.05, 0.05, 0.9),
}


def generate(out: Path, comments: int, factions: int = 4, seed: int = 0) -> Path:
    """Run the shared generator (CSV output) into ``out``."""
    subprocess.run([sys.executable, str(GENERATOR), "-n", str(comments), "-k", str(factions),
                    "-s", str(seed), "--format", "csv", "-o", str(out)], check=True, capture_output=True)
    return out


def replies_from_generator(data: Path) -> pl.DataFrame:
    """Unscored replies (``schema.REPLIES``) from the generator's comments.csv, with a ``_truth``
    column of planted stances. Deleted authors ("[deleted]") become null, as the repair stage does."""
    raw = pl.read_csv(data / "comments.csv", schema_overrides=dict.fromkeys(("thread_id", "comment_id", "parent_id", "author", "text", "timestamp", "site"), pl.String))
    c = raw.with_columns(
        pl.when(pl.col("author") == "[deleted]").then(None).otherwise(pl.col("author")).alias("author"),
        pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_unit="us", time_zone="UTC").alias("created_at"),
    )
    parents = c.select(pl.col("comment_id").alias("parent_id"), pl.col("author").alias("parent_author"),
                       pl.col("text").alias("parent_text"))
    truth = pl.read_csv(data / "truth" / "edges_truth.csv", columns=["comment_id", "stance"],
                        schema_overrides={"comment_id": pl.String, "stance": pl.String})
    replies = (
        c.join(parents, on="parent_id", how="left")
        .join(truth, on="comment_id", how="left")
        .with_columns(
            pl.col("parent_id").is_null().alias("to_root"),
            (pl.col("author") == pl.col("parent_author")).fill_null(False).alias("self_reply"),
            pl.when(pl.col("parent_id").is_null()).then(pl.lit("root")).otherwise(pl.lit("explicit")).alias("parent_source"),
            pl.lit(1.0).alias("parent_confidence"),
            pl.col("stance").fill_null("neutral").alias("_truth"),
        )
    )
    return schema.conform(replies, schema.REPLIES).select(*schema.REPLIES, "_truth")


def truth_scored(replies: pl.DataFrame) -> pl.DataFrame:
    """Replies scored with the planted stances (a perfect scorer)."""
    table = pl.DataFrame(
        [(k, *v) for k, v in _TRUTH_STANCE.items()],
        schema=["_truth", "label", "weight", "p_agree", "p_neutral", "p_disagree", "p_hostile"], orient="row")
    out = replies.join(table, on="_truth", how="left", maintain_order="left").with_columns(
        pl.lit(1.0).alias("confidence"), pl.lit(0.0).alias("p_offensive"), pl.lit(False).alias("offensive"),
        pl.lit("truth").alias("scorer"))
    return schema.conform(out, {**schema.REPLIES, **schema.STANCE_COLUMNS})


def scored(replies: pl.DataFrame, scorer: str = "fast") -> pl.DataFrame:
    """Replies scored from their text (by the fast lexical scorer unless another is named)."""
    from discourse.stance import score

    return score(replies.drop("_truth"), scorer)


def main(argv: list[str] | None = None) -> None:
    from discourse.analysis import analyse, author_network

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--comments", type=int, default=100_000)
    ap.add_argument("--data", type=Path, default=None, help="a gen_threads.py CSV output folder")
    ap.add_argument("--null", type=int, default=0, help="null-model replicates")
    ap.add_argument("--runs", type=int, default=None, help="ensemble runs")
    ap.add_argument("--stances", choices=("truth", "scored"), default="truth")
    a = ap.parse_args(argv)
    timings: dict[str, float | int | str] = {"comments": a.comments, "null_replicates": a.null,
                                             "stances": a.stances}
    with tempfile.TemporaryDirectory() as tmp:
        data = a.data or generate(Path(tmp) / "synth", a.comments)
        t = time.perf_counter()
        replies = replies_from_generator(data)
        replies = truth_scored(replies) if a.stances == "truth" else scored(replies)
        timings["load_s"] = round(time.perf_counter() - t, 2)
    t, c = time.perf_counter(), time.process_time()
    net = author_network(replies)
    timings["network_s"] = round(time.perf_counter() - t, 2)
    t1 = time.perf_counter()
    kw = {} if a.runs is None else {"runs": a.runs}
    result = analyse(net, replies, null_models=a.null, **kw)
    timings["analyse_s"] = round(time.perf_counter() - t1, 2)
    timings["total_s"] = round(time.perf_counter() - t, 2)
    # the machine is shared: CPU time of this process shows the cost when others are busy
    timings["total_cpu_s"] = round(time.process_time() - c, 2)
    timings["load_avg_1m"] = round(os.getloadavg()[0], 2)
    timings["authors"] = net.graph.vcount()
    timings["edges"] = net.graph.ecount()
    timings["factions"] = result.metrics["sizes"]["factions"]
    timings["timings"] = result.metrics.get("timings_s", {})
    print(json.dumps(timings))


if __name__ == "__main__":
    main()
