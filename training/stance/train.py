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
from training.stance.distill import DEFAULT_CACHE, distill_blocks, teacher_card
from training.stance.fit import (
    OFFENSIVE_PRIOR,
    PRIOR_C,
    STANCE_PRIOR,
    Block,
    best_mean_threshold,
    fit_heads,
    join_blocks,
    oof_offensive,
    prepare,
    tune_bias,
)
from training.stance.grams import candidate_grams, char_grams

__all__ = [
    "BOT_FILES",
    "CHAR_OPTIONS",
    "CUES3_FILES",
    "CUES3_PLAN",
    "DEV_FILES",
    "DISTILL",
    "OFFENSIVE_SHARE",
    "OPTIONS",
    "SOURCES",
    "STANCE_SHARE",
    "VERSION",
    "char_vocabulary",
    "dev_blocks",
    "gram_vocabulary",
    "one_class",
    "plan",
    "source_blocks",
    "stance_targets",
    "train_cue_model",
    "training_frames",
    "uses_distill",
]

DEV_FILES: dict[str, str] = {
    "toxichat_train": "toxichat_train.jsonl",
    "toxichat_dev": "toxichat_dev.jsonl",
    "mask": "lei_huang_subreddit_MaskMandate.csv",
    "cat": "context_toxicity_cat_small.csv",
    "fanchuan_train": "fanchuan_reddit_trump_comments_train.csv",
    "fanchuan_val": "fanchuan_reddit_trump_comments_val.csv",
    "debagreement": "debagreement_dev.csv",
    "wikitactics": "wikitactics_pairs_trainval.jsonl",
    "convabuse": "convabuse_pairs_trainvalid.jsonl",
    "diasafety_train": "diasafety/train.json",
    "diasafety_val": "diasafety/val.json",
    "rumoureval": "rumoureval2019_pairs.jsonl",
}
# the files cues/3 and the embed heads were trained on (the embed trainer reads only these)
CUES3_FILES: dict[str, str] = {k: DEV_FILES[k] for k in ("toxichat_train", "toxichat_dev", "mask", "cat",
                                                         "fanchuan_train", "fanchuan_val")}
# ToxiChat's chatbot replies (read_labeled layout "toxichat_bots"), read only when an option gives them weight
BOT_FILES = {"toxichat_train_bots": "toxichat_train.jsonl", "toxichat_dev_bots": "toxichat_dev.jsonl"}
# a source is one file or the splits of one set; its rows share its weight (and, in dev CV, its folds)
SOURCES: dict[str, tuple[str, ...]] = {
    "toxichat": ("toxichat_train", "toxichat_dev"), "mask": ("mask",), "cat": ("cat",),
    "fanchuan": ("fanchuan_train", "fanchuan_val"), "debagreement": ("debagreement",), "wikitactics": ("wikitactics",),
    "convabuse": ("convabuse",), "diasafety": ("diasafety_train", "diasafety_val"), "rumoureval": ("rumoureval",),
    "bots": tuple(BOT_FILES),
}
# the option holding each source's weight in the stance / offensive head (a fraction of source_weight)
# (and of the two pools of unlabeled pairs with the neural scorer's probabilities, training.stance.distill)
STANCE_SHARE = {"toxichat": "tc_share", "mask": "mask_share", "cat": "cat_share", "fanchuan": "fanchuan_share",
                "debagreement": "deb_share", "wikitactics": "wiki_share", "convabuse": "abuse_share",
                "diasafety": "dia_share", "rumoureval": "rumour_share", "bots": "bot_share",
                "distill_real": "real_distill_share", "distill_dev": "dev_distill_share"}
OFFENSIVE_SHARE = {"toxichat": "off_tc_share", "cat": "off_cat_share", "convabuse": "off_abuse_share",
                   "diasafety": "off_dia_share", "bots": "off_bot_share", "distill_real": "off_real_distill_share",
                   "distill_dev": "off_dev_distill_share"}
