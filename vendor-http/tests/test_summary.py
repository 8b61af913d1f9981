"""The run summary: one shape, counted from its start; the budget's wait apart from the vendor's time."""

from __future__ import annotations

import logging
import time

import pytest
from singer_sdk import metrics

from vendor_http import RateBudget, RateWindow, RetryPolicy, budgeted_session
from vendor_http.rate_budget import budget_wait
from vendor_http.retry import Retrier
from vendor_http.summary import RunSummary, TotalCounter, bookmarks_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeBudget:
    requests_started = 5
    seconds_waited = 3.0
    too_many_requests = 1
    seconds_per_request = 0.5


def retrier(retries: int) -> Retrier:
    engine = Retrier(RetryPolicy(), vendor_name="X")
    engine.retries = retries
    return engine


def test_the_summary_counts_from_its_start_and_has_one_shape() -> None:
    budget, clock = FakeBudget(), Clock()
    summary = RunSummary("tap-x", budget, clock=clock)  # type: ignore[arg-type]
    assert not summary.active
    counter = TotalCounter(metrics.Metric.RECORD_COUNT, {"stream": "sessions"})
    summary.count_records("sessions", counter)
    assert summary.active
    counter.value = 70
    counter._pop()  # the SDK logs the metric and starts again from 0
    counter.value = 30
    summary.add_records("children", 4)
    summary.add_records("children")
    twice = retrier(2)
    summary.count_retries(twice, twice, None, retrier(1))
    progress = summary.track("sessions", "day", logger=logging.getLogger("test"), labels=["2026-09-01", "2026-09-02"])
    progress.unit_done()
    budget.requests_started, budget.seconds_waited, budget.too_many_requests = 25, 95.5, 3
    clock.now += 92
    assert summary.lines(failed=False, bookmarks={"sessions": "date 2026-09-01"}, details=["own line"]) == [
        "tap-x summary: done in 1 min 32 s",
        "  sessions: 100 records; 1 of 2 days (2026-09-01); bookmark date 2026-09-01",
        "  children: 5 records",
        "  requests: 20 (3 retries, 2 answered 429); 1 min 32 s waiting for the rate budget",
        "  own line",
    ]
    assert summary.lines(failed=True)[0] == "tap-x summary: FAILED after 1 min 32 s"
    assert summary.lines(failed=True)[1] == "  sessions: 100 records; 1 of 2 days (2026-09-01)"


def test_units_add_up_over_the_partitions_of_a_stream() -> None:
    summary = RunSummary("tap-x", FakeBudget())  # type: ignore[arg-type]
    logger = logging.getLogger("test")
    for days in (["2026-09-03", "2026-09-04"], ["2026-09-01", "2026-09-02", "2026-09-03"]):
        progress = summary.track("daily", "day", logger=logger, labels=days)
        for _ in days:
            progress.unit_done()
    imports = summary.track("plans", "import", logger=logger, total=3)
    imports.unit_done()
    open_ended = summary.track("pages", "page", logger=logger)
    open_ended.unit_done()
    open_ended.unit_done()
    assert summary.lines(failed=False)[1:4] == [
        "  daily: 0 records; 5 of 5 days (2026-09-01..2026-09-04)",
        "  plans: 0 records; 1 of 3 imports",
        "  pages: 0 records; 2 pages",
    ]


def test_a_tracker_of_the_summary_reads_the_budget_and_the_streams_records(caplog) -> None:
    caplog.set_level(logging.INFO)
    budget = FakeBudget()
    summary = RunSummary("tap-x", budget)  # type: ignore[arg-type]
    summary.add_records("parent", 7)
    summary.add_records("child", 3)
    summary.add_records("other", 100)
    logger = logging.getLogger("test.tracker")
    progress = summary.track("parent", "window", logger=logger, total=4, scope="site a", records_of=["child"])
    progress.begin()
    budget.requests_started += 2
    progress.log()
    items = summary.track("plans", "import", logger=logger, total=2, records=lambda: 42)
    items.log()
    assert [r.getMessage() for r in caplog.records if r.name == "test.tracker"] == [
        "parent: site a: 4 windows to do; at least 2.0 s at the rate budget",
        "parent: site a: window 1 of 4, request 2 of this window; 10 records so far; 0.0 s elapsed, "
        "at least 1.0 s left",
        "plans: import 1 of 2; 42 records so far; 0.0 s elapsed, at least 1.0 s left",
    ]


