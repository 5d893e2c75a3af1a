#!/usr/bin/env python3
"""Per-stage time and peak memory of discourse's build at 10k / 100k / 1M comments (issue 8).

The build is the real one (``discourse.pipeline.build`` then ``BuildResult.write``); its progress
callback marks where each stage starts, so the stage times here are exactly the pipeline's, with no
copy of the chain to drift from it. A sampler thread reads the process's RSS every 10 ms and keeps the
peak per stage; ``ru_maxrss`` gives the whole run's peak (it also catches spikes between samples).
Every measurement runs in a fresh subprocess so one size's memory does not leak into the next.

    python bench/harness.py all --sizes 10000 100000 1000000          # build, per stage
    python bench/harness.py stream --sizes 1000000 3000000             # stream_edges memory vs size
    python bench/harness.py dask --sizes 1000000 --workers 2           # distributed_edges
    python bench/harness.py baseline --sizes 10000 100000 [--no-layout]

Synthetic inputs come from gen_threads.py (``--gen``, default ../shared/bench/gen_threads.py beside
the checkout), generated once into bench/data/g<N>/ (git-ignored). Results are printed as JSON lines
and appended to bench/out/harness.jsonl.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"
GEN = ROOT.parent / "shared" / "bench" / "gen_threads.py"


def _cpu() -> float:
    """CPU seconds (user + system) this process used so far, all threads: robust to a busy machine."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class PeakSampler:
    """Samples this process's RSS (plus its children's, for Dask workers) in a thread; peak per stage."""

    def __init__(self, interval: float = 0.01, children: bool = False) -> None:
        import psutil

        self._proc = psutil.Process()
        self._children = children
        self._interval = interval
        self._stage = "start"
        self.peaks: dict[str, int] = {}
        self.times: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._t = time.perf_counter()
        self._c = _cpu()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        import psutil

        rss = self._proc.memory_info().rss
        if self._children:
            for c in self._proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    rss += c.memory_info().rss
        return rss

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self._rss()
            stage = self._stage
            if rss > self.peaks.get(stage, 0):
                self.peaks[stage] = rss
            self._stop.wait(self._interval)

    def mark(self, stage: str) -> None:
        """A new stage starts now."""
        now, cpu = time.perf_counter(), _cpu()
        rss = self._rss()          # a stage shorter than the interval still gets one sample
        self.peaks[self._stage] = max(self.peaks.get(self._stage, 0), rss)
        self.times[self._stage] = self.times.get(self._stage, 0.0) + now - self._t
        self.cpu[self._stage] = self.cpu.get(self._stage, 0.0) + cpu - self._c
        self._t, self._c = now, cpu
        self._stage = stage

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.mark("end")
        self._stop.set()
        self._thread.join()


def _mb(n: float) -> float:
    return round(n / 2**20, 1)


def _inputs(n: int) -> list[Path]:
    d = Path(os.environ.get("DISCOURSE_BENCH_DATA") or DATA / f"g{n}")
    return [d / "reddit_comments.ndjson", d / "reddit_submissions.ndjson"]


def ensure_data(n: int, gen: Path = GEN, seed: int = 1, authors: int | None = None) -> Path:
    """Generate the n-comment synthetic Pushshift dump once (deterministic for n, seed, authors)."""
    d = DATA / (f"g{n}" if authors is None else f"g{n}a{authors}")
    if not (d / "reddit_comments.ndjson").exists():
        if not gen.exists():
            sys.exit(f"{gen}: gen_threads.py not found; pass --gen PATH")
        extra = [] if authors is None else ["--authors", str(authors)]
        subprocess.run([sys.executable, str(gen), "--comments", str(n), "--seed", str(seed),
                        "--format", "reddit", "--out", str(d), *extra], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return d


# -- one measurement, run inside a fresh process -----------------------------------------------------

def measure_build(n: int, out_dir: Path) -> dict[str, Any]:
    """Time and memory of build + write (bundle, HTML) on the n-comment dump, per stage."""
    from discourse.pipeline import build

    t0 = time.perf_counter()
    with PeakSampler() as s:
        result = build(_inputs(n), progress=s.mark, null_models=0)
        s.mark("write")
        result.write(out_dir, progress=s.mark)        # marks "render" before the HTML
    total = time.perf_counter() - t0
    stages = {k: {"s": round(v, 2), "cpu_s": round(s.cpu[k], 2), "peak_mb": _mb(s.peaks.get(k, 0))}
              for k, v in s.times.items() if k not in ("start", "end")}
    return {"what": "build", "comments": n, "seconds": round(total, 2),
            "cpu_seconds": round(sum(v["cpu_s"] for v in stages.values()), 2), "stages": stages,
            # the analyse stage's own split (wall s): factions, centralities, figures
            "analyse_split": {k: round(v, 2) for k, v in result.timings.items()},
            "peak_rss_mb": _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024),
            "edges": result.edges.height, "authors": result.nodes.height,
            "html_mb": _mb((out_dir / "network.html").stat().st_size)}


