"""Waiting for a request the vendor still runs (``StillRunning``): waits, logs, tries and the final error.

Pure logic on a virtual clock: the clock does not start at zero, as ``time.monotonic``
never does.
"""

from __future__ import annotations

import logging

import pytest
import requests

from vendor_http.retry import Retrier, RetryPolicy, StillRunning

START = 1000.0


class Clock:
    def __init__(self) -> None:
        self.now = START
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def answer(retry_after: str | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def scripted(*answers: object):
    pending = iter(answers)

    def call() -> object:
        result = next(pending)
        if isinstance(result, BaseException):
            raise result
        return result

    return call


def retrier(clock: Clock, **policy: float) -> Retrier:
    settings = {"backoff_initial_seconds": 1.0, "jitter": 0.0} | policy
    return Retrier(RetryPolicy(**settings), vendor_name="Acme", sleep=clock.sleep, clock=clock)


def busy(patience: float = 30, response: requests.Response | None = None) -> StillRunning:
    return StillRunning("busy", response, patience=patience)


def test_the_wait_is_measured_on_the_given_clock_and_said_in_full(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    engine = retrier(clock)
    with caplog.at_level(logging.DEBUG, logger="vendor_http.retry"):
        assert engine.call(scripted(busy(), busy(), busy(), "done")) == "done"
    assert clock.waits == [1, 2, 4]
    assert engine.seconds_waited_for_running == 7
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "Acme is still running an earlier request with these credentials (busy); waiting for it to finish, up to 30 s",
        "Acme: still running; asking again in 1.0s",
        "Acme: still running; asking again in 2.0s",
        "Acme: still running; asking again in 4.0s",
        "Acme finished the earlier request; went on after waiting 7 s",
    ]


def test_the_time_waited_for_running_requests_adds_up_over_calls() -> None:
    clock = Clock()
    engine = retrier(clock)
    assert engine.seconds_waited_for_running == 0
    engine.call(scripted(busy(), "one"))
    engine.call(scripted(busy(), busy(), "two"))
    assert clock.waits == [1, 1, 2]
    assert engine.seconds_waited_for_running == 4


def test_a_retry_after_of_the_running_request_is_honoured_beyond_the_poll_cap() -> None:
    clock = Clock()
    engine = retrier(clock)
    later = answer("20")
    assert engine.call(scripted(busy(100, later), busy(100, later), "done")) == "done"
    assert clock.waits == [20, 20]  # the vendor's ask, not the backoff nor the 10 s cap


def test_a_retry_after_of_zero_asks_again_at_once() -> None:
    clock = Clock()
    engine = retrier(clock)
    assert engine.call(scripted(busy(30, answer("0")), "done")) == "done"
    assert clock.waits == [0]


def test_waiting_for_a_running_request_gives_back_no_tries() -> None:
    clock = Clock()
    engine = retrier(clock, max_tries=3)
    failure = ConnectionResetError("reset")
    # tries 1 and 2 fail, the third meets a running request (not a try), the third try fails: given up
    call = scripted(failure, failure, busy(), failure, "too late")
    with pytest.raises(ConnectionResetError):
        engine.call(call)
    assert engine.retries == 2
    assert call() == "too late"  # not reached by the engine


def test_tries_after_a_running_request_are_counted_from_where_they_were(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    engine = retrier(clock, max_tries=4)
    failure = ConnectionResetError("reset")
    with caplog.at_level(logging.WARNING, logger="vendor_http.retry"):
        assert engine.call(scripted(failure, busy(), busy(), failure, "done")) == "done"
    tries = [r.getMessage().split(" (try ")[1][:6] for r in caplog.records if "(try " in r.getMessage()]
    assert tries == ["1 of 4", "2 of 4"]


def test_the_final_error_keeps_the_answer_and_the_patience_and_says_what_to_do() -> None:
    clock = Clock()
    engine = retrier(clock)
    refused = answer()
    with pytest.raises(StillRunning) as error:
        engine.call(scripted(*[busy(5, refused)] * 10))
    assert str(error.value) == (
        "busy; still so after waiting 5 s for the earlier request to finish. Another process or machine may be "
        "using the same credentials, or a request given up after a timeout is still running at the vendor: try "
        "again later, or wait longer ('running_request_wait_seconds')"
    )
    assert error.value.response is refused
    assert error.value.patience == 5
    assert clock.waits == [1, 2, 2]  # the last wait ends exactly at the patience


def test_a_still_running_answer_keeps_its_response() -> None:
    refused = answer("3")
    error = StillRunning("busy", refused, patience=9)
    assert error.response is refused
    assert error.patience == 9
