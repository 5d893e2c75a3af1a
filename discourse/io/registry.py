"""One table of readers, consulted by :func:`discourse.io.read`.

A reader is a pure parse plus a thin read: ``read(path, options)`` returns a :class:`ReadResult`
whose ``comments`` follow :data:`discourse.schema.COMMENTS` and ``threads`` :data:`discourse.schema.THREADS`,
and whose ``quality`` counts every record the file held (``add_read`` per thread, ``drop`` with a reason
for each one not kept). ``sniff(path, head)`` says from the first 64 KiB (decoded text, BOM stripped)
whether the reader recognises the file; readers are tried by descending ``priority``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from discourse.options import COLUMN_ROLES, ReadOptions
from discourse.quality import QualityReport

__all__ = ["COLUMN_ROLES", "READERS", "ReadOptions", "ReadResult", "Reader", "get_reader", "register"]


@dataclass
class ReadResult:
    comments: pl.DataFrame
    threads: pl.DataFrame
    quality: QualityReport


@dataclass(frozen=True)
class Reader:
    name: str                                     # the --format value
    site: str                                     # default site label
    description: str
    sniff: Callable[[Path, str], bool]
    read: Callable[[Path, ReadOptions], ReadResult]
    priority: int = 0
    directory: bool = False                       # reads a directory (ConvoKit corpus, SE dump)
    suffixes: tuple[str, ...] = ()


READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    if reader.name in READERS:
        raise ValueError(f"a reader named {reader.name!r} is already registered")
    READERS[reader.name] = reader
    return reader


def get_reader(name: str) -> Reader:
    from discourse.errors import InputError

    if name not in READERS:
        raise InputError(f"unknown format {name!r}; known formats: {', '.join(sorted(READERS))}")
    return READERS[name]
