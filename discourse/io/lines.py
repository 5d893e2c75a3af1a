"""Line-aligned blocks of NDJSON files, plain or Zstandard-compressed, safe against bad input.

Every reader and engine that cuts a dump into lines goes through :func:`iter_line_blocks`, which
promises three things whatever the file holds:

* **nothing lost in silence**: a ``.zst`` file whose last frame does not end (a download cut short
  at a block boundary decompresses to a shorter valid dump) is found by walking the frames' headers
  (:func:`zstd_end`, no decompression) and is an error naming the file and byte offset, or with
  ``on_error="skip"`` a note and one bad record (the unreadable rest). Corrupt compressed data is the
  same, at the offset where the decompressor stopped.
* **bounded memory**: no line longer than ``max_line_bytes`` is ever held. One block is decompressed
  at a time (``stream_reader.read(n)`` returns at most ``n`` bytes, however well the input
  compresses), and the unfinished line carried between blocks is dropped once it passes the limit, so
  a "bomb" of one newline-free line (a few KiB that decompress to gigabytes) costs one block plus the
  limit, never the line. A longer line is an error naming it, or with ``on_error="skip"`` skipped
  (its bytes are read and dropped) and counted.
* **lines as JSON Lines mean them**: split at ``\\n`` only (a raw ``\\r`` inside a bad line does not
  make it two).
"""

from __future__ import annotations

import contextlib
import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import numpy as np
import zstandard

from discourse._typing import OnError
from discourse.errors import ParseError
from discourse.io._common import MAX_LINE_BYTES, too_long_message

__all__ = ["ZSTD_MAGIC", "LineStats", "ZstdEnd", "is_zstd", "iter_line_blocks", "longest_line", "open_decompressed",
           "zstd_end"]

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_SKIPPABLE = b"\x2a\x4d\x18"        # bytes 1-3 of a skippable frame's magic (byte 0 is 0x50-0x5f)
_MAX_WINDOW = 2**31                 # the largest window zstd's long mode uses (Pushshift dumps need it)


@dataclass
class LineStats:
    """What :func:`iter_line_blocks` skipped or found, for the file's quality record."""

    bad_lines: int = 0                                  # over-long lines skipped, plus 1 for a truncated end
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ZstdEnd:
    """Where a ``.zst`` file stops making sense: at byte ``offset``, in the frame starting at byte
    ``frame``; ``truncated``: the file ends inside that frame (else: the data there is corrupt)."""

    offset: int
    frame: int
    why: str
    truncated: bool

    def error(self, path: str | Path) -> ParseError:
        return ParseError(path, f"byte {self.offset}", self.why)


def is_zstd(path: str | Path) -> bool:
    """Whether the file starts with a Zstandard frame's magic number."""
    with open(path, "rb") as fh:
        return fh.read(4) == ZSTD_MAGIC


def zstd_end(path: str | Path) -> ZstdEnd | None:
    """Walk the frames and block headers of a ``.zst`` file (seeking, not decompressing): None when
    every frame ends properly, else where and why it does not. Cheap: three bytes read per block."""
    with open(path, "rb") as fh:
        size = fh.seek(0, io.SEEK_END)
        pos = 0
        while pos < size:
            frame = pos
            fh.seek(pos)
            magic = fh.read(4)
            if len(magic) < 4:
                return _cut(size, frame)
            if magic[1:] == _SKIPPABLE and magic[0] & 0xF0 == 0x50:
                head = fh.read(4)
                if len(head) < 4:
                    return _cut(size, frame)
                pos += 8 + struct.unpack("<I", head)[0]
                if pos > size:
                    return _cut(size, frame)
                continue
            if magic != ZSTD_MAGIC:
                return ZstdEnd(pos, frame, "not the start of a Zstandard frame: corrupt data after the last whole "
                                           "frame; expected a .zst dump (is the file damaged?)", truncated=False)
            descriptor = fh.read(1)
            if not descriptor:
                return _cut(size, frame)
            d = descriptor[0]
            if d & 0x08:
                return ZstdEnd(pos + 4, frame, "a Zstandard frame header with its reserved bit set: corrupt data; "
                                               "expected a .zst dump (is the file damaged?)", truncated=False)
            single = bool(d & 0x20)
            fcs = (1 if single else 0, 2, 4, 8)[d >> 6]
            pos += 4 + 1 + (0 if single else 1) + (0, 1, 2, 4)[d & 0x03] + fcs
            checksum = 4 if d & 0x04 else 0
            while True:                                   # the frame's blocks
                fh.seek(pos)
                raw = fh.read(3)
                if len(raw) < 3:
                    return _cut(size, frame)
                bh = raw[0] | raw[1] << 8 | raw[2] << 16
                last, kind, length = bh & 1, (bh >> 1) & 3, bh >> 3
                if kind == 3:
                    return ZstdEnd(pos, frame, "a Zstandard block of the reserved type: corrupt data; expected a "
                                               ".zst dump (is the file damaged?)", truncated=False)
                pos += 3 + (1 if kind == 1 else length)
                if pos > size:
                    return _cut(size, frame)
                if last:
                    break
            pos += checksum
            if pos > size:
                return _cut(size, frame)
    return None


