"""Hostile inputs of issue 21, made in code (nothing large is committed): deep threads of every nested
format, Zstandard dumps cut at a block boundary, decompression bombs, and one small file per failure
the fuzzing found. Used by tests/io/test_robustness.py, tests/engines/test_robustness_engines.py,
tests/test_fuzz.py and bench/fuzz.py.

Deep JSON is written as text, level by level (``json.dumps`` itself recurses and stops near 1,000
levels).
"""

from __future__ import annotations

import json
import random
import shutil
import struct
from typing import NamedTuple
from pathlib import Path

import zstandard

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


# -- deep threads ---------------------------------------------------------------------------------
def _nest(depth: int, open_: callable, leaf: callable, close: str) -> str:
    """``open_(i)`` for each level, the innermost ``leaf(depth - 1)``, then the closing text."""
    return "".join(open_(i) for i in range(depth - 1)) + leaf(depth - 1) + close * (depth - 1)


def reddit_deep(depth: int = 199) -> str:
    """A Reddit thread page whose comments form one chain ``depth`` replies deep (5 JSON levels each)."""
    def fields(i: int) -> str:
        parent = f"t1_c{i - 1}" if i else "t3_s"
        return (f'"id": "c{i}", "name": "t1_c{i}", "parent_id": "{parent}", "link_id": "t3_s", '
                f'"author": "u{i % 3}", "body": "No, {i} is wrong.", "created_utc": {1700000000 + i}, "score": 1')

    chain = _nest(depth,
                  lambda i: '{"kind": "t1", "data": {' + fields(i) + ', "replies": {"kind": "Listing", "data": {"children": [',
                  lambda i: '{"kind": "t1", "data": {' + fields(i) + ', "replies": ""}}',
                  "]}}}}")
    post = ('{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "s", "name": "t3_s", '
            f'"title": "Deep", "author": "op", "num_comments": {depth}, "created_utc": 1700000000}}}}]}}}}')
    return f'[{post}, {{"kind": "Listing", "data": {{"children": [{chain}]}}}}]'


def hnpwa_deep(depth: int = 496) -> str:
    """An HNPWA item whose comments nest ``depth`` deep (2 JSON levels each)."""
    def fields(i: int) -> str:
        return f'"id": {1000 + i}, "level": {i}, "user": "u{i % 3}", "time": {1700000000 + i}, "content": "<p>no, {i}</p>"'

    chain = _nest(depth, lambda i: "{" + fields(i) + ', "comments": [', lambda i: "{" + fields(i) + ', "comments": []}',
                  "]}")
    return ('{"id": 1, "title": "Deep", "user": "op", "time": 1700000000, "content": "", '
            f'"comments_count": {depth}, "comments": [{chain}]}}')


def algolia_deep(depth: int = 496) -> str:
    """An Algolia items tree ``depth`` comments deep."""
    def fields(i: int) -> str:
        parent = 999 + i if i else 1
        return (f'"id": {1000 + i}, "author": "u{i % 3}", "created_at_i": {1700000000 + i}, "text": "no, {i}", '
                f'"parent_id": {parent}, "story_id": 1, "type": "comment"')

    chain = _nest(depth, lambda i: "{" + fields(i) + ', "children": [', lambda i: "{" + fields(i) + ', "children": []}',
                  "]}")
    return ('{"id": 1, "title": "Deep", "author": "op", "created_at_i": 1700000000, "type": "story", '
            f'"children": [{chain}]}}')


def peertube_deep(depth: int = 496) -> str:
    """A PeerTube thread tree ``depth`` comments deep."""
    def comment(i: int) -> str:
        parent = 999 + i if i else "null"
        return (f'"comment": {{"id": {1000 + i}, "threadId": 1000, "videoId": 7, "inReplyToCommentId": {parent}, '
                f'"text": "no, {i}", "account": {{"name": "u{i % 3}", "host": "tube.example"}}, '
                f'"createdAt": "2024-01-01T00:00:{i % 60:02d}Z", "totalReplies": 1}}')

    return _nest(depth, lambda i: "{" + comment(i) + ', "children": [', lambda i: "{" + comment(i) + ', "children": []}',
                 "]}")


