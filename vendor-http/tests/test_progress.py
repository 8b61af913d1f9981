"""Progress lines and the run summary: pace, estimates, shape (pure logic, a fake clock)."""

from __future__ import annotations

import logging
import time

import pytest
from singer_sdk import metrics

from vendor_http import RateBudget, RateWindow, RetryPolicy, budgeted_session
from vendor_http.progress import Progress, duration_text, plural
from vendor_http.rate_budget import budget_wait
from vendor_http.retry import Retrier
from vendor_http.summary import RunSummary, TotalCounter, bookmarks_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Requests:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> int:
        return self.count


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def make(clock: Clock, requests: Requests | None = None, **kwargs: object) -> Progress:
    options: dict[str, object] = {"labels": [f"2026-09-{n:02d}" for n in range(1, 11)], "interval": 15.0}
    options.update(kwargs)
    return Progress(
        "sessions",
        "day",
        logger=logging.getLogger("test.progress"),
        clock=clock,
        requests=requests or Requests(),
        records=lambda: 12345,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.04, "0.0 s"), (0.4, "0.4 s"), (9.94, "9.9 s"), (42.4, "42 s"), (185, "3 min 05 s"), (7620, "2 h 07 min")],
)
def test_durations_read_as_a_person_would_say_them(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_plurals() -> None:
    assert [plural(1, "day"), plural(2, "day"), plural(2, "retry"), plural(1200, "record")] == [
        "1 day",
        "2 days",
        "2 retries",
        "1,200 records",
    ]


def test_before_the_first_unit_only_the_budget_knows_a_floor() -> None:
    clock, requests = Clock(), Requests()
    progress = make(clock, requests, seconds_per_request=1.0)
    assert progress.eta() == (10.0, True)  # 10 days, at least one request each, 1 s a request
    requests.count = 1  # the first day's first page is out
    assert progress.eta() == (9.0, True)
    assert make(clock).eta() is None  # no budget, nothing done: unknown


def test_the_pace_so_far_and_the_budget_floor_whichever_is_longer() -> None:
    clock, requests = Clock(), Requests()
    progress = make(clock, requests, seconds_per_request=1.0)
    # 2 days in 10 s, 3 requests each: the pace says 4 x 5 s... of 8 days left = 40 s
    requests.count, clock.now = 6, clock.now + 10
    progress.unit_done()
    progress.unit_done()
    assert progress.eta() == (40.0, False)
    # Requests got slower to count (pages): the budget's floor, 8 x 3 requests x 1 s, wins
    fast = make(Clock(), Requests(), seconds_per_request=1.0)
    fast._requests = lambda: 6  # type: ignore[method-assign]  # counted before the units ended
    fast.requests_at_start = 0
    fast.unit_done()
    fast.unit_done()
    assert fast.eta() == (24.0, False)


def test_lines_come_at_most_once_an_interval_whatever_the_units_and_requests(caplog) -> None:
    caplog.set_level(logging.INFO, "test.progress")
    clock = Clock()
    progress = make(clock)
    for _ in range(5):  # a fast run: five days and many requests inside 10 s
        clock.now += 1
        progress.tick()
        progress.tick()
        progress.unit_done()
    assert lines(caplog) == []
    clock.now += 10  # 15 s since the start
    progress.tick()
    assert len(lines(caplog)) == 1
    clock.now += 14
    progress.unit_done()
    assert len(lines(caplog)) == 1
    clock.now += 1
    progress.unit_done()
    assert len(lines(caplog)) == 2


def test_a_line_says_where_what_and_how_long(caplog) -> None:
    caplog.set_level(logging.INFO, "test.progress")
    clock, requests = Clock(), Requests()
    progress = make(clock, requests, scope="company 101 (1 of 2)", seconds_per_request=1.0)
    progress.begin()
    for _ in range(10):
        requests.count += 1
        clock.now += 2
        progress.unit_done()
    assert lines(caplog)[0] == (
        "sessions: company 101 (1 of 2): 10 days to do (2026-09-01..2026-09-10); at least 10 s at the rate budget"
    )
    assert lines(caplog)[1:] == [  # the line when 15 s had passed, at the end of a unit
        "sessions: company 101 (1 of 2): day 9 of 10 (2026-09-09); 12,345 records so far; "
        "16 s elapsed, about 4.0 s left"
    ]


def test_a_line_in_the_middle_of_a_unit_names_the_unit_and_the_request(caplog) -> None:
    caplog.set_level(logging.INFO, "test.progress")
    clock, requests = Clock(), Requests()
    progress = make(clock, requests, seconds_per_request=1.0)
    for _ in range(3):
        requests.count += 1
        clock.now += 1
        progress.unit_done()
    requests.count += 2
    clock.now += 12
    progress.tick()
    assert lines(caplog) == [
        "sessions: day 4 of 10 (2026-09-04), request 2 of this day; 12,345 records so far; "
        "15 s elapsed, about 35 s left"
    ]


class FakeBudget:
    requests_started = 5
    seconds_waited = 3.0
    too_many_requests = 1
    seconds_per_request = 0.5


def test_the_summary_counts_from_its_start_and_has_one_shape() -> None:
    budget, clock = FakeBudget(), Clock()
    summary = RunSummary("tap-x", budget, clock=clock)  # type: ignore[arg-type]
    counter = TotalCounter(metrics.Metric.RECORD_COUNT, {"stream": "sessions"})
    summary.count_records("sessions", counter)
    counter.value = 70
    counter._pop()  # the SDK logs the metric and starts again from 0
    counter.value = 30
    summary.add_records("children", 4)
    retrier = Retrier(RetryPolicy(), vendor_name="X")
    retrier.retries = 2
    summary.count_retries(retrier, retrier, None)
    progress = summary.track("sessions", "day", logger=logging.getLogger("test"), labels=["2026-09-01", "2026-09-02"])
    progress.unit_done()
    budget.requests_started, budget.seconds_waited, budget.too_many_requests = 25, 95.5, 2
    clock.now += 92
    assert summary.lines(failed=False, bookmarks={"sessions": "date 2026-09-01"}, details=["own line"]) == [
        "tap-x summary: done in 1 min 32 s",
        "  sessions: 100 records; 1 of 2 days (2026-09-01); bookmark date 2026-09-01",
        "  children: 4 records",
        "  requests: 20 (2 retries, 1 answered 429); 1 min 32 s waiting for the rate budget",
        "  own line",
    ]
    assert summary.lines(failed=True)[0] == "tap-x summary: FAILED after 1 min 32 s"


def test_bookmarks_read_from_a_singer_state() -> None:
    state = {
        "bookmarks": {
            "sessions": {"replication_key": "date", "replication_key_value": "2026-11-28"},
            "sites": {},
            "stats": {
                "partitions": [
                    {"context": {"siteId": 1}, "replication_key": "windowEnd", "replication_key_value": "B"},
                    {"context": {"siteId": 2}, "replication_key": "windowEnd", "replication_key_value": "A"},
                ]
            },
            "many": {
                "partitions": [
                    {"context": {"c": n}, "replication_key": "date", "replication_key_value": f"2026-11-0{n}"}
                    for n in range(1, 6)
                ]
            },
        }
    }
    assert bookmarks_of(state) == {
        "sessions": "date 2026-11-28",
        "stats": "siteId=1: windowEnd B, siteId=2: windowEnd A",
        "many": "5 partitions, date 2026-11-01..2026-11-05",
    }
    assert bookmarks_of({}) == {}


def test_the_budget_knows_its_best_pace() -> None:
    assert RateBudget().seconds_per_request == 0.0
    assert RateBudget(min_interval=1.0).seconds_per_request == 1.0
    assert RateBudget(windows=[RateWindow(4, 1.0), RateWindow(100, 60.0)]).seconds_per_request == 0.6


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