def _cut(size: int, frame: int) -> ZstdEnd:
    return ZstdEnd(size, frame, f"the file ends inside the Zstandard frame that starts at byte {frame}: the dump is "
                                "truncated (an interrupted download or copy?); expected the frame's end",
                   truncated=True)


class _Bounded:
    """A binary file read no further than ``limit`` bytes (the whole frames before corrupt data)."""

    def __init__(self, raw: IO[bytes], limit: int | None) -> None:
        self._raw, self._limit = raw, limit

    def read(self, n: int = -1) -> bytes:
        if self._limit is None:
            return self._raw.read(n)
        left = self._limit - self._raw.tell()
        return self._raw.read(left if n < 0 else min(n, left)) if left > 0 else b""

    def tell(self) -> int:
        return self._raw.tell()


class _Pieces:
    """Decompression by ``decompressobj``, fed 1 KiB of compressed input at a time, for a file whose
    last frame does not end: the stream reader keeps the last decoded blocks of such a frame back
    (they come out only when more input follows), this returns every whole block. Memory: the bytes
    asked for plus what 1 KiB decodes to (at most 32 MiB, 128 KiB per 4-byte RLE block)."""

    def __init__(self, raw: _Bounded) -> None:
        self._raw = raw
        self._d = zstandard.ZstdDecompressor(max_window_size=_MAX_WINDOW).decompressobj(read_across_frames=True)
        self._buf = bytearray()
        self._done = False

    def read(self, n: int) -> bytes:
        while len(self._buf) < n and not self._done:
            piece = self._raw.read(1024)
            if not piece:
                self._done = True
                break
            self._buf += self._d.decompress(piece)
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


class _Source:
    """A file's bytes, decompressed when it is Zstandard (every frame, one after another); a read
    returns at most the bytes asked for.

    Corrupt compressed data is a ParseError naming the file and the compressed offset reached; with
    ``salvage`` it ends the data instead, after the last bytes that decompress (the decompressor
    throws away what a failing read had decoded, so those are decoded again, in small reads), and
    ``broken`` says where and why."""

    def __init__(self, path: Path, compressed: bool, limit: int | None = None, salvage: bool = False,
                 cut_short: bool = False) -> None:
        self.path = path
        self.compressed = compressed
        self._limit = limit
        self._salvage = salvage
        self._cut_short = cut_short
        self._stack = contextlib.ExitStack()
        self._raw, self._fh = self._open()
        self.pos = 0                              # decompressed bytes returned so far
        self.broken: str | None = None

    def _open(self) -> tuple[_Bounded, IO[bytes]]:
        raw = _Bounded(self._stack.enter_context(open(self.path, "rb")), self._limit)  # noqa: SIM115 (closed by close())
        fh: IO[bytes]
        if not self.compressed:
            fh = cast(IO[bytes], raw)
        elif self._cut_short:
            fh = cast(IO[bytes], _Pieces(raw))
        else:
            fh = zstandard.ZstdDecompressor(max_window_size=_MAX_WINDOW).stream_reader(
                cast(IO[bytes], raw), read_across_frames=True, closefd=False)
        return raw, fh

    def close(self) -> None:
        self._stack.close()

    def offset(self) -> int:
        """How far into the file (compressed bytes) reading has got."""
        return self._raw.tell()

    def read(self, n: int) -> bytes:
        if self.broken is not None:
            return b""
        try:
            data = self._fh.read(n)
        except zstandard.ZstdError as err:
            at = self.offset()
            if not self._salvage:
                raise ParseError(self.path, f"byte {at}", f"corrupt Zstandard data ({err}); expected a .zst dump "
                                                          "(is the file damaged?)") from err
            self.broken = f"corrupt Zstandard data near byte {at} ({err})"
            data = self._decodable(n)
        self.pos += len(data)
        return data

    def _decodable(self, n: int) -> bytes:
        """Up to ``n`` bytes after ``pos`` that decode before the corruption, decoded again from the start."""
        self._stack.close()
        self._stack = contextlib.ExitStack()
        self._raw, self._fh = self._open()
        left = self.pos
        try:
            while left:
                left -= len(self._fh.read(min(left, 1 << 20)))
            out = bytearray()
            while len(out) < n:
                piece = self._fh.read(min(4096, n - len(out)))
                if not piece:
                    break
                out += piece
        except zstandard.ZstdError:
            pass
        return bytes(out) if left == 0 else b""


