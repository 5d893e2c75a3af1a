"""ConvoKit corpus directories: read them, and write our tables as one.

A ConvoKit corpus is a directory of ``utterances.jsonl`` (one utterance a line: ``id``, ``speaker``
(``user`` in old corpora), ``conversation_id`` (``root``), ``reply_to`` (``reply-to`` as
``Corpus.dump`` writes it), ``timestamp``, ``text``,
``meta``), ``speakers.json``, ``conversations.json`` (``{id: {"meta": {...}, "vectors": []}}``),
``corpus.json`` (corpus meta) and ``index.json`` (the type of every meta key).

Reading: a conversation is a thread (``thread_id`` = ``conversation_id``). The utterance whose id
is the conversation id and that replies to nothing is the conversation's root: it becomes the
thread's post (the threads table), not a comment. Replies to the root have a null ``parent_id``.
Speakers ``[deleted]``/``[removed]`` and texts ``[deleted]``/``[removed]`` become nulls and are
counted. The site is the ``site`` (or ``discourse_site``) field of the utterance, conversation or
corpus meta, else ``"convokit"``.

Writing (:func:`write_convokit`): each thread becomes a conversation whose root utterance carries the
post; comments reply to their parent or to the root. Our own ids are kept in each utterance's
meta (``discourse_site``, ``discourse_thread_id``, ``discourse_comment_id``), so reading the corpus
back gives the same table even when ids had to be namespaced to be unique corpus-wide. A comment with
no known author is a speaker of its own (``anonymous#<thread>/<comment>``, the network's node key,
flagged ``anonymous`` in speakers.json), never one shared ``[deleted]`` speaker that would make every
anonymous commenter one person. ConvoKit orders replies by timestamp, so a thread whose times are
missing (a flat page) gets its positions as timestamps, and a missing time among known ones the time
before it; ``discourse_time_null`` in the meta says which were made up, and reading back gives them
null again. Given scored replies, the stance columns (``schema.STANCE_COLUMNS``) go into each reply's
utterance meta.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from discourse import schema
from discourse._typing import PARENT_SOURCES, OnError
from discourse.errors import FileNotFound, ParseError
from discourse.io._common import MAX_LINE_BYTES, json_lines, load_json, read_text
from discourse.io.reddit import comments_frame, number_or_none, threads_frame
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.io.write import write_json, write_text
from discourse.quality import FileQuality, QualityReport

__all__ = ["parse_convokit", "read_convokit", "sniff_convokit", "write_convokit"]

SITE = "convokit"
_DELETED = {"[deleted]": "text_deleted", "[removed]": "text_removed"}
_DELETED_SPEAKERS = frozenset({"[deleted]", "[removed]"})
_SITE_KEYS = ("discourse_site", "site", "platform")
#: Where a written utterance's timestamp came from (its meta ``discourse_time_from``): the comment's
#: own time; ``1 + position`` (the post 0) in a thread with no times at all; the time of the comment
#: before it (by position), or after it when none before has one; the post's: its first comment's.
TIME_SOURCES = ("created_at", "position", "previous", "next", "first_comment")


def _meta(obj: Any) -> dict[str, Any]:
    """The meta dict of a speakers/conversations entry (new ``{"meta": ...}`` or old bare form)."""
    if not isinstance(obj, dict):
        return {}
    inner = obj.get("meta")
    return inner if isinstance(inner, dict) else obj


def _site_of(*metas: dict[str, Any]) -> str | None:
    for meta in metas:
        for key in _SITE_KEYS:
            if isinstance(meta.get(key), str) and meta[key]:
                return meta[key]
    return None


def _str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


@dataclass
class _Utterance:
    uid: str
    speaker: str | None
    conversation: str
    reply_to: str | None
    timestamp: Any
    text: Any
    meta: dict[str, Any] = field(default_factory=dict)


def parse_convokit(utterances: list[dict[str, Any]], conversations: dict[str, Any] | None = None,
                   corpus_meta: dict[str, Any] | None = None, path: str | Path = "<corpus>",
                   site: str | None = None, bad: int = 0) -> ReadResult:
    """Decoded corpus parts -> the canonical tables."""
    path = Path(path)
    conversations = conversations or {}
    corpus_meta = corpus_meta if isinstance(corpus_meta, dict) else {}
    utts: list[_Utterance] = []
    for i, rec in enumerate(utterances):
        where = f"utterances.jsonl line {rec.get('_line', i + 1) if isinstance(rec, dict) else i + 1}"
        if not isinstance(rec, dict) or _str(rec.get("id")) is None:
            raise ParseError(path, where, "expected an utterance object with an 'id'")
        conv = _str(rec.get("conversation_id", rec.get("root")))
        if conv is None:
            raise ParseError(path, where, "an utterance without a 'conversation_id'")
        raw_meta = rec.get("meta")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        speaker = rec.get("speaker", rec.get("user"))
        if isinstance(speaker, dict):  # some exports inline the speaker object
            speaker = speaker.get("id", speaker.get("name"))
        reply_to = rec.get("reply_to", rec.get("reply-to"))  # ConvoKit's own dump writes "reply-to"
        utts.append(_Utterance(_str(rec["id"]), _str(speaker), conv, _str(reply_to),  # type: ignore[arg-type]
                               rec.get("timestamp"), rec.get("text"), meta))

    quality = QualityReport()
    comments: list[dict[str, Any]] = []
    threads: dict[tuple[str, str], dict[str, Any]] = {}
    positions: dict[tuple[str, str], int] = {}
    # utterance id -> the comment id it stands for (ids may be namespaced by our writer)
    our_id = {u.uid: _str(u.meta.get("discourse_comment_id")) or u.uid for u in utts}
    roots = 0
    for u in utts:
        conv_meta = _meta(conversations.get(u.conversation))
        usite = site or _site_of(u.meta, conv_meta, corpus_meta) or SITE
        tid = _str(u.meta.get("discourse_thread_id")) or _str(conv_meta.get("discourse_thread_id")) or u.conversation
        key = (usite, tid)
        if key not in threads:
            threads[key] = {"site": usite, "thread_id": tid, "title": conv_meta.get("title"),
                            "url": conv_meta.get("url"),
                            "reported_comments": conv_meta.get("reported_comments", conv_meta.get("num_comments"))}
            tq = quality.thread(usite, tid)
            reported = threads[key]["reported_comments"]
            if isinstance(reported, int) and not isinstance(reported, bool):
                tq.reported = reported
            else:
                threads[key]["reported_comments"] = None
        if (u.uid == u.conversation and u.reply_to is None) or u.meta.get("discourse_role") == "post":
            roots += 1
            t = threads[key]
            text = u.text if isinstance(u.text, str) and u.text not in _DELETED else None
            if u.meta.get("discourse_text_null"):
                text = None
            anonymous = u.speaker in _DELETED_SPEAKERS or u.meta.get("discourse_author_null") is True
            t.update(text=text or None, author=None if anonymous else u.speaker,
                     created_at=None if u.meta.get("discourse_time_null") is True else _epoch(u.timestamp))
            if t.get("title") is None and isinstance(u.meta.get("title"), str):
                t["title"] = u.meta["title"]
            continue
        quality.add_read(usite, tid, 1)
        author = u.speaker
        if author in _DELETED_SPEAKERS:
            quality.repair(usite, tid, "author_deleted")
            author = None
        elif u.meta.get("discourse_author_null") is True:  # our own export's anonymous speaker
            author = None
        text = u.text if isinstance(u.text, str) else None
        if text in _DELETED:
            quality.repair(usite, tid, _DELETED[text])
            text = None
        if u.meta.get("discourse_text_null"):
            text = None
        parent = None if u.reply_to is None or u.reply_to == u.conversation else our_id.get(u.reply_to, u.reply_to)
        pos = positions.get(key, 0)
        positions[key] = pos + 1
        score = u.meta.get("score")
        comments.append({
            "site": usite, "thread_id": tid, "comment_id": our_id[u.uid], "parent_id": parent,
            "author": author, "text": text,
            "created_at": None if u.meta.get("discourse_time_null") is True else _epoch(u.timestamp),
            "score": score if isinstance(score, int) and not isinstance(score, bool) else None,
            "position": pos, "parent_confidence": 1.0,
            "parent_source": u.meta["parent_source"] if u.meta.get("parent_source") in PARENT_SOURCES else "explicit",
        })
    fq = FileQuality(str(path), "convokit", records=len(utts) + bad, bad_records=bad)
    if roots:
        fq.notes.append(f"{roots} conversation root utterance(s) read as thread posts")
    quality.files.append(fq)
    return ReadResult(comments_frame(comments), threads_frame(list(threads.values())), quality)


def _epoch(value: Any) -> float | None:
    """Epoch seconds from a number, a numeric string or an ISO-8601 string."""
    number = number_or_none(value)
    if number is not None or not isinstance(value, str):
        return number
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _read_utterances(path: Path, on_error: OnError, max_line_bytes: int = MAX_LINE_BYTES
                     ) -> tuple[list[dict[str, Any]], int]:
    text = read_text(path).lstrip("\ufeff")
    rows, bad = json_lines(text, path, on_error, "expected an utterance object", max_line_bytes=max_line_bytes)
    out = []
    for lineno, obj in rows:
        obj["_line"] = lineno
        out.append(obj)
    return out, bad


def read_convokit(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a ConvoKit corpus directory (or its ``utterances.jsonl``)."""
    options = options or ReadOptions()
    p = Path(path)
    if not p.exists():
        raise FileNotFound(p)
    directory = p if p.is_dir() else p.parent
    utt_path = directory / "utterances.jsonl"
    if not utt_path.exists():
        raise ParseError(directory, None, "a ConvoKit corpus needs utterances.jsonl; it is missing")
    utterances, bad = _read_utterances(utt_path, options.on_error, options.max_line_bytes)
    conversations = load_json(directory / "conversations.json") if (directory / "conversations.json").exists() else {}
    corpus_meta = load_json(directory / "corpus.json") if (directory / "corpus.json").exists() else {}
    if not isinstance(conversations, dict):
        raise ParseError(directory / "conversations.json", None, "expected an object of conversation id -> meta")
    return parse_convokit(utterances, conversations, corpus_meta, directory, options.site, bad)


