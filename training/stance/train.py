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

Every choice in :data:`OPTIONS` was made by cross-validation on dev (:mod:`training.stance.cv`).
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

from discourse._typing import STANCE_LABELS
from discourse.errors import MissingDependency
from discourse.stance import read_labeled
from discourse.stance._features import FEATURES
from discourse.stance._ngrams import MAX_CHARS
from training.stance.fit import (
    OFFENSIVE_PRIOR,
    PRIOR_C,
    STANCE_PRIOR,
    Block,
    best_threshold,
    fit_heads,
    oof_offensive,
    prepare,
    tune_bias,
)
from training.stance.grams import candidate_grams, char_grams

__all__ = [
    "BOT_FILES",
    "CHAR_OPTIONS",
    "DEV_FILES",
    "OPTIONS",
    "VERSION",
    "char_vocabulary",
    "dev_blocks",
    "gram_vocabulary",
    "stance_targets",
    "train_cue_model",
    "training_frames",
]

DEV_FILES = {
    "toxichat_train": "toxichat_train.jsonl",
    "toxichat_dev": "toxichat_dev.jsonl",
    "mask": "lei_huang_subreddit_MaskMandate.csv",
    "cat": "context_toxicity_cat_small.csv",
    "fanchuan_train": "fanchuan_reddit_trump_comments_train.csv",
    "fanchuan_val": "fanchuan_reddit_trump_comments_val.csv",
}
# ToxiChat's chatbot replies (read_labeled layout "toxichat_bots"), read only when an option gives them weight
BOT_FILES = {"toxichat_train_bots": "toxichat_train.jsonl", "toxichat_dev_bots": "toxichat_dev.jsonl"}
VERSION = "3"
# Every choice of the cue model, each made by cross-validation on dev (discourse/stance/_cv.py; docs/stance.md):
# C: L2 variance of the cue coefficients without a hand-set prior; gram_C / off_gram_C: of the gram coefficients
# in the stance / offensive head (None: that head has no grams); min_df: a gram is a column if it is in that many
# training rows; *_share: a source's weight as a fraction of ToxiChat's or MaskMandate's; off_balance: class balancing
# of the offensive head (1 balanced, 0 as found); off_cat: CAT_SMALL's out-of-context labels train the offensive
# head; drop: features held at 0; bias: per-class intercept shifts tuned for macro-F1 (tune_bias); threshold_folds:
# k of the k-fold that picks the offensive threshold; off_char_C ... char_sign: character grams (see CHAR_OPTIONS);
# bot_share / off_bot_share: weight of ToxiChat's chatbot replies (BOT_FILES) in the stance / offensive head;
# tc_share: weight of ToxiChat's Reddit replies in the stance head.
OPTIONS: dict[str, Any] = {
    "C": 1.0, "gram_C": 0.3, "off_gram_C": 1.0, "min_df": 2, "source_weight": 1000.0, "cat_share": 0.1,
    "fanchuan_share": 0.0, "off_balance": 1.0, "off_cat": False, "off_cat_share": 1.0, "drop": (),
    "threshold_folds": 5, "bias": False, "off_char_C": None, "char_min_df": 5, "char_max_share": 1.0, "char_keep": 0,
    "char_sign": "abs", "bot_share": 0.0, "off_bot_share": 0.0, "tc_share": 1.0, "tol": 1e-10, "max_iter": 5000, "decimals": 4,
}
# the cues-char scorer: the offensive head reads the 3,000 character grams with the largest coefficients
# (off_char_C: their L2 variance; char_min_df, char_max_share: candidates in that many / at most that share of rows)
# instead of word grams
CHAR_OPTIONS: dict[str, Any] = {**OPTIONS, "off_char_C": 0.1, "off_gram_C": None, "char_keep": 3000}


def stance_targets(labeled: pl.DataFrame) -> pl.DataFrame:
    """Rows with a stance target ``y``: hostile where an offence aims at the person and does not agree."""
    attack = (pl.col("offensive").fill_null(False) & pl.col("target_person").fill_null(False)
              & (pl.col("label").fill_null("") != "agree"))
    y = pl.when(attack & pl.col("parent_text").is_not_null()).then(pl.lit("hostile")).otherwise(pl.col("label"))
    return labeled.with_columns(y.alias("y")).filter(pl.col("y").is_not_null() & pl.col("parent_text").is_not_null())


