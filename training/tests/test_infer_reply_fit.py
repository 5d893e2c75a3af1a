"""The reply-likelihood model: fitting (training/infer/reply.py) and a round trip through inference."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from discourse import schema
from discourse.infer import infer_parents, load_weights
from discourse.infer.reply import PAIR_FEATURES
from training.infer.fit import evaluate, flatten
from training.infer.reply import PairSet, _conversation_pairs, fit_reply, merge, rank_accuracy, tree_pairs

_SYLLABLES = ("ka", "lo", "mi", "ten", "ru", "vas", "do", "pel", "zi", "gor", "ne", "bu", "sha", "tri", "ol", "fen")


def _word(rng: np.random.Generator) -> str:
    return "".join(_SYLLABLES[int(k)] for k in rng.integers(0, len(_SYLLABLES), 4))


def tree_frame(seed: int, n: int) -> pl.DataFrame:
    """A thread with a known depth-first tree whose replies carry no quote and no "@name": a reply
    picks up its parent's topic in other word forms (same stems), names its parent's author in passing,
    answers its question and says "you" to its "I"; top-level comments start new topics."""
    rng = np.random.default_rng(seed)
    parent: list[int] = []
    stems: list[list[str]] = []
    rows = []
    for k in range(n):
        chain, j = [], k - 1
        while j >= 0:
            chain.append(j)
            j = parent[j]
        chain.append(-1)
        p = chain[int(rng.integers(0, len(chain)))]
        parent.append(p)
        filler = " ".join(rng.choice(["the", "a", "of", "and", "to", "is", "was", "it"], 6))
        if p < 0:
            topic = [_word(rng) for _ in range(3)]
            text = f"I think the {topic[0]}ing of {topic[1]}ers {filler} {topic[2]}ed, does anyone know why?"
        else:
            topic = [*stems[p][:2], _word(rng)]
            text = (f"Yes, you are right Person{p} about {topic[0]}s {filler} {topic[1]}ation "
                    f"and {topic[2]}ing, do I make sense?")
        stems.append(topic)
        rows.append({"site": "web", "thread_id": f"t{seed}", "comment_id": f"c{k}",
                     "parent_id": None if p < 0 else f"c{p}", "author": f"Person{k}", "text": text,
                     "created_at": None, "position": k, "parent_source": "explicit", "parent_confidence": 1.0})
    df = pl.DataFrame(rows, schema_overrides={"created_at": schema.UTC, "parent_id": pl.String})
    return schema.conform(df, schema.COMMENTS)


@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_round_trip_reply_score_beats_the_old_evidence(seed: int) -> None:
    # 24 threads of 12-35 comments; over seeds 0-11 the old evidence alone reached 0.35-0.42 and the
    # previous-comment baseline 0.38-0.41, with the reply score 0.50-0.54
    tree = pl.concat([tree_frame(seed * 10 + t, 12 + t) for t in range(24)])
    flat = flatten(tree, "depth-first")
    page = flat.drop("true_parent_id", "truth_known")
    shipped = load_weights()
    # the old evidence alone: the same weights without the learned reply score
    old = replace(shipped, coef=shipped.coef | {"reply": 0.0}, chronological=None)
    new = evaluate(infer_parents(page, order="depth-first"), flat)
    before = evaluate(infer_parents(page, order="depth-first", weights=old), flat)
    assert float(new["accuracy"]) >= 0.47  # type: ignore[arg-type]
    assert float(new["accuracy"]) >= float(before["accuracy"]) + 0.05  # type: ignore[arg-type]


def test_fit_reply_learns_a_deciding_feature_and_is_deterministic() -> None:
    rng = np.random.default_rng(3)
    k = PAIR_FEATURES.index("tfidf")
    x = rng.random((400, len(PAIR_FEATURES)))
    y = (x[:, k] > 0.5).astype(float)
    data = PairSet("toy", x, y, np.arange(400) // 4)
    first, second = fit_reply([data]), fit_reply([data])
    assert first.to_dict() == second.to_dict()
    assert first.coef["tfidf"] > 2.0
    assert all(abs(v) < 0.5 for f, v in first.coef.items() if f != "tfidf")
    assert rank_accuracy(first, data)["auc"] > 0.95


def test_fit_reply_shares_weigh_sources() -> None:
    k = PAIR_FEATURES.index("names")
    x = np.zeros((40, len(PAIR_FEATURES)))
    x[:20, k] = 1.0
    up = PairSet("up", x[:20], np.ones(20), np.arange(20))        # names = 1 -> reply
    down = PairSet("down", x[:20], np.zeros(20), np.arange(20))   # names = 1 -> not a reply
    rest = PairSet("rest", x[20:], np.r_[np.ones(10), np.zeros(10)], np.arange(20))
    lean_up = fit_reply([up, down, rest], shares={"down": 0.2})
    lean_down = fit_reply([up, down, rest], shares={"up": 0.2})
    assert lean_up.coef["names"] > 0 > lean_down.coef["names"]
    assert lean_up.meta["shares"] == {"up": 1.0, "down": 0.2, "rest": 1.0}


def test_tree_pairs_hold_the_true_parent_against_page_candidates() -> None:
    tree = tree_frame(5, 15)
    pairs = tree_pairs("toy", tree, None)
    assert pairs.x.shape[1] == len(PAIR_FEATURES) and len(pairs.y) == len(pairs.group)
    flat = flatten(tree, "depth-first")
    replies = int(flat["true_parent_id"].is_not_null().sum())
    assert int(pairs.y.sum()) == replies       # one positive per reply to a comment
    for g in np.unique(pairs.group):
        assert pairs.y[pairs.group == g].sum() <= 1
    merged = merge("both", [pairs, pairs])
    assert len(np.unique(merged.group)) == 2 * len(np.unique(pairs.group))


def test_conversation_pairs_take_negatives_from_the_same_conversation() -> None:
    rows = [("a", "parent one about ferries", "reply about ferries"), ("a", "parent two about trains", "trains reply"),
            ("a", "parent three about buses", "buses reply"), ("b", "lonely parent", "lonely reply")]
    pairs = _conversation_pairs("toy", rows)
    assert int(pairs.y.sum()) == 4 and len(pairs.y) == 12       # each pair against two other parents
    assert rank_accuracy(fit_reply([pairs]), pairs)["groups"] == 4
