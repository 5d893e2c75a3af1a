"""Gram finding for training the cue model: every gram of a reply by splitting its text, character grams,
and count matrices over a vocabulary. The scorer finds the same grams by pattern matching
(:mod:`discourse.stance._ngrams`); tests check that both ways agree."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from scipy import sparse

from discourse.stance._features import _QUOTED_LINE, _clean, features_and_grams
from discourse.stance._ngrams import MAX_CHARS, GramHits, gram_text, hits_matrix, list_codes, patterns

__all__ = ["candidate_grams", "char_grams", "count_matrix", "gram_matrix"]


def candidate_grams(pairs: pl.DataFrame | pl.LazyFrame, text: str = "text",
                    parent_text: str = "parent_text") -> pl.LazyFrame:
    """Long frame ``row`` (UInt32), ``gram`` (String): every gram of every reply, once per occurrence."""
    low = pl.col(text).fill_null("").str.to_lowercase()
    unquoted = low.str.replace_all(_QUOTED_LINE, " ")
    body = _clean(pl.when(unquoted.str.strip_chars() == "").then(low).otherwise(unquoted))
    tok = pairs.lazy().select(
        gram_text(body, pl.col(parent_text)).str.strip_chars_end(" ").str.split(" ").alias("t"),
    ).with_row_index("row")
    # t = [prefix, w1, w2, ...]; prefix is "^" or "?^"
    words = pl.col("t").list.slice(1)
    first = pl.col("t").list.get(1, null_on_oob=True)
    return tok.select(
        "row",
        pl.concat_list(
            words,
            words.list.eval((pl.element() + " " + pl.element().shift(-1)).drop_nulls()),
            pl.concat_list(pl.lit("^") + first),
            pl.concat_list(pl.when(pl.col("t").list.first() == "?^").then(pl.lit("?^") + first)),
        ).alias("gram"),
    ).explode("gram").filter(pl.col("gram").is_not_null() & ~pl.col("gram").is_in(["", "^", "?^"])
                             & ~pl.col("gram").str.contains("  ", literal=True)
                             & ~pl.col("gram").str.starts_with(" ") & ~pl.col("gram").str.ends_with(" "))


def char_grams(norm: str, sizes: Sequence[int] = (3, 4, 5)) -> list[str]:
    """Character grams of a normalised reply, marked ``"~"``: every 3-5 characters inside a space-padded word
    (``" fuck "`` gives ``"~ fu"``, ``"~uck "``, ``"~fuck"`` ...), less whole padded words (those are word grams).
    Training only; the scorer finds them with the word grams in one Aho-Corasick pass."""
    out = []
    for word in norm[:MAX_CHARS].split(" "):
        w = f" {word} "
        for n in sizes:
            out.extend(f"~{w[i:i + n]}" for i in range(len(w) - n + 1) if not (i == 0 and i + n == len(w)))
    return [g for g in out if g.strip("~ ")]


def count_matrix(found: pl.Series, pats: Sequence[str], canonical: bool = True) -> sparse.csr_matrix:
    """CSR matrix (rows of ``found`` x ``len(pats)``) of pattern counts from a ``_grams`` column
    (:func:`hits_matrix`, which see for ``canonical``)."""
    return hits_matrix(GramHits(*list_codes(found.cast(pl.List(pl.Enum(list(pats)))))), len(pats), canonical)


def gram_matrix(pairs: pl.DataFrame, vocab: Sequence[str], text: str = "text",
                parent_text: str = "parent_text") -> sparse.csr_matrix:
    """CSR matrix (rows of ``pairs`` x ``len(vocab)``) of gram counts, found as the scorer finds them."""
    pats = patterns(vocab)
    return hits_matrix(features_and_grams(pairs, text, parent_text, gram_patterns=pats)[1], len(pats))
