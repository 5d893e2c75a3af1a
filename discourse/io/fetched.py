"""A folder written by ``discourse fetch``: its manifest, and one saved API response per file.

``read_fetched(DIR)`` checks every file the manifest lists (present, SHA-256 unchanged), then reads
each thread's responses together, as the site's reader would read the whole thread in one file:

* **Reddit**: the thread page, with every ``/api/morechildren`` answer and "continue this thread" page
  merged into its tree (each comment under its ``parent_id``, expanded ``more`` stubs removed), read
  by :func:`discourse.io.reddit.parse_reddit`; stubs never expanded count as ``missing``.
* **Hacker News**: the Algolia tree; when the fetch walked Firebase too, its items and the Algolia
  nodes (as Firebase items) read by :func:`discourse.io.hackernews.parse_firebase`. The story's
  ``descendants`` is the thread's reported count.
* **Mastodon**: every status of the folder's status and context answers, once each, read as one list
  by :func:`discourse.io.mastodon.parse_mastodon` (the conversation's root is the thread's post).
* Discourse forums, YouTube, Lemmy, Bluesky, Stack Exchange: the thread's answers as one JSON array, read by the
  site's reader (a comment in two pages read once).
* Any other file: through the reader that recognises it, joined like several input files.

What the fetch could not get (the manifest's ``missing``) is noted on the folder and, where the
reader cannot see it in the responses, counted in the thread's ``missing`` (so coverage shows it).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl

from discourse import schema
from discourse.errors import InputError, ParseError
from discourse.io._common import load_json
from discourse.io.hackernews import parse_algolia, parse_firebase
from discourse.io.mastodon import parse_mastodon
from discourse.io.reddit import parse_reddit
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["MANIFEST", "MANIFEST_FORMAT", "merge_reddit", "read_fetched", "sniff_fetched"]

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "discourse-fetch"


def sniff_fetched(path: Path, head: str) -> bool:
    m = path / MANIFEST
    if not (path.is_dir() and m.is_file()):
        return False
    with m.open("rb") as fh:
        return f'"{MANIFEST_FORMAT}"'.encode() in fh.read(4096)


def _manifest(folder: Path) -> dict[str, Any]:
    data = load_json(folder / MANIFEST)
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("files"), list):
        raise ParseError(folder / MANIFEST, None, f"a manifest with format {MANIFEST_FORMAT!r} and a 'files' list")
    for i, f in enumerate(data["files"]):
        if not isinstance(f, dict) or not all(isinstance(f.get(k), str) for k in ("file", "site", "thread", "kind")):
            raise ParseError(folder / MANIFEST, f"files[{i}]", "an entry with 'file', 'site', 'thread' and 'kind'")
        target = folder / f["file"]
        if Path(f["file"]).name != f["file"] or not target.is_file():
            raise InputError(f"{folder / MANIFEST}: files[{i}] names {f['file']!r}, which is not in {folder}; "
                             "rerun `discourse fetch` into this folder to fetch it again")
        if f.get("sha256") and hashlib.sha256(target.read_bytes()).hexdigest() != f["sha256"]:
            raise InputError(f"{target}: changed since it was fetched (SHA-256 differs from the manifest's); "
                             "delete it and rerun `discourse fetch` into this folder")
    return data


# -- Reddit --------------------------------------------------------------------------------------
def _listing_things(listing: Any) -> list[Any]:
    data = listing.get("data") if isinstance(listing, dict) else None
    children = data.get("children") if isinstance(data, dict) else None
    return children if isinstance(children, list) else []


def _flat(things: list[Any]) -> list[dict[str, Any]]:
    """Things depth-first, each t1 without its nested replies (they follow it in the list)."""
    out: list[dict[str, Any]] = []
    stack = list(reversed(things))
    while stack:
        item = stack.pop()
        if not isinstance(item, dict) or not isinstance(item.get("data"), dict):
            continue
        data = item["data"]
        replies = data.get("replies")
        out.append({"kind": item.get("kind"), "data": {**data, "replies": ""} if item.get("kind") == "t1" else data})
        if item.get("kind") == "t1" and isinstance(replies, dict):
            stack.extend(reversed(_listing_things(replies)))
    return out


def merge_reddit(page: list[Any], extras: list[tuple[str, Any]]) -> list[Any]:
    """The thread page with morechildren answers and continue pages (``(kind, data)``) merged into its
    tree; ``more`` stubs all of whose ids are now held, and continue stubs whose page was fetched, go."""
    top = _listing_things(page[1])
    index: dict[str, dict[str, Any]] = {}
    for item in _walk_tree(top):
        index[str(item["data"].get("id"))] = item
    continued: set[str] = set()
    pending: list[dict[str, Any]] = []
    for kind, data in extras:
        if kind == "continue" and isinstance(data, list) and len(data) == 2:
            things = _listing_things(data[1])
            if things and isinstance(things[0], dict) and isinstance(things[0].get("data"), dict):
                continued.add(str(things[0]["data"].get("id")))
            pending += _flat(things)
        elif kind == "morechildren" and isinstance(data, dict):
            body = data.get("json")
            payload = body.get("data") if isinstance(body, dict) else None
            found = payload.get("things") if isinstance(payload, dict) else None
            pending += _flat(found if isinstance(found, list) else [])
    placed = True
    while pending and placed:
        placed, left = False, []
        for item in pending:
            d = item["data"]
            if item["kind"] == "t1" and str(d.get("id")) in index:
                placed = True
                continue
            parent = str(d.get("parent_id") or "")
            if parent.startswith("t1_") and parent[3:] not in index:
                left.append(item)
                continue
            _children_of(index.get(parent[3:]), top).append(item)
            if item["kind"] == "t1":
                index[str(d.get("id"))] = item
            placed = True
        pending = left
    for item in pending:        # parents never fetched: at the top, keeping their parent id (repair re-attaches)
        top.append(item)
    _prune(top, set(index), continued)
    return page


def _walk_tree(things: list[Any]) -> list[dict[str, Any]]:
    out, stack = [], list(things)
    while stack:
        item = stack.pop()
        if isinstance(item, dict) and isinstance(item.get("data"), dict) and item.get("kind") == "t1":
            out.append(item)
            stack.extend(_listing_things(item["data"].get("replies")))
    return out


def _children_of(item: dict[str, Any] | None, top: list[Any]) -> list[Any]:
    if item is None:
        return top
    replies = item["data"].get("replies")
    if not isinstance(replies, dict):
        replies = {"kind": "Listing", "data": {"children": []}}
        item["data"]["replies"] = replies
    return _listing_things(replies) if isinstance(replies["data"].get("children"), list) else top


def _prune(things: list[Any], held: set[str], continued: set[str]) -> None:
    stack = [things]
    while stack:
        lst = stack.pop()
        keep = []
        for item in lst:
            if isinstance(item, dict) and item.get("kind") == "more" and isinstance(item.get("data"), dict):
                d = item["data"]
                kids = [str(c) for c in d.get("children") or []]
                parent = str(d.get("parent_id") or "")
                if kids and all(k in held for k in kids):
                    continue
                if d.get("id") == "_" and parent[3:] in continued:
                    continue
            keep.append(item)
            if isinstance(item, dict) and isinstance(item.get("data"), dict) and item.get("kind") == "t1":
                sub = _listing_things(item["data"].get("replies"))
                if sub:
                    stack.append(sub)
        lst[:] = keep


def _read_reddit(folder: Path, entries: list[dict[str, Any]]) -> ReadResult | None:
    pages = [e for e in entries if e["kind"] == "thread"]
    if not pages:
        return None
    page = load_json(folder / pages[0]["file"])
    if not (isinstance(page, list) and len(page) == 2):
        raise ParseError(folder / pages[0]["file"], None, "a Reddit thread page [submission Listing, comment Listing]")
    extras = [(e["kind"], load_json(folder / e["file"])) for e in entries if e["kind"] in ("morechildren", "continue")]
    result = parse_reddit(merge_reddit(page, extras), folder / pages[0]["file"])
    if extras:
        result.quality.files[-1].notes.append(f"{len(extras)} morechildren / continue response(s) merged into the tree")
    return result


# -- Hacker News ---------------------------------------------------------------------------------
def _algolia_as_firebase(tree: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [tree]
    while stack:
        n = stack.pop()
        if not isinstance(n, dict) or n.get("id") is None:
            continue
        kids = [c for c in n.get("children") or [] if isinstance(c, dict)]
        item: dict[str, Any] = {"id": n["id"], "type": n.get("type"), "by": n.get("author"), "time": n.get("created_at_i"),
                                "text": n.get("text"), "kids": [c.get("id") for c in kids]}
        if n.get("parent_id") is not None:
            item["parent"] = n["parent_id"]
        if n.get("title") is not None:
            item["title"], item["url"], item["score"] = n.get("title"), n.get("url"), n.get("points")
        if n.get("author") is None and n.get("text") is None and n.get("type") == "comment":
            item["deleted"] = True
        out.append(item)
        stack.extend(reversed(kids))
    return out


def _read_hackernews(folder: Path, entries: list[dict[str, Any]]) -> ReadResult | None:
    algolia = [load_json(folder / e["file"]) for e in entries if e["kind"] == "algolia"]
    firebase = [x for e in entries if e["kind"] == "firebase" for x in [load_json(folder / e["file"])]
                if isinstance(x, dict)]
    tree = algolia[0] if algolia and isinstance(algolia[0], dict) else None
    story = next((x for x in firebase if x.get("type") in ("story", "poll", "job")), None)
    first = folder / entries[0]["file"]
    if tree is not None and len(firebase) <= 1:
        result = parse_algolia(tree, folder / next(e["file"] for e in entries if e["kind"] == "algolia"))
        if story is not None and isinstance(story.get("descendants"), int):
            result.quality.thread("hackernews", str(story["id"])).reported = story["descendants"]
            result = ReadResult(result.comments, result.threads.with_columns(
                reported_comments=pl.lit(story["descendants"], dtype=schema.THREADS["reported_comments"])),
                result.quality)
        return result
    items: dict[str, dict[str, Any]] = {str(x.get("id")): x for x in firebase}
    for node in _algolia_as_firebase(tree) if tree else []:
        items.setdefault(str(node["id"]), node)
    if not items:
        return None
    return parse_firebase(list(items.values()), first)


# -- Mastodon ------------------------------------------------------------------------------------
def _read_mastodon(folder: Path, entries: list[dict[str, Any]]) -> ReadResult | None:
    statuses: dict[str, Any] = {}
    for e in entries:
        data = load_json(folder / e["file"])
        if e["kind"] == "status" and isinstance(data, dict):
            statuses.setdefault(str(data.get("id")), data)
        elif e["kind"] == "context" and isinstance(data, dict):
            for key in ("ancestors", "descendants"):
                for s in data.get(key) or []:
                    if isinstance(s, dict):
                        statuses.setdefault(str(s.get("id")), s)
    if not statuses:
        return None
    return parse_mastodon(list(statuses.values()), str(folder / entries[0]["file"]))


# sites whose reader takes a JSON array of the thread's answers: (reader module, kinds of answer to read)
_LIST_READERS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "discourse": ("discourse_forum", ("topic", "posts")),
    "youtube": ("youtube", ("commentThreads", "comments")),
    "lemmy": ("lemmy", ("post", "comments")),
    "bluesky": ("bluesky", ("thread",)),
    "stackexchange": ("stackexchange_api", None),     # every answer: question, answers, comments
}


def _read_as_list(site: str, folder: Path, entries: list[dict[str, Any]]) -> ReadResult | None:
    """The thread's answers as one JSON array, read by the site's ``parse_*`` (pages of one thread
    counted once: a comment in two pages is read once, what no page holds is missing once)."""
    import importlib

    module, kinds = _LIST_READERS[site]
    try:
        parse = getattr(importlib.import_module(f"discourse.io.{module}"), f"parse_{module}")
    except (ImportError, AttributeError):
        return None
    data = [load_json(folder / e["file"]) for e in entries if kinds is None or e["kind"] in kinds]
    if not data:
        return None
    if site == "youtube":
        data = _youtube_replies_in_threads(data)
    elif site == "discourse":
        data = _discourse_posts_in_topic(data)
    # YouTube's replies pages carry no videoId: the thread is the video the fetch asked about
    return parse(data, str(folder / entries[0]["file"]), entries[0]["thread"] if site == "youtube" else None)


def _discourse_posts_in_topic(pages: list[Any]) -> list[Any]:
    """The topic answer with the posts of every ``posts.json`` page in its ``post_stream.posts`` (once
    each, in stream order), so that the stream's ids without a post are what is really missing."""
    topic = next((p for p in pages if isinstance(p, dict) and isinstance(p.get("post_stream"), dict)
                  and isinstance(p["post_stream"].get("stream"), list)), None)
    if topic is None:
        return pages
    posts: dict[Any, Any] = {}
    for page in [topic, *[p for p in pages if p is not topic]]:
        stream = page.get("post_stream") if isinstance(page, dict) else None
        for post in (stream.get("posts") or []) if isinstance(stream, dict) else []:
            if isinstance(post, dict):
                posts.setdefault(post.get("id"), post)
    order = {pid: i for i, pid in enumerate(topic["post_stream"]["stream"])}
    merged = sorted(posts.values(), key=lambda p: (order.get(p.get("id"), len(order)), p.get("post_number") or 0))
    return [{**topic, "post_stream": {**topic["post_stream"], "posts": merged}}]


