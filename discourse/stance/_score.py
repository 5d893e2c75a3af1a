"""``score``: add the stance columns to a replies table, whatever the scorer."""

from __future__ import annotations

import polars as pl

from discourse._typing import STANCE_LABELS
from discourse.errors import SchemaError, ScorerError
from discourse.schema import STANCE_COLUMNS
from discourse.stance._base import LABEL_WEIGHTS, PROB_COLUMNS, Scorer, get_scorer
from discourse.stance._choice import AUTO, NEURAL_MAX_REPLIES, choose_scorer, to_score
from discourse.stance._language import UNDETERMINED, detect_languages
from discourse.stance._quotes import own_words

__all__ = ["EMPTY_PROBS", "FOREIGN_TRUST", "score"]

# null or empty text (deleted, image-only): neutral with low confidence and weight exactly 0
EMPTY_PROBS: dict[str, float] = {"p_agree": 0.2, "p_neutral": 0.5, "p_disagree": 0.2, "p_hostile": 0.1}
# a reply in a language its scorer was not trained on keeps this share of its probabilities' strength
FOREIGN_TRUST = 0.25

_ROW = "__stance_row"


def _checked(probs: pl.DataFrame, n: int, ident: str) -> pl.DataFrame:
    """Renormalised probabilities of a scorer's answer, or ScorerError saying what is wrong."""
    if not isinstance(probs, pl.DataFrame):
        raise ScorerError(f"scorer {ident!r} returned {type(probs).__name__}; expected a polars DataFrame")
    missing = [c for c in PROB_COLUMNS if c not in probs.columns]
    if missing:
        raise ScorerError(f"scorer {ident!r} returned no column(s) {missing}; expected {list(PROB_COLUMNS)}")
    if probs.height != n:
        raise ScorerError(f"scorer {ident!r} returned {probs.height} rows for {n} replies")
    cols = [pl.col(c).cast(pl.Float64) for c in PROB_COLUMNS]
    off = (pl.col("p_offensive").cast(pl.Float64) if "p_offensive" in probs.columns
           else pl.lit(None, dtype=pl.Float64)).alias("p_offensive")
    out = probs.select(*cols, off, pl.int_range(pl.len(), dtype=pl.Int64).alias("_i"))
    bad = out.filter(
        pl.any_horizontal([pl.col(c).is_null() | pl.col(c).is_nan() | (pl.col(c) < 0) for c in PROB_COLUMNS])
        | (pl.sum_horizontal(PROB_COLUMNS) <= 0)
        | ~(pl.col("p_offensive").is_between(0.0, 1.0) | pl.col("p_offensive").is_null())
    )
    if bad.height:
        row = bad.row(0, named=True)
        raise ScorerError(f"scorer {ident!r}, reply {row['_i']}: probabilities {[row[c] for c in PROB_COLUMNS]} "
                          f"(p_offensive {row['p_offensive']}) must be non-negative numbers with a positive sum, "
                          "p_offensive in [0, 1] or null")
    total = pl.sum_horizontal(PROB_COLUMNS)
    return out.select(*[(pl.col(c) / total).alias(c) for c in PROB_COLUMNS], "p_offensive")


def _outside_languages(probs: pl.DataFrame, lang: pl.Series, languages: tuple[str, ...]) -> pl.DataFrame:
    """Probabilities of replies in a language the scorer was not trained on, pulled toward the prior of
    an empty reply (kept at :data:`FOREIGN_TRUST` of their strength): low confidence, weight near 0."""
    foreign = lang.is_not_null() & ~lang.is_in([UNDETERMINED, *languages])
    if not foreign.any():
        return probs
    mask = pl.lit(foreign)
    keep = FOREIGN_TRUST
    return probs.with_columns(
        *[pl.when(mask).then(keep * pl.col(c) + (1 - keep) * EMPTY_PROBS[c]).otherwise(pl.col(c)).alias(c)
          for c in PROB_COLUMNS],
        pl.when(mask).then(keep * pl.col("p_offensive")).otherwise(pl.col("p_offensive")).alias("p_offensive"),
    )


