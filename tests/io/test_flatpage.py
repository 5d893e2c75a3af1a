"""The flat-page reader: pages written by hand with known structure, and the seed page from ../shared."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from discourse import io, schema
from discourse.errors import InputError
from discourse.infer import infer_parents
from discourse.io.flatpage import PageLayout, name_score, parse_flatpage
from tests.io._flatten_tree import flatten_tree

DATA = Path(__file__).parent.parent / "data" / "flatpage"
SEED = "seed/000_a9f39a774eb31046.txt"


def _read(name: str, **layout: object) -> io.ReadResult:
    return io.read(DATA / name, options=io.ReadOptions(page_layout=dict(layout)))


def test_blank_line_layout_authors_anonymous_image_only_and_paragraphs() -> None:
    res = _read("blank_layout.txt")
    c = res.comments
    schema.validate(c, "comments")
    assert c["author"].to_list() == [None, "Maria Lopez", "Tom Becker", "Ann-Marie O'Neil", "Maria Lopez",
                                     None, None, "Tom Becker"]
    assert c["text"].to_list() == [
        "First!",
        "Finally some good news for cyclists.\nI ride Main Street every day.",
        "Maria Lopez the traffic will be a nightmare.\n\nParking is already impossible.",
        "",
        "“the traffic will be a nightmare” is what they said about the last lanes too.",
        "Who pays for this?",
        "Nobody asked the shop owners.",
        "Four months of construction is too long.",
    ]
    assert c["position"].to_list() == list(range(8))
    assert c["comment_id"].n_unique() == 8
    assert set(c["parent_source"]) == {"none"} and c["parent_id"].null_count() == 8
    assert c["thread_id"].unique().to_list() == ["blank_layout"] and c["site"].unique().to_list() == ["web"]
    assert c["layout_confidence"].is_between(0, 1).all()
    # the image-only comment and its layout doubt (a name line with nothing after it) show in its confidence
    assert c["layout_confidence"][3] < c["layout_confidence"][1]
    t = res.threads.row(0, named=True)
    assert t["title"] == "Town Council Approves New Bike Lanes"
    assert t["text"] == ("The council voted seven to two on Tuesday to add protected bike lanes on Main Street.\n\n"
                         "Construction starts in the spring and should take four months.")


def test_quality_accounts_for_every_comment_and_notes_the_layout() -> None:
    res = _read("blank_layout.txt")
    tq = res.quality.thread("web", "blank_layout")
    assert (tq.read, tq.kept, sum(tq.dropped.values())) == (8, 8, 0)
    assert not res.quality.check_balanced()
    note = res.quality.files[0].notes[0]
    assert "8 comments" in note and "3 anonymous" in note and "1 image-only" in note and "layout confidence" in note


def test_wordpress_layout_marker_says_timestamps_and_reply_links() -> None:
    res = _read("wordpress.txt")
    c = res.comments
    assert c["author"].to_list() == ["Jane Smith", "Peter van der Berg", "Li Wei", "Jane Smith"]
    assert c["text"].to_list() == [
        "I always freeze half the loaf.",
        "Jane Smith, freezing works but toast it straight from the freezer.",
        "Is sourdough any different?",
        "Li Wei, sourdough keeps longer because of the acidity.",
    ]
    assert c["created_at"].to_list() == [
        datetime(2021, 3, 3, 9, 15, tzinfo=UTC), datetime(2021, 3, 3, 11, 2, tzinfo=UTC),
        datetime(2021, 3, 4, 20, 40, tzinfo=UTC), datetime(2021, 3, 5, 7, 5, tzinfo=UTC)]
    assert res.threads["reported_comments"].to_list() == [4]
    assert res.threads["text"][0].endswith("Keeping bread in the fridge makes it worse.")
    assert "9 marker/timestamp line(s) ignored" in res.quality.files[0].notes[0]


def test_compact_layout_with_usernames_and_no_blank_after_name() -> None:
    res = _read("compact.txt", blank_after_name=False, name_pattern=r"@?[A-Za-z0-9_]{2,30}")
    c = res.comments
    assert c["author"].to_list() == ["alice_99", "bob", "carol7", "author_dev"]
    assert c["text"][1] == "@alice_99 it probably keeps a stack of edits.\nThat is the usual trick."
    # the page's own layout shows the same without the rules: four user names, each opening a block
    default = _read("compact.txt")
    assert default.comments["author"].to_list() == ["alice_99", "bob", "carol7", "author_dev"]
    assert default.comments["text"].to_list() == c["text"].to_list()
    assert "text on the line after the name" in default.quality.files[0].notes[1]
    # a rule given explicitly is kept: with a blank line required after names, no block is a name line
    kept = _read("compact.txt", blank_after_name=True).comments
    assert kept["author"].null_count() == kept.height


def test_inferred_parents_on_hand_written_pages() -> None:
    res = _read("blank_layout.txt")
    c = infer_parents(res.comments, threads=res.threads)
    parent = dict(zip(c["comment_id"], c["parent_id"]))
    source = dict(zip(c["comment_id"], c["parent_source"]))
    assert (parent["c2"], source["c2"]) == ("c1", "mention")     # "Maria Lopez the traffic ..."
    assert (parent["c4"], source["c4"]) == ("c2", "quote")       # quotes Tom Becker's words
    assert (parent["c0"], source["c0"]) == (None, "root")
    wp = _read("wordpress.txt")
    c = infer_parents(wp.comments, threads=wp.threads)
    assert dict(zip(c["comment_id"], c["parent_id"]))["c1"] == "c0"
    assert dict(zip(c["comment_id"], c["parent_id"]))["c3"] == "c2"


def test_options_override_thread_id_and_site() -> None:
    res = io.read(DATA / "blank_layout.txt", options=io.ReadOptions(thread_id="t1", site="news"))
    assert res.comments["thread_id"].unique().to_list() == ["t1"]
    assert res.comments["site"].unique().to_list() == ["news"]
    assert res.threads.select("site", "thread_id").row(0) == ("news", "t1")


def test_unknown_layout_option_and_bad_regex_are_named() -> None:
    with pytest.raises(InputError, match=r"unknown page_layout option.*blank_after_names"):
        _read("blank_layout.txt", blank_after_names=True)
    with pytest.raises(InputError, match="regex"):
        _read("blank_layout.txt", name_pattern="(")


def test_sniff_takes_prose_but_not_csv_or_json(tmp_path: Path) -> None:
    assert io.detect_format(DATA / "blank_layout.txt").name == "flatpage"
    csvish = tmp_path / "table.txt"
    csvish.write_text("id,author,text\n1,a,hello there\n2,b,general kenobi\n3,c,yes\n", encoding="utf-8")
    jsonish = tmp_path / "data.txt"
    jsonish.write_text(json.dumps([{"a": 1}, {"b": 2}], indent=1), encoding="utf-8")
    for path in (csvish, jsonish):
        try:
            fmt = io.detect_format(path).name
        except InputError:
            fmt = None
        assert fmt != "flatpage"


def test_name_score_rules() -> None:
    layout = PageLayout()
    assert name_score("Brian Michael Bo Pedersen", layout) > 0.5
    assert name_score("Pave Way IV", layout) > 0.5
    assert name_score("Saigon moment coming soon.", layout) == 0
    assert name_score("Jens Holm we do not understand each other.", layout) == 0
    assert name_score("this is lower case", layout) == 0
    assert name_score("One Two Three Four Five Six", layout) == 0          # too many words
    assert name_score("Visit https://example.com", layout) == 0
    assert name_score("bob_42", PageLayout(name_pattern=r"[a-z0-9_]+")) > 0.5


def test_page_without_comment_section_has_no_comments() -> None:
    res = parse_flatpage("Just a title\n\nAnd one paragraph of article.\n")
    assert res.comments.height == 0
    assert res.threads["title"].to_list() == ["Just a title"]
    assert not res.quality.check_balanced()


@pytest.mark.shared
def test_seed_page(shared_dir: Path) -> None:
    res = io.read(shared_dir / SEED)
    c = res.comments
    # counted by reading the page: 22 comments under a name line, 10 without one
    assert c.height == 32
    assert c["author"].null_count() == 10
    assert set(c["author"].drop_nulls()) == {
        "Peter Jennings", "Jens Holm", "Hasbara Hunter", "Tommy Jensen", "Mehmet Aslanak", "Jim Bim",
        "Azriel Herskowitz", "Brian Michael Bo Pedersen", "Pave Way IV", "Concrete Mike"}
    assert c.filter(pl.col("author") == "Jens Holm").height == 9     # grep -c "^Jens Holm$"
    assert c.filter(pl.col("text") == "")["author"].to_list() == ["Hasbara Hunter"]
    assert res.threads["title"][0].startswith("Defense Secretary Claims US Occupation Force")
    assert c["text"][0] == "Saigon moment coming soon."
    long = c.filter(pl.col("text").str.starts_with("No West didnt do"))
    raw = (shared_dir / SEED).read_text(encoding="utf-8").splitlines()[90:129]   # lines 91-129 of the page
    assert long.height == 1 and long["text"][0] == "\n\n".join(line for line in raw if line.strip())

    out = infer_parents(c, threads=res.threads)
    schema.validate(out, "comments")
    by_text = {t[:30]: (p, a) for t, p, a in out.select("text", "parent_id", "author").iter_rows()}
    author = dict(zip(out["comment_id"], out["author"]))
    text = dict(zip(out["comment_id"], out["text"]))

    def parent_of(prefix: str) -> str | None:
        return next(p for t, (p, _a) in by_text.items() if t.startswith(prefix))

    assert author[parent_of("Jens Holm we do not understand")] == "Jens Holm"
    assert text[parent_of("“…The US forces where arrogant")].startswith("When i was deployed to Iraq")
    assert text[parent_of("Well West did try to put")].startswith("Write a science fiction")
    assert text[parent_of("ISIS is the Western subcontrac")].startswith("Its very easy.")
    assert text[parent_of("The american forces are educat")].startswith("When i was deployed to Iraq")
    assert author[parent_of("Or Iraq can send you home")] == "Tommy Jensen"
    assert parent_of("Saigon moment coming soon.") is None


def test_disqus_copy_layout_bullets_vote_counts_and_guest_names() -> None:
    res = _read("disqus_copy.txt")
    c = res.comments
    assert c["author"].to_list() == ["Rosa Diaz", "Karl Meyer", None]          # "Guest" is anonymous
    assert c["text"].to_list() == [
        "This is a terrible decision. Libraries are the only free indoor space left.",
        "@Rosa Diaz they could open the schools after hours instead.",          # the vote count "2" is UI
        "Cut the mayor's car budget first.",
    ]
    assert res.threads["reported_comments"].to_list() == [12]
    # Avatar x3, "• 2 years ago" x3, "Reply • Share ›" x3, "2", "see more"
    assert "11 marker/timestamp line(s) ignored" in res.quality.files[0].notes[0]
    out = infer_parents(c, threads=res.threads)
    assert (out["parent_id"][1], out["parent_source"][1]) == ("c0", "mention")


def test_page_line_points_at_each_comment_start() -> None:
    c = _read("blank_layout.txt").comments
    lines = (DATA / "blank_layout.txt").read_text(encoding="utf-8").splitlines()
    firsts = [lines[n - 1] for n in c["page_line"].to_list()]
    assert firsts == ["First!", "Maria Lopez", "Tom Becker", "Ann-Marie O'Neil", "Maria Lopez",
                      "Who pays for this?", "Nobody asked the shop owners.", "Tom Becker"]


def test_layout_overrides_from_cli_strings() -> None:
    from discourse.io.flatpage import parse_layout_overrides

    got = parse_layout_overrides(["blank_after_name=false", "name-pattern=@?[A-Za-z0-9_]{2,30}", "image_gap=4",
                                  "name_min_score=0.7", "ignore_lines=Reply", "ignore_lines=Like",
                                  "comments_start_line=5"])
    assert got == {"blank_after_name": False, "name_pattern": "@?[A-Za-z0-9_]{2,30}", "image_gap": 4,
                   "name_min_score": 0.7, "ignore_lines": ("Reply", "Like"), "comments_start_line": 5}
    res = _read("compact.txt", **{k: v for k, v in got.items() if k in ("blank_after_name", "name_pattern")})
    assert res.comments["author"].to_list() == ["alice_99", "bob", "carol7", "author_dev"]
    with pytest.raises(InputError, match="KEY=VALUE"):
        parse_layout_overrides(["nonsense=1"])
    with pytest.raises(InputError, match="not a valid value for image_gap"):
        parse_layout_overrides(["image_gap=many"])
    with pytest.raises(InputError, match="blank_after_name"):
        parse_layout_overrides(["blank_after_name=perhaps"])


def test_inline_name_layout() -> None:
    res = _read("inline_names.txt", inline_name=r"(?P<author>[A-Z][\w .-]{0,30}):(?:\s+(?P<text>.*))?$")
    c = res.comments
    assert c["author"].to_list() == ["Hana", "Olu", "Hana", None, "Pete"]
    assert c["text"].to_list() == [
        "The part about Venice surprised me.\nI had no idea it printed so many books.",
        "Hana: Venice had the paper mills and the money.",
        "Fair point, and the trade routes.",
        "where can I buy the book?",
        "",                                   # a name with nothing after it
    ]
    out = infer_parents(c, threads=res.threads)
    assert (out["parent_id"][1], out["parent_source"][1]) == ("c0", "mention")


_FIRST = ["Anna", "Bert", "Carla", "Dmitri", "Eve", "Farah", "Gus", "Hiro"]
_LAST = ["Berg", "Costa", "Okafor", "Nguyen", "Larsen", "Ito"]


@st.composite
def pages(draw: st.DrawFn) -> tuple[str, list[tuple[str | None, str]]]:
    """A blank-line page (the seed's conventions) and the comments it holds: (author or None, text)."""
    comments: list[tuple[str | None, str]] = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["named", "named", "anonymous", "image"]))
        author = None if kind == "anonymous" else f"{draw(st.sampled_from(_FIRST))} {draw(st.sampled_from(_LAST))}"
        paragraphs = []
        for _p in range(0 if kind == "image" else draw(st.integers(1, 3))):
            lines = [" ".join(draw(st.lists(st.sampled_from(["this", "is", "fine", "no", "tax", "road", "why"]),
                                            min_size=2, max_size=8))).capitalize() + draw(st.sampled_from([".", "!", "?"]))
                     for _l in range(draw(st.integers(1, 2)))]
            paragraphs.append("\n".join(lines))
        comments.append((author, "\n\n".join(paragraphs)))
    flat = [{"id": k, "parent": None, "author": author, "text": text} for k, (author, text) in enumerate(comments)]
    return flatten_tree(flat), comments


