#!/usr/bin/env python3
"""Reading speed and peak memory of the Pushshift reader on a large synthetic dump (issue 3).

    python bench/bench_read.py                          # 1M comments, 2000 threads, seed 1
    python bench/bench_read.py --comments 200000 --zst  # also time the same dump compressed with zstd

The dump comes from ../shared/bench/gen_threads.py (``--format reddit``), generated once into
``--out`` (default /tmp/discourse_bench_read/c<N>). Each measurement runs ``discourse.io.read`` in a
fresh subprocess, so the peak RSS (``ru_maxrss``) is the reader's alone; CPU seconds and the load
average are printed too, since the machine is shared and wall time depends on what else runs. Targets: >= 250k comments/s
and peak memory < 2x the file size. Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "bench" / "gen_threads.py"

_CHILD = r"""
import json, resource, sys, time
from discourse.io import read
path = sys.argv[1]
u0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
r = read(path, format="pushshift")
dt = time.perf_counter() - t0
u1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (u1.ru_utime - u0.ru_utime) + (u1.ru_stime - u0.ru_stime)
print(json.dumps({"comments": r.comments.height, "threads": r.threads.height, "seconds": round(dt, 3),
                  "cpu_seconds": round(cpu, 3),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "bad_records": r.quality.totals()["bad_records"]}))
"""


def generate(out: Path, comments: int, threads: int, seed: int) -> Path:
    path = out / "reddit_comments.ndjson"
    if not path.exists():
        subprocess.run([sys.executable, str(GEN), "--comments", str(comments), "--threads", str(threads),
                        "--seed", str(seed), "--format", "reddit", "--out", str(out)], check=True,
                       capture_output=True)
    return path


def compress(path: Path) -> Path:
    import zstandard

    z = path.with_suffix(".ndjson.zst")
    if not z.exists():
        with open(path, "rb") as src, open(z, "wb") as dst:
            zstandard.ZstdCompressor(level=3).copy_stream(src, dst)
    return z


def measure(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path)], check=True, capture_output=True, text=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    size_mb = path.stat().st_size / 2**20
    out.update(file=path.name, file_mb=round(size_mb, 1),
               comments_per_s=int(out["comments"] / out["seconds"]),
               peak_over_file=round(out["peak_rss_mb"] / size_mb, 2),
               load_avg_1min=round(os.getloadavg()[0], 1),
               date=datetime.now(UTC).strftime("%Y-%m-%d"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--comments", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="where the dump is generated (kept for reruns)")
    ap.add_argument("--zst", action="store_true", help="also read the dump compressed with zstd")
    ap.add_argument("--repeat", type=int, default=1, help="runs per file (each in a fresh process)")
    a = ap.parse_args()
    out = a.out or Path("/tmp/discourse_bench_read") / f"c{a.comments}"
    out.mkdir(parents=True, exist_ok=True)
    path = generate(out, a.comments, a.threads, a.seed)
    files = [path, compress(path)] if a.zst else [path]
    for f in files:
        for _ in range(a.repeat):
            print(json.dumps(measure(f)), flush=True)


if __name__ == "__main__":
    main()
