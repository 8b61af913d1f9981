"""Fault specs, their short syntax, and the queue consulted for every vendor request.

Short syntax: ``VENDOR:KIND[=VALUE]`` followed, in any order, by ``xCOUNT`` (``x*`` means
unlimited), ``@AFTER`` (skip the first AFTER matching requests) and ``,KEY=VALUE`` parameters.
VALUE is the kind's main parameter (status: `status`, rate_limit: `retry_after`, slow: `delay`,
truncate: `fraction`, bad_record: `key`, redirect: `status`). ``xCOUNT`` and ``@AFTER`` may
follow KIND[=VALUE] or a numeric ``KEY=VALUE``, or stand alone between commas; ``count=N`` and
``after=K`` work too. Examples: ``acme:status=503x3``, ``acme:drop``,
``acme:rate_limit,retry_after=2@3`` (= ``acme:rate_limit@3,retry_after=2``), ``acme:truncate@2``,
``acme:slow=0.5x*``, ``acme:bad_record=count,value=x``, ``acme:bad_record,records=rows``,
``acme:redirect=307``. What the vendor-specific kinds answer (the error bodies of `status` and
`rate_limit`, the records `bad_record` breaks) is each vendor's own.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    STATUS = "status"
    """Respond with `status` (default 503) and the vendor's documented error body (or `body`)."""
    RATE_LIMIT = "rate_limit"
    """429 with the vendor's documented body and a Retry-After header."""
    SLOW = "slow"
    """Sleep `delay` seconds, then respond normally."""
    TRUNCATE = "truncate"
    """Full Content-Length, only the first `fraction` of the body, then close."""
    MALFORMED = "malformed"
    """Status 200, correct length, JSON broken in the middle of the body."""
    DROP = "drop"
    """Close the connection without any response."""
    BAD_RECORD = "bad_record"
    """The normal answer, valid JSON, but the middle record's `key` set to `value` (a schema
    violation); the vendor says where its records sit (`records` picks a list) and the default key."""
    REDIRECT = "redirect"
    """A redirect (`status` 301, 302, 303, 307 or 308, default 307) to `to`: "elsewhere" (the
    sandbox's recording host, another origin, same path and query), "same" (the same URL on the
    sandbox itself) or an absolute URL."""


_MAIN_PARAM = {
    FaultKind.STATUS: "status",
    FaultKind.RATE_LIMIT: "retry_after",
    FaultKind.SLOW: "delay",
    FaultKind.TRUNCATE: "fraction",
    FaultKind.BAD_RECORD: "key",
    FaultKind.REDIRECT: "status",
}
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
_DEFAULT_STATUS = {FaultKind.REDIRECT: 307}

SHORT_SYNTAX = (
    "VENDOR:KIND[=VALUE] followed, in any order, by xCOUNT (x* = every request), @AFTER and "
    ",KEY=VALUE parts, e.g. acme:status=503x3@1 or acme:rate_limit,retry_after=2@3"
)
_HEAD = re.compile(r"^(?P<vendor>[\w.-]+):(?P<kind>[^=]+)(?:=(?P<value>.*))?$")
_MODIFIER = re.compile(r"(?:x(?P<count>\d+|\*)|@(?P<after>\d+))$")


@dataclass
class Fault:
    """One injected fault; it fires on `count` matching requests once `after` have passed."""

    vendor: str
    kind: FaultKind
    count: int | None = 1
    """How many requests it hits; None = every request from then on."""
    after: int = 0
    """Matching requests to let through before it starts firing."""
    status: int | None = None
    """The answer's status: `status` kind 503 by default, `redirect` kind 307 by default."""
    body: Any = None
    """Payload replacing the vendor's documented error body (status kind)."""
    retry_after: float = 1
    retry_after_format: str = "seconds"
    """"seconds" or "http-date"."""
    delay: float = 1.0
    fraction: float = 0.5
    key: str | None = None
    """The field `bad_record` breaks; None: the one the vendor names for that record list."""
    value: Any = "not-a-number"
    """The bad value `bad_record` puts under `key` (short syntax: always a string)."""
    records: str | None = None
    """Which of the answer's record lists `bad_record` breaks; None: the vendor's first non-empty one."""
    to: str = "elsewhere"
    """Where `redirect` points: "elsewhere" (the recording host), "same" (the sandbox) or a URL."""
    seen: int = field(default=0, compare=False)
    fired: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        self.kind = FaultKind(self.kind)
        if self.count is not None and self.count < 1:
            raise ValueError("fault count must be at least 1 (or None for unlimited)")
        if self.after < 0:
            raise ValueError("fault 'after' cannot be negative")
        if self.status is None:
            self.status = _DEFAULT_STATUS.get(self.kind, 503)
        if not 100 <= self.status <= 599:
            raise ValueError("fault status must be an HTTP status code")
        if self.kind is FaultKind.REDIRECT and self.status not in REDIRECT_STATUSES:
            raise ValueError(f"a redirect fault's status is one of {', '.join(map(str, REDIRECT_STATUSES))}")
        if self.to not in ("elsewhere", "same") and not self.to.startswith(("http://", "https://")):
            raise ValueError("a redirect fault's 'to' is elsewhere, same or an absolute http(s) URL")
        if not 0.0 <= self.fraction < 1.0:
            raise ValueError("truncate fraction must be in [0, 1)")
        if self.retry_after_format not in ("seconds", "http-date"):
            raise ValueError("retry_after_format must be 'seconds' or 'http-date'")

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def describe(self) -> str:
        """Compact label for logs, e.g. `status=503` or `drop`."""
        main = _MAIN_PARAM.get(self.kind)
        value = getattr(self, main) if main else None
        return f"{self.kind}={_fmt(value)}" if value is not None else str(self.kind)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["remaining"] = None if self.count is None else self.count - self.fired
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        known = {f.name for f in fields(cls)} - {"seen", "fired"}
        unknown = set(data) - known - {"remaining"}
        if unknown:
            raise ValueError(f"unknown fault parameter(s): {', '.join(sorted(unknown))}")
        if "vendor" not in data or "kind" not in data:
            raise ValueError("a fault needs 'vendor' and 'kind'")
        return cls(**{key: value for key, value in data.items() if key in known})

    @classmethod
    def parse(cls, text: str) -> Fault:
        """Parse JSON (an object) or the short syntax described in the module docstring."""
        text = text.strip()
        if text.startswith("{"):
            return cls.from_dict(json.loads(text))
        return cls.from_dict(_coerce(_parse_short(text)))


