"""Export the trained model to ONNX, quantise it to int8 and check both against torch.

The fp32 graph is exported with dynamic batch and sequence axes, then quantised with onnxruntime's dynamic
quantisation (int8 weights, activations quantised at run time). The checks, on the held-out dev pairs:
fp32 ONNX logits equal torch's within ``FP32_TOL``; int8 logits stay within ``INT8_TOL`` of torch's (mean
absolute difference) and pick the same stance class for at least ``INT8_AGREE`` of the pairs. A failed check
stops the build: a model that drifted in export is never shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from discourse.stance._pair import PairEncoder, pad_rows, run_pairs, session_options
from training.pair.train import PairModel, Row, predict

FP32_TOL = 1e-3  # max |onnx - torch| over all logits
INT8_TOL = 0.15  # mean |int8 - torch| over the logits
INT8_AGREE = 0.95  # share of pairs whose argmax stance agrees between int8 and torch
VERIFY_ROWS = 600


def export_fp32(model: PairModel, path: Path, pad: int) -> None:
    model.eval()
    feeds = pad_rows([([101, 2023, 102, 2003, 102], 3), ([101, 2748, 102], 3)], pad, 5)
    args = tuple(torch.from_numpy(feeds[k]) for k in ("input_ids", "attention_mask", "token_type_ids"))
    axes = {"batch": 0, "sequence": 1}
    torch.onnx.export(
        model, args, str(path), input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"], opset_version=17, dynamo=False,
        dynamic_axes={**{k: {v: n for n, v in axes.items()} for k in ("input_ids", "attention_mask", "token_type_ids")},
                      "logits": {0: "batch"}},
    )


def quantise(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True)


def onnx_logits(path: Path, rows: list[Row], pad: int, threads: int = 2) -> np.ndarray:
    """Logits of ``rows`` from the ONNX file, run exactly as the scorer runs them."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), sess_options=session_options(ort), providers=["CPUExecutionProvider"])
    return run_pairs(sess, rows, pad, threads)


def export_onnx(model: PairModel, rows: list[Row], enc: PairEncoder, work: Path,
                log: Callable[[str], None]) -> dict[str, Any]:
    """Write ``work/model_fp32.onnx`` and ``work/model.onnx`` (int8); return the verification report."""
    fp32, int8 = work / "model_fp32.onnx", work / "model.onnx"
    export_fp32(model, fp32, enc.pad)
    quantise(fp32, int8)
    sample = rows[:VERIFY_ROWS]
    ref = predict(model, sample, pad=enc.pad)
    got32 = onnx_logits(fp32, sample, enc.pad)
    got8 = onnx_logits(int8, sample, enc.pad)
    report = {
        "rows": len(sample),
        "fp32_max_abs_diff": float(np.abs(got32 - ref).max()),
        "int8_mean_abs_diff": float(np.abs(got8 - ref).mean()),
        "int8_max_abs_diff": float(np.abs(got8 - ref).max()),
        "int8_argmax_agreement": float(np.mean(got8[:, :4].argmax(1) == ref[:, :4].argmax(1))),
        "int8_bytes": int8.stat().st_size, "fp32_bytes": fp32.stat().st_size,
    }
    log(f"onnx check {report}")
    if report["fp32_max_abs_diff"] > FP32_TOL:
        raise RuntimeError(f"fp32 ONNX differs from torch by {report['fp32_max_abs_diff']:.2e} > {FP32_TOL}")
    if report["int8_mean_abs_diff"] > INT8_TOL or report["int8_argmax_agreement"] < INT8_AGREE:
        raise RuntimeError(f"int8 model drifted from torch: {report}")
    return report
