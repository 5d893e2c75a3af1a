"""Scorer ``neural``: a MiniLM cross-encoder that reads reply and parent together, run with onnxruntime.

The model (``data/neural/model.onnx``, int8) is the first four layers of all-MiniLM-L6-v2 fine-tuned on the dev sets in
``../shared`` by ``training/pair`` (see ``data/neural/MODEL_CARD.md`` for its data, licences and figures).
It reads ``[CLS] reply [SEP] parent [SEP]`` and returns five logits: four stance classes and one offence
logit. The probabilities are ``softmax(logits / T)`` and ``sigmoid(logit / T_off + b_off)`` with the
temperatures fitted on held-out dev predictions, so that a ``p_hostile`` of 0.3 is right about 30% of the time.

Run time needs only onnxruntime, tokenizers and numpy; nothing is downloaded. The session is loaded once per
process and model directory, on first use, under a lock; both files are checked against the SHA-256 in
``model.json`` first, so a damaged or swapped model is one clear error, not silent nonsense.

Determinism: a row's probabilities depend on that row alone, whatever else is scored with it, in whatever
order, on however many threads. The int8 model quantises its activations at run time with one scale per input
tensor, so in a padded batch a reply's logits move with its batch mates (by up to 0.75 on dev pairs); static
quantisation, which would not, cost too much accuracy (training/pair/RESULTS.md). So each pair runs as its own
unpadded batch (a fixed composition: the pair itself), and throughput comes from running those batches on
``threads`` single-threaded onnxruntime runs at once (default: the cores this process may use), which measured
as fast as padded batches of 32 on two cores. Pairs are dispatched longest first, so the workers finish together.
The reply keeps up to ``max_reply`` tokens and the parent the rest of ``max_total``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import polars as pl

from discourse._typing import STANCE_LABELS
from discourse.errors import MissingDependency, ScorerError
from discourse.stance._base import PROB_COLUMNS, Scorer

__all__ = [
    "MODEL_DIR",
    "ModelCard",
    "ModelFileError",
    "PairEncoder",
    "PairScorer",
    "available_cores",
    "encode_pairs",
    "load_card",
    "pad_rows",
    "probabilities",
    "run_pairs",
    "session_options",
]

MODEL_DIR = Path(__file__).resolve().parent / "data" / "neural"  # a real path: onnxruntime opens files by name
CARD_FILE = "model.json"
_FEATURE = "the neural stance scorer"


class ModelFileError(ScorerError):
    """The neural scorer's model files are missing, unreadable or not the ones its model card names."""


@dataclass(frozen=True)
class ModelCard:
    """What ``model.json`` says about the shipped model: files and their SHA-256, input budget, calibration."""

    directory: Path
    version: str
    files: dict[str, str]
    labels: tuple[str, ...]
    max_reply: int
    max_total: int
    temperature: float
    offensive_temperature: float
    offensive_bias: float
    offensive_threshold: float

    @property
    def model_path(self) -> Path:
        return self.directory / "model.onnx"

    @property
    def tokenizer_path(self) -> Path:
        return self.directory / "tokenizer.json"


def load_card(directory: Path = MODEL_DIR) -> ModelCard:
    """Read ``model.json`` in ``directory`` (ModelFileError naming the file when absent or malformed)."""
    path = directory / CARD_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        cal = raw["calibration"]
        card = ModelCard(
            directory=directory, version=str(raw["version"]), files={k: str(v) for k, v in raw["sha256"].items()},
            labels=tuple(raw["labels"]), max_reply=int(raw["max_reply_tokens"]),
            max_total=int(raw["max_total_tokens"]), temperature=float(cal["temperature"]),
            offensive_temperature=float(cal["offensive_temperature"]), offensive_bias=float(cal["offensive_bias"]),
            offensive_threshold=float(cal["offensive_threshold"]),
        )
    except FileNotFoundError as err:
        raise ModelFileError(f"{path}: the neural scorer's model card is missing; reinstall discourse-networks "
                             "or rebuild the model (training/pair/README.md)") from err
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ModelFileError(f"{path}: not a readable neural model card ({type(err).__name__}: {err})") from err
    if card.labels != (*STANCE_LABELS, "offensive"):
        raise ModelFileError(f"{path}: labels {list(card.labels)}; expected {[*STANCE_LABELS, 'offensive']}")
    return card