def sniff_convokit(path: Path, head: str) -> bool:
    """A directory holding ``utterances.jsonl`` beside ``conversations.json`` or ``index.json``."""
    return path.is_dir() and (path / "utterances.jsonl").is_file() and (
        (path / "conversations.json").is_file() or (path / "index.json").is_file())


# -- writing -----------------------------------------------------------------------------------
def _type_name(value: Any) -> str:
    return f"<class '{type(value).__name__}'>"


def _index(metas: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for meta in metas:
        for k, v in meta.items():
            types = out.setdefault(k, [])
            if _type_name(v) not in types:
                types.append(_type_name(v))
    return out


def _timestamp(value: datetime | None) -> int | float | None:
    if value is None:
        return None
    ts = value.timestamp()
    return int(ts) if ts.is_integer() else ts


def _anonymous_speaker(plain: bool, site: str, tid: str, cid: str | None) -> str:
    """The speaker id of an unknown author: the network's node key (``schema.ANONYMOUS_PREFIX``), with
    the site in it when the corpus holds several sites."""
    where = tid if plain else f"{site}:{tid}"
    return f"{schema.ANONYMOUS_PREFIX}{where}" + (f"/{cid}" if cid is not None else "")


def _thread_times(post: datetime | None, rows: list[dict[str, Any]]
                  ) -> tuple[tuple[int | float, str], list[tuple[int | float, str]]]:
    """Timestamps for a thread's post and its comments (in position order), each with where it came
    from (:data:`TIME_SOURCES`): ConvoKit sorts replies by timestamp and fails on a missing one."""
    own = [_timestamp(r["created_at"]) for r in rows]
    post_ts = _timestamp(post)
    if post_ts is None and all(t is None for t in own):
        return (0, "position"), [(r["position"] + 1, "position") for r in rows]
    out: list[tuple[int | float, str] | None] = [None if t is None else (t, "created_at") for t in own]
    last = post_ts
    for i, t in enumerate(own):
        if t is not None:
            last = t
        elif last is not None:
            out[i] = (last, "previous")
    following: int | float | None = None
    for i in range(len(own) - 1, -1, -1):
        if own[i] is not None:
            following = own[i]
        elif out[i] is None and following is not None:
            out[i] = (following, "next")
    if post_ts is None:
        post_pair: tuple[int | float, str] = (min(t for t in own if t is not None), "first_comment")
    else:
        post_pair = (post_ts, "created_at")
    return post_pair, [pair if pair is not None else post_pair for pair in out]


def _stance_meta(replies: pl.DataFrame | None) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(site, thread, comment) -> the reply's stance columns, for utterance meta."""
    if replies is None or replies.height == 0:
        return {}
    cols = [c for c in schema.STANCE_COLUMNS if c in replies.columns]
    if not cols:
        return {}
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in replies.select("site", "thread_id", "comment_id", *cols).iter_rows(named=True):
        key = (row.pop("site"), row.pop("thread_id"), row.pop("comment_id"))
        out[key] = {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}
    return out


def write_convokit(comments: pl.DataFrame, threads: pl.DataFrame | None, out_dir: str | Path,
                   replies: pl.DataFrame | None = None) -> Path:
    """Write comments (and their threads) as a ConvoKit corpus directory; returns the directory.

    Each thread is a conversation whose root utterance is the post (its author and text, else the
    title); comments reply to their parent, or to the root when top-level. A null author is a
    speaker of its own, ``anonymous#<thread>/<comment>`` (``anonymous#<thread>`` for the post; the
    site is put before the thread when the corpus holds several), flagged ``anonymous`` in
    speakers.json and ``discourse_author_null`` in the utterance's meta; null texts are written as
    ``[deleted]``, as ConvoKit's Reddit corpora do. Missing times are filled (:func:`_thread_times`,
    ``discourse_time_from`` and ``discourse_time_null`` in the meta) so that ConvoKit can order every
    conversation. ``replies`` (scored replies, ``schema.STANCE_COLUMNS``), when given, put each
    reply's stance into its utterance's meta under the same names (``p_agree`` ... ``lang``).
    Every file is written atomically.
    """
    comments = schema.conform(comments, schema.COMMENTS)
    threads = schema.conform(threads if threads is not None else schema.empty(schema.THREADS), schema.THREADS)
    out = Path(out_dir)
    keys = comments.select("site", "thread_id").unique(maintain_order=True)
    thread_rows = {(t["site"], t["thread_id"]): t for t in threads.iter_rows(named=True)}
    comment_ids = comments["comment_id"].to_list()
    one_site = comments["site"].n_unique() <= 1
    plain = (one_site and len(set(comment_ids)) == len(comment_ids)
             and not set(comment_ids) & set(keys["thread_id"].to_list()))
    stance = _stance_meta(replies)
    stance_cols = [c for c in schema.STANCE_COLUMNS if replies is not None and c in replies.columns]

    def uid(site: str, tid: str, cid: str | None = None) -> str:
        if plain:
            return cid if cid is not None else tid
        return f"{site}:{tid}" + (f":{cid}" if cid is not None else "")

    utterances: list[str] = []
    speakers: dict[str, dict[str, Any]] = {}
    conversations: dict[str, dict[str, Any]] = {}
    metas: list[dict[str, Any]] = []
    conv_metas: list[dict[str, Any]] = []

    def emit(obj: dict[str, Any]) -> None:
        speakers.setdefault(obj["speaker"], {"meta": {"anonymous": bool(obj["meta"]["discourse_author_null"])},
                                             "vectors": []})
        metas.append(obj["meta"])
        utterances.append(json.dumps(obj, ensure_ascii=False))

    rows_by_thread: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in comments.iter_rows(named=True):
        rows_by_thread.setdefault((row["site"], row["thread_id"]), []).append(row)
    for site, tid in keys.iter_rows():  # threads in the order they first appear
        t = thread_rows.get((site, tid), {})
        root = uid(site, tid)
        conv_meta = {"site": site, "discourse_thread_id": tid, "title": t.get("title"), "url": t.get("url"),
                     "reported_comments": t.get("reported_comments")}
        conversations[root] = {"meta": conv_meta, "vectors": []}
        conv_metas.append(conv_meta)
        rows = sorted(rows_by_thread[(site, tid)], key=lambda r: r["position"])
        (post_ts, post_from), times = _thread_times(t.get("created_at"), rows)
        emit({"id": root, "speaker": t.get("author") or _anonymous_speaker(plain, site, tid, None),
              "conversation_id": root, "reply_to": None,
              "timestamp": post_ts, "text": t.get("text") or t.get("title") or "",
              "meta": {"discourse_site": site, "discourse_thread_id": tid, "discourse_comment_id": None,
                       "discourse_role": "post", "title": t.get("title"),
                       "discourse_text_null": not t.get("text"), "discourse_author_null": not t.get("author"),
                       "discourse_time_from": post_from, "discourse_time_null": post_from != "created_at"},
              "vectors": []})
        for row, (ts, ts_from) in zip(rows, times, strict=True):
            cid = row["comment_id"]
            meta = {"discourse_site": site, "discourse_thread_id": tid,
                    "discourse_comment_id": cid, "discourse_role": "comment",
                    "score": row["score"], "parent_source": row["parent_source"],
                    "discourse_text_null": row["text"] is None, "discourse_author_null": row["author"] is None,
                    "discourse_time_from": ts_from, "discourse_time_null": ts_from != "created_at"}
            if stance_cols:
                meta.update(stance.get((site, tid, cid), dict.fromkeys(stance_cols)))
            emit({"id": uid(site, tid, cid),
                  "speaker": row["author"] if row["author"] is not None else _anonymous_speaker(plain, site, tid, cid),
                  "conversation_id": root,
                  "reply_to": uid(site, tid, row["parent_id"]) if row["parent_id"] is not None else root,
                  "timestamp": ts,
                  "text": row["text"] if row["text"] is not None else "[deleted]",
                  "meta": meta, "vectors": []})
    corpus_meta = {"name": "discourse export", "exported_by": "discourse"}
    index = {
        "utterances-index": _index(metas),
        "speakers-index": _index([s["meta"] for s in speakers.values()]),
        "conversations-index": _index(conv_metas),
        "overall-index": _index([corpus_meta]),
        "version": 1,
        "vectors": [],
    }
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "utterances.jsonl", "\n".join(utterances) + ("\n" if utterances else ""))
    write_json(out / "speakers.json", speakers)
    write_json(out / "conversations.json", conversations)
    write_json(out / "corpus.json", corpus_meta)
    write_json(out / "index.json", index)
    return out


register(Reader(
    name="convokit",
    site=SITE,
    description="ConvoKit corpus directory (utterances.jsonl, speakers.json, conversations.json, corpus.json, index.json)",
    sniff=sniff_convokit,
    read=read_convokit,
    priority=30,
    directory=True,
))
