"""compare(): the table's columns and values on hand-made threads with known differences."""

from pathlib import Path

import polars as pl
import pytest

import discourse
from discourse.comparison import HOSTILITY_FIGURES, compare, flatten_metrics

DATA = Path(__file__).parent.parent / "data" / "compare"


@pytest.fixture(scope="module")
def comparison():
    return compare([DATA / "calm.csv", DATA / "hostile.csv"], bootstrap=20, null_models=5, seed=1)


def test_one_row_per_thread_with_sizes_and_mix(comparison):
    t = comparison.table
    assert t.height == 2
    assert sorted(t["thread_id"]) == ["calm", "hostile"]
    for col in ("site", "thread_id", "n_comments", "n_authors", "n_edges", "share_agree", "share_neutral",
                "share_disagree", "share_hostile", "share_hostile_lo", "share_hostile_hi"):
        assert col in t.columns, col
    row = t.filter(pl.col("thread_id") == "calm").row(0, named=True)
    assert row["n_comments"] == 12 and row["n_authors"] == 5
    mix = sum(row[f"share_{s}"] for s in ("agree", "neutral", "disagree", "hostile"))
    assert mix == pytest.approx(1.0)


def test_calm_and_hostile_rank_the_right_way_on_every_hostility_figure(comparison):
    t = comparison.table
    calm = t.filter(pl.col("thread_id") == "calm").row(0, named=True)
    hostile = t.filter(pl.col("thread_id") == "hostile").row(0, named=True)
    checked = [f for f in HOSTILITY_FIGURES if f in t.columns and calm[f] is not None and hostile[f] is not None]
    assert len(checked) >= 3
    for f in checked:
        assert hostile[f] > calm[f], f
    assert calm["share_agree"] > hostile["share_agree"]
    assert calm["mean_weight"] > hostile["mean_weight"]


def test_intervals_bracket_the_raw_value(comparison):
    t = comparison.table
    for row in t.iter_rows(named=True):
        lo, hi, v = row["share_hostile_lo"], row["share_hostile_hi"], row["share_hostile"]
        assert lo <= v <= hi


def test_first_n_truncates_each_thread(tmp_path):
    c = compare([DATA / "calm.csv", DATA / "hostile.csv"], first_n=5, bootstrap=0, null_models=0)
    assert c.table["n_comments"].to_list() == [5, 5]


def test_bundles_compare_like_raw_inputs(tmp_path):
    b = discourse.build([DATA / "hostile.csv"], seed=1)
    b.write(tmp_path / "bundle")
    from_bundle = compare([tmp_path / "bundle"], bootstrap=0, null_models=0, seed=1)
    from_raw = compare([DATA / "hostile.csv"], bootstrap=0, null_models=0, seed=1)
    assert from_bundle.table.drop("title").equals(from_raw.table.drop("title"))


def test_outputs_written(comparison, tmp_path):
    paths = comparison.write(tmp_path)
    assert {p.name for p in paths} == {"comparison.parquet", "comparison.csv", "compare.html"}
    assert pl.read_parquet(tmp_path / "comparison.parquet").height == 2
    html = (tmp_path / "compare.html").read_text()
    assert "<script" in html and "cdn.plot.ly/plotly" not in html


def test_flatten_metrics_takes_each_figure_with_its_null_model():
    metrics = {"figures": {"rwc": {"value": None, "z": None, "null_mean": None, "null_sd": None, "interval": None,
                                   "replicates": 0, "reason": "fewer than 5 authors per camp"},
                           "modularity": {"value": 0.4, "z": 2.5, "null_mean": 0.1, "null_sd": 0.12,
                                          "interval": [0.0, 0.3], "replicates": 20, "reason": None}},
               "sizes": {"factions": 3}, "seed": 1, "timings_s": {"x": 1.0}}
    flat = flatten_metrics(metrics)
    assert flat["modularity"] == 0.4 and flat["modularity_z"] == 2.5
    assert (flat["modularity_null_lo"], flat["modularity_null_hi"]) == (0.0, 0.3)
    assert flat["rwc"] is None and flat["rwc_reason"] == "fewer than 5 authors per camp"
    assert flat["n_factions"] == 3 and "seed" not in flat and "x" not in flat


@pytest.mark.slow
def test_reddit_hn_disqus_and_the_seed_page_side_by_side(corpora, shared_dir, tmp_path):
    inputs = [corpora / "reddit" / "praw_3hahrw_funny_thread.json",
              corpora / "hackernews" / "hackernews_jobs_firebase_41129813_toplevel.json",
              corpora / "disqus" / "yesilmavihayat_disqus_export.xml",
              shared_dir / "seed" / "000_a9f39a774eb31046.txt"]
    c = compare(inputs, bootstrap=5, null_models=3, seed=0, min_comments=5)
    sites = set(c.table["site"])
    assert {"reddit", "hackernews", "disqus", "web"} <= sites
    assert c.table.filter(pl.col("site") == "reddit")["n_comments"].item() > 400
    c.write(tmp_path)
    assert (tmp_path / "compare.html").stat().st_size > 100_000  # plotly.js inline: works offline


def test_reply_trees_are_found_by_hand():
    from discourse.comparison import _tree_of

    rep = pl.DataFrame({"comment_id": ["a", "b", "c", "d", "e", "f"],
                        "parent_id": [None, "a", "b", None, "d", "zz"]})   # f's parent is not in the table
    assert _tree_of(rep).tolist() == [0, 0, 0, 1, 1, 2]


def test_bootstrap_intervals_hold_their_value_when_replies_come_in_exchanges(tmp_path):
    """30 exchanges (a post, its answer, often the answer back): resampling single replies thins the
    reciprocated ties and its percentile interval missed reciprocity; whole trees with BCa hold it."""
    import random

    rnd = random.Random(4)
    people = [f"p{i}" for i in range(12)]
    lines = ["id,parent,author,text"]
    answers = ["No it is not and you know it.", "Exactly, well said.", "What time is the vote?"]
    for t in range(30):
        a, b = rnd.sample(people, 2)
        lines += [f"t{t}a,,{a},I think the plan is good.", f't{t}b,t{t}a,{b},"{rnd.choice(answers)}"']
        if rnd.random() < 0.6:       # the answer back
            lines.append(f't{t}c,t{t}b,{a},"{rnd.choice(answers)}"')
    path = tmp_path / "exchanges.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    c = compare([path], bootstrap=60, null_models=0, scorer="fast", runs=1, id_col="id", parent_col="parent",
                author_col="author", text_col="text")
    row = c.table.row(0, named=True)
    assert row["reciprocity"] is not None and row["reciprocity_lo"] is not None
    assert row["reciprocity_lo"] <= row["reciprocity"] <= row["reciprocity_hi"]
    assert row["mean_weight_lo"] <= row["mean_weight"] <= row["mean_weight_hi"]
