"""Date settings, windows and clamping: the edges a run depends on (issue 20)."""

from __future__ import annotations

import logging

import pendulum
import pytest

from vendor_http import (
    DateSettingError,
    DateWindow,
    ExplainedError,
    clamp_range,
    date_range_checks,
    incremental_start,
    parse_date_setting,
    parse_datetime_setting,
    split_windows,
)

D = pendulum.date
LOGGER = "test.dates.behaviour"


# Settings


def test_a_bad_date_is_an_explained_value_error_quoting_the_setting_and_the_value() -> None:
    with pytest.raises(DateSettingError) as info:
        parse_date_setting("yesterday", "end_date")
    assert str(info.value) == ("setting 'end_date' must be a date (YYYY-MM-DD) or ISO-8601 timestamp, got 'yesterday'")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, ExplainedError)  # the user gets one line, no traceback


@pytest.mark.parametrize("value", [None, 20261003, "", "   "])
def test_missing_blank_and_non_text_values_are_refused_with_the_same_words(value: object) -> None:
    with pytest.raises(DateSettingError) as info:
        parse_datetime_setting(value, "start_date")
    assert str(info.value) == (f"setting 'start_date' must be a date (YYYY-MM-DD) or ISO-8601 timestamp, got {value!r}")


def test_surrounding_spaces_are_ignored() -> None:
    assert parse_date_setting("  2026-10-03 \n", "start_date") == D(2026, 10, 3)


@pytest.mark.parametrize(
    ("value", "kind"),
    [("P2D", "Duration"), ("10:00", "Time"), ("2026-10-03/2026-10-05", "Interval")],
)
def test_values_that_are_not_a_point_in_time_are_refused_by_kind(value: str, kind: str) -> None:
    # "10:00" must not silently become "today at 10:00": the start would move every day.
    with pytest.raises(DateSettingError) as info:
        parse_datetime_setting(value, "start_date")
    assert str(info.value) == f"setting 'start_date' must be a date or timestamp, got a {kind}: {value!r}"


def test_a_plain_date_is_midnight_utc() -> None:
    parsed = parse_datetime_setting("2026-10-03", "start_date")
    assert isinstance(parsed, pendulum.DateTime)
    assert (parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute) == (2026, 10, 3, 0, 0)
    assert parsed.utcoffset().total_seconds() == 0


def test_a_timestamp_keeps_its_instant_in_utc() -> None:
    parsed = parse_datetime_setting("2026-10-03T01:30:00+03:00", "start_date")
    assert parsed == pendulum.datetime(2026, 10, 2, 22, 30, tz="UTC")
    assert parsed.timezone_name == "UTC"
    naive = parse_datetime_setting("2026-10-03T01:30:00", "start_date")
    assert naive == pendulum.datetime(2026, 10, 3, 1, 30, tz="UTC")  # naive = UTC


def test_a_datetime_object_is_converted_to_utc() -> None:
    # Settings from Python (a test, a wrapper) may already be datetimes.
    moscow = pendulum.datetime(2026, 10, 3, 1, 0, tz="Europe/Moscow")
    parsed = parse_datetime_setting(moscow, "start_date")
    assert parsed == moscow
    assert parsed.timezone_name == "UTC"
    assert parsed.hour == 22
    assert parse_date_setting(moscow, "start_date") == D(2026, 10, 2)


# Settings checks (validate_settings)


def test_range_checks_cover_exactly_the_two_date_settings() -> None:
    assert sorted(date_range_checks({})) == ["end_date", "start_date"]
    assert sorted(date_range_checks({}, start="from", end="to")) == ["from", "to"]


def test_a_malformed_end_date_is_reported_by_its_own_check() -> None:
    checks = date_range_checks({"start_date": "2026-11-01", "end_date": "01.12.2026"})
    assert checks["end_date"]("01.12.2026", "end_date") == (
        "setting 'end_date' must be a date (YYYY-MM-DD) or ISO-8601 timestamp, got '01.12.2026'"
    )


def test_an_end_date_without_start_date_is_fine() -> None:
    checks = date_range_checks({"end_date": "2026-11-01"})
    assert checks["end_date"]("2026-11-01", "end_date") is None
    assert checks["end_date"](None, "end_date") is None


def test_end_date_on_the_start_day_is_fine_and_the_day_before_is_not() -> None:
    checks = date_range_checks({"from": "2026-11-10T23:00:00Z"}, start="from", end="to")
    assert checks["to"]("2026-11-10", "to") is None  # the same calendar day
    assert checks["to"]("2026-11-09", "to") == "setting 'to' (2026-11-09) is before 'from' (2026-11-10T23:00:00Z)"
    assert checks["from"]("2026-11-10T23:00:00Z", "from") is None
    assert checks["from"]("tomorrow", "from") == (
        "setting 'from' must be a date (YYYY-MM-DD) or ISO-8601 timestamp, got 'tomorrow'"
    )