def _check_sha256(path: Path, expected: str) -> None:
    """Raise ModelFileError unless ``path`` exists and hashes to ``expected`` (the model card's value)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError as err:
        raise ModelFileError(f"{path}: the neural scorer's model file is missing; reinstall discourse-networks "
                             "or rebuild the model (training/pair/README.md)") from err
    if digest.hexdigest() != expected:
        raise ModelFileError(f"{path}: sha256 {digest.hexdigest()[:16]}... does not match the model card's "
                             f"{expected[:16]}...; the file is damaged or not the one this version ships")


class PairEncoder:
    """Token ids of (reply, parent) pairs, cut to the card's budget: the same code at training and run time.

    The reply keeps up to ``max_reply`` tokens (its opening, where stance markers sit); the parent gets what is
    left of ``max_total`` (at least ``max_total - max_reply - 3``), keeping its opening too.
    """

    def __init__(self, tokenizer: Any, max_reply: int, max_total: int) -> None:
        self.tokenizer = tokenizer
        self.max_reply = max_reply
        self.max_total = max_total
        self.cls = tokenizer.token_to_id("[CLS]")
        self.sep = tokenizer.token_to_id("[SEP]")
        self.pad = tokenizer.token_to_id("[PAD]")
        if None in (self.cls, self.sep, self.pad):
            raise ModelFileError("the neural scorer's tokenizer lacks [CLS], [SEP] or [PAD]")

    @classmethod
    def from_file(cls, path: Path, max_reply: int, max_total: int) -> PairEncoder:
        tokenizers = _import("tokenizers")
        try:
            tok = tokenizers.Tokenizer.from_file(str(path))
        except Exception as err:  # the Rust side raises its own exception type
            raise ModelFileError(f"{path}: not a readable tokenizer ({err})") from err
        tok.no_padding()
        tok.no_truncation()
        return cls(tok, max_reply, max_total)

    def encode(self, replies: Sequence[str], parents: Sequence[str | None]) -> list[tuple[list[int], int]]:
        """Per pair: the ids ``[CLS] reply [SEP] parent [SEP]`` and the length of its first segment."""
        reply_ids = [e.ids for e in self.tokenizer.encode_batch(list(replies), add_special_tokens=False)]
        parent_ids = [e.ids for e in self.tokenizer.encode_batch([p or "" for p in parents], add_special_tokens=False)]
        return encode_pairs(reply_ids, parent_ids, self.cls, self.sep, self.max_reply, self.max_total)


def encode_pairs(reply_ids: Sequence[Sequence[int]], parent_ids: Sequence[Sequence[int]], cls: int, sep: int,
                 max_reply: int, max_total: int) -> list[tuple[list[int], int]]:
    """Join token ids into pairs under the budget (see :class:`PairEncoder`); a pair with no parent text is
    ``[CLS] reply [SEP]``."""
    out = []
    for r, p in zip(reply_ids, parent_ids, strict=True):
        r = list(r[:max_reply])
        first = [cls, *r, sep]
        budget = max_total - len(first) - 1
        out.append(([*first, *p[:budget], sep] if p and budget > 0 else first, len(first)))
    return out


def pad_rows(rows: Sequence[tuple[list[int], int]], pad: int, length: int) -> dict[str, np.ndarray]:
    """The model's three int64 inputs for ``rows``, each padded to ``length``."""
    n = len(rows)
    ids = np.full((n, length), pad, dtype=np.int64)
    mask = np.zeros((n, length), dtype=np.int64)
    types = np.zeros((n, length), dtype=np.int64)
    for i, (row, first) in enumerate(rows):
        ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
        types[i, first:len(row)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def _import(package: str) -> Any:
    """Import a run-time dependency, or MissingDependency naming it."""
    try:
        return __import__(package)
    except ImportError as err:
        raise MissingDependency(_FEATURE, package) from err


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask, which containers and taskset narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def session_options(ort: Any) -> Any:
    """One thread per run: the scorer runs pairs in parallel instead (see the module docstring)."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    return opts


class _Runtime:
    """One loaded model: its card, encoder and onnxruntime session (shared by every scorer in the process)."""

    def __init__(self, directory: Path, threads: int) -> None:
        ort = _import("onnxruntime")
        _import("tokenizers")
        self.card = load_card(directory)
        for name, digest in self.card.files.items():
            _check_sha256(directory / name, digest)
        self.encoder = PairEncoder.from_file(self.card.tokenizer_path, self.card.max_reply, self.card.max_total)
        self.threads = threads
        try:
            self.session = ort.InferenceSession(str(self.card.model_path), sess_options=session_options(ort),
                                                providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises its own exception types
            raise ModelFileError(f"{self.card.model_path}: onnxruntime cannot load it ({err})") from err

    def logits(self, replies: Sequence[str], parents: Sequence[str | None]) -> np.ndarray:
        """Raw logits (n x 5), each row computed from its own pair only."""
        return run_pairs(self.session, self.encoder.encode(replies, parents), self.encoder.pad, self.threads)


def run_pairs(session: Any, rows: Sequence[tuple[list[int], int]], pad: int, threads: int) -> np.ndarray:
    """Logits (n x 5) of encoded pairs, one unpadded run per pair, ``threads`` runs at once (longest first)."""
    out = np.empty((len(rows), 5), dtype=np.float32)

    def run(i: int) -> None:
        out[i] = session.run(["logits"], pad_rows([rows[i]], pad, len(rows[i][0])))[0][0]

    order = sorted(range(len(rows)), key=lambda i: -len(rows[i][0]))
    if threads == 1 or len(rows) < 2:
        for i in order:
            run(i)
    else:  # onnxruntime releases the GIL in run(); one session serves concurrent runs
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(run, order))
    return out


_RUNTIMES: dict[tuple[Path, int], _Runtime] = {}
_LOCK = threading.Lock()


def _runtime(directory: Path, threads: int) -> _Runtime:
    """The process-wide runtime for ``directory`` and ``threads``, loaded once (thread-safe)."""
    key = (directory.resolve(), threads)
    with _LOCK:
        if key not in _RUNTIMES:
            _RUNTIMES[key] = _Runtime(directory, threads)
        return _RUNTIMES[key]


def probabilities(logits: np.ndarray, card: ModelCard) -> np.ndarray:
    """Calibrated probabilities (n x 5: the four stance classes, then offensive) from raw logits."""
    z = logits[:, :4].astype(np.float64) / card.temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    stance = e / e.sum(axis=1, keepdims=True)
    off = 1.0 / (1.0 + np.exp(-(logits[:, 4].astype(np.float64) / card.offensive_temperature + card.offensive_bias)))
    return np.column_stack([stance, off])


class PairScorer(Scorer):
    """MiniLM cross-encoder reading reply and parent together (int8 ONNX, offline, calibrated).

    ``threads``: pairs scored at once (default: the cores this process may use); ``model_dir``: another model
    directory holding model.onnx, tokenizer.json and model.json (default: the shipped one).
    """

    name: ClassVar[str] = "neural"
    version: ClassVar[str] = "1"

    def __init__(self, threads: int | None = None, model_dir: str | Path | None = None) -> None:
        self.threads = threads
        self.model_dir = model_dir

    def _directory(self) -> Path:
        return Path(self.model_dir) if self.model_dir is not None else MODEL_DIR

    def _runtime(self) -> _Runtime:
        """The loaded model this scorer uses (loaded on first call, shared in the process)."""
        if self.threads is not None and self.threads < 1:
            raise ScorerError(f"scorer 'neural': threads must be at least 1, not {self.threads}")
        return _runtime(self._directory(), self.threads or available_cores())

    @property
    def offensive_threshold(self) -> float:  # type: ignore[override]
        """The cut on ``p_offensive`` chosen on dev held-out predictions (model card), not 0.5 blindly."""
        return load_card(self._directory()).offensive_threshold

    def predict_proba(self, pairs: pl.DataFrame) -> pl.DataFrame:
        rt = self._runtime()
        texts = [t or "" for t in pairs["text"].to_list()]
        logits = rt.logits(texts, pairs["parent_text"].to_list())
        probs = conventions(pairs, probabilities(logits, rt.card))
        return pl.DataFrame({c: probs[:, i] for i, c in enumerate((*PROB_COLUMNS, "p_offensive"))},
                            schema=dict.fromkeys((*PROB_COLUMNS, "p_offensive"), pl.Float64))


SLASH_S = r"(?:^|[ \n])/s(?:$|[ \n.!])"


def conventions(pairs: pl.DataFrame, probs: np.ndarray) -> np.ndarray:
    """Two readings the model misses that follow from conventions, not from training data:

    - an explicit sarcasm tag (``/s``) says the words mean the opposite: the model's agreement moves to
      disagreement ("Oh great, another genius plan. /s");
    - hostile means an attack on the person replied to: an insult aimed at a group or third party
      without addressing the reader ("Those politicians are idiots") is offensive, not hostile, so 80%
      of its hostile mass moves to disagreement (the fast scorer's lexicon finds the target).

    On dev fold 0 neither moves a figure by more than 0.002 (training/pair/RESULTS.md); they fix
    what the definitions say on the cases they cover."""
    from discourse.stance._features import features

    out = probs.copy()
    sarcastic = pairs["text"].fill_null("").str.contains(SLASH_S).to_numpy()
    moved = out[sarcastic, 0].copy()
    out[sarcastic, 0] -= moved
    out[sarcastic, 2] += moved
    fx = features(pairs.select("text", "parent_text"))
    third = ((fx["group_target"] > 0) & (fx["second_person"] == 0)).to_numpy()
    moved = 0.8 * out[third, 3]
    out[third, 3] -= moved
    out[third, 2] += moved
    return out
