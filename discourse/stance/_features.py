"""Cue features of a reply in relation to its parent, computed for a whole table with polars expressions.

:func:`features` turns a frame with ``text`` and ``parent_text`` into one Float64 column per name in
:data:`FEATURES`, with no Python loop per reply. It is built for speed on large tables: the text is
normalised with one multi-pattern replace, then a single Aho-Corasick pass (``str.extract_many``) finds
every cue phrase, VADER word, opening cue and model n-gram at once (two passes for the few replies longer
than the n-grams' window, see :func:`_tables`), and the matches become bit masks and valence sums. The default scorer feeds the features to a small
multinomial logistic model; ``python -m training.train_stance`` fits that model on the same columns.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import polars as pl

from discourse.errors import ScorerError
from discourse.stance._lexicon import BODY_BITS, OPENER_BITS, body_table, opener_table
from discourse.stance._ngrams import MAX_CHARS, GramHits, gram_text, hits_column, list_codes

__all__ = ["FEATURES", "features", "features_and_grams", "normalise"]

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
    **dict.fromkeys(',.!?;:()[]{}"*_~`|<>=+#…“”„«»', ""),
    **dict.fromkeys("\n\t\r/-–—&^", " "),
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


def _content_words(norm: pl.Expr, n_chars: int) -> pl.Expr:
    # the words of " " + norm + " " cut to n_chars, less the empty ones: those of norm cut to n_chars - 1
    return norm.str.slice(0, n_chars - 1).str.split(" ").list.filter(pl.element().str.len_bytes() >= 4)


class _Tables(NamedTuple):
    """The pattern lists of one matching plan (see :func:`_tables`) and what each pattern stands for."""

    patterns: list[str]     # the grams (in their order: a gram's code is its index), then the other cues
    cue: np.ndarray         # per pattern: is it a body cue, a VADER word or an opener
    bits: np.ndarray        # its body cue bits (0 if none)
    valence: np.ndarray     # its VADER valence (0.0 if none)
    obits: np.ndarray       # its opener bits (0 if none)


def _lookup(pats: list[str], index: dict[str, int], values: Sequence[int] | Sequence[float], dtype: type) -> np.ndarray:
    return np.array([values[index[p]] if p in index else 0 for p in pats], dtype=dtype)


@functools.lru_cache(maxsize=8)
def _tables(gram_patterns: tuple[str, ...]) -> _Tables:
    """One Aho-Corasick pattern list for all the matching of a reply, and what each pattern stands for.

    The body cues and the VADER words are looked for in ``" " + norm + " "``, the openers in ``"^ "`` + the
    first 60 characters of ``norm`` + ``" "``, the grams in ``"^ "`` (``"?^ "``) + the first
    :data:`~discourse.stance._ngrams.MAX_CHARS` characters of ``norm`` + ``" "``. When ``norm`` is no longer
    than that, the gram text is the body text behind ``"^"`` (``"?^"``), so one pass over the gram text finds
    all three: a body pattern holds neither ``"^"`` nor ``"?"`` (``norm`` has neither), so it matches there
    exactly where it matches the body text; an opener starts with ``"^ "`` and is at most 62 characters
    long, so it matches the gram text's start exactly when it matches the head's (tests check both rules).
    A longer reply takes its grams and openers from that pass and its body cues from a second pass over
    the whole body text.
    """
    body_patterns, body_bits, body_valence = body_table()
    open_patterns, open_bits = opener_table()
    grams = list(gram_patterns)
    body_at = {p: i for i, p in enumerate(body_patterns)}
    open_at = {p: i for i, p in enumerate(open_patterns)}
    pats = grams + sorted((set(body_patterns) | set(open_patterns)) - set(grams))
    bits = _lookup(pats, body_at, body_bits, np.int64)
    valence = _lookup(pats, body_at, body_valence, np.float64)
    obits = _lookup(pats, open_at, open_bits, np.int64)
    return _Tables(pats, (bits != 0) | (valence != 0) | (obits != 0), bits, valence, obits)


def _found(text: pl.Expr, pats: list[str], name: str) -> pl.Expr:
    # matches come back as Enum codes (the pattern's index), so no per-match string is kept
    return text.str.extract_many(pats, overlapping=True).cast(pl.List(pl.Enum(pats))).alias(name)


def _gram_hits(offsets: np.ndarray, codes: np.ndarray, n_grams: int) -> GramHits:
    """The gram occurrences (codes below ``n_grams``) among the matches (``offsets``, ``codes``: see
    :func:`~discourse.stance._ngrams.list_codes`), in row order and, within a row, in match order."""
    keep = codes < n_grams
    found = codes[keep]
    # each row's gram count: its match count less its other matches (few: a search for each of those)
    others = np.searchsorted(offsets, np.flatnonzero(~keep), side="right") - 1
    counts = np.diff(offsets) - np.bincount(others, minlength=offsets.size - 1)
    indptr = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    # codes < n_grams < 2**31: a uint32 array is its int32 view
    return GramHits(indptr, found.view(np.int32) if found.dtype == np.uint32 else found.astype(np.int32))


def _whole_text_body(norm: pl.Series, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, cue bits and valence of every body match in the normalised texts ``norm[rows]`` (in row order,
    then match order). A pass over those rows alone: over a column of mostly nulls it costs 5 times more."""
    patterns, bits, valence = body_table()
    found = pl.DataFrame({"_norm": norm.gather(rows)}).select(
        _found(pl.concat_str(pl.lit(" "), pl.col("_norm"), pl.lit(" ")), patterns, "_m"))["_m"]
    offsets, codes = list_codes(found)
    at = np.repeat(np.arange(rows.size, dtype=np.int64), np.diff(offsets))
    return rows[at], np.asarray(bits, dtype=np.int64)[codes], np.asarray(valence, dtype=np.float64)[codes]


