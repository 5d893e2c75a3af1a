"""Saved web pages (discourse/io/webpage.py): the reply trees the HTML holds, read back exactly."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from discourse import io
from discourse.errors import DiscourseError, ParseError
from discourse.infer import infer_parents
from discourse.io.webpage import parse_webpage, read_webpage

DATA = Path(__file__).resolve().parent.parent / "data" / "webpage"


def tree(path: Path) -> dict[str, tuple[str | None, str | None]]:
    """comment id -> (parent id, author)."""
    c = read_webpage(path).comments
    return {r["comment_id"]: (r["parent_id"], r["author"]) for r in c.iter_rows(named=True)}


def test_wordpress_three_levels_of_nesting_pingback_and_moderation() -> None:
    res = read_webpage(DATA / "wordpress.html")
    assert tree(DATA / "wordpress.html") == {
        "101": (None, "Jane Smith"),
        "102": ("101", "Peter van der Berg"),
        "104": ("102", "Jane Smith"),
        "105": ("104", None),                      # "Anonymous" is no name
        "103": ("101", "li.wei_88"),
        "107": (None, "Ørjan Næss"),
    }
    c = {r["comment_id"]: r for r in res.comments.iter_rows(named=True)}
    assert c["101"]["text"] == "I always freeze half the loaf.\n\nIt keeps for weeks & toasts fine."
    # the quoted paragraph is marked as a quote, the reply's own words stay
    assert c["102"]["text"].splitlines()[0] == "Freezing works, but toast it straight from the freezer."
    assert "> I always freeze half the loaf." in c["102"]["text"]
    assert "alert" not in c["107"]["text"] and c["107"]["text"].startswith("What about rye?")
    assert str(c["107"]["created_at"]) == "2021-03-05 09:00:00+00:00"        # +01:00 honoured
    assert set(res.comments["parent_source"]) == {"nesting"}
    assert res.comments["position"].to_list() == list(range(6))
    t = res.threads.row(0, named=True)
    assert (t["site"], t["thread_id"], t["title"], t["author"]) == ("wordpress", "5521", "Why Bread Goes Stale", "Ed Baker")
    q = res.quality.thread("wordpress", "5521")
    assert (q.read, q.kept, dict(q.dropped), dict(q.flagged)) == (7, 6, {"pingback": 1}, {"awaiting_moderation": 1})
    assert q.reported == 6


OLD_THEME = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><title>Old post</title></head><body class="single postid-77">
<ol class="commentlist">
 <li class="comment even thread-even depth-1" id="li-comment-9">
  <div id="comment-9">
   <div class="comment-author vcard"><img class="avatar" src="a.png" /><cite class="fn">bob</cite> <span class="says">says:</span></div>
   <div class="comment-meta commentmetadata"><a href="#comment-9">June 1, 2010 at 3:04 pm</a></div>
   <p>First!</p><p>Second paragraph.</p>
   <div class="reply"><a class="comment-reply-link" href="#">Reply</a></div>
  </div>
  <ul class="children">
   <li class="comment odd alt depth-2" id="li-comment-10"><div id="comment-10">
    <div class="comment-author vcard"><cite class="fn"><a href="http://x.example" class="url">Carol_1</a></cite> says:</div>
    <div class="comment-meta commentmetadata"><a href="#comment-10">June 1, 2010 at 4:00 pm</a></div>
    <p>Not first.</p>
   </div></li>
  </ul>
 </li>
 <li class="trackback odd depth-1" id="li-comment-11"><div id="comment-11">Trackback from elsewhere</div></li>
</ol></body></html>
"""


def test_an_old_wordpress_theme_commentlist_cite_and_written_dates() -> None:
    res = parse_webpage(OLD_THEME, path="old.html")
    rows = res.comments.to_dicts()
    assert [(r["comment_id"], r["parent_id"], r["author"]) for r in rows] == [("9", None, "bob"), ("10", "9", "Carol_1")]
    assert rows[0]["text"] == "First!\n\nSecond paragraph."
    assert str(rows[0]["created_at"]) == "2010-06-01 15:04:00+00:00"
    assert res.threads["thread_id"][0] == "77"
    assert dict(res.quality.thread("wordpress", "77").dropped) == {"trackback": 1}


