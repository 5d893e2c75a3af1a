import polars as pl

from discourse import schema
from discourse.pairing import pair_replies


def test_pairs_with_parent_and_post():
    comments = schema.conform(pl.DataFrame({
        "site": ["s"] * 4, "thread_id": ["t"] * 4, "comment_id": ["a", "b", "c", "d"],
        "parent_id": [None, "a", "b", None], "author": ["op", "bob", "op", None],
        "text": ["first", "second", "third", "fourth"], "position": [0, 1, 2, 3],
        "parent_source": ["root", "explicit", "explicit", "root"], "parent_confidence": [1.0] * 4,
    }), schema.COMMENTS)
    threads = schema.conform(pl.DataFrame({"site": ["s"], "thread_id": ["t"], "title": ["Title"],
                                           "text": ["Body"], "author": ["op"]}), schema.THREADS)
    r = pair_replies(comments, threads)
    rows = {row["comment_id"]: row for row in r.iter_rows(named=True)}
    assert rows["a"]["to_root"] and rows["a"]["parent_author"] == "op" and rows["a"]["parent_text"] == "Title\n\nBody"
    assert rows["a"]["self_reply"]  # the post's author commenting on their own post
    assert rows["b"]["parent_author"] == "op" and rows["b"]["parent_text"] == "first" and not rows["b"]["self_reply"]
    assert rows["c"]["parent_author"] == "bob" and not rows["c"]["self_reply"]
    assert rows["d"]["author"] is None and not rows["d"]["self_reply"]
    assert r.height == 4 and list(r.columns)[: len(schema.REPLIES)] == list(schema.REPLIES)


def test_post_without_title_or_text_gives_null_parent_text():
    comments = schema.conform(pl.DataFrame({
        "site": ["s"], "thread_id": ["t"], "comment_id": ["a"], "parent_id": [None], "author": ["x"],
        "text": ["hi"], "position": [0], "parent_source": ["root"], "parent_confidence": [1.0],
    }, schema_overrides={"parent_id": pl.String}), schema.COMMENTS)
    r = pair_replies(comments, None)
    assert r["parent_text"].to_list() == [None] and r["parent_author"].to_list() == [None]