@settings(max_examples=60, deadline=None)
@given(pages())
def test_generated_pages_parse_back_exactly(page: tuple[str, list[tuple[str | None, str]]]) -> None:
    text, expected = page
    res = parse_flatpage(text, thread_id="gen")
    got = list(zip(res.comments["author"].to_list(), res.comments["text"].to_list()))
    assert got == expected
    assert res.threads["title"].to_list() == ["Title Of The Story"]
    assert not res.quality.check_balanced() and res.quality.thread("web", "gen").kept == len(expected)


# -- name lines of any case and the page's own layout (issue 18) -------------------------------------
def test_user_names_of_any_case_score_as_names() -> None:
    layout = PageLayout()
    for handle in ("alice_99", "li.wei", "x1y2z3", "m.k.larsen", "user2023"):
        assert name_score(handle, layout) >= layout.name_min_score, handle
    # a plain lower-case word may be a name, but only with the page's support (repetition, layout)
    assert 0 < name_score("bob", layout) < layout.name_min_score
    for text in ("e.g.", "nobody goes on sundays anyway", "3", "50%", "see http://x.example"):
        assert name_score(text, layout) == 0, text


def test_hacker_news_header_lines_give_names_and_times() -> None:
    res = _read("hn_headers.txt")
    c = res.comments
    assert c["author"].to_list() == ["tptacek", "jdoe_42", "m.k.larsen", "tptacek", "Anna_B", "x1y2z3"]
    assert c["text"][4] == "Bullet journal here, with an index page at the front.\nIt takes five minutes a week."
    assert c["created_at"].to_list()[-1] == datetime(2021, 3, 3, tzinfo=UTC)    # "on March 3, 2021"
    assert c["created_at"].null_count() == 5                                     # "3 hours ago": no date
    notes = res.quality.files[0].notes
    assert "6 marker/timestamp line(s) ignored" in notes[0]                      # the six "reply" links
    assert "6 header line(s)" in notes[1] and "confidence 1.00" in notes[1]


