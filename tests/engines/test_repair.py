import polars as pl

from discourse import schema
from discourse.quality import QualityReport
from discourse.repair import repair


def frame(ids, parents, authors=None, texts=None):
    n = len(ids)
    return schema.conform(pl.DataFrame({
        "site": ["s"] * n, "thread_id": ["t"] * n, "comment_id": ids, "parent_id": parents,
        "author": authors or [f"u{i}" for i in range(n)], "text": texts or [f"text {i}" for i in range(n)],
        "position": list(range(n)),
        "parent_source": ["root" if p is None else "explicit" for p in parents],
        "parent_confidence": [1.0] * n,
    }, schema_overrides={"parent_id": pl.String, "author": pl.String, "text": pl.String}), schema.COMMENTS)


def parents_of(df):
    return dict(zip(df["comment_id"], df["parent_id"]))


def test_clean_tree_is_untouched_and_counts_balance():
    df = frame(["a", "b", "c"], [None, "a", "b"])
    out, q = repair(df)
    assert parents_of(out) == {"a": None, "b": "a", "c": "b"}
    t = q.threads[("s", "t")]
    assert (t.read, t.kept, dict(t.dropped), dict(t.repaired)) == (3, 3, {}, {})
    assert q.check_balanced() == []


def test_duplicate_keeps_the_copy_with_text_then_first():
    df = frame(["a", "b", "b", "b"], [None, "a", "a", "a"], texts=["x", None, "kept", "later"])
    out, q = repair(df)
    assert out.height == 2
    assert out.filter(pl.col("comment_id") == "b")["text"].item() == "kept"
    t = q.threads[("s", "t")]
    assert t.dropped["duplicate"] == 2 and t.read == 4 and t.kept == 2
    assert q.check_balanced() == []


def test_orphan_goes_to_root_with_zero_confidence():
    df = frame(["a", "b"], [None, "missing"])
    out, q = repair(df)
    row = out.filter(pl.col("comment_id") == "b").row(0, named=True)
    assert row["parent_id"] is None and row["parent_source"] == "repaired" and row["parent_confidence"] == 0.0
    assert q.threads[("s", "t")].repaired["orphan_reattached"] == 1


def test_two_cycles_are_each_cut_once_at_their_latest_comment():
    # a->b->c->a (positions 0,1,2) and d<->e, plus f hanging off the first cycle
    df = frame(["a", "b", "c", "d", "e", "f"], ["c", "a", "b", "e", "d", "b"])
    out, q = repair(df)
    p = parents_of(out)
    assert p["c"] is None and p["e"] is None  # latest member of each cycle
    assert p["a"] == "c" and p["b"] == "a" and p["d"] == "e" and p["f"] == "b"
    assert q.threads[("s", "t")].repaired["cycle_broken"] == 2


def test_self_parent_becomes_root_reply():
    df = frame(["a", "b"], [None, "a"]).with_columns(
        pl.when(pl.col("comment_id") == "b").then(pl.lit("b")).otherwise(pl.col("parent_id")).alias("parent_id"))
    out, q = repair(df)
    assert parents_of(out)["b"] is None
    assert q.threads[("s", "t")].repaired["self_parent"] == 1


def test_self_replies_flagged_not_dropped():
    df = frame(["a", "b", "c"], [None, "a", "b"], authors=["x", "x", None])
    out, q = repair(df)
    assert out["self_reply"].to_list() == [False, True, False]
    assert q.threads[("s", "t")].flagged["self_reply"] == 1


def test_input_is_not_mutated_and_existing_report_is_copied():
    df = frame(["a", "b", "b"], [None, "a", "a"])
    before = df.clone()
    q0 = QualityReport()
    q0.add_read("s", "t", 3)
    _, q1 = repair(df, None, q0)
    assert df.equals(before)
    assert q0.threads[("s", "t")].kept == 3 and q1.threads[("s", "t")].kept == 2


def test_missing_is_capped_by_what_the_site_reports():
    df = frame(["a", "b", "c"], [None, "a", "a"])
    q = QualityReport()
    q.add_read("s", "t", 3)
    q.thread("s", "t").missing = 10   # stubs on the page, since expanded by another file
    q.thread("s", "t").reported = 4   # the site says 4 comments exist
    _, out = repair(df, None, q)
    assert out.threads[("s", "t")].missing == 1
    q2 = QualityReport()
    q2.add_read("s", "t", 3)
    q2.thread("s", "t").missing = 5   # no reported total: the stub count stands
    _, out2 = repair(df, None, q2)
    assert out2.threads[("s", "t")].missing == 5
