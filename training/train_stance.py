"""Reproduce the default stance scorer's shipped coefficients (discourse/stance/data/cues_model.json).

    python -m training.train_stance                 # fit on ../shared/corpora/labeled/dev, write the JSON
    python -m training.train_stance --check         # fit and compare with the shipped file; exit 1 if different
    python -m training.train_stance --out model.json
    python -m training.train_stance --char          # the cues-char model (same, plus character grams offensive head)
    python -m training.train_stance --cv '{"gram_C": 1.0}'   # dev cross-validation figures of options (JSON)
    python -m training.train_stance --embed         # the embed scorer's head (needs the embed extra; ~2 min to encode)
    python -m training.train_stance --embed --embed-cache /tmp/dev_vectors.npz     # encode once, reuse the vectors
    python -m training.train_stance --embed --cv '{"cues": false}'   # dev CV of embed head options (EMBED_OPTIONS)
    python -m training.train_stance --embed --encoder mpnet   # the embed-mpnet head (the mpnet extra; ~9 min to encode)

Only the labeled *dev* sets are read; holdout is for measuring (bench/bench_stance.py) and nothing else.
Needs scikit-learn (pip install 'discourse-network-analysis[train]').
"""

from __future__ import annotations

import os

# one BLAS thread, set before numpy loads: multi-threaded products sum in another order and move the fitted
# coefficients in their fourth decimal, so the JSON would not reproduce byte for byte (limiting the threads
# after numpy has loaded is not enough: OpenBLAS then takes another code path)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402  (these imports follow the thread settings on purpose)
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from discourse.io.write import write_text  # noqa: E402
from training.stance.distill import DEFAULT_CACHE  # noqa: E402
from training.stance.train import CHAR_OPTIONS, train_cue_model  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "discourse" / "stance" / "data"
SHIPPED = DATA / "cues_model.json"
SHIPPED_CHAR = DATA / "cues_char_model.json"


def render(model: dict) -> str:
    """Indented JSON, except the n-gram table: one compact row per line (the file stays small and diffable)."""
    ngrams = model.get("ngrams")
    if not ngrams:
        return json.dumps(model, indent=1, ensure_ascii=False) + "\n"
    head = {k: v for k, v in model.items() if k != "ngrams"}
    meta = {k: v for k, v in ngrams.items() if k != "rows"}
    rows = ",\n".join("  " + json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in ngrams["rows"])
    return (json.dumps(head, indent=1, ensure_ascii=False)[:-2] + ',\n "ngrams": '
            + json.dumps(meta, ensure_ascii=False, separators=(", ", ": "))[:-1] + ', "rows": [\n' + rows + "\n ]}\n}\n")