def test_disqus_saved_embed_nesting_guests_and_deleted_placeholders() -> None:
    res = read_webpage(DATA / "disqus.html")
    assert tree(DATA / "disqus.html") == {
        "5012345671": (None, "Karin H"),
        "5012345688": ("5012345671", "Guest_2291"),
        "5012345702": ("5012345688", "Karin H"),
        "5012345710": ("5012345671", None),          # deleted: kept, its reply still hangs under it
        "5012345733": ("5012345710", "M. Okafor"),
        "5012345750": (None, "tom_w"),
    }
    c = {r["comment_id"]: r for r in res.comments.iter_rows(named=True)}
    assert c["5012345710"]["text"] is None
    assert c["5012345750"]["text"] == "Agree with Karin & the nurses. Letters page (https://harbourgazette.example/letters) has more."
    assert str(c["5012345688"]["created_at"]) == "2024-05-06 09:40:00+00:00"
    t = res.threads.row(0, named=True)
    assert (t["site"], t["thread_id"], t["url"]) == ("disqus", "article-8841", "https://harbourgazette.example/news/ferry")
    q = res.quality.thread("disqus", "article-8841")
    assert q.read == q.kept == 6 and dict(q.repaired) == {"author_deleted": 1, "text_deleted": 1}


def test_discourse_saved_topic_reply_markers_and_the_topic_post() -> None:
    res = read_webpage(DATA / "discourse.html")
    rows = {r["comment_id"]: r for r in res.comments.iter_rows(named=True)}
    assert list(rows) == ["2", "3", "4", "5", "6"]                    # post 1 is the topic
    # marker naming post 1 (the topic): a reply to the post; marker naming only k.osei: their latest post
    assert (rows["3"]["parent_id"], rows["3"]["parent_source"], rows["3"]["parent_confidence"]) == (None, "explicit", 1.0)
    assert (rows["4"]["parent_id"], rows["4"]["parent_source"], rows["4"]["parent_confidence"]) == ("3", "explicit", 0.9)
    # no marker: the post right above or the topic; left to the infer stage
    assert rows["2"]["parent_source"] == rows["5"]["parent_source"] == "none"
    assert [rows[k]["author"] for k in rows] == ["Dave_R", "k.osei", "Dave_R", "k.osei", None]
    assert rows["3"]["text"] == "> I propose opening Sundays 12–5.\n\nWho pays the overtime? The budget is already cut."
    t = res.threads.row(0, named=True)
    assert (t["site"], t["thread_id"], t["author"]) == ("discourse", "812", "ines.m")
    assert t["text"].startswith("The branch library closes")
    assert str(rows["2"]["created_at"]) == "2024-04-02 19:15:00+00:00"


def test_discourse_page_builds_with_inferred_parents_for_unmarked_posts() -> None:
    from discourse.engines import repair_and_infer
    from discourse.options import InferOptions

    res = read_webpage(DATA / "discourse.html")
    comments, _ = repair_and_infer(res.comments, res.threads, res.quality, InferOptions())
    assert (comments["parent_source"] != "none").all()
    by_id = dict(zip(comments["comment_id"], comments["parent_id"]))
    assert by_id["4"] == "3"                                            # explicit parents are kept


def test_generic_forum_repeated_blocks_nest_by_containment() -> None:
    res = read_webpage(DATA / "forum.html")
    assert tree(DATA / "forum.html") == {
        "30001": (None, "sam_k"),
        "30002": ("30001", "Rosa.Diaz"),
        "30004": ("30002", "GRUMPY99"),
        "30003": ("30001", "sam_k"),
        "30005": (None, "p.nowak"),
    }
    texts = res.comments["text"].to_list()
    assert texts[0] == "The council wants to take the parking on Elm for a bike lane. Thoughts?"   # nested replies not in it
    conf = res.comments["layout_confidence"].unique().to_list()
    assert len(conf) == 1 and 0.5 < conf[0] <= 1.0
    assert any("generic layout" in n and "confidence" in n for n in res.quality.files[0].notes)


