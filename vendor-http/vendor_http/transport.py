"""Bounds of one request: a total deadline, and the size of a whole answer.

``request_timeout_seconds`` bounds each wait for the next bytes: a server that trickles one
byte every two seconds never trips it and holds a run forever. So every request also has a
**total deadline** (``request_deadline_seconds``, counted from the moment it is sent, after
the rate budget admitted it): a watchdog shuts the request's connection when it passes, and
the request fails with :class:`DeadlineExceededError`, a timeout (retried like one), naming
the request. The watchdog knows the connection because the transport's connection classes
register their socket with the request being sent (:func:`watch_pools`).

An answer read whole (not streamed) larger than ``max_body_bytes`` (after decompression)
fails at once with :class:`ResponseTooLargeError`, not retried: it is too big to be what the
vendor documents, or corrupt. Streamed pages bound each item instead
(:mod:`vendor_http.json_stream`).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import typing as t
from dataclasses import dataclass

import requests
from singer_sdk import typing as th
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from vendor_http.errors import ExplainedError
from vendor_http.redaction import redact_url
from vendor_http.settings import from_settings

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from urllib3 import PoolManager

#: Default total deadline of one request: generous for a 100 MB page on a slow line.
DEFAULT_DEADLINE_SECONDS = 900.0
#: Largest answer read whole: Kameleoon's and Calltouch's JSON answers are far smaller.
MAX_BODY_BYTES = 128 * 2**20


@dataclass(frozen=True)
class TransportLimits:
    """Bounds of every request of a plugin; ``request_deadline_seconds`` is a setting."""

    request_deadline_seconds: float = DEFAULT_DEADLINE_SECONDS
    max_body_bytes: int = MAX_BODY_BYTES

    @classmethod
    def from_config(cls, config: Mapping[str, t.Any]) -> TransportLimits:
        """The limits from plugin settings, keeping defaults for unset ones."""
        return from_settings(cls, config)


def transport_settings() -> list[th.Property]:
    """The setting of :class:`TransportLimits` a user may need: the total deadline."""
    return [
        th.Property(
            "request_deadline_seconds",
            th.NumberType(minimum=1),
            default=DEFAULT_DEADLINE_SECONDS,
            title="Request deadline (seconds)",
            description=(
                "Longest time one request may take in total, answer included, however steadily the vendor "
                "sends; then it fails like a timeout (and is retried)."
            ),
        ),
    ]


class DeadlineExceededError(requests.exceptions.ReadTimeout):
    """A request took longer than its total deadline; a timeout, retried like one."""


class ResponseTooLargeError(ExplainedError):
    """An answer (or one item of a streamed page) is larger than the bound; not retried."""


def describe(request: requests.PreparedRequest) -> str:
    """``GET https://host/path?query``, secrets masked."""
    return f"{request.method} {redact_url(request.url or '')}"


class Deadline:
    """The watchdog of one request: shuts its sockets down once ``seconds`` have passed."""

    def __init__(self, seconds: float | None) -> None:
        """Watch for ``seconds`` (``None``: no deadline) once :meth:`start` is called."""
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def start(self) -> None:
        if self.seconds is not None:
            self._timer = threading.Timer(self.seconds, self.expire)
            self._timer.daemon = True
            self._timer.start()

    def watch(self, sock: socket.socket | None) -> None:
        """Shut ``sock`` down too when the deadline passes."""
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._sockets.clear()

    def exceeded(self, request: requests.PreparedRequest) -> DeadlineExceededError:
        return DeadlineExceededError(
            f"{describe(request)} took longer than its total deadline of {self.seconds:g} s "
            "(the answer came too slowly; setting 'request_deadline_seconds')",
            request=request,
        )


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


# The deadline of the request this thread is sending, for the connection to register with.
_sending = threading.local()


@contextlib.contextmanager
def sending(deadline: Deadline) -> Iterator[None]:
    """While the block runs, connections used by this thread register with ``deadline``."""
    _sending.deadline = deadline
    try:
        yield
    finally:
        _sending.deadline = None


def _register(sock: socket.socket | None) -> None:
    deadline: Deadline | None = getattr(_sending, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _register(self.sock)

    def request(self, *args: t.Any, **kwargs: t.Any) -> None:  # type: ignore[override]
        _register(self.sock)  # a kept-alive connection: already connected
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _register(self.sock)

    def request(self, *args: t.Any, **kwargs: t.Any) -> None:  # type: ignore[override]
        _register(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def watch_pools(manager: PoolManager) -> PoolManager:
    """Make ``manager``'s connections register with the deadline of the request being sent.

    Only the default pool classes are replaced (a SOCKS proxy manager keeps its own: its
    requests are bounded by the per-read timeout only).
    """
    classes = manager.pool_classes_by_scheme
    if classes.get("http") is HTTPConnectionPool and classes.get("https") is HTTPSConnectionPool:
        manager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
    return manager


def guard_body(
    response: requests.Response, deadline: Deadline, *, max_bytes: int | None, vendor_name: str = "the vendor"
) -> None:
    """Turn a read cut by ``deadline`` into :class:`DeadlineExceededError` and stop at ``max_bytes``."""
    raw = response.raw
    request = response.request
    if raw is None or request is None:
        return
    length = response.headers.get("Content-Length", "")
    if max_bytes is not None and length.isdigit() and int(length) > max_bytes:
        response.close()
        raise too_large(vendor_name, request, max_bytes, f"announced {int(length):,} bytes")
    read: Callable[..., bytes] = raw.read
    read_chunked: Callable[..., Iterator[bytes]] = raw.read_chunked
    total = 0

    def counted(data: bytes) -> bytes:
        nonlocal total
        total += len(data)
        if max_bytes is not None and total > max_bytes:
            response.close()
            raise too_large(vendor_name, request, max_bytes, f"stopped after {total:,} bytes")
        return data

    def guarded_read(*args: t.Any, **kwargs: t.Any) -> bytes:
        try:
            data = read(*args, **kwargs)
        except Exception:
            if deadline.expired:
                raise deadline.exceeded(request) from None
            raise
        if deadline.expired:  # a body without a length ends where the connection was shut
            raise deadline.exceeded(request)
        return counted(data)

    def guarded_read_chunked(*args: t.Any, **kwargs: t.Any) -> Iterator[bytes]:
        chunks = read_chunked(*args, **kwargs)
        while True:
            try:
                data = next(chunks)
            except StopIteration:
                return
            except Exception:
                if deadline.expired:
                    raise deadline.exceeded(request) from None
                raise
            if deadline.expired:
                raise deadline.exceeded(request)
            yield counted(data)

    raw.read = guarded_read  # type: ignore[method-assign]
    raw.read_chunked = guarded_read_chunked  # type: ignore[method-assign]


def too_large(vendor_name: str, request: requests.PreparedRequest, limit: int, detail: str) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{vendor_name} answered {describe(request)} with more than {limit / 2**20:g} MiB ({detail}); "
        "an answer this big is not what the API documents (or it is corrupt), so it is not read, "
        "nor asked for again"
    )
