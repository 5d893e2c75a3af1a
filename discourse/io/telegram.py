"""Telegram Desktop JSON exports (``result.json``): one chat, or a whole account's chats.

Accepted: a single-chat export (``{"name", "type", "id", "messages": [...]}``, from a chat's "Export chat
history"), or a full account export (``{"chats": {"list": [chat, ...]}, "left_chats": {"list": [...]}}``,
from Settings > Advanced > Export Telegram data). Each chat is one thread (thread id: the chat ``id``;
the thread row's title is the chat's ``name``).

Decisions:

* a message (``type: "message"``) with ``reply_to_message_id`` replies to that message
  (``"explicit"``); a reply to a message the export lacks (deleted, or before the exported range) keeps
  its parent id and is counted as ``missing``. Chat messages that reply to nothing name no parent:
  ``parent_source = "none"`` (the infer stage decides what they answer, from turn-taking and
  mentions). A reply to a service message (a forum topic's creation) is a message of the chat with
  no parent, ``"none"`` too;
* service messages (``type: "service"``: joins, pins, calls, topic creation) are not comments: read
  and dropped as ``service``;
* forwarded messages (``forwarded_from``) are kept as said by the member who forwarded them (``from``)
  and flagged ``forwarded``;
* text is ``text`` when a string, else the concatenation of its parts (strings and entities
  ``{"type", "text"}``: links, mentions, formatting keep their visible text); a message with only a
  photo, file or sticker has ``""``;
* the author is ``from`` (the display name); when two accounts (``from_id``) of one chat share a
  display name, each is told apart as ``name (from_id)``; a deleted account (``from`` null) gives a
  null author, counted as ``author_deleted``;
* ``created_at`` is ``date_unixtime`` (UTC); exports older than 2021 have only ``date``, the exporting
  computer's local time, read as UTC and counted as ``local_time``; score is the sum of
  ``reactions[].count`` when the export has reactions, else null.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from discourse.errors import ParseError
from discourse.io._common import comments_frame, load_json, threads_frame
from discourse.io._times import utc_iso, utc_iso_from_unix
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["parse_telegram", "read_telegram", "sniff_telegram", "telegram_text"]

SITE = "telegram"


def telegram_text(text: Any) -> str:
    """A message's ``text`` (a string, or a list of strings and ``{"type", "text"}`` entities) as text."""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(p if isinstance(p, str) else str(p.get("text") or "") if isinstance(p, dict) else ""
                       for p in text)
    return ""


def _created(m: dict[str, Any]) -> tuple[str | None, bool]:
    """(ISO time, whether it is local time)."""
    unix = utc_iso_from_unix(m.get("date_unixtime"))
    if unix is not None:
        return unix, False
    date = utc_iso(m.get("date"))
    return date, date is not None