def test_generic_layout_confidence_falls_with_fewer_cues() -> None:
    named = "".join(f'<div class="box"><span class="user">u{i}</span><div class="txt">Some remark number {i} about the plan.</div></div>'
                    for i in range(3))
    res = parse_webpage(f"<html><body>{named}</body></html>", path="p.html")
    confident = read_webpage(DATA / "forum.html").comments["layout_confidence"][0]
    assert res.comments["author"].to_list() == ["u0", "u1", "u2"]
    assert 0.3 <= res.comments["layout_confidence"][0] < confident
    # no names, no comment-like class: too weak a structure, so the page is read as flat text
    bare = "".join(f'<div class="box"><div class="txt">Some remark number {i} about the plan.</div></div>' for i in range(3))
    weak = parse_webpage(f"<html><body>{bare}</body></html>", path="q.html")
    notes = weak.quality.files[0].notes
    assert "no comment structure" in notes[0] and any("confidence 0.2" in n for n in notes)


def test_a_page_without_comment_structure_is_read_as_flat_text() -> None:
    res = read_webpage(DATA / "no_comments.html")
    assert res.comments["author"].to_list() == ["Karin H", "Tom Walker"]
    assert res.comments["text"].to_list() == ["This strands everyone who works late.", "Agreed, it is a disgrace."]
    assert (res.comments["parent_source"] == "none").all()
    assert "no comment structure" in res.quality.files[0].notes[0]


@pytest.mark.parametrize("name", ["wordpress", "disqus", "discourse", "forum", "no_comments"])
def test_detected_as_webpage_and_counted(name: str) -> None:
    path = DATA / f"{name}.html"
    assert io.detect_format(path).name == "webpage"
    res = io.read_file(path)
    for tq in res.quality.threads.values():
        assert tq.read == tq.kept + sum(tq.dropped.values())


def test_flat_text_and_hacker_news_pages_are_not_claimed(tmp_path: Path) -> None:
    flat = tmp_path / "page.txt"
    flat.write_text("Title\n\nArticle text here.\n\n\nJane Smith\n\nA comment <b>with</b> a tag.\n")
    assert io.detect_format(flat).name == "flatpage"
    assert io.detect_format(Path(__file__).parent.parent / "data" / "hn" / "item_page.html").name == "hackernews"


def test_a_cut_page_is_an_error_naming_the_file_or_read_as_far_as_it_goes(tmp_path: Path) -> None:
    data = (DATA / "wordpress.html").read_text()
    cut = tmp_path / "cut.html"
    cut.write_text(data[: data.index('<li id="comment-103"')])
    with pytest.raises(ParseError) as err:
        read_webpage(cut)
    assert "cut.html" in str(err.value) and "\n" not in str(err.value)
    res = io.read_file(cut, "webpage", io.ReadOptions(on_error="skip"))
    assert res.comments["comment_id"].to_list() == ["101", "102", "104", "105"]
    assert any("cut short" in n for n in res.quality.files[0].notes)


def test_hostile_markup_reads_or_fails_in_one_line(tmp_path: Path) -> None:
    page = ('<html><body><ol class="comment-list"><li id="comment-1" class="comment"><div class="comment-author">'
            '<b class="fn">x<![foo[ y</b></div><div class="comment-content"><p>hi <![ z</p></div></li>'
            + '<div>' * 3000 + '</ol></body></html>')
    p = tmp_path / "hostile.html"
    p.write_text(page)
    try:
        res = read_webpage(p)
    except DiscourseError as err:
        assert "\n" not in str(err)
    else:
        assert res.comments["comment_id"].to_list() == ["1"]


CRAWLER = """<!DOCTYPE html><html><head><title>Ferry times - Harbour Forum</title></head><body>
<div id="main-outlet" class="wrap" role="main">
<div id="topic-title"><h1><a href="/t/ferry-times/77">Ferry times</a></h1></div>
<div id="post_1" itemscope itemtype="http://schema.org/DiscussionForumPosting" class="topic-body crawler-post">
 <div class="crawler-post-meta"><span class="creator" itemprop="author" itemscope itemtype="http://schema.org/Person">
  <a itemprop="url" href="/u/harbour_admin"><span itemprop="name">harbour_admin</span></a></span>
  <span class="crawler-post-infos"><time itemprop="datePublished" datetime="2024-05-01T08:00:00Z" class="post-time">May 1, 2024</time>
  <meta itemprop="position" content="1"></span></div>
 <div class="post" itemprop="text"><p>The summer timetable starts on Monday.</p></div>
</div>
<div id="post_2" itemprop="comment" itemscope itemtype="http://schema.org/Comment" class="topic-body crawler-post">
 <div class="crawler-post-meta"><span class="creator" itemprop="author" itemscope itemtype="http://schema.org/Person">
  <a itemprop="url" href="/u/sea.legs"><span itemprop="name">sea.legs</span></a></span>
  <span class="crawler-post-infos"><time itemprop="datePublished" datetime="2024-05-01T09:30:00Z" class="post-time">May 1, 2024</time>
  <meta itemprop="position" content="2"></span></div>
 <div class="post" itemprop="text"><p>Is the 22:10 still running?</p></div>
</div>
</div></body></html>
"""


