"""A slot given back unused counts for nothing; credentials renewed in line; the adapter's own options.

Pure logic of :class:`RateBudget` on a stopped clock, :meth:`BudgetedAdapter.admit` with
an authenticator whose token runs out while the request waits for the budget, and
:class:`BudgetedAdapter` against a scripted server on 127.0.0.1.
"""

from __future__ import annotations

import threading
import time
import typing as t

import pytest
import requests
from http_script import Answer, Script
from urllib3 import HTTPConnectionPool

from vendor_http.rate_budget import BudgetDeadlockError, BudgetedAdapter, RateBudget, RateWindow
from vendor_http.transport import DeadlineExceededError, ResponseTooLargeError, TransportLimits


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


def test_the_machine_lock_learns_when_each_request_was_answered() -> None:
    lock = RecordingLock()
    budget = RateBudget(machine_lock=lock)
    slot = budget.acquire()
    slot.answered()
    answered = time.time()
    time.sleep(0.2)
    slot.release()  # the body read later: the interval counts from the answer
    failed = budget.acquire()
    before = time.time()
    failed.release()  # failed before any answer: counts from now, the vendor may have seen it
    [(_, first), (_, second)] = [call for call in lock.calls if call[0] == "release"]
    assert isinstance(first, float) and answered - 0.1 < first <= answered
    assert isinstance(second, float) and before <= second <= time.time()


# The adapter: every request of a session goes through it


def adapter_for(budget: RateBudget, **kwargs: t.Any) -> BudgetedAdapter:
    return BudgetedAdapter(budget, limits=TransportLimits(request_deadline_seconds=5, max_body_bytes=1000), **kwargs)


def get(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url).prepare()


@pytest.mark.parametrize("how", ["keyword", "positional"])
def test_only_a_streamed_answer_may_be_larger_than_the_bound(http_script: tuple[str, Script], how: str) -> None:
    url, script = http_script
    script.default = Answer(body=b"x" * 5000)
    adapter = adapter_for(RateBudget())
    streamed = (
        adapter.send(get(f"{url}/big"), stream=True) if how == "keyword" else adapter.send(get(f"{url}/big"), True)
    )
    assert len(streamed.raw.read()) == 5000
    streamed.close()
    with pytest.raises(ResponseTooLargeError, match=r"^the vendor answered GET .*/big with more than"):
        adapter.send(get(f"{url}/big"), False, None) if how == "positional" else adapter.send(get(f"{url}/big"))
    adapter.close()


def test_a_timeout_given_positionally_applies(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(trickle=0.5, trickle_headers=True)
    adapter = adapter_for(RateBudget())
    with pytest.raises(requests.exceptions.ReadTimeout) as error:
        adapter.send(get(f"{url}/slow"), False, 0.1)  # a read timeout of 0.1 s, not none
    assert not isinstance(error.value, DeadlineExceededError)  # not the 5 s deadline
    adapter.close()


def test_a_request_over_its_deadline_is_named_in_the_error(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(trickle=0.3, trickle_headers=True)
    adapter = BudgetedAdapter(RateBudget(), limits=TransportLimits(request_deadline_seconds=1))
    with pytest.raises(DeadlineExceededError, match=r"GET .*/late took longer than its total deadline of 1 s"):
        adapter.send(get(f"{url}/late"), timeout=10)
    adapter.close()


def test_a_request_cut_by_its_deadline_before_any_answer_is_named_in_the_error(
    http_script: tuple[str, Script],
) -> None:
    url, script = http_script

    def silent(_seen: object) -> Answer:
        time.sleep(2)  # nothing is sent until after the deadline
        return Answer()

    script.default = silent
    adapter = BudgetedAdapter(RateBudget(), limits=TransportLimits(request_deadline_seconds=1))
    with pytest.raises(DeadlineExceededError, match=r"GET .*/mute took longer than its total deadline of 1 s"):
        adapter.send(get(f"{url}/mute"), timeout=10)
    adapter.close()


def test_the_pool_options_reach_the_connection_pools() -> None:
    adapter = BudgetedAdapter(RateBudget(), pool_maxsize=3, pool_block=True)
    assert adapter.poolmanager.connection_pool_kw["block"] is True
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 3
    adapter.close()


def test_proxied_connections_are_watched_by_the_deadline_too() -> None:
    adapter = BudgetedAdapter(RateBudget())
    manager = adapter.proxy_manager_for("http://127.0.0.1:9")
    assert manager.proxy.host == "127.0.0.1"
    assert manager is adapter.proxy_manager_for("http://127.0.0.1:9")
    watched = adapter.poolmanager.pool_classes_by_scheme
    assert manager.pool_classes_by_scheme == watched
    assert watched["http"] is not HTTPConnectionPool
    adapter.close()


def test_options_for_a_proxy_reach_its_pools() -> None:
    adapter = BudgetedAdapter(RateBudget())
    manager = adapter.proxy_manager_for("http://127.0.0.1:9", cert_reqs="CERT_NONE")
    assert manager.connection_pool_kw["cert_reqs"] == "CERT_NONE"
    adapter.close()


def test_a_slot_given_back_frees_exactly_one_place_in_flight() -> None:
    budget = RateBudget(max_in_flight=2)
    budget.acquire()  # held by this thread
    budget.acquire().cancel()
    started: list[str] = []

    def worker(name: str) -> None:
        budget.acquire()  # held until the end of the test
        started.append(name)

    second = threading.Thread(target=worker, args=("second",), daemon=True)
    second.start()
    second.join(timeout=60)
    third = threading.Thread(target=worker, args=("third",), daemon=True)
    third.start()
    third.join(timeout=0.5)
    assert started == ["second"]  # two in flight: the third waits


class SlowLock(RecordingLock):
    """A machine lock held by another process for ``seconds`` each time."""

    def __init__(self, clock: StoppedClock, seconds: float) -> None:
        super().__init__()
        self.clock, self.seconds = clock, seconds

    def acquire(self) -> None:
        super().acquire()
        self.clock.now += self.seconds


def test_waiting_for_the_machine_lock_counts_as_time_waited() -> None:
    clock = StoppedClock()
    budget = RateBudget(machine_lock=SlowLock(clock, 2.5), clock=clock)
    budget.acquire().release()
    budget.acquire().release()
    assert budget.seconds_waited == 5
