"""The sandbox HTTP server: vendor routing by path prefix, fault injection, request log, admin API."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from copy import copy
from dataclasses import replace
from datetime import timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .calltouch import CalltouchEmulator
from .config import SandboxClock, SandboxConfig, parse_datetime
from .faults import Fault, FaultKind, FaultQueue
from .kameleoon import KameleoonEmulator
from .requestlog import RequestLog, RequestRecord
from .rickai import RickaiEmulator
from .vendor import Vendor, VendorRequest, VendorResponse, error_response, json_response

HOST = "127.0.0.1"
ADMIN_PREFIX = "/_sandbox/"


class SandboxServer:
    """A running (or startable) sandbox. Use as a context manager or call start()/stop()."""

    def __init__(self, config: SandboxConfig | None = None, *, verbose: bool = False) -> None:
        self.config = config or SandboxConfig()
        self.verbose = verbose
        self.clock = SandboxClock(self.config.now)
        self.faults = FaultQueue()
        self.faults.add(*(copy(f) if isinstance(f, Fault) else f for f in self.config.faults))
        self.log = RequestLog()
        self.rickai = RickaiEmulator(self.config, self.clock)
        self.vendors: dict[str, Vendor] = {self.rickai.name: self.rickai}
        self.kameleoon = KameleoonEmulator(self.config, self.clock)
        self.vendors[self.kameleoon.name] = self.kameleoon
        self.calltouch = CalltouchEmulator(self.config, self.clock)
        self.vendors[self.calltouch.name] = self.calltouch
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            raise RuntimeError("sandbox already started")
        self._httpd = _HTTPServer(self, self.config.port)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="vendor-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("sandbox not started")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def vendor_url(self, vendor: str) -> str:
        """Base URL of a vendor's emulation, e.g. the Rick.ai `api_url`."""
        if vendor not in self.vendors:
            raise KeyError(f"unknown vendor {vendor!r}; known: {', '.join(self.vendors)}")
        return f"{self.url}/{vendor}"

    # --- inspection and control --------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        return self.log.records()

    def reset_log(self) -> None:
        self.log.reset()

    def stats(self) -> dict[str, Any]:
        return self.log.stats()

    def add_fault(self, *specs: Any, **params: Any) -> list[Fault]:
        """Queue faults: `Fault`s, dicts, short-syntax strings, or keyword params of one Fault."""
        return self.faults.add(*specs, *([params] if params else []))

    def clear_faults(self) -> None:
        self.faults.clear()


