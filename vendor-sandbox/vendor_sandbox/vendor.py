"""What the server and a vendor emulation exchange."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any, Protocol

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def _noop() -> None:
    return None


@dataclass(frozen=True)
class VendorRequest:
    """One HTTP request routed to a vendor; `path` is relative to the vendor prefix."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Message
    """Case-insensitive `.get(name)`."""
    arrival: float
    """time.monotonic() when the request arrived."""
    body: bytes = b""
    """The request body as received (form-encoded or JSON for POST endpoints)."""


@dataclass
class ServedCount:
    """How many records of one (company, date) a response carried."""

    company: str
    date: str
    count: int


@dataclass
class VendorResponse:
    """A complete response; the body is kept as chunks so big pages are never copied."""

    status: int
    chunks: list[bytes]
    headers: dict[str, str] = field(default_factory=dict)
    items: int = 0
    served: list[ServedCount] = field(default_factory=list)
    corruption_offset: int = 0
    """A body offset where replacing one byte surely makes the JSON invalid."""

    @property
    def length(self) -> int:
        return sum(len(chunk) for chunk in self.chunks)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> VendorResponse:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return VendorResponse(status, [body], {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})})


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> VendorResponse:
    """The `{"error": "..."}` shape every documented vendor error uses."""
    return json_response(status, {"error": message}, headers)


@dataclass
class Admission:
    """Outcome of the gate (routing, auth, rate limits) before a request is handled."""

    rejection: VendorResponse | None = None
    auth_valid: bool | None = None
    rate_limited: str | None = None
    """Why the rate limiter refused the request ("in_flight" or "interval"), if it did."""
    release: Callable[[], None] = _noop
    """Call when the response is finished (frees the in-flight slot)."""


class Vendor(Protocol):
    """A vendor emulation mounted under `/{name}`."""

    name: str

    def admit(self, request: VendorRequest) -> Admission: ...

    def respond(self, request: VendorRequest) -> VendorResponse: ...

    def rate_limited_response(self) -> VendorResponse:
        """The vendor's documented 429 answer."""
        ...

    def failure_response(self, status: int) -> VendorResponse:
        """The vendor's documented answer to an unexpected failure with `status`."""
        ...

    def admin(self, method: str, path: str, query: Mapping[str, str]) -> tuple[int, Any]:
        """Handle `/_sandbox/{name}/{path}`; returns (status, JSON payload)."""
        ...
