"""Discourse forums (the software; site label ``"discourse"``): topic JSON and posts pages.

Accepted: a topic (``/t/{id}.json``: ``post_stream.posts`` plus topic fields), a topic's posts page
(``/t/{id}/posts.json``: ``post_stream.posts`` and the topic ``id``), the forum-wide latest posts page
(``/posts.json``: ``latest_posts``), or a JSON array of any of these.

Decisions:

* the thread id is the topic id; a comment's id is its ``post_number`` (unique in its topic, and what
  ``reply_to_post_number`` refers to, so replies resolve across pages without a lookup);
* post 1 is the topic's root post: it fills the thread row (title, text, author) and is not a comment;
  a post with no ``reply_to_post_number``, or replying to post 1, replies to the topic (null parent);
  all parents are ``"explicit"``;
* system posts (``post_type`` 2 moderator action, 3 small action: "closed the topic", "pinned") are
  dropped with the reason ``system_post``; deleted posts (``deleted_at`` or ``user_deleted``) are kept
  with null author and text, counted as ``author_deleted``/``text_deleted``; hidden (flagged) posts are
  kept and flagged ``hidden``;
* the author is ``username``; text is ``cooked`` (HTML) as text; score is the like count from
  ``actions_summary`` when present;
* ``posts_count - 1`` is the thread's ``reported``; ids in ``post_stream.stream`` whose posts the file
  lacks are its ``missing``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from discourse.errors import ParseError
from discourse.io._common import comments_frame, html_to_text, load_json, threads_frame
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["parse_discourse_forum", "read_discourse_forum", "sniff_discourse_forum"]

SITE = "discourse"
_SNIFF_RE = re.compile(r'"(post_stream|latest_posts)"\s*:|"post_number"\s*:\s*\d+\s*,[^{}]*"cooked"\s*:')
_SYSTEM_POST_TYPES = {2, 3}
_LIKE_ACTION = 2


def _likes(post: dict[str, Any]) -> int | None:
    for action in post.get("actions_summary") or []:
        if isinstance(action, dict) and action.get("id") == _LIKE_ACTION and isinstance(action.get("count"), int):
            return action["count"]
    return None


class _Parser:
    def __init__(self, path: str, thread_id: str | None) -> None:
        self.path = path
        self.thread_id = thread_id
        self.quality = QualityReport()
        self.rows: list[dict[str, Any]] = []
        self.threads: dict[str, dict[str, Any]] = {}
        self.records = 0

    def thread(self, tid: str) -> dict[str, Any]:
        if tid not in self.threads:
            self.threads[tid] = {"site": SITE, "thread_id": tid}
        return self.threads[tid]

    def document(self, data: Any, where: str) -> None:
        if isinstance(data, dict) and isinstance(data.get("post_stream"), dict):
            topic_id = data.get("id")
            posts = data["post_stream"].get("posts") or []
            if not isinstance(posts, list):
                raise ParseError(self.path, f"{where}, post_stream.posts", "expected a list of posts")
            for i, post in enumerate(posts):
                self.post(post, f"{where}, post_stream.posts[{i}]", topic_id)
            if topic_id is not None or posts:
                tid = self.thread_id or str(topic_id if topic_id is not None else posts[0].get("topic_id"))
                self.topic(data, tid, posts)
        elif isinstance(data, dict) and isinstance(data.get("latest_posts"), list):
            for i, post in enumerate(data["latest_posts"]):
                self.post(post, f"{where}, latest_posts[{i}]", None)
        else:
            raise ParseError(self.path, where, "expected a Discourse topic or posts page "
                                               "(an object with 'post_stream' or 'latest_posts')")

    def topic(self, data: dict[str, Any], tid: str, posts: list[Any]) -> None:
        t = self.thread(tid)
        if data.get("title"):
            t["title"] = data["title"]
        if isinstance(data.get("posts_count"), int):
            tq = self.quality.thread(SITE, tid)
            tq.reported = max(0, data["posts_count"] - 1)
            t["reported_comments"] = tq.reported
        stream = data["post_stream"].get("stream")
        if isinstance(stream, list) and stream:
            present = {p.get("id") for p in posts if isinstance(p, dict)}
            has_root = any(isinstance(p, dict) and p.get("post_number") == 1 for p in posts)
            absent = [pid for pid in stream if pid not in present]
            if not has_root and absent and absent[0] == stream[0]:
                absent = absent[1:]
            self.quality.thread(SITE, tid).missing += len(absent)

    def post(self, post: Any, where: str, topic_id: Any) -> None:
        if not isinstance(post, dict) or not isinstance(post.get("post_number"), int):
            raise ParseError(self.path, where, "expected a post object with an integer 'post_number'")
        self.records += 1
        topic = post.get("topic_id", topic_id)
        if self.thread_id is None and topic is None:
            raise ParseError(self.path, where, "expected a 'topic_id' on the post")
        tid = self.thread_id or str(topic)
        t = self.thread(tid)
        number = post["post_number"]
        deleted = bool(post.get("deleted_at")) or bool(post.get("user_deleted"))
        text = None if deleted else (html_to_text(post.get("cooked")) or "")
        author = None if deleted else (post.get("username") or None)
        if post.get("topic_title") and not t.get("title"):
            t["title"] = post["topic_title"]
        if number == 1:
            t.update(text=text, author=author, created_at=post.get("created_at"))
            return
        self.quality.add_read(SITE, tid, 1)
        if post.get("post_type") in _SYSTEM_POST_TYPES:
            self.quality.drop(SITE, tid, "system_post")
            return
        if deleted:
            self.quality.repair(SITE, tid, "author_deleted")
            self.quality.repair(SITE, tid, "text_deleted")
        if post.get("hidden"):
            self.quality.flag(SITE, tid, "hidden")
        reply_to = post.get("reply_to_post_number")
        self.rows.append({
            "site": SITE, "thread_id": tid, "comment_id": str(number),
            "parent_id": None if reply_to in (None, 1) else str(reply_to),
            "author": author, "text": text, "created_at": post.get("created_at"), "score": _likes(post),
            "parent_source": "explicit", "parent_confidence": 1.0,
        })


def parse_discourse_forum(data: Any, path: str = "<discourse>", thread_id: str | None = None) -> ReadResult:
    """Parse decoded Discourse topic / posts JSON into the canonical tables."""
    p = _Parser(path, thread_id)
    if isinstance(data, list):
        for i, d in enumerate(data):
            p.document(d, f"item {i}")
    else:
        p.document(data, "top level")
    p.quality.files.append(FileQuality(path, "discourse", records=p.records))
    return ReadResult(comments_frame(p.rows), threads_frame(list(p.threads.values())), p.quality)


def read_discourse_forum(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a saved Discourse topic or posts page."""
    options = options or ReadOptions()
    return parse_discourse_forum(load_json(path), str(path), options.thread_id)


def sniff_discourse_forum(path: Path, head: str) -> bool:
    """Discourse JSON: a ``post_stream`` or ``latest_posts`` key, or posts with ``post_number`` and ``cooked``."""
    start = head.lstrip()
    return start[:1] in ("{", "[") and bool(_SNIFF_RE.search(start))


READER = register(Reader(
    name="discourse", site=SITE,
    description="Discourse forum topic JSON (/t/{id}.json) and posts pages",
    sniff=sniff_discourse_forum, read=read_discourse_forum, priority=50, suffixes=(".json",),
))
