"""Word n-gram features of a reply (and a parent-reply interaction), for the default scorer's model.

A reply's *grams* are its words and word pairs (``"no"``, ``"not true"``), its opening word marked
``"^no"`` and, when the parent asks a question (has a ``?``), that opening word again marked ``"?^no"``.
They are read from the first :data:`MAX_CHARS` characters of the normalised, unquoted reply text that
:func:`discourse.stance._features.features` already builds.

- ``training.stance.grams.candidate_grams`` lists every gram of every reply by splitting on spaces (it
  enumerates the vocabulary when the model is trained);
- :func:`patterns` turns a vocabulary into space-padded literal patterns (``" not true "``,
  ``"^ no "``, ``"?^ no "``) that one Aho-Corasick pass (``str.extract_many``, overlapping) finds in
  :func:`gram_text`: far cheaper than splitting and pairing words per reply (the pass is the cue pass of
  :func:`discourse.stance._features.features_and_grams`, which returns the occurrences as :class:`GramHits`);
- :func:`hits_matrix` turns the matches into a sparse count matrix (``training.stance.grams`` holds
  the training side's ``count_matrix`` and ``gram_matrix``).

The vocabulary is an explicit list of strings shipped with the model rather than hash buckets: polars'
hash values are not promised to stay the same across versions, a string join is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import polars as pl
from scipy import sparse

__all__ = ["MAX_CHARS", "GramHits", "gram_text", "hits_column", "hits_matrix", "list_codes", "patterns"]

MAX_CHARS = 400  # characters of normalised reply read for grams (speed; the opening carries most of the stance)


def gram_text(norm: pl.Expr, parent: pl.Expr) -> pl.Expr:
    """``"^ "`` (``"?^ "`` when the parent asks a question), the normalised reply's start, and a space."""
    prefix = pl.when(parent.fill_null("").str.contains("?", literal=True)).then(pl.lit("?^ ")).otherwise(pl.lit("^ "))
    return pl.concat_str(prefix, norm.str.slice(0, MAX_CHARS), pl.lit(" "))


def pattern(gram: str) -> str:
    """The literal that finds ``gram`` in :func:`gram_text` (``"~"`` marks a character gram, kept as it is)."""
    if gram.startswith("~"):
        return gram[1:]
    if gram.startswith("?^"):
        return f"?^ {gram[2:]} "
    if gram.startswith("^"):
        return f"^ {gram[1:]} "
    return f" {gram} "


def patterns(vocab: Sequence[str]) -> list[str]:
    """:func:`pattern` of every gram, in order."""
    return [pattern(g) for g in vocab]


def list_codes(found: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (int64, one more than the rows: row i's values are ``codes[offsets[i]:offsets[i + 1]]``) and
    the flat category codes (unsigned: 8, 16 or 32 bits, as polars stores them) of a ``List(Enum)`` column."""
    offsets = np.zeros(found.len() + 1, dtype=np.int64)
    np.cumsum(found.list.len().fill_null(0).to_numpy(), out=offsets[1:])
    return offsets, found.explode(empty_as_null=False, keep_nulls=False).to_physical().to_numpy()


class GramHits(NamedTuple):
    """Every gram occurrence of a table of replies, row by row as in a CSR matrix: row i's pattern indices,
    in match order, are ``codes[indptr[i]:indptr[i + 1]]``."""

    indptr: np.ndarray  # int64, one more than the rows
    codes: np.ndarray   # int32 (pattern indices)

    @property
    def n_rows(self) -> int:
        """The table's row count."""
        return self.indptr.size - 1

    def rows(self) -> np.ndarray:
        """The row (int64) of each occurrence."""
        return np.repeat(np.arange(self.n_rows, dtype=np.int64), np.diff(self.indptr))


def hits_column(hits: GramHits, pats: Sequence[str]) -> pl.Series:
    """The occurrences as a ``_grams`` column: one list of ``Enum(pats)`` values per row, in match order."""
    enum = pl.Enum(list(pats))
    found = pl.DataFrame({"_row": hits.rows(), "_grams": pl.Series(hits.codes.astype(np.uint32)).cat.to(enum)})
    lists = found.group_by("_row").agg("_grams")  # keeps the order within each row
    out = pl.DataFrame({"_row": np.arange(hits.n_rows, dtype=np.int64)}).join(
        lists, on="_row", how="left", maintain_order="left")["_grams"]
    return out.fill_null(pl.Series([[]], dtype=pl.List(enum))).alias("_grams")


def hits_matrix(hits: GramHits, n_pats: int, canonical: bool = True) -> sparse.csr_matrix:
    """CSR matrix (rows x ``n_pats``) of pattern counts.

    With ``canonical=False`` a gram found twice in a reply is stored twice, in match order (products count
    it twice, summed in that order: the scorer's way); otherwise the entries are summed and sorted."""
    index = np.int32 if hits.codes.size < 2**31 and n_pats < 2**31 else np.int64
    counts = sparse.csr_matrix((np.ones(hits.codes.size), hits.codes.astype(index, copy=False),
                                hits.indptr.astype(index, copy=False)), shape=(hits.n_rows, n_pats))
    if canonical:
        counts.sum_duplicates()
    return counts