def test_the_summary_is_logged_once_at_info(caplog) -> None:
    caplog.set_level(logging.INFO)
    summary = RunSummary("tap-%s", FakeBudget())  # type: ignore[arg-type]
    summary.add_records("s")
    logger = logging.getLogger("test.summary")
    summary.log(logger, failed=True, bookmarks={"s": "date 1"}, details=["own"])
    summary.log(logger, failed=False)
    records = [r for r in caplog.records if r.name == "test.summary"]
    assert [r.getMessage() for r in records] == [
        "tap-%s summary: FAILED after 0.0 s",
        "  s: 1 record; bookmark date 1",
        "  requests: 0 (0 retries, 0 answered 429); 0.0 s waiting for the rate budget",
        "  own",
    ]
    assert {r.levelno for r in records} == {logging.INFO}


def test_bookmarks_read_from_a_singer_state() -> None:
    def partitions(count: int) -> dict:
        return {
            "partitions": [
                {"context": {"c": n, "d": "x"}, "replication_key": "date", "replication_key_value": f"2026-11-0{n}"}
                for n in range(count, 0, -1)
            ]
        }

    state = {
        "bookmarks": {
            "sessions": {"replication_key": "date", "replication_key_value": "2026-11-28"},
            "sites": {},
            "broken": "not a bookmark",
            "three": partitions(3),
            "four": partitions(4),
            "unbookmarked": {"partitions": [{"context": {"c": 1}}, "junk"]},
            "mixed": {"partitions": [{"context": {"c": 1}}, {"context": {"c": 2}, "replication_key_value": "v"}]},
        }
    }
    assert bookmarks_of(state) == {
        "sessions": "date 2026-11-28",
        "three": "c=3,d=x: date 2026-11-03, c=2,d=x: date 2026-11-02, c=1,d=x: date 2026-11-01",
        "four": "4 partitions, date 2026-11-01..2026-11-04",
        "mixed": "c=2: None v",
    }
    assert bookmarks_of({}) == {}
    assert bookmarks_of({"bookmarks": []}) == {}
    assert bookmarks_of([]) == {}  # type: ignore[arg-type]


def test_the_budget_knows_its_best_pace() -> None:
    assert RateBudget().seconds_per_request == 0.0
    assert RateBudget(min_interval=1.0).seconds_per_request == 1.0
    assert RateBudget(windows=[RateWindow(4, 1.0), RateWindow(100, 60.0)]).seconds_per_request == 0.6
    assert RateBudget(min_interval=0.7, windows=[RateWindow(4, 1.0)]).seconds_per_request == 0.7


@pytest.mark.parametrize("status", [200, 429])
def test_the_budget_counts_the_429s_it_sees(http_script, status) -> None:
    url, script = http_script
    script.default = type(script.default)(status=status, headers={"Retry-After": "0"})
    budget = RateBudget()
    budgeted_session(budget, RetryPolicy()).get(url, timeout=5)
    assert budget.too_many_requests == (1 if status == 429 else 0)


def test_elapsed_is_the_vendors_time_and_the_budget_wait_is_apart(http_script) -> None:
    url, _ = http_script
    budget = RateBudget(min_interval=0.5)
    session = budgeted_session(budget, RetryPolicy())
    started = time.monotonic()
    answers = [session.get(url, timeout=5) for _ in range(3)]
    assert time.monotonic() - started >= 1.0  # the budget spaced them
    assert all(answer.elapsed.total_seconds() < 0.25 for answer in answers)  # a local server answers at once
    waits = [budget_wait(answer) for answer in answers]
    assert waits[0] < 0.25
    assert all(0.3 < wait < 0.7 for wait in waits[1:])
