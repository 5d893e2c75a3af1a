import polars as pl
import pytest

from discourse import schema
from discourse.errors import SchemaError


def comments(**over):
    base = {
        "site": ["s", "s"], "thread_id": ["t", "t"], "comment_id": ["a", "b"], "parent_id": [None, "a"],
        "author": ["x", None], "text": ["hi", "yo"], "position": [0, 1],
        "parent_source": ["root", "explicit"], "parent_confidence": [1.0, 1.0],
    }
    base.update(over)
    return schema.conform(pl.DataFrame(base), schema.COMMENTS)


def test_valid_comments_pass_unchanged():
    df = comments()
    assert schema.validate(df, "comments") is df


def test_conform_orders_and_types_columns():
    df = comments()
    assert list(df.columns)[: len(schema.COMMENTS)] == list(schema.COMMENTS)
    assert df.schema["created_at"] == pl.Datetime("us", "UTC")
    assert df["score"].null_count() == 2


def test_missing_column_and_wrong_dtype_are_both_listed():
    df = comments().drop("text").with_columns(pl.col("position").cast(pl.String))
    with pytest.raises(SchemaError) as info:
        schema.validate(df, "comments")
    problems = info.value.problems
    assert any("missing column 'text'" in p for p in problems)
    assert any("'position' is String" in p for p in problems)
    assert len(problems) == 2


def test_value_checks_list_every_violation():
    df = comments(comment_id=["a", "a"], parent_source=["root", "psychic"], parent_confidence=[1.5, 0.2])
    with pytest.raises(SchemaError) as info:
        schema.validate(df, "comments")
    text = str(info.value)
    assert "1 duplicate key(s)" in text
    assert "'parent_source' has 1 value(s) outside" in text
    assert "'parent_confidence' has 1 value(s) outside [0, 1]" in text


def test_self_parent_is_rejected():
    df = comments(parent_id=[None, "b"])
    with pytest.raises(SchemaError, match="1 comment\\(s\\) name themselves as parent"):
        schema.validate(df, "comments")


def test_null_key_is_rejected():
    df = comments(comment_id=["a", None])
    with pytest.raises(SchemaError, match="'comment_id' has 1 null"):
        schema.validate(df, "comments")


def test_scored_replies_check_labels_and_weights():
    rep = schema.conform(pl.DataFrame({
        "site": ["s"], "thread_id": ["t"], "comment_id": ["b"], "to_root": [False], "self_reply": [False],
        "p_agree": [0.1], "p_neutral": [0.1], "p_disagree": [0.1], "p_hostile": [0.7],
        "label": ["furious"], "weight": [-1.5], "confidence": [0.7], "scorer": ["x/1"],
    }), {**schema.REPLIES, **schema.STANCE_COLUMNS})
    with pytest.raises(SchemaError) as info:
        schema.validate(rep, "scored replies")
    assert any("'label'" in p for p in info.value.problems)
    assert any("'weight'" in p for p in info.value.problems)


def test_unknown_table_name():
    with pytest.raises(ValueError):
        schema.validate(comments(), "nonsense")