def _with_bad_record(response: VendorResponse, fault: Fault) -> VendorResponse:
    """The same page with the middle item's `fault.key` set to `fault.value`."""
    document = json.loads(b"".join(response.chunks))
    items = document.get("items") if isinstance(document, dict) else None
    if items:
        items[len(items) // 2][fault.key] = fault.value
    body = json.dumps(document, ensure_ascii=False).encode()
    return replace(response, chunks=[body])


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self, sandbox: SandboxServer, port: int) -> None:
        self.sandbox = sandbox
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-response (a timeout, a test) is normal here."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Shut idle keep-alive connections so their handler threads end."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vendor-sandbox/0.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.sandbox.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    # --- routing -------------------------------------------------------------------------

    def _dispatch(self) -> None:
        arrival, arrived = time.monotonic(), time.time()
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.path.startswith(ADMIN_PREFIX):
            admin = _Admin(self.server.sandbox)
            self._send(json_response(*admin.handle(self.command, url.path[len(ADMIN_PREFIX) :], query, body)))
            return
        prefix, _, rest = url.path.lstrip("/").partition("/")
        vendor = self.server.sandbox.vendors.get(prefix)
        if vendor is None:
            self._send(error_response(404, "not found"))
            return
        request = VendorRequest(self.command, "/" + rest, query, self.headers, arrival, body)
        record = self.server.sandbox.log.open(vendor.name, self.command, url.path, query, arrived)
        try:
            self._serve_vendor(vendor, request, record)
        finally:
            record.finished = time.time()

    def _serve_vendor(self, vendor: Vendor, request: VendorRequest, record: RequestRecord) -> None:
        admission = vendor.admit(request)
        record.auth_valid, record.rate_limited = admission.auth_valid, admission.rate_limited
        try:
            if admission.rejection is not None:
                self._send(admission.rejection, record)
                return
            fault = self.server.sandbox.faults.take(vendor.name)
            if fault is None:
                self._send(vendor.respond(request), record)
                return
            record.fault = fault.describe()
            self._serve_fault(vendor, request, fault, record)
        finally:
            admission.release()

    def _serve_fault(self, vendor: Vendor, request: VendorRequest, fault: Fault, record: RequestRecord) -> None:
        match fault.kind:
            case FaultKind.DROP:
                self.close_connection = True
            case FaultKind.STATUS:
                failure = vendor.failure_response(fault.status)
                self._send(failure if fault.body is None else json_response(fault.status, fault.body), record)
            case FaultKind.RATE_LIMIT:
                response = vendor.rate_limited_response()
                response.headers["Retry-After"] = _retry_after(fault)
                self._send(response, record)
            case FaultKind.SLOW:
                time.sleep(fault.delay)
                self._send(vendor.respond(request), record)
            case FaultKind.TRUNCATE:
                response = vendor.respond(request)
                self._send(response, record, cut_at=int(response.length * fault.fraction))
            case FaultKind.MALFORMED:
                response = vendor.respond(request)
                self._send(response, record, corrupt_at=response.corruption_offset)
            case FaultKind.BAD_RECORD:
                self._send(_with_bad_record(vendor.respond(request), fault), record)

    # --- writing -------------------------------------------------------------------------

    def _send(
        self,
        response: VendorResponse,
        record: RequestRecord | None = None,
        *,
        cut_at: int | None = None,
        corrupt_at: int | None = None,
    ) -> None:
        """Write `response` in large chunks; optionally stop after `cut_at` bytes (then close)
        or replace the byte at `corrupt_at` so the JSON breaks."""
        if record is not None:
            record.status, record.items, record.served = response.status, response.items, response.served
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(response.length))
        if cut_at is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        written = 0
        try:
            for chunk in response.chunks:
                if corrupt_at is not None and written <= corrupt_at < written + len(chunk):
                    at = corrupt_at - written
                    chunk = chunk[:at] + b"<" + chunk[at + 1 :]
                if cut_at is not None and written + len(chunk) >= cut_at:
                    self.wfile.write(chunk[: cut_at - written])
                    return
                self.wfile.write(chunk)
                written += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class _Admin:
    """`/_sandbox/...` endpoints. Each returns (status, JSON payload)."""

    def __init__(self, sandbox: SandboxServer) -> None:
        self.sandbox = sandbox

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        route = path.strip("/")
        try:
            payload = json.loads(body) if body.strip() else None
        except ValueError:
            return 400, {"error": "request body is not valid JSON"}
        head, _, rest = route.partition("/")
        if head in self.sandbox.vendors:
            return self.sandbox.vendors[head].admin(method, rest, query)
        handler: Callable[[dict[str, str], Any], tuple[int, Any]] | None = getattr(
            self, f"{method.lower()}_{route}", None
        )
        if handler is None:
            return 404, {"error": f"no admin endpoint {method} {ADMIN_PREFIX}{route}"}
        try:
            return handler(query, payload)
        except (ValueError, TypeError, KeyError) as error:
            return 400, {"error": str(error)}

    def get_health(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        return 200, {"status": "ok", "vendors": {name: f"/{name}" for name in self.sandbox.vendors}}

    def get_clock(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        return 200, self.sandbox.clock.describe()

    def post_clock(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        if not isinstance(payload, dict) or not payload.keys() & {"now", "shift_days", "shift_seconds"}:
            raise ValueError('expected {"now": ISO datetime | null} or {"shift_days": N} or {"shift_seconds": N}')
        clock = self.sandbox.clock
        if "now" in payload:
            clock.set(parse_datetime(payload["now"]) if payload["now"] else None)
        clock.shift(timedelta(days=float(payload.get("shift_days", 0)), seconds=float(payload.get("shift_seconds", 0))))
        return 200, clock.describe()

    def get_faults(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        return 200, {"faults": [fault.to_dict() for fault in self.sandbox.faults.all()]}

    def post_faults(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        added = self.sandbox.add_fault(*(payload if isinstance(payload, list) else [payload]))
        return 200, {"added": [fault.to_dict() for fault in added]}

    def delete_faults(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        self.sandbox.clear_faults()
        return 200, {"faults": []}

    def get_requests(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        return 200, {"requests": [r.to_dict() for r in self.sandbox.log.records(query.get("vendor"))]}

    def delete_requests(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        self.sandbox.reset_log()
        return 200, {"requests": []}

    def get_stats(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        return 200, self.sandbox.stats()


def _retry_after(fault: Fault) -> str:
    if fault.retry_after_format == "http-date":
        return formatdate(time.time() + fault.retry_after, usegmt=True)
    return f"{fault.retry_after:g}"
