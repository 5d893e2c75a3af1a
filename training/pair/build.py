"""One command rebuilds the shipped neural pair scorer from ../shared:

    .venv-train/bin/python -m training.pair.build            # from the repository root, CPU, ~1 hour on 2 cores

1. table: every labeled dev pair with its partial label and a grouped fold number (training/pair/table.py);
2. train on folds 1-4 (torch, seeded);
3. export to ONNX, quantise to int8, check the ONNX outputs against torch;
4. predict the held-out fold 0 with the int8 model as the scorer runs it, calibrate on those predictions
   (stance temperature, offence Platt scaling and threshold) and compute the dev figures,
   before and after calibration (ECE), and torch's for comparison;
5. write model.onnx, tokenizer.json, model.json and MODEL_CARD.md into discourse/stance/data/neural/.

The shipped model is the one trained on folds 1-4, so the dev figures are those of the shipped model on
pairs it never saw. ``--refit-all`` trains a second model on all folds with the same settings and ships that
instead (calibration and figures then come from the fold model's torch predictions). ``--device cuda`` trains on a GPU.
Work files (checkpoint, logits, logs) go to ``--work`` (default build/neural, git-ignored).
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from training.pair.calibrate import Calibration, fit_calibration
from training.pair.card import write_model_dir
from training.pair.export import export_onnx, onnx_logits
from training.pair.figures import dev_figures
from training.pair.table import build_table
from training.pair.train import (
    Config,
    PairModel,
    Row,
    Targets,
    encode_table,
    encoder_for,
    make_model,
    predict,
    train,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DEV = ROOT.parent / "shared" / "corpora" / "labeled" / "dev"
MODEL_DIR = ROOT / "discourse" / "stance" / "data" / "neural"
HELD_OUT = 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m training.pair.build", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", type=Path, default=DEFAULT_DEV, help="labeled/dev folder (default ../shared/...)")
    ap.add_argument("--out", type=Path, default=MODEL_DIR, help="where the model files are written")
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "neural", help="checkpoints, logits, logs")
    ap.add_argument("--device", default="cpu", help="torch device for training: cpu (default) or cuda")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: all cores)")
    ap.add_argument("--epochs", type=float, default=Config.epochs)
    ap.add_argument("--lr", type=float, default=Config.lr)
    ap.add_argument("--layers", type=int, default=Config.layers)
    ap.add_argument("--seed", type=int, default=Config.seed)
    ap.add_argument("--refit-all", action="store_true", help="ship a model trained on all folds")
    ap.add_argument("--reuse", action="store_true", help="reuse the fold model in --work if present")
    return ap.parse_args(argv)


def _log(work: Path) -> Callable[[str], None]:
    """Print with a time stamp and append to ``work/build.log``."""
    logfile = open(work / "build.log", "a", encoding="utf-8")  # noqa: SIM115 (open for the whole run)

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        logfile.write(line + "\n")
        logfile.flush()

    return log


def fit_or_load(path: Path, rows: list[Row], targets: Targets, cfg: Config, args: argparse.Namespace, pad: int,
                log: Callable[[str], None]) -> PairModel:
    """Train a model on ``rows`` (or load the state saved at ``path`` with --reuse) and save it."""
    if args.reuse and path.exists():
        model = make_model(cfg)
        model.load_state_dict(torch.load(path, map_location="cpu"))
        model.eval()
        log(f"reused {path}")
        return model
    t = time.time()
    model = train(rows, targets, cfg, device=args.device, pad=pad, log=log)
    model = model.to("cpu")
    torch.save(model.state_dict(), path)
    log(f"trained on {len(rows)} pairs in {time.time() - t:.0f} s -> {path}")
    return model


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    log = _log(args.work)
    started = time.time()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = Config(epochs=args.epochs, lr=args.lr, layers=args.layers, seed=args.seed)
    log(f"config {json.dumps(cfg.to_dict())}; torch threads {torch.get_num_threads()}; device {args.device}")
    if not args.dev.is_dir():
        log(f"{args.dev}: no labeled dev folder; pass --dev")
        return 2

    table = build_table(args.dev)
    enc = encoder_for(cfg)
    rows = encode_table(table, enc)
    fit = np.flatnonzero(table["fold"].to_numpy() != HELD_OUT)
    held = np.flatnonzero(table["fold"].to_numpy() == HELD_OUT)
    log(f"table: {table.height} pairs, {len(fit)} to train, {len(held)} held out (fold {HELD_OUT})")
    targets = Targets.of(table)
    fold_model = fit_or_load(args.work / "fold_model.pt", [rows[i] for i in fit], targets.take(fit), cfg, args,
                             enc.pad, log)
    held_rows = [rows[i] for i in held]
    held_df = table[held]
    held_df.write_parquet(args.work / "heldout.parquet")
    torch_logits = predict(fold_model, held_rows, pad=enc.pad)
    ship = fold_model
    if args.refit_all:
        ship = fit_or_load(args.work / "all_model.pt", rows, targets, cfg, args, enc.pad, log)
    onnx_report = export_onnx(ship, held_rows, enc, args.work, log)
    # calibration and figures from the int8 ONNX model, run as the scorer runs it: the shipped numbers
    logits = onnx_logits(args.work / "model.onnx", held_rows, enc.pad) if not args.refit_all else torch_logits
    np.save(args.work / "heldout_logits.npy", logits)
    calibration = fit_calibration(logits, held_df)
    figures = {"raw": dev_figures(held_df, logits, Calibration.identity(calibration.offensive_threshold)),
               "calibrated": dev_figures(held_df, logits, calibration),
               "torch": dev_figures(held_df, torch_logits, calibration)}
    log(f"calibration {json.dumps(calibration.to_dict())}")
    log(f"dev figures (held-out fold, int8) {json.dumps(figures['calibrated']['headline'])}")
    log(f"dev figures (held-out fold, torch fp32) {json.dumps(figures['torch']['headline'])}")
    train_seconds = time.time() - started
    command = "python -m training.pair.build " + shlex.join(argv if argv is not None else sys.argv[1:])
    write_model_dir(args.out, args.work, enc, cfg, calibration, figures, onnx_report, table, {
        "command": command.strip(), "wall_seconds": round(train_seconds), "device": args.device,
        "threads": torch.get_num_threads(), "machine": platform.processor() or platform.machine(),
        "shipped": "all folds" if args.refit_all else f"folds != {HELD_OUT}",
        "torch": torch.__version__,
    })
    log(f"done in {time.time() - started:.0f} s; model files in {args.out}")
    (args.work / "figures.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
