"""The ``reports`` setting: every problem named with its report, the defaults, queries and periods.

Pure logic (no I/O): what :mod:`tap_shopster.reports` makes of a configuration. The
problems are what the user reads when the run refuses to start, so they are asserted whole.
"""

from __future__ import annotations

import pendulum
import pytest

from tap_shopster.client import ShopsterAssumptions
from tap_shopster.reports import Report, check_reports, default_name, problems, resolve
from vendor_http import DateWindow

ONE = [{"objects": [101]}]


def test_a_valid_configuration_has_no_problem() -> None:
    assert problems({"reports": ONE}) == []
    assert check_reports({"reports": ONE})(ONE, "reports") is None


@pytest.mark.parametrize("reports", [None, [], {"objects": [1]}, "x"])
def test_at_least_one_report(reports: object) -> None:
    assert problems({"reports": reports}) == [
        "setting 'reports' needs at least one report, e.g. [{\"objects\": [101, 102]}]"
    ]


def test_a_report_that_is_not_an_object_and_the_others_are_still_checked() -> None:
    assert problems({"reports": [5, {"objects": []}]}) == [
        'reports[0] must be an object such as {"objects": [101, 102]}, got 5',
        "report 'daily' (reports[1]): setting 'objects' must be a non-empty list of object ids, e.g. [101, 102]",
    ]


def test_every_problem_of_a_report_is_named_with_it() -> None:
    entry = {
        "name": " ",
        "objects": [0, True, "7", 3, 3, 5, 5],
        "colour": 1,
        "interval": "yearly",
        "comeback": "1 week",
        "bounce_threshold": "1 minute",
        "engagement_threshold": "3 minute",
        "zone": "x",
    }
    label = "report ' ' (reports[0])"
    assert problems({"reports": [entry]}) == [
        f"{label}: unknown setting(s) 'colour', 'zone'; a report takes name, objects, interval, comeback, "
        "bounce_threshold, engagement_threshold",
        f"{label}: setting 'name' must be a non-empty text, got ' '",
        f"{label}: setting 'objects' must hold positive integer ids, got 0, True, '7'",
        f"{label}: setting 'objects' lists 3, 5 more than once",
        f"{label}: setting 'interval' must be one of hourly, daily, weekly, monthly, weekday, weekend; got 'yearly'",
        f"{label}: setting 'comeback' must be one of 2 week, 1 month, 2 month, 3 month, 6 month, 1 year, 10 year; "
        "got '1 week'",
        f"{label}: setting 'bounce_threshold' must be one of 2 minute, 5 minute, 10 minute, 15 minute, 20 minute, "
        "30 minute, 45 minute; got '1 minute'",
        f"{label}: setting 'engagement_threshold' must be one of 2 minute, 5 minute, 10 minute, 15 minute, "
        "20 minute, 30 minute, 45 minute; got '3 minute'",
    ]


def test_a_name_that_is_not_text() -> None:
    assert problems({"reports": [{"name": 7, "objects": [1]}]}) == [
        "report 'daily_1' (reports[0]): setting 'name' must be a non-empty text, got 7"
    ]


def test_a_wrong_top_level_default_is_named_as_such() -> None:
    config = {"reports": [{"objects": [1], "interval": "hourly"}], "interval": "yearly", "comeback": "1 week"}
    assert problems(config) == [
        "report 'hourly_1' (reports[0]): setting 'comeback' (the top-level default) must be one of 2 week, "
        "1 month, 2 month, 3 month, 6 month, 1 year, 10 year; got '1 week'"
    ]


def test_engagement_must_be_at_least_bounce_as_shopster_requires() -> None:
    entry = {"objects": [1], "bounce_threshold": "10 minute", "engagement_threshold": "5 minute"}
    assert problems({"reports": [entry]}) == [
        "report 'daily_1' (reports[0]): setting 'engagement_threshold' (5 minute) must be at least "
        "'bounce_threshold' (10 minute), as Shopster requires"
    ]
    equal = {"objects": [1], "bounce_threshold": "10 minute", "engagement_threshold": "10 minute"}
    assert problems({"reports": [equal]}) == []
    top = {"reports": [{"objects": [1]}], "bounce_threshold": "30 minute"}  # 30 > the default 20
    assert problems(top) == [
        "report 'daily_1' (reports[0]): setting 'engagement_threshold' (20 minute) must be at least "
        "'bounce_threshold' (30 minute), as Shopster requires"
    ]


def test_report_names_must_be_unique_even_when_made_up() -> None:
    reports = [{"objects": [1, 2]}, {"name": "daily_1_2", "objects": [3]}, {"objects": [1, 2], "interval": "weekly"}]
    assert problems({"reports": reports}) == [
        "report 'daily_1_2' (reports[1]): its name is also the name of reports[0]; report names must be unique "
        "(they are part of every row's key and of the state)"
    ]
    weekly = {"reports": [{"objects": [4]}, {"objects": [4]}], "interval": "weekly"}
    assert problems(weekly) == [
        "report 'weekly_4' (reports[1]): its name is also the name of reports[0]; report names must be unique "
        "(they are part of every row's key and of the state)"
    ]


