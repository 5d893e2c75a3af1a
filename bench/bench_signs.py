"""The figures of issue 16 in one table: are the signs on the edges right, and do they give the factions?

    python bench/bench_signs.py                       # every figure for the default scorer (holdout included)
    python bench/bench_signs.py --scorers neural,fast # the same for each named scorer
    python bench/bench_signs.py --skip holdout        # leave out a part: holdout, speed, planted, debates

holdout  ToxiChat test macro-F1 (agree / neutral / disagree; a predicted hostile counts as disagree), Lei &
         Huang CovidVaccine macro-F1, WikiTactics test hostile (DH0/DH1) vs other F1, ConvAbuse test
         abusive F1 (the ``offensive`` flag), ToxiChat test ``offensive`` F1; each with a 95% bootstrap
         interval. Holdout measures a finished scorer once: nothing is tuned on it.
speed    the neural scorer's pairs per second on 2 cores on real replies (ToxiChat train turns, dev data),
         and the fast scorer's replies per CPU second on one core (bench/bench_stance.py speed, 1M replies).
planted  factions NMI on gen_threads.py output (20k comments, 4 factions, seeds 0 and 7) built with the
         whole pipeline (``discourse.build``), over authors with five or more comments.
debates  factions NMI against the users' known sides on the six createdebate threads of debate_naacl13
         (holdout), each built as a thread: a post replies to its target user's latest earlier post.

Needs ../shared beside the checkout. Prints a Markdown table and the command line, for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
HOLDOUT = SHARED / "corpora" / "labeled" / "holdout"
DEV = SHARED / "corpora" / "labeled" / "dev"
GENERATOR = SHARED / "bench" / "gen_threads.py"
PARTS = ("holdout", "speed", "planted", "debates")


# -- holdout ---------------------------------------------------------------------------------------

def holdout_rows(scorer: str) -> list[tuple[str, float, tuple[float, float], int]]:
    """(figure, value, 95% bootstrap interval, n) for each holdout figure."""
    from discourse.stance import evaluate, read_labeled

    def run(file: str, layout: str) -> Any:
        return evaluate(read_labeled(HOLDOUT / file, layout), scorer)     # type: ignore[arg-type]

    toxichat, covid = run("toxichat_test.jsonl", "toxichat"), run("lei_huang_subreddit_CovidVaccine.csv", "lei_huang")
    wiki, abuse = run("wikitactics_pairs_test.jsonl", "wikitactics"), run("convabuse_pairs_test.jsonl", "convabuse")
    return [
        ("ToxiChat test macro-F1", toxichat.macro_f1, toxichat.intervals["macro_f1"], toxichat.n),
        ("Lei & Huang CovidVaccine macro-F1", covid.macro_f1, covid.intervals["macro_f1"], covid.n),
        ("WikiTactics test hostile vs other F1", wiki.per_class["hostile"]["f1"], wiki.intervals["f1:hostile"], wiki.n),
        ("ConvAbuse test abusive F1", abuse.offensive["f1"], abuse.intervals["offensive_f1"], int(abuse.offensive["n"])),
        ("ToxiChat test offensive F1", toxichat.offensive["f1"], toxichat.intervals["offensive_f1"],
         int(toxichat.offensive["n"])),
    ]


# -- speed -----------------------------------------------------------------------------------------

def neural_speed(n: int = 2000) -> tuple[float, str]:
    """Pairs per wall second of the neural scorer on n real (parent, reply) pairs, all cores."""
    from discourse.stance import read_labeled, score

    pairs = read_labeled(DEV / "toxichat_train.jsonl", "toxichat").filter(pl.col("parent_text").is_not_null())
    pairs = pairs.head(n).select("text", "parent_text")
    score(pairs.head(16), "neural")                  # load the model first
    t0 = time.perf_counter()
    score(pairs, "neural")
    dt = time.perf_counter() - t0
    chars = pairs.select(pl.col("text").str.len_chars().mean(), pl.col("parent_text").str.len_chars().mean()).row(0)
    return n / dt, f"{n} ToxiChat train pairs (mean reply {chars[0]:.0f}, parent {chars[1]:.0f} characters)"


def fast_speed() -> tuple[float, str]:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_stance.py"), "speed", "--n", "1000000",
                          "--vader-n", "1000"], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("fast"))
    per_cpu = float(line.rsplit("=", 1)[1].strip().rstrip("/s").replace(",", ""))
    return per_cpu, "1M synthetic replies, one core (CPU seconds)"


# -- factions --------------------------------------------------------------------------------------

def _nmi(found: np.ndarray, truth: np.ndarray) -> float:
    from discourse.analysis import nmi

    return float(nmi(found, truth))


def planted_nmi(seed: int, scorer: str, work: Path) -> float:
    import discourse

    out = work / f"planted{seed}"
    if not (out / "comments.csv").exists():
        subprocess.run([sys.executable, str(GENERATOR), "-n", "20000", "-k", "4", "-s", str(seed), "--format", "csv",
                        "-o", str(out)], check=True, capture_output=True)
    result = discourse.build(out / "comments.csv", scorer=scorer, seed=0, id_col="comment_id", parent_col="parent_id",
                             author_col="author", text_col="text", time_col="timestamp", thread_col="thread_id",
                             site_col="site")
    truth = pl.read_csv(out / "truth" / "factions.csv", schema_overrides={"author": pl.String})
    both = (result.nodes.filter(pl.col("n_comments") >= 5).select("author", "community")
            .join(truth.select("author", "faction"), on="author", how="inner"))
    return _nmi(both["community"].to_numpy(), both["faction"].to_numpy())


def debate_thread(sents: Path, out: Path) -> Path:
    """A debate_naacl13 .sents file as a JSON Lines thread: one comment per post (its sentences joined),
    replying to the target user's latest earlier post (or to the debate when it names none)."""
    rows = pl.read_csv(sents, separator="\t", has_header=False, quote_char=None, encoding="utf8-lossy",
                       new_columns=["author", "target", "url", "post", "sentence"],
                       schema_overrides={"post": pl.String}, truncate_ragged_lines=True)
    posts = rows.group_by("post", maintain_order=True).agg(pl.col("author").first(), pl.col("target").first(),
                                                           pl.col("sentence").str.join(" ").alias("text"))
    latest: dict[str, str] = {}
    with open(out, "w", encoding="utf-8") as fh:
        for post, author, target, text in posts.iter_rows():
            parent = latest.get(target) if target and target != "-" else None
            fh.write(json.dumps({"id": post, "parent": parent, "author": author, "text": text}) + "\n")
            latest[author] = post
    return out


