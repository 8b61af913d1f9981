"""A real HTTP server on 127.0.0.1 that answers a script, for the transport tests of vendor-http.

vendor-http's tests do not use the vendor sandbox: these modules are vendor-neutral, and
a scripted server states each answer (status, body, headers, a body cut off after N
bytes, a dropped connection) next to the assertion it serves.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Answer:
    """One scripted answer; ``cut_after`` sends only that many body bytes, then closes."""

    status: int = 200
    body: object = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: int | None = None
    gzip: bool = False

    def payload(self) -> bytes:
        data = self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()
        return gzip.compress(data) if self.gzip else data


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    arrived: float
    body: bytes = b""


class Script:
    """Answers in order (``"drop"`` closes the connection without answering; a callable
    answers from the request); then ``default``."""

    def __init__(self) -> None:
        self.answers: list[Answer | str | Callable[[Seen], Answer]] = []
        self.default: Answer | Callable[[Seen], Answer] = Answer()
        self.seen: list[Seen] = []

    def next_answer(self, request: Seen) -> Answer | str:
        answer = self.answers.pop(0) if self.answers else self.default
        return answer(request) if callable(answer) else answer


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return

        def do_POST(self) -> None:
            self.do_GET(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def do_GET(self, body: bytes = b"") -> None:
            parts = urlsplit(self.path)
            query, headers = dict(parse_qsl(parts.query)), dict(self.headers)
            seen = Seen(self.command, parts.path, query, headers, time.monotonic(), body)
            script.seen.append(seen)
            answer = script.next_answer(seen)
            if answer == "drop" or not isinstance(answer, Answer):
                self.close_connection = True
                return
            data = answer.payload()
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if answer.gzip:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if answer.cut_after is None:
                self.wfile.write(data)
                return
            self.wfile.write(data[: answer.cut_after])
            self.wfile.flush()
            self.close_connection = True

    return Handler


@contextmanager
def scripted_server() -> Iterator[tuple[str, Script]]:
    """``(base_url, script)`` of a scripted server on a free port of 127.0.0.1, while the block runs."""
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
