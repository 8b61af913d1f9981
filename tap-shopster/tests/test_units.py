"""Pure logic: answer keyings, timestamps, periods and windows, and answers that contradict the doc."""

from __future__ import annotations

from datetime import UTC, datetime

import pendulum
import pytest
from shopster_helpers import MALLS

from tap_shopster.client import AnswerError, ShopsterAssumptions, rfc3339
from tap_shopster.reports import Report, resolve
from tap_shopster.streams import GroupDatetimeStream, ReportFailedError
from tap_shopster.tap import TapShopster
from vendor_http import DateWindow, RecordValidationError

ROW = {
    "datetime": "2026-11-02T00:00:00Z",
    "count_session": 10,
    "count_client": 8,
    "avg_session_duration": 12.5,
    "count_comeback_client": 2,
    "sum_session_duration": 125.0,
    "user_type": "all",
}


@pytest.mark.parametrize(
    ("setting", "requested", "keys", "keying"),
    [
        ("auto", [1, 2], ["1", "2"], "object"),
        ("auto", [1, 2], ["2"], "group"),
        ("auto", [1], ["1"], "object"),
        ("auto", [1, 2], [], None),
        ("object", [1, 2], ["2"], "object"),
        ("group", [1, 2], ["2"], "group"),
        ("group", [1, 2], ["77"], "group"),
    ],
)
def test_answer_keyings(setting, requested, keys, keying) -> None:
    assert ShopsterAssumptions(answer_keying=setting).keying(requested, keys) == keying


