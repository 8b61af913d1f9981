"""Date settings and windows."""

from __future__ import annotations

import logging

import pendulum
import pytest

from vendor_http.dates import (
    DateSettingError,
    DateWindow,
    clamp_range,
    incremental_start,
    parse_date_setting,
    parse_datetime_setting,
    split_windows,
)

D = pendulum.date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10-03", D(2026, 10, 3)),
        ("2026-10-03T10:00:00Z", D(2026, 10, 3)),
        ("2026-10-03T01:00:00+03:00", D(2026, 10, 2)),  # kept in UTC
        ("2026-10-03T23:59:59", D(2026, 10, 3)),  # naive = UTC
    ],
)
def test_dates_and_timestamps_are_accepted_in_utc(value: str, expected: pendulum.Date) -> None:
    assert parse_date_setting(value, "start_date") == expected


def test_parsed_timestamps_are_timezone_aware_utc() -> None:
    parsed = parse_datetime_setting("2026-10-03T01:00:00+03:00", "start_date")
    assert parsed.utcoffset().total_seconds() == 0
    assert parsed.hour == 22


@pytest.mark.parametrize("value", ["03-10-2026", "2026-13-01", "yesterday", "", 20261003])
def test_bad_dates_name_the_setting(value: object) -> None:
    with pytest.raises(DateSettingError, match="setting 'end_date'"):
        parse_date_setting(value, "end_date")


def test_split_windows_ascending_and_complete() -> None:
    windows = list(split_windows(D(2026, 1, 30), D(2026, 2, 3), days=2))
    assert windows == [
        DateWindow(D(2026, 1, 30), D(2026, 1, 31)),
        DateWindow(D(2026, 2, 1), D(2026, 2, 2)),
        DateWindow(D(2026, 2, 3), D(2026, 2, 3)),
    ]
    assert sum(w.days for w in windows) == 5
    assert list(split_windows(D(2026, 2, 3), D(2026, 2, 2))) == []


def test_incremental_start_applies_lookback_but_never_before_start_date() -> None:
    start = D(2026, 10, 1)
    assert incremental_start(start_date=start, bookmark=None, lookback_days=7) == start
    assert incremental_start(start_date=start, bookmark=D(2026, 10, 20), lookback_days=7) == D(2026, 10, 13)
    assert incremental_start(start_date=start, bookmark=D(2026, 10, 3), lookback_days=7) == start
    # lookback 0 still re-reads the bookmarked day itself
    assert incremental_start(start_date=start, bookmark=D(2026, 10, 20), lookback_days=0) == D(2026, 10, 20)


def test_clamp_range_warns_what_was_clamped_and_why(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.clamp")
    with caplog.at_level(logging.WARNING, logger="test.clamp"):
        window = clamp_range(
            D(2026, 1, 1),
            D(2026, 12, 31),
            earliest=D(2026, 8, 25),
            latest=D(2026, 11, 20),
            vendor="Rick.ai",
            why_earliest="it keeps 90 days",
            why_latest="32 hours delay",
            logger=logger,
        )
    assert window == DateWindow(D(2026, 8, 25), D(2026, 11, 20))
    text = caplog.text
    assert "2026-01-01" in text and "2026-08-25" in text and "it keeps 90 days" in text
    assert "2026-12-31" in text and "2026-11-20" in text and "32 hours delay" in text


def test_clamp_range_returns_none_when_nothing_is_allowed() -> None:
    logger = logging.getLogger("test.clamp")
    assert (
        clamp_range(
            D(2026, 11, 21),
            D(2026, 11, 22),
            earliest=D(2026, 8, 25),
            latest=D(2026, 11, 20),
            vendor="Rick.ai",
            why_earliest="",
            why_latest="",
            logger=logger,
        )
        is None
    )


def test_date_range_checks_name_the_setting_and_the_order() -> None:
    from vendor_http import date_range_checks

    config = {"start_date": "2026-11-10", "end_date": "2026-11-01"}
    checks = date_range_checks(config)
    assert checks["start_date"]("2026-11-10", "start_date") is None
    assert checks["start_date"](None, "start_date") is None
    assert "start_date" in (checks["start_date"]("10.11.2026", "start_date") or "")
    assert checks["end_date"]("2026-11-01", "end_date") == (
        "setting 'end_date' (2026-11-01) is before 'start_date' (2026-11-10)"
    )
    assert checks["end_date"]("2026-11-10", "end_date") is None
    # A start that does not parse is reported by its own check, not again here.
    assert date_range_checks({"start_date": "soon"})["end_date"]("2026-11-01", "end_date") is None
