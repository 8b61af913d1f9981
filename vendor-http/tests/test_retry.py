"""Retry-After parsing and the waits of the one retry engine (streams, sessions, authenticators)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests
from singer_sdk.exceptions import RetriableAPIError

from vendor_http.retry import Retrier, RetryPolicy, parse_retry_after

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("Sun, 22 Nov 2026 12:00:30 GMT", 30.0),
        ("Sun, 22 Nov 2026 11:00:00 GMT", 0.0),  # in the past: go now
        ("-3", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected


def _error_with_retry_after(value: str | None) -> RetriableAPIError:
    response = requests.Response()
    response.status_code = 429
    if value is not None:
        response.headers["Retry-After"] = value
    return RetriableAPIError("429", response)


def test_waits_use_retry_after_exactly_and_cap_it() -> None:
    policy = RetryPolicy(retry_after_max_seconds=10.0, backoff_initial_seconds=1.0)
    retrier = Retrier(policy, vendor_name="Acme")
    assert retrier.wait_before_retry(_error_with_retry_after("3"), 1) == 3.0  # no jitter added
    assert retrier.wait_before_retry(_error_with_retry_after("3600"), 2) == 10.0  # capped


def test_waits_back_off_exponentially_without_retry_after() -> None:
    policy = RetryPolicy(backoff_initial_seconds=1.0, backoff_max_seconds=5.0, jitter=0.0)
    retrier = Retrier(policy, vendor_name="Acme")
    got = [retrier.wait_before_retry(ConnectionResetError(), attempt) for attempt in range(1, 6)]
    assert got == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_backoff_jitter_stays_within_its_spread() -> None:
    policy = RetryPolicy(backoff_initial_seconds=2.0, jitter=0.25)
    rng = random.Random(1)
    values = {policy.backoff(1, rng=rng) for _ in range(50)}
    assert min(values) >= 1.5
    assert max(values) <= 2.5
    assert len(values) > 1


def test_policy_from_config_keeps_defaults_for_unset_knobs() -> None:
    policy = RetryPolicy.from_config({"max_tries": 2, "backoff_initial_seconds": 0})
    assert policy.max_tries == 2
    assert policy.backoff_initial_seconds == 0
    assert policy.retry_after_max_seconds == RetryPolicy().retry_after_max_seconds


def test_policy_from_config_converts_sdk_decimals() -> None:
    # The SDK parses config JSON numbers as Decimal; the policy must do float arithmetic.
    policy = RetryPolicy.from_config(
        {"max_tries": Decimal(3), "backoff_initial_seconds": Decimal("0.5"), "backoff_max_seconds": None}
    )
    assert policy.max_tries == 3
    assert type(policy.max_tries) is int
    assert type(policy.backoff_initial_seconds) is float
    assert policy.backoff(2, rng=random.Random(0)) <= 1.0 * (1 + policy.jitter)
    assert policy.backoff_max_seconds == RetryPolicy().backoff_max_seconds


def test_a_request_still_running_at_the_vendor_is_waited_for_without_using_tries(caplog) -> None:
    from vendor_http.retry import StillRunning

    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    answers = iter([StillRunning("busy", None, patience=30)] * 6 + ["done"])

    def call() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    retrier = Retrier(RetryPolicy(max_tries=2, backoff_initial_seconds=1, jitter=0), vendor_name="Acme", sleep=sleep)
    retrier.clock = lambda: now[0]
    with caplog.at_level("DEBUG"):
        assert retrier.call(call) == "done"

    assert waits == [1, 2, 4, 8, 10, 5]  # backoff, at most 10 s a wait, never past the patience
    assert retrier.retries == 0  # not counted as tries (max_tries is 2)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("is still running an earlier request" in m for m in messages) == 1  # said once
    assert "waiting for it to finish, up to 30 s" in messages[0]
    assert any("finished the earlier request; went on after waiting 30 s" in m for m in messages)


def test_the_wait_for_a_running_request_is_bounded_and_says_why_it_gave_up() -> None:
    from vendor_http.retry import StillRunning

    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    def call() -> None:
        raise StillRunning("Acme answered 429 to GET /x: request with this token already running", None, patience=7)

    retrier = Retrier(RetryPolicy(backoff_initial_seconds=1, jitter=0), vendor_name="Acme", sleep=sleep)
    retrier.clock = lambda: now[0]
    with pytest.raises(StillRunning) as error:
        retrier.call(call)
    assert now[0] == 7
    assert str(error.value).startswith(
        "Acme answered 429 to GET /x: request with this token already running; still so after waiting 7 s"
    )
    assert "Another process or machine may be using the same credentials" in str(error.value)
    assert "'running_request_wait_seconds'" in str(error.value)
