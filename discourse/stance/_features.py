"""Cue features of a reply in relation to its parent, computed for a whole table with polars expressions.

:func:`features` turns a frame with ``text`` and ``parent_text`` into one Float64 column per name in
:data:`FEATURES` (no Python loop per reply). The default scorer feeds them to a small multinomial
logistic model; the training script (``bench/train_stance.py``) fits that model on the same columns.
"""

from __future__ import annotations

import polars as pl

from discourse.stance._lexicon import CUES, SHOUT, vader_lexicon

__all__ = ["FEATURES", "normalise", "features"]

FEATURES: tuple[str, ...] = (
    "agree_open",        # the reply opens with an agreement cue ("Exactly.", "Yes, and")
    "agree_explicit",    # an explicit statement of agreement ("I agree", "you're right", "well said")
    "agree_any",         # agreement cues anywhere (count, capped at 3, / 3)
    "disagree_open",     # opens with a disagreement cue ("No,", "Actually", "But")
    "disagree_explicit", # an explicit statement of disagreement ("I disagree", "not true", "you're wrong")
    "disagree_any",      # disagreement cues anywhere (capped count / 3)
    "negated_agree",     # "I don't agree", "not true"
    "negation",          # negators (capped count / 3)
    "question",          # has a question mark
    "question_open",     # opens with a question
    "sarcasm",           # sarcasm markers ("yeah right", "/s", "oh great")
    "sarcasm_pos",       # sarcasm x positive valence: praise that means the opposite
    "val_pos",           # VADER positive valence, squashed to [0, 1)
    "val_neg",           # VADER negative valence, squashed to [0, 1)
    "neg_pos",           # negation x positive valence ("not good")
    "insult",            # insult words anywhere (capped count / 2)
    "insult_2p",         # an insult aimed at the addressee ("you idiot", "your stupid post")
    "attack",            # second-person attack phrases ("shut up", "learn to read")
    "profanity",         # swear words (capped count / 3)
    "group_target",      # insult aimed at a group ("these people")
    "sexual",            # sexual content
    "slur",              # slurs
    "violence",          # violent words
    "identity",          # mentions an identity group (women, muslims, gay people ...)
    "second_person",     # addresses the parent's author ("you", "your")
    "thanks",            # thanks
    "hedge",             # hedges ("I think", "maybe")
    "overlap",           # share of the reply's content words also in the parent
    "quote",             # quotes the parent (a "> " line)
    "shout",             # words in capitals (capped count / 3)
    "exclaim",           # exclamation marks (capped count / 3)
    "length",            # log(1 + words) / 5
    "parent_question",   # the parent asked a question
    "parent_hostile",    # the parent itself attacked or insulted someone
)


def normalise(expr: pl.Expr) -> pl.Expr:
    """Lower case, HTML entities for ``> < & '`` decoded, curly quotes straightened; newlines kept."""
    return (
        expr.fill_null("")
        .str.to_lowercase()
        .str.replace_all("&gt;", ">", literal=True)
        .str.replace_all("&lt;", "<", literal=True)
        .str.replace_all("&amp;", "&", literal=True)
        .str.replace_all(r"&#x27;|&#39;|&apos;|[’‘`´]", "'")
        .str.replace_all(r"[“”]", '"')
    )


def _capped(expr: pl.Expr, cap: float) -> pl.Expr:
    return expr.cast(pl.Float64).clip(0.0, cap) / cap


def _squash(expr: pl.Expr) -> pl.Expr:
    return expr / (expr + 4.0)


