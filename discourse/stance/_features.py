"""Cue features of a reply in relation to its parent, computed for a whole table with polars expressions.

:func:`features` turns a frame with ``text`` and ``parent_text`` into one Float64 column per name in
:data:`FEATURES`, with no Python loop per reply. It is built for speed on large tables: the text is
normalised with one multi-pattern replace, then a single Aho-Corasick pass (``str.extract_many``) finds
every cue phrase and every VADER word at once, a second short pass reads the reply's opening words, and
the matches become bit masks and valence sums. The default scorer feeds the features to a small
multinomial logistic model; ``bench/train_stance.py`` fits that model on the same columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from discourse.stance._lexicon import BODY_BITS, OPENER_BITS, body_table, opener_table
from discourse.stance._ngrams import gram_matches, list_codes

__all__ = ["FEATURES", "normalise", "features"]

FEATURES: tuple[str, ...] = (
    "agree_open",        # the reply opens with an agreement cue ("Exactly.", "Yes, and"), not a sarcastic one
    "agree_explicit",    # an explicit statement of agreement ("I agree", "you're right"), not negated
    "agree_any",         # weaker agreement cues anywhere ("thanks", "makes sense", "yes")
    "disagree_open",     # opens with a disagreement cue ("No,", "Actually", "But")
    "disagree_explicit", # an explicit statement of disagreement ("I disagree", "not true", "you're wrong")
    "disagree_any",      # weaker disagreement cues anywhere ("however", "source?", "why would")
    "negated_agree",     # "I don't agree", "not true", "that isn't right"
    "negation",          # any negator
    "question",          # has a question mark
    "question_open",     # opens with a question word and asks a question
    "sarcasm",           # sarcasm markers ("yeah right", "/s", "oh great", "how convenient")
    "sarcasm_pos",       # sarcasm x positive valence: praise that means the opposite
    "val_pos",           # VADER positive valence of the reply, squashed to [0, 1)
    "val_neg",           # VADER negative valence, squashed to [0, 1)
    "neg_pos",           # negation x positive valence ("not good")
    "insult",            # insult words, whoever they target
    "insult_2p",         # an insult aimed at the addressee ("you idiot", "your stupid post", "Moron.")
    "attack",            # second-person attack phrases ("shut up", "learn to read", "nobody asked")
    "profanity",         # swear words
    "group_target",      # an insult or sweep aimed at a group ("these people", "you liberals")
    "sexual",            # sexual content
    "slur",              # slurs
    "violence",          # violent words
    "identity",          # mentions an identity group (women, muslims, gay people ...)
    "second_person",     # addresses the parent's author ("you", "your")
    "thanks",            # thanks
    "hedge",             # hedges ("I think", "maybe")
    "overlap",           # share of the reply's content words (4+ letters, first 160 chars) also in the parent
    "quote",             # quotes the parent (a "> " line)
    "shout",             # words in capitals (capped count / 3)
    "exclaim",           # exclamation marks (capped count / 3)
    "length",            # log(1 + words) / 5
    "parent_question",   # the parent asked a question
)

# punctuation goes (apostrophes stay, so "don't" is one word); separators become spaces
_NORMALISE: dict[str, str] = {
    **{ch: "" for ch in ',.!?;:()[]{}"*_~`|<>=+#…“”„«»'},
    **{ch: " " for ch in "\n\t\r/-–—&^"},
    "&amp;": " ", "&gt;": " ", "&lt;": " ", "&quot;": "", "&#x27;": "'", "&#39;": "'", "&apos;": "'",
    "’": "'", "‘": "'", "´": "'", "&nbsp;": " ", "#x200b;": " ", "   ": " ", "  ": " ",
}
_QUOTED_LINE = r"(?m)^(?:>|&gt;)[^\n]*"  # a quoted line starts with ">" (Reddit, HN, mail)
# overlap with the parent looks at the reply's opening and the parent's first paragraphs (speed)
_REPLY_CHARS = 160
_PARENT_CHARS = 800


def _clean(lowered: pl.Expr) -> pl.Expr:
    return lowered.str.replace_many(_NORMALISE).str.strip_chars()


def normalise(expr: pl.Expr) -> pl.Expr:
    """Lower case, punctuation removed (apostrophes kept), HTML entities and curly quotes straightened."""
    return _clean(expr.fill_null("").str.to_lowercase())


def _capped(expr: pl.Expr, cap: float) -> pl.Expr:
    return expr.cast(pl.Float64).clip(0.0, cap) / cap


def _squash(expr: pl.Expr) -> pl.Expr:
    return expr / (expr + 4.0)


def _content_words(padded: pl.Expr, n_chars: int) -> pl.Expr:
    return padded.str.slice(0, n_chars).str.split(" ").list.eval(pl.element().filter(pl.element().str.len_bytes() >= 4))


def features(pairs: pl.DataFrame | pl.LazyFrame, text: str = "text", parent_text: str = "parent_text",
             gram_patterns: Sequence[str] | None = None) -> pl.DataFrame:
    """One Float64 column per :data:`FEATURES` name, row for row with ``pairs``.

    Null text counts as empty. The input is not changed; only the feature columns are returned, plus,
    when ``gram_patterns`` is given (see :func:`discourse.stance._ngrams.patterns`), a list column
    ``_grams`` of every occurrence of those patterns in the reply (read from the same normalised text,
    so the n-gram model costs no second normalisation pass).
    """
    body_patterns, body_bits, body_valence = body_table()
    open_patterns, open_bits = opener_table()
    raw = pl.col(text).fill_null("")
    low = raw.str.to_lowercase()
    lf = pairs.lazy().select(
        raw.alias("_raw"),
        low.alias("_low"),
        low.str.replace_all(_QUOTED_LINE, " ").alias("_unquoted"),
        pl.col(parent_text).fill_null("").alias("_parent"),
    ).with_columns(
        (pl.col("_unquoted").str.len_bytes() != pl.col("_low").str.len_bytes()).alias("_has_quote"),
        # a reply that is nothing but a quote keeps its quote as its body
        _clean(pl.when(pl.col("_unquoted").str.strip_chars() == "").then(pl.col("_low"))
               .otherwise(pl.col("_unquoted"))).alias("_norm"),
    ).with_columns(
        pl.concat_str(pl.lit(" "), pl.col("_norm"), pl.lit(" ")).alias("_padded"),
        pl.concat_str(pl.lit("^ "), pl.col("_norm").str.slice(0, 60), pl.lit(" ")).alias("_head"),
    ).with_columns(
        # matches come back as Enum codes (the pattern's index), so no per-match string is kept
        pl.col("_padded").str.extract_many(body_patterns, overlapping=True).cast(pl.List(pl.Enum(body_patterns)))
        .alias("_m"),
        pl.col("_head").str.extract_many(open_patterns, overlapping=True).cast(pl.List(pl.Enum(open_patterns)))
        .alias("_o"),
        _content_words(pl.col("_padded"), _REPLY_CHARS).alias("_cw"),
        # the words of the parent's first characters (space-padded, then cut: the last word may be cut
        # short, as a reader skimming the parent would)
        pl.concat_str(pl.lit(" "), normalise(pl.col("_parent").str.slice(0, _PARENT_CHARS)), pl.lit(" "))
        .str.slice(0, _PARENT_CHARS).str.split(" ").alias("_pw"),
        *([] if gram_patterns is None else [gram_matches(pl.col("_norm"), pl.col("_parent"), gram_patterns)]),
    ).collect()
    # cue bits and valence sums per reply, from the flat match codes (numpy: one pass over ~3 matches a reply)
    m_rows, m_codes = list_codes(lf["_m"])
    o_rows, o_codes = list_codes(lf["_o"])
    n = lf.height
    bits = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(bits, m_rows, np.asarray(body_bits, dtype=np.int64)[m_codes])
    obits = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(obits, o_rows, np.asarray(open_bits, dtype=np.int64)[o_codes])
    vals = np.asarray(body_valence, dtype=np.float64)[m_codes]
    lf = lf.lazy().with_columns(
        pl.Series("_bits", bits), pl.Series("_obits", obits),
        pl.Series("_pos", np.abs(np.bincount(m_rows, weights=np.where(vals > 0, vals, 0.0), minlength=n))),
        pl.Series("_neg", np.abs(np.bincount(m_rows, weights=np.where(vals < 0, vals, 0.0), minlength=n))),
    )

    def body(name: str) -> pl.Expr:
        return (pl.col("_bits") & BODY_BITS[name]) != 0

    def opener(name: str) -> pl.Expr:
        return (pl.col("_obits") & OPENER_BITS[name]) != 0

    def f(expr: pl.Expr) -> pl.Expr:
        return expr.cast(pl.Float64)

    val_pos = _squash(pl.col("_pos"))
    question = pl.col("_low").str.contains("?", literal=True)
    sarcasm = body("sarcasm") | opener("sarcasm_open") | pl.col("_low").str.contains(r"(?:^|[ \n])/s(?:$|[ \n.!])")
    negated = body("negated_agree")
    n_words = pl.when(pl.col("_norm") == "").then(0).otherwise(pl.col("_norm").str.count_matches(" ", literal=True) + 1)
    # overlap: the share of the reply's distinct content words that are among the parent's words (a set
    # intersection per row, which keeps each word once; exploding the pairs to search each word in a copy
    # of the parent cost 25% more)
    overlap = (pl.col("_cw").list.set_intersection(pl.col("_pw")).list.len().fill_null(0).cast(pl.Float64)
               / pl.max_horizontal(pl.col("_cw").list.n_unique(), pl.lit(1)).cast(pl.Float64))
    out = lf.select(
        f(opener("agree_open") & ~opener("sarcasm_open")).alias("agree_open"),
        f(body("agree_explicit") & ~negated).alias("agree_explicit"),
        f(body("agree_any") & ~negated).alias("agree_any"),
        f(opener("disagree_open")).alias("disagree_open"),
        f(body("disagree_explicit") | negated).alias("disagree_explicit"),
        f(body("disagree_any")).alias("disagree_any"),
        f(negated).alias("negated_agree"),
        f(body("negator")).alias("negation"),
        f(question).alias("question"),
        f(opener("question_open") & question).alias("question_open"),
        f(sarcasm).alias("sarcasm"),
        (f(sarcasm) * val_pos).alias("sarcasm_pos"),
        val_pos.alias("val_pos"),
        _squash(pl.col("_neg")).alias("val_neg"),
        (f(body("negator")) * val_pos).alias("neg_pos"),
        f(body("insult") | opener("insult_open")).alias("insult"),
        f(body("insult_2p") | opener("insult_open")).alias("insult_2p"),
        f(body("attack")).alias("attack"),
        f(body("profanity")).alias("profanity"),
        f(body("group_target")).alias("group_target"),
        f(body("sexual")).alias("sexual"),
        f(body("slur")).alias("slur"),
        f(body("violence")).alias("violence"),
        f(body("identity")).alias("identity"),
        f(body("second_person")).alias("second_person"),
        f(body("thanks")).alias("thanks"),
        f(body("hedge")).alias("hedge"),
        overlap.alias("overlap"),
        f(pl.col("_has_quote")).alias("quote"),
        _capped(pl.col("_raw").str.count_matches(r"[A-Z][A-Z][A-Z]+"), 3).alias("shout"),
        _capped(pl.col("_raw").str.count_matches("!", literal=True), 3).alias("exclaim"),
        ((n_words.cast(pl.Float64).clip(0.0, None) + 1.0).log() / 5.0).alias("length"),
        f(pl.col("_parent").str.contains("?", literal=True)).alias("parent_question"),
        *([] if gram_patterns is None else ["_grams"]),
    )
    return out.collect()
