"""A proactive request budget, shared by every stream of one plugin process.

Vendors state their limits as "at most N requests in flight", "at most one request
per second" or "at most N requests per window". The budget makes a well-behaved run
stay under all of them, so that it never receives a 429 in the first place.

Timing is anchored conservatively. A request counts from the moment its slot is
taken, and its *anchor* (the instant the next request's minimum interval is measured
from, and the instant it occupies in the sliding windows) is the moment its response
headers arrived. The vendor saw the request before it sent those headers, so spacing
our next request from that anchor keeps the vendor's own measurement above the limit
whatever the network latency was.
"""

from __future__ import annotations

import threading
import time
import typing as t
import weakref
from collections import deque
from dataclasses import dataclass

from requests.adapters import HTTPAdapter

from vendor_http.transport import Deadline, TransportLimits, guard_body, sending, watch_pools

if t.TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import requests

    from vendor_http.machine_lock import MachineLock

TOO_MANY_REQUESTS = 429
#: Attribute of a response: seconds its request waited for the budget (see :func:`budget_wait`).
BUDGET_WAIT_ATTRIBUTE = "vendor_budget_wait_seconds"


def budget_wait(response: requests.Response) -> float:
    """Seconds the request of ``response`` waited for the rate budget before it was sent."""
    return float(getattr(response, BUDGET_WAIT_ATTRIBUTE, 0.0))


@dataclass(frozen=True)
class RateWindow:
    """At most ``max_requests`` requests in any ``seconds`` long sliding window."""

    max_requests: int
    seconds: float

    def __post_init__(self) -> None:
        if self.max_requests < 1 or self.seconds <= 0:
            msg = f"invalid rate window: {self.max_requests} requests per {self.seconds}s"
            raise ValueError(msg)


class BudgetDeadlockError(RuntimeError):
    """A thread asked for a slot while it already holds every in-flight slot."""


