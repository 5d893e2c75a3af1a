"""Stack Exchange data dumps: ``Posts.xml``, ``Comments.xml`` and ``Users.xml`` (row-attribute XML).

Give the dump directory, or ``Posts.xml`` alone (``Comments.xml``/``Users.xml`` beside it are found by
replacing ``Posts`` in its name, so ``site_Posts.xml`` finds ``site_Comments.xml``). Files are streamed
with :func:`xml.etree.ElementTree.iterparse`; a UTF-8 BOM and a ``<!DOCTYPE>`` line are fine.

A thread is a question: the question is the thread's post (title, body, author), not a comment.
Answers are comments replying to the post (null parent); comments on the question reply to the post;
comments on an answer reply to that answer. Post and comment ids are separate sequences, so comment ids
are namespaced: ``a<Id>`` for answers, ``c<Id>`` for comments; the thread id is the question ``Id``.
``position`` is depth-first: the question's comments, then each answer followed by its comments.

Authors: ``DisplayName`` from ``Users.xml`` for ``OwnerUserId``/``UserId``, else the row's own
``OwnerDisplayName``/``UserDisplayName``, else ``user<Id>`` (Stack Exchange's own name for a user it no
longer knows); a row with neither id nor name has a null author, flagged ``author_unknown``. Display names
are not unique: when users of the data share one, each becomes ``Name (user<Id>)`` so that they stay
different nodes (noted on ``Users.xml``). Bodies are
HTML -> text; comment ``Text`` is plain. Score is ``Score``.

Accounting: answers of a question missing from the dump are kept in a thread of that id (flagged
``thread_missing``); comments on posts that are not in ``Posts.xml``, or are neither question nor answer
(tag wikis, ...), are read into a thread named by that post id and dropped (``post_missing``,
``not_question_or_answer``). Other post types are noted on the file. A thread's ``reported`` is the dump's
own ``AnswerCount`` plus the ``CommentCount`` of the question and of its answers present.
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl

from discourse import schema
from discourse._typing import OnError
from discourse.errors import EmptyInput, FileNotFound, ParseError
from discourse.io._common import html_to_text, iso_utc, xml_encoding_error
from discourse.io.registry import Reader, ReadOptions, ReadResult, register
from discourse.quality import FileQuality, QualityReport

__all__ = ["dump_files", "parse_stackexchange", "read_stackexchange", "sniff_stackexchange"]

SITE = "stackexchange"
_ROOT_RE = re.compile(r"^(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE[^>]*>\s*)?<(posts|comments|users)>\s*<row\s", re.IGNORECASE)
QUESTION, ANSWER = "1", "2"


def _rows(source: IO[bytes], path: str, root: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, attributes) of each ``<row>`` of a dump file, freeing them as it goes."""
    n = 0
    try:
        it = ET.iterparse(source, events=("start", "end"))
        _, first = next(it)
        if first.tag.lower() != root:
            raise ParseError(path, "line 1", f"expected a Stack Exchange <{root}> file, found <{first.tag}>")
        for event, elem in it:
            if event == "end" and elem.tag == "row":
                n += 1
                yield n, dict(elem.attrib)
                first.clear()
    except ET.ParseError as err:
        line, col = err.position
        raise ParseError(path, f"line {line}, column {col}", f"malformed XML: {err}") from err
    except (LookupError, ValueError) as err:
        raise xml_encoding_error(path, err) from err
    except StopIteration as err:
        raise ParseError(path, None, f"expected a Stack Exchange <{root}> file; found no elements") from err


def _int(v: str | None) -> int | None:
    try:
        return int(v) if v not in (None, "") else None
    except ValueError:
        return None


