"""The learned reply-likelihood score (discourse.infer.reply): pair features and the shipped model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from discourse.errors import DiscourseError
from discourse.infer import FEATURES
from discourse.infer.evidence import prepare
from discourse.infer.reply import PAIR_FEATURES, ReplyModel, idf_table, load_reply_model, pair_features

MODEL = Path(__file__).resolve().parents[2] / "discourse" / "infer" / "reply_model.json"


def feats(reply: str, parent: str, reply_author: str | None = "Bea", parent_author: str | None = "Al",
          others: tuple[str, ...] = ()) -> dict[str, float]:
    i, c = prepare(reply_author, reply), prepare(parent_author, parent)
    df: dict[str, int] = {}
    for p in (i, c, *(prepare(None, t) for t in others)):
        for w in p.content:
            df[w] = df.get(w, 0) + 1
    n = 2 + len(others)
    return dict(zip(PAIR_FEATURES, pair_features(i, c, idf_table(df, n), math.log(n + 1) + 1.0)))


def test_topic_words_weighted_by_rarity_in_the_thread() -> None:
    common = ("the harbour plan again", "harbour tax nonsense", "harbour harbour harbour")
    rare = feats("The ferries will stop at midnight", "Why do the ferries stop at midnight?", others=common)
    usual = feats("The harbour will stop at midnight", "Why does the harbour stop at noon?", others=common)
    assert rare["tfidf"] > usual["tfidf"] > 0
    assert rare["rare"] == pytest.approx(math.log1p(3))      # ferries, stop, midnight: only these two comments
    assert usual["rare"] == pytest.approx(math.log1p(1))     # stop; harbour is everywhere
    assert feats("nothing shared", "entirely different words")["tfidf"] == 0.0


def test_stems_names_numbers_and_word_pairs() -> None:
    f = feats("They closed the bridges after Sunday, 2019 was worse", "The bridge closure on Sunday cost 2019 dollars")
    assert f["stems"] > 0                                     # bridges / bridge, closed / closure share 5-letter stems
    assert f["names"] == 1.0                                  # "Sunday" and "2019", capped at two
    g = feats("the new ferry timetable is a mess", "I like the new ferry timetable a lot")
    assert g["bigrams"] == 1.0 and g["lead_echo"] > 0.5


def test_question_answer_you_me_and_address() -> None:
    f = feats("Yes, you should, it works fine", "Should I upgrade my laptop now?")
    assert f["q_answer"] == 1.0 and f["c_question"] == 1.0 and f["c_last_question"] == 1.0 and f["you_me"] == 1.0
    g = feats("I think Jens Holm has a point here", "We should leave", parent_author="Jens Holm")
    assert g["named"] == 1.0
    assert feats("I think Jensen has a point", "We should leave", parent_author="Jens Holm")["named"] == 0.0
    assert feats("No, that is wrong", "It rained all week.")["negation"] == 1.0
    assert feats("No, that is wrong", "Did it rain?")["negation"] == 0.0
    assert feats("Or a Alamo.", "Saigon moment coming soon.")["continuation"] == 1.0


def test_authors_and_lengths() -> None:
    same = feats("more from me", "first from me", reply_author="Al", parent_author="al")
    assert same["same_author"] == 1.0
    anon = feats("a reply", "an anonymous remark", parent_author=None)
    assert anon["c_anonymous"] == 1.0 and anon["same_author"] == 0.0
    f = feats("ok", " ".join(["word"] * 99))
    assert f["c_length"] == pytest.approx(math.log(100) / 5) and f["length_gap"] == pytest.approx(math.log(100 / 2) / 5)
    assert f["short_pair"] == 0.0 and feats("ok", "fine")["short_pair"] == 1.0


def test_model_logit_is_the_standardised_linear_score() -> None:
    coef = dict.fromkeys(PAIR_FEATURES, 0.0) | {"tfidf": 2.0, "named": -1.0}
    mean = dict.fromkeys(PAIR_FEATURES, 0.0) | {"tfidf": 0.1}
    scale = dict.fromkeys(PAIR_FEATURES, 1.0) | {"tfidf": 0.5}
    m = ReplyModel(coef=coef, intercept=-0.5, mean=mean, scale=scale)
    x = [0.0] * len(PAIR_FEATURES)
    x[PAIR_FEATURES.index("tfidf")] = 0.6
    x[PAIR_FEATURES.index("named")] = 1.0
    assert m.logit(x) == pytest.approx(-0.5 + 2.0 * (0.6 - 0.1) / 0.5 - 1.0)
    assert ReplyModel.from_dict(m.to_dict()).to_dict() == m.to_dict()


def test_bad_models_are_errors() -> None:
    with pytest.raises(DiscourseError, match="lacks value"):
        ReplyModel(coef={"tfidf": 1.0})
    with pytest.raises(DiscourseError, match="scale must be positive"):
        ReplyModel(scale=dict.fromkeys(PAIR_FEATURES, 1.0) | {"names": 0.0})
    with pytest.raises(DiscourseError, match="expected 'coef'"):
        ReplyModel.from_dict({"coef": {}})


def test_shipped_model_covers_every_pair_feature_and_ranks_a_real_reply_first() -> None:
    data = json.loads(MODEL.read_text(encoding="utf-8"))
    assert data["features"] == list(PAIR_FEATURES)
    model = load_reply_model()
    assert model.coef == pytest.approx(data["coef"])
    assert "reply" in FEATURES
    # a question and its answer against an unrelated remark from the same page
    question = prepare("Ana", "Which ferry leaves Bergen before 7 on Sundays? I need the early one.")
    answer = prepare("Bo", "The Hurtigruten ferry leaves Bergen at 6:30 on Sundays, you can book it online.")
    other = prepare("Cy", "My cat ignores the vacuum cleaner entirely.")
    df: dict[str, int] = {}
    for p in (question, answer, other):
        for w in p.content:
            df[w] = df.get(w, 0) + 1
    idf = idf_table(df, 4)
    assert model.logit(pair_features(answer, question, idf, math.log(5) + 1)) > \
        model.logit(pair_features(answer, other, idf, math.log(5) + 1))