def score(replies: pl.DataFrame, scorer: str | Scorer = AUTO, *,
          neural_max_replies: int = NEURAL_MAX_REPLIES) -> pl.DataFrame:
    """Score each reply's stance toward its parent.

    ``scorer`` is a registered name, a :class:`Scorer`, or ``"default"``: the neural scorer for at most
    ``neural_max_replies`` replies to score, the fast lexical one above (:func:`choose_scorer`).

    Returns a new frame: every input column, then :data:`discourse.schema.STANCE_COLUMNS` (input
    columns of those names are replaced). ``label`` is the most probable class, ``confidence`` its
    probability, ``weight`` the expected value with agree +1, neutral 0, disagree -0.5, hostile -1;
    ``offensive`` is ``p_offensive >= scorer.offensive_threshold``; ``scorer`` is ``"name/version"``.
    Replies whose text is null or blank are neutral with confidence 0.5 and weight 0, offensive False,
    and are not shown to the scorer. A scorer that does not read quotes itself is handed each text's own
    words (quoted ``>`` lines removed). ``lang`` is the reply's detected language; a reply in a language
    the scorer was not trained on keeps :data:`FOREIGN_TRUST` of its probabilities' strength.

    >>> import polars as pl
    >>> out = score(pl.DataFrame({"text": ["Exactly, well said.", None], "parent_text": ["Tax cuts pay for themselves.", "x"]}))
    >>> out["label"].to_list()
    ['agree', 'neutral']
    """
    if not isinstance(replies, pl.DataFrame):
        raise SchemaError("replies", [f"expected a polars DataFrame, got {type(replies).__name__}"])
    problems = [f"missing column {c!r} (String)" for c in ("text", "parent_text") if c not in replies.columns]
    problems += [f"column {c!r} is {replies.schema[c]}, expected String" for c in ("text", "parent_text")
                 if c in replies.columns and replies.schema[c] not in (pl.String, pl.Null)]
    if problems:
        raise SchemaError("replies", problems)
    if isinstance(scorer, str) and scorer == AUTO:
        scorer = choose_scorer(AUTO, to_score(replies), neural_max_replies).scorer
    impl = get_scorer(scorer)
    ident = impl.ident
    base = replies.drop([c for c in STANCE_COLUMNS if c in replies.columns])
    text, parent = pl.col("text").cast(pl.String), pl.col("parent_text").cast(pl.String)
    if not impl.reads_quotes:
        text, parent = own_words(text), own_words(parent)
    pairs = base.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(_ROW), text.alias("text"), parent.alias("parent_text"),
    ).with_columns((pl.col("text").is_null() | (pl.col("text").str.strip_chars() == "")).alias("_empty"))
    live = pairs.filter(~pl.col("_empty"))
    lang = detect_languages(live["text"]).alias("lang")
    if live.height:
        probs = _checked(impl.predict_proba(live.select("text", "parent_text")), live.height, ident)
        threshold = float(impl.offensive_threshold)
    else:
        probs = pl.DataFrame(schema={**dict.fromkeys(PROB_COLUMNS, pl.Float64), "p_offensive": pl.Float64})
        threshold = 0.5
    if impl.languages is not None:
        probs = _outside_languages(probs, lang, impl.languages)
    scored = pl.concat([live.select(_ROW), probs, lang.to_frame()], how="horizontal")
    allp = pairs.select(_ROW, "_empty").join(scored, on=_ROW, how="left", maintain_order="left").with_columns(
        *[pl.col(c).fill_null(v) for c, v in EMPTY_PROBS.items()],
    )
    empty = pl.col("_empty")
    best = pl.max_horizontal(PROB_COLUMNS)
    label: pl.Expr = pl.lit(STANCE_LABELS[-1])    # the first label holding the best probability wins
    for lab, col in reversed(list(zip(STANCE_LABELS[:-1], PROB_COLUMNS[:-1]))):
        label = pl.when(pl.col(col) == best).then(pl.lit(lab)).otherwise(label)
    weight = pl.sum_horizontal([pl.col(c) * LABEL_WEIGHTS[lab] for lab, c in zip(STANCE_LABELS, PROB_COLUMNS)])
    stance = allp.select(
        *PROB_COLUMNS,
        label.alias("label"),
        weight.clip(-1.0, 1.0).alias("weight"),
        best.alias("confidence"),
        pl.when(empty).then(0.0).otherwise(pl.col("p_offensive")).alias("p_offensive"),
        pl.when(empty).then(False).otherwise(pl.col("p_offensive") >= threshold).alias("offensive"),
        pl.lit(ident, dtype=pl.String).alias("scorer"),
        pl.col("lang"),
    )
    return pl.concat([base, stance.select([pl.col(c).cast(t) for c, t in STANCE_COLUMNS.items()])],
                     how="horizontal")
