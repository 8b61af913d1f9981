"""The rate budget at its edges, and the transport adapter's slot over a real response (issue 20).

Timing logic runs on a fake clock (``delay`` says how long a request would wait);
the adapter runs against the scripted HTTP server on 127.0.0.1. Nothing here
asserts how fast anything is: a wait shows up as a number, and the threads only
check who may go when.
"""

from __future__ import annotations

import gc
import socket
import threading

import pytest
import requests
from http_script import Answer, Script

from vendor_http import BudgetedAdapter, RateBudget, RateWindow
from vendor_http.rate_budget import BudgetDeadlockError


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def request(budget: RateBudget, clock: FakeClock, *, answer_after: float | None = 0.0, then: float = 0.0) -> None:
    """One request: starts now, answered ``answer_after`` later (``None``: fails unanswered)."""
    # On a fake clock a request that has to wait would wait forever: fail instead.
    assert budget.delay(clock.now) == 0, "this request would have to wait"
    slot = budget.acquire()
    if answer_after is not None:
        clock.now += answer_after
        slot.answered()
    slot.release()
    clock.now += then


# Limits


@pytest.mark.parametrize(("requests_", "seconds"), [(0, 1.0), (-1, 1.0), (1, 0.0), (1, -2.0)])
def test_a_window_must_allow_something(requests_: int, seconds: float) -> None:
    with pytest.raises(ValueError) as info:
        RateWindow(requests_, seconds)
    assert str(info.value) == f"invalid rate window: {requests_} requests per {seconds}s"


def test_the_smallest_window_is_fine() -> None:
    assert RateWindow(1, 0.001) == RateWindow(max_requests=1, seconds=0.001)


def test_budget_limits_must_make_sense() -> None:
    with pytest.raises(ValueError, match=r"^min_interval must not be negative$"):
        RateBudget(min_interval=-0.1)
    with pytest.raises(ValueError, match=r"^max_in_flight must be at least 1$"):
        RateBudget(max_in_flight=0)
    budget = RateBudget(min_interval=0, max_in_flight=1)
    assert (budget.min_interval, budget.max_in_flight, budget.windows) == (0, 1, ())
    assert RateBudget(windows=[RateWindow(1, 1.0)]).windows == (RateWindow(1, 1.0),)


def test_a_budget_without_limits_limits_nothing() -> None:
    clock = FakeClock(0.0)  # a clock may start at zero
    budget = RateBudget(clock=clock)
    assert (budget.min_interval, budget.max_in_flight, budget.windows) == (0.0, None, ())
    assert budget.delay(0.0) == 0
    request(budget, clock)
    assert budget.delay(0.0) == 0  # no interval after an answer either
    slots = [budget.acquire() for _ in range(20)]  # no in-flight limit
    for slot in slots:
        slot.release()


def test_an_unused_budget_never_waits() -> None:
    clock = FakeClock()
    budget = RateBudget(min_interval=1.0, max_in_flight=2, windows=[RateWindow(2, 10.0)], clock=clock)
    assert budget.delay(clock.now) == 0
    assert (budget.requests_started, budget.seconds_waited) == (0, 0.0)


# Sliding windows


def test_a_one_request_window_waits_until_the_answer_is_a_window_old() -> None:
    clock = FakeClock()
    budget = RateBudget(windows=[RateWindow(1, 10.0)], clock=clock)
    request(budget, clock, answer_after=0.5, then=3.0)  # anchored at 100.5, now 103.5
    assert budget.delay(clock.now) == pytest.approx(7.0)
    assert budget.delay(110.4) == pytest.approx(0.1)
    assert budget.delay(110.5) == 0  # exactly a window later: free again
    assert budget.delay(111.0) == 0


def test_answered_and_unanswered_requests_mixed() -> None:
    clock = FakeClock()
    budget = RateBudget(windows=[RateWindow(2, 10.0)], clock=clock)
    request(budget, clock, then=2.0)  # anchored at 100
    pending = budget.acquire()  # started at 102, no answer yet
    clock.now = 104.0
    # Two in the window (one anchored, one will be anchored later): wait for the first to age out.
    assert budget.delay(clock.now) == pytest.approx(6.0)
    clock.now = 105.0
    pending.answered()  # anchored at 105
    pending.release()
    assert budget.delay(clock.now) == pytest.approx(5.0)
    assert budget.delay(110.0) == pytest.approx(0.0)  # 100 aged out; 105 is the only one left
    assert budget.delay(114.0) == 0