DISTILL = ("distill_real", "distill_dev")
VERSION = "5"
# Every choice of the cue model, each made by cross-validation on dev (training/stance/cv.py; RESULTS.md):
# C: L2 variance of the cue coefficients without a hand-set prior; gram_C / off_gram_C: of the gram coefficients
# in the stance / offensive head (None: that head has no grams); min_df: a gram is a column if it is in that many
# training rows; gram_min: word grams whose fitted coefficients all stay below it are dropped and the rest fitted
# again (speed); *_share: a source's weight (STANCE_SHARE, OFFENSIVE_SHARE) as a fraction of source_weight;
# partial: a row's stance target is the set of classes its source allows (stance_targets), else rows with one
# class only; offsets: sources with their own stance intercept shift in the fit (variance offset_C; see
# training.stance.fit._fit_head); off_balance: class balancing of the offensive head (1 balanced, 0 as found); drop: features held at
# 0; bias: per-class intercept shifts tuned for macro-F1 (tune_bias); threshold_folds: k of the k-fold that picks
# the offensive threshold, threshold_sources: the sources whose mean out-of-fold F1 it maximises; off_char_C ...
# char_sign: character grams (see CHAR_OPTIONS).
OPTIONS: dict[str, Any] = {
    "C": 1.0, "gram_C": 0.3, "off_gram_C": 1.0, "min_df": 2, "gram_min": 0.1, "source_weight": 1000.0, "partial": True,
    "tc_share": 2.0, "mask_share": 1.0, "cat_share": 0.1, "fanchuan_share": 0.0, "deb_share": 1.0, "wiki_share": 1.0,
    "abuse_share": 1.0, "dia_share": 1.0, "rumour_share": 1.0, "bot_share": 0.0, "real_distill_share": 0.5,
    "dev_distill_share": 0.0,
    "off_tc_share": 2.0, "off_cat_share": 0.0, "off_abuse_share": 0.0, "off_dia_share": 0.0, "off_bot_share": 0.0,
    "off_real_distill_share": 1.0, "off_dev_distill_share": 0.5,
    "offsets": (), "offset_C": 1.0, "off_balance": 1.0, "drop": (), "threshold_folds": 5, "threshold_sources": ("toxichat",), "bias": False,
    "off_char_C": None, "char_min_df": 5, "char_max_share": 1.0, "char_keep": 0, "char_sign": "abs",
    "tol": 1e-10, "max_iter": 5000, "decimals": 4,
}
# cues/3's data plan in these terms (dev CV baseline): its sources, one class per row (ToxiChat train and dev
# then had a share each; here they are one source with both shares)
CUES3_PLAN: dict[str, Any] = {
    "partial": False, "gram_min": 0.0, "deb_share": 0.0, "wiki_share": 0.0, "abuse_share": 0.0, "dia_share": 0.0,
    "rumour_share": 0.0,
    "off_abuse_share": 0.0, "off_dia_share": 0.0,
    "real_distill_share": 0.0, "off_real_distill_share": 0.0, "off_dev_distill_share": 0.0,
}
# the cues-char scorer: the offensive head reads the 3,000 character grams with the largest coefficients
# (off_char_C: their L2 variance; char_min_df, char_max_share: candidates in that many / at most that share of rows)
# instead of word grams
CHAR_OPTIONS: dict[str, Any] = {**OPTIONS, "off_char_C": 0.1, "off_gram_C": None, "char_keep": 3000}

# stance classes as bits of a row's set of allowed classes
_BIT = {c: 1 << i for i, c in enumerate(STANCE_LABELS)}
_A, _N, _D, _H = (_BIT[c] for c in STANCE_LABELS)
# a label as a set: a source with three classes does not tell disagreement from hostility
_LABEL_SET = {"agree": _A, "neutral": _N, "disagree": _D | _H, "hostile": _H}
_SET_CLASS = {_A: "agree", _N: "neutral", _D: "disagree", _H: "hostile", _D | _H: "disagree"}


