"""A local HTTP server on 127.0.0.1, in a thread, that replays recorded API responses.

``routes`` maps a path (query excluded) to a list of answers given in turn (the last repeats), or to
a callable ``(path, query) -> answer``. An answer is ``(status, body)`` or ``(status, body, headers)``
with ``body`` bytes, str or a JSON-able object, or the string ``"drop"`` (the connection is closed
without an answer). Every request is logged as ``(path, query)``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = Any


class Replay:
    def __init__(self, routes: dict[str, list[Answer] | Callable[[str, dict[str, str]], Answer]]) -> None:
        self.routes = routes
        self.log: list[tuple[str, dict[str, str]]] = []
        self.agents: list[str] = []
        self._turn: dict[str, int] = {}
        self._lock = threading.Lock()

    def answer(self, path: str, query: dict[str, str]) -> Answer:
        with self._lock:
            self.log.append((path, query))
            route = self.routes.get(path)
            if route is None:
                return 404, {"error": "Not Found"}
            if callable(route):
                return route(path, query)
            i = self._turn.get(path, 0)
            self._turn[path] = i + 1
            return route[min(i, len(route) - 1)]


@contextmanager
def serve(replay: Replay) -> Iterator[str]:
    """Run ``replay`` on 127.0.0.1 (a free port); yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            replay.agents.append(self.headers.get("User-Agent", ""))
            got = replay.answer(parts.path, query)
            if got == "drop":
                self.close_connection = True
                self.connection.close()
                return
            status, body, *rest = got
            headers = rest[0] if rest else {}
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
                headers = {"Content-Type": "application/json; charset=utf-8", **headers}
            raw = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