def _chats(data: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return [("top level", data)]
    if isinstance(data, dict) and isinstance(data.get("chats"), dict):
        out = []
        for key in ("chats", "left_chats"):
            section = data.get(key)
            chats = section.get("list") if isinstance(section, dict) else None
            if section is not None and not isinstance(chats, list):
                raise ParseError(path, key, "expected {'list': [chat, ...]}")
            out += [(f"{key}.list[{i}]", c) for i, c in enumerate(chats or [])]
        return out
    if isinstance(data, dict) and "personal_information" in data:
        raise ParseError(path, None, "a Telegram account export without chats: export again with 'Personal chats' "
                                     "and the groups wanted ticked, in JSON")
    raise ParseError(path, None, "expected a Telegram Desktop export: a chat ({'name', 'id', 'messages': [...]}) "
                                 "or a full export ({'chats': {'list': [...]}})")


def parse_telegram(data: Any, path: str = "<telegram>", thread_id: str | None = None) -> ReadResult:
    """Parse a decoded Telegram Desktop export into the canonical tables (see the module doc)."""
    quality = QualityReport()
    fq = FileQuality(path, SITE)
    rows: list[dict[str, Any]] = []
    threads: list[dict[str, Any]] = []
    for where, chat in _chats(data, path):
        if not isinstance(chat, dict) or chat.get("id") is None or not isinstance(chat.get("messages"), list):
            raise ParseError(path, where, "expected a chat with 'id' and a 'messages' list")
        tid = thread_id or str(chat["id"])
        quality.thread(SITE, tid)
        messages = chat["messages"]
        kinds: dict[str, str] = {}
        names: dict[str, set[str]] = defaultdict(set)
        for i, m in enumerate(messages):
            if not isinstance(m, dict) or m.get("id") is None or m.get("type") not in ("message", "service"):
                raise ParseError(path, f"{where}, messages[{i}]", "expected a message with 'id' and type 'message' or 'service'")
            kinds[str(m["id"])] = m["type"]
            if m["type"] == "message" and isinstance(m.get("from"), str):
                names[m["from"]].add(str(m.get("from_id")))
        fq.records += len(messages)
        threads.append({"site": SITE, "thread_id": tid, "title": chat.get("name"), "text": None,
                        "created_at": _created(messages[0])[0] if messages else None})
        local = absent = replies_to_service = 0
        for m in messages:
            mid = str(m["id"])
            quality.add_read(SITE, tid, 1)
            if m["type"] == "service":
                quality.drop(SITE, tid, "service")
                continue
            author = m.get("from")
            if not isinstance(author, str) or not author:
                author = None
                quality.repair(SITE, tid, "author_deleted")
            elif len(names[author]) > 1:
                author = f"{author} ({m.get('from_id')})"
            if m.get("forwarded_from") is not None:
                quality.flag(SITE, tid, "forwarded")
            created, is_local = _created(m)
            local += is_local
            reply = m.get("reply_to_message_id")
            parent = None if reply is None else str(reply)
            source = "explicit"
            if parent is not None and kinds.get(parent) == "service":
                parent, replies_to_service = None, replies_to_service + 1
            if parent is None:
                source = "none"
            elif parent not in kinds:
                absent += 1
            reactions = m.get("reactions")
            score = (sum(r.get("count", 0) for r in reactions if isinstance(r, dict) and isinstance(r.get("count"), int))
                     if isinstance(reactions, list) else None)
            rows.append({
                "site": SITE, "thread_id": tid, "comment_id": mid, "parent_id": parent, "author": author,
                "text": telegram_text(m.get("text")), "created_at": created, "score": score,
                "parent_source": source, "parent_confidence": 1.0 if source == "explicit" else 0.0,
            })
        if local:
            quality.repair(SITE, tid, "local_time", local)
            fq.notes.append(f"chat {tid}: {local} message(s) have only the exporting computer's local time (read as UTC)")
        if absent:
            quality.thread(SITE, tid).missing += absent
            fq.notes.append(f"chat {tid}: {absent} message(s) reply to a message the export does not hold")
        if replies_to_service:
            fq.notes.append(f"chat {tid}: {replies_to_service} message(s) reply to a service message "
                            "(a forum topic's start) and are read as replying to nothing")
    quality.files.append(fq)
    return ReadResult(comments_frame(rows), threads_frame(threads), quality)


def read_telegram(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a Telegram Desktop ``result.json``."""
    options = options or ReadOptions()
    return parse_telegram(load_json(path), str(path), options.thread_id)


def sniff_telegram(path: Path, head: str) -> bool:
    """A Telegram Desktop export: a chat's ``messages`` with Telegram's ``from_id``/``date_unixtime``
    keys, or a full export's ``personal_information``/``chats`` sections."""
    start = head.lstrip()
    if start[:1] != "{":
        return False
    if '"messages"' in start and ('"date_unixtime"' in start or '"from_id"' in start or '"actor_id"' in start) \
            and '"type"' in start:
        return True
    # a full export: its chats may start past the first 64 KiB (contacts, sessions come first)
    return '"personal_information"' in start or ('"chats"' in start and '"list"' in start and '"about"' in start)


READER = register(Reader(
    name="telegram", site=SITE,
    description="Telegram Desktop JSON exports (result.json): one chat or a full account export",
    sniff=sniff_telegram, read=read_telegram, priority=50, suffixes=(".json",),
))