def _cross_validate(args: argparse.Namespace) -> int:
    """Print the dev cross-validation figures of each option set in ``args.cv`` (training/stance/cv.py)."""
    from training.stance.cv import cross_validate, teacher_held_out
    from training.stance.distill import distill_blocks
    from training.stance.fit import prepare
    from training.stance.real import real_pairs
    from training.stance.train import DEV_FILES, OPTIONS, _uses_bots, dev_blocks, uses_distill

    corpora = args.corpora or args.dev_dir.parent.parent
    real = real_pairs(corpora)
    judged = teacher_held_out(args.dev_dir) if args.cv_rows == "teacher" else None
    cached: dict[tuple, Any] = {}
    for text in args.cv:
        opts = json.loads(text)
        o = {**OPTIONS, **opts}
        key = (o["min_df"], _uses_bots(o), uses_distill(o))  # the candidate grams and rows these options need
        if key not in cached:
            blocks, vocab, frames = dev_blocks(args.dev_dir, o, bots=key[1])
            if key[2]:
                blocks |= distill_blocks({k: frames[k] for k in DEV_FILES}, corpora, vocab, args.distill_cache)
            cached = {key: (blocks, prepare(real, "real", vocab))}
        figures = cross_validate(args.dev_dir, opts, blocks=cached[key][0], real=cached[key][1], judged=judged)
        print(json.dumps(opts), json.dumps({k: round(v, 3) for k, v in figures.items()}), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev-dir", type=Path, default=ROOT.parent / "shared" / "corpora" / "labeled" / "dev")
    ap.add_argument("--out", type=Path, default=None, help="where to write (default: the shipped file)")
    ap.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing")
    ap.add_argument("--embed", action="store_true", help="train the embed scorer's head instead of the cue model")
    ap.add_argument("--char", action="store_true", help="train the cues-char model instead of the default one")
    ap.add_argument("--cv", metavar="JSON", nargs="+", help="print dev cross-validation figures of these option sets")
    ap.add_argument("--cv-protocol", choices=("dev", "folds"), default=None,
                    help="with --cv --embed: judge ToxiChat stance on ToxiChat dev (dev, the default) or on chunks of "
                         "train + dev (folds); the cue model has the folds protocol only (training/stance/cv.py)")
    ap.add_argument("--encoder", choices=("minilm", "mpnet"), default="minilm",
                    help="with --embed: the sentence encoder (minilm: embed, the embed extra; mpnet: embed-mpnet, "
                         "the mpnet extra)")
    ap.add_argument("--embed-cache", type=Path, default=None,
                    help="with --embed: a .npz file (outside the repository) holding the dev texts' vectors")
    ap.add_argument("--corpora", type=Path, default=None,
                    help="the real threads (default: the corpora folder above --dev-dir): the dev diagnostic on real "
                         "replies, and distillation")
    ap.add_argument("--distill-cache", type=Path, default=DEFAULT_CACHE,
                    help=f"where the neural scorer's probabilities for distillation are kept (default {DEFAULT_CACHE}, "
                         "outside the repository; rebuilt when missing)")
    ap.add_argument("--cv-rows", choices=("all", "teacher"), default="all",
                    help="with --cv: judge every held-out row (all), or only the dev rows the shipped neural scorer "
                         "was not trained on (teacher: a fair comparison of distillation)")
    args = ap.parse_args(argv)
    if args.embed:
        os.environ["OMP_NUM_THREADS"] = "2"  # the same thread count every run: the same vectors
        import torch

        torch.set_num_threads(2)
    if args.cv and args.embed:
        from training.stance.embed_fit import cross_validate_embed, dev_embeddings, embed_blocks
        from training.stance.train import CUES3_FILES, OPTIONS, dev_blocks

        bots = any({"bot_share", "off_bot_share"} & set(json.loads(t)) for t in args.cv)  # named: read the bot rows
        blocks, _, frames = dev_blocks(args.dev_dir, OPTIONS, bots=bots, files=CUES3_FILES, partial=False)
        eb = embed_blocks(blocks, dev_embeddings(frames, args.embed_cache, args.encoder))
        for text in args.cv:
            opts = json.loads(text)
            figures = cross_validate_embed(eb, opts, protocol=args.cv_protocol or "dev", encoder=args.encoder)
            print(json.dumps(opts), json.dumps({k: round(v, 3) for k, v in figures.items()}), flush=True)
        return 0
    if args.cv:
        if args.cv_protocol not in (None, "folds"):
            ap.error("the cue model is cross-validated with the folds protocol only")
        return _cross_validate(args)
    if args.char:
        shipped, text = SHIPPED_CHAR, render(train_cue_model(args.dev_dir, CHAR_OPTIONS, args.corpora, args.distill_cache))
    elif args.embed:
        from discourse.stance._embed import EMBED_SCORERS
        from training.stance.embed_fit import train_embed_head

        head = train_embed_head(args.dev_dir, cache=args.embed_cache, encoder=args.encoder)
        shipped = DATA / EMBED_SCORERS[args.encoder].head_file
        text = json.dumps(head, separators=(",", ":")) + "\n"
    else:
        shipped, text = SHIPPED, render(train_cue_model(args.dev_dir, corpora=args.corpora, cache=args.distill_cache))
    args.out = args.out or shipped
    if args.check:
        same = shipped.read_text(encoding="utf-8") == text
        print("identical to the shipped model" if same else "DIFFERS from the shipped model")
        return 0 if same else 1
    write_text(args.out, text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
