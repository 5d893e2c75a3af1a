"""The default scorer's word n-gram part: which grams a reply has, how they are counted, and how the
model's gram table moves the probabilities (expected values worked out by hand)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from discourse._typing import STANCE_LABELS
from discourse.errors import ScorerError
from discourse.stance import CueScorer, score
from discourse.stance._cues import load_model
from discourse.stance._features import FEATURES
from discourse.stance._ngrams import pattern
from training.stance.grams import candidate_grams, gram_matrix

SHIPPED = Path(__file__).parent.parent.parent / "discourse" / "stance" / "data" / "cues_model.json"


def _grams_of(text: str | None, parent: str | None) -> list[str]:
    df = pl.DataFrame({"text": [text], "parent_text": [parent]}, schema={"text": pl.String, "parent_text": pl.String})
    return sorted(candidate_grams(df).collect()["gram"].to_list())


def test_a_reply_has_its_words_word_pairs_and_opener() -> None:
    got = _grams_of("No, that is NOT true!", "Masks work.")
    assert got == sorted(["no", "that", "is", "not", "true", "no that", "that is", "is not", "not true", "^no"])


def test_the_opener_is_marked_again_when_the_parent_asks_a_question() -> None:
    got = _grams_of("Yes.", "Did it work?")
    assert got == sorted(["yes", "^yes", "?^yes"])


def test_quoted_lines_and_empty_text_give_no_grams_of_their_own() -> None:
    assert _grams_of("> masks work\nI agree", "masks work") == sorted(["i", "agree", "i agree", "^i"])
    assert _grams_of(None, "Anything?") == []
    assert _grams_of("   ", None) == []


def test_patterns_are_space_padded_literals() -> None:
    assert pattern("not true") == " not true "
    assert pattern("^no") == "^ no "
    assert pattern("?^no") == "?^ no "


def test_gram_matrix_counts_every_occurrence_including_overlaps() -> None:
    df = pl.DataFrame({"text": ["no no no", "Nope", "no. really?"], "parent_text": ["x?", None, "y"]})
    vocab = ["no", "no no", "^no", "?^no", "really"]
    m = gram_matrix(df, vocab).toarray()
    # row 0: "no" x3, "no no" x2 (overlapping), opener no, parent asked -> ?^no
    # row 1: "nope" is not "no": nothing; row 2: "no" once, opener, "really" once, parent asked nothing
    assert m.tolist() == [[3, 2, 1, 1, 0], [0, 0, 0, 0, 0], [1, 0, 1, 0, 1]]


def _tiny_model(tmp_path: Path, rows: list[list]) -> Path:
    k, d = len(STANCE_LABELS), len(FEATURES)
    model = {"features": list(FEATURES), "classes": list(STANCE_LABELS),
             "stance": {"intercept": [0.0] * k, "coef": [[0.0] * d for _ in range(k)]},
             "offensive": {"intercept": 0.0, "coef": [0.0] * d, "threshold": 0.5},
             "ngrams": {"columns": ["gram", *STANCE_LABELS, "offensive"], "rows": rows}}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    return path


def test_gram_coefficients_add_to_the_logits_once_per_occurrence(tmp_path: Path) -> None:
    path = _tiny_model(tmp_path, [["banana", 2.0, 0.0, 0.0, 0.0, 1.0], ["^fine", 0.0, 0.0, 1.0, 0.0, 0.0]])
    df = pl.DataFrame({"text": ["banana banana", "Fine, banana.", "bread"], "parent_text": ["a", "b", "c"]})
    out = score(df, CueScorer(model=path))
    e = math.e
    # row 0: agree logit 4 (two bananas), the rest 0
    assert out["p_agree"][0] == pytest.approx(e**4 / (e**4 + 3))
    assert out["p_offensive"][0] == pytest.approx(1 / (1 + e**-2))
    # row 1: agree 2 (banana), disagree 1 (opener "fine")
    assert out["p_disagree"][1] == pytest.approx(e / (e**2 + e + 2))
    # row 2: no known gram, every logit 0
    assert out["p_neutral"][2] == pytest.approx(0.25)
    assert out["p_offensive"][2] == pytest.approx(0.5)


def test_a_malformed_gram_table_is_refused_naming_the_row(tmp_path: Path) -> None:
    path = _tiny_model(tmp_path, [["ok", 0, 0, 0, 0, 0], ["bad", 1.0]])
    with pytest.raises(ScorerError, match=r"m\.json.*ngrams row 1"):
        load_model(path)


def test_the_shipped_model_is_small_and_its_grams_are_distinct() -> None:
    assert SHIPPED.stat().st_size < 3_000_000
    model = load_model(None)
    grams = [r[0] for r in model["ngrams"]["rows"]]
    assert len(grams) == len(set(grams)) > 1000
    assert all(any(v != 0 for v in r[1:]) for r in model["ngrams"]["rows"])  # only non-zero rows are stored


def test_scores_do_not_depend_on_the_batch() -> None:
    texts = ["Exactly, well said.", "No, that's wrong and you know it.", "What time is it?", "lol ok"]
    df = pl.DataFrame({"text": texts, "parent_text": ["Fund transit.", "Masks work.", "Hi", "Is that so?"]})
    whole = score(df)
    for i in range(df.height):
        one = score(df.slice(i, 1))
        assert np.allclose(one.select("p_agree", "p_disagree", "p_offensive").to_numpy(),
                           whole.slice(i, 1).select("p_agree", "p_disagree", "p_offensive").to_numpy(), atol=1e-12)