def test_header_lines_with_the_text_on_the_next_line(tmp_path: Path) -> None:
    text = (DATA / "hn_headers.txt").read_text(encoding="utf-8")
    compact = re.sub(r"(\[–\]\n)\n", r"\1", text)          # no blank line between header and text
    page = tmp_path / "compact_hn.txt"
    page.write_text(compact, encoding="utf-8")
    res = io.read(page)
    assert res.comments["author"].to_list() == ["tptacek", "jdoe_42", "m.k.larsen", "tptacek", "Anna_B", "x1y2z3"]
    assert res.comments["text"][0] == "Yes. Paper is the only notebook that never asks me to update."
    assert "text on the line after the name" in res.quality.files[0].notes[1]


def test_lower_case_names_vote_counts_and_repeated_markers_found_by_repetition() -> None:
    res = _read("usernames.txt")
    c = res.comments
    assert c["author"].to_list() == ["karin_h", "bob", "li.wei", "bob", "Mehmet Aslan", None, "user2023"]
    assert c["text"].to_list() == [
        "This strands everyone who works weekdays.",
        "nobody goes on sundays anyway",
        "I went last Sunday and it was full.",
        "full of people using the free wifi, sure",
        "Free wifi is a public service too.",
        "I'm anonymous and I agree with Mehmet.",
        "Petition is at the front desk.",
    ]
    notes = res.quality.files[0].notes
    assert "(4 vote count(s))" in notes[0]
    assert "'Svar' x7" in notes[1] and "user name(s) of any case" in notes[1]
    tq = res.quality.thread("web", "usernames")
    assert tq.read == tq.kept == 7


