"""HTTP serving: routing by `/<vendor>/` prefix, the gate, faults, and writing big answers."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from dataclasses import replace
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .admin import ADMIN_PREFIX, Admin
from .contract import Emulator, VendorRequest, VendorResponse, json_bytes, json_response
from .faults import Fault, FaultKind
from .requestlog import RequestRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from .server import SandboxServer

HOST = "127.0.0.1"


def sandbox_error(status: int, message: str) -> VendorResponse:
    """The sandbox's own answer (no vendor matched): `{"error": message}`."""
    return json_response(status, {"error": message})


def with_bad_record(vendor: Emulator, request: VendorRequest, response: VendorResponse, fault: Fault) -> VendorResponse:
    """The same answer with the middle record of one of its record lists broken: its `key`
    (the fault's, else the vendor's default for that list) set to `fault.value`."""
    try:
        document = json.loads(b"".join(response.chunks))
    except ValueError:
        return response
    found = vendor.records(request, document)
    if fault.records is not None:
        spot = found.get(fault.records)
    else:
        spot = next((records for records in found.values() if records.items), None)
    if spot is None or not spot.items or not isinstance(spot.items[len(spot.items) // 2], dict):
        return response
    spot.items[len(spot.items) // 2][fault.key or spot.key] = fault.value
    return replace(response, chunks=[json_bytes(document)], corruption_offset=0)


class SandboxHTTPServer(ThreadingHTTPServer):
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


def _no_release() -> None:
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    #: Frees the vendor's in-flight slot of the request being answered (see `_serve_vendor`).
    _release_before_last_write: Callable[[], None] = staticmethod(_no_release)
    server_version = "vendor-sandbox/0.1"
    server: SandboxHTTPServer

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
        sandbox = self.server.sandbox
        if url.path.startswith(ADMIN_PREFIX):
            answer = Admin(sandbox).handle(self.command, url.path[len(ADMIN_PREFIX) :], query, body)
            self._send(json_response(*answer))
            return
        prefix, _, rest = url.path.lstrip("/").partition("/")
        vendor = sandbox.vendors.get(prefix)
        if vendor is None:
            self._send(sandbox_error(404, "not found"))
            return
        request = VendorRequest(self.command, "/" + rest, query, self.headers, arrival, body, self.client_address[0])
        record = sandbox.log.open(prefix, self.command, url.path, query, arrived)
        try:
            self._serve_vendor(prefix, vendor, request, record)
        finally:
            record.finished = time.time()

    def _serve_vendor(self, name: str, vendor: Emulator, request: VendorRequest, record: RequestRecord) -> None:
        admission = vendor.admit(request)
        record.auth_valid, record.rate_limited = admission.auth_valid, admission.rate_limited
        record.account = admission.account
        # The vendor is done with a request once its answer is written: the slot is freed
        # before the last bytes go out, so a client that has read the whole answer never
        # finds it still taken (release is idempotent; `finally` covers every other path).
        self._release_before_last_write = admission.release
        try:
            if admission.rejection is not None:
                self._send(admission.rejection, record)
                return
            fault = self.server.sandbox.faults.take(name)
            if fault is None:
                self._send(vendor.respond(request), record)
                return
            record.fault = fault.describe()
            self._serve_fault(vendor, request, fault, record)
        finally:
            admission.release()

    def _serve_fault(self, vendor: Emulator, request: VendorRequest, fault: Fault, record: RequestRecord) -> None:
        match fault.kind:
            case FaultKind.DROP:
                self.close_connection = True
            case FaultKind.STATUS:
                status = fault.status or 503  # set by Fault itself; None only before __post_init__
                failure = vendor.failure_response(status)
                self._send(failure if fault.body is None else json_response(status, fault.body), record)
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
                self._send(with_bad_record(vendor, request, vendor.respond(request), fault), record)
            case FaultKind.REDIRECT:
                self._send(self._redirect(fault), record)

    def _redirect(self, fault: Fault) -> VendorResponse:
        """A redirect to the recording host (same path and query), back to this URL, or to `fault.to`."""
        sandbox = self.server.sandbox
        if fault.to == "elsewhere":
            location = sandbox.elsewhere.url + self.path
        elif fault.to == "same":
            location = sandbox.url + self.path
        else:
            location = fault.to
        return json_response(fault.status or 307, {"location": location}, {"Location": location})

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
        last = len(response.chunks) - 1
        try:
            for index, chunk in enumerate(response.chunks):
                if corrupt_at is not None and written <= corrupt_at < written + len(chunk):
                    at = corrupt_at - written
                    chunk = chunk[:at] + b"<" + chunk[at + 1 :]
                if cut_at is not None and written + len(chunk) >= cut_at:
                    self.wfile.write(chunk[: cut_at - written])
                    return
                if index == last:
                    self._release_before_last_write()
                self.wfile.write(chunk)
                written += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _retry_after(fault: Fault) -> str:
    if fault.retry_after_format == "http-date":
        return formatdate(time.time() + fault.retry_after, usegmt=True)
    return f"{fault.retry_after:g}"
