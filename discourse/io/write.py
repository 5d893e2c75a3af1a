"""Atomic output.

* One file: written to a temporary name beside its target and renamed into place
  (:func:`atomic_path`), so an interrupted run leaves the old file or the new one, never half of one.
* A bundle (the files of one build or comparison): written into a new directory beside the target
  and swapped in whole (:func:`bundle_dir`), so a reader sees the old bundle or the new one, never a
  mix, and an interrupted or failed write (Ctrl-C, a full disk) leaves the old bundle as it was.
  On Linux the swap is one ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, between which the
  directory is briefly absent (still never mixed).
* Temporaries carry the host and process id; a later run removes those of processes that are gone
  (killed with SIGKILL, the power cut), so none accumulate.
* CSV cells are neutralised against formula injection (:func:`write_csv`).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import secrets
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from discourse.errors import OutputError

__all__ = ["CSV_FORMULA_START", "atomic_path", "bundle_dir", "neutralise_formulas", "write_bytes", "write_csv",
           "write_json", "write_parquet", "write_text"]

_HOST = re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname())[:40] or "host"
_STALE_OTHER_HOST_S = 7 * 24 * 3600      # another machine's temporaries (a shared disk): removed after a week


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tag() -> str:
    """What names a temporary as this process's: host and pid."""
    return f"{_HOST}-{os.getpid()}"


def _alive(host: str, pid: int, path: Path) -> bool:
    """Whether the process that made a temporary may still be using it."""
    if host != _HOST:
        try:
            return time.time() - path.lstat().st_mtime < _STALE_OTHER_HOST_S
        except OSError:
            return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()


_PART = re.compile(r"^\.(?P<target>.+)\.(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)\.[A-Za-z0-9_]+\.part$")
_BUNDLE_TMP = re.compile(r"^\.(?P<target>.+)\.discourse-(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)-[0-9a-f]+\.(?:tmp|old)$")


def _clean_stale(directory: Path, pattern: re.Pattern[str], target: str) -> None:
    """Remove the temporaries for ``target`` in ``directory`` left by processes that are gone."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        m = pattern.match(name)
        if m and m["target"] == target and not _alive(m["host"], int(m["pid"]), directory / name):
            _remove(directory / name)


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``, on error it goes.
    Temporaries of this target left by killed runs are removed first."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(target.parent, _PART, target.name)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{_tag()}.", suffix=".part", dir=target.parent)
        os.close(fd)
    except OSError as err:
        raise OutputError(f"{target}: cannot write here ({err.strerror})") from err
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); give it the permissions a plain open() would
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


# -- bundles ---------------------------------------------------------------------------------------
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where that is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False                  # an old kernel, or a file system without exchange
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(new: Path, target: Path) -> None:
    """Put the directory ``new`` at ``target``; the directory there before (if any) is removed."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        _remove(new)                  # ``new`` now holds the old bundle
        return
    old = new.with_name(new.name[:-len(".tmp")] + ".old")
    os.rename(target, old)
    os.rename(new, target)
    _remove(old)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C (and TERM, HUP) for the moment of the swap: it arrives right after, not between
    two renames."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _foreign(target: Path, own: Iterable[str]) -> list[str]:
    """Entries of the existing directory ``target`` that no bundle of this kind writes (hidden
    ``.part`` files are temporaries of earlier writes, which go with the old bundle)."""
    names = set(own)
    return sorted(n for n in os.listdir(target) if n not in names and not (n.startswith(".") and n.endswith(".part")))


def _first_line(err: BaseException) -> str:
    """An error's reason in one line: an OSError's strerror, else the first line of its message."""
    text = (err.strerror if isinstance(err, OSError) and err.strerror else str(err)).strip()
    return (text.splitlines() or [type(err).__name__])[0]


