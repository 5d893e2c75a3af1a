"""Times of the API readers (Bluesky, Lemmy, Telegram) as one shape of ISO text.

A site's timestamps vary within one file (``Z`` or an offset or none, with or without fractions of a
second); :func:`discourse.io._common.comments_frame` parses a column with one inferred format, so each
reader hands it naive UTC text of a single shape.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["utc_iso", "utc_iso_from_unix"]


def utc_iso(value: Any) -> str | None:
    """``value`` (ISO-8601 text; no offset means UTC) as ``YYYY-MM-DDTHH:MM:SS.ffffff`` in UTC, or None
    when it is not a time."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if "." in text:  # more than six digits of fraction (nanoseconds) is more than fromisoformat reads
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[:min(digits, 6)]}{rest[digits:]}" if digits else head + rest
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


def utc_iso_from_unix(value: Any) -> str | None:
    """Seconds since 1970 (an int, or digits as text) in the shape of :func:`utc_iso`."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S.%f")
    except (OverflowError, OSError, ValueError):
        return None
