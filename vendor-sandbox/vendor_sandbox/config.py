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


# --- Kameleoon (tap-kameleoon) ---
DEFAULT_KAMELEOON_CLIENT_ID = "sandbox-kameleoon-client"
DEFAULT_KAMELEOON_CLIENT_SECRET = "sandbox-kameleoon-secret"  # noqa: S105 - the public demo credential
KAMELEOON_RATE_WINDOWS = ((50, 10.0), (1000, 3600.0))
"""Documented: 50 requests per 10 seconds and 1,000 per hour per account."""


def _default_kameleoon_clients() -> dict[str, str]:
    return {DEFAULT_KAMELEOON_CLIENT_ID: DEFAULT_KAMELEOON_CLIENT_SECRET}


# --- Calltouch (target-calltouch-plans) ---
DEFAULT_CALLTOUCH_TOKEN = "sandbox-calltouch-token"  # noqa: S105 - the public demo credential
DEFAULT_CALLTOUCH_SITE_ID = "12345"


def _default_calltouch_tokens() -> dict[str, str]:
    return {DEFAULT_CALLTOUCH_TOKEN: DEFAULT_CALLTOUCH_SITE_ID}


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
    # --- Kameleoon ---
    kameleoon_clients: dict[str, str] = field(default_factory=_default_kameleoon_clients)
    """Kameleoon client_id -> client_secret; each client is one account with its own sites."""
    kameleoon_sites: int = 2
    """Sites per account."""
    kameleoon_segments_per_site: int = 4
    """Segments per site (the last one does not track audiences)."""
    kameleoon_token_lifetime: float = 7200.0
    """Seconds an access token lives (reported as `expires_in`, about 2 hours at Kameleoon)."""
    kameleoon_token_revoke_after: float | None = None
    """If set, tokens die this many seconds after issue whatever `expires_in` said (a 401 mid-run)."""
    kameleoon_polls_until_ready: int = 2
    """Polls of a data code answered WAITING before READY."""
    kameleoon_poll_outcome: str = "ready"
    """What polls end in: "ready", "error" (status ERROR) or "never" (WAITING forever)."""
    kameleoon_audiences_addon: bool = True
    """False: the account lacks the paid Audiences add-on (403 on audience requests)."""
    kameleoon_data_code_ttl: float = 3600.0
    """Seconds a data code can be polled after its request."""
    kameleoon_rate_windows: tuple[tuple[int, float], ...] = KAMELEOON_RATE_WINDOWS
    """(max requests, seconds) sliding windows per account, all enforced when `rate_limit`."""
    # --- Calltouch ---
    calltouch_tokens: dict[str, str] = field(default_factory=_default_calltouch_tokens)
    """Calltouch Access-Token -> the SiteId it belongs to."""
    calltouch_requests_per_second: int = 5
    """Documented: at most 5 requests per second per IP (sliding one-second window)."""
    calltouch_import_seconds: float = 1.0
    """Seconds after an add before its status turns from `in progress...` to its outcome."""
    calltouch_import_outcome: str = "success"
    """What imports end in: "success", "error" or "never" (in progress forever)."""

    def __post_init__(self) -> None:
        if self.now is not None:
            self.now = as_utc(self.now)
        if not 0 <= self.rickai_sessions_per_day <= 500_000:
            raise ValueError("rickai_sessions_per_day must be between 0 and 500000")
        if self.rickai_max_in_flight < 1:
            raise ValueError("rickai_max_in_flight must be at least 1")
        if self.rickai_min_interval < 0:
            raise ValueError("rickai_min_interval cannot be negative")
        if self.kameleoon_poll_outcome not in ("ready", "error", "never"):
            raise ValueError("kameleoon_poll_outcome must be ready, error or never")
        if self.kameleoon_token_lifetime <= 0 or self.kameleoon_polls_until_ready < 0:
            raise ValueError("kameleoon_token_lifetime must be positive and kameleoon_polls_until_ready not negative")
        if self.calltouch_import_outcome not in ("success", "error", "never"):
            raise ValueError("calltouch_import_outcome must be success, error or never")
        if self.calltouch_requests_per_second < 1 or self.calltouch_import_seconds < 0:
            raise ValueError("calltouch_requests_per_second must be >= 1 and calltouch_import_seconds >= 0")


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