def parse_stackexchange(posts: IO[bytes], comments: IO[bytes] | None = None, users: IO[bytes] | None = None,
                        path: str = "Posts.xml", comments_path: str = "Comments.xml",
                        users_path: str = "Users.xml", on_error: OnError = "raise") -> ReadResult:
    """Parse a dump's Posts (and optional Comments and Users) streams into the canonical tables.

    ``on_error="skip"``: a row lacking a required attribute is skipped and counted as a bad record of
    its file instead of failing (malformed XML always fails: the parser cannot resume).
    """

    def bad(fq: FileQuality, file: str, record: str, expected: str) -> None:
        if on_error != "skip":
            raise ParseError(file, record, expected)
        fq.bad_records += 1

    quality = QualityReport()
    fq_posts = FileQuality(path, "stackexchange")
    other_types: dict[str, int] = {}
    threads: dict[str, dict[str, Any]] = {}
    answers: list[dict[str, Any]] = []
    post_kind: dict[str, tuple[str, str]] = {}   # post id -> (type id, thread id)
    comment_counts: dict[str, int] = {}          # thread id -> CommentCount of question + answers
    for n, row in _rows(posts, path, "posts"):
        pid, ptype = row.get("Id"), row.get("PostTypeId")
        fq_posts.records = n
        if not pid:
            bad(fq_posts, path, f"row {n}", "expected an Id attribute on every post row")
            continue
        if ptype == QUESTION:
            post_kind[pid] = (QUESTION, pid)
            threads[pid] = {
                "site": SITE, "thread_id": pid, "title": row.get("Title"), "text": html_to_text(row.get("Body")),
                "user_id": row.get("OwnerUserId"), "fallback": row.get("OwnerDisplayName"),
                "created_at": row.get("CreationDate"), "answers": _int(row.get("AnswerCount")),
            }
            comment_counts[pid] = comment_counts.get(pid, 0) + (_int(row.get("CommentCount")) or 0)
        elif ptype == ANSWER:
            qid = row.get("ParentId")
            if not qid:
                bad(fq_posts, path, f"row {n} (Id={pid})", "expected a ParentId on an answer (PostTypeId 2)")
                continue
            post_kind[pid] = (ANSWER, qid)
            comment_counts[qid] = comment_counts.get(qid, 0) + (_int(row.get("CommentCount")) or 0)
            answers.append({
                "thread_id": qid, "comment_id": f"a{pid}", "parent_id": None,
                "user_id": row.get("OwnerUserId"), "fallback": row.get("OwnerDisplayName"),
                "text": html_to_text(row.get("Body")) or "", "created_at": row.get("CreationDate"),
                "score": _int(row.get("Score")), "branch": len(answers) + 1, "order": -1,
            })
        else:
            post_kind[pid] = (ptype or "?", pid)
            other_types[ptype or "?"] = other_types.get(ptype or "?", 0) + 1
    for ptype, k in sorted(other_types.items()):
        fq_posts.notes.append(f"{k} post(s) of PostTypeId {ptype} (neither question nor answer) are not threads")
    files = [fq_posts]

    branch_of = {a["comment_id"]: a["branch"] for a in answers}
    rows = list(answers)
    if comments is not None:
        fq_c = FileQuality(comments_path, "stackexchange")
        for n, row in _rows(comments, comments_path, "comments"):
            cid, post = row.get("Id"), row.get("PostId")
            fq_c.records = n
            if not cid or not post:
                bad(fq_c, comments_path, f"row {n}", "expected Id and PostId attributes on every comment row")
                continue
            kind, tid = post_kind.get(post, (None, post))
            if kind == ANSWER:
                parent = f"a{post}"
                branch = branch_of[parent]
            elif kind == QUESTION:
                parent, branch = None, 0
            else:
                quality.add_read(SITE, post, 1)
                quality.drop(SITE, post, "post_missing" if kind is None else "not_question_or_answer")
                continue
            rows.append({
                "thread_id": tid, "comment_id": f"c{cid}", "parent_id": parent,
                "user_id": row.get("UserId"), "fallback": row.get("UserDisplayName"),
                "text": (row.get("Text") or "").strip(), "created_at": row.get("CreationDate"),
                "score": _int(row.get("Score")), "branch": branch, "order": n,
            })
        files.append(fq_c)

    names = pl.DataFrame(schema={"user_id": pl.String(), "display": pl.String()})
    if users is not None:
        wanted = {r["user_id"] for r in rows if r["user_id"]} | {t["user_id"] for t in threads.values() if t["user_id"]}
        fq_u = FileQuality(users_path, "stackexchange")
        found = []
        for n, row in _rows(users, users_path, "users"):
            if row.get("Id") in wanted:
                found.append({"user_id": row["Id"], "display": row.get("DisplayName")})
            fq_u.records = n
        names = pl.DataFrame(found, schema={"user_id": pl.String(), "display": pl.String()})
        # display names are not unique on Stack Exchange: two users called "John" must stay two nodes
        shared = pl.col("display").is_not_null() & (pl.col("display") != "") & (
            pl.col("user_id").n_unique().over("display") > 1)
        n_shared = names.filter(shared)
        if n_shared.height:
            fq_u.notes.append(f"{n_shared['display'].n_unique()} display name(s) shared by {n_shared.height} users "
                              "are told apart by their id, e.g. 'John (user1011)'")
        names = names.with_columns(pl.when(shared).then(pl.format("{} (user{})", "display", "user_id"))
                                   .otherwise(pl.col("display")).alias("display"))
        files.append(fq_u)

    def with_authors(df: pl.DataFrame) -> pl.DataFrame:
        return df.join(names, on="user_id", how="left").with_columns(
            author=pl.coalesce(pl.col("display").replace("", None), pl.col("fallback").replace("", None),
                               pl.lit("user") + pl.col("user_id")),
            created_at=iso_utc("created_at"),
        ).drop("display", "fallback", "user_id")

    spec = {"thread_id": pl.String(), "comment_id": pl.String(), "parent_id": pl.String(), "user_id": pl.String(),
            "fallback": pl.String(), "text": pl.String(), "created_at": pl.String(), "score": pl.Int64(),
            "branch": pl.Int64(), "order": pl.Int64()}
    cdf = with_authors(pl.DataFrame(rows, schema=spec))
    seq = pl.DataFrame({"thread_id": list(post_kind)}, schema={"thread_id": pl.String()}).with_row_index("tseq")
    cdf = cdf.join(seq, on="thread_id", how="left").sort("tseq", "thread_id", "branch", "order", nulls_last=True)
    cdf = cdf.drop("tseq").with_columns(
        site=pl.lit(SITE), position=pl.int_range(pl.len(), dtype=pl.Int64).over("thread_id"),
        parent_source=pl.lit("explicit"), parent_confidence=pl.lit(1.0),
    ).drop("branch", "order")

    missing_threads = sorted(set(cdf["thread_id"].unique().to_list()) - threads.keys())
    per_thread = cdf.group_by("thread_id").agg(n=pl.len(), unknown=pl.col("author").is_null().sum())
    for tid, n, unknown in per_thread.sort("thread_id").iter_rows():
        quality.add_read(SITE, tid, n)
        quality.flag(SITE, tid, "author_unknown", unknown)
    for tid in missing_threads:
        quality.flag(SITE, tid, "thread_missing", quality.thread(SITE, tid).kept)
        threads[tid] = {"site": SITE, "thread_id": tid}
    if missing_threads:
        fq_posts.notes.append(f"{len(missing_threads)} question(s) with answers or comments are not in the dump")
    for tid, t in threads.items():
        if t.get("answers") is not None:
            reported = t["answers"] + comment_counts.get(tid, 0)
            t["reported_comments"] = reported
            quality.thread(SITE, tid).reported = reported
    tspec = {"site": pl.String(), "thread_id": pl.String(), "title": pl.String(), "text": pl.String(),
             "user_id": pl.String(), "fallback": pl.String(), "created_at": pl.String(),
             "reported_comments": pl.Int64()}
    tdf = with_authors(pl.DataFrame([{k: t.get(k) for k in tspec} for t in threads.values()], schema=tspec))
    quality.files.extend(files)
    return ReadResult(schema.conform(cdf, schema.COMMENTS), schema.conform(tdf, schema.THREADS), quality)


