"""The sandbox clock, and the datetime parsing the CLI and admin API share."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any


def as_utc(value: datetime) -> datetime:
    """Aware UTC datetime; naive values are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 datetime (a trailing `Z` is accepted) or a plain date as UTC."""
    return as_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))


class SandboxClock:
    """The sandbox's notion of "now": real UTC time or a fixed instant, plus a shift."""

    def __init__(self, fixed: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._fixed = as_utc(fixed) if fixed else None
        self._shift = timedelta()

    def now(self) -> datetime:
        with self._lock:
            base = self._fixed or datetime.now(UTC)
            return base + self._shift

    def today(self) -> date:
        return self.now().date()

    def set(self, now: datetime | None) -> None:
        """Pin the clock to `now` (None: follow real time again) and clear any shift."""
        with self._lock:
            self._fixed = as_utc(now) if now else None
            self._shift = timedelta()

    def shift(self, delta: timedelta) -> None:
        with self._lock:
            self._shift += delta

    def describe(self) -> dict[str, Any]:
        now = self.now()
        with self._lock:
            fixed, shift = self._fixed, self._shift
        return {
            "now": now.isoformat().replace("+00:00", "Z"),
            "today": now.date().isoformat(),
            "fixed": fixed is not None,
            "shift_seconds": shift.total_seconds(),
        }
