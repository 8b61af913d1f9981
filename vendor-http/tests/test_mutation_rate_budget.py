"""A slot given back unused (a request never sent) counts for nothing, and credentials renewed in line.

Pure logic of :class:`RateBudget` on a stopped clock, and :meth:`BudgetedAdapter.admit`
with an authenticator whose token runs out while the request waits for the budget.
"""

from __future__ import annotations

import threading

import pytest
import requests

from vendor_http.rate_budget import BudgetDeadlockError, BudgetedAdapter, RateBudget, RateWindow


class StoppedClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class RecordingLock:
    """The machine lock's interface, recording what the budget asks of it."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[str, object]] = []

    def acquire(self) -> None:
        self.calls.append(("acquire", None))
        if self.fail:
            raise KeyboardInterrupt

    def release(self, *, answered_at: float | None = None) -> None:
        self.calls.append(("release", answered_at))


def test_a_cancelled_slot_leaves_no_trace_in_the_windows_or_the_counts() -> None:
    clock = StoppedClock()
    budget = RateBudget(max_in_flight=1, windows=[RateWindow(1, 60)], min_interval=5, clock=clock)
    slot = budget.acquire()
    assert budget.delay(clock()) == 60  # an unanswered request fills the one-request window
    slot.cancel()
    assert budget.delay(clock()) == 0  # never sent: no wait, no anchor
    assert budget.requests_started == 0
    again = budget.acquire()  # the same thread: its slot is free again (no deadlock error)
    assert budget.requests_started == 1
    again.answered()
    again.release()
    assert budget.delay(clock()) == 60


def test_a_thread_keeps_count_of_the_slots_it_still_holds_after_a_cancel() -> None:
    budget = RateBudget(max_in_flight=2, clock=StoppedClock())
    kept = budget.acquire()
    budget.acquire().cancel()
    budget.acquire().cancel()
    third = budget.acquire()  # two held again: the limit
    with pytest.raises(BudgetDeadlockError):
        budget.acquire()
    third.release()
    kept.release()
    budget.acquire().release()  # all given back: no error, nothing left over


def test_a_thread_waiting_for_a_slot_goes_when_it_is_cancelled() -> None:
    budget = RateBudget(max_in_flight=1)
    held = budget.acquire()
    started = threading.Event()

    def worker() -> None:
        budget.acquire()
        started.set()

    waiting = threading.Thread(target=worker, daemon=True)
    waiting.start()
    held.cancel()
    assert started.wait(timeout=60)  # a liveness bound, not a speed check


def test_cancelling_is_idempotent_and_does_nothing_once_answered_or_released() -> None:
    clock = StoppedClock()
    budget = RateBudget(max_in_flight=3, windows=[RateWindow(2, 60)], clock=clock)
    twice = budget.acquire()
    twice.cancel()
    twice.cancel()
    assert budget.requests_started == 0
    answered = budget.acquire()
    answered.answered()
    answered.cancel()  # it was sent: it stays counted and in flight until released
    released = budget.acquire()
    released.release()
    released.cancel()
    assert budget.requests_started == 2
    assert budget.delay(clock()) == 60  # both fill the window, until the first is a window old
    answered.release()
    assert budget.delay(clock()) == 60


def test_a_cancelled_slot_frees_the_machine_lock_noting_no_answer() -> None:
    lock = RecordingLock()
    budget = RateBudget(machine_lock=lock, clock=StoppedClock())
    budget.acquire().cancel()
    assert lock.calls == [("acquire", None), ("release", None)]


def test_a_wait_for_the_machine_lock_given_up_gives_the_slot_back() -> None:
    lock = RecordingLock(fail=True)
    budget = RateBudget(max_in_flight=1, machine_lock=lock, clock=StoppedClock())
    with pytest.raises(KeyboardInterrupt):
        budget.acquire()
    assert lock.calls == [("acquire", None)]  # never held: nothing to release
    assert budget.requests_started == 0
    lock.fail = False
    budget.acquire()  # the only slot is free


class ExpiringTokens:
    """An authenticator whose token is expired the first ``expired`` times it is asked."""

    def __init__(self, expired: int) -> None:
        self.expired = expired
        self.renewals = 0
        self.budget: RateBudget | None = None
        self.started_when_renewed: list[int] = []

    def is_token_valid(self) -> bool:
        if self.expired:
            self.expired -= 1
            return False
        return True

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.budget is not None:
            self.started_when_renewed.append(self.budget.requests_started)
        self.renewals += 1
        request.headers["Authorization"] = f"Bearer t{self.renewals}"
        return request


@pytest.mark.parametrize("expired", [0, 1, 2])
def test_a_token_that_ran_out_while_waiting_is_renewed_outside_the_slot(expired: int) -> None:
    budget = RateBudget(max_in_flight=1, clock=StoppedClock())
    tokens = ExpiringTokens(expired)
    tokens.budget = budget
    adapter = BudgetedAdapter(budget, authenticator=tokens)
    request = requests.Request("GET", "http://127.0.0.1:9/x").prepare()
    slot = adapter.admit(request)
    assert request.headers["Authorization"] == f"Bearer t{expired + 1}"
    assert budget.requests_started == 1  # the slots given back for renewals count for nothing
    # each renewal happened while this thread held no slot (the token request needs its own)
    assert tokens.started_when_renewed == [0] * expired + [1]
    slot.release()
    adapter.close()


def test_an_authenticator_without_a_validity_check_is_applied_once_admitted() -> None:
    budget = RateBudget(clock=StoppedClock())
    calls: list[int] = []

    def auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
        calls.append(budget.requests_started)
        return request

    adapter = BudgetedAdapter(budget, authenticator=auth)
    adapter.admit(requests.Request("GET", "http://127.0.0.1:9/x").prepare()).release()
    assert calls == [1]
    adapter.close()