def dump_files(path: str | Path) -> tuple[Path, Path | None, Path | None]:
    """(Posts, Comments, Users) of a dump given as its directory or its Posts.xml; absent ones are None."""
    p = Path(path)
    if not p.exists():
        raise FileNotFound(p)
    if p.is_dir():
        posts = sorted(f for f in p.iterdir() if f.name.lower().endswith("posts.xml"))
        if len(posts) != 1:
            raise ParseError(p, None,
                             f"expected one *Posts.xml in the Stack Exchange dump directory, found {len(posts)}")
        p = posts[0]
    i = p.name.lower().rfind("posts")
    if i < 0:
        raise ParseError(p, None, "expected a Stack Exchange Posts.xml (or the dump directory)")

    def sibling(kind: str) -> Path | None:
        for name in (p.name[:i] + kind + p.name[i + 5:], p.name[:i] + kind.lower() + p.name[i + 5:]):
            if (p.parent / name).is_file():
                return p.parent / name
        return None

    return p, sibling("Comments"), sibling("Users")


def read_stackexchange(path: str | Path, options: ReadOptions | None = None) -> ReadResult:
    """Read a Stack Exchange dump: its directory, or Posts.xml with its siblings."""
    p = Path(path)
    if not p.exists():
        raise FileNotFound(p)
    if p.is_file() and re.search(r"(comments|users)\.xml$", p.name, re.IGNORECASE):
        posts_sibling = re.sub(r"(comments|users)(\.xml)$", r"Posts\2", p.name, flags=re.IGNORECASE)
        if (p.parent / posts_sibling).is_file():
            empty = ReadResult(schema.empty(schema.COMMENTS), schema.empty(schema.THREADS), QualityReport())
            empty.quality.files.append(FileQuality(str(p), "stackexchange", notes=[
                f"read through {posts_sibling}: a dump's comments and users are read with its posts"]))
            return empty
        raise ParseError(p, None, "is a Stack Exchange Comments/Users file; give Posts.xml or the dump directory")
    posts, comments, users = dump_files(p)
    with open(posts, "rb") as fh:
        if not fh.read(4096).lstrip(b"\xef\xbb\xbf").strip():
            raise EmptyInput(posts)
    with contextlib.ExitStack() as stack:
        posts_fh = stack.enter_context(open(posts, "rb"))
        comments_fh, users_fh = (stack.enter_context(open(f, "rb")) if f is not None else None for f in (comments, users))
        return parse_stackexchange(posts_fh, comments_fh, users_fh, str(posts),
                                   str(comments) if comments else "Comments.xml", str(users) if users else "Users.xml",
                                   (options or ReadOptions()).on_error)


def sniff_stackexchange(path: Path, head: str) -> bool:
    """A dump directory holding *Posts.xml, or a dump file whose root is <posts>/<comments>/<users>."""
    if path.is_dir():
        return any(f.name.lower().endswith("posts.xml") for f in path.iterdir())
    return bool(_ROOT_RE.match(head.lstrip("\ufeff \t\r\n")))


READER = register(Reader(
    name="stackexchange", site=SITE,
    description="Stack Exchange data dump (directory, or Posts.xml with Comments.xml/Users.xml beside it)",
    sniff=sniff_stackexchange, read=read_stackexchange, priority=50, directory=True, suffixes=(".xml",),
))