def test_all_problems_are_one_message_of_the_settings_check() -> None:
    config = {"reports": [{"objects": []}, 3]}
    assert check_reports(config)(config["reports"], "reports") == "; ".join(problems(config))


def test_a_report_names_itself_its_objects_and_period() -> None:
    report = resolve({"reports": [{"name": "malls", "objects": [101, 102], "interval": "weekly"}]})[0]
    assert report.describe() == "report 'malls' (objects 101,102, weekly)"
    window = DateWindow(pendulum.date(2026, 11, 2), pendulum.date(2026, 11, 8))
    assert report.describe(window) == "report 'malls' (objects 101,102, weekly, 2026-11-02..2026-11-08)"
    assert default_name([101, 102], "hourly") == "hourly_101_102"


def test_the_query_and_the_parameters_the_rows_depend_on() -> None:
    config = {"reports": [{"objects": [101, 102], "comeback": "1 year"}], "bounce_threshold": "2 minute"}
    report = resolve(config)[0]
    window = DateWindow(pendulum.date(2026, 11, 2), pendulum.date(2026, 11, 8))
    assert report.query(window, ShopsterAssumptions()) == {
        "from": "2026-11-02",
        "to": "2026-11-08",
        "objects": "101,102",
        "interval": "daily",
        "comeback": "1 year",
        "bounce_threshold": "2 minute",
        "engagement_threshold": "20 minute",
    }
    assert report.parameters() == {
        "objects": [101, 102],
        "interval": "daily",
        "comeback": "1 year",
        "bounce_threshold": "2 minute",
        "engagement_threshold": "20 minute",
    }


def test_resolve_takes_each_setting_from_the_report_then_the_top_level_then_the_default() -> None:
    config = {
        "reports": [{"objects": ["7"], "engagement_threshold": "45 minute"}],
        "interval": "weekday",
        "bounce_threshold": "15 minute",
    }
    assert resolve(config) == [Report("weekday_7", (7,), "weekday", "2 week", "15 minute", "45 minute")]
    assert resolve({}) == []


@pytest.mark.parametrize(
    ("interval", "series"),
    [("hourly", True), ("daily", True), ("weekly", True), ("monthly", True), ("weekday", False), ("weekend", False)],
)
def test_only_weekday_and_weekend_rows_are_no_series(interval: str, series: bool) -> None:
    assert Report("r", (1,), interval, "2 week", "5 minute", "20 minute").time_series is series


@pytest.mark.parametrize(
    ("interval", "first", "windows"),
    [
        ("hourly", "2026-02-11", [("2026-02-11", "2026-02-12")]),
        ("weekday", "2026-02-08", [("2026-02-02", "2026-02-08"), ("2026-02-09", "2026-02-12")]),  # a Sunday
        ("weekly", "2026-02-09", [("2026-02-09", "2026-02-12")]),  # a Monday: its own week
        ("monthly", "2026-02-12", [("2026-02-01", "2026-02-12")]),
    ],
)
def test_windows_start_at_the_period_holding_the_first_day(interval: str, first: str, windows: list) -> None:
    report = Report("r", (1,), interval, "2 week", "5 minute", "20 minute")
    got = report.windows(pendulum.parse(first).date(), pendulum.date(2026, 2, 12), 7)
    assert [(str(w.start), str(w.end)) for w in got] == windows


def test_a_period_after_a_weekend_start_is_a_week() -> None:
    start = pendulum.datetime(2026, 2, 2, tz="UTC")
    report = Report("r", (1,), "weekend", "2 week", "5 minute", "20 minute")
    assert report.period_after(start) == pendulum.datetime(2026, 2, 9, tz="UTC")


@pytest.mark.parametrize("interval", ["hourly", "daily"])
def test_hourly_and_daily_rows_are_asked_for_window_days_at_a_time(interval: str) -> None:
    report = Report("r", (1,), interval, "2 week", "5 minute", "20 minute")
    got = report.windows(pendulum.date(2026, 2, 4), pendulum.date(2026, 2, 10), 3)
    assert [(str(w.start), str(w.end)) for w in got] == [
        ("2026-02-04", "2026-02-06"),
        ("2026-02-07", "2026-02-09"),
        ("2026-02-10", "2026-02-10"),
    ]


@pytest.mark.parametrize("interval", ["weekly", "monthly"])
def test_one_day_at_the_start_of_a_period_is_one_window(interval: str) -> None:
    day = pendulum.date(2026, 6, 1)  # a Monday and the first of a month
    report = Report("r", (1,), interval, "2 week", "5 minute", "20 minute")
    assert [(str(w.start), str(w.end)) for w in report.windows(day, day, 7)] == [("2026-06-01", "2026-06-01")]


@pytest.mark.parametrize("objects", [None, "101"])
def test_a_report_without_a_list_of_objects_is_named_by_its_interval(objects: object) -> None:
    assert problems({"reports": [{"objects": objects}]}) == [
        "report 'daily' (reports[0]): setting 'objects' must be a non-empty list of object ids, e.g. [101, 102]"
    ]