def _youtube_replies_in_threads(pages: list[Any]) -> list[Any]:
    """commentThreads pages with each thread's ``replies.comments`` completed by the ``comments.list``
    pages fetched for it (a reply once, however many pages hold it), so that ``totalReplyCount``
    against the replies held counts only what is really missing."""
    fetched: dict[str, dict[str, Any]] = {}
    threads, rest = [], []
    for page in pages:
        if isinstance(page, dict) and page.get("kind") == "youtube#commentListResponse" \
                and isinstance(page.get("items"), list):
            for c in page["items"]:
                parent = (c.get("snippet") or {}).get("parentId") if isinstance(c, dict) else None
                if parent and c.get("id"):
                    fetched.setdefault(str(c["id"]), c)
        elif isinstance(page, dict) and isinstance(page.get("items"), list):
            threads.append(page)
        else:
            rest.append(page)
    placed: set[str] = set()
    for page in threads:
        for t in page["items"]:
            if not isinstance(t, dict):
                continue
            replies = (t.get("replies") or {}).get("comments") or []
            have = {str(r.get("id")) for r in replies if isinstance(r, dict)}
            extra = [c for cid, c in fetched.items() if (c.get("snippet") or {}).get("parentId") == t.get("id")
                     and cid not in have]
            placed.update(have, (str(c["id"]) for c in extra))
            if extra:
                t["replies"] = {"comments": [*replies, *extra]}
    orphans = [c for cid, c in fetched.items() if cid not in placed]
    tail = [{"kind": "youtube#commentListResponse", "items": orphans}] if orphans else []
    return [*threads, *rest, *tail]


