"""Hyperparameter sweep under the full 5-fold protocol, on a GPU machine (optional; the CPU build is the
documented path). Three steps:

    .venv-train/bin/python -m training.pair.sweep prepare            # here: .device/pair/ (tokens, fp16 weights)
    python3 -m training.pair.sweep run --out $OUT [--configs ...]     # there: out-of-fold logits per config
    .venv-train/bin/python -m training.pair.sweep report DIR          # here: calibration + dev figures per config

``prepare`` writes the training table's token ids (reply and parent separately, so each config can apply its
own budget), targets and folds to ``.device/pair/table.npz`` and the base weights at half precision (to fit the
device's carry limit; loaded back as fp32). ``run`` needs only torch, transformers and numpy there: it stubs
polars and loads just the few discourse modules the trainer uses. Each (config, fold) job trains on the other
four folds and predicts its own; jobs run in parallel processes (one small model leaves a GPU mostly idle).
"""

from __future__ import annotations

import argparse
import importlib.machinery
import json
import os
import sys
import time
import types
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / ".device" / "pair"
FOLDS = 5

_L6 = {"layers": 6, "max_total": 160, "max_reply": 96, "pooling": "mean"}
_LEN128 = {"max_total": 128, "max_reply": 80}
CONFIGS: dict[str, dict[str, Any]] = {  # in priority order (a run cut short keeps the first ones); spelled out in
    # full, so a change of Config's defaults does not change what a name means
    "L6-e3-lr6e-5": {**_L6, "epochs": 3.0, "lr": 6e-5},
    "L6-e2-lr1e-4-len128": {**_LEN128, "layers": 6, "lr": 1e-4, "epochs": 2.0, "pooling": "mean"},
    "L4-e2-lr1e-4-len128": {**_LEN128, "layers": 4, "lr": 1e-4, "epochs": 2.0, "pooling": "mean"},
    "L4-e3-lr1e-4": {**_L6, "layers": 4, "lr": 1e-4, "epochs": 3.0},
    "L6-e3-lr1e-4": {**_L6, "epochs": 3.0, "lr": 1e-4},
    "L6-e3-lr6e-5-tox3": {**_L6, "epochs": 3.0, "lr": 6e-5, "source_weight": {"toxichat": 3.0, "maskmandate": 2.0}},
    "L6-e3-lr6e-5-uniform": {**_L6, "epochs": 3.0, "lr": 6e-5, "source_weight": {}},
    "L4-e2-lr1e-4-len128-seg": {**_LEN128, "layers": 4, "lr": 1e-4, "epochs": 2.0, "pooling": "segments"},
    "L4-e3-lr1e-4-len128-seg": {**_LEN128, "layers": 4, "lr": 1e-4, "epochs": 3.0, "pooling": "segments"},
}


