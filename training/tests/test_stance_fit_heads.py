"""cues/3: swearing and insult roots inside words, the cues-char scorer's character grams, and the fitting
helpers (folds, thresholds, macro-F1 for bias tuning). Expected values worked out by hand."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from training.stance.fit import best_threshold, folds, macro_f1_indices


def test_folds_are_balanced_and_deterministic() -> None:
    a = folds(10, 3)
    assert sorted(np.bincount(a).tolist()) == [3, 3, 4]
    assert np.array_equal(a, folds(10, 3)) and not np.array_equal(a, folds(10, 3, seed=1))


def test_best_threshold_maximises_f1_by_hand() -> None:
    p = np.array([0.9, 0.8, 0.3, 0.2])
    y = np.array([True, True, False, True])
    # t <= 0.2: all four predicted, F1 = 2*3/(4+3) = 0.857; 0.2 < t <= 0.8: two, F1 = 2*2/(2+3) = 0.8
    assert best_threshold(p, y) == 0.05


def test_three_class_macro_f1_reads_hostile_as_disagree() -> None:
    logits = np.array([[5.0, 0, 0, 0], [0, 5.0, 0, 0], [0, 0, 0, 5.0], [0, 5.0, 0, 0]])
    gold = np.array([0, 1, 2, 2])
    # agree F1 1; neutral: 2 predicted, 1 right -> P 0.5, R 1 -> 2/3; disagree: 1 predicted (hostile), right,
    # 2 gold -> P 1, R 0.5 -> 2/3
    assert macro_f1_indices(logits, gold) == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)


def test_fit_heads_vocabulary_rules_and_char_grams_only_in_the_offensive_head() -> None:
    from training.stance.fit import fit_heads, prepare
    from training.stance.train import OPTIONS

    frame = pl.DataFrame({"text": ["good point", "good idea", "bad idea", "you idiot"],
                          "parent_text": ["a", "b", "c", "d"], "label": ["agree", "agree", "disagree", None],
                          "y": ["agree", "agree", "disagree", "hostile"], "allowed": [1, 1, 4, 8],
                          "offensive": [False, False, False, True]})
    vocab = ["good", "idea", "point", "~idi"]
    block = prepare(frame, "toy", vocab)
    # counts by hand: good in rows 0, 1; idea in 1, 2; point in 0; "idi" inside "idiot" (row 3) and not in "idea"
    assert block.g.toarray().tolist() == [[1, 0, 1, 0], [1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]]
    opts = {**OPTIONS, "min_df": 2, "off_char_C": 1.0, "char_min_df": 1, "gram_min": 0.0}
    char = np.array([False, False, False, True])
    heads = fit_heads([(block, 1.0)], [(block, 1.0)], opts, [block], char)
    # word grams need 2 rows (good, idea; not point); the char gram needs 1
    assert heads.vocab.tolist() == [True, True, False, True]
    assert np.all(heads.gram_coef[:, 2:] == 0.0)           # point: out; ~idi: not a stance column
    assert heads.off_gram[3] > 0.0 and heads.off_gram[2] == 0.0


def test_fit_heads_drops_grams_with_small_coefficients_when_asked() -> None:
    from training.stance.fit import fit_heads, prepare
    from training.stance.train import OPTIONS

    # "apples" always agrees and "pears" always disagrees; "table" is in rows of both classes alike (no cue words,
    # so the grams carry everything)
    texts = ["apples table", "apples", "apples table", "pears table", "pears", "pears table"] * 3
    y = ["agree"] * 3 + ["disagree"] * 3
    frame = pl.DataFrame({"text": texts, "parent_text": ["p"] * 18, "label": y * 3, "y": y * 3,
                          "allowed": [1, 1, 1, 4, 4, 4] * 3, "offensive": [False] * 18})
    block = prepare(frame, "toy", ["table", "apples", "pears"])
    char = np.zeros(3, dtype=bool)
    opts = {**OPTIONS, "min_df": 1}
    full = fit_heads([(block, 1000.0)], [(block, 1000.0)], {**opts, "gram_min": 0.0}, [block], char)
    assert full.vocab.tolist() == [True, True, True]
    spread = np.abs(full.gram_coef - full.gram_coef.mean(axis=0)).max(axis=0)
    assert spread[0] < 0.05 < 0.5 < min(spread[1], spread[2])       # "table" says next to nothing
    pruned = fit_heads([(block, 1000.0)], [(block, 1000.0)], {**opts, "gram_min": 0.1}, [block], char)
    assert pruned.vocab.tolist() == [False, True, True] and np.all(pruned.gram_coef[:, 0] == 0.0)