def _uses_bots(opts: dict[str, Any]) -> bool:
    return opts.get("bot_share", 0.0) > 0 or opts.get("off_bot_share", 0.0) > 0


def training_frames(dev_dir: str | Path, bots: bool = False) -> dict[str, pl.DataFrame]:
    """The dev files read with :func:`discourse.stance._data.read_labeled`, keyed as in :data:`DEV_FILES`
    (and :data:`BOT_FILES` when ``bots``)."""
    d = Path(dev_dir)
    frames = {key: read_labeled(d / name) for key, name in DEV_FILES.items()}
    if bots:
        frames |= {key: read_labeled(d / name, "toxichat_bots") for key, name in BOT_FILES.items()}
    return frames


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
                  if g.startswith(("^", "?^")) or not all(w in stop for w in g.split(" ")))


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


def dev_blocks(dev_dir: str | Path, opts: dict[str, Any], bots: bool | None = None
               ) -> tuple[dict[str, Block], list[str], dict[str, pl.DataFrame]]:
    """Every dev source as a :class:`Block` over the candidate grams (``"<key>"`` stance rows with ``y``,
    ``"<key>_off"`` rows with an offence label), the candidate vocabulary, and the frames as read. The chatbot
    replies (:data:`BOT_FILES`) are read when ``bots`` says so (None: when ``opts`` give them weight)."""
    frames = training_frames(dev_dir, _uses_bots(opts) if bots is None else bots)
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
    share = {"cat": opts["cat_share"], "fanchuan_train": opts["fanchuan_share"], "fanchuan_val": opts["fanchuan_share"],
             **dict.fromkeys(BOT_FILES, opts["bot_share"]), "toxichat_train": opts["tc_share"],
             "toxichat_dev": opts["tc_share"]}
    off_share = {"cat_off": opts["off_cat_share"], **{f"{k}_off": opts["off_bot_share"] for k in BOT_FILES}}
    stance = [(blocks[k], sw * share.get(k, 1.0)) for k in stance_keys if share.get(k, 1.0) > 0]
    off = [(blocks[k], sw * off_share.get(k, 1.0)) for k in off_keys if off_share.get(k, 1.0) > 0]
    # a source's stance rows are a subset of its offence rows where it has both
    df_blocks = [b for b, _ in off] + [b for b, _ in stance if f"{b.name}_off" not in off_keys]
    return stance, off, df_blocks


def train_cue_model(dev_dir: str | Path, opts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The cue model as a JSON-ready dict, fitted on the dev files in ``dev_dir`` with :data:`OPTIONS`."""
    o = {**OPTIONS, **(opts or {})}
    blocks, vocab, frames = dev_blocks(dev_dir, o)
    classes = list(STANCE_LABELS)
    stance_keys = ["toxichat_train", "toxichat_dev", "mask", "cat", "fanchuan_train", "fanchuan_val",
                   *(BOT_FILES if o["bot_share"] > 0 else [])]
    off_keys = ["toxichat_train_off", "toxichat_dev_off", *(["cat_off"] if o["off_cat"] else []),
                *(f"{k}_off" for k in BOT_FILES if o["off_bot_share"] > 0)]
    stance, off, df_blocks = _plan(blocks, o, stance_keys, off_keys)
    char = np.array([g.startswith("~") for g in vocab], dtype=bool)
    heads = fit_heads(stance, off, o, df_blocks, char)
    if o["bias"]:
        heads.intercept = heads.intercept + tune_bias(stance, off, o, df_blocks, char)
    # the threshold maximises F1 of the out-of-fold ToxiChat predictions (k-fold within dev)
    oof = oof_offensive(off, stance, o, df_blocks, char, o["threshold_folds"])
    toxi = [i for i, (b, _) in enumerate(off) if b.name in ("toxichat_train_off", "toxichat_dev_off")]
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