def bluesky_deep(depth: int = 496) -> str:
    """A Bluesky getPostThread answer whose replies nest ``depth`` deep (3 JSON levels each)."""
    def uri(i: int | str) -> str:
        return f"at://did:plc:u{i}/app.bsky.feed.post/{i}"

    def post(i: int) -> str:
        parent = uri(i - 1) if i else uri("root")
        return (f'"post": {{"uri": "{uri(i)}", "author": {{"did": "did:plc:u{i % 3}", "handle": "u{i % 3}.bsky.social"}}, '
                f'"record": {{"text": "no, {i}", "createdAt": "2024-01-01T00:00:{i % 60:02d}.000Z", '
                f'"reply": {{"root": {{"uri": "{uri("root")}"}}, "parent": {{"uri": "{parent}"}}}}}}, "replyCount": 1}}')

    chain = _nest(depth, lambda i: "{" + post(i) + ', "replies": [', lambda i: "{" + post(i) + ', "replies": []}', "]}")
    return (f'{{"thread": {{"post": {{"uri": "{uri("root")}", "author": {{"handle": "op.bsky.social"}}, '
            f'"record": {{"text": "Deep"}}, "replyCount": 1}}, "replies": [{chain}]}}}}')


DEEP = {"reddit": (reddit_deep, 199, "thread.json"), "hnpwa": (hnpwa_deep, 496, "hnpwa.json"),
        "algolia": (algolia_deep, 496, "algolia.json"), "peertube": (peertube_deep, 496, "peertube.json"),
        "bluesky": (bluesky_deep, 496, "bluesky.json")}


# -- Pushshift dumps --------------------------------------------------------------------------------
def pushshift_comment(i: int, thread: str = "s", **fields: object) -> dict[str, object]:
    row: dict[str, object] = {"id": f"c{i}", "parent_id": f"t1_c{i - 1}" if i else f"t3_{thread}",
                              "link_id": f"t3_{thread}", "author": f"u{i % 7}", "body": f"No, point {i} is wrong.",
                              "created_utc": 1700000000 + i, "score": 1, "subreddit": "x"}
    row.update(fields)
    return row


def pushshift_lines(n: int, thread: str = "s") -> list[str]:
    return [json.dumps(pushshift_comment(i, thread)) for i in range(n)]


def zstd_with_blocks(lines: list[str], per_block: int) -> tuple[bytes, list[tuple[int, int]]]:
    """``lines`` compressed in one frame, a block flushed after every ``per_block`` lines: the bytes
    and, per flush, (compressed offset of the block boundary, lines before it)."""
    c = zstandard.ZstdCompressor(level=3).compressobj()
    out = bytearray()
    cuts = []
    for i, line in enumerate(lines, start=1):
        out += c.compress(line.encode() + b"\n")
        if i % per_block == 0:
            out += c.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
            cuts.append((len(out), i))
    out += c.flush()
    return bytes(out), cuts


