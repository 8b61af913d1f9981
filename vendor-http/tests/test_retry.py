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
