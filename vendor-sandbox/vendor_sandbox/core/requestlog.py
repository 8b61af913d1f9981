"""The log of vendor requests the sandbox served, and the stats derived from it."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RequestRecord:
    """One vendor request. Credentials are never recorded, only whether they were valid."""

    seq: int
    vendor: str
    method: str
    path: str
    query: dict[str, str]
    arrived: float
    """Unix time the request arrived."""
    finished: float | None = None
    auth_valid: bool | None = None
    """None when the request never reached the credentials check."""
    status: int | None = None
    """None when the connection was dropped without a response."""
    items: int = 0
    served: list[Any] = field(default_factory=list)
    """What the vendor says the answer served (its own shape, e.g. records per account and day)."""
    rate_limited: str | None = None
    """"in_flight", "interval" or "window" when the sandbox's rate limiter answered 429."""
    account: str | None = None
    """The account whose rate budget the request counted against (never a credential), if known."""
    fault: str | None = None
    """Label of the injected fault applied, e.g. "status=503", "drop"."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    """Thread-safe, append-only list of `RequestRecord`s with increasing `seq`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._next_seq = 1

    def open(self, vendor: str, method: str, path: str, query: dict[str, str], arrived: float) -> RequestRecord:
        with self._lock:
            record = RequestRecord(self._next_seq, vendor, method, path, dict(query), arrived)
            self._next_seq += 1
            self._records.append(record)
            return record

    def records(self, vendor: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self._records if vendor is None or r.vendor == vendor]

    def reset(self) -> None:
        """Forget all records (sequence numbers keep increasing)."""
        with self._lock:
            self._records.clear()

    def stats(self) -> dict[str, Any]:
        vendors: dict[str, dict[str, Any]] = defaultdict(
            lambda: {
                "requests": 0,
                "by_status": Counter(),
                "items_served": 0,
                "rate_limited_429": 0,
                "fault_429": 0,
                "faults": Counter(),
                "by_account": defaultdict(lambda: {"requests": 0, "rate_limited_429": 0}),
            }
        )
        for record in self.records():
            entry = vendors[record.vendor]
            entry["requests"] += 1
            entry["by_status"][str(record.status) if record.status is not None else "dropped"] += 1
            entry["items_served"] += record.items
            if record.rate_limited:
                entry["rate_limited_429"] += 1
            if record.account is not None:
                account = entry["by_account"][record.account]
                account["requests"] += 1
                account["rate_limited_429"] += bool(record.rate_limited)
            if record.fault:
                entry["faults"][record.fault.split("=")[0]] += 1
                if record.status == 429:
                    entry["fault_429"] += 1
        return {
            "requests": sum(entry["requests"] for entry in vendors.values()),
            "vendors": {
                name: {
                    **entry,
                    "by_status": dict(entry["by_status"]),
                    "faults": dict(entry["faults"]),
                    "by_account": dict(entry["by_account"]),
                }
                for name, entry in vendors.items()
            },
        }
