"""Fitting and dev cross-validation of the embed scorer's head (embed/2); training only.

The dev texts are encoded once (:func:`dev_embeddings`, optionally cached in a ``.npz`` file outside the
repository); every fit then reads the cached vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse

from discourse._typing import STANCE_LABELS
from discourse.errors import ScorerError
from training.stance.fit import Block, best_threshold, fit_heads, fit_softmax, folds, join_blocks, sigmoid

__all__ = [
    "EMBED_OPTIONS",
    "ENCODER_OPTIONS",
    "MPNET_OPTIONS",
    "EmbBlock",
    "EmbedHeads",
    "cross_validate_embed",
    "dev_embeddings",
    "dev_texts",
    "embed_blocks",
    "fit_embed_heads",
    "oof_embed_offensive",
    "train_embed_head",
]

# The embed head's choices, each made by dev cross-validation (cross_validate_embed; docs/stance.md):
# C / off_C: L2 variance of the embedding-block coefficients in the stance / offensive head (off_C None: C);
# cues: the standardised cue features join the input, variance cue_C (off_cue_C in the offensive head, None:
# cue_C); grams: the cue model's word-gram counts join it (variance gram_C / off_gram_C, grams in >= min_df
# training rows); stack: the cue model's own logits (out-of-fold on training rows) join it, variance stack_C;
# cat_share, source_weight, threshold_folds, bot_share, off_bot_share: as the cue model. grams and stack are CV-only.
EMBED_OPTIONS: dict[str, Any] = {
    "C": 0.1, "off_C": 1.0, "cues": True, "cue_C": 1.0, "off_cue_C": 0.01, "grams": False, "gram_C": 0.3,
    "off_gram_C": 1.0, "min_df": 2, "stack": False, "stack_C": 1.0, "source_weight": 1000.0, "cat_share": 0.1,
    "bot_share": 0.0, "off_bot_share": 0.0, "threshold_folds": 5, "tol": 1e-9, "max_iter": 3000, "decimals": 5,
}
# embed-mpnet: the same, with the variance of the (768-dimensional) embedding block chosen by the folds protocol
# (docs/stance.md): 0.7 among 0.05-2
MPNET_OPTIONS: dict[str, Any] = {**EMBED_OPTIONS, "C": 0.7}
ENCODER_OPTIONS: dict[str, dict[str, Any]] = {"minilm": EMBED_OPTIONS, "mpnet": MPNET_OPTIONS}


def dev_texts(frames: dict[str, pl.DataFrame]) -> list[str]:
    """Every distinct reply and parent text of ``frames`` (nulls as ""), in first-appearance order."""
    texts: list[str] = []
    for f in frames.values():
        texts += f["text"].fill_null("").to_list() + f["parent_text"].fill_null("").to_list()
    return list(dict.fromkeys(texts))


def dev_embeddings(frames: dict[str, pl.DataFrame], cache: str | Path | None = None, encoder: str = "minilm"
                   ) -> dict[str, np.ndarray]:
    """Text -> ``encoder`` vector for every text of ``frames``, encoded in one call (read from ``cache`` if it
    holds exactly these texts at that encoder's size; written there otherwise)."""
    from discourse.stance._embed import ENCODERS, encode

    texts = dev_texts(frames)
    path = Path(cache) if cache is not None else None
    if path is not None and path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                if z["texts"].tolist() == texts and z["vectors"].shape[1:] == (ENCODERS[encoder].dim,):
                    return dict(zip(texts, z["vectors"]))
        except (OSError, KeyError, ValueError) as err:
            raise ScorerError(f"{path}: not a readable embedding cache ({err}); delete it to re-encode") from err
    vectors = encode(texts, encoder=encoder)
    if path is not None:
        np.savez(path, texts=np.array(texts, dtype=str), vectors=vectors)
    return dict(zip(texts, vectors))


@dataclass(frozen=True)
class EmbBlock:
    """A cue-model :class:`Block` plus its rows' embedding pair block ``e`` (n x 1536)."""

    b: Block
    e: np.ndarray

    def take(self, rows: np.ndarray) -> EmbBlock:
        """The block restricted to ``rows``."""
        return EmbBlock(self.b.take(rows), self.e[rows])

    @property
    def n(self) -> int:
        """Number of rows."""
        return self.b.frame.height


def embed_blocks(blocks: dict[str, Block], vectors: dict[str, np.ndarray]) -> dict[str, EmbBlock]:
    """Each cue-model block with the pair block of its rows' cached embeddings."""
    from discourse.stance._embed import pair_block

    out = {}
    for k, b in blocks.items():
        u = np.array([vectors[t] for t in b.frame["text"].fill_null("").to_list()])
        v = np.array([vectors[t] for t in b.frame["parent_text"].fill_null("").to_list()])
        out[k] = EmbBlock(b, pair_block(u, v))
    return out


@dataclass
class EmbedHeads:
    """Fitted embed heads: coefficients over the assembled input (see :func:`assemble`), intercepts, scaling."""

    coef: np.ndarray
    intercept: np.ndarray
    off_coef: np.ndarray
    off_intercept: float
    mean: np.ndarray
    scale: np.ndarray
    grams: np.ndarray        # indices of the candidate grams in the input (empty without grams)
    cue_model: Any = None    # the stacked cue model (Heads) or None

    def logits(self, eb: EmbBlock, stacked: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Stance logits (n x 4) and offensive logit (n) of a block's rows."""
        x = assemble(eb, self, stacked)
        return np.asarray(x @ self.coef.T) + self.intercept, np.asarray(x @ self.off_coef).ravel() + self.off_intercept


def _scaling(blocks: list[EmbBlock], decimals: int = 6) -> tuple[np.ndarray, np.ndarray]:
    x = np.vstack([eb.b.x for eb in blocks])
    mean = np.round(x.mean(axis=0), decimals)
    sd = np.round(x.std(axis=0), decimals)
    return mean, np.where(sd > 0, sd, 1.0)


def _stacked(model: Any, eb: EmbBlock) -> np.ndarray:
    s, o = model.logits(eb.b)
    return np.hstack([s - s.mean(axis=1, keepdims=True), o[:, None]])


def assemble(eb: EmbBlock, h: Any, stacked: np.ndarray | None = None) -> np.ndarray | sparse.csr_matrix:
    """Head input rows: pair block, standardised cue features (if ``h.mean`` is set), gram counts, stacked logits."""
    parts: list[Any] = [eb.e]
    if h.mean is not None:
        parts.append((eb.b.x - h.mean) / h.scale)
    if h.cue_model is not None:
        parts.append(stacked if stacked is not None else _stacked(h.cue_model, eb))
    if len(h.grams):
        return sparse.hstack([sparse.csr_matrix(np.hstack(parts)), eb.b.g[:, h.grams]]).tocsr()
    return np.hstack(parts)


def _cue_opts() -> dict[str, Any]:
    from training.stance.train import OPTIONS

    return dict(OPTIONS)


def _cue_model(stance: list[tuple[EmbBlock, float]], offensive: list[tuple[EmbBlock, float]]) -> Any:
    """The cue model (the default scorer's options) fitted on these rows, for stacking."""
    o = _cue_opts()
    df_blocks = [eb.b for eb, _ in offensive] + [eb.b for eb, _ in stance]
    n = stance[0][0].b.g.shape[1]
    return fit_heads([(eb.b, w) for eb, w in stance], [(eb.b, w) for eb, w in offensive], o, df_blocks,
                     np.zeros(n, dtype=bool))


def _oof_stacked(stance: list[tuple[EmbBlock, float]], offensive: list[tuple[EmbBlock, float]], k: int = 3
                 ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Out-of-fold cue-model logits of every training row (stance and offensive sources folded alike)."""
    sf = [folds(eb.n, k, seed=20 + i) for i, (eb, _) in enumerate(stance)]
    of = [folds(eb.n, k, seed=40 + i) for i, (eb, _) in enumerate(offensive)]
    s_out = [np.zeros((eb.n, 5)) for eb, _ in stance]
    o_out = [np.zeros((eb.n, 5)) for eb, _ in offensive]
    for j in range(k):
        m = _cue_model([(eb.take(np.flatnonzero(f != j)), w) for (eb, w), f in zip(stance, sf)],
                       [(eb.take(np.flatnonzero(f != j)), w) for (eb, w), f in zip(offensive, of)])
        for out, src, fs in ((s_out, stance, sf), (o_out, offensive, of)):
            for i, ((eb, _), f) in enumerate(zip(src, fs)):
                rows = np.flatnonzero(f == j)
                out[i][rows] = _stacked(m, eb.take(rows))
    return s_out, o_out


def fit_embed_heads(stance: list[tuple[EmbBlock, float]], offensive: list[tuple[EmbBlock, float]],
                    opts: dict[str, Any]) -> EmbedHeads:
    """Fit the stance head (rows' ``y``, hostile not balanced) and the offensive head (class-balanced)."""
    o = opts
    classes = list(STANCE_LABELS)
    train = [eb for eb, _ in stance] + [eb for eb, _ in offensive]
    mean, scale = _scaling(train) if o["cues"] else (None, None)
    grams = np.zeros(0, dtype=np.int64)
    if o["grams"]:
        df = sum(np.asarray((eb.b.g > 0).sum(axis=0)).ravel() for eb in train)
        grams = np.flatnonzero(df >= o["min_df"])
    h = EmbedHeads(np.zeros(0), np.zeros(0), np.zeros(0), 0.0, mean, scale, grams, None)
    s_st = o_st = None
    if o["stack"]:
        h.cue_model = _cue_model(stance, offensive)
        s_st, o_st = _oof_stacked(stance, offensive)
    d_e = stance[0][0].e.shape[1]
    n_cue = 0 if mean is None else mean.size
    n_st = 5 if o["stack"] else 0

    def var(gram_c: float, cue_c: float, emb_c: float) -> np.ndarray:
        return np.concatenate([np.full(d_e, emb_c), np.full(n_cue, cue_c), np.full(n_st, o["stack_C"]),
                               np.full(grams.size, gram_c)])

    def rows(src: list[tuple[EmbBlock, float]], st: list[np.ndarray] | None) -> Any:
        xs = [assemble(eb, h, None if st is None else st[i]) for i, (eb, _) in enumerate(src)]
        return sparse.vstack(xs).tocsr() if sparse.issparse(xs[0]) else np.vstack(xs)

    sw = np.concatenate([np.full(eb.n, w / max(eb.n, 1)) for eb, w in stance])
    sy = np.concatenate([[classes.index(v) for v in eb.b.frame["y"].to_list()] for eb, _ in stance]).astype(np.int64)
    c = np.broadcast_to(var(o["gram_C"], o["cue_C"], o["C"]), (4, d_e + n_cue + n_st + grams.size))
    h.coef, h.intercept = fit_softmax(rows(stance, s_st), sy, sw, 4, c=c, tol=o["tol"], max_iter=o["max_iter"],
                                      unbalanced=(classes.index("hostile"),))
    ow = np.concatenate([np.full(eb.n, w / max(eb.n, 1)) for eb, w in offensive])
    oy = np.concatenate([eb.b.frame["offensive"].to_numpy().astype(np.int64) for eb, _ in offensive])
    oc = np.broadcast_to(var(o["off_gram_C"], o["off_cue_C"] or o["cue_C"], o["off_C"] or o["C"]), (2, c.shape[1]))
    ocoef, oicpt = fit_softmax(rows(offensive, o_st), oy, ow, 2, c=oc, tol=o["tol"], max_iter=o["max_iter"])
    h.off_coef, h.off_intercept = ocoef[1] - ocoef[0], float(oicpt[1] - oicpt[0])
    return h


def oof_embed_offensive(stance: list[tuple[EmbBlock, float]], offensive: list[tuple[EmbBlock, float]],
                        opts: dict[str, Any], k: int) -> list[np.ndarray]:
    """Out-of-fold p(offensive) of every offensive training row (k folds per source, as the cue model's)."""
    fold = [folds(eb.n, k, seed=i) for i, (eb, _) in enumerate(offensive)]
    out = [np.zeros(eb.n) for eb, _ in offensive]
    for j in range(k):
        h = fit_embed_heads(stance, [(eb.take(np.flatnonzero(f != j)), w) for (eb, w), f in zip(offensive, fold)],
                            opts)
        for i, ((eb, _), f) in enumerate(zip(offensive, fold)):
            rows = np.flatnonzero(f == j)
            out[i][rows] = sigmoid(h.logits(eb.take(rows))[1])
    return out


def cross_validate_embed(blocks: dict[str, EmbBlock], opts: dict[str, Any] | None = None, k: int = 3,
                         protocol: str = "dev", encoder: str = "minilm") -> dict[str, float]:
    """Dev cross-validation figures of the embed head with ``opts`` over ``encoder``'s options: the protocol of
    :func:`training.stance.cv.cross_validate` (same folds, sources, figures; ``protocol`` as there)."""
    from training.stance.cv import chunks, labelled, macro_f1_3, not_replying_to, offensive_figures

    if protocol not in ("dev", "folds"):
        raise ValueError(f"protocol must be 'dev' or 'folds', not {protocol!r}")
    o = {**ENCODER_OPTIONS[encoder], **(opts or {})}
    sw = o["source_weight"]

    def joined(a: EmbBlock, b: EmbBlock) -> EmbBlock:
        return EmbBlock(join_blocks([a.b, b.b], a.b.name), np.vstack([a.e, b.e]))

    mask = blocks["mask"]
    fold = folds(mask.n, k, seed=0)
    tc_dev, tc_labels = labelled(blocks["toxichat_dev"], blocks["toxichat_dev"].b.frame)
    tc_all = joined(blocks["toxichat_train"], blocks["toxichat_dev"])
    tc_fold = chunks(tc_all.n, k)
    all_bots = joined(blocks["toxichat_train_bots"], blocks["toxichat_dev_bots"]) if o["bot_share"] > 0 else None
    off = [(blocks["toxichat_train_off"], sw),
           *([(blocks["toxichat_train_bots_off"], sw * o["off_bot_share"])] if o["off_bot_share"] > 0 else [])]
    tc, mm = [], []
    for j in range(k):
        tc_train, bots = blocks["toxichat_train"], blocks.get("toxichat_train_bots")
        if protocol == "folds":
            held_tc = tc_all.take(np.flatnonzero(tc_fold == j))
            tc_train = tc_all.take(np.flatnonzero(tc_fold != j))
            if all_bots is not None:
                bots = all_bots.take(not_replying_to(all_bots.b.frame, held_tc.b.frame))
        stance = [(tc_train, sw), (mask.take(np.flatnonzero(fold != j)), sw),
                  (blocks["cat"], sw * o["cat_share"]),
                  *([(bots, sw * o["bot_share"])] if o["bot_share"] > 0 else [])]
        h = fit_embed_heads(stance, off, o)
        if protocol == "folds":
            held_tc, held_labels_tc = labelled(held_tc, held_tc.b.frame)
            tc.append(macro_f1_3(h.logits(held_tc)[0], held_labels_tc))
        else:
            tc.append(macro_f1_3(h.logits(tc_dev)[0], tc_labels))
        held = mask.take(np.flatnonzero(fold == j))
        held, held_labels = labelled(held, held.b.frame)
        mm.append(macro_f1_3(h.logits(held)[0], held_labels))
        if j == 0:
            dev_off = blocks["toxichat_dev_off"]
            y = dev_off.b.frame["offensive"].to_numpy().astype(bool)
            oof = oof_embed_offensive(stance, off, o, k)
            off_fig = offensive_figures(sigmoid(h.logits(dev_off)[1]), y, oof[0],
                                        off[0][0].b.frame["offensive"].to_numpy().astype(bool))
    return {"toxichat_folds" if protocol == "folds" else "toxichat_dev": float(np.mean(tc)),
            "mask_folds": float(np.mean(mm)), **off_fig}


def train_embed_head(dev_dir: str | Path, opts: dict[str, Any] | None = None, cache: str | Path | None = None,
                     encoder: str = "minilm") -> dict[str, Any]:
    """The head (JSON-ready) of the embed scorer over ``encoder`` (``embed`` for MiniLM, ``embed-mpnet``), fitted
    on the dev files with that encoder's options (:data:`ENCODER_OPTIONS`).

    Training rows as cues/3: stance on ToxiChat train + dev replies, MaskMandate and CAT_SMALL (a tenth of
    the weight); offensive on ToxiChat train + dev turns; the threshold maximises F1 of k-fold out-of-fold
    predictions on those turns. Coefficients are rounded to ``decimals``, and the scorer computes with the
    rounded values. ``cache``: an embedding cache file (:func:`dev_embeddings`), outside the repository.
    """
    from discourse.stance._embed import EMBED_SCORERS, ENCODERS
    from training.stance.train import CUES3_FILES, OPTIONS, _sha256, dev_blocks

    scorer = EMBED_SCORERS[encoder]
    enc = ENCODERS[encoder]
    o = {**ENCODER_OPTIONS[encoder], **(opts or {})}
    if o["grams"] or o["stack"]:
        raise ScorerError("train_embed_head: the embed scorer reads no gram counts or stacked logits; "
                          "those options are for cross_validate_embed only")
    blocks, _, frames = dev_blocks(dev_dir, OPTIONS, files=CUES3_FILES, partial=False)
    eb = embed_blocks(blocks, dev_embeddings(frames, cache, encoder))
    sw = o["source_weight"]
    stance = [(eb["toxichat_train"], sw), (eb["toxichat_dev"], sw), (eb["mask"], sw), (eb["cat"], sw * o["cat_share"])]
    off = [(eb["toxichat_train_off"], sw), (eb["toxichat_dev_off"], sw)]
    h = fit_embed_heads(stance, off, o)
    oof = oof_embed_offensive(stance, off, o, o["threshold_folds"])
    threshold = best_threshold(np.concatenate(oof),
                               np.concatenate([b.b.frame["offensive"].to_numpy().astype(bool) for b, _ in off]))
    d = o["decimals"]
    from discourse.stance._features import FEATURES

    return {
        "name": scorer.name, "version": scorer.version, "encoder": f"{enc.model} ({enc.package})",
        "inputs": "[u, v, u*v, |u-v|] (u reply, v parent, L2-normalised), then the cue features standardised",
        "cue_features": list(FEATURES) if o["cues"] else [],
        "cue_scaling": ({"mean": [float(v) for v in h.mean], "scale": [float(v) for v in h.scale]}
                        if o["cues"] else None),
        "classes": list(STANCE_LABELS),
        "stance": {"intercept": [round(float(v), d) for v in h.intercept],
                   "coef": [[round(float(v), d) for v in row] for row in h.coef]},
        "offensive": {"intercept": round(h.off_intercept, d), "coef": [round(float(v), d) for v in h.off_coef],
                      "threshold": threshold},
        "settings": o,
        "trained_on": {name: {"rows": frames[k].height, "sha256": _sha256(Path(dev_dir) / name)}
                       for k, name in CUES3_FILES.items()},
    }