def truncated_dump(n: int = 20_000, per_block: int = 1_000) -> tuple[bytes, int]:
    """A ``.zst`` dump of ``n`` comments cut at a block boundary that falls on a line end, nearly
    half way: the bytes, and how many comments the cut leaves readable."""
    data, cuts = zstd_with_blocks(pushshift_lines(n), per_block)
    cut, kept = cuts[len(cuts) // 2 - 1]
    return data[:cut], kept


def zstd_frame(blocks: list[tuple[int, int, bytes]]) -> bytes:
    """A Zstandard frame written by hand from ``(type, size, payload)`` blocks (type 0 raw, 1 RLE of
    ``size`` copies of the one payload byte, 2 compressed), without content size or checksum."""
    out = bytearray(ZSTD_MAGIC + bytes([0x00, 0x58]))   # descriptor; window 2 MiB
    for i, (kind, size, payload) in enumerate(blocks):
        last = int(i == len(blocks) - 1)
        out += struct.pack("<I", last | kind << 1 | size << 3)[:3] + payload
    return bytes(out)


def rle_frame(n_bytes: int, byte: bytes = b"a", head: bytes = b"", tail: bytes = b"") -> bytes:
    """``head`` (a raw block), ``n_bytes`` copies of one byte in RLE blocks of 128 KiB (4 bytes each on
    disk) and ``tail``: a decompression bomb of a few KiB per GiB."""
    full, rest = divmod(n_bytes, 1 << 17)
    blocks = ([(0, len(head), head)] if head else []) + [(1, 1 << 17, byte)] * full
    blocks += ([(1, rest, byte)] if rest else []) + ([(0, len(tail), tail)] if tail else [])
    return zstd_frame(blocks)


def bomb(line_bytes: int) -> bytes:
    """A Reddit-looking ``.zst`` dump: one comment, then one newline-free line of ``line_bytes`` bytes
    (it starts as a comment, so the file is still read as a Pushshift dump)."""
    first = json.dumps(pushshift_comment(0)).encode() + b"\n"
    start = b'{"id": "c1", "link_id": "t3_s", "parent_id": "t1_c0", "author": "x", "body": "'
    return rle_frame(line_bytes, b"a", head=first + start, tail=b'"}\n')


# -- one small file per failure the fuzzing found ------------------------------------------------
def _reddit_page(body: str) -> str:
    return ('[{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "s", "title": "T", '
            '"author": "op", "num_comments": 2, "created_utc": 1700000000}}]}}, {"kind": "Listing", "data": '
            '{"children": [{"kind": "t1", "data": {"id": "c0", "parent_id": "t3_s", "link_id": "t3_s", '
            f'"author": "a", "body": "{body}", "created_utc": 1700000001, "replies": {{"kind": "Listing", '
            '"data": {"children": [{"kind": "t1", "data": {"id": "c1", "parent_id": "t1_c0", "link_id": '
            '"t3_s", "author": "b", "body": "No.", "created_utc": 1700000002, "replies": ""}}]}}}}]}}]')


def _disqus(message: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    posts = "".join(
        f'<post dsq:id="{i}"><thread dsq:id="1"/>' + (f'<parent dsq:id="{i - 1}"/>' if i > 2 else "")
        + f"<message><![CDATA[{message if i == 3 else '<p>I disagree.</p>'}]]></message>"
        f"<author><name>a{i % 3}</name></author><createdAt>2024-01-01T00:00:0{i}Z</createdAt></post>"
        for i in range(2, 7))
    return (f'{declaration}\n<disqus xmlns:dsq="http://disqus.com/disqus-internals"><thread dsq:id="1">'
            f"<title>T</title></thread>{posts}</disqus>\n")


def _jsonl(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def _table_rows(n: int = 5) -> list[dict[str, object]]:
    return [{"id": str(i), "parent_id": str(i - 1) if i else None, "author": f"a{i % 3}",
             "text": "No, you are wrong.", "created_at": 1700000000 + i} for i in range(n)]


def regression_inputs() -> dict[str, tuple[str, bytes, int | None, int | None]]:
    """name -> (file name, bytes, comments read with ``on_error="raise"``, with ``"skip"``); None: a
    one-line error naming the file. Each reproduces one failure listed in issue 21."""
    lines = pushshift_lines(6)
    out: dict[str, tuple[str, bytes, int | None, int | None]] = {}
    blank = "comment_id,parent_id,author,text\n1,,a,hello there\n,1,b,I disagree\n3,1,c,agreed\n4,3,a,no\n"
    out["blank_comment_id"] = ("blank_id.csv", blank.encode(), None, 3)
    rows = _table_rows()
    rows[2]["created_at"] = 12345678901234567890
    out["epoch_20_digits"] = ("epoch.jsonl", _jsonl(rows).encode(), 5, 5)
    rows = _table_rows()
    rows[3]["text"] = ["nested", ["list"]]
    out["nested_list_cell"] = ("nested.jsonl", _jsonl(rows).encode(), None, 4)
    big = lines[:3] + ['{"id": "c3", "parent_id": "t1_c2", "link_id": "t3_s", "body": "x", "score": ' + "9" * 5000 + "}"]
    out["integer_over_4300_digits"] = ("bigint.ndjson", ("\n".join(big + lines[4:]) + "\n").encode(), None, 5)
    cr = lines[:3] + ['{"id": "c3", "body": "bro\rken'] + lines[4:]
    out["bad_line_with_raw_cr"] = ("cr.ndjson", ("\n".join(cr) + "\n").encode(), None, 5)
    out["unknown_xml_encoding"] = ("enc.xml", _disqus("<p>hi</p>", '<?xml version="1.0" encoding="x-nonsense"?>')
                                   .encode(), None, None)
    out["marked_section_in_disqus_html"] = ("marked.xml", _disqus("<p>hello <![foo[ bar</p> and <![ baz").encode(), 5, 5)
    out["lone_surrogate_reddit"] = ("surrogate_reddit.json", _reddit_page("I disagree \\ud800").encode(), 2, 2)
    hn = [{"id": 1, "type": "story", "title": "T", "by": "op", "time": 1700000000, "kids": [2]},
          {"id": 2, "type": "comment", "parent": 1, "by": "a", "text": "no \ud800 way", "time": 1700000001},
          {"id": 3, "type": "comment", "parent": 2, "by": "b", "text": "yes", "time": 1700000002}]
    out["lone_surrogate_hn"] = ("surrogate_hn.json", json.dumps(hn).encode(), 2, 2)
    out["lone_low_surrogate_pushshift"] = ("surrogate.ndjson", ("\n".join(
        json.dumps(pushshift_comment(i, body="x \udc00 y" if i == 2 else "No.")) for i in range(6)) + "\n").encode(), 6, 6)
    for name, (make, depth, fname) in DEEP.items():
        out[f"deep_{name}"] = (fname, make(depth).encode(), depth, depth)
    data, kept = truncated_dump(4_000, 500)
    out["truncated_zst_at_block_boundary"] = ("trunc.zst", data, None, kept)
    # a block whose header is sound but whose compressed content is not: the decompressor fails
    out["corrupt_zst"] = ("corrupt.zst", zstd_frame([(2, 24, bytes(range(200, 224)))]), None, None)
    # a whole frame, then bytes that are no frame
    full, _ = zstd_with_blocks(pushshift_lines(50), 10)
    out["zst_with_trailing_garbage"] = ("garbage.zst", full + b"\x00garbage after the frame", None, 50)
    out["zst_bomb_one_long_line"] = ("bomb.zst", bomb(64 << 20), None, 1)
    return out


def write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


# -- the fuzzing harness (tests/test_fuzz.py runs it briefly, bench/fuzz.py at length) ------------
DATA = Path(__file__).resolve().parent
SAMPLE = DATA.parent.parent / "sample_data"

# substrings that broke readers, or could: escapes JSON allows and UTF-8 cannot hold, numbers past
# Python's limits, markup Python's HTML and XML parsers trip on, control characters, line breaks JSON
# Lines must not split at, spreadsheet formulas and script (which must stay text), deep nesting
TOKENS: tuple[bytes, ...] = (
    b"\\ud800", b"\\udc00", b"\\ud83d\\ude00", b"\\u0000", b"\x00", b"\r", b"\r\n", b"\xe2\x80\xa8", b"\xc2\x85",
    b"\xff\xfe", b"\xef\xbb\xbf", b"\xed\xa0\x80", b"\x80\x81", b"9" * 4400, b"1e99999", b"-0", b"12345678901234567890",
    b"NaN", b"Infinity", b"null", b"true", b"[]", b"{}", b'""', b'"', b"\\", b",", b":", b"}", b"]", b"{", b"[",
    b"[" * 3000, b"{\"a\":" * 1500, b"<![foo[", b"<![", b"<!--", b"<![CDATA[", b"]]>", b"<?xml version=\"1.0\" encoding=\"x-nonsense\"?>",
    b"<!DOCTYPE d [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", b"&e;", b"&#0;", b"&#x110000;", b"&amp;lt;",
    b"<script>window.__pwned=1</script>", b"<img src=x onerror=alert(1)>", b"=HYPERLINK(\"http://x\")", b"@SUM(A1)",
    b"+1", b"\t", b"%{x}", b"\"id\": \"\"", b"\"id\": null", b"\"parent_id\": \"t1_\"", b"\"created_utc\": 1e300",
    b"\"link_id\": [1]", b"\"author\": {\"a\": 1}", b"\n\n\n", b"\n", b" " * 100, "ß漢字😀".encode(),
)


def seeds() -> list[tuple[str, bytes]]:
    """(file name, bytes) of one valid input of every format the readers take."""
    names = [
        "reddit/thread.json", "reddit/thread_morechildren.json", "reddit/comments.ndjson", "reddit/submissions.ndjson",
        "hn/algolia.json", "hn/firebase_items.json", "hn/firebase_wrapper.json", "hn/hnpwa.json", "hn/items.ndjson",
        "hn/item_page.html", "disqus/small.xml", "mastodon/context_with_ancestors.json", "mastodon/statuses.json",
        "peertube/page.json", "peertube/tree.json", "youtube/threads_page.json", "youtube/replies_page.json",
        "discourse_forum/topic.json", "discourse_forum/topic_quotes.json", "flatpage/wordpress.txt",
        "flatpage/disqus_copy.txt", "compare/hostile.csv", "webpage/wordpress.html", "webpage/disqus.html",
        "webpage/discourse.html", "webpage/forum.html", "wxr/export.xml", "bluesky/thread.json",
        "bluesky/branch.json", "lemmy/comments_page1.json", "telegram/result.json", "telegram/full_export.json",
        "stackexchange_api/question_thread.json",
    ]
    out = [(Path(n).name, (DATA / n).read_bytes()) for n in names]
    out += [(p.name, p.read_bytes()) for p in sorted(SAMPLE.iterdir()) if p.is_file()]
    out.append(("RC_comments.zst", zstandard.ZstdCompressor(level=3).compress((DATA / "reddit/comments.ndjson").read_bytes())))
    return out


DIRECTORY_SEEDS = {"convokit": DATA / "convokit" / "tiny", "stackexchange": DATA / "stackexchange" / "dump"}

# a mutation: (kind, position as a fraction of the file, a size or token index)
Op = tuple[str, float, int]
OP_KINDS = ("insert", "replace", "delete", "duplicate", "flip", "truncate", "in_value", "in_value")


def mutate(data: bytes, ops: list[Op]) -> bytes:
    """``data`` with each operation applied in turn (positions scale to the current length)."""
    buf = bytearray(data)
    for kind, where, k in ops:
        at = min(len(buf), int(where * len(buf)))
        token = TOKENS[k % len(TOKENS)]
        if kind == "insert":
            buf[at:at] = token
        elif kind == "replace":
            buf[at:at + len(token)] = token
        elif kind == "delete":
            del buf[at:at + 1 + k % 64]
        elif kind == "duplicate":
            buf[at:at] = buf[at:at + 1 + k % 256]
        elif kind == "flip" and buf:
            buf[min(at, len(buf) - 1)] ^= 1 << (k % 8)
        elif kind == "truncate":
            del buf[max(1, at):]
        elif kind == "in_value":
            # inside a value: after the opening quote of the string (or > of the element, the comma of the
            # cell) nearest the position, so that the file stays well-formed more often than not
            starts = [m + len(sep) for sep in (b'": "', b">", b",") if (m := buf.find(sep, at)) >= 0]
            if starts:
                pos = min(starts)
                buf[pos:pos] = token
    return bytes(buf)


def mutate_input(name: str, data: bytes, ops: list[Op]) -> bytes:
    """A ``.zst`` seed is mutated as text and compressed again, or (odd ops) cut as compressed bytes."""
    if not name.endswith(".zst"):
        return mutate(data, ops)
    text = zstandard.ZstdDecompressor().decompress(data)
    if len(ops) % 2:
        return mutate(data, [op for op in ops if op[0] in ("truncate", "flip")] or ops[:1])
    return zstandard.ZstdCompressor(level=3).compress(mutate(text, ops))


def random_ops(rnd: random.Random, n: int) -> list[Op]:
    return [(rnd.choice(OP_KINDS), rnd.random(), rnd.randrange(10_000)) for _ in range(n)]


def mutate_directory(kind: str, dst: Path, ops: list[Op]) -> Path:
    """A copy of a directory seed (ConvoKit corpus, Stack Exchange dump) with its main file mutated."""
    shutil.copytree(DIRECTORY_SEEDS[kind], dst)
    main = dst / ("utterances.jsonl" if kind == "convokit" else "Posts.xml")
    main.write_bytes(mutate(main.read_bytes(), ops))
    return dst


class Outcome(NamedTuple):
    kind: str            # "ok", "error" (one clean line), "traceback", "loss", "bad-message"
    detail: str = ""


def classify(path: Path, on_error: str) -> Outcome:
    """Read ``path`` with every registered reader's detection: a result whose every comment is
    accounted for, or a one-line DiscourseError naming the file; anything else is a finding."""
    import traceback

    import discourse.io as dio
    from discourse.errors import DiscourseError
    from discourse.options import ReadOptions

    try:
        r = dio.read(path, options=ReadOptions(on_error=on_error))  # type: ignore[arg-type]
    except DiscourseError as err:
        message = str(err)
        if "\n" in message or str(path) not in message:
            return Outcome("bad-message", message[:300])
        return Outcome("error", message[:200])
    except RecursionError as err:
        return Outcome("traceback", f"RecursionError: {err}")
    except Exception as err:  # noqa: BLE001 (the finding itself)
        return Outcome("traceback", "".join(traceback.format_exception_only(err)).strip()[:300])
    q = r.quality
    kept = sum(t.kept for t in q.threads.values())
    if q.check_balanced() or r.comments.height != kept:
        return Outcome("loss", f"balanced={not q.check_balanced()} rows={r.comments.height} kept={kept}")
    bad = sum(f.bad_records for f in q.files)
    if on_error == "raise" and bad:
        return Outcome("loss", f"{bad} record(s) skipped without --on-error skip")
    if on_error == "raise" and path.is_file():
        from discourse.io.lines import is_zstd, zstd_end

        if is_zstd(path) and zstd_end(path) is not None:
            return Outcome("loss", "a truncated or corrupt .zst read without an error")
    return Outcome("ok", f"{r.comments.height} comments")
