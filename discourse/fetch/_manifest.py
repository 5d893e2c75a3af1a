"""The manifest of a fetch folder (``manifest.json``): what was asked, what came back, what is missing.

```
{"format": "discourse-fetch", "version": 1,
 "threads": [{"url", "site", "thread", "reported", "fetched", "complete", "missing": {reason: n}, "failed": [...]}],
 "files":   [{"file", "site", "thread", "kind", "method", "url", "params", "status", "time", "bytes", "sha256", "key"}]}
```

``files`` holds one entry per saved response (the response body unchanged); ``kind`` tells the
directory reader (``discourse/io/fetched.py``) what the response is. The manifest is rewritten
atomically at most once a second while responses come, after each thread, and when the fetch ends or
fails (Ctrl-C included), so an interrupted fetch leaves a folder that a rerun resumes and
``discourse build`` reads; a response file the manifest does not list (the process was killed) is
left alone and fetched again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from discourse.errors import ParseError
from discourse.io.fetched import MANIFEST, MANIFEST_FORMAT
from discourse.io.write import write_json

__all__ = ["MANIFEST", "MANIFEST_FORMAT", "Manifest", "request_key"]

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def request_key(method: str, url: str, params: dict[str, Any]) -> str:
    """One string per request: a rerun finds the same request's saved answer by it."""
    return json.dumps([method, url, sorted((str(k), str(v)) for k, v in params.items())], ensure_ascii=False)


class Manifest:
    def __init__(self, out: Path, data: dict[str, Any] | None = None) -> None:
        self.out = out
        self.data: dict[str, Any] = data or {"format": MANIFEST_FORMAT, "version": 1, "threads": [], "files": []}
        self._by_key = {f.get("key"): f for f in self.data["files"]}

    @classmethod
    def load(cls, out: Path) -> Manifest:
        path = out / MANIFEST
        if not path.is_file():
            return cls(out)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as err:
            raise ParseError(path, None, f"a discourse fetch manifest (JSON) ({err})") from err
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT \
                or not isinstance(data.get("files"), list) or not isinstance(data.get("threads"), list):
            raise ParseError(path, None, f"a manifest with format {MANIFEST_FORMAT!r}, 'files' and 'threads' lists")
        return cls(out, data)

    @property
    def files(self) -> list[dict[str, Any]]:
        return list(self.data["files"])

    @property
    def threads(self) -> list[dict[str, Any]]:
        return list(self.data["threads"])

    def find(self, key: str) -> dict[str, Any] | None:
        return self._by_key.get(key)

    def next_name(self, site: str, thread: str, kind: str) -> str:
        stem = _SAFE.sub("_", f"{site}-{thread}-{kind}")
        taken = {f["file"] for f in self.data["files"]}
        n = 1
        while f"{stem}-{n:04d}.json" in taken or (self.out / f"{stem}-{n:04d}.json").exists():
            n += 1
        return f"{stem}-{n:04d}.json"

    def add(self, entry: dict[str, Any]) -> None:
        old = self._by_key.get(entry["key"])
        if old is not None:
            self.data["files"].remove(old)
        self.data["files"].append(entry)
        self._by_key[entry["key"]] = entry

    def set_thread(self, record: dict[str, Any]) -> None:
        """Record (or replace) what is known of one thread (matched by site and thread id)."""
        self.data["threads"] = [t for t in self.data["threads"]
                                if (t.get("site"), t.get("thread")) != (record["site"], record["thread"])]
        self.data["threads"].append(record)

    def save(self) -> None:
        write_json(self.out / MANIFEST, self.data)