# Windows


def test_a_window_knows_its_days_and_refuses_to_run_backwards() -> None:
    assert DateWindow(D(2026, 2, 27), D(2026, 3, 2)).days == 4
    assert DateWindow(D(2026, 3, 2), D(2026, 3, 2)).days == 1
    with pytest.raises(ValueError, match="window start 2026-03-03 is after its end 2026-03-02"):
        DateWindow(D(2026, 3, 3), D(2026, 3, 2))


def test_windows_are_one_day_each_by_default() -> None:
    windows = list(split_windows(D(2026, 2, 27), D(2026, 3, 1)))
    assert windows == [
        DateWindow(D(2026, 2, 27), D(2026, 2, 27)),
        DateWindow(D(2026, 2, 28), D(2026, 2, 28)),
        DateWindow(D(2026, 3, 1), D(2026, 3, 1)),
    ]


def test_a_single_day_range_is_one_window() -> None:
    assert list(split_windows(D(2026, 3, 1), D(2026, 3, 1), days=7)) == [DateWindow(D(2026, 3, 1), D(2026, 3, 1))]


def test_windows_of_several_days_cover_the_range_exactly_once() -> None:
    windows = list(split_windows(D(2026, 1, 1), D(2026, 1, 10), days=3))
    assert [(w.start.day, w.end.day) for w in windows] == [(1, 3), (4, 6), (7, 9), (10, 10)]
    assert list(split_windows(D(2026, 1, 1), D(2026, 1, 9), days=3))[-1] == DateWindow(D(2026, 1, 7), D(2026, 1, 9))


@pytest.mark.parametrize("days", [0, -1])
def test_a_window_must_cover_a_day(days: int) -> None:
    with pytest.raises(ValueError) as info:
        list(split_windows(D(2026, 1, 1), D(2026, 1, 2), days=days))
    assert str(info.value) == "a window must cover at least one day"


def test_incremental_start_ignores_a_negative_lookback() -> None:
    # A negative lookback would skip the bookmarked day, which may be incomplete.
    start = D(2026, 10, 1)
    assert incremental_start(start_date=start, bookmark=D(2026, 10, 20), lookback_days=-3) == D(2026, 10, 20)
    assert incremental_start(start_date=start, bookmark=D(2026, 10, 20), lookback_days=1) == D(2026, 10, 19)
    assert incremental_start(start_date=start, bookmark=D(2026, 10, 1), lookback_days=0) == start


# Clamping


def clamp(start: pendulum.Date, end: pendulum.Date) -> DateWindow | None:
    return clamp_range(
        start,
        end,
        earliest=D(2026, 8, 25),
        latest=D(2026, 11, 20),
        vendor="Acme",
        why_earliest="it keeps 90 days",
        why_latest="data lags 32 hours",
        logger=logging.getLogger(LOGGER),
    )


def messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == level]


def test_a_range_inside_the_limits_is_kept_without_a_word(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert clamp(D(2026, 8, 25), D(2026, 11, 20)) == DateWindow(D(2026, 8, 25), D(2026, 11, 20))
        assert clamp(D(2026, 9, 1), D(2026, 9, 1)) == DateWindow(D(2026, 9, 1), D(2026, 9, 1))
    assert [r for r in caplog.records if r.name == LOGGER] == []


def test_a_range_clamped_to_one_day_keeps_that_day(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert clamp(D(2026, 11, 20), D(2026, 12, 31)) == DateWindow(D(2026, 11, 20), D(2026, 11, 20))
        assert clamp(D(2026, 1, 1), D(2026, 8, 25)) == DateWindow(D(2026, 8, 25), D(2026, 8, 25))
    assert messages(caplog, logging.WARNING) == [
        "Requested end 2026-12-31 is after the latest day Acme allows (data lags 32 hours); "
        "ending at 2026-11-20 instead.",
        "Requested start 2026-01-01 is before the earliest day Acme allows (it keeps 90 days); "
        "starting at 2026-08-25 instead.",
    ]
    assert messages(caplog, logging.INFO) == []


def test_a_range_entirely_outside_the_limits_is_empty_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert clamp(D(2026, 11, 21), D(2026, 11, 30)) is None
        assert clamp(D(2026, 1, 1), D(2026, 8, 24)) is None
    # One WARNING each (not INFO): the range as requested and why nothing of it is allowed.
    assert messages(caplog, logging.WARNING) == [
        "Nothing to extract from Acme for 2026-11-21..2026-11-30: it starts after 2026-11-20, the latest day "
        "Acme allows (data lags 32 hours).",
        "Nothing to extract from Acme for 2026-01-01..2026-08-24: it ends before 2026-08-25, the earliest day "
        "Acme allows (it keeps 90 days).",
    ]
    assert messages(caplog, logging.INFO) == []