def measure_stream(n: int, chunk_rows: int) -> dict[str, Any]:
    """Time and peak memory of stream_edges on the n-comment dump."""
    from discourse.engines import stream_network

    t0 = time.perf_counter()
    with PeakSampler() as s:
        s.mark("stream")
        res = stream_network(_inputs(n), chunk_rows=chunk_rows, spill_dir=OUT)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"what": "stream", "comments": n, "chunk_rows": chunk_rows,
            "seconds": round(time.perf_counter() - t0, 2), "cpu_seconds": round(ru.ru_utime + ru.ru_stime, 2),
            "peak_rss_mb": _mb(ru.ru_maxrss * 1024),
            "sampled_peak_mb": _mb(s.peaks.get("stream", 0)), "edges": res.edges.height,
            "input_mb": _mb(sum(p.stat().st_size for p in _inputs(n))), "notes": res.notes}


def measure_dask(n: int, workers: int, partitions: int | None) -> dict[str, Any]:
    """Time and memory (client + workers) of distributed_edges on a LocalCluster."""
    import dask.distributed as dd

    from discourse.engines import distributed_network

    with dd.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster, dd.Client(cluster) as client:
        t0 = time.perf_counter()
        with PeakSampler(children=True) as s:
            s.mark("dask")
            res = distributed_network(_inputs(n), client=client, partitions=partitions)
        secs = time.perf_counter() - t0
    return {"what": "dask", "comments": n, "workers": workers, "seconds": round(secs, 2),
            "peak_rss_mb_all_processes": _mb(s.peaks.get("dask", 0)), "edges": res.edges.height,
            "notes": res.notes}


# -- driver -----------------------------------------------------------------------------------------

def _child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1:] or ["failed"], "args": args}
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"data": os.path.relpath(os.environ["DISCOURSE_BENCH_DATA"], ROOT), **row}


def _record(row: dict[str, Any]) -> None:
    row = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cpus": os.cpu_count(), **row}
    print(json.dumps(row), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "harness.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["all", "stream", "dask", "baseline", "_build", "_stream", "_dask"])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--chunk-rows", type=int, default=250_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--no-layout", action="store_true", help="baseline: skip the spring layout")
    ap.add_argument("--gen", type=Path, default=GEN)
    ap.add_argument("--authors", type=int, default=None,
                    help="author population for gen_threads.py (default: its own, comments // 6); "
                         "data then goes to bench/data/g<N>a<AUTHORS>/")
    args = ap.parse_args(argv)

    if args.mode.startswith("_"):      # inside the child process: one measurement, one JSON line
        n = args.sizes[0]
        if args.mode == "_build":
            row = measure_build(n, OUT / f"bundle{n}")
        elif args.mode == "_stream":
            row = measure_stream(n, args.chunk_rows)
        else:
            row = measure_dask(n, args.workers, args.partitions)
        print(json.dumps(row))
        return 0
    for n in args.sizes:
        os.environ["DISCOURSE_BENCH_DATA"] = str(ensure_data(n, args.gen, authors=args.authors))
        if args.mode == "all":
            _record(_child(["_build", "--sizes", str(n)]))
        elif args.mode == "stream":
            _record(_child(["_stream", "--sizes", str(n), "--chunk-rows", str(args.chunk_rows)]))
        elif args.mode == "dask":
            extra = ["--partitions", str(args.partitions)] if args.partitions else []
            _record(_child(["_dask", "--sizes", str(n), "--workers", str(args.workers), *extra]))
        else:
            cmd = [sys.executable, str(ROOT / "bench" / "baseline_pipeline.py"), os.environ["DISCOURSE_BENCH_DATA"],
                   "--out", str(OUT / f"baseline{n}")] + (["--no-layout"] if args.no_layout else [])
            proc = subprocess.run(cmd, capture_output=True, text=True)
            _record({"what": "baseline", **json.loads(proc.stdout.strip().splitlines()[-1])}
                    if proc.returncode == 0 else {"what": "baseline", "error": proc.stderr[-500:]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
