"""The one retry engine: which failures are retried, how long to wait, how often to try.

Waits the vendor asks for (``Retry-After``, in seconds or as an HTTP-date) are
honoured exactly, without jitter, up to a cap. Every other retry waits an
exponentially growing, jittered delay. :class:`RetryPolicy` holds the knobs (user
settings); :class:`Retrier` runs a call under them and logs each retry once. SDK
streams (through ``request_decorator``), :class:`~vendor_http.VendorSession` and
authenticators all retry with it.
"""

from __future__ import annotations

import email.utils
import functools
import logging
import random
import time
import typing as t
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from singer_sdk.exceptions import RetriableAPIError

from vendor_http.settings import from_settings

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_R = t.TypeVar("_R")

#: Transport failures worth another try: the vendor may not have seen the request, or
#: its answer broke off. The same list as the SDK's own ``request_decorator``.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionResetError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class RetryNow(RetriableAPIError):
    """A failure worth one more try at once, without a backoff (e.g. with a new access token)."""


#: Longest single wait while the vendor still runs an earlier request (see :class:`StillRunning`).
STILL_RUNNING_POLL_SECONDS = 10.0


class StillRunning(RetriableAPIError):
    """The vendor is still running an earlier request with the same credentials.

    Vendors that run one request at a time per token (Rick.ai) refuse the next one until
    the earlier finishes, even after the client gave up on it (a timeout), or when
    another process uses the same token. That is worth waiting for, patiently: the
    :class:`Retrier` tries again, not counting these tries, for up to ``patience``
    seconds from the first such answer, then gives up saying why.
    """

    def __init__(self, message: str, response: requests.Response | None = None, *, patience: float) -> None:
        """``patience``: seconds to wait for the running request, in all."""
        super().__init__(message, response)
        self.patience = patience


def is_transient(error: BaseException) -> bool:
    """A retriable answer (``RetriableAPIError``) or a transport failure."""
    return isinstance(error, (RetriableAPIError, *TRANSIENT_ERRORS))


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


class Retrier:
    """Runs a call, retrying the failures ``is_retriable`` accepts, per a :class:`RetryPolicy`.

    The wait before a retry is the failed answer's ``Retry-After`` (capped), none for
    :class:`RetryNow`, else the policy's jittered backoff. Each retry is logged once, at
    WARNING, naming the vendor, the try and the reason; when the tries run out the last
    failure is raised (or what ``give_up(failure, tries)`` makes of it).
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        vendor_name: str,
        logger: logging.Logger | None = None,
        is_retriable: Callable[[BaseException], bool] = is_transient,
        give_up: Callable[[BaseException, int], BaseException] | None = None,
        describe: Callable[[BaseException], str] = str,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Retry with ``policy``; ``describe`` renders a failure for the log (redacted)."""
        self.policy = policy
        self.vendor_name = vendor_name
        self.logger = logger or logging.getLogger(__name__)
        self.is_retriable = is_retriable
        self.give_up = give_up
        self.describe = describe
        self.sleep = sleep
        self.clock = clock
        #: Retries made (not counting first tries), for summaries and benchmarks.
        self.retries = 0
        #: Seconds spent waiting for the vendor to finish an earlier request (:class:`StillRunning`).
        self.seconds_waited_for_running = 0.0

    def wait_before_retry(self, error: BaseException, attempt: int) -> float:
        """Seconds to wait after try number ``attempt`` (1-based) failed with ``error``."""
        if isinstance(error, RetryNow):
            return 0.0
        return self.policy.wait_for(retry_after_seconds(getattr(error, "response", None)), attempt)

    def call(self, func: Callable[..., _R], *args: t.Any, **kwargs: t.Any) -> _R:
        """``func(*args, **kwargs)``, tried up to ``max_tries`` times (and :class:`StillRunning` patiently)."""
        attempt = 0
        running_since: float | None = None
        running_waits = 0
        while True:
            attempt += 1
            try:
                result = func(*args, **kwargs)
            except StillRunning as error:
                attempt -= 1  # waiting for the vendor is not a try
                running_waits += 1
                now = self.clock()
                if running_since is None:
                    running_since = now
                    self.logger.warning(
                        "%s is still running an earlier request with these credentials (%s); waiting for it "
                        "to finish, up to %.0f s",
                        self.vendor_name,
                        self.describe(error),
                        error.patience,
                    )
                waited = now - running_since
                if waited >= error.patience:
                    raise self.still_running_for_good(error, waited) from None
                asked = retry_after_seconds(error.response)
                wait = self.policy.wait_for(asked, running_waits)
                if asked is None:
                    wait = min(wait, STILL_RUNNING_POLL_SECONDS)
                wait = max(0.0, min(wait, error.patience - waited))
                self.logger.debug("%s: still running; asking again in %.1fs", self.vendor_name, wait)
                self.seconds_waited_for_running += wait
                self.sleep(wait)
                continue
            except Exception as error:
                if not self.is_retriable(error):
                    raise
                if attempt >= self.policy.max_tries:
                    if self.give_up is None:
                        raise
                    raise self.give_up(error, attempt) from None
                wait = self.wait_before_retry(error, attempt)
                self.retries += 1
                self.logger.warning(
                    "%s request failed (try %d of %d), retrying in %.1fs: %s",
                    self.vendor_name,
                    attempt,
                    self.policy.max_tries,
                    wait,
                    self.describe(error),
                )
                self.sleep(wait)
                continue
            break
        if running_since is not None:
            self.logger.info(
                "%s finished the earlier request; went on after waiting %.0f s",
                self.vendor_name,
                self.clock() - running_since,
            )
        return result

    def still_running_for_good(self, error: StillRunning, waited: float) -> StillRunning:
        """The failure once the patience for an earlier request ran out."""
        message = (
            f"{self.describe(error)}; still so after waiting {waited:.0f} s for the earlier request to finish. "
            "Another process or machine may be using the same credentials, or a request given up after a "
            "timeout is still running at the vendor: try again later, or wait longer "
            "('running_request_wait_seconds')"
        )
        return StillRunning(message, error.response, patience=error.patience)

    def wrap(self, func: Callable[..., _R]) -> Callable[..., _R]:
        """``func`` retried by :meth:`call` (the shape of the SDK's ``request_decorator``)."""

        @functools.wraps(func)
        def retried(*args: t.Any, **kwargs: t.Any) -> _R:
            return self.call(func, *args, **kwargs)

        return retried