def test_discourse_no_script_view() -> None:
    res = parse_webpage(CRAWLER, path="ferry.html")
    rows = res.comments.to_dicts()
    assert [(r["comment_id"], r["author"], r["text"], r["parent_source"]) for r in rows] == [
        ("2", "sea.legs", "Is the 22:10 still running?", "none")]
    t = res.threads.row(0, named=True)
    assert (t["site"], t["author"], t["text"], t["title"]) == (
        "discourse", "harbour_admin", "The summer timetable starts on Monday.", "Ferry times")


def test_times_that_are_no_time_are_null() -> None:
    page = DATA.joinpath("discourse.html").read_text().replace('data-time="1712085300000"', 'data-time="99999999999999999999"')
    rows = parse_webpage(page, path="d.html").comments
    assert rows.filter(comment_id="2")["created_at"].item() is None


def test_a_page_framing_disqus_says_where_its_comments_are() -> None:
    page = ("<!DOCTYPE html><html><head><title>Ferry</title></head><body><h1>Night ferry cancelled</h1>"
            "<p>The council voted on Tuesday.</p><div id=\"disqus_thread\"><iframe src=\"https://disqus.com/embed/"
            "comments/?base=default&amp;f=harbour&amp;t_i=8841\"></iframe></div></body></html>")
    notes = parse_webpage(page, path="ferry.html").quality.files[0].notes
    assert "Disqus comments in a frame" in notes[1]
    assert not any("Disqus" in n for n in read_webpage(DATA / "no_comments.html").quality.files[0].notes)


def test_old_reddit_saved_page_text_inside_its_forms_and_base36_ids() -> None:
    res = read_webpage(DATA / "old_reddit.html")
    assert tree(DATA / "old_reddit.html") == {
        "k3j9x1": (None, "speedy_gonzales"),
        "k3j9x2": ("k3j9x1", "mayor_fan"),
        "k3j9x3": ("k3j9x2", "speedy_gonzales"),
        "k3j9x4": (None, "Anna.K"),
    }
    # the text sits in a <form class="usertext"> (kept: it has no text box); the tagline is not text
    assert res.comments["text"].to_list() == ["No. The shops will die without parking.",
                                              "Shops did fine when Oslo closed its centre.",
                                              "Oslo has a metro. We have one bus an hour.",
                                              "Yes please, my kids walk to school."]
    assert res.comments["created_at"][0].isoformat() == "2024-05-14T09:12:00+00:00"


def test_wpdiscuz_comment_ids_are_the_comment_not_the_parent() -> None:
    res = read_webpage(DATA / "wpdiscuz.html")
    assert tree(DATA / "wpdiscuz.html") == {
        "501": (None, "karin_h"), "502": ("501", "Bob"), "503": ("502", "li.wei"), "504": (None, None),
    }
    assert res.comments["text"][3] == "Open it on Sundays and close it on Mondays."
    tq = res.quality.thread("web", "wpdiscuz")
    assert tq.read == tq.kept == 4


def test_a_reply_form_is_not_a_comment_and_its_text_not_read() -> None:
    blocks = "".join(f'<div class="comment" id="c-{i}"><span class="author">user_{i}</span>'
                     f'<div class="comment-body">Remark number {i} about the plan.</div></div>' for i in range(3))
    form = ('<form id="reply"><div class="comment"><span class="author">you</span><div class="comment-body">'
            'Write your reply about the plan here</div><textarea>draft</textarea></div></form>')
    res = parse_webpage(f"<html><body>{blocks}{form}</body></html>", path="f.html")
    assert res.comments["author"].to_list() == ["user_0", "user_1", "user_2"]