def test_only_unanswered_requests_fill_a_window_until_an_answer_comes() -> None:
    clock = FakeClock()
    budget = RateBudget(windows=[RateWindow(2, 10.0)], clock=clock)
    first, second = budget.acquire(), budget.acquire()
    # No anchor yet to count from: wait for an answer (at most a window).
    assert budget.delay(clock.now) == 10.0
    clock.now += 1.0
    first.answered()
    assert budget.delay(clock.now) == pytest.approx(10.0)  # 101 + 10 - 101
    clock.now += 4.0
    assert budget.delay(clock.now) == pytest.approx(6.0)
    second.answered()
    first.release()
    second.release()
    assert budget.delay(clock.now) == pytest.approx(6.0)


def test_a_window_counts_exactly_its_requests() -> None:
    clock = FakeClock()
    budget = RateBudget(windows=[RateWindow(3, 10.0)], clock=clock)
    request(budget, clock, then=1.0)
    request(budget, clock, then=1.0)
    assert budget.delay(clock.now) == 0  # 2 of 3
    request(budget, clock, then=1.0)
    assert budget.delay(clock.now) == pytest.approx(7.0)  # 100, 101, 102: the first ages out at 110


def test_short_windows_are_checked_while_long_ones_keep_their_history() -> None:
    clock = FakeClock()
    budget = RateBudget(windows=[RateWindow(1, 1.0), RateWindow(3, 60.0)], clock=clock)
    for _ in range(3):
        request(budget, clock, then=10.0)  # 100, 110, 120
    assert budget.delay(121.0) == pytest.approx(39.0)  # the minute is full until 160
    assert budget.delay(159.0) == pytest.approx(1.0)
    assert budget.delay(160.0) == 0
    clock.now = 160.0
    request(budget, clock)  # 160
    assert budget.delay(160.5) == pytest.approx(9.5)  # 110, 120 and 160 fill the minute until 170
    assert budget.delay(170.0) == 0


# Interval and pauses


def test_the_interval_is_measured_from_the_latest_answer() -> None:
    clock = FakeClock()
    budget = RateBudget(min_interval=2.0, clock=clock)
    request(budget, clock, answer_after=0.5)
    assert budget.delay(clock.now) == pytest.approx(2.0)
    assert budget.delay(clock.now + 2.0) == 0
    assert budget.delay(clock.now + 5.0) == 0


@pytest.mark.parametrize(("seconds", "expected"), [(0.5, 0.5), (0.0, 0.0), (-3.0, 0.0), (2.25, 2.25)])
def test_a_pause_is_exactly_as_long_as_asked(seconds: float, expected: float) -> None:
    # A Retry-After of 0 or 0.5 must not become a whole second.
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    budget.pause_for(seconds)
    assert budget.delay(clock.now) == pytest.approx(expected)
    assert budget.delay(clock.now + expected) == 0


def test_pauses_and_intervals_add_up_to_the_longest() -> None:
    clock = FakeClock()
    budget = RateBudget(min_interval=3.0, windows=[RateWindow(1, 5.0)], clock=clock)
    request(budget, clock)
    budget.pause_for(4.0)
    assert budget.delay(clock.now) == pytest.approx(5.0)
    budget.pause_for(8.0)
    assert budget.delay(clock.now) == pytest.approx(8.0)
    assert budget.delay(clock.now + 1.0) == pytest.approx(7.0)


# Slots


def test_a_request_failing_before_any_answer_counts_from_its_failure() -> None:
    clock = FakeClock()
    budget = RateBudget(min_interval=1.0, windows=[RateWindow(1, 10.0)], max_in_flight=1, clock=clock)
    request(budget, clock, answer_after=None)  # anchored at 100, when it failed
    assert budget.delay(clock.now) == pytest.approx(10.0)
    assert budget.delay(103.0) == pytest.approx(7.0)
    clock.now = 110.0
    budget.acquire().release()  # its slot is free again