_SITE_READERS = {"reddit": _read_reddit, "hackernews": _read_hackernews, "mastodon": _read_mastodon}


def read_fetched(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a ``discourse fetch`` folder (see the module doc)."""
    from discourse.io import merge_threads, read_file

    options = options or ReadOptions()
    folder = Path(path)
    manifest = _manifest(folder)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in manifest["files"]:
        # Mastodon files are keyed by the URL's status; a conversation's files are read together
        groups[(f["site"], "" if f["site"] == "mastodon" else f["thread"])].append(f)
    results: list[ReadResult] = []
    for (site, _thread), entries in groups.items():
        special = _SITE_READERS.get(site)
        got = special(folder, entries) if special else _read_as_list(site, folder, entries) \
            if site in _LIST_READERS else None
        if got is not None:
            results.append(got)
        else:
            results += [read_file(folder / e["file"], None, options) for e in entries]
    quality = QualityReport()
    for r in results:
        quality = quality.merge(r.quality)
    fq = FileQuality(str(folder / MANIFEST), "fetched", records=len(manifest["files"]))
    for t in manifest.get("threads") or []:
        if not isinstance(t, dict):
            continue
        missing = {k: v for k, v in (t.get("missing") or {}).items() if isinstance(v, int) and v}
        if missing:
            fq.notes.append(f"{t.get('site')} thread {t.get('thread')}: the fetch could not get "
                            + ", ".join(f"{v} ({k.replace('_', ' ')})" for k, v in sorted(missing.items())))
            if t.get("site") == "mastodon":   # replies the server counted but never sent: invisible in the files
                quality.thread("mastodon", str(t.get("thread"))).missing += missing.get("not_returned", 0)
    quality.files.append(fq)
    if not results:
        raise InputError(f"{folder}: the fetch folder holds no responses (its manifest lists no files)")
    comments = schema.conform(pl.concat([r.comments for r in results], how="diagonal_relaxed"), schema.COMMENTS)
    return ReadResult(comments, merge_threads([r.threads for r in results]), quality)


READER = register(Reader(
    name="fetched", site="fetched",
    description="a folder written by `discourse fetch` (manifest.json and the saved API responses)",
    sniff=sniff_fetched, read=read_fetched, priority=90, directory=True,
))
