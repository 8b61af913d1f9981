"""Each fault the sandbox can inject is recovered from, or fails clearly without losing state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rickai_helpers import TOKEN, record_keys, run_tap, session_requests, tap_config, truth_keys

FAST = {"min_request_interval_seconds": 0}


@pytest.mark.parametrize(
    "fault",
    [
        "rickai:status=503x3",  # a burst of 5xx
        "rickai:status=500",
        "rickai:drop",  # connection closed without an answer
        "rickai:truncate@1",  # body cut off mid-page
        "rickai:malformed@1",  # body stops being JSON mid-page
        "rickai:slow=3",  # slower than request_timeout_seconds
    ],
)
def test_transient_faults_are_recovered_without_gaps_or_duplicates(fast_sandbox, latest, fault) -> None:
    first = latest - timedelta(days=1)
    fast_sandbox.add_fault(fault)
    run = run_tap(
        tap_config(fast_sandbox, start_date=str(first), end_date=str(latest), request_timeout_seconds=1, **FAST)
    )

    assert run.returncode == 0, run.stderr
    keys = record_keys(run.records)
    assert len(keys) == len(set(keys)), "a record was emitted twice"
    assert set(keys) == truth_keys(fast_sandbox, first, latest)
    assert any(r.fault for r in session_requests(fast_sandbox)), "the fault was not applied"
    assert run.bookmark == str(latest)
    assert TOKEN not in run.stdout + run.stderr


def test_broken_body_resumes_at_the_offset_where_it_broke(fast_sandbox, latest) -> None:
    fast_sandbox.add_fault("rickai:truncate,fraction=0.9")
    config = tap_config(fast_sandbox, start_date=str(latest), end_date=str(latest), page_size=1000)
    run = run_tap({**config, **FAST})

    assert run.returncode == 0, run.stderr
    first, second = session_requests(fast_sandbox)[:2]
    assert first.fault and first.query["offset"] == "0"
    resumed_at = int(second.query["offset"])
    assert 0 < resumed_at < first.items  # asked for the rest of the page, not the page again
    assert "the response body broke off after" in run.stderr


@pytest.mark.parametrize("retry_after_format", ["seconds", "http-date"])
def test_429_retry_after_is_honoured(fast_sandbox, latest, retry_after_format) -> None:
    fast_sandbox.add_fault(f"rickai:rate_limit,retry_after=2,retry_after_format={retry_after_format}")
    run = run_tap(tap_config(fast_sandbox, start_date=str(latest), end_date=str(latest), **FAST))

    assert run.returncode == 0, run.stderr
    limited, retried = session_requests(fast_sandbox)[:2]
    assert limited.status == 429
    waited = retried.arrived - limited.arrived
    # An HTTP-date has whole seconds, so it may say a little less than 2 s.
    assert waited >= (2.0 if retry_after_format == "seconds" else 1.0)
    assert waited < 4.0  # the header's wait, not a long exponential backoff


def test_persistent_failure_exits_non_zero_and_keeps_the_last_complete_day(fast_sandbox, latest) -> None:
    first = latest - timedelta(days=2)
    fast_sandbox.add_fault("rickai:status=503x*@1")  # the first request succeeds, then only 503s
    run = run_tap(
        tap_config(fast_sandbox, start_date=str(first), end_date=str(latest), page_size=1000, max_tries=2, **FAST)
    )

    assert run.returncode != 0
    assert "Rick.ai answered 503" in run.stderr and "gateway timeout" in run.stderr
    assert run.bookmark == str(first)  # day one was complete; day two never was
    assert {r["date"] for r in run.records} == {str(first)}
    assert TOKEN not in run.stdout + run.stderr


def test_a_body_that_keeps_breaking_fails_after_max_tries(fast_sandbox, latest) -> None:
    fast_sandbox.add_fault("rickai:malformedx*")
    run = run_tap(tap_config(fast_sandbox, start_date=str(latest), end_date=str(latest), max_tries=3, **FAST))
    assert run.returncode != 0
    assert "the response body broke off 3 times in a row" in run.stderr
    assert run.bookmark is None


def test_a_record_off_the_documented_schema_fails_naming_day_record_and_field(fast_sandbox, latest) -> None:
    first = latest - timedelta(days=1)
    fast_sandbox.add_fault("rickai:bad_record=session_count@1,value=twelve")  # on day two
    run = run_tap(tap_config(fast_sandbox, start_date=str(first), end_date=str(latest), page_size=1000, **FAST))

    assert run.returncode != 0
    bad = session_requests(fast_sandbox)[1]
    position = bad.items // 2
    assert (
        f"stream 'sessions': the vendor sent a record that does not match the documented schema "
        f"(day {latest}, session #{position}, client_id="
    ) in run.stderr
    assert "Expected `int`, got `str` - at `$.session_count`" in run.stderr
    assert run.bookmark == str(first)  # day two is read again next time