class RateBudget:
    """Thread-safe limiter combining in-flight, interval and sliding-window limits."""

    def __init__(
        self,
        *,
        min_interval: float = 0.0,
        max_in_flight: int | None = None,
        windows: Sequence[RateWindow] = (),
        clock: Callable[[], float] = time.monotonic,
        machine_lock: MachineLock | None = None,
    ) -> None:
        """Create a budget.

        Args:
            min_interval: Seconds between one request's anchor and the next start.
            max_in_flight: Requests allowed at once (``None`` = unlimited).
            windows: Sliding-window limits that all apply at once.
            clock: Monotonic clock, replaceable in unit tests.
            machine_lock: Also one request at a time across the processes of this machine
                that share it (same vendor and credentials), keeping ``min_interval`` too.
        """
        if min_interval < 0:
            msg = "min_interval must not be negative"
            raise ValueError(msg)
        if max_in_flight is not None and max_in_flight < 1:
            msg = "max_in_flight must be at least 1"
            raise ValueError(msg)
        self.min_interval = min_interval
        self.max_in_flight = max_in_flight
        self.windows = tuple(windows)
        self.machine_lock = machine_lock
        self._clock = clock
        self._cond = threading.Condition()
        self._in_flight = 0
        self._unanswered = 0
        self._last_anchor: float | None = None
        self._anchors: deque[float] = deque()
        self._not_before = 0.0
        self._holders: dict[int, int] = {}
        #: Requests started and seconds spent waiting, for logs and benchmarks.
        self.requests_started = 0
        self.seconds_waited = 0.0
        #: Answers 429 (Too Many Requests) seen by the transport, for the run summary.
        self.too_many_requests = 0

    @property
    def seconds_per_request(self) -> float:
        """The best steady pace the limits allow, in seconds per request (0: no time limit)."""
        per_window = (window.seconds / window.max_requests for window in self.windows)
        return max(self.min_interval, *per_window, 0.0)

    def note_answer(self, status: int) -> None:
        """The transport got an answer with ``status`` (429s are counted)."""
        if status == TOO_MANY_REQUESTS:
            with self._cond:
                self.too_many_requests += 1

    def delay(self, now: float) -> float:
        """Seconds to wait before a request may start at ``now`` (0 if it may).

        Only the time-based limits are considered; callers hold the lock.
        """
        delay = max(0.0, self._not_before - now)
        if self._last_anchor is not None:
            delay = max(delay, self._last_anchor + self.min_interval - now)
        longest = max((w.seconds for w in self.windows), default=0.0)
        while self._anchors and self._anchors[0] <= now - longest:
            self._anchors.popleft()
        for window in self.windows:
            recent = [a for a in self._anchors if a > now - window.seconds]
            # Requests still waiting for their headers will be anchored later
            # than now, so they count as inside every window.
            excess = len(recent) + self._unanswered - window.max_requests + 1
            if excess > 0:
                if excess > len(recent):
                    return max(delay, window.seconds)  # wait for answers
                delay = max(delay, recent[excess - 1] + window.seconds - now)
        return delay

    def acquire(self) -> BudgetSlot:
        """Block until a request may start, then take a slot for it."""
        me = threading.get_ident()
        with self._cond:
            if self.max_in_flight is not None and (self._holders.get(me, 0) >= self.max_in_flight):
                msg = (
                    f"this thread already holds all {self.max_in_flight} in-flight "
                    "request slot(s): read or close the previous response first"
                )
                raise BudgetDeadlockError(msg)
            started_waiting = self._clock()
            while True:
                if self.max_in_flight is not None and self._in_flight >= self.max_in_flight:
                    self._cond.wait()
                    continue
                delay = self.delay(self._clock())
                if delay <= 0:
                    break
                self._cond.wait(timeout=delay)
            self.seconds_waited += self._clock() - started_waiting
            self.requests_started += 1
            self._in_flight += 1
            self._unanswered += 1
            self._holders[me] = self._holders.get(me, 0) + 1
            slot = BudgetSlot(self, me)
        if self.machine_lock is not None:
            started_waiting = self._clock()
            try:
                self.machine_lock.acquire()  # other processes with the same credentials
            except BaseException:
                slot.cancel(locked=False)
                raise
            with self._cond:
                self.seconds_waited += self._clock() - started_waiting
        return slot

    def pause_for(self, seconds: float) -> None:
        """Hold every new request back for ``seconds`` (e.g. a vendor's Retry-After)."""
        with self._cond:
            self._not_before = max(self._not_before, self._clock() + max(0.0, seconds))
            self._cond.notify_all()

    def _answered(self) -> None:
        with self._cond:
            anchor = self._clock()
            self._unanswered -= 1
            self._last_anchor = anchor
            self._anchors.append(anchor)
            self._cond.notify_all()

    def _cancel(self, holder: int, *, locked: bool = True) -> None:
        """Give a slot back unused: the request was not sent, so it counts for nothing."""
        if locked and self.machine_lock is not None:
            self.machine_lock.release(answered_at=None)
        with self._cond:
            self._unanswered -= 1
            self._in_flight -= 1
            self.requests_started -= 1
            self._holders[holder] -= 1
            if not self._holders[holder]:
                del self._holders[holder]
            self._cond.notify_all()

    def _release(self, holder: int, *, answered_at: float | None) -> None:
        answered = answered_at is not None
        if self.machine_lock is not None:
            self.machine_lock.release(answered_at=answered_at or time.time())
        with self._cond:
            if not answered:
                # Failed before any answer: anchor it now, the vendor may have seen it.
                self._unanswered -= 1
                self._last_anchor = self._clock()
                self._anchors.append(self._last_anchor)
            self._in_flight -= 1
            self._holders[holder] -= 1
            if not self._holders[holder]:
                del self._holders[holder]
            self._cond.notify_all()


class BudgetSlot:
    """One request's claim on the budget; release is idempotent."""

    def __init__(self, budget: RateBudget, holder: int) -> None:
        self._budget = budget
        self._holder = holder
        self._answered_at: float | None = None
        self._released = False
        self._lock = threading.Lock()

    def answered(self) -> None:
        """Record that the response headers arrived (the request's anchor)."""
        with self._lock:
            if self._answered_at is not None or self._released:
                return
            self._answered_at = time.time()
        self._budget._answered()

    def cancel(self, *, locked: bool = True) -> None:
        """Give the slot back without having sent the request (it is not anchored)."""
        with self._lock:
            if self._released or self._answered_at is not None:
                return
            self._released = True
        self._budget._cancel(self._holder, locked=locked)

    def release(self) -> None:
        """Free the in-flight slot once the response body is read or closed."""
        with self._lock:
            if self._released:
                return
            self._released = True
            answered_at = self._answered_at
        self._budget._release(self._holder, answered_at=answered_at)


