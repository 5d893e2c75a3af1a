"""The default scorer's one-pass matching: the rules that make one Aho-Corasick pass over the gram text
equal to the separate cue, opener and gram passes, and the two-pass path of replies longer than the gram
window (expected grams counted independently by splitting the text, cue values worked out by hand)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from discourse.errors import ScorerError
from discourse.stance._features import FEATURES, features, features_and_grams
from discourse.stance._lexicon import body_table, opener_table
from discourse.stance._ngrams import MAX_CHARS, hits_matrix, patterns
from training.stance.grams import candidate_grams, count_matrix, gram_matrix

FILLER = "lorem ipsum dolor "  # no cue, VADER or opener word
LONG = "Exactly, " + FILLER * 30 + "you idiot ipsum"  # "you idiot" past MAX_CHARS: a body cue outside the gram window


def test_the_one_pass_rules_hold_for_the_shipped_lexicon() -> None:
    body, _, _ = body_table()
    openers, _ = opener_table()
    # body patterns match the gram text ("^ ..." / "?^ ...") exactly where they match " " + norm + " "
    assert not [p for p in body if "^" in p or "?" in p]
    # openers match at the gram text's start exactly when they match the head ("^ " + 60 characters + " ")
    assert all(p.startswith("^ ") and len(p) <= 62 for p in openers)


def _pairs(texts: list[str], parents: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({"text": texts, "parent_text": parents}, schema={"text": pl.String, "parent_text": pl.String})


def _expected_counts(pairs: pl.DataFrame, vocab: list[str]) -> np.ndarray:
    """Gram counts by splitting each reply's text (candidate_grams), not by pattern matching."""
    at = {g: j for j, g in enumerate(vocab)}
    out = np.zeros((pairs.height, len(vocab)))
    for row, gram in candidate_grams(pairs).collect().iter_rows():
        if gram in at:
            out[row, at[gram]] += 1
    return out


def test_long_and_short_replies_get_the_grams_of_their_window_in_row_order() -> None:
    assert len(LONG) > MAX_CHARS + 20
    pairs = _pairs(["No, you idiot.", LONG, "yes yes", LONG.replace("Exactly", "Wrong") + " no no", None],
                   ["Really?", "Really?", None, "fine", "x?"])
    vocab = ["no", "no no", "^no", "?^no", "yes", "yes yes", "^yes", "exactly", "^exactly", "?^exactly", "^wrong",
             "lorem", "ipsum dolor", "you", "idiot", "you idiot"]
    expected = _expected_counts(pairs, vocab)
    # hand checks of the split: "you idiot" lies past the window of the long replies, so it counts only in row 0
    assert expected[:, vocab.index("you idiot")].tolist() == [1, 0, 0, 0, 0]
    assert expected[1, vocab.index("?^exactly")] == 1 and expected[3, vocab.index("no no")] == 0
    assert (gram_matrix(pairs, vocab).toarray() == expected).all()
    # the public features' _grams column holds the same occurrences
    fx = features(pairs, gram_patterns=patterns(vocab))
    assert (count_matrix(fx["_grams"], patterns(vocab)).toarray() == expected).all()


def test_a_cue_past_the_gram_window_still_counts_in_a_long_reply() -> None:
    pairs = _pairs([LONG, "Exactly, you idiot", FILLER * 30], ["Really?", "Really?", "fine"])
    vocab = ["exactly", "^exactly"]
    for pats in (None, patterns(vocab)):
        fx, _ = features_and_grams(pairs, gram_patterns=pats)
        # "Exactly," opens rows 0 and 1; "you idiot" is an insult at the addressee in both; row 2 has no cue
        assert fx["agree_open"].to_list() == [1.0, 1.0, 0.0]
        assert fx["insult_2p"].to_list() == [1.0, 1.0, 0.0]
        assert fx["second_person"].to_list() == [1.0, 1.0, 0.0]
        assert fx["parent_question"].to_list() == [1.0, 1.0, 0.0]
        # 1 + 90 + 3 words, 3 words, 90 words
        assert fx["length"].to_list() == pytest.approx([np.log(95) / 5, np.log(4) / 5, np.log(91) / 5])


def test_features_are_the_same_with_and_without_grams_and_row_by_row() -> None:
    texts = [LONG, "No, that's not true. Source?", "> quoted\nthanks, makes sense", "", LONG + " great!",
             "Great point, thanks! " + FILLER * 30 + "i disagree"]  # cues both inside and past the gram window
    pairs = _pairs(texts, ["a?", None, "quoted", "b", "c?", None])
    pats = patterns(["no", "^no", "thanks", "great"])
    plain = features(pairs)
    with_grams = features(pairs, gram_patterns=pats)
    assert plain.columns == list(FEATURES) and with_grams.columns == [*FEATURES, "_grams"]
    assert plain.equals(with_grams.select(FEATURES))
    for i in range(pairs.height):
        # not bit for bit: polars' log of a one-row column can differ from the many-row one in the last bit
        assert_frame_equal(features(pairs[i], gram_patterns=pats), with_grams[i], check_exact=False)


def test_hits_are_in_row_order_and_match_the_grams_column() -> None:
    pairs = _pairs(["no no", LONG + " no", "nothing", "No."], ["?", None, None, None])
    pats = patterns(["no", "^no", "?^no"])
    _, hits = features_and_grams(pairs, gram_patterns=pats)
    assert hits.n_rows == 4 and hits.indptr[0] == 0 and (np.diff(hits.indptr) >= 0).all()
    # row 0: " no " twice, "^ no ", "?^ no "; the long row's " no" is past the window; row 3: " no ", "^ no "
    assert Counter(zip(hits.rows().tolist(), hits.codes.tolist())) == Counter(
        {(0, 0): 2, (0, 1): 1, (0, 2): 1, (3, 0): 1, (3, 1): 1})
    grams = features(pairs, gram_patterns=pats)["_grams"]
    assert [sorted(g) for g in grams.to_list()] == [sorted([" no ", " no ", "^ no ", "?^ no "]), [], [],
                                                    sorted([" no ", "^ no "])]
    assert (hits_matrix(hits, len(pats), canonical=False).toarray()
            == count_matrix(grams, pats, canonical=False).toarray()).all()


def test_duplicate_gram_patterns_are_refused() -> None:
    with pytest.raises(ScorerError, match="distinct"):
        features_and_grams(_pairs(["x"], [None]), gram_patterns=[" no ", " no "])
