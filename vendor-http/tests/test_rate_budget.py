"""The rate budget: pure timing logic with a fake clock, and real threads."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from vendor_http.rate_budget import BudgetDeadlockError, RateBudget, RateWindow


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_min_interval_is_measured_from_the_answer() -> None:
    clock = FakeClock()
    budget = RateBudget(min_interval=1.0, clock=clock)
    slot = budget.acquire()
    clock.now += 0.3  # headers arrive 0.3 s after the start
    slot.answered()
    slot.release()
    assert budget.delay(clock.now) == pytest.approx(1.0)
    clock.now += 0.6
    assert budget.delay(clock.now) == pytest.approx(0.4)
    clock.now += 0.4
    assert budget.delay(clock.now) == 0


def test_sliding_windows_all_apply() -> None:
    clock = FakeClock()
    budget = RateBudget(windows=[RateWindow(3, 10.0), RateWindow(5, 100.0)], clock=clock)
    for _ in range(3):
        slot = budget.acquire()
        slot.answered()
        slot.release()
        clock.now += 1.0
    # 3 anchors at 100, 101, 102; now 103: the 10 s window is full until 110.
    assert budget.delay(clock.now) == pytest.approx(7.0)
    for clock.now in (110.0, 111.0):
        assert budget.delay(clock.now) == 0
        slot = budget.acquire()
        slot.answered()
        slot.release()
    # 5 requests within 100 s: the hour-like window now binds until 200.
    clock.now = 121.0
    assert budget.delay(clock.now) == pytest.approx(79.0)


def test_unanswered_requests_count_inside_every_window() -> None:
    clock = FakeClock()
    budget = RateBudget(windows=[RateWindow(1, 10.0)], clock=clock)
    budget.acquire()  # in flight, no answer yet
    assert budget.delay(clock.now) > 0


def test_pause_for_holds_everyone_back() -> None:
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    budget.pause_for(5.0)
    assert budget.delay(clock.now) == pytest.approx(5.0)
    budget.pause_for(1.0)  # a shorter pause never shortens a longer one
    assert budget.delay(clock.now) == pytest.approx(5.0)


def test_a_thread_holding_the_only_slot_gets_an_error_not_a_deadlock() -> None:
    budget = RateBudget(max_in_flight=1)
    slot = budget.acquire()
    with pytest.raises(BudgetDeadlockError, match="read or close the previous response"):
        budget.acquire()
    slot.release()
    slot.release()  # idempotent
    budget.acquire().release()


def test_threads_share_one_in_flight_slot_and_the_interval() -> None:
    budget = RateBudget(min_interval=0.05, max_in_flight=1)
    active = 0
    max_active = 0
    starts: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        nonlocal active, max_active
        for _ in range(4):
            slot = budget.acquire()
            with lock:
                active += 1
                max_active = max(max_active, active)
                starts.append(time.monotonic())
            time.sleep(0.005)
            slot.answered()
            with lock:
                active -= 1
            slot.release()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    assert max_active == 1
    assert len(starts) == 12
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.05
    assert budget.requests_started == 12


class ShortLivedTokens:
    """An authenticator whose tokens live ``lifetime`` seconds (a new one per renewal)."""

    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        self.issued: list[float] = []

    def is_token_valid(self) -> bool:
        return bool(self.issued) and time.monotonic() - self.issued[-1] < self.lifetime

    def __call__(self, request):  # the SDK authenticators' interface
        if not self.is_token_valid():
            self.issued.append(time.monotonic())
        request.headers["Authorization"] = f"Bearer t{len(self.issued)}"
        return request


def test_credentials_are_attached_once_the_budget_admits_the_request(http_script) -> None:
    import requests

    from vendor_http import RetryPolicy, budgeted_session

    url, script = http_script
    tokens = ShortLivedTokens(lifetime=0.5)
    budget = RateBudget(min_interval=0.8)
    http = budgeted_session(budget, RetryPolicy(), authenticator=tokens)
    first = requests.Request("GET", f"{url}/a").prepare()
    second = tokens(requests.Request("GET", f"{url}/b").prepare())  # fresh when prepared...
    http.send(tokens(first), timeout=5)
    http.send(second, timeout=5)  # ... but it waited 0.8 s for the budget

    assert [seen.headers["Authorization"] for seen in script.seen] == ["Bearer t1", "Bearer t2"]
    assert budget.requests_started == 2  # a renewal's cancelled slot counts for nothing