def features(pairs: pl.DataFrame | pl.LazyFrame, text: str = "text", parent_text: str = "parent_text",
             gram_patterns: Sequence[str] | None = None) -> pl.DataFrame:
    """One Float64 column per :data:`FEATURES` name, row for row with ``pairs``.

    Null text counts as empty. The input is not changed; only the feature columns are returned, plus,
    when ``gram_patterns`` is given (see :func:`discourse.stance._ngrams.patterns`), a list column
    ``_grams`` of every occurrence of those patterns in the reply, as ``Enum(gram_patterns)`` values in
    match order (read from the same normalised text, so the n-gram model costs no second normalisation
    pass). :func:`features_and_grams` gives the same occurrences as flat arrays, which is faster.
    """
    out, hits = features_and_grams(pairs, text, parent_text, gram_patterns)
    if hits is None:
        return out
    return out.with_columns(hits_column(hits, list(gram_patterns or ())))


def features_and_grams(pairs: pl.DataFrame | pl.LazyFrame, text: str = "text", parent_text: str = "parent_text",
                       gram_patterns: Sequence[str] | None = None) -> tuple[pl.DataFrame, GramHits | None]:
    """:func:`features` without the ``_grams`` column, and the gram occurrences as :class:`GramHits`
    (None when ``gram_patterns`` is None): the scorer's and the trainer's way in."""
    if gram_patterns is not None:
        gram_patterns = tuple(gram_patterns)
        if len(set(gram_patterns)) != len(gram_patterns):
            raise ScorerError(f"features: the {len(gram_patterns)} gram patterns must be distinct")
    t = _tables(gram_patterns or ())
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
    )
    if gram_patterns is None:
        matching = [_found(pl.concat_str(pl.lit("^ "), pl.col("_norm"), pl.lit(" ")), t.patterns, "_u")]
    else:
        # one pass over the gram text; a reply longer than MAX_CHARS bytes (so perhaps more characters) also
        # has its body cues read over the whole text (its "_u" body matches are left out)
        long = pl.col("_norm").str.len_bytes() > MAX_CHARS
        matching = [_found(gram_text(pl.col("_norm"), pl.col("_parent")), t.patterns, "_u"),
                    pl.when(long).then(pl.col("_norm")).alias("_long")]
    n_words = pl.when(pl.col("_norm") == "").then(0).otherwise(pl.col("_norm").str.count_matches(" ", literal=True) + 1)
    # overlap: the share of the reply's distinct content words that are among the parent's words (a set
    # intersection per row, which keeps each word once; exploding the pairs to search each word in a copy
    # of the parent cost 25% more)
    overlap = (pl.col("_cw").list.set_intersection(pl.col("_pw")).list.len().fill_null(0).cast(pl.Float64)
               / pl.max_horizontal(pl.col("_cw").list.n_unique(), pl.lit(1)).cast(pl.Float64))
    # everything read from the text in one query, so no string or word list outlives it
    df = lf.with_columns(
        _content_words(pl.col("_norm"), _REPLY_CHARS).alias("_cw"),
        # the words of the parent's first characters (space-padded, then cut: the last word may be cut
        # short, as a reader skimming the parent would)
        # ("" words, from the padding, are left out: no content word is empty)
        normalise(pl.col("_parent").str.slice(0, _PARENT_CHARS)).str.slice(0, _PARENT_CHARS - 1).str.split(" ")
        .alias("_pw"),
    ).select(
        *matching,
        pl.col("_has_quote"),
        overlap.alias("_overlap"),
        pl.col("_low").str.contains("?", literal=True).alias("_question"),
        pl.col("_low").str.contains(r"(?:^|[ \n])/s(?:$|[ \n.!])").alias("_slash_s"),
        n_words.alias("_n_words"),
        pl.col("_raw").str.count_matches(r"[A-Z][A-Z][A-Z]+").alias("_shout"),
        pl.col("_raw").str.count_matches("!", literal=True).alias("_exclaim"),
        pl.col("_parent").str.contains("?", literal=True).alias("_parent_question"),
    ).collect()
    # cue bits and valence sums per reply, from the flat match codes (numpy, on as few big arrays as can be:
    # each fresh one costs page faults)
    n = df.height
    offsets, codes = list_codes(df["_u"])
    at = np.flatnonzero(t.cue[codes])
    rows = np.searchsorted(offsets, at, side="right") - 1
    cues = codes[at]
    obits = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(obits, rows, t.obits[cues])
    bits, vals = t.bits[cues], t.valence[cues]
    hits = None
    if gram_patterns is not None:
        hits = _gram_hits(offsets, codes, len(gram_patterns))
        # a long reply's body cues come from the pass over its whole text alone: no row has body matches
        # from both
        is_long = df["_long"].is_not_null().to_numpy()
        within = ~is_long[rows]
        m_rows, m_bits, m_vals = _whole_text_body(df["_long"], np.flatnonzero(is_long))
        rows = np.concatenate([rows[within], m_rows])
        bits = np.concatenate([bits[within], m_bits])
        vals = np.concatenate([vals[within], m_vals])
    body_bits = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(body_bits, rows, bits)
    # valences summed per row in match order (openers add zeros, which change no sum)
    lf = df.lazy().with_columns(
        pl.Series("_bits", body_bits), pl.Series("_obits", obits),
        pl.Series("_pos", np.abs(np.bincount(rows, weights=np.where(vals > 0, vals, 0.0), minlength=n))),
        pl.Series("_neg", np.abs(np.bincount(rows, weights=np.where(vals < 0, vals, 0.0), minlength=n))),
    )

    def body(name: str) -> pl.Expr:
        return (pl.col("_bits") & BODY_BITS[name]) != 0

    def opener(name: str) -> pl.Expr:
        return (pl.col("_obits") & OPENER_BITS[name]) != 0

    def f(expr: pl.Expr) -> pl.Expr:
        return expr.cast(pl.Float64)

    val_pos = _squash(pl.col("_pos"))
    question = pl.col("_question")
    sarcasm = body("sarcasm") | opener("sarcasm_open") | pl.col("_slash_s")
    negated = body("negated_agree")
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
        pl.col("_overlap").alias("overlap"),
        f(pl.col("_has_quote")).alias("quote"),
        _capped(pl.col("_shout"), 3).alias("shout"),
        _capped(pl.col("_exclaim"), 3).alias("exclaim"),
        ((pl.col("_n_words").cast(pl.Float64).clip(0.0, None) + 1.0).log() / 5.0).alias("length"),
        f(pl.col("_parent_question")).alias("parent_question"),
    )
    return out.collect(), hits
