"""The recording host: "another host" that redirect faults point to, recording what arrives.

A client that follows a redirect off the vendor's origin sends its next request here, on
another port of 127.0.0.1 (another origin). Unlike the vendors' request log, this host keeps
every request whole, credentials and body included: it stands for a stranger's server, and
tests read it to prove that nothing (no token, no form, no plan) was sent there.
It answers every request with 200 and ``{}``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

HOST = "127.0.0.1"


@dataclass
class CaughtRequest:
    """One request that reached the recording host, as it arrived."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    arrived: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["body"] = self.body.decode("utf-8", errors="backslashreplace")
        return data


class RecordingHost:
    """A plain HTTP server on a free port of 127.0.0.1 that records every request whole."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._caught: list[CaughtRequest] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, started on first use."""
        with self._lock:
            if self._httpd is None:
                self._httpd = ThreadingHTTPServer((HOST, 0), _handler(self))
                self._httpd.daemon_threads = True
                self._thread = threading.Thread(
                    target=self._httpd.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name="vendor-sandbox-elsewhere",
                    daemon=True,
                )
                self._thread.start()
            return f"http://{HOST}:{self._httpd.server_address[1]}"

    @property
    def requests(self) -> list[CaughtRequest]:
        """Every request received so far, in arrival order."""
        with self._lock:
            return list(self._caught)

    def reset(self) -> None:
        with self._lock:
            self._caught.clear()

    def record(self, request: CaughtRequest) -> None:
        with self._lock:
            self._caught.append(request)

    def stop(self) -> None:
        with self._lock:
            httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def _handler(host: RecordingHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "vendor-sandbox-elsewhere/0.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            url = urlsplit(self.path)
            host.record(
                CaughtRequest(
                    self.command,
                    url.path,
                    dict(parse_qsl(url.query, keep_blank_values=True)),
                    dict(self.headers.items()),
                    body,
                )
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(b"{}")

        do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    return Handler
