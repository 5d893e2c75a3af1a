"""WordPress WXR exports (discourse/io/wxr.py): threads, the comment tree, and every comment not kept
counted with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from discourse import io
from discourse.errors import ParseError
from discourse.io.wxr import parse_wxr, read_wxr

EXPORT = Path(__file__).resolve().parent.parent / "data" / "wxr" / "export.xml"


def test_the_comment_trees_of_each_post() -> None:
    res = read_wxr(EXPORT)
    rows = res.comments.to_dicts()
    assert [(r["thread_id"], r["comment_id"], r["parent_id"], r["author"]) for r in rows] == [
        ("341", "1201", None, "Dee Okafor"),
        ("341", "1202", "1201", "ratepayer_41"),
        ("341", "1203", "1202", "Dee Okafor"),
        ("341", "1206", "1203", None),          # empty author: anonymous
        ("352", "1301", None, None),            # "Anonymous": no name
    ]
    assert set(res.comments["parent_source"]) == {"explicit"}
    assert rows[0]["text"] == "Shameful. Where are the kids supposed to learn to swim?\n\nThe next pool is 14 miles away."
    assert rows[2]["text"] == "A few hundred a week, @ratepayer_41. Check the figures."
    assert str(rows[1]["created_at"]) == "2024-05-14 09:03:00+00:00"           # the GMT date, not the local one
    assert str(rows[3]["created_at"]) == "2024-05-15 18:22:00+00:00"           # zero GMT date: local time, counted
    threads = {t["thread_id"]: t for t in res.threads.to_dicts()}
    assert set(threads) == {"341", "352"}                                       # "About us" has no comments
    assert threads["341"]["title"] == "Council votes to close the Mill Lane pool"
    assert threads["341"]["author"] == "mhale"
    assert threads["341"]["text"] == ("The council voted 7–4 on Monday to close the Mill Lane pool in September.\n\n"
                                      "Repairs would cost £1.2m, officers said.")


def test_spam_trash_unapproved_pingbacks_and_trackbacks_are_counted_with_their_reason() -> None:
    q = read_wxr(EXPORT).quality
    a, b = q.thread("wordpress", "341"), q.thread("wordpress", "352")
    assert (a.read, a.kept) == (8, 4)
    assert dict(a.dropped) == {"spam": 1, "pingback": 1, "unapproved": 1, "trash": 1}
    assert dict(a.repaired) == {"local_time": 1}
    assert (b.read, b.kept, dict(b.dropped)) == (2, 1, {"trackback": 1})
    assert q.files[0].records == 10
    assert any("without comments" in n for n in q.files[0].notes)


def test_detected_from_content_and_not_taken_for_disqus(tmp_path: Path) -> None:
    copy = tmp_path / "site-export"
    copy.write_bytes(EXPORT.read_bytes())
    assert io.detect_format(copy).name == "wxr"


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><wp:post_id>1</wp:post_id>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>&b;</wp:comment_content></wp:comment></item></channel></rss>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><wp:post_id>1</wp:post_id>
<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>&x;</wp:comment_content></wp:comment></item></channel></rss>
"""


@pytest.mark.parametrize("data", [BOMB, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_entities_are_refused_in_one_line(data: bytes) -> None:
    with pytest.raises(ParseError) as err:
        parse_wxr(data, "evil.xml")
    assert "evil.xml" in str(err.value) and "entities" in str(err.value) and "\n" not in str(err.value)


def test_a_comment_without_an_id_is_an_error_or_a_counted_bad_record() -> None:
    data = EXPORT.read_bytes().replace(b"<wp:comment_id>1202</wp:comment_id>", b"", 1)
    with pytest.raises(ParseError, match=r"x\.xml, item 1 \(post 341\), comment 2"):
        parse_wxr(data, "x.xml")
    res = parse_wxr(data, "x.xml", on_error="skip")
    assert res.quality.files[0].bad_records == 1
    assert "1202" not in res.comments["comment_id"].to_list()
    assert res.comments.filter(comment_id="1203")["parent_id"].item() == "1202"   # an orphan, for repair


def test_not_a_wordpress_export() -> None:
    with pytest.raises(ParseError, match="expected a WordPress export"):
        parse_wxr(b"<?xml version='1.0'?><feed><entry/></feed>", "atom.xml")