def test_a_late_answer_after_release_changes_nothing() -> None:
    clock = FakeClock()
    budget = RateBudget(min_interval=1.0, windows=[RateWindow(2, 10.0)], clock=clock)
    slot = budget.acquire()
    slot.release()  # failed unanswered: anchored at 100
    clock.now = 105.0
    slot.answered()  # too late: ignored
    slot.answered()
    assert budget.delay(clock.now) == 0  # one request in the window, no new anchor
    request(budget, clock)  # 105
    assert budget.delay(clock.now) == pytest.approx(5.0)  # 100 and 105: full until 110


def test_answering_twice_anchors_once() -> None:
    clock = FakeClock()
    budget = RateBudget(min_interval=1.0, windows=[RateWindow(2, 10.0)], clock=clock)
    slot = budget.acquire()
    slot.answered()
    clock.now = 104.0
    slot.answered()
    slot.release()
    slot.release()
    assert budget.delay(clock.now) == 0  # one anchor (100), the interval long over
    assert budget.requests_started == 1


def test_a_thread_may_hold_as_many_slots_as_the_limit_and_no_more() -> None:
    budget = RateBudget(max_in_flight=2)
    first, second = budget.acquire(), budget.acquire()
    with pytest.raises(BudgetDeadlockError) as info:
        budget.acquire()
    assert str(info.value) == (
        "this thread already holds all 2 in-flight request slot(s): read or close the previous response first"
    )
    first.release()
    third = budget.acquire()
    with pytest.raises(BudgetDeadlockError):
        budget.acquire()
    second.release()
    third.release()
    third.release()  # a repeated release gives nothing back twice
    again = [budget.acquire(), budget.acquire()]
    with pytest.raises(BudgetDeadlockError):
        budget.acquire()
    for slot in again:
        slot.release()
    assert budget.requests_started == 5


def test_a_thread_waiting_for_a_slot_goes_when_it_is_freed() -> None:
    budget = RateBudget(max_in_flight=1)
    held = budget.acquire()
    started: list[str] = []

    def worker() -> None:
        budget.acquire()  # held until the end of the test
        started.append("waiting")

    waiting = threading.Thread(target=worker, daemon=True)
    waiting.start()
    held.answered()
    held.release()
    waiting.join(timeout=60)  # a liveness bound, not a speed check
    assert started == ["waiting"]
    assert budget.requests_started == 2


class WatchedClock(FakeClock):
    """A fake clock that tells when another thread first reads it (inside ``acquire``)."""

    def __init__(self, now: float = 100.0) -> None:
        super().__init__(now)
        self.owner = threading.current_thread()
        self.read_by_other_thread = threading.Event()

    def __call__(self) -> float:
        now = self.now
        if threading.current_thread() is not self.owner:
            self.read_by_other_thread.set()
        return now


def acquire_in_thread(budget: RateBudget, clock: WatchedClock) -> tuple[threading.Thread, list[object]]:
    """Start ``budget.acquire()`` in a thread; return once it is inside ``acquire``."""
    clock.read_by_other_thread.clear()
    slots: list[object] = []
    thread = threading.Thread(target=lambda: slots.append(budget.acquire()), daemon=True)
    thread.start()
    assert clock.read_by_other_thread.wait(60)
    return thread, slots


def test_seconds_waited_adds_up_each_requests_wait() -> None:
    clock = WatchedClock()
    budget = RateBudget(min_interval=5.0, clock=clock)
    request(budget, clock)  # anchored at 100
    for until in (105.0, 110.0):
        thread, slots = acquire_in_thread(budget, clock)  # has to wait 5 s of the fake clock
        clock.now = until
        budget.pause_for(0)  # wakes the waiting thread (a pause of nothing)
        thread.join(60)
        slots[0].release()  # type: ignore[attr-defined]  # failed unanswered: anchored now
    assert budget.seconds_waited == 10.0
    assert budget.requests_started == 3