def debates_nmi(scorer: str, work: Path) -> list[tuple[str, float, int]]:
    import discourse

    out = []
    for sents in sorted((HOLDOUT / "debate_naacl13").glob("*.sents")):
        thread = debate_thread(sents, work / f"{sents.stem}.jsonl")
        result = discourse.build(thread, scorer=scorer, seed=0, id_col="id", parent_col="parent", author_col="author",
                                 text_col="text", thread_id=sents.stem)
        labels = pl.read_csv(sents.with_suffix(".labels"), separator="\t", has_header=False, encoding="utf8-lossy",
                             new_columns=["author", "side"], schema_overrides={"author": pl.String})
        both = result.nodes.select("author", "community").join(labels, on="author", how="inner")
        out.append((sents.stem, _nmi(both["community"].to_numpy(), both["side"].to_numpy()), both.height))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scorers", default="default", help="comma-separated scorer names (default: default)")
    ap.add_argument("--skip", default="", help=f"comma-separated parts to leave out: {', '.join(PARTS)}")
    args = ap.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}
    if not (SHARED / "corpora").is_dir():
        print("../shared is not beside the checkout", file=sys.stderr)
        return 1
    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M UTC}; {os.cpu_count()} cores; "
          f"command: python bench/bench_signs.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    table: list[tuple[str, str, str]] = []
    print("\n| scorer | figure | value |\n|---|---|---:|", flush=True)

    class _Rows(list):  # type: ignore[type-arg]
        """Rows printed as they are added, so a long run shows what it has measured."""

        def append(self, row: tuple[str, str, str]) -> None:  # type: ignore[override]
            super().append(row)
            print(f"| {row[0]} | {row[1]} | {row[2]} |", flush=True)

        def extend(self, rows: Any) -> None:  # type: ignore[override]
            for row in rows:
                self.append(row)

    table = _Rows()
    with tempfile.TemporaryDirectory(prefix="discourse-signs-") as tmp:
        work = Path(tmp)
        for scorer in args.scorers.split(","):
            if "holdout" not in skip:
                for name, value, (lo, hi), n in holdout_rows(scorer):
                    table.append((scorer, name, f"{value:.3f} [{lo:.3f}, {hi:.3f}] (n {n})"))
            if "planted" not in skip:
                table.extend((scorer, f"planted factions NMI, 20k comments, seed {seed}",
                              f"{planted_nmi(seed, scorer, work):.3f}") for seed in (0, 7))
            if "debates" not in skip:
                each = debates_nmi(scorer, work)
                table.append((scorer, "six debates: mean factions NMI",
                              f"{np.mean([v for _, v, _ in each]):.3f} ("
                              + ", ".join(f"{name.split('-')[0]} {v:.2f}" for name, v, _ in each) + ")"))
        if "speed" not in skip:
            rate, what = neural_speed()
            table.append(("neural", "speed, 2 cores, real reply lengths", f"{rate:,.0f} pairs/s ({what})"))
            rate, what = fast_speed()
            table.append(("fast", "speed, one core", f"{rate:,.0f} replies/s ({what})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