def test_detection_can_be_turned_off() -> None:
    res = _read("usernames.txt", detect=False)
    # the rules alone: "Svar" is not a known marker, and "bob" needs the page's support to be a name
    assert "bob" not in res.comments["author"].drop_nulls().to_list()
    assert len(res.quality.files[0].notes) == 1


def test_three_identical_short_comments_are_not_taken_for_markers() -> None:
    page = "Title\n\nBody.\n\n\n" + "".join("Anna Berg\n\nThis this\n\n" for _ in range(3))
    res = parse_flatpage(page, thread_id="t")
    assert res.comments["text"].to_list() == ["This this"] * 3


def test_dates_of_unknown_form_and_markers_in_another_language_found_by_repetition() -> None:
    res = _read("german_forum.txt")
    c = res.comments
    assert c["author"].to_list() == ["Petra Schulz", "klaus_m", "Petra Schulz", "Jörg Weiß"]
    assert c["text"][0] == "Unglaublich. Wo sollen die Kinder schwimmen lernen?"
    assert c["created_at"].to_list() == [datetime(2024, 5, 3, 9, 15, tzinfo=UTC), datetime(2024, 5, 3, 10, 2, tzinfo=UTC),
                                         datetime(2024, 5, 3, 10, 40, tzinfo=UTC), datetime(2024, 5, 4, 18, 22, tzinfo=UTC)]
    notes = res.quality.files[0].notes
    assert "marker 'Kommentare'" in notes[0] and "8 marker/timestamp line(s) ignored" in notes[0]
    assert "4 date line(s) found by their repeated shape" in notes[1] and "'Antworten' x4" in notes[1]


