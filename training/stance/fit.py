"""The cue model's fitting core: weighted logistic regression with hand-set priors, the two heads over cue
features and candidate grams, and the k-fold helpers that pick thresholds and biases without the rows they
are judged on. :mod:`training.stance.train` (the shipped model) and :mod:`training.stance.cv` (dev
cross-validation) both fit through :func:`fit_heads`, so what is cross-validated is what ships.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy import sparse

from discourse._typing import STANCE_LABELS
from discourse.errors import MissingDependency
from discourse.stance._features import FEATURES, features_and_grams
from discourse.stance._ngrams import hits_matrix, patterns

__all__ = [
    "OFFENSIVE_PRIOR",
    "PRIOR_C",
    "STANCE_PRIOR",
    "Block",
    "Heads",
    "Targets",
    "best_mean_threshold",
    "best_threshold",
    "f1_at",
    "fit_heads",
    "fit_offensive_head",
    "fit_softmax",
    "fit_stance_head",
    "folds",
    "join_blocks",
    "macro_f1_indices",
    "offensive_rows",
    "oof_offensive",
    "prepare",
    "sigmoid",
    "stance_rows",
    "tune_bias",
    "vocabulary",
]


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


@dataclass(frozen=True)
class Targets:
    """Stance targets of a set of rows, for :func:`fit_softmax`: ``values`` (n x K) is, on ``partial`` rows, a
    0/1 mask of the allowed classes (a one-class mask is a plain label), elsewhere a probability distribution
    (soft targets, e.g. a teacher model's probabilities)."""

    values: np.ndarray
    partial: np.ndarray

    def loss_and_aim(self, logp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's loss and the distribution its gradient pulls toward (loss gradient = p - aim).

        A partial row's loss is ``-log sum_{k allowed} p_k`` and its aim the probabilities renormalised within
        the allowed set; a soft row's loss is the cross-entropy ``-sum_k t_k log p_k`` and its aim ``t``."""
        allowed = self.values > 0
        masked = np.where(allowed, logp, -np.inf)
        top = masked.max(axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        within = np.exp(masked - top)
        mass = within.sum(axis=1, keepdims=True)
        part = self.partial[:, None]
        loss = np.where(self.partial, -(top[:, 0] + np.log(np.where(self.partial, mass[:, 0], 1.0))),
                        -np.sum(np.where(allowed, self.values * logp, 0.0), axis=1))
        aim = np.where(part, within / np.where(part, mass, 1.0), self.values)
        return loss, aim


def _minimize() -> Any:
    try:
        from scipy.optimize import minimize
    except ModuleNotFoundError as err:
        raise MissingDependency("training the stance model", "scipy", extra="train") from err
    return minimize


def fit_softmax(x: np.ndarray, y: np.ndarray, w: np.ndarray, n_classes: int, prior: np.ndarray | None = None,
                c: float | np.ndarray = 1.0, tol: float = 1e-10, max_iter: int = 5000, balance: float = 1.0,
                unbalanced: tuple[int, ...] = (), targets: Targets | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by L-BFGS: weighted log-loss + ``||W - prior||^2 / (2c)``.

    ``x`` is a dense array or a scipy sparse matrix (cue features next to n-gram counts). Each row's target is
    its class ``y``, or, with ``targets``, a set of allowed classes (a partial label: the loss is minus the log of
    their summed probability) or a probability distribution (a soft label: cross-entropy against it; see
    :class:`Targets`). There ``y`` is only the class a row counts toward in balancing, -1 for none.

    Classes are balanced before fitting: class k's weights are multiplied by
    ``(total / (K * total_k)) ** balance`` (1: every class the same total weight, 0: as found; totals over the
    rows with a class), except the classes listed in ``unbalanced``, which keep their weight as found, as do rows
    without a class. The prior pulls the coefficients toward hand-set values (cue knowledge) wherever the data
    say little; intercepts are not penalised. Returns ``(coef (K x d), intercept (K,))``. Deterministic.
    """
    d = x.shape[1]
    is_sparse = sparse.issparse(x)
    w = w.astype(np.float64).copy()
    counted = y >= 0
    totals = np.array([w[y == k].sum() for k in range(n_classes)])
    factor = (w[counted].sum() / (n_classes * np.maximum(totals, 1e-12))) ** balance
    factor[list(unbalanced)] = 1.0
    w[counted] *= factor[y[counted]]
    prior = np.zeros((n_classes, d)) if prior is None else prior
    onehot = np.eye(n_classes)[y] if targets is None else None

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef = theta[: n_classes * d].reshape(n_classes, d)
        icpt = theta[n_classes * d:]
        z = np.asarray(x @ coef.T) + icpt
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        diff = coef - prior
        if onehot is not None:
            row_loss, aim = -np.sum(onehot * logp, axis=1), onehot
        else:
            row_loss, aim = targets.loss_and_aim(logp)  # type: ignore[union-attr]
        loss = float(np.sum(w * row_loss)) + float(np.sum(diff * diff / (2 * c)))
        r = (np.exp(logp) - aim) * w[:, None]
        xr = np.asarray(x.T @ r).T if is_sparse else r.T @ x  # dense: the order the shipped embed head was fitted in
        grad = np.concatenate([(xr + diff / c).ravel(), r.sum(axis=0)])
        return loss, grad

    theta0 = np.concatenate([prior.ravel(), np.zeros(n_classes)])
    res = _minimize()(objective, theta0, jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-8})
    return res.x[: n_classes * d].reshape(n_classes, d), res.x[n_classes * d:]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function: p(offensive) from the offensive head's logit."""
    return 1.0 / (1.0 + np.exp(-z))


def f1_at(p: np.ndarray, y: np.ndarray, t: float) -> float:
    """F1 of ``p >= t`` against the booleans ``y`` (0 when neither predicts nor holds a positive)."""
    pred = p >= t
    tp = float(np.sum(pred & y))
    return 2 * tp / (float(pred.sum()) + float(y.sum())) if (pred.sum() + y.sum()) else 0.0


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold in 0.05, 0.06, ... 0.95 with the highest F1 of ``p >= t`` against ``y`` (first on ties)."""
    return best_mean_threshold([(p, y)])


def best_mean_threshold(sets: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The threshold in 0.05, 0.06, ... 0.95 with the highest mean over ``sets`` of the F1 of ``p >= t`` against
    ``y`` (first on ties): one threshold that serves several sources alike."""
    best, best_f1 = 0.5, -1.0
    for t in np.round(np.arange(0.05, 0.951, 0.01), 2):
        f1 = float(np.mean([f1_at(p, y, float(t)) for p, y in sets]))
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(t), f1
    return best


def _prior(values: dict[str, dict[str, float]], classes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The prior coefficient matrix and the mask of hand-set entries."""
    prior = np.zeros((len(classes), len(FEATURES)))
    handset = np.zeros(prior.shape, dtype=bool)
    for cls, feats in values.items():
        for name, v in feats.items():
            prior[classes.index(cls), FEATURES.index(name)] = v
            handset[classes.index(cls), FEATURES.index(name)] = True
    return prior, handset


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


def join_blocks(blocks: list[Block], name: str) -> Block:
    """The rows of ``blocks``, in order, as one block."""
    if len(blocks) == 1:
        return Block(name, blocks[0].frame, blocks[0].x, blocks[0].g)
    return Block(name, pl.concat([b.frame for b in blocks], how="vertical_relaxed"), np.vstack([b.x for b in blocks]),
                 sparse.vstack([b.g for b in blocks]).tocsr())


def prepare(frame: pl.DataFrame, name: str, vocab: list[str]) -> Block:
    """Cue features and gram counts of ``frame`` (one features pass, as the scorer computes them)."""
    pats = patterns(vocab)
    fx, hits = features_and_grams(frame, gram_patterns=pats)
    assert hits is not None  # gram patterns given: gram occurrences found
    return Block(name, frame, fx.select(FEATURES).to_numpy(), hits_matrix(hits, len(pats)))


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


_STANCE_Q = tuple(f"q_{c}" for c in STANCE_LABELS)


def stance_rows(frame: pl.DataFrame) -> tuple[np.ndarray, Targets]:
    """The balancing class (index into STANCE_LABELS, -1 for none) and the :class:`Targets` of stance rows.

    A frame with ``q_agree ... q_hostile`` columns holds soft targets (counted toward no class); otherwise
    ``allowed`` is each row's set of allowed classes as bits (agree 1, neutral 2, disagree 4, hostile 8) and
    ``y`` its class in balancing (null for none)."""
    classes = list(STANCE_LABELS)
    n = frame.height
    if _STANCE_Q[0] in frame.columns:
        return np.full(n, -1, dtype=np.int64), Targets(frame.select(_STANCE_Q).to_numpy(), np.zeros(n, dtype=bool))
    bits = frame["allowed"].to_numpy().astype(np.int64)
    mask = ((bits[:, None] >> np.arange(len(classes))) & 1).astype(np.float64)
    y = np.array([-1 if v is None else classes.index(v) for v in frame["y"].to_list()], dtype=np.int64)
    return y, Targets(mask, np.ones(n, dtype=bool))


def offensive_rows(frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """The offensive head's targets of a block's rows: the class (0 safe, 1 offensive) and None, or, for a frame
    with soft targets (``q_offensive``), -1 (counted toward no class in balancing) and the (n x 2) distribution."""
    if "q_offensive" in frame.columns:
        q = frame["q_offensive"].to_numpy()
        return np.full(q.size, -1, dtype=np.int64), np.column_stack([1.0 - q, q])
    return frame["offensive"].to_numpy().astype(np.int64), None


def _head_inputs(blocks: list[tuple[Block, float]], keep: np.ndarray, drop: list[int]
                 ) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Rows of ``blocks`` as one sparse input (cue features, ``drop`` ones held at 0, then the ``keep`` grams)
    and each row's weight (a block's weight shared by its rows)."""
    xs, ws = [], []
    for b, weight in blocks:
        x = b.x.copy()
        x[:, drop] = 0.0
        xs.append(sparse.hstack([sparse.csr_matrix(x), b.g[:, keep]]).tocsr())
        ws.append(np.full(b.frame.height, weight / max(b.frame.height, 1)))
    return sparse.vstack(xs).tocsr(), np.concatenate(ws)


def _offsets(blocks: list[tuple[Block, float]], names: tuple[str, ...] | list[str]) -> sparse.csr_matrix:
    """One indicator column per source in ``names`` that has a block: 1 on that block's rows."""
    have = [n for n in names if any(b.name == n for b, _ in blocks)]
    col = np.concatenate([np.full(b.frame.height, have.index(b.name) if b.name in have else -1) for b, _ in blocks])
    rows = np.flatnonzero(col >= 0)
    return sparse.csr_matrix((np.ones(rows.size), (rows, col[rows])), shape=(col.size, len(have)))


def _fit_head(blocks: list[tuple[Block, float]], y: np.ndarray, targets: Targets | None, n_classes: int,
              prior: np.ndarray, c: np.ndarray, gram_c: np.ndarray, opts: dict[str, Any],
              unbalanced: tuple[int, ...] = (), balance: float = 1.0, offsets: tuple[str, ...] | list[str] = ()
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit one logistic head over (block, source weight) pairs, rows' classes ``y`` (or ``targets``).

    ``gram_c`` is the L2 variance of each candidate gram's coefficients, 0 for grams the head leaves out. The
    sources (block names) in ``offsets`` each get their own intercept shift (variance ``opts["offset_C"]``), fitted
    and then dropped: it absorbs how often the classes occur in that source (ConvAbuse's many attacks on a chatbot),
    so the intercepts are those of the other sources.
    """
    nf = len(FEATURES)
    keep = np.flatnonzero(gram_c > 0)
    x, w = _head_inputs(blocks, keep, [FEATURES.index(f) for f in opts.get("drop", ())])
    extra = _offsets(blocks, offsets)
    x = sparse.hstack([x, extra]).tocsr()
    k = prior.shape[0]
    full_prior = np.hstack([prior, np.zeros((k, len(keep) + extra.shape[1]))])
    full_c = np.hstack([np.broadcast_to(c, prior.shape), np.broadcast_to(gram_c[keep], (k, len(keep))),
                        np.full((k, extra.shape[1]), opts.get("offset_C", 1.0))])
    coef, icpt = fit_softmax(x, y, w, n_classes, full_prior, c=full_c, tol=opts["tol"], max_iter=opts["max_iter"],
                             unbalanced=unbalanced, balance=balance, targets=targets)
    gram = np.zeros((k, gram_c.size))
    gram[:, keep] = coef[:, nf:nf + len(keep)]
    return coef[:, :nf], gram, icpt


def vocabulary(df_blocks: list[Block], opts: dict[str, Any], char: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The word grams (bool mask over the candidates) in at least ``opts["min_df"]`` rows of ``df_blocks`` (the
    distinct training rows), and the character grams (``char``: mask over the candidates) in at least
    ``opts["char_min_df"]`` and at most ``opts["char_max_share"]`` of them (common character grams would cost
    matching time everywhere)."""
    df = sum(np.asarray((b.g > 0).sum(axis=0)).ravel() for b in df_blocks)
    n_rows = sum(b.frame.height for b in df_blocks)
    words = ~char & (df >= opts["min_df"])
    chars = char & (df >= opts["char_min_df"]) & (df <= opts["char_max_share"] * n_rows)
    return words, chars


def fit_stance_head(stance: list[tuple[Block, float]], opts: dict[str, Any], words: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stance head (coef, gram coef, intercept) over the cue features and the ``words`` grams, fitted on the
    rows' targets (:func:`stance_rows`). Hostility is rare in real threads: balancing it up to a quarter of the
    weight would see it everywhere, so it is not balanced."""
    classes = list(STANCE_LABELS)
    extra = opts.get("prior", {})
    prior, handset = _prior({c: {**STANCE_PRIOR.get(c, {}), **extra.get(c, {})} for c in classes}, classes)
    c = np.where(handset, opts.get("prior_C", PRIOR_C), opts["C"])
    parts = [stance_rows(b.frame) for b, _ in stance]
    y = np.concatenate([p[0] for p in parts])
    targets = Targets(np.vstack([p[1].values for p in parts]), np.concatenate([p[1].partial for p in parts]))
    return _fit_head(stance, y, targets, 4, prior, c, np.where(words, opts["gram_C"] or 0.0, 0.0), opts,
                     unbalanced=(classes.index("hostile"),), offsets=opts.get("offsets", ()))


def fit_offensive_head(offensive: list[tuple[Block, float]], opts: dict[str, Any], words: np.ndarray,
                       chars: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """The offensive head (coef, gram coef, intercept as differences of the two classes' values) over the cue
    features, the ``words`` grams and the ``chars`` character grams, fitted on the rows' ``offensive``; and the
    character grams it keeps (all of ``chars`` unless ``opts["char_keep"]`` caps them)."""
    oprior = _prior(OFFENSIVE_PRIOR, ["safe", "offensive"])[0]
    parts = [offensive_rows(b.frame) for b, _ in offensive]
    y = np.concatenate([p[0] for p in parts])
    soft = any(p[1] is not None for p in parts)
    # hard labels only: plain classes; with soft targets, every row's targets (a hard label as a one-class set)
    targets = Targets(np.vstack([np.eye(2)[p[0]] if p[1] is None else p[1] for p in parts]),
                      np.concatenate([np.full(p[0].size, p[1] is None) for p in parts])) if soft else None

    def fit(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        oc = np.where(words, opts["off_gram_C"] or 0.0, 0.0) + np.where(chars, opts["off_char_C"] or 0.0, 0.0)
        return _fit_head(offensive, y, targets, 2, oprior, np.full(oprior.shape, opts["C"]), oc, opts,
                         balance=opts["off_balance"])

    ocoef, ogram, oicpt = fit(chars)
    if opts["char_keep"] and chars.sum() > opts["char_keep"]:
        # speed: keep the char_keep character grams with the largest coefficients (positive ones only with
        # char_sign "pos": they are rare in ordinary text, so the scorer finds few) and fit again on those
        strength = ogram[1] - ogram[0]
        strength = np.where(chars, strength if opts["char_sign"] == "pos" else np.abs(strength), -np.inf)
        top = np.argsort(-strength, kind="stable")[: opts["char_keep"]]
        top = top[strength[top] > 0]
        chars = np.zeros_like(chars)
        chars[top] = True
        ocoef, ogram, oicpt = fit(chars)
    return ocoef[1] - ocoef[0], ogram[1] - ogram[0], float(oicpt[1] - oicpt[0]), chars


def fit_heads(stance: list[tuple[Block, float]], offensive: list[tuple[Block, float]], opts: dict[str, Any],
              df_blocks: list[Block], char: np.ndarray) -> Heads:
    """Fit the stance head (rows' targets, :func:`stance_rows`) and the offensive head (rows' ``offensive``)
    with options ``opts``, over the vocabulary of ``df_blocks`` (:func:`vocabulary`). Character grams go to the
    offensive head only."""
    words, chars = vocabulary(df_blocks, opts, char)
    coef, gram, icpt = fit_stance_head(stance, opts, words)
    off_words = words
    off_coef, off_gram, off_icpt, off_chars = fit_offensive_head(offensive, opts, off_words, chars)
    if opts.get("gram_min", 0.0) > 0:
        # speed: every gram in the model costs matching time; each head keeps the word grams that move its logits
        # by at least gram_min (stance coefficients measured from their mean over the classes) and is fitted again
        words = words & (np.abs(gram - gram.mean(axis=0, keepdims=True)).max(axis=0) >= opts["gram_min"])
        off_words = off_words & (np.abs(off_gram) >= opts["gram_min"])
        coef, gram, icpt = fit_stance_head(stance, opts, words)
        off_coef, off_gram, off_icpt, off_chars = fit_offensive_head(offensive, opts, off_words, chars)
    return Heads(coef, gram, icpt, off_coef, off_gram, off_icpt, words | off_words | off_chars)


def folds(n: int, k: int, seed: int = 0) -> np.ndarray:
    """Fold number (0..k-1) of each of ``n`` rows: a fixed shuffle, then round robin (deterministic)."""
    out = np.empty(n, dtype=np.int64)
    out[np.random.default_rng(seed).permutation(n)] = np.arange(n) % k
    return out


def oof_offensive(offensive: list[tuple[Block, float]], opts: dict[str, Any], df_blocks: list[Block],
                  char: np.ndarray, k: int) -> list[np.ndarray]:
    """Out-of-fold p(offensive) of every offensive training row (k folds per block; the vocabulary of
    ``df_blocks`` throughout)."""
    words, chars = vocabulary(df_blocks, opts, char)
    fold = [folds(b.frame.height, k, seed=i) for i, (b, _) in enumerate(offensive)]
    out = [np.zeros(b.frame.height) for b, _ in offensive]
    for j in range(k):
        train = [(b.take(np.flatnonzero(f != j)), w) for (b, w), f in zip(offensive, fold)]
        coef, gram, icpt, _ = fit_offensive_head(train, opts, words, chars)
        for i, ((b, _), f) in enumerate(zip(offensive, fold)):
            rows = np.flatnonzero(f == j)
            out[i][rows] = sigmoid(b.x[rows] @ coef + np.asarray(b.g[rows] @ gram).ravel() + icpt)
    return out
_BIAS_GRID = np.round(np.arange(-1.5, 1.51, 0.25), 2)


def macro_f1_indices(logits: np.ndarray, labels: np.ndarray) -> float:
    """Macro-F1 over agree / neutral / disagree (class indices 0-2; a predicted hostile, 3, counts as 2)."""
    pred = np.minimum(np.argmax(logits, axis=1), 2)
    f1s = []
    for c in range(3):
        tp = float(np.sum((pred == c) & (labels == c)))
        denom = float(np.sum(pred == c) + np.sum(labels == c))
        f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s))


def tune_bias(stance: list[tuple[Block, float]], opts: dict[str, Any], df_blocks: list[Block], char: np.ndarray,
              k: int = 3) -> np.ndarray:
    """Per-class additions to the stance intercepts that maximise macro-F1 of out-of-fold predictions.

    Every stance training source with agree / neutral / disagree labels is cut into ``k`` folds; each fold is
    predicted by a model fitted on the rest. The agree and disagree biases are then searched on a grid
    (neutral and hostile stay 0), maximising the mean over sources of their macro-F1; ties keep the bias
    nearest 0. Deterministic.
    """
    classes = list(STANCE_LABELS)
    words = vocabulary(df_blocks, opts, char)[0]
    fold = [folds(b.frame.height, k, seed=10 + i) for i, (b, _) in enumerate(stance)]
    oof = [np.zeros((b.frame.height, 4)) for b, _ in stance]
    for j in range(k):
        train = [(b.take(np.flatnonzero(f != j)), w) for (b, w), f in zip(stance, fold)]
        coef, gram, icpt = fit_stance_head(train, opts, words)
        for i, ((b, _), f) in enumerate(zip(stance, fold)):
            rows = np.flatnonzero(f == j)
            oof[i][rows] = b.x[rows] @ coef.T + np.asarray(b.g[rows] @ gram.T) + icpt
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
            f = float(np.mean([macro_f1_indices(lg + delta, gold) for lg, gold in scored]))
            if f > best_f + 1e-9 or (abs(f - best_f) <= 1e-9 and abs(a) + abs(d) < np.abs(best).sum()):
                best, best_f = delta, max(f, best_f)
    return best
