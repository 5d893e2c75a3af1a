"""The exceptions discourse raises.

Every failure the library reports on purpose is a :class:`DiscourseError`; the CLI turns each into a
one-line message and a non-zero exit. Messages name the file, the record or line, and what was
expected, so a user can act on them without reading a traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AnalysisError",
    "ColumnMappingError",
    "DiscourseError",
    "EmptyInput",
    "FileNotFound",
    "InputError",
    "MissingDependency",
    "NoUsableComments",
    "OutputError",
    "ParseError",
    "SchemaError",
    "ScorerError",
    "UnknownFormat",
]


class DiscourseError(Exception):
    """Root of every error discourse raises on purpose."""


class InputError(DiscourseError):
    """Something about an input file is wrong."""


class FileNotFound(InputError):
    def __init__(self, path: str | Path) -> None:
        super().__init__(f"{path}: no such file or directory; check the path and try again")
        self.path = str(path)


class EmptyInput(InputError):
    def __init__(self, path: str | Path) -> None:
        super().__init__(f"{path}: the file is empty; nothing to read (check that the export or download finished)")
        self.path = str(path)


class UnknownFormat(InputError):
    def __init__(self, path: str | Path, detail: str = "") -> None:
        msg = f"{path}: cannot tell what kind of thread file this is"
        if detail:
            msg += f" ({detail})"
        msg += "; pass --format to name it (see `discourse formats`)"
        super().__init__(msg)
        self.path = str(path)


class ParseError(InputError):
    """A record in a file could not be parsed.

    ``record`` is a human-readable locator: ``"line 17"``, ``"post 4 (dsq:id=123)"``, ``"byte 2048"``.
    """

    def __init__(self, path: str | Path, record: str | None, expected: str) -> None:
        where = f"{path}" + (f", {record}" if record else "")
        super().__init__(f"{where}: {expected}")
        self.path = str(path)
        self.record = record
        self.expected = expected


class ColumnMappingError(InputError):
    def __init__(self, path: str | Path, role: str, column: str, available: list[str]) -> None:
        avail = ", ".join(available[:30]) + (" ..." if len(available) > 30 else "")
        super().__init__(
            f"{path}: the {role} column {column!r} is not in the file; "
            f"its columns are: {avail}. Name the right one with --{role.replace('_', '-')}-col"
        )
        self.path = str(path)
        self.role = role
        self.column = column


class NoUsableComments(InputError):
    def __init__(self, what: str, reason: str = "",
                 hint: str = "check --format and the column mapping (--text-col, --author-col, --parent-col), "
                             "or see quality.json for what was dropped") -> None:
        msg = f"{what}: no usable comments"
        if reason:
            msg += f" ({reason})"
        if hint:
            msg += f"; {hint}"
        super().__init__(msg)


class SchemaError(DiscourseError):
    """A frame handed between stages breaks its schema. ``problems`` lists every violation."""

    def __init__(self, table: str, problems: list[str]) -> None:
        self.table = table
        self.problems = list(problems)
        super().__init__(f"{table} table breaks its schema: " + "; ".join(self.problems))


class ScorerError(DiscourseError):
    """A stance scorer is unknown, misbehaves, or returns the wrong shape."""


class MissingDependency(DiscourseError):
    def __init__(self, feature: str, package: str, extra: str | None = None) -> None:
        from discourse._version import DISTRIBUTION

        hint = f"pip install '{DISTRIBUTION}[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"{feature} needs the package {package!r}, which is not installed; run: {hint}")
        self.package = package


class AnalysisError(DiscourseError):
    """An analysis option is invalid for the graph at hand."""


class OutputError(DiscourseError):
    """An output could not be written."""