def features(pairs: pl.DataFrame | pl.LazyFrame, text: str = "text", parent_text: str = "parent_text") -> pl.DataFrame:
    """One Float64 column per :data:`FEATURES` name, row for row with ``pairs``.

    Null text counts as empty. The input is not changed; only the feature columns are returned.
    """
    words, values = vader_lexicon()
    lf = pairs.lazy().select(
        pl.col(text).fill_null("").alias("_raw"),
        normalise(pl.col(text)).alias("_low"),
        normalise(pl.col(parent_text)).alias("_plow"),
    )
    quoted_line = r"(?m)^[ \t]*>.*$"
    lf = lf.with_columns(
        pl.col("_low").str.contains(r"(?m)^[ \t]*>").alias("_has_quote"),
        pl.col("_low").str.replace_all(quoted_line, " ").str.replace_all(r"\s+", " ").str.strip_chars().alias("_body"),
        pl.col("_plow").str.replace_all(r"\s+", " ").str.strip_chars().alias("_parent"),
    ).with_columns(
        # a reply that is nothing but a quote keeps its quote as its body
        pl.when(pl.col("_body") == "")
        .then(pl.col("_low").str.replace_all(r"[>\s]+", " ").str.strip_chars())
        .otherwise(pl.col("_body"))
        .alias("_body"),
    )
    b = pl.col("_body")
    p = pl.col("_parent")
    # agreement cues must not fire inside sarcasm ("yeah right") or negated agreement ("not true")
    masked = b.str.replace_all(CUES["negated_agree"], " xnegx ").str.replace_all(CUES["sarcasm"], " xsarcx ")
    lf = lf.with_columns(masked.alias("_masked"))
    lf = lf.with_columns(
        b.str.extract_all(r"[a-z][a-z']*").alias("_words"),
        b.str.extract_all(r"[a-z][a-z']{3,}").list.unique().alias("_content"),
        p.str.extract_all(r"[a-z][a-z']{3,}").list.unique().alias("_pcontent"),
    ).with_columns(
        pl.col("_words").list.eval(
            pl.element().replace_strict(words, values, default=0.0, return_dtype=pl.Float64)
        ).alias("_vals"),
    ).with_columns(
        pl.col("_vals").list.eval(pl.element().filter(pl.element() > 0)).list.sum().fill_null(0.0).alias("_pos"),
        (-pl.col("_vals").list.eval(pl.element().filter(pl.element() < 0)).list.sum()).fill_null(0.0).alias("_neg"),
        b.str.count_matches(CUES["negator"]).alias("_nneg"),
        b.str.count_matches(CUES["sarcasm"]).alias("_nsarc"),
    )
    val_pos = _squash(pl.col("_pos").abs())
    has_neg = (pl.col("_nneg") > 0).cast(pl.Float64)
    sarcasm = (pl.col("_nsarc") > 0).cast(pl.Float64)

    def has(name: str, on: pl.Expr = b) -> pl.Expr:
        return on.str.contains(CUES[name]).cast(pl.Float64)

    def count(name: str, cap: float, on: pl.Expr = b) -> pl.Expr:
        return _capped(on.str.count_matches(CUES[name]), cap)

    n_content = pl.col("_content").list.len()
    overlap = (
        pl.col("_content").list.set_intersection(pl.col("_pcontent")).list.len().cast(pl.Float64)
        / pl.max_horizontal(n_content, pl.lit(1)).cast(pl.Float64)
    )
    out = lf.select(
        has("agree_open", pl.col("_masked")).alias("agree_open"),
        has("agree_explicit", pl.col("_masked")).alias("agree_explicit"),
        count("agree_any", 3, pl.col("_masked")).alias("agree_any"),
        has("disagree_open").alias("disagree_open"),
        (has("disagree_explicit") + has("negated_agree")).clip(0.0, 1.0).alias("disagree_explicit"),
        count("disagree_any", 3).alias("disagree_any"),
        has("negated_agree").alias("negated_agree"),
        _capped(pl.col("_nneg"), 3).alias("negation"),
        b.str.contains("?", literal=True).cast(pl.Float64).alias("question"),
        has("question_open").alias("question_open"),
        sarcasm.alias("sarcasm"),
        (sarcasm * val_pos).alias("sarcasm_pos"),
        val_pos.alias("val_pos"),
        _squash(pl.col("_neg").abs()).alias("val_neg"),
        (has_neg * val_pos).alias("neg_pos"),
        count("insult", 2).alias("insult"),
        has("insult_2p").alias("insult_2p"),
        has("attack").alias("attack"),
        count("profanity", 3).alias("profanity"),
        has("group_target").alias("group_target"),
        has("sexual").alias("sexual"),
        has("slur").alias("slur"),
        has("violence").alias("violence"),
        has("identity").alias("identity"),
        has("second_person").alias("second_person"),
        has("thanks").alias("thanks"),
        has("hedge").alias("hedge"),
        overlap.alias("overlap"),
        pl.col("_has_quote").cast(pl.Float64).alias("quote"),
        _capped(pl.col("_raw").str.count_matches(SHOUT), 3).alias("shout"),
        _capped(b.str.count_matches("!", literal=True), 3).alias("exclaim"),
        ((pl.col("_words").list.len().cast(pl.Float64) + 1.0).log() / 5.0).alias("length"),
        p.str.contains("?", literal=True).cast(pl.Float64).alias("parent_question"),
        (has("insult_2p", p) + has("attack", p)).clip(0.0, 1.0).alias("parent_hostile"),
    )
    return out.collect()