class BudgetedAdapter(HTTPAdapter):
    """A requests transport adapter that sends every request through a budget.

    The slot is held until the response body has been read to the end or the
    response is closed, so a streamed response keeps its request "in flight" for
    as long as the vendor is still sending it. Credentials (``authenticator``) are
    attached once the budget admitted the request, so a long wait for the budget
    never sends an expired token; every request has the total deadline and an
    answer read whole the size bound of ``limits`` (:mod:`vendor_http.transport`).
    """

    def __init__(
        self,
        budget: RateBudget,
        *,
        on_response: Callable[[requests.Response], None] | None = None,
        limits: TransportLimits | None = None,
        authenticator: Callable[[requests.PreparedRequest], requests.PreparedRequest] | None = None,
        vendor_name: str = "the vendor",
        **kwargs: t.Any,
    ) -> None:
        """Wrap ``budget``; ``on_response`` sees every response (e.g. for Retry-After)."""
        super().__init__(**kwargs)
        self.budget = budget
        self._on_response = on_response
        self.limits = limits or TransportLimits()
        self.authenticator = authenticator
        self.vendor_name = vendor_name

    def init_poolmanager(self, *args: t.Any, **kwargs: t.Any) -> None:
        """The default pool manager, its connections registering with each request's deadline."""
        super().init_poolmanager(*args, **kwargs)
        watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **kwargs: t.Any) -> t.Any:
        """Proxied connections register with the deadline too."""
        return watch_pools(super().proxy_manager_for(proxy, **kwargs))

    def admit(self, request: requests.PreparedRequest) -> BudgetSlot:
        """Take a slot, then attach the credentials as they are now.

        An access token that ran out while the request waited for the budget is renewed
        first, outside the slot (the token request takes a slot of its own).
        """
        auth = self.authenticator
        while True:
            slot = self.budget.acquire()
            if auth is None:
                return slot
            still_valid = getattr(auth, "is_token_valid", None)
            if still_valid is None or still_valid():
                auth(request)
                return slot
            slot.cancel()
            auth(request)

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> requests.Response:
        """Take a slot, authenticate, send under the deadline, anchor on the headers, release with the body.

        The seconds spent waiting for the slot are noted on the response (:func:`budget_wait`).
        """
        stream = bool(kwargs.get("stream", args[0] if args else False))
        admitting = time.perf_counter()
        slot = self.admit(request)
        waited = time.perf_counter() - admitting
        deadline = Deadline(self.limits.request_deadline_seconds)
        deadline.start()
        try:
            with sending(deadline):
                response = super().send(request, *args, **kwargs)
        except BaseException:
            slot.release()
            deadline.cancel()
            if deadline.expired:
                raise deadline.exceeded(request) from None
            raise
        slot.answered()
        # The wait is the budget's, not the vendor's: the session takes it out of `elapsed`.
        setattr(response, BUDGET_WAIT_ATTRIBUTE, waited)
        self.budget.note_answer(response.status_code)
        _release_with_body(response, slot, deadline)
        if deadline.expired:  # cut while the headers trickled in: they may look complete
            response.close()
            raise deadline.exceeded(request)
        guard_body(
            response, deadline, max_bytes=None if stream else self.limits.max_body_bytes, vendor_name=self.vendor_name
        )
        if self._on_response is not None:
            self._on_response(response)
        return response


def _release_with_body(response: requests.Response, slot: BudgetSlot, deadline: Deadline) -> None:
    """Release ``slot`` (and stop ``deadline``) when urllib3 returns the connection or the response closes.

    urllib3 calls ``release_conn`` once the body is exhausted (or reading failed);
    ``close`` covers responses abandoned early; the finalizer covers leaks.
    """

    def done() -> None:
        deadline.cancel()
        slot.release()

    raw = response.raw
    if raw is None:
        done()
        return

    def then_release(original: Callable[[], None] | None) -> Callable[[], None]:
        def wrapped() -> None:
            try:
                if original is not None:
                    original()
            finally:
                done()

        return wrapped

    raw.release_conn = then_release(getattr(raw, "release_conn", None))
    raw.close = then_release(getattr(raw, "close", None))
    weakref.finalize(response, done)
