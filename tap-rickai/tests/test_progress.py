"""Progress lines on a multi-day run, the run summary, and the vendor's latency apart from the budget's wait."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from rickai_helpers import run_tap, tap_config

import vendor_http.progress

FAST = {"min_request_interval_seconds": 0}


def metrics(stderr: str, name: str) -> list[dict]:
    points = [json.loads(line.split("METRIC: ", 1)[1]) for line in stderr.splitlines() if "METRIC: " in line]
    return [p for p in points if p["metric"] == name]


def test_a_multi_day_run_says_which_day_of_how_many(fast_sandbox, latest, monkeypatch) -> None:
    monkeypatch.setattr(vendor_http.progress, "PROGRESS_INTERVAL_SECONDS", 0.0)  # a line at every day's end
    first = latest - timedelta(days=3)
    run = run_tap(tap_config(fast_sandbox, start_date=str(first), end_date=str(latest), page_size=100, **FAST))

    assert run.returncode == 0, run.stderr
    assert f"sessions: 4 days to do ({first}..{latest})" in run.stderr
    for n in (2, 3, 4):
        day = first + timedelta(days=n - 1)
        assert re.search(rf"sessions: day {n} of 4 \({day}\); [\d,]+ records so far; ", run.stderr), run.stderr
    assert "sessions: 4 of 4 days done" in run.stderr


def test_a_fast_run_logs_no_line_per_day(fast_sandbox, latest) -> None:
    first = latest - timedelta(days=3)
    run = run_tap(tap_config(fast_sandbox, start_date=str(first), end_date=str(latest), **FAST))

    assert run.returncode == 0, run.stderr
    assert "sessions: 4 days to do" in run.stderr
    assert not re.search(r"sessions: day \d of 4", run.stderr)


def test_the_run_ends_with_the_summary(fast_sandbox, latest) -> None:
    first = latest - timedelta(days=1)
    run = run_tap(tap_config(fast_sandbox, start_date=str(first), end_date=str(latest), page_size=100, **FAST))

    assert run.returncode == 0, run.stderr
    records = len(run.records)
    lines = run.stderr.splitlines()
    head = next(n for n, line in enumerate(lines) if "tap-rickai summary: done in " in line)
    assert f"sessions: {records:,} records; 2 of 2 days ({first}..{latest}); bookmark date {latest}" in lines[head + 1]
    requests = len(fast_sandbox.requests)
    assert f"requests: {requests:,} (0 retries, 0 answered 429); " in lines[head + 2]
    assert "waiting for the rate budget" in lines[head + 2]


def test_a_failed_run_still_ends_with_the_summary_then_the_one_line(sandbox_factory, latest) -> None:
    sandbox = sandbox_factory(rate_limit=False, rickai_sessions_per_day=50)
    run = run_tap(tap_config(sandbox, api_token="wrong-token", start_date=str(latest), end_date=str(latest), **FAST))

    assert run.returncode == 1
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    summary = next(n for n, line in enumerate(lines) if "tap-rickai summary: FAILED after " in line)
    assert "sessions: 0 records; 0 of 1 day" in lines[summary + 1]
    assert "requests: 1 (0 retries, 0 answered 429)" in lines[summary + 2]
    assert "tap-rickai stopped: " in lines[-1]


@pytest.mark.parametrize("interval", [1.0])
def test_request_duration_is_the_vendors_and_the_budget_wait_is_apart(sandbox_factory, latest, interval) -> None:
    sandbox = sandbox_factory(rate_limit=False, rickai_sessions_per_day=20)
    first = latest - timedelta(days=2)
    run = run_tap(
        tap_config(sandbox, start_date=str(first), end_date=str(latest), min_request_interval_seconds=interval)
    )

    assert run.returncode == 0, run.stderr
    assert "sessions: 3 days to do" in run.stderr
    assert "at least 3.0 s at the rate budget" in run.stderr  # known before the first request
    durations = [p["value"] for p in metrics(run.stderr, "http_request_duration")]
    waits = [p["value"] for p in metrics(run.stderr, "rate_budget_wait")]
    assert len(durations) == 3
    assert max(durations) < 0.5 * interval  # the sandbox answers in milliseconds
    assert len(waits) >= 2  # the 2nd and 3rd requests waited for the budget
    assert all(0.5 * interval < wait < 1.5 * interval for wait in waits[-2:])
    assert re.search(r"requests: 3 \(0 retries, 0 answered 429\); [12]\.\d s waiting for the rate budget", run.stderr)
