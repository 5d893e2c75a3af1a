"""Which faction method groups people by side? One table over every signed method (issue 19).

    python bench/bench_factions.py                     # every set, every signed method
    python bench/bench_factions.py --sets planted,sample --sizes 5000

Sets, each with the sides known:
planted  gen_threads.py threads (4 planted factions, seeds 0 and 7, --sizes comments): signs from the
         generator's truth (agree +1, neutral 0, hostile -1), and from the fast scorer (what a build of that
         size runs); NMI over authors with five or more comments, against the planted faction.
debates  the six createdebate threads of debate_naacl13 (holdout; only its known sides are read, nothing is
         tuned): "perfect" signs (+1 between users on the same side, -1 across) and the default scorer's;
         NMI over the users with a known side.
sample   sample_data/main_street.csv, written as two camps (named below) with a few undecided voices:
         perfect signs and the default scorer's; NMI over the nine commenters with a side.
classic  Highland tribes (Read 1954; 16 tribes, 58 ties, the published three groups) and Sampson's monastery
         at T4 (18 novices, 103 liking / disliking nominations as +1 / -1; Young Turks, Loyal Opposition,
         Outcasts, Waverers): the recorded signs; tests/data/analysis/README.md gives the sources.

Each graph is the author network as a build makes it (replies to one's own comment and unknown authors
left out, both directions of a pair summed) and each method runs as a build runs it: the 5-seed ensemble
and its consensus. ``two-camps`` is the leading-eigenvector split of the largest component (everyone
outside it on their own). Needs ../shared beside the checkout for planted and debates. Prints a Markdown
table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
GENERATOR = SHARED / "bench" / "gen_threads.py"
DEBATES = SHARED / "corpora" / "labeled" / "holdout" / "debate_naacl13"
METHODS = ("leiden-cpm", "leiden-sponge", "signed-modularity", "spinglass", "two-camps")
WEIGHT = {"agree": 1.0, "neutral": 0.0, "disagree": -0.5, "hostile": -1.0}
# sample_data/main_street.csv as written: for the bike lane, against it (linh is persuaded midway and
# mod_ellen moderates: no side)
SAMPLE_SIDES = {"maya": 0, "theo": 0, "priya": 0, "olu": 0, "sam_k": 0,
                "rick_h": 1, "donna": 1, "gary54": 1, "bev": 1}
UNKNOWN = ("", "[deleted]", "[removed]")


def reply_pairs(comments: pl.DataFrame) -> pl.DataFrame:
    """``comment_id, author, parent_author, text, parent_text`` for each reply to a comment by another,
    known author."""
    parents = comments.select(pl.col("comment_id").alias("parent_id"), pl.col("author").alias("parent_author"),
                              pl.col("text").alias("parent_text"))
    known = pl.col("author").is_not_null() & ~pl.col("author").is_in(UNKNOWN)
    return (comments.filter(known).join(parents, on="parent_id", how="inner", maintain_order="left")
            .filter(pl.col("parent_author").is_not_null() & ~pl.col("parent_author").is_in(UNKNOWN)
                    & (pl.col("author") != pl.col("parent_author")))
            .select("comment_id", "author", "parent_author", "text", "parent_text"))


def scored_weights(pairs: pl.DataFrame, scorer: str) -> np.ndarray:
    from discourse.stance import score

    return score(pairs.select("text", "parent_text"), scorer)["weight"].to_numpy()


def memberships(pairs: pl.DataFrame, w: np.ndarray, runs: int = 5) -> tuple[list[str], dict[str, np.ndarray | str]]:
    """Every method's consensus membership on the author network of ``pairs`` weighted ``w``."""
    from discourse.analysis.factions import SPINGLASS_MAX_VERTICES, ensemble, layers_from_arrays, two_camps

    authors = sorted(set(pairs["author"].to_list()) | set(pairs["parent_author"].to_list()))
    index = {a: i for i, a in enumerate(authors)}
    src = np.array([index[a] for a in pairs["author"].to_list()], dtype=np.int64)
    dst = np.array([index[a] for a in pairs["parent_author"].to_list()], dtype=np.int64)
    layers = layers_from_arrays(len(authors), src, dst, w, np.clip(w, 0, None), np.clip(-w, 0, None),
                                np.ones(w.size, dtype=np.int64))
    out: dict[str, np.ndarray | str] = {}
    for method in METHODS:
        t0 = time.perf_counter()
        if method == "spinglass" and len(authors) > SPINGLASS_MAX_VERTICES:
            out[method] = f"{len(authors)} authors (limit {SPINGLASS_MAX_VERTICES})"
            continue
        if method == "two-camps":
            camps = two_camps(layers, seed=0)
            outside = np.flatnonzero(camps < 0)
            camps[outside] = 2 + np.arange(outside.size)
            out[method] = camps
        else:
            out[method] = ensemble(layers, method, seed=0, runs=runs).membership
        print(f"    {method}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return authors, out


def nmi_against(authors: list[str], membership: np.ndarray | str, sides: dict[str, int]) -> float | str:
    from discourse.analysis import nmi

    if isinstance(membership, str):
        return membership
    found, truth = [], []
    for i, a in enumerate(authors):
        if a in sides:
            found.append(int(membership[i]))
            truth.append(sides[a])
    return float(nmi(np.asarray(found), np.asarray(truth)))


def _row(name: str, signs: str, authors: list[str], found: dict[str, np.ndarray | str],
         sides: dict[str, int]) -> dict[str, float | str]:
    row: dict[str, float | str] = {"set": name, "signs": signs}
    for method in METHODS:
        row[method] = nmi_against(authors, found[method], sides)
    return row


def planted(sizes: list[int], seeds: list[int], work: Path) -> list[dict[str, float | str]]:
    rows = []
    for n in sizes:
        for seed in seeds:
            out = work / f"planted_{n}_{seed}"
            if not (out / "comments.csv").exists():
                subprocess.run([sys.executable, str(GENERATOR), "-n", str(n), "-k", "4", "-s", str(seed), "--format",
                                "csv", "-o", str(out)], check=True, capture_output=True)
            comments = pl.read_csv(out / "comments.csv", infer_schema=False, schema_overrides={"comment_id": pl.String,
                                                                           "parent_id": pl.String,
                                                                           "author": pl.String})
            pairs = reply_pairs(comments)
            truth = pl.read_csv(out / "truth" / "edges_truth.csv", infer_schema=False)
            true_w = (pairs.join(truth.select("comment_id", "stance"), on="comment_id", how="left",
                                 maintain_order="left")["stance"].replace_strict(WEIGHT, default=0.0).to_numpy())
            factions = pl.read_csv(out / "truth" / "factions.csv", infer_schema=False)
            active = comments.group_by("author").len().filter(pl.col("len") >= 5)["author"].to_list()
            keep = set(active)
            sides = {a: int(f) for a, f in factions.select("author", "faction").iter_rows() if a in keep}
            for signs, w in (("true", true_w), ("fast scorer", scored_weights(pairs, "fast"))):
                print(f"planted n={n} seed={seed} {signs}", file=sys.stderr)
                authors, found = memberships(pairs, w)
                rows.append(_row(f"planted {n:,} comments, seed {seed}", signs, authors, found, sides))
    return rows


def _perfect(pairs: pl.DataFrame, sides: dict[str, int]) -> np.ndarray:
    a = [sides.get(x) for x in pairs["author"].to_list()]
    b = [sides.get(x) for x in pairs["parent_author"].to_list()]
    return np.array([0.0 if x is None or y is None else (1.0 if x == y else -1.0) for x, y in zip(a, b, strict=True)])


def debates(work: Path) -> list[dict[str, float | str]]:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_signs import debate_thread

    rows = []
    for sents in sorted(DEBATES.glob("*.sents")):
        thread = debate_thread(sents, work / f"{sents.stem}.jsonl")
        raw = pl.read_ndjson(thread, schema={"id": pl.String, "parent": pl.String, "author": pl.String,
                                             "text": pl.String})
        comments = raw.rename({"id": "comment_id", "parent": "parent_id"})
        pairs = reply_pairs(comments)
        labels = pl.read_csv(sents.with_suffix(".labels"), separator="\t", has_header=False, encoding="utf8-lossy",
                             new_columns=["author", "side"], schema_overrides={"author": pl.String})
        sides = dict(labels.iter_rows())
        for signs, w in (("perfect", _perfect(pairs, sides)), ("default scorer", scored_weights(pairs, "default"))):
            print(f"{sents.stem} {signs}", file=sys.stderr)
            authors, found = memberships(pairs, w)
            rows.append(_row(sents.stem.split("-")[0], signs, authors, found, sides))
    return rows


def sample() -> list[dict[str, float | str]]:
    comments = pl.read_csv(ROOT / "sample_data" / "main_street.csv", schema_overrides={"comment_id": pl.String,
                                                                                        "parent_id": pl.String})
    pairs = reply_pairs(comments)
    rows = []
    for signs, w in (("perfect", _perfect(pairs, SAMPLE_SIDES)), ("default scorer", scored_weights(pairs, "default"))):
        authors, found = memberships(pairs, w)
        rows.append(_row("main_street.csv", signs, authors, found, SAMPLE_SIDES))
    return rows


def classic() -> list[dict[str, float | str]]:
    data = ROOT / "tests" / "data" / "analysis"
    groups = pl.read_csv(data / "classic_groups.csv")
    rows = []
    for name, file in (("highland_tribes", "highland_tribes.csv"), ("sampson_t4", "sampson_t4.csv")):
        ties = pl.read_csv(data / file)
        a, b, s = ties.columns
        pairs = ties.select(pl.col(a).alias("author"), pl.col(b).alias("parent_author"))
        w = np.sign(ties[s].to_numpy()).astype(float)
        members = groups.filter(pl.col("network") == name)
        codes = {g: i for i, g in enumerate(dict.fromkeys(members["group"].cast(pl.String).to_list()))}
        sides = {m: codes[str(g)] for m, g in members.select("member", "group").iter_rows()}
        authors, found = memberships(pairs, w)
        rows.append(_row(name, "recorded", authors, found, sides))
    return rows


def _fmt(v: float | str) -> str:
    return f"{v:.3f}" if isinstance(v, float) else f"- ({v})"


def _mean_rows(rows: list[dict[str, float | str]], name: str) -> list[dict[str, float | str]]:
    out = []
    for signs in dict.fromkeys(r["signs"] for r in rows):
        sel = [r for r in rows if r["signs"] == signs]
        mean: dict[str, float | str] = {"set": name, "signs": signs}
        for m in METHODS:
            vals = [r[m] for r in sel if isinstance(r[m], float)]
            mean[m] = float(np.mean(vals)) if len(vals) == len(sel) else "not every thread"
        out.append(mean)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="planted,debates,sample,classic")
    ap.add_argument("--sizes", default="5000,20000")
    ap.add_argument("--seeds", default="0,7")
    args = ap.parse_args(argv)
    sets = args.sets.split(",")
    runs: dict[str, Callable[[Path], list[dict[str, float | str]]]] = {
        "planted": lambda w: planted([int(x) for x in args.sizes.split(",")], [int(x) for x in args.seeds.split(",")], w),
        "debates": debates,
        "sample": lambda w: sample(),
        "classic": lambda w: classic(),
    }
    rows: list[dict[str, float | str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sets:
            part = runs[name](Path(tmp))
            rows += part
            if name in ("planted", "debates") and part:
                rows += _mean_rows(part, f"**{name}: mean**")
    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M UTC}; command: python bench/bench_factions.py "
          + " ".join(argv if argv is not None else sys.argv[1:]))
    print()
    print("| set | signs | " + " | ".join(METHODS) + " |")
    print("|---|---|" + "---:|" * len(METHODS))
    for r in rows:
        print(f"| {r['set']} | {r['signs']} | " + " | ".join(_fmt(r[m]) for m in METHODS) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