@contextlib.contextmanager
def bundle_dir(target: str | Path, own: Iterable[str]) -> Iterator[Path]:
    """Write a bundle as a whole: yield a new, empty directory beside ``target``; when the block ends
    without error it takes ``target``'s place (the old bundle goes), else it is removed and ``target``
    is left as it was.

    ``own`` names the files this kind of bundle writes: an existing ``target`` holding anything else
    is refused (swapping it would delete those files). An I/O failure while writing (a full disk) is
    an OutputError of one line. Temporaries of earlier runs that were killed are removed first.
    """
    own = tuple(own)
    target = Path(os.path.abspath(target))
    if target.is_symlink() and target.is_dir():
        target = target.resolve()             # replace what the link points to; the link stays
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: is a file; expected a directory to write the bundle into")
    cwd = Path.cwd()
    if target == cwd or target in cwd.parents:
        raise OutputError(f"{target}: is the current directory (or holds it); write the bundle into a directory "
                          "of its own, e.g. --out out/thread")
    parent, name = target.parent, target.name
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(parent, _BUNDLE_TMP, name)
        if target.is_dir():
            other = _foreign(target, own)
            if other:
                shown = ", ".join(other[:5]) + (f" and {len(other) - 5} more" if len(other) > 5 else "")
                raise OutputError(f"{target}: holds files that are not part of this bundle ({shown}); writing would "
                                  "replace the directory whole. Choose a new or empty directory (--out)")
        tmp = parent / f".{name}.discourse-{_tag()}-{secrets.token_hex(4)}.tmp"
        os.mkdir(tmp, 0o777)                  # the permissions a plain mkdir gives (umask applies)
    except OSError as err:
        raise OutputError(f"{target}: cannot write here ({_first_line(err)})") from err
    try:
        try:
            yield tmp
        except (OSError, pl.exceptions.PolarsError, OutputError) as err:
            # an OutputError of one file names its temporary path: say it of the bundle instead
            why = _first_line(err).replace(f"{tmp}{os.sep}", "").replace(str(tmp), str(target))
            raise OutputError(f"{target}: could not write the bundle ({why}); {target} was left as it was") from err
        try:
            with _signals_held():
                _swap_in(tmp, target)
        except OSError as err:
            raise OutputError(f"{target}: could not put the new bundle in place ({_first_line(err)}); {target} was "
                              "left as it was") from err
    except BaseException:
        _remove(tmp)
        raise


# -- files -----------------------------------------------------------------------------------------
def write_bytes(target: str | Path, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | Path, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


def write_json(target: str | Path, obj: Any) -> Path:
    return write_text(target, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n")


def write_parquet(target: str | Path, df: pl.DataFrame) -> Path:
    with atomic_path(target) as tmp:
        df.write_parquet(tmp)
    return Path(target)


# A cell a spreadsheet would read as a formula starts with one of these (OWASP, "CSV Injection"; the
# full-width forms too, which some spreadsheets fold to the ASCII ones)
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_RE = "^[" + re.escape("".join(CSV_FORMULA_START)) + "]"


def neutralise_formulas(expr: pl.Expr) -> pl.Expr:
    """Text cells that start like a formula, prefixed with a single quote (OWASP's rule), so that a
    spreadsheet shows them as text instead of running ``=HYPERLINK(...)``; other cells unchanged."""
    return pl.when(expr.str.contains(_FORMULA_RE)).then(pl.lit("'") + expr).otherwise(expr)


def write_csv(target: str | Path, df: pl.DataFrame) -> Path:
    """CSV cannot hold lists or structs: lists are joined with ';', structs written as JSON. Text cells
    that start with ``= + - @``, a tab or a carriage return get a leading ``'`` (formula injection:
    names and ids are untrusted); numbers are written as numbers. The Parquet files keep every value
    as it is."""
    exprs = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if isinstance(dtype, (pl.List, pl.Array)):
            exprs.append(neutralise_formulas(col.cast(pl.List(pl.String)).list.join(";")).alias(name))
        elif isinstance(dtype, pl.Struct):
            exprs.append(neutralise_formulas(col.struct.json_encode()).alias(name))
        elif dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum)):
            exprs.append(neutralise_formulas(col.cast(pl.String)).alias(name))
    if exprs:
        df = df.with_columns(exprs)
    with atomic_path(target) as tmp:
        df.write_csv(tmp)
    return Path(target)
