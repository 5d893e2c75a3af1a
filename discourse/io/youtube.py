"""YouTube Data API v3 comment responses.

Accepted: a ``youtube#commentThreadListResponse`` (``commentThreads.list``: top-level comments, each with
up to five embedded ``replies.comments``), a ``youtube#commentListResponse`` (``comments.list?parentId=``:
replies to one top-level comment), a single ``youtube#commentThread`` or ``youtube#comment``, or a JSON
array of any of these (saved pages). Several pages of one video join into one thread: the thread id is
the ``videoId``.

Decisions:

* YouTube replies are flat under their top-level comment: ``parent_id`` is the top-level comment
  (``snippet.parentId``), ``parent_source`` ``"explicit"``; re-targeting ``@name`` replies is the infer
  stage's job. Top-level comments have a null parent (a reply to the video), also ``"explicit"``;
* text is ``textOriginal`` when present, else ``textDisplay`` (HTML) as text; score is ``likeCount``;
  the author is ``authorDisplayName``;
* ``totalReplyCount`` minus the replies present adds to the thread's ``missing``;
* the video's owner is the thread's author when a comment shows it (its ``authorChannelId`` equals the
  ``channelId`` the response gives for the video), so top-level comments pair with the creator;
* older ``comments.list`` responses carry no ``videoId``. Then, unless ``ReadOptions.thread_id`` names
  the video, the replies to top-level comment X form thread X (their parent is that thread's post) and a
  note on the file says so.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl

from discourse import schema
from discourse.errors import ParseError
from discourse.io._common import comments_frame, html_to_text, load_json
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["parse_youtube", "read_youtube", "sniff_youtube"]

SITE = "youtube"
_SNIFF_RE = re.compile(r'"kind"\s*:\s*"youtube#comment(ThreadListResponse|ListResponse|Thread|)"')
_KINDS = ("youtube#commentThreadListResponse", "youtube#commentListResponse", "youtube#commentThread",
          "youtube#comment")


class _Parser:
    def __init__(self, path: str, thread_id: str | None) -> None:
        self.path = path
        self.thread_id = thread_id
        self.quality = QualityReport()
        self.rows: list[dict[str, Any]] = []
        self.videos: dict[str, str | None] = {}  # thread id -> video id (None: a comment's reply thread)
        self.owners: dict[str, str] = {}  # thread id -> the video owner's name, when a comment shows it
        self.notes: list[str] = []

    def page(self, data: Any, where: str) -> None:
        if not isinstance(data, dict) or data.get("kind") not in _KINDS:
            raise ParseError(self.path, where, f"expected a YouTube API object with a kind among {list(_KINDS)}")
        kind = data["kind"]
        if kind.endswith("ListResponse"):
            items = data.get("items")
            if not isinstance(items, list):
                raise ParseError(self.path, where, "expected an 'items' list in the response")
            for i, item in enumerate(items):
                self.page(item, f"{where}, items[{i}]")
        elif kind == "youtube#commentThread":
            self.comment_thread(data, where)
        else:
            self.comment(data, where, video=None, top=None, channel=None)

    def comment_thread(self, item: dict[str, Any], where: str) -> None:
        snippet = item.get("snippet")
        if not isinstance(snippet, dict) or not isinstance(snippet.get("topLevelComment"), dict):
            raise ParseError(self.path, where, "expected snippet.topLevelComment in a commentThread")
        top = snippet["topLevelComment"]
        video = snippet.get("videoId") or (top.get("snippet") or {}).get("videoId")
        channel = snippet.get("channelId")
        tid = self.comment(top, f"{where}, topLevelComment", video=video, top=None, channel=channel)
        replies = (item.get("replies") or {}).get("comments") or []
        for j, reply in enumerate(replies):
            self.comment(reply, f"{where}, replies.comments[{j}]", video=video, top=str(top.get("id")),
                         channel=channel)
        total = snippet.get("totalReplyCount")
        if isinstance(total, int) and total > len(replies):
            self.quality.thread(SITE, tid).missing += total - len(replies)

    def comment(self, c: dict[str, Any], where: str, video: str | None, top: str | None,
                channel: str | None) -> str:
        if not isinstance(c, dict) or not c.get("id") or not isinstance(c.get("snippet"), dict):
            raise ParseError(self.path, where, "expected a youtube#comment with an 'id' and a 'snippet'")
        s = c["snippet"]
        cid = str(c["id"])
        parent = s.get("parentId") or top
        parent = None if parent is None else str(parent)
        video = video or s.get("videoId")
        if self.thread_id:
            tid = self.thread_id
        elif video:
            tid = str(video)
        elif parent:
            tid, parent = parent, None
            if tid not in self.videos:
                self.notes.append(f"no videoId: replies to comment {tid} form thread {tid}; "
                                  "pass the video id as the thread id to join them to the video")
        else:
            raise ParseError(self.path, where, f"comment {cid} has neither a videoId nor a parentId")
        self.videos.setdefault(tid, str(video) if video else None)
        self.quality.add_read(SITE, tid, 1)
        text = s.get("textOriginal")
        if text is None:
            text = html_to_text(s.get("textDisplay"))
        channel = channel or s.get("channelId")
        author_channel = (s.get("authorChannelId") or {}).get("value")
        if channel and author_channel == channel and s.get("authorDisplayName"):
            self.owners.setdefault(tid, s["authorDisplayName"])
        likes = s.get("likeCount")
        self.rows.append({
            "site": SITE, "thread_id": tid, "comment_id": cid, "parent_id": parent,
            "author": s.get("authorDisplayName") or None, "text": text,
            "created_at": s.get("publishedAt"), "score": likes if isinstance(likes, int) else None,
            "parent_source": "explicit", "parent_confidence": 1.0,
        })
        return tid


def parse_youtube(data: Any, path: str = "<youtube>", thread_id: str | None = None) -> ReadResult:
    """Parse decoded YouTube API JSON (a response, a comment(thread), or a list of them)."""
    p = _Parser(path, thread_id)
    pages = data if isinstance(data, list) else [data]
    for i, page in enumerate(pages):
        p.page(page, f"page {i}" if isinstance(data, list) else "top level")
    threads = pl.DataFrame(
        [{"site": SITE, "thread_id": tid, "url": f"https://www.youtube.com/watch?v={v}" if v else None,
          "author": p.owners.get(tid)} for tid, v in p.videos.items()],
        schema={"site": pl.String(), "thread_id": pl.String(), "url": pl.String(), "author": pl.String()},
    )
    p.quality.files.append(FileQuality(path, "youtube", records=len(p.rows), notes=p.notes))
    return ReadResult(comments_frame(p.rows), schema.conform(threads, schema.THREADS), p.quality)


def read_youtube(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read one saved YouTube API response file."""
    options = options or ReadOptions()
    return parse_youtube(load_json(path), str(path), options.thread_id)


def sniff_youtube(path: Path, head: str) -> bool:
    """JSON whose first object is a YouTube comment resource or comment list response."""
    start = head.lstrip()
    return start[:1] in ("{", "[") and bool(_SNIFF_RE.search(start[:4096]))


READER = register(Reader(
    name="youtube", site=SITE,
    description="YouTube Data API v3 commentThreads.list / comments.list responses (JSON)",
    sniff=sniff_youtube, read=read_youtube, priority=50, suffixes=(".json",),
))
