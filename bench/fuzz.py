#!/usr/bin/env python3
"""Issue 21's fuzzing harness at length, the decompression bombs' memory, and the determinism check.

    python bench/fuzz.py fuzz --runs 5000 --seed 1 --build-every 10     # mutated inputs, counted
    python bench/fuzz.py bombs                                            # peak memory under .zst bombs
    python bench/fuzz.py determinism --comments 200000 --repeat 3        # byte-identical bundles

``fuzz``: each run takes one valid input of a format the readers take (tests/data, sample_data, a
.zst dump, a ConvoKit corpus, a Stack Exchange dump), mutates it (tests/data/hostile.py: bytes
flipped, cut, repeated; hostile tokens such as surrogate escapes, 4,400-digit numbers, deep nesting,
malformed markup, XML entities, formulas inserted) and reads it with format detection, with
``--on-error`` raise or skip. Outcomes: ``ok`` (every comment accounted for), ``error`` (a one-line
DiscourseError naming the file), and the findings: ``traceback`` (any other exception), ``loss``
(counts that do not add up, a record skipped without skip, a cut .zst read as whole),
``bad-message`` (an error of several lines or not naming the file), ``hang`` (over 60 s). Every
``--build-every``-th input that reads is also built and written whole (scorer fast), the same
outcomes counted for the build. The tests run the same harness briefly (tests/test_fuzz.py).

``bombs``: one fresh process per bomb and engine, reading (and with ``--on-error skip`` building)
a Reddit-looking .zst whose second line is one newline-free line of 128 MiB to 4 GiB; peak RSS is
the child's ``ru_maxrss``.

``determinism``: gen_threads' dump (``../shared/bench/gen_threads.py``) built ``--repeat`` times in
fresh processes with different polars and OpenMP thread counts (BLAS at one thread), every bundle
file's digest compared; then twice with BLAS at one and two threads, to show what still moves there.

Results print as JSON lines and are appended to bench/out/fuzz.jsonl.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import importlib.util
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DATA = ROOT / "bench" / "data"
GEN = ROOT.parent / "shared" / "bench" / "gen_threads.py"

_spec = importlib.util.spec_from_file_location("hostile", ROOT / "tests" / "data" / "hostile.py")
assert _spec and _spec.loader
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)


def _emit(record: dict[str, Any]) -> None:
    record = {"when": datetime.now(UTC).isoformat(timespec="seconds"), **record}
    line = json.dumps(record)
    print(line, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "fuzz.jsonl", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


class _Hang(Exception):
    pass


def _alarm(_signum: int, _frame: Any) -> None:
    raise _Hang


def _build(path: Path, out: Path, mode: str) -> hostile.Outcome:
    """Build and write ``path`` whole; the same outcome classes as reading."""
    import discourse
    from discourse.errors import DiscourseError

    try:
        result = discourse.build(path, scorer="fast", runs=1, on_error=mode)
        result.write(out, cdn=True)
    except DiscourseError as err:
        message = str(err)
        if "\n" in message:
            return hostile.Outcome("bad-message", message[:300])
        return hostile.Outcome("error", message[:200])
    except _Hang:
        raise
    except Exception as err:  # the finding itself
        return hostile.Outcome("traceback", "".join(traceback.format_exception_only(err)).strip()[:300])
    q = result.quality
    if q.check_balanced():
        return hostile.Outcome("loss", "; ".join(q.check_balanced())[:300])
    return hostile.Outcome("ok")


def fuzz(args: argparse.Namespace) -> None:
    seeds = hostile.seeds()
    counts: collections.Counter[str] = collections.Counter()
    builds: collections.Counter[str] = collections.Counter()
    findings: list[dict[str, Any]] = []
    signal.signal(signal.SIGALRM, _alarm)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="discourse-fuzz-") as tmp:
        d = Path(tmp)
        for i in range(args.runs):
            rnd = random.Random(args.seed * 1_000_003 + i)
            ops = hostile.random_ops(rnd, rnd.randint(1, 4))
            mode = rnd.choice(["raise", "skip"])
            case = d / f"r{i}"
            case.mkdir()
            if rnd.random() < 0.06:
                kind = rnd.choice(sorted(hostile.DIRECTORY_SEEDS))
                path, name = hostile.mutate_directory(kind, case / kind, ops), kind
            else:
                name, data = rnd.choice(seeds)
                path = case / name
                path.write_bytes(hostile.mutate_input(name, data, ops))
            signal.alarm(60)
            try:
                outcome = hostile.classify(path, mode)
                built = None
                if outcome.kind == "ok" and args.build_every and i % args.build_every == 0:
                    built = _build(path, case / "bundle", mode)
                    builds[built.kind] += 1
            except _Hang:
                outcome, built = hostile.Outcome("hang"), None
            finally:
                signal.alarm(0)
            counts[outcome.kind] += 1
            for stage, o in (("read", outcome), ("build", built)):
                if o is not None and o.kind not in ("ok", "error"):
                    findings.append({"run": i, "stage": stage, "seed": name, "ops": ops, "mode": mode,
                                     "outcome": o.kind, "detail": o.detail})
            subprocess.run(["rm", "-rf", str(case)], check=False)
            if args.verbose and (i + 1) % 500 == 0:
                print(f"{i + 1} runs: {dict(counts)}; builds {dict(builds)}", file=sys.stderr, flush=True)
    _emit({"task": "fuzz", "runs": args.runs, "seed": args.seed, "seconds": round(time.perf_counter() - t0, 1),
           "read": dict(counts), "build": dict(builds), "clean_errors": counts["error"],
           "tracebacks": counts["traceback"] + builds["traceback"],
           "losses": counts["loss"] + builds["loss"], "bad_messages": counts["bad-message"] + builds["bad-message"],
           "hangs": counts["hang"], "findings": findings[:50]})


_BOMB_CHILD = """
import json, resource, sys, time
import discourse, discourse.io as dio
from discourse.errors import DiscourseError
from discourse.options import ReadOptions
path, engine, mode = sys.argv[1], sys.argv[2], sys.argv[3]
t = time.perf_counter()
try:
    if engine == "read":
        r = dio.read(path, options=ReadOptions(on_error=mode))
        what = f"{r.comments.height} comments, {r.quality.files[0].bad_records} bad"
    else:
        b = discourse.build(path, engine=engine, scorer="fast", runs=1, on_error=mode)
        what = f"built: {b.quality.totals()['read']} comments, {b.quality.totals()['bad_records']} bad"