def _flat(seqs: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.cumsum([0] + [len(s) for s in seqs]).astype(np.int64)
    return np.fromiter((t for s in seqs for t in s), dtype=np.int32, count=int(offsets[-1])), offsets


def _unflat(flat: np.ndarray, offsets: np.ndarray) -> list[list[int]]:
    return [flat[offsets[i]:offsets[i + 1]].tolist() for i in range(len(offsets) - 1)]


def prepare(dev: Path, out: Path = DATA) -> None:
    """Write table.npz (token ids, targets, folds) and minilm/ (config + fp16 safetensors) under ``out``."""
    import torch
    from safetensors.torch import load_file, save_file

    from training.pair.table import build_table
    from training.pair.train import Config, base_model_dir, encoder_for

    table = build_table(dev)
    enc = encoder_for(Config())
    cap = 256  # longer than any budget a config uses
    reply = [e.ids[:cap] for e in enc.tokenizer.encode_batch(table["text"].to_list(), add_special_tokens=False)]
    parent = [e.ids[:cap] for e in enc.tokenizer.encode_batch(table["parent_text"].to_list(), add_special_tokens=False)]
    sources = sorted(set(table["source"].to_list()))
    out.mkdir(parents=True, exist_ok=True)
    r, ro = _flat(reply)
    p, po = _flat(parent)
    np.savez_compressed(
        out / "table.npz", reply=r, reply_off=ro, parent=p, parent_off=po, mask=table["mask"].to_numpy(),
        offensive=table["offensive"].cast(int).fill_null(-1).to_numpy(), fold=table["fold"].to_numpy(),
        source=np.array([sources.index(s) for s in table["source"].to_list()]), sources=np.array(sources),
        special=np.array([enc.cls, enc.sep, enc.pad]),
    )
    (out / "minilm").mkdir(exist_ok=True)
    base = base_model_dir()
    for name in ("config.json",):
        (out / "minilm" / name).write_bytes((base / name).read_bytes())
    weights = {k: v.to(torch.float16) for k, v in load_file(str(base / "model.safetensors")).items()}
    save_file(weights, str(out / "minilm" / "model.safetensors"))
    print(f"wrote {out}: {table.height} rows")


def _stub_imports() -> None:
    """Let training.pair.train import on a machine without polars: empty ``polars`` module and bare package
    objects for discourse and discourse.stance (their __init__ would import the whole library)."""
    sys.modules.setdefault("polars", types.ModuleType("polars"))
    for name, path in (("discourse", ROOT / "discourse"), ("discourse.stance", ROOT / "discourse" / "stance")):
        if name not in sys.modules:
            mod = types.ModuleType(name)
            mod.__path__ = [str(path)]
            mod.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
            sys.modules[name] = mod


def _job(args: tuple[str, dict[str, Any], int, str, str], keep: Path | None = None
         ) -> tuple[str, int, np.ndarray, np.ndarray, float]:
    """Train config ``name`` on folds != ``fold``; return the fold's row indices and logits (and, with
    ``keep``, save the model there as fp16 pieces under the device's 16 MiB file limit)."""
    name, overrides, fold, data, device = args
    _stub_imports()
    os.environ["PAIR_BASE_MODEL"] = str(Path(data) / "minilm")
    import torch

    from discourse.stance._pair import encode_pairs
    from training.pair.train import Config, Targets, predict, train

    torch.set_num_threads(2)
    z = np.load(Path(data) / "table.npz")
    cfg = Config(**overrides)
    cls, sep, pad = (int(x) for x in z["special"])
    rows = encode_pairs(_unflat(z["reply"], z["reply_off"]), _unflat(z["parent"], z["parent_off"]), cls, sep,
                        cfg.max_reply, cfg.max_total)
    sources = [str(s) for s in z["sources"]]
    targets = Targets(z["mask"], z["offensive"], [sources[i] for i in z["source"]])
    fit, held = np.flatnonzero(z["fold"] != fold), np.flatnonzero(z["fold"] == fold)
    t = time.time()
    model = train([rows[i] for i in fit], targets.take(fit), cfg, device=device, pad=pad, log=lambda _: None)
    logits = predict(model, [rows[i] for i in held], device=device, pad=pad, batch_size=256)
    if keep is not None:
        _save_pieces({k: v.half().cpu() for k, v in model.state_dict().items()}, keep / "model.fp16.pt")
    return name, fold, held, logits, time.time() - t


PIECE = 15 * 2**20


def _save_pieces(state: dict[str, Any], path: Path) -> None:
    import io

    import torch

    buf = io.BytesIO()
    torch.save(state, buf)
    data = buf.getvalue()
    for i in range(0, len(data), PIECE):
        Path(f"{path}.{i // PIECE:02d}").write_bytes(data[i:i + PIECE])


def join_pieces(folder: Path, dest: Path) -> None:
    """Reassemble model.fp16.pt.NN from ``fold0`` into a fp32 state dict at ``dest`` (for build --reuse)."""
    import io

    import torch

    data = b"".join(p.read_bytes() for p in sorted(folder.glob("model.fp16.pt.*")))
    state = torch.load(io.BytesIO(data), map_location="cpu")
    torch.save({k: v.float() for k, v in state.items()}, dest)


def run(out: Path, names: list[str], data: Path, workers: int, device: str) -> None:
    """All (config, fold) jobs in ``workers`` processes; out/oof.npz rewritten as each config completes."""
    import multiprocessing as mp

    n = len(np.load(data / "table.npz")["mask"])
    jobs = [(name, CONFIGS[name], k, str(data), device) for name in names for k in range(FOLDS)]
    oof = {name: np.full((n, 5), np.nan, dtype=np.float32) for name in names}
    done: dict[str, int] = dict.fromkeys(names, 0)
    log = open(out / "sweep.log", "a", encoding="utf-8")  # noqa: SIM115 (the whole run)
    start = time.time()
    with mp.get_context("spawn").Pool(workers) as pool:
        for name, fold, held, logits, secs in pool.imap_unordered(_job, jobs):
            oof[name][held] = logits
            done[name] += 1
            msg = f"{time.time() - start:6.0f}s {name} fold {fold} trained in {secs:.0f}s"
            print(msg, flush=True)
            log.write(msg + "\n")
            log.flush()
            if done[name] == FOLDS:
                finished: dict[str, Any] = {k: v for k, v in oof.items() if done[k] == FOLDS}
                np.savez_compressed(out / "oof.npz", **finished)


def report(folder: Path, dev: Path) -> dict[str, Any]:
    """Fit calibration on each config's out-of-fold logits and compute the dev figures on all rows."""
    from training.pair.calibrate import Calibration, fit_calibration
    from training.pair.figures import dev_figures
    from training.pair.table import build_table

    table = build_table(dev)
    results = {}
    with np.load(folder / "oof.npz") as z:
        for name in z.files:
            logits = z[name]
            cal = fit_calibration(logits, table)
            raw = dev_figures(table, logits, Calibration.identity(cal.offensive_threshold))
            fig = dev_figures(table, logits, cal)
            results[name] = {"config": CONFIGS.get(name), "calibration": cal.to_dict(), "figures": fig,
                             "ece_raw": {"stance": raw["ece_stance"], "offensive": raw["ece_offensive"]}}
            print(name, json.dumps({k: round(v, 3) for k, v in fig["headline"].items()}),
                  f"ECE stance {raw['ece_stance']:.3f}->{fig['ece_stance']:.3f}")
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.pair.sweep", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "corpora" / "labeled" / "dev")
    r = sub.add_parser("run")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--data", type=Path, default=DATA)
    r.add_argument("--configs", nargs="*", default=list(CONFIGS))
    r.add_argument("--workers", type=int, default=8)
    r.add_argument("--device", default="cuda")
    f = sub.add_parser("fold0", help="train one config on folds 1-4 and keep the model (for build --reuse)")
    f.add_argument("--out", type=Path, required=True)
    f.add_argument("--data", type=Path, default=DATA)
    f.add_argument("--config", default="L4-e2-lr1e-4-len128")
    f.add_argument("--device", default="cuda")
    j = sub.add_parser("join", help="reassemble fold0's pieces into a fp32 checkpoint")
    j.add_argument("folder", type=Path)
    j.add_argument("dest", type=Path)
    s = sub.add_parser("report")
    s.add_argument("folder", type=Path)
    s.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "corpora" / "labeled" / "dev")
    s.add_argument("--json", type=Path, help="also write the results here")
    a = ap.parse_args(argv)
    if a.cmd == "prepare":
        prepare(a.dev)
    elif a.cmd == "fold0":
        a.out.mkdir(parents=True, exist_ok=True)
        _, _, _held, logits, secs = _job((a.config, CONFIGS[a.config], 0, str(a.data), a.device), keep=a.out)
        np.save(a.out / "heldout_logits.npy", logits)
        print(f"{a.config} fold 0 trained in {secs:.0f}s")
    elif a.cmd == "join":
        join_pieces(a.folder, a.dest)
    elif a.cmd == "run":
        a.out.mkdir(parents=True, exist_ok=True)
        run(a.out, a.configs, a.data, a.workers, a.device)
    else:
        res = report(a.folder, a.dev)
        if a.json:
            a.json.write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