@contextlib.contextmanager
def open_decompressed(path: str | Path, *, limit: int | None = None, salvage: bool = False,
                      cut_short: bool = False) -> Iterator[_Source]:
    """The file's (decompressed) bytes as a readable source, for a bounded sniff or a full read;
    ``limit``: read no further than this compressed byte; ``salvage``: see :class:`_Source`;
    ``cut_short``: the last frame does not end (see :class:`_Pieces`)."""
    p = Path(path)
    with open(p, "rb") as fh:
        compressed = fh.read(4) == ZSTD_MAGIC
    src = _Source(p, compressed, limit, salvage, cut_short)
    try:
        yield src
    finally:
        src.close()


def longest_line(data: bytes, piece: int = 1 << 24) -> int:
    """Bytes in the longest line of ``data`` (newline excluded), scanned a piece at a time."""
    longest, line_start, at = 0, 0, 0
    while at < len(data):
        chunk = data[at:at + piece]
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10) + at
        if ends.size:
            starts = np.concatenate([[line_start], ends[:-1] + 1])
            longest = max(longest, int((ends - starts).max()))
            line_start = int(ends[-1]) + 1
        at += len(chunk)
    return max(longest, len(data) - line_start)


def _over(block: bytes, limit: int) -> list[tuple[int, int, int]]:
    """(index, start, end before the newline) of each line of ``block`` (whole lines, each ending in
    ``\n``) longer than ``limit`` bytes."""
    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
    starts = np.concatenate([[0], ends[:-1] + 1])
    return [(int(i), int(starts[i]), int(ends[i])) for i in np.flatnonzero(ends - starts > limit)]


def iter_line_blocks(path: str | Path, block_bytes: int, *, max_line_bytes: int = MAX_LINE_BYTES,
                     on_error: OnError = "raise", stats: LineStats | None = None
                     ) -> Iterator[tuple[int, int, bytes]]:
    """``(number of the first line, decompressed offset, bytes of whole lines)`` blocks of about
    ``block_bytes`` of an NDJSON file, plain or Zstandard, in file order; a final line without a
    newline is the last block. A UTF-8 byte-order mark at the start is dropped.

    A line longer than ``max_line_bytes``, a truncated or corrupt ``.zst``: ParseError naming the file
    and the line or byte, or with ``on_error="skip"`` counted in ``stats`` and passed over (an
    over-long line inside a block is blanked, so the block's line numbers still hold). Memory: one
    block plus ``max_line_bytes``, whatever the file holds.
    """
    p = Path(path)
    stats = stats if stats is not None else LineStats()
    ended = zstd_end(p) if is_zstd(p) else None
    if ended is not None and on_error == "raise":
        raise ended.error(p)
    cut_short = ended is not None

    def too_long(lineno: int) -> None:
        if on_error == "raise":
            raise ParseError(p, f"line {lineno}", too_long_message(max_line_bytes))
        stats.bad_lines += 1

    # corrupt data the walk found: decompress only the frames (or blocks) before it
    limit = ended.offset if ended is not None and not ended.truncated else None
    with open_decompressed(p, limit=limit, salvage=on_error == "skip", cut_short=ended is not None) as src:
        lineno = 1                 # number of the line that starts the next block
        pos = 0                    # decompressed bytes read so far
        carry = b""                # the start of a line not yet ended: never more than max_line_bytes
        skipping = False           # inside an over-long line: drop bytes up to its newline
        first = True
        while True:
            block = src.read(max(1, block_bytes))
            if first:
                first = False
                if block.startswith(b"\xef\xbb\xbf"):
                    block, pos = block[3:], 3
            if not block:
                break
            start = pos - len(carry)
            pos += len(block)
            if skipping:
                nl = block.find(b"\n")
                if nl < 0:
                    continue
                block, start = block[nl + 1:], start + nl + 1
                skipping, lineno = False, lineno + 1
            data = carry + block if carry else block
            end = data.rfind(b"\n") + 1
            whole, carry = data[:end], data[end:]
            n_lines = whole.count(b"\n")
            if len(whole) > max_line_bytes:
                over = _over(whole, max_line_bytes)
                for i, _, _ in over:
                    too_long(lineno + i)
                if over:   # blank them: the block's other lines keep their numbers
                    pieces, prev = [], 0
                    for _, a, b in over:
                        pieces.append(whole[prev:a])
                        prev = b
                    pieces.append(whole[prev:])
                    whole = b"".join(pieces)
            if len(carry) > max_line_bytes:
                too_long(lineno + n_lines)
                carry, skipping = b"", True
            if whole:
                yield lineno, start, whole
            lineno += n_lines
        if src.broken is not None:
            cut_short = True
        if carry and not cut_short:
            yield lineno, pos - len(carry), carry
        broken = src.broken
    if broken is not None:
        stats.notes.append(f"{broken}: the rest of the file could not be read (counted as one bad record; the "
                           "comments before it were read)")
    elif ended is not None:
        what = ("truncated" if ended.truncated else "corrupt") + f" at byte {ended.offset}: {ended.why.split(':')[0]}"
        stats.notes.append(f"{what} (counted as one bad record; the comments before it were read)")
    if cut_short:
        stats.bad_lines += 1