def test_new_reddit_copy_depth_lines_give_the_nesting() -> None:
    res = _read("reddit_copy.txt")
    c = res.comments
    assert c["author"].to_list() == ["speedy_gonzales", "mayor_fan", "speedy_gonzales", "Anna.K", None, "x1y2z3",
                                     "old.timer_42"]
    assert c["parent_id"].to_list() == [None, "c0", "c1", "c0", None, "c4", None]
    assert set(c["parent_source"]) == {"nesting"}
    # "level 2", "·", "4 hr. ago", "OP", the vote count and the action row are not text; "[deleted]" is no name
    assert c["text"][1] == "Shops did fine when Oslo closed its centre. Footfall went up."
    assert c["text"][4] == "this is a waste of money"
    assert res.threads["reported_comments"][0] == 12
    notes = res.quality.files[0].notes
    assert notes[-1] == "nesting from 7 depth line(s) ('level N'): 7 of 7 comments placed"
    assert "7 vote count(s)" in notes[0]


def test_depth_lines_that_skip_a_level_or_are_missing_leave_those_parents_to_inference() -> None:
    page = ("Title\n\nBody.\n\n\nlevel 1\nanna_b\n\nFirst.\n\nlevel 3\nbob_7\n\nSecond.\n\nlevel 4\ndan_4\n\nFourth."
            "\n\nerin_5\n\nNo depth line.\n\nlevel 2\ncarl.k\n\nThird.\n")
    res = parse_flatpage(page, thread_id="t")
    c = res.comments
    assert c["author"].to_list() == ["anna_b", "bob_7", "dan_4", "erin_5", "carl.k"]
    # level 3 after level 1: its parent is not on the page; the level 4 under it still is; the comment
    # without a depth line is left to inference and does not move the others
    assert c["parent_source"].to_list() == ["nesting", "none", "nesting", "none", "nesting"]
    assert c["parent_id"].to_list() == [None, None, "c1", None, "c0"]
    assert "3 of 5 comments placed, 2 left to inference" in res.quality.files[0].notes[-1]


