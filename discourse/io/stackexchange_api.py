"""Stack Exchange API (v2.x) answers: questions, their answers and comments, as JSON.

Accepted: an API answer (the common wrapper ``{"items": [...], "has_more", "quota_max",
"quota_remaining"}``) of ``/questions/{ids}``, ``/questions/{ids}/answers``, ``/questions/{ids}/comments``,
``/answers/{ids}/comments`` or ``/posts/{ids}/comments`` (with ``filter=withbody``), or a JSON array of
such answers (the pages of one question). An item in several pages is read once. Items are told apart
by their id field: ``question_id`` with ``title`` (a question), ``answer_id`` (an answer), ``comment_id``
(a comment, on the post ``post_id``).

The model is the dump reader's (:mod:`discourse.io.stackexchange`): a thread is a question, which is
the thread's post (title, body, author), not a comment. Answers reply to the post (null parent), as do
comments on the question; comments on an answer reply to it. Post and comment ids are separate
sequences, so ids are namespaced: ``a<id>`` for answers, ``c<id>`` for comments; the thread id is the
question id.

Decisions:

* the author is ``owner.display_name`` (HTML entities decoded, as the API encodes them); users of one
  file sharing a display name become ``Name (user<user_id>)``; an item without ``owner`` has a null
  author, flagged ``author_unknown``;
* bodies are HTML -> text; ``creation_date`` is Unix seconds; score is ``score``;
* a comment on a post the file does not hold is read into a thread named by that post id and dropped
  (``post_missing``): the API's comment does not say which question it belongs to;
* the question's ``answer_count`` plus the ``comment_count`` of the question and of its answers (a
  custom filter's fields) is the thread's ``reported`` count, unknown without the question's; answers it counts but the file lacks are
  ``missing``, as are comments an answer or the question counts but the file lacks.
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path
from typing import Any

from discourse.errors import ParseError
from discourse.io._common import comments_frame, html_to_text, load_json, threads_frame
from discourse.io._times import utc_iso_from_unix
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["parse_stackexchange_api", "read_stackexchange_api", "sniff_stackexchange_api"]

SITE = "stackexchange"


def _kind(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if item.get("comment_id") is not None and item.get("post_id") is not None:
        return "comment"
    if item.get("answer_id") is not None and item.get("question_id") is not None:
        return "answer"
    if item.get("question_id") is not None and "title" in item:
        return "question"
    return None


def _owner(item: dict[str, Any]) -> tuple[str | None, str | None]:
    """(display name, user id) of an item's owner."""
    owner = item.get("owner")
    if not isinstance(owner, dict):
        return None, None
    name = owner.get("display_name")
    uid = owner.get("user_id")
    return (html.unescape(name) if isinstance(name, str) and name else None), (None if uid is None else str(uid))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_stackexchange_api(data: Any, path: str = "<stackexchange-api>", thread_id: str | None = None) -> ReadResult:
    """Parse decoded Stack Exchange API JSON into the canonical tables (see the module doc)."""
    answers_in = [(f"item {i}", a) for i, a in enumerate(data)] if isinstance(data, list) else [("", data)]
    questions: dict[str, dict[str, Any]] = {}
    answers: dict[str, dict[str, Any]] = {}
    comments: dict[str, dict[str, Any]] = {}
    repeated = 0
    for where, answer in answers_in:
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise ParseError(path, where or None, "expected a Stack Exchange API answer ({'items': [...], ...})")
        for i, item in enumerate(items):
            kind = _kind(item)
            loc = f"{where + ', ' if where else ''}items[{i}]"
            if kind is None:
                raise ParseError(path, loc, "expected a question (question_id, title), an answer (answer_id, "
                                            "question_id) or a comment (comment_id, post_id)")
            table, key = {"question": (questions, "question_id"), "answer": (answers, "answer_id"),
                          "comment": (comments, "comment_id")}[kind]
            ident = str(item[key])
            if ident in table:
                repeated += 1
            table.setdefault(ident, item)

    names: dict[str, set[str | None]] = defaultdict(set)
    for item in [*questions.values(), *answers.values(), *comments.values()]:
        name, uid = _owner(item)
        if name is not None:
            names[name].add(uid)

    def author(item: dict[str, Any]) -> str | None:
        name, uid = _owner(item)
        if name is not None and len(names[name]) > 1 and uid is not None:
            return f"{name} (user{uid})"
        return name

    quality = QualityReport()
    fq = FileQuality(path, "stackexchange-api", records=len(questions) + len(answers) + len(comments))
    threads: dict[str, dict[str, Any]] = {}
    for qid, q in questions.items():
        tid = thread_id or qid
        counts = [_int(q.get("answer_count")), _int(q.get("comment_count")),
                  *(_int(a.get("comment_count")) for a in answers.values() if str(a.get("question_id")) == qid)]
        # a size only when the filter gave the comment counts too (the default one gives answer_count alone)
        reported = sum(c for c in counts if c is not None) if None not in counts[:2] else None
        threads[tid] = {"site": SITE, "thread_id": tid, "title": html.unescape(str(q.get("title") or "")) or None,
                        "text": html_to_text(q.get("body")), "author": author(q), "url": q.get("link"),
                        "created_at": utc_iso_from_unix(q.get("creation_date")), "reported_comments": reported}
        quality.thread(SITE, tid).reported = reported

    by_post: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in comments.values():
        by_post[str(c["post_id"])].append(c)
    rows: list[dict[str, Any]] = []

    def comment_row(c: dict[str, Any], tid: str, parent: str | None) -> None:
        quality.add_read(SITE, tid, 1)
        if c.get("owner") is None:
            quality.flag(SITE, tid, "author_unknown")
        rows.append({"site": SITE, "thread_id": tid, "comment_id": f"c{c['comment_id']}", "parent_id": parent,
                     "author": author(c), "text": html_to_text(c.get("body")) or "",
                     "created_at": utc_iso_from_unix(c.get("creation_date")), "score": _int(c.get("score")),
                     "parent_source": "explicit", "parent_confidence": 1.0})

    def lacking(count: Any, present: int, tid: str) -> None:
        if _int(count) is not None and count > present:
            quality.thread(SITE, tid).missing += count - present

    by_question: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for aid, a in answers.items():
        by_question[str(a["question_id"])].append((aid, a))
    order = list(dict.fromkeys([*questions, *by_question]))
    for qid in order:
        tid = thread_id or qid
        if qid not in questions:
            threads.setdefault(tid, {"site": SITE, "thread_id": tid})
        on_question = by_post.pop(qid, [])
        for c in on_question:
            comment_row(c, tid, None)
        if qid in questions:
            lacking(questions[qid].get("comment_count"), len(on_question), tid)
        for aid, a in by_question.get(qid, []):
            quality.add_read(SITE, tid, 1)
            if a.get("owner") is None:
                quality.flag(SITE, tid, "author_unknown")
            if qid not in questions:
                quality.flag(SITE, tid, "thread_missing")
            rows.append({"site": SITE, "thread_id": tid, "comment_id": f"a{aid}", "parent_id": None,
                         "author": author(a), "text": html_to_text(a.get("body")) or "",
                         "created_at": utc_iso_from_unix(a.get("creation_date")), "score": _int(a.get("score")),
                         "parent_source": "explicit", "parent_confidence": 1.0})
            on_answer = by_post.pop(aid, [])
            for c in on_answer:
                comment_row(c, tid, f"a{aid}")
            lacking(a.get("comment_count"), len(on_answer), tid)
        if qid in questions:
            lacking(questions[qid].get("answer_count"), len(by_question.get(qid, [])), tid)
    for post, orphans in by_post.items():
        tid = thread_id or post
        quality.add_read(SITE, tid, len(orphans))
        quality.drop(SITE, tid, "post_missing", len(orphans))
        fq.notes.append(f"{len(orphans)} comment(s) on post {post}, which the file does not hold")
    if repeated:
        fq.notes.append(f"{repeated} item(s) appear in more than one page and were read once")
    quality.files.append(fq)
    return ReadResult(comments_frame(rows), threads_frame(list(threads.values())), quality)


def read_stackexchange_api(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a saved Stack Exchange API answer (or a list of them)."""
    options = options or ReadOptions()
    return parse_stackexchange_api(load_json(path), str(path), options.thread_id)


def sniff_stackexchange_api(path: Path, head: str) -> bool:
    """The API's common wrapper (``items`` with ``quota_remaining``/``has_more``) holding questions,
    answers or comments."""
    start = head.lstrip()
    if start[:1] not in ("{", "["):
        return False
    return '"items"' in start and ('"quota_remaining"' in start or '"has_more"' in start) and any(
        k in start for k in ('"question_id"', '"answer_id"', '"comment_id"'))


READER = register(Reader(
    name="stackexchange-api", site=SITE,
    description="Stack Exchange API v2 answers (questions, answers, comments JSON), one or a list",
    sniff=sniff_stackexchange_api, read=read_stackexchange_api, priority=50, suffixes=(".json",),
))
