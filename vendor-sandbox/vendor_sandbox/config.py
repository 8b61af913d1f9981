"""Sandbox configuration and the sandbox clock."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

DEFAULT_RICKAI_TOKEN = "sandbox-rickai-token"  # noqa: S105 - the public demo credential
DEFAULT_RICKAI_COMPANY = "demo-company"


def _default_rickai_tokens() -> dict[str, str]:
    return {DEFAULT_RICKAI_TOKEN: DEFAULT_RICKAI_COMPANY}


@dataclass
class SandboxConfig:
    """Everything a sandbox run can be tuned with. Defaults are strict (as documented)."""

    port: int = 0
    """TCP port on 127.0.0.1; 0 picks a free one."""
    seed: int = 42
    """Seed of all synthetic data."""
    now: datetime | None = None
    """Fixed sandbox "now" (UTC); None follows the real clock."""
    rate_limit: bool = True
    """Enforce the vendors' documented rate limits."""
    faults: list[Any] = field(default_factory=list)
    """Faults queued at start: `Fault` objects, dicts or short-syntax strings."""
    rickai_tokens: dict[str, str] = field(default_factory=_default_rickai_tokens)
    """Rick.ai token -> company it authenticates."""
    rickai_sessions_per_day: int = 200
    """Average sessions per day and company (each day varies deterministically by ±20%)."""
    rickai_min_interval: float = 1.0
    """Minimum seconds between arrivals of two accepted requests of one token."""
    rickai_max_in_flight: int = 1
    """Maximum concurrent requests of one token."""

    def __post_init__(self) -> None:
        if self.now is not None:
            self.now = as_utc(self.now)
        if not 0 <= self.rickai_sessions_per_day <= 500_000:
            raise ValueError("rickai_sessions_per_day must be between 0 and 500000")
        if self.rickai_max_in_flight < 1:
            raise ValueError("rickai_max_in_flight must be at least 1")
        if self.rickai_min_interval < 0:
            raise ValueError("rickai_min_interval cannot be negative")


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