def test_hacker_news_copy_menu_bars_and_header_links() -> None:
    res = _read("hn_copy.txt")
    c = res.comments
    assert c["author"].to_list() == ["tptacek", "jdoe_42", "someuser", "Patio11", "karl.m", "dang"]
    # the menu bar is not the title; the footer's links and search box are not a comment
    assert res.threads["title"][0] == "Show HN: A tiny text editor in 500 lines of C (github.com)"
    assert c["text"][-1] == "Please keep it civil and avoid flamebait."
    # no "parent" link: a reply to the post; "parent" without "root": the latest top-level comment's reply;
    # "root": deeper, left to inference
    assert c["parent_id"].to_list() == [None, "c0", None, None, "c3", None]
    assert c["parent_source"].to_list() == ["nesting", "nesting", "none", "nesting", "nesting", "nesting"]
    assert "3 top-level comment(s), 2 direct repl(y/ies) to them; 1 deeper" in res.quality.files[0].notes[-1]
    tq = res.quality.thread("web", "hn_copy")
    assert tq.read == tq.kept == 6


def test_a_lone_dash_between_paragraphs_stays_inside_the_comment() -> None:
    page = "Title\n\nBody.\n\n\nanna_b\n\nFirst part.\n\n—\n\nSecond part.\n\nbob_7\n\nA reply.\n\ncarl.k\n\nAnother.\n"
    res = parse_flatpage(page, thread_id="t")
    assert res.comments["author"].to_list() == ["anna_b", "bob_7", "carl.k"]
    assert res.comments["text"][0] == "First part.\n\n—\n\nSecond part."


def test_a_copy_of_todays_reddit_without_depth_lines() -> None:
    page = (
        "Close Main Street?\n\nThe council votes next week.\n\n\n4 comments\n\n"
        + "".join(f"{name}\n{badge}•\n{n}h ago\n\n{text}\n\n{n * 3}\nReply\nAward\nShare\n\n"
                  for name, badge, n, text in [("speedy_gonzales", "", 5, "No. Shops will die."),
                                               ("mayor_fan", "OP\n", 4, "Shops did fine in Oslo."),
                                               ("Anna.K", "", 3, "Yes please.")]))
    res = parse_flatpage(page, thread_id="t")
    assert res.comments["author"].to_list() == ["speedy_gonzales", "mayor_fan", "Anna.K"]
    assert res.comments["text"].to_list() == ["No. Shops will die.", "Shops did fine in Oslo.", "Yes please."]
    assert set(res.comments["parent_source"]) == {"none"}          # no depth shown: left to inference
