"""cues/3 and later: swearing and insult roots inside words, the cues-char scorer's character grams; cues/4's
lexicon: denied agreement, and attack phrases only in their attacking sense. Expected values worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from discourse.stance import score
from discourse.stance._features import features
from discourse.stance._ngrams import pattern
from training.stance.grams import char_grams


def _f(texts: list[str], parents: list[str | None]) -> pl.DataFrame:
    return features(pl.DataFrame({"text": texts, "parent_text": parents},
                                 schema={"text": pl.String, "parent_text": pl.String}))


def test_swearing_roots_are_found_inside_words_and_through_asterisks() -> None:
    f = _f(["f*cking hell", "what a fucktard", "shitposting again", "I see your point, but no", "Scrap the plan"],
           ["x"] * 5)
    # "f*cking" normalises to "fcking" (a root); "fucktard" holds "fuck"; "shitposting" holds "shit"; "scrap" is clean
    assert f["profanity"].to_list() == [1.0, 1.0, 1.0, 0.0, 0.0]


def test_insult_roots_are_found_inside_compounds() -> None:
    f = _f(["idiots everywhere", "total dumbasses", "an idiotically simple fix", "a stupendous goal"], ["x"] * 4)
    # "idiots", "dumbasses", "idiotically" hold the roots idiot / dumbass; "stupendous" holds no root ("stupid" is not in it)
    assert f["insult"].to_list() == [1.0, 1.0, 1.0, 0.0]


def test_obfuscated_swearing_at_the_addressee_is_offensive_and_polite_disagreement_is_not() -> None:
    df = pl.DataFrame({"text": ["f*cking idiot", "I see your point, but no."],
                       "parent_text": ["The new stadium is a good idea.", "The new stadium is a good idea."]})
    out = score(df)
    assert out["offensive"].to_list() == [True, False]
    assert out["label"][1] != "hostile"
    assert out["p_hostile"][1] < 0.1


def test_character_grams_of_a_reply_by_hand() -> None:
    # " no " is a whole padded word (a word gram, left out); " fuck " gives 3-, 4- and 5-character pieces
    assert char_grams("no fuck") == ["~ no", "~no ", "~ fu", "~fuc", "~uck", "~ck ", "~ fuc", "~fuck", "~uck ",
                                     "~ fuck", "~fuck "]
    assert pattern("~uck ") == "uck "


def test_character_grams_are_counted_inside_words(tmp_path: Path) -> None:
    import json

    from discourse._typing import STANCE_LABELS
    from discourse.stance import CueScorer
    from discourse.stance._features import FEATURES

    k, d = len(STANCE_LABELS), len(FEATURES)
    model = {"features": list(FEATURES), "classes": list(STANCE_LABELS),
             "stance": {"intercept": [0.0] * k, "coef": [[0.0] * d for _ in range(k)]},
             "offensive": {"intercept": 0.0, "coef": [0.0] * d, "threshold": 0.5},
             "ngrams": {"columns": ["gram", *STANCE_LABELS, "offensive"], "rows": [["~uck", 0, 0, 0, 0, 1.0]]}}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    df = pl.DataFrame({"text": ["fuck, what luck", "tuck in, chuck", "fine"], "parent_text": ["a", "b", "c"]})
    out = score(df, CueScorer(model=path))
    # "uck" occurs in fuck and luck (2), tuck and chuck (2), not in fine (0): logits 2, 2, 0
    assert out["p_offensive"].to_list() == pytest.approx([1 / (1 + np.exp(-2.0)), 1 / (1 + np.exp(-2.0)), 0.5])


def test_cues_char_is_registered_and_shares_the_stance_head() -> None:
    df = pl.DataFrame({"text": ["Exactly, well said.", "You f*cking idiot.", "What time is it?"],
                       "parent_text": ["Fund transit.", "Masks work.", "Game tonight."]})
    a, b = score(df, "cues"), score(df, "cues-char")
    assert b["scorer"][0] == "cues-char/5" and a["scorer"][0] == "cues/5"
    assert np.allclose(a.select("p_agree", "p_neutral", "p_disagree", "p_hostile").to_numpy(),
                       b.select("p_agree", "p_neutral", "p_disagree", "p_hostile").to_numpy(), atol=1e-12)
    assert b["offensive"].to_list()[1] is True




def test_a_denied_agreement_phrase_is_disagreement_not_agreement() -> None:
    f = _f(["Respectfully, I don't think that's true.", "I'm not sure that's right.", "That's true.",
            "I think that's true."], ["Remote work is less productive."] * 4)
    # "that's true" / "that's right" inside "don't think ..." / "not sure ..." is denied: no explicit agreement
    assert f["agree_explicit"].to_list() == [0.0, 0.0, 1.0, 1.0]
    assert f["negated_agree"].to_list() == [1.0, 1.0, 0.0, 0.0]
    assert f["disagree_explicit"].to_list() == [1.0, 1.0, 0.0, 0.0]


def test_everyday_phrases_are_not_attacks_but_their_attacking_forms_are() -> None:
    texts = ["Go back to the settings page; the errors should go away.", "Shut it down and restart.",
             "Ask the person who asked first.", "How do you cope with the noise?", "Push it to your git repo.",
             "Go away.", "Go back to where you came from.", "Nobody asked you.", "Cope harder."]
    f = _f(texts, ["x"] * len(texts))
    attacked = (f["attack"] + f["insult_2p"]).to_list()
    assert [a > 0 for a in attacked] == [False] * 5 + [True] * 4
    assert f["insult"].to_list()[4] == 0.0    # "git" is software here, not an insult
