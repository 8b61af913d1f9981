"""The retry engine at its edges: Retry-After forms, waits, give-up, the log line (issue 20)."""

from __future__ import annotations

import email.utils
import logging
from datetime import UTC, datetime, timedelta

import pytest
import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from vendor_http import Retrier, RetryNow, RetryPolicy, is_transient, parse_retry_after

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
LOGGER = "test.retry.behaviour"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("0", 0.0),  # "now" is an answer, not a missing header
        ("0.5", 0.5),
        ("  ", None),
        ("Sun, 22 Nov 2026 13:00:30 +0100", 30.0),  # a numeric offset
        ("Sun, 22 Nov 2026 11:00:30 -0100", 30.0),
        ("Sun, 22 Nov 2026 12:00:30 -0000", 30.0),  # no zone information: UTC
        ("Sun, 22 Nov 2026 12:00:00 GMT", 0.0),
        ("Sun, 22 Nov 2026 11:59:59 GMT", 0.0),
        ("Sun, 22 Nov 2026 25:00:00 GMT", None),  # not a time
        ("Sun, 22 Nov", None),
    ],
)
def test_retry_after_forms(header: str, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected


def test_retry_after_dates_are_measured_from_the_real_clock_by_default() -> None:
    in_two_minutes = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    seconds = parse_retry_after(in_two_minutes)
    assert seconds is not None
    assert 60 < seconds <= 120
    an_hour_ago = email.utils.format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert parse_retry_after(an_hour_ago) == 0.0


def failure(status: int = 429, retry_after: str | None = None) -> RetriableAPIError:
    response = requests.Response()
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return RetriableAPIError(str(status), response)


def test_a_retry_after_of_zero_means_retry_at_once_not_back_off() -> None:
    retrier = Retrier(RetryPolicy(backoff_initial_seconds=5, jitter=0), vendor_name="Acme")
    assert retrier.wait_before_retry(failure(retry_after="0"), 3) == 0.0
    assert retrier.wait_before_retry(failure(retry_after="0.5"), 3) == 0.5
    assert retrier.wait_before_retry(failure(retry_after="junk"), 3) == 20.0  # unusable: back off
    assert retrier.wait_before_retry(RetriableAPIError("no response"), 1) == 5.0


def test_retry_now_skips_the_wait_even_with_a_retry_after() -> None:
    retrier = Retrier(RetryPolicy(backoff_initial_seconds=5), vendor_name="Acme")
    response = requests.Response()
    response.headers["Retry-After"] = "30"
    assert retrier.wait_before_retry(RetryNow("token expired", response), 2) == 0.0


def test_waits_are_capped_where_the_policy_says() -> None:
    policy = RetryPolicy(backoff_initial_seconds=3, backoff_max_seconds=10, retry_after_max_seconds=7, jitter=0)
    assert policy.wait_for(7.0, 1) == 7.0
    assert policy.wait_for(7.5, 1) == 7.0
    assert policy.wait_for(None, 1) == 3.0
    assert policy.wait_for(None, 2) == 6.0
    assert policy.wait_for(None, 3) == 10.0
    assert policy.backoff(0) == 3.0  # attempt numbers below 1 wait the first backoff
    assert policy.backoff(-4) == 3.0


class EdgeRng:
    """A random source that always picks one end of the range."""

    def __init__(self, high: bool) -> None:
        self.high = high
        self.asked: list[tuple[float, float]] = []

    def uniform(self, low: float, high: float) -> float:
        self.asked.append((low, high))
        return high if self.high else low


def test_jitter_spreads_symmetrically_around_the_backoff_and_never_below_zero() -> None:
    policy = RetryPolicy(backoff_initial_seconds=4, jitter=0.25)
    low, high = EdgeRng(high=False), EdgeRng(high=True)
    assert policy.backoff(1, rng=low) == 3.0  # type: ignore[arg-type]
    assert policy.backoff(1, rng=high) == 5.0  # type: ignore[arg-type]
    assert low.asked == [(-1.0, 1.0)]
    wild = RetryPolicy(backoff_initial_seconds=4, jitter=1.5)
    assert wild.backoff(1, rng=EdgeRng(high=False)) == 0.0  # type: ignore[arg-type]


def test_policy_defaults() -> None:
    assert RetryPolicy() == RetryPolicy(
        max_tries=5, backoff_initial_seconds=1.0, backoff_max_seconds=60.0, retry_after_max_seconds=300.0, jitter=0.1
    )


def test_is_transient_knows_retriable_answers_and_transport_failures() -> None:
    assert is_transient(RetriableAPIError("503"))
    assert is_transient(RetryNow("again"))
    assert is_transient(ConnectionResetError())
    assert is_transient(requests.exceptions.ReadTimeout())
    assert is_transient(requests.exceptions.ConnectionError())
    assert is_transient(requests.exceptions.ChunkedEncodingError())
    assert not is_transient(FatalAPIError("401"))
    assert not is_transient(ValueError("bug"))


class Flaky:
    """Fails with ``errors`` in order, then returns ``("ok", args, kwargs)``."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, *args: object, **kwargs: object) -> tuple[str, tuple[object, ...], dict[str, object]]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok", args, kwargs


def make_retrier(max_tries: int = 3, **options: object) -> tuple[Retrier, list[float]]:
    waits: list[float] = []
    policy = RetryPolicy(max_tries=max_tries, backoff_initial_seconds=2, jitter=0)
    options.setdefault("logger", logging.getLogger(LOGGER))
    return Retrier(policy, vendor_name="Acme", sleep=waits.append, **options), waits  # type: ignore[arg-type]


def test_each_retry_waits_and_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    retrier, waits = make_retrier(max_tries=4, describe=lambda error: f"<{error}>")
    func = Flaky(failure(503), failure(429, retry_after="0"), ConnectionResetError("reset"))
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert retrier.call(func, 1, page=2) == ("ok", (1,), {"page": 2})
    assert func.calls == 4
    assert waits == [2.0, 0.0, 8.0]
    assert retrier.retries == 3
    assert [(r.levelno, r.getMessage()) for r in caplog.records if r.name == LOGGER] == [
        (logging.WARNING, "Acme request failed (try 1 of 4), retrying in 2.0s: <503>"),
        (logging.WARNING, "Acme request failed (try 2 of 4), retrying in 0.0s: <429>"),
        (logging.WARNING, "Acme request failed (try 3 of 4), retrying in 8.0s: <reset>"),
    ]


def test_the_default_log_is_the_engines_own_logger(caplog: pytest.LogCaptureFixture) -> None:
    retrier = Retrier(RetryPolicy(max_tries=2, jitter=0), vendor_name="Acme", sleep=lambda _: None)
    with caplog.at_level(logging.WARNING, logger="vendor_http.retry"):
        retrier.call(Flaky(failure(500)))
    assert [r.getMessage() for r in caplog.records if r.name == "vendor_http.retry"] == [
        "Acme request failed (try 1 of 2), retrying in 1.0s: 500"
    ]


def test_a_failure_that_is_not_retriable_is_raised_at_once() -> None:
    retrier, waits = make_retrier()
    error = FatalAPIError("401")
    func = Flaky(error)
    with pytest.raises(FatalAPIError) as info:
        retrier.call(func)
    assert info.value is error
    assert (func.calls, waits, retrier.retries) == (1, [], 0)


def test_when_tries_run_out_the_last_failure_is_raised() -> None:
    retrier, waits = make_retrier(max_tries=3)
    last = failure(502)
    func = Flaky(failure(500), failure(501), last, failure(503))
    with pytest.raises(RetriableAPIError) as info:
        retrier.call(func)
    assert info.value is last
    assert func.calls == 3
    assert waits == [2.0, 4.0]
    assert retrier.retries == 2


def test_give_up_turns_the_last_failure_into_the_users_error() -> None:
    seen: list[tuple[BaseException, int]] = []

    def give_up(error: BaseException, tries: int) -> BaseException:
        seen.append((error, tries))
        return RuntimeError(f"gave up after {tries} tries")

    retrier, _ = make_retrier(max_tries=2, give_up=give_up)
    last = failure(503)
    with pytest.raises(RuntimeError, match="gave up after 2 tries") as info:
        retrier.call(Flaky(failure(500), last))
    assert seen == [(last, 2)]
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__  # the user sees one failure, not a chain


def test_one_try_means_no_retry() -> None:
    retrier, waits = make_retrier(max_tries=1)
    func = Flaky(failure(500))
    with pytest.raises(RetriableAPIError):
        retrier.call(func)
    assert (func.calls, waits) == (1, [])


def test_a_custom_rule_decides_what_is_retried() -> None:
    retrier, waits = make_retrier(is_retriable=lambda error: isinstance(error, KeyError))
    assert retrier.call(Flaky(KeyError("x")))[0] == "ok"
    assert waits == [2.0]
    with pytest.raises(RetriableAPIError):
        retrier.call(Flaky(failure(503)))


def test_wrap_keeps_the_function_and_retries_it() -> None:
    retrier, waits = make_retrier()

    def fetch(page: int, *, size: int) -> tuple[int, int]:
        """Fetch a page."""
        if not waits:
            raise failure(503)
        return page, size

    wrapped = retrier.wrap(fetch)
    assert wrapped(3, size=10) == (3, 10)
    assert (wrapped.__name__, wrapped.__doc__) == ("fetch", "Fetch a page.")
    assert waits == [2.0]
