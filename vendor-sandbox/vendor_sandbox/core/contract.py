"""What the core and a vendor emulation exchange: the contract every vendor package implements.

A vendor package (``vendor_sandbox/vendors/<name>/``) defines ``VENDOR = VendorPlugin(...)``
naming its config dataclass and its :class:`Emulator` subclass; the core finds it (see
:mod:`.registry`), builds the emulator with a :class:`VendorContext`, mounts it under
``/<name>`` and consults it for every request, every fault and every ``/_sandbox/<name>/…``
admin call. See the README's "Adding a vendor".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from .clock import SandboxClock
from .limiter import Limiter, LimitRules

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
    client: str = "127.0.0.1"
    """The client's IP address (for limits documented per IP)."""


@dataclass
class VendorResponse:
    """A complete response; the body is kept as chunks so big pages are never copied."""

    status: int
    chunks: list[bytes]
    headers: dict[str, str] = field(default_factory=dict)
    items: int = 0
    """Records the answer carries (request log and stats)."""
    served: list[Any] = field(default_factory=list)
    """What the vendor wants the request log to say it served (dataclasses or dicts, its choice)."""
    corruption_offset: int = 0
    """A body offset where replacing one byte surely makes the JSON invalid."""

    @property
    def length(self) -> int:
        return sum(len(chunk) for chunk in self.chunks)


def json_bytes(payload: Any) -> bytes:
    """``payload`` as UTF-8 JSON. Text that is not valid Unicode (a lone surrogate, which a
    client can send as the JSON escape ``"\\ud800"``) cannot be UTF-8: such an answer is
    written with every non-ASCII character escaped, as the JSON it was received as."""
    try:
        return json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(payload).encode()


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> VendorResponse:
    return VendorResponse(status, [json_bytes(payload)], {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})})


@dataclass
class Admission:
    """Outcome of the gate (routing, auth, rate limits) before a request is handled."""

    rejection: VendorResponse | None = None
    auth_valid: bool | None = None
    rate_limited: str | None = None
    """Why the rate limiter refused the request ("in_flight", "interval" or "window"), if it did."""
    account: str | None = None
    """The account whose rate budget the request was counted against, named by something that is
    not a secret (a company or a client id, never a token); None before auth."""
    release: Callable[[], None] = _noop
    """Call when the response is finished (frees the in-flight slot)."""


@dataclass
class Records:
    """One list of records inside a parsed answer: what the `bad_record` fault breaks."""

    items: list[Any]
    """The record objects themselves (inside the parsed document: changed in place)."""
    key: str
    """The field `bad_record` sets when the fault names none: one the documented schema types strictly."""


def records_at(document: Any, *path: str | int) -> list[Any]:
    """The list at `path` inside a parsed JSON document, or [] when anything on the way is missing."""
    node = document
    for step in path:
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and -len(node) <= step < len(node):
            node = node[step]
        else:
            return []
    return node if isinstance(node, list) else []


@dataclass(frozen=True)
class VendorContext:
    """What the core gives an emulator: the shared clock, the data seed, and the limiter switch."""

    clock: SandboxClock
    seed: int
    rate_limit: bool
    """False when the sandbox runs with --no-rate-limit."""

    def limiter(self, rules: LimitRules) -> Limiter:
        """The shared limiter with this vendor's documented rules (off when `rate_limit` is)."""
        return Limiter(rules, enabled=self.rate_limit)


class Emulator:
    """Base of a vendor emulation. Subclasses answer exactly as the vendor's documentation says.

    For each request the core calls :meth:`admit` (routing, credentials, rate limits), then,
    unless a fault fires, :meth:`respond`. Faults use :meth:`failure_response`,
    :meth:`rate_limited_response` (the vendor's documented error bodies) and :meth:`records`.
    """

    def __init__(self, config: Any, context: VendorContext) -> None:
        self.config = config
        self.context = context
        self.clock = context.clock

    def admit(self, request: VendorRequest) -> Admission:
        """Accept, or reject with the vendor's answer (404, 401, 429…). Default: accept."""
        return Admission()

    def respond(self, request: VendorRequest) -> VendorResponse:
        raise NotImplementedError

    def rate_limited_response(self) -> VendorResponse:
        """The vendor's documented 429 answer (the `rate_limit` fault adds Retry-After)."""
        raise NotImplementedError

    def failure_response(self, status: int) -> VendorResponse:
        """The vendor's documented answer to an unexpected failure with `status` (the `status` fault)."""
        raise NotImplementedError

    def records(self, request: VendorRequest, document: Any) -> dict[str, Records]:
        """The record lists of a parsed answer to `request`, by name, the default first (`bad_record`)."""
        return {}

    def admin(self, method: str, path: str, query: Mapping[str, str], payload: Any) -> tuple[int, Any]:
        """Handle `/_sandbox/<name>/<path>` (truth, settings…); returns (status, JSON payload)."""
        return 404, {"error": "not found"}


@dataclass(frozen=True)
class VendorPlugin:
    """How a vendor package registers itself: ``VENDOR = VendorPlugin(...)`` in its ``__init__``."""

    name: str
    """The package's name: URL prefix `/<name>`, fault target `<name>:…`, option prefix `<name>_`."""
    title: str
    """Human name of the emulated API, e.g. "Acme reports API v2"."""
    config: type
    """A dataclass of the vendor's options (fields made with `option()`; strict documented defaults)."""
    emulator: Callable[[Any, VendorContext], Emulator]
    """Builds the emulation from an instance of `config` and the context."""
    routes: tuple[str, ...] = ()
    """The documented endpoints served, relative to `/<name>` (for --help)."""
    admin: tuple[str, ...] = ()
    """The `/_sandbox/<name>/…` endpoints (for --help)."""
    records: tuple[str, ...] = ()
    """Where `bad_record` hits, one line per record list (for --help)."""
    faults: tuple[str, ...] = ()
    """Example fault specs (for --help)."""