@pytest.mark.parametrize(
    ("setting", "requested", "keys", "problem"),
    [
        ("auto", [1, 2], ["1", "3"], "answer keys 3 are not among the requested objects"),
        ("auto", [1], ["3"], "answer keys 3 are not among the requested objects"),
        ("auto", [1, 2], ["mall-1"], "answer keys 'mall-1' are not object ids"),
        ("group", [1, 2], ["1", "2"], "2 keys (1, 2) where 'answer_keying' = group expects one"),
    ],
)
def test_answer_keys_that_fit_no_reading(setting, requested, keys, problem) -> None:
    with pytest.raises(AnswerError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        ShopsterAssumptions(answer_keying=setting).keying(requested, keys)


@pytest.mark.parametrize(
    ("zone", "value", "utc"),
    [
        ("", "2026-11-02T00:00:00Z", "2026-11-02T00:00:00Z"),
        ("", "2026-11-02T03:00:00+03:00", "2026-11-02T00:00:00Z"),
        ("", "2026-11-02 05:30:00", "2026-11-02T05:30:00Z"),
        ("Europe/Moscow", "2026-11-02T00:00:00Z", "2026-11-01T21:00:00Z"),
        ("Europe/Berlin", "2026-07-02T00:00:00", "2026-07-01T22:00:00Z"),
    ],
)
def test_timestamps_are_written_in_utc_with_z(zone, value, utc) -> None:
    assert rfc3339(ShopsterAssumptions(datetime_timezone=zone).timestamp(value)) == utc


def test_to_is_the_last_day_or_the_day_after() -> None:
    day = pendulum.date(2026, 2, 28)
    assert ShopsterAssumptions().to_param(day) == "2026-02-28"
    assert ShopsterAssumptions(to_inclusive=False).to_param(day) == "2026-03-01"


def report(interval: str) -> Report:
    return Report("r", (1,), interval, "2 week", "5 minute", "20 minute")


@pytest.mark.parametrize(
    ("interval", "windows"),
    [
        ("daily", [("2026-01-28", "2026-02-03"), ("2026-02-04", "2026-02-10"), ("2026-02-11", "2026-02-12")]),
        ("weekly", [("2026-01-26", "2026-02-01"), ("2026-02-02", "2026-02-08"), ("2026-02-09", "2026-02-12")]),
        ("weekend", [("2026-01-26", "2026-02-01"), ("2026-02-02", "2026-02-08"), ("2026-02-09", "2026-02-12")]),
        ("monthly", [("2026-01-01", "2026-01-31"), ("2026-02-01", "2026-02-12")]),
    ],
)
def test_windows_are_whole_periods_from_the_one_holding_the_first_day(interval, windows) -> None:
    got = report(interval).windows(pendulum.date(2026, 1, 28), pendulum.date(2026, 2, 12), 7)
    assert [(str(w.start), str(w.end)) for w in got] == windows


def test_period_ends() -> None:
    start = pendulum.datetime(2026, 1, 31, tz="UTC")
    ends = {i: str(report(i).period_after(start).date()) for i in ("daily", "weekly", "monthly", "weekday")}
    assert ends == {"daily": "2026-02-01", "weekly": "2026-02-07", "monthly": "2026-02-28", "weekday": "2026-02-07"}
    assert report("hourly").period_after(start) == pendulum.datetime(2026, 1, 31, 1, tz="UTC")


def test_reports_take_the_top_level_defaults() -> None:
    reports = [{"objects": [5, 6]}, {"name": "z", "objects": [7], "interval": "hourly"}]
    config = {"comeback": "1 year", "reports": reports}
    assert resolve(config) == [
        Report("daily_5_6", (5, 6), "daily", "1 year", "5 minute", "20 minute"),
        Report("z", (7,), "hourly", "1 year", "5 minute", "20 minute"),
    ]


@pytest.fixture
def stream() -> GroupDatetimeStream:
    tap = TapShopster(config={"api_token": "t", "reports": [MALLS]}, parse_env_config=False)
    return tap.streams["group_datetime"]  # type: ignore[return-value]


WINDOW = DateWindow(pendulum.date(2026, 11, 2), pendulum.date(2026, 11, 3))


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ([], "Shopster answered a list, not an object keyed by object id"),
        ({"101": []}, "the answer for object 101 is a list, not keyed by user_type"),
        ({"101": {"all": {}}}, "object 101, user type 'all' holds a dict, not rows"),
        ({"101": {"passer": [ROW]}}, "row #0: user_type 'all' in a list keyed 'passer'"),
        ({"101": {"all": [ROW, ROW]}}, "row #1: a second row for period 2026-11-02T00:00:00Z"),
        ({"101": {"all": [ROW]}, "9": {}}, "answer keys 9 are not among the requested objects"),
    ],
)
def test_answers_that_contradict_the_documentation_stop_naming_the_report(stream, answer, problem) -> None:
    with pytest.raises(ReportFailedError) as raised:
        list(stream.rows(resolve(stream.config)[0], WINDOW, answer, set()))
    assert str(raised.value).startswith("report 'malls' (objects 101,102, daily, 2026-11-02..2026-11-03)")
    assert problem in str(raised.value)


def test_a_row_without_a_documented_field_is_named(stream) -> None:
    row = {k: v for k, v in ROW.items() if k != "count_client"}
    with pytest.raises(RecordValidationError, match=r"object 101, user type 'all', row #0\): .*count_client"):
        list(stream.rows(resolve(stream.config)[0], WINDOW, {"101": {"all": [row]}}, set()))


def test_a_row_becomes_a_record_with_its_report_and_period(stream) -> None:
    (record,) = stream.rows(resolve(stream.config)[0], WINDOW, {"101": {"all": [ROW]}, "102": {}}, set())
    assert record == {
        "report": "malls",
        "object_id": 101,
        "objects": [101],
        "keying": "object",
        "interval": "daily",
        "comeback": "2 week",
        "bounce_threshold": "5 minute",
        "engagement_threshold": "20 minute",
        "period_start": "2026-11-02T00:00:00Z",
        "period_end": "2026-11-03T00:00:00Z",
        **ROW,
    }
    assert datetime.fromisoformat(record["period_end"]).tzinfo == UTC