def stance_targets(labeled: pl.DataFrame, source: str = "toxichat", partial: bool = True) -> pl.DataFrame:
    """Rows of ``labeled`` (read from ``source``, a key of :data:`SOURCES`) with a stance target: ``allowed``, the
    set of classes the source allows (bits agree 1, neutral 2, disagree 4, hostile 8), and ``y``, the class the
    row counts toward in class balancing (null when the set is wider than one class and disagree-or-hostile).

    - any source: agree, neutral are themselves; disagree is {disagree, hostile} (a set of three classes cannot
      tell them apart); an offence aimed at the person (``target_person``) that does not agree is hostile;
      a reply labeled not offensive is not hostile;
    - WikiTactics: rebuttals (DH2-DH7) are disagreement, not hostility (DH0 / DH1 are read as hostile);
    - ConvAbuse, CAT_SMALL: a reply that is not an attack is {agree, neutral, disagree} (abuse aimed at a group
      says nothing about stance: no target);
    - DiaSafety: "Offending User" safe replies are {agree, neutral, disagree}; "Toxicity Agreement" safe replies
      (they do not endorse an offensive context) {neutral, disagree, hostile}.

    ``partial=False`` keeps only rows with one class (or {disagree, hostile}, read as disagree), each with that
    one class: cues/3's targets. Rows without a parent are left out.
    """
    label, offensive = pl.col("label"), pl.col("offensive")
    attack = offensive.fill_null(False) & pl.col("target_person").fill_null(False) & (label.fill_null("") != "agree")
    bits = pl.when(attack).then(pl.lit(_H)).otherwise(label.replace_strict(_LABEL_SET, default=0, return_dtype=pl.Int64))
    if source == "wikitactics":
        bits = pl.when(label == "disagree").then(pl.lit(_D)).otherwise(bits)
    elif source in ("convabuse", "cat"):
        bits = pl.when(label.is_null() & ~offensive.fill_null(True)).then(pl.lit(_A | _N | _D)).otherwise(bits)
    elif source == "diasafety":
        part = pl.col("source").str.split("#").list.last()
        bits = (pl.when(label.is_null() & (part == "Offending User")).then(pl.lit(_A | _N | _D))
                .when(label.is_null() & (part == "Toxicity Agreement")).then(pl.lit(_N | _D | _H)).otherwise(bits))
    not_offensive = ~offensive.fill_null(True)
    bits = pl.when(not_offensive & (bits != _H)).then(bits.and_(15 ^ _H)).otherwise(bits)
    y = bits.replace_strict(_SET_CLASS, default=None, return_dtype=pl.String)
    out = labeled.with_columns(bits.alias("allowed"), y.alias("y"))
    if not partial:
        out = out.with_columns(pl.col("y").replace_strict(_BIT, default=0, return_dtype=pl.Int64).alias("allowed"))
    return out.filter((pl.col("allowed") != 0) & pl.col("parent_text").is_not_null())


def _uses_bots(opts: dict[str, Any]) -> bool:
    return opts.get("bot_share", 0.0) > 0 or opts.get("off_bot_share", 0.0) > 0


def uses_distill(opts: dict[str, Any]) -> bool:
    """Whether ``opts`` give the neural scorer's soft targets (:mod:`training.stance.distill`) any weight."""
    return any(opts.get(share, 0.0) > 0 for table in (STANCE_SHARE, OFFENSIVE_SHARE)
               for src, share in table.items() if src in DISTILL)


