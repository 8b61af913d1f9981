"""Retry policy: which failures are retried, how long to wait, how often to try.

Waits the vendor asks for (``Retry-After``, in seconds or as an HTTP-date) are
honoured exactly, without jitter, up to a cap. Every other retry waits an
exponentially growing, jittered delay.
"""

from __future__ import annotations

import email.utils
import random
import typing as t
from dataclasses import dataclass
from datetime import UTC, datetime

from vendor_http.settings import from_settings

if t.TYPE_CHECKING:
    from collections.abc import Generator, Mapping

    import requests


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header, or ``None`` if absent/invalid.

    Accepts both forms of RFC 9110: delay-seconds (``"120"``) and an HTTP-date
    (``"Wed, 21 Oct 2026 07:28:00 GMT"``). A date in the past means "now" (0.0).
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """The ``Retry-After`` of a response, if it carries a usable one."""
    if response is None:
        return None
    return parse_retry_after(response.headers.get("Retry-After"))


@dataclass(frozen=True)
class RetryPolicy:
    """How a plugin retries; the fields but `jitter` are user settings (``retry_settings``)."""

    max_tries: int = 5
    backoff_initial_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    retry_after_max_seconds: float = 300.0
    jitter: float = 0.1

    @classmethod
    def from_config(cls, config: Mapping[str, t.Any]) -> RetryPolicy:
        """The policy from plugin settings, keeping defaults for unset knobs."""
        return from_settings(cls, config)

    def backoff(self, attempt: int, *, rng: random.Random | None = None) -> float:
        """Exponential delay before retry number ``attempt`` (1-based), jittered."""
        base = min(
            self.backoff_max_seconds,
            self.backoff_initial_seconds * (2 ** max(0, attempt - 1)),
        )
        spread = base * self.jitter
        return max(0.0, base + (rng or random).uniform(-spread, spread))

    def wait_for(self, retry_after: float | None, attempt: int) -> float:
        """Delay before retry ``attempt``: the vendor's ask (capped) or a backoff."""
        if retry_after is not None:
            return min(retry_after, self.retry_after_max_seconds)
        return self.backoff(attempt)

    def wait_generator(self) -> Generator[float, t.Any, None]:
        """A ``backoff`` wait generator fed with the exception of each failed try.

        The SDK's ``request_decorator`` sends each exception into the generator,
        so a ``Retry-After`` on the failed response decides the wait.
        """
        exception = yield  # type: ignore[misc]
        attempt = 0
        while True:
            attempt += 1
            response = getattr(exception, "response", None)
            exception = yield self.wait_for(retry_after_seconds(response), attempt)
