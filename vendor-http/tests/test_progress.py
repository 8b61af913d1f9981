"""Progress lines: pace, estimates and wording (pure logic, a fake clock)."""

from __future__ import annotations

import logging

import pytest

import vendor_http.progress
from vendor_http.progress import Progress, duration_text, plural

DAYS = [f"2026-09-{n:02d}" for n in range(1, 11)]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Count:
    def __init__(self) -> None:
        self.value = 0

    def __call__(self) -> int:
        return self.value


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def make(clock: Clock, requests: Count | None = None, **kwargs: object) -> Progress:
    options: dict[str, object] = {"labels": DAYS, "interval": 20.0, "records": lambda: 12345}
    options.update(kwargs)
    return Progress(
        "sessions",
        "day",
        logger=logging.getLogger("test.progress"),
        clock=clock,
        requests=requests or Count(),
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture(autouse=True)
def info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-1, "0.0 s"),
        (0.4, "0.4 s"),
        (9.94, "9.9 s"),
        (10, "10 s"),
        (59.4, "59 s"),
        (59.6, "1 min 00 s"),
        (185, "3 min 05 s"),
        (3599, "59 min 59 s"),
        (3600, "1 h 00 min"),
        (7620, "2 h 07 min"),
    ],
)
def test_durations_read_as_a_person_would_say_them(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_plurals() -> None:
    words = [plural(1, "day"), plural(2, "day"), plural(1, "retry"), plural(2, "retry"), plural(0, "entry")]
    assert words == ["1 day", "2 days", "1 retry", "2 retries", "0 entries"]
    assert plural(1200, "record") == "1,200 records"


def test_the_first_line_says_what_is_to_be_done_and_the_budgets_floor(caplog) -> None:
    make(Clock(), seconds_per_request=1.0, scope="company 101 (1 of 2)").begin()
    make(Clock(), labels=DAYS[:1], seconds_per_request=1.0).begin()  # 1 s: still worth saying
    make(Clock(), labels=DAYS[:1], seconds_per_request=0.9).begin()  # less: not
    make(Clock(), labels=DAYS[:2]).begin()
    make(Clock(), labels=None, total=3, scope="report '100%'").begin()
    make(Clock(), labels=None, records=None).begin()
    assert lines(caplog) == [
        "sessions: company 101 (1 of 2): 10 days to do (2026-09-01..2026-09-10); at least 10 s at the rate budget",
        "sessions: 1 day to do (2026-09-01); at least 1.0 s at the rate budget",
        "sessions: 1 day to do (2026-09-01)",
        "sessions: 2 days to do (2026-09-01..2026-09-02)",
        "sessions: report '100%': 3 days to do",
        "sessions: days to do",
    ]


def test_before_the_first_unit_only_the_budget_knows_a_floor() -> None:
    requests = Count()
    progress = make(Clock(), requests, seconds_per_request=2.0)
    assert progress.eta() == (20.0, True)  # 10 days, at least one request each, 2 s a request
    requests.value = 1  # the first day's first page is out
    assert progress.eta() == (18.0, True)
    requests.value = 12  # more requests in the first day than days: no floor left to tell
    assert progress.eta() is None
    assert make(Clock()).eta() is None  # no budget, nothing done: unknown
    assert make(Clock(), labels=None, seconds_per_request=1.0).eta() is None  # no total: unknown


def test_the_pace_so_far_and_the_budget_floor_whichever_is_longer() -> None:
    clock, requests = Clock(), Count()
    progress = make(clock, requests, seconds_per_request=1.0)
    requests.value, clock.now = 6, clock.now + 10  # 2 days in 10 s, 3 requests each
    progress.unit_done()
    progress.unit_done()
    assert progress.eta() == (40.0, False)  # the pace: 5 s a day, 8 days left
    requests.value += 1  # one request into the third day
    clock.now -= 8  # (as if the 2 days had taken 2 s: the budget's floor is longer)
    assert progress.eta() == (23.0, False)  # 8 days x 3 requests - 1 made, 1 s each
    slow = make(Clock(), Count(), seconds_per_request=0.0)
    slow._clock.now += 30  # type: ignore[attr-defined]
    slow.unit_done()
    assert slow.eta() == (270.0, False)  # no budget: the pace alone
    for _ in range(9):
        slow.unit_done()
    assert slow.eta() is None  # finished


def test_a_unit_costs_at_least_one_request_in_the_floor() -> None:
    clock, requests = Clock(), Count()
    progress = make(clock, requests, seconds_per_request=3.0)
    progress.unit_done()  # a day without a request (nothing to ask for)
    assert progress.eta() == (27.0, False)  # 9 days left, 1 request each, 3 s


def test_lines_come_at_most_once_an_interval_whatever_the_units_and_requests(caplog) -> None:
    clock = Clock()
    progress = make(clock)
    for _ in range(5):  # a fast run: five days and many requests inside 10 s
        clock.now += 2
        progress.tick()
        progress.tick()
        progress.unit_done()
    assert lines(caplog) == []
    clock.now += 10  # 20 s since the start
    progress.tick()
    assert len(lines(caplog)) == 1
    clock.now += 19.5
    progress.unit_done()
    assert len(lines(caplog)) == 1
    clock.now += 0.5
    progress.unit_done()
    assert len(lines(caplog)) == 2
    assert progress.done == 7


def test_the_default_interval_is_the_modules(monkeypatch, caplog) -> None:
    monkeypatch.setattr(vendor_http.progress, "PROGRESS_INTERVAL_SECONDS", 3.0)
    clock = Clock()
    progress = make(clock, interval=None)
    clock.now += 2.9
    progress.tick()
    assert lines(caplog) == []
    clock.now += 0.1
    progress.tick()
    assert len(lines(caplog)) == 1


def test_a_line_in_the_middle_of_a_unit_names_the_unit_and_the_request(caplog) -> None:
    clock, requests = Clock(), Count()
    progress = make(clock, requests, seconds_per_request=1.0)
    for _ in range(3):
        requests.value += 1
        clock.now += 1
        progress.unit_done()
    requests.value += 1
    progress.log()  # one request into day 4: no request number yet
    requests.value += 1
    clock.now += 12
    progress.log()
    assert lines(caplog) == [
        "sessions: day 4 of 10 (2026-09-04); 12,345 records so far; 3.0 s elapsed, about 7.0 s left",
        "sessions: day 4 of 10 (2026-09-04), request 2 of this day; 12,345 records so far; "
        "15 s elapsed, about 35 s left",
    ]


def test_lines_before_the_first_unit_say_at_least_and_the_last_says_done(caplog) -> None:
    clock, requests = Clock(), Count()
    progress = make(clock, requests, labels=DAYS[:2], seconds_per_request=5.0, scope="site a (1 of 1)")
    requests.value = 1
    progress.log()
    progress.unit_done("first")
    requests.value = 3
    clock.now += 40
    progress.unit_done()
    assert lines(caplog) == [
        "sessions: site a (1 of 1): day 1 of 2 (2026-09-01); 12,345 records so far; 0.0 s elapsed, at least 5.0 s left",
        "sessions: site a (1 of 1): 2 of 2 days done; 12,345 records so far; 40 s elapsed",
    ]
    assert (progress.first_done, progress.last_done) == ("first", "2026-09-02")


def test_units_without_labels_or_total(caplog) -> None:
    clock = Clock()
    progress = Progress("sessions", "day", logger=logging.getLogger("test.progress"), clock=clock)
    progress.log()
    progress.unit_done()
    progress.unit_done("x")
    progress.log()
    assert lines(caplog) == [
        "sessions: day 1; 0 records so far; 0.0 s elapsed",
        "sessions: day 3; 0 records so far; 0.0 s elapsed",
    ]
    assert (progress.first_done, progress.last_done) == ("x", "x")
    unnamed = make(Clock(), labels=None, total=2)
    unnamed.unit_done()
    assert (unnamed.first_done, unnamed.last_done) == (None, None)
    assert unnamed.current() == "day 2 of 2"


def test_lines_go_to_the_given_logger_or_the_modules() -> None:
    own = Progress("s", "day", total=1)
    assert own.logger.name == "vendor_http.progress"
    assert make(Clock()).logger.name == "test.progress"


def test_the_first_line_starts_the_interval(caplog) -> None:
    clock = Clock()
    progress = make(clock)
    clock.now += 15
    progress.begin()
    clock.now += 19
    progress.tick()
    assert len(lines(caplog)) == 1  # the first line only: 19 s since it


def test_estimates_count_from_the_trackers_start_and_stay_under_a_second_when_they_are() -> None:
    clock, requests = Clock(), Count()
    requests.value = 50  # other streams' requests before this work began
    progress = make(clock, requests, seconds_per_request=0.1)
    requests.value, clock.now = 52, clock.now + 0.2  # 2 days, 1 request each, 0.1 s a day
    progress.unit_done()
    progress.unit_done()
    assert progress.eta() == pytest.approx((0.8, False))  # 8 days x 1 request x 0.1 s = the pace
    fast = make(Clock(), labels=DAYS[:2])  # no budget, quick days
    fast._clock.now += 0.25  # type: ignore[attr-defined]
    fast.unit_done()
    assert fast.eta() == (0.25, False)