def test_a_thread_waits_while_other_threads_hold_every_slot() -> None:
    clock = WatchedClock()
    budget = RateBudget(max_in_flight=2, clock=clock)
    held = [budget.acquire(), budget.acquire()]
    thread, slots = acquire_in_thread(budget, clock)
    budget.pause_for(0)  # returns once the thread waits (or went)
    assert budget.requests_started == 2  # it waits
    assert slots == []
    held[0].release()
    thread.join(60)
    assert budget.requests_started == 3
    assert len(slots) == 1


def test_a_request_that_did_not_wait_adds_nothing_to_the_seconds_waited() -> None:
    clock = FakeClock()
    budget = RateBudget(min_interval=1.0, clock=clock)
    request(budget, clock, then=1.0)
    request(budget, clock)
    assert (budget.requests_started, budget.seconds_waited) == (2, 0.0)


# The transport adapter over real responses


def budgeted(budget: RateBudget, **options: object) -> requests.Session:
    session = requests.Session()
    session.mount("http://", BudgetedAdapter(budget, **options))  # type: ignore[arg-type]
    return session


def test_a_streamed_response_holds_its_slot_until_the_body_is_read(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(body={"items": list(range(1000))})
    budget = RateBudget(max_in_flight=1)
    with budgeted(budget) as session:
        response = session.get(f"{url}/big", stream=True)
        with pytest.raises(BudgetDeadlockError):
            budget.acquire()  # headers are here, the body is not: still in flight
        assert len(response.json()["items"]) == 1000
        budget.acquire().release()
        response.close()
        budget.acquire().release()  # closing after the body changes nothing


def test_a_streamed_response_closed_early_frees_its_slot(http_script: tuple[str, Script]) -> None:
    url, _ = http_script
    budget = RateBudget(max_in_flight=1)
    with budgeted(budget) as session:
        response = session.get(f"{url}/x", stream=True)
        raw = response.raw
        response.close()
        assert raw.closed  # the body's connection is closed, not returned to the pool half-read
        budget.acquire().release()


# The point is a response nobody closed: its socket is reported unclosed when collected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_dropped_response_frees_its_slot(http_script: tuple[str, Script]) -> None:
    url, _ = http_script
    budget = RateBudget(max_in_flight=1)
    with budgeted(budget) as session:
        response = session.get(f"{url}/x", stream=True)
        del response
        gc.collect()
        budget.acquire().release()


def test_a_read_response_has_freed_its_slot_and_anchored_on_its_headers(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    clock = FakeClock()

    def slow_headers(_: object) -> Answer:
        clock.now += 0.25  # the vendor answers a quarter second after the request started
        return Answer()

    script.answers = [slow_headers]
    budget = RateBudget(min_interval=1.0, max_in_flight=1, clock=clock)
    seen: list[requests.Response] = []
    with budgeted(budget, on_response=seen.append) as session:
        response = session.get(f"{url}/x")
        assert response.json() == {"ok": True}
        assert seen == [response]
        assert budget.delay(100.25) == pytest.approx(1.0)  # from the headers, not from the start
        assert budget.delay(101.0) == pytest.approx(0.25)
        clock.now = 101.25
        budget.acquire().release()  # the slot is free


def test_a_request_that_fails_to_connect_frees_its_slot_and_counts_from_the_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    clock = FakeClock()
    budget = RateBudget(windows=[RateWindow(1, 10.0)], max_in_flight=1, clock=clock)
    with budgeted(budget) as session, pytest.raises(requests.ConnectionError):
        session.get(f"http://127.0.0.1:{port}/x", timeout=5)
    assert budget.delay(103.0) == pytest.approx(7.0)
    clock.now = 110.0
    budget.acquire().release()  # the slot is free
    assert budget.requests_started == 2


class BodilessAdapter(BudgetedAdapter):
    """A transport whose responses carry no raw body (as a test double's may)."""

    def build_response(self, req: requests.PreparedRequest, resp: object) -> requests.Response:
        response = super().build_response(req, resp)
        response.raw.read()
        response.raw = None
        return response


def test_a_response_without_a_raw_body_frees_its_slot_at_once(http_script: tuple[str, Script]) -> None:
    url, _ = http_script
    budget = RateBudget(max_in_flight=1)
    with requests.Session() as session:
        session.mount("http://", BodilessAdapter(budget))
        response = session.get(f"{url}/x", stream=True)
        assert response.raw is None
        budget.acquire().release()
