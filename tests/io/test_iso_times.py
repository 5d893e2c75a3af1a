"""ISO-8601 times are read value by value: a file's first row must not decide how the others parse."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from discourse.io._common import comments_frame, iso_utc

UTC = dt.UTC
SHAPES = [
    ("2024-01-01T10:00:00Z", dt.datetime(2024, 1, 1, 10, tzinfo=UTC)),
    ("2024-01-01T12:00:00+02:00", dt.datetime(2024, 1, 1, 10, tzinfo=UTC)),
    ("2024-01-01T12:00:00+0200", dt.datetime(2024, 1, 1, 10, tzinfo=UTC)),
    ("2024-01-01T10:00:00", dt.datetime(2024, 1, 1, 10, tzinfo=UTC)),
    ("2024-01-01T10:00:00.123-05:00", dt.datetime(2024, 1, 1, 15, 0, 0, 123000, tzinfo=UTC)),
    ("2024-01-01 10:00:00", dt.datetime(2024, 1, 1, 10, tzinfo=UTC)),
    ("2024-01-01 12:00:00+02:00", dt.datetime(2024, 1, 1, 10, tzinfo=UTC)),
    ("2024-01-01T10:00:00.5Z", dt.datetime(2024, 1, 1, 10, 0, 0, 500000, tzinfo=UTC)),
    ("2024-01-01T10:00Z", dt.datetime(2024, 1, 1, 10, tzinfo=UTC)),
    ("2024-01-01", dt.datetime(2024, 1, 1, tzinfo=UTC)),
    ("not a time", None),
    (None, None),
]


def _parse(values: list[str | None]) -> list[dt.datetime | None]:
    return pl.DataFrame({"t": values}, schema={"t": pl.String}).select(iso_utc("t"))["t"].to_list()


@pytest.mark.parametrize("first", range(len(SHAPES)))
def test_every_shape_parses_whichever_comes_first(first: int) -> None:
    order = [SHAPES[first], *SHAPES[:first], *SHAPES[first + 1:]]
    assert _parse([v for v, _ in order]) == [want for _, want in order]


@given(st.permutations(SHAPES))
def test_times_do_not_depend_on_row_order(order: list[tuple[str | None, dt.datetime | None]]) -> None:
    assert _parse([v for v, _ in order]) == [want for _, want in order]


def test_comments_keep_a_naive_first_time_and_an_offset_later() -> None:
    rows = [{"site": "s", "thread_id": "t", "comment_id": str(i), "parent_id": None, "author": "a", "text": "x",
             "created_at": ts} for i, ts in enumerate(["2024-03-01T08:00:00", "2024-03-01T09:30:00+01:00"])]
    times = comments_frame(rows)["created_at"].to_list()
    assert times == [dt.datetime(2024, 3, 1, 8, tzinfo=UTC), dt.datetime(2024, 3, 1, 8, 30, tzinfo=UTC)]