def test_new_reddit_saved_page_parents_stated_by_each_comment() -> None:
    res = read_webpage(DATA / "reddit.html")
    assert tree(DATA / "reddit.html") == {
        "l3t9a01": (None, "speedy_gonzales"),
        "l3t9b77": ("l3t9a01", "mayor_fan"),
        "l3ta0c2": ("l3t9b77", None),                   # deleted: a placeholder, so its reply keeps its place
        "l3ta9d4": ("l3ta0c2", "x1y2z3"),
        "l3tb1e5": ("l3t9a01", "Anna.K"),
        "l3tc2f6": (None, "old.timer_42"),
    }
    c = res.comments
    assert c["site"].unique().to_list() == ["reddit"]
    assert c["parent_source"].to_list() == ["nesting", "explicit", "explicit", "explicit", "explicit", "nesting"]
    assert c["text"][1] == "Shops did fine when Oslo closed its centre.\n\nFootfall went up."
    assert c["text"][2] is None
    assert c["created_at"][0].isoformat() == "2024-05-14T09:12:40+00:00"
    t = res.threads.row(0, named=True)
    assert (t["thread_id"], t["title"], t["author"], t["reported_comments"]) == (
        "1cq8zk4", "Should the city close Main Street to cars?", "mayor_fan", 6)
    tq = res.quality.thread("reddit", "1cq8zk4")
    assert (tq.read, tq.kept, tq.repaired["text_deleted"], tq.repaired["author_deleted"]) == (6, 6, 1, 1)


def test_flat_forum_blocks_leave_parents_to_inference_except_a_quoted_post() -> None:
    res = read_webpage(DATA / "xenforo.html")
    c = res.comments
    # the author is the name, not the wrapper that also holds the user's title ("sam_k Member")
    assert c["author"].to_list() == ["sam_k", "Rosa.Diaz", "GRUMPY99"]
    # the text is the post's body, not the cell around it with the date and the "Reply" link
    assert c["text"][0] == "The council wants to take the parking on Elm for a bike lane. Thoughts?"
    assert c["text"][2] == "Where will the shop owners park? Nobody asked them."
    # no block holds another: a flat list; blockquote[data-source="post: 1001"] names the post answered
    assert list(zip(c["comment_id"], c["parent_id"], c["parent_source"])) == [
        ("1001", None, "none"), ("1002", "1001", "quote"), ("1003", None, "none")]
    built = infer_parents(c, threads=res.threads)
    assert built.filter(pl.col("comment_id") == "1002")["parent_id"][0] == "1001"
    assert built["parent_source"].null_count() == 0 and "none" not in built["parent_source"].to_list()


def test_a_flat_list_nested_by_indentation() -> None:
    res = read_webpage(DATA / "indented.html")
    assert tree(DATA / "indented.html") == {
        "7101": (None, "sam_k"), "7102": ("7101", "GRUMPY99"), "7103": ("7102", "sam_k"),
        "7104": ("7101", "Rosa.Diaz"), "7105": (None, "p.nowak"),
    }
    assert set(res.comments["parent_source"]) == {"nesting"}
    assert res.comments["created_at"][2].isoformat() == "2024-05-14T10:02:00+00:00"   # "14.05.2024 10:02"
    assert any("nesting from the blocks' indentation (5 of 5 placed)" in n for n in res.quality.files[0].notes)


def test_indentation_by_depth_classes_levels_are_the_distinct_values() -> None:
    blocks = [("a1", 1, "ann_1"), ("a2", 2, "bob_2"), ("a3", 4, "cat_3"), ("a4", 1, "dan_4")]
    html = "".join(f'<div class="comment depth-{d}" id="{cid}"><span class="author">{who}</span>'
                   f'<div class="comment-body">Remark from {who} about the plan.</div></div>' for cid, d, who in blocks)
    c = parse_webpage(f"<html><body>{html}</body></html>", path="d.html").comments
    # depth-4 right under depth-2 (a theme that counts in steps of two, say): levels are the distinct values
    # (1, 2, 4 -> 1, 2, 3), so it reads as a reply to a2
    assert list(zip(c["comment_id"], c["parent_id"], c["parent_source"])) == [
        ("a1", None, "nesting"), ("a2", "a1", "nesting"), ("a3", "a2", "nesting"), ("a4", None, "nesting")]
    same = "".join(f'<div class="comment depth-1" id="b{i}"><span class="author">u_{i}</span>'
                   f'<div class="comment-body">Remark number {i} about the plan.</div></div>' for i in range(3))
    flat = parse_webpage(f"<html><body>{same}</body></html>", path="e.html").comments
    assert set(flat["parent_source"]) == {"none"}          # one depth for all: a flat list, left to inference