def _parse_short(text: str) -> dict[str, Any]:
    """The fields a short-syntax spec names; ValueError saying exactly what is expected."""

    def refuse(why: str) -> ValueError:
        return ValueError(f"cannot parse fault {text!r}: {why} (expected {SHORT_SYNTAX})")

    if not text or any(ch.isspace() for ch in text):
        raise refuse("it is empty or contains spaces")
    head, *parts = text.split(",")
    data: dict[str, Any] = {}

    def modifiers(part: str) -> str:
        """``part`` without its trailing xCOUNT/@AFTER, which go into ``data``."""
        while match := _MODIFIER.search(part):
            name = "count" if match["count"] is not None else "after"
            if name in data:
                raise refuse(f"{'xCOUNT' if name == 'count' else '@AFTER'} is given twice")
            number = match["count"] or match["after"]
            data[name] = None if number == "*" else number
            part = part[: match.start()]
        return part

    match = _HEAD.match(head)
    if not match:
        raise refuse(f"{head!r} is not VENDOR:KIND[=VALUE]")
    name = match["kind"] if match["value"] is not None else modifiers(match["kind"])
    try:
        kind = FaultKind(name)
    except ValueError:
        raise refuse(f"unknown kind; kinds are {', '.join(FaultKind)}") from None
    data = {"vendor": match["vendor"], "kind": kind, **data}
    if match["value"] is not None:
        if kind not in _MAIN_PARAM:
            raise refuse(f"fault kind {kind} takes no value")
        value = modifiers(match["value"])
        if not value:
            raise refuse(f"'{kind}=' needs a value")
        data[_MAIN_PARAM[kind]] = value
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep:
            if modifiers(part):
                raise refuse(f"parameter {part!r} must be KEY=VALUE, xCOUNT or @AFTER")
            continue
        if key in _INT_FIELDS | _FLOAT_FIELDS:
            value = modifiers(value)
        if not key or key in data:
            raise refuse(f"parameter {key!r} is empty or given twice")
        data[key] = value
    return data


def parse_faults(value: Any) -> list[Fault]:
    """Faults from a Fault, a dict, a string (JSON object/list or short syntax) or a list of those."""
    if isinstance(value, Fault):
        return [value]
    if isinstance(value, dict):
        return [Fault.from_dict(value)]
    if isinstance(value, str):
        stripped = value.strip()
        return parse_faults(json.loads(stripped)) if stripped.startswith("[") else [Fault.parse(stripped)]
    if isinstance(value, list | tuple):
        return [fault for item in value for fault in parse_faults(item)]
    raise ValueError(f"not a fault spec: {value!r}")


class FaultQueue:
    """Ordered faults; each vendor request consumes at most one (the first one that is due)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, *specs: Any) -> list[Fault]:
        added = parse_faults(list(specs))
        with self._lock:
            self._faults.extend(added)
        return added

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        """Faults that can still fire."""
        with self._lock:
            return [fault for fault in self._faults if not fault.exhausted]

    def all(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, vendor: str) -> Fault | None:
        """Count a request of `vendor` against every live fault; return the one that fires."""
        chosen: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if fault.vendor != vendor or fault.exhausted:
                    continue
                fault.seen += 1
                if chosen is None and fault.seen > fault.after:
                    fault.fired += 1
                    chosen = fault
        return chosen


_INT_FIELDS = {"count", "after", "status"}
_FLOAT_FIELDS = {"retry_after", "delay", "fraction"}


def _coerce(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "count" and value == "*":
            value = None
        elif isinstance(value, str) and key in _INT_FIELDS:
            value = int(value)
        elif isinstance(value, str) and key in _FLOAT_FIELDS:
            value = float(value)
        out[key] = value
    return out


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