except DiscourseError as err:
    what = "error: " + str(err)[:160]
print(json.dumps({"what": what, "seconds": round(time.perf_counter() - t, 2),
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def bombs(args: argparse.Namespace) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    baseline = subprocess.run([sys.executable, "-c", "import resource, discourse, discourse.io; "
                               "print(round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))"],
                              capture_output=True, text=True, cwd=ROOT, check=True)
    rows = []
    for size in args.sizes:
        path = DATA / f"bomb_{size}MiB.zst"
        if not path.exists():
            path.write_bytes(hostile.bomb(size << 20))
        for engine, mode in (("read", "raise"), ("read", "skip"), ("memory", "skip"), ("stream", "skip")):
            out = subprocess.run([sys.executable, "-c", _BOMB_CHILD, str(path), engine, mode], capture_output=True,
                                 text=True, cwd=ROOT, timeout=1800)
            res = json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else {"what": out.stderr[-300:]}
            rows.append({"line_mib": size, "file_bytes": path.stat().st_size, "engine": engine, "on_error": mode, **res})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    _emit({"task": "bombs", "import_baseline_rss_mib": int(baseline.stdout.strip()), "rows": rows})


def _digests(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


def determinism(args: argparse.Namespace) -> None:
    data = DATA / f"g{args.comments}"
    if not (data / "reddit_comments.ndjson").exists():
        subprocess.run([sys.executable, str(GEN), "--comments", str(args.comments), "--seed", "1", "--format", "reddit",
                        "--out", str(data)], check=True)
    inputs = [str(data / "reddit_comments.ndjson"), str(data / "reddit_submissions.ndjson")]
    settings = [("2", "4", "1"), ("1", "1", "1"), ("2", "2", "1"), ("2", "4", "1"), ("1", "2", "1")][:args.repeat]
    blas = [("2", "2", "1"), ("2", "2", "2")]
    runs = []
    with tempfile.TemporaryDirectory(prefix="discourse-det-") as tmp:
        for i, (pol, omp, bl) in enumerate([*settings, *blas]):
            out = Path(tmp) / f"b{i}"
            env = {**os.environ, "POLARS_MAX_THREADS": pol, "OMP_NUM_THREADS": omp, "OPENBLAS_NUM_THREADS": bl}
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "discourse.cli.app", "build", *inputs, "--out", str(out), "-q",
                            "--seed", "1"], env=env, cwd=ROOT, check=True)
            runs.append({"polars_threads": pol, "omp_threads": omp, "blas_threads": bl,
                         "seconds": round(time.perf_counter() - t, 1), "digests": _digests(out)})
            print(json.dumps({k: v for k, v in runs[-1].items() if k != "digests"}), file=sys.stderr, flush=True)
    first = runs[0]["digests"]
    same = [all(r["digests"] == first for r in runs[:len(settings)])]
    differ = sorted(k for r in runs[:len(settings)] for k in first if r["digests"].get(k) != first[k])
    blas_differ = sorted(k for k in runs[-1]["digests"] if runs[-1]["digests"][k] != runs[-2]["digests"].get(k))
    _emit({"task": "determinism", "comments": args.comments, "builds": len(settings), "files": len(first),
           "identical": same[0], "files_differing": sorted(set(differ)),
           "blas_1_vs_2_files_differing": blas_differ,
           "runs": [{k: v for k, v in r.items() if k != "digests"} for r in runs]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="task", required=True)
    f = sub.add_parser("fuzz")
    f.add_argument("--runs", type=int, default=2000)
    f.add_argument("--seed", type=int, default=1)
    f.add_argument("--build-every", type=int, default=10)
    f.add_argument("--verbose", action="store_true")
    b = sub.add_parser("bombs")
    b.add_argument("--sizes", type=int, nargs="+", default=[128, 1024, 4096], help="line sizes in MiB")
    d = sub.add_parser("determinism")
    d.add_argument("--comments", type=int, default=200_000)
    d.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    {"fuzz": fuzz, "bombs": bombs, "determinism": determinism}[args.task](args)


if __name__ == "__main__":
    main()