def training_frames(dev_dir: str | Path, bots: bool = False, files: dict[str, str] | None = None
                    ) -> dict[str, pl.DataFrame]:
    """The dev files read with :func:`discourse.stance._data.read_labeled`, keyed as in ``files`` (None:
    :data:`DEV_FILES`), and :data:`BOT_FILES` when ``bots``."""
    d = Path(dev_dir)
    frames = {key: read_labeled(d / name) for key, name in (DEV_FILES if files is None else files).items()}
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
    matching time, and they carried nothing in cross-validation on dev. Openers keep every word. Single
    characters, as words or openers, are left out too: they are debris of the normaliser ("/s" leaves an "s",
    "u.s." a "u s") whose weights told the sources' styles apart rather than stances.
    """
    pairs = pl.concat([f.select("text", "parent_text") for f in frames]).unique(maintain_order=True)
    found = candidate_grams(pairs).unique().group_by("gram").len().filter(pl.col("len") >= min_df).collect()
    stop = _stop_words()
    return sorted(g for g in found["gram"].to_list()
                  if len(g.lstrip("?^")) > 1
                  and (g.startswith(("^", "?^")) or not all(w in stop for w in g.split(" "))))


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


_SOURCE_OF = {f: src for src, files in SOURCES.items() for f in files}


def dev_blocks(dev_dir: str | Path, opts: dict[str, Any], bots: bool | None = None, files: dict[str, str] | None = None,
               partial: bool = True) -> tuple[dict[str, Block], list[str], dict[str, pl.DataFrame]]:
    """Every dev file as a :class:`Block` over the candidate grams (``"<key>"`` stance rows with ``allowed`` and
    ``y``, :func:`stance_targets`; ``"<key>_off"`` rows with an offence label), the candidate vocabulary, and the
    frames as read. Every row has ``_rid``, its row number within its source (:data:`SOURCES`: the files of a
    source numbered on from each other). ``files``: the files to read (None: :data:`DEV_FILES`); the chatbot replies
    (:data:`BOT_FILES`) are read when ``bots`` says so (None: when ``opts`` give them weight); ``partial=False``:
    stance rows of one class only (:func:`one_class`)."""
    frames = training_frames(dev_dir, _uses_bots(opts) if bots is None else bots, files)
    stance, off, start = {}, {}, dict.fromkeys(SOURCES, 0)
    for k, f in frames.items():
        src = _SOURCE_OF[k]
        f = f.with_row_index("_rid", offset=start[src])
        start[src] += f.height
        stance[k] = stance_targets(f, src)
        if f["offensive"].is_not_null().any():
            off[f"{k}_off"] = f.filter(pl.col("offensive").is_not_null())
    vocab = gram_vocabulary([*stance.values(), *off.values()], opts["min_df"])
    if opts["off_char_C"]:
        vocab += char_vocabulary(list(off.values()), opts["char_min_df"])
    blocks = {k: prepare(f, k, vocab) for k, f in {**stance, **off}.items()}
    if not partial:
        blocks = {k: b if k.endswith("_off") else one_class(b) for k, b in blocks.items()}
    return blocks, vocab, frames


def one_class(block: Block) -> Block:
    """The stance rows of ``block`` with one class (``y``), that class their only allowed one (cues/3's targets:
    {disagree, hostile} is disagree; rows that only rule classes out are left out)."""
    kept = block.take(np.flatnonzero(block.frame["y"].is_not_null().to_numpy()))
    frame = kept.frame.with_columns(pl.col("y").replace_strict(_BIT, return_dtype=pl.Int64).alias("allowed"))
    return Block(kept.name, frame, kept.x, kept.g)


def source_blocks(blocks: dict[str, Block]) -> dict[str, Block]:
    """Per-file blocks joined per source (:data:`SOURCES`): ``"<source>"`` stance rows, ``"<source>_off"``
    offence rows."""
    out = {}
    for src, keys in SOURCES.items():
        for suffix in ("", "_off"):
            parts = [blocks[k + suffix] for k in keys if k + suffix in blocks]
            if parts:
                out[src + suffix] = join_blocks(parts, src + suffix)
    return out


def plan(sources: dict[str, Block], opts: dict[str, Any]
         ) -> tuple[list[tuple[Block, float]], list[tuple[Block, float]], list[Block]]:
    """(block, weight) lists of the stance and offensive heads from the per-source blocks (:func:`source_blocks`, and
    the soft-target pools of :func:`training.stance.distill.distill_blocks`), each source weighted ``source_weight``
    times its share (:data:`STANCE_SHARE`, :data:`OFFENSIVE_SHARE`; 0: left out), and the distinct labeled training
    rows of each source (stance and offence rows once each: they count for the vocabulary)."""
    sw = opts["source_weight"]
    stance, off, distinct = [], [], []
    for src in STANCE_SHARE:
        s_share = opts[STANCE_SHARE[src]]
        o_share = opts[OFFENSIVE_SHARE[src]] if src in OFFENSIVE_SHARE else 0.0
        s_block = sources.get(src) if s_share > 0 else None
        o_block = sources.get(f"{src}_off") if o_share > 0 else None
        if s_block is not None:
            stance.append((s_block, sw * s_share))
            if src not in DISTILL:
                distinct.append(s_block)
        if o_block is not None:
            off.append((o_block, sw * o_share))
            if src in DISTILL:
                continue
            seen = s_block.frame["_rid"] if s_block is not None else pl.Series([], dtype=pl.UInt32)
            distinct.append(o_block.take(np.flatnonzero(~o_block.frame["_rid"].is_in(seen.implode()).to_numpy())))
    return stance, off, distinct


def train_cue_model(dev_dir: str | Path, opts: dict[str, Any] | None = None, corpora: str | Path | None = None,
                    cache: str | Path | None = DEFAULT_CACHE) -> dict[str, Any]:
    """The cue model as a JSON-ready dict, fitted on the dev files in ``dev_dir`` with :data:`OPTIONS`.

    With distillation (:func:`uses_distill`), the neural scorer's probabilities on the real threads in ``corpora``
    (None: ``corpora`` beside ``dev_dir``'s ``labeled`` folder) and on the dev pairs are read from ``cache`` or
    computed (:func:`training.stance.distill.teacher_targets`)."""
    o = {**OPTIONS, **(opts or {})}
    blocks, vocab, frames = dev_blocks(dev_dir, o, partial=o["partial"])
    classes = list(STANCE_LABELS)
    sources = source_blocks(blocks)
    distilled: dict[str, Any] | None = None
    if uses_distill(o):
        dev = {k: frames[k] for k in DEV_FILES}
        pools = distill_blocks(dev, Path(dev_dir).parent.parent if corpora is None else corpora, vocab, cache)
        sources |= pools
        distilled = {"teacher": teacher_card(),
                     "pairs": {name: b.frame.height for name, b in pools.items() if not name.endswith("_off")}}
    stance, off, df_blocks = plan(sources, o)
    char = np.array([g.startswith("~") for g in vocab], dtype=bool)
    heads = fit_heads(stance, off, o, df_blocks, char)
    if o["bias"]:
        heads.intercept = heads.intercept + tune_bias(stance, o, df_blocks, char)
    # the threshold maximises the mean F1 over threshold_sources of out-of-fold predictions (k-fold within dev)
    oof = oof_offensive(off, o, df_blocks, char, o["threshold_folds"])
    threshold = best_mean_threshold([(p, b.frame["offensive"].to_numpy().astype(bool)) for p, (b, _) in zip(oof, off)
                                     if b.name.removesuffix("_off") in o["threshold_sources"]])

    # cue coefficients to 6 decimals; gram coefficients to o["decimals"], and only grams with one non-zero kept
    gram_coef = np.round(np.vstack([heads.gram_coef, heads.off_gram[None, :]]), o["decimals"])
    keep = np.flatnonzero(np.any(gram_coef != 0.0, axis=0))
    rows = [[vocab[j], *(float(v) for v in gram_coef[:, j])] for j in keep]
    d = Path(dev_dir)
    used = {b.name.removesuffix("_off") for b, _ in [*stance, *off]}
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
        "trained_on": {name: {"rows": frames[k].height, "sha256": _sha256(d / name)}
                       for k, name in DEV_FILES.items() if _SOURCE_OF[k] in used},
        # soft targets: the neural scorer's probabilities on unlabeled pairs (training.stance.distill)
        "distilled_from": distilled,
        "ngrams": {"max_chars": MAX_CHARS, "vocabulary_size": int(heads.vocab.sum()),
                   "columns": ["gram", *classes, "offensive"], "rows": rows},
    }
