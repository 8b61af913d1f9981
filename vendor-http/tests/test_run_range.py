"""``run_range``: the days a run extracts, from the settings and the stream's bookmark."""

from __future__ import annotations

import logging

import pendulum
import pytest

from vendor_http import DateSettingError, DateWindow, run_range

D = pendulum.date
LOGGER = logging.getLogger("test-run-range")


def days(config: dict, bookmark: object = None, **overrides: object) -> DateWindow | None:
    options = {
        "default_start": D(2026, 9, 1),
        "latest": D(2026, 11, 28),
        "default_lookback_days": 7,
        "vendor": "Acme",
        "why_latest": "later days are not complete",
        "logger": LOGGER,
        **overrides,
    }
    return run_range(config, bookmark, **options)  # type: ignore[arg-type]


def test_defaults_run_from_the_default_start_to_the_latest_day() -> None:
    assert days({}) == DateWindow(D(2026, 9, 1), D(2026, 11, 28))


def test_settings_choose_the_range() -> None:
    config = {"start_date": "2026-10-01", "end_date": "2026-10-05"}
    assert days(config) == DateWindow(D(2026, 10, 1), D(2026, 10, 5))


def test_a_bookmark_restarts_its_lookback_before_it_never_before_start_date() -> None:
    assert days({}, "2026-11-20") == DateWindow(D(2026, 11, 13), D(2026, 11, 28))  # default lookback 7
    assert days({"lookback_days": 2}, "2026-11-20") == DateWindow(D(2026, 11, 18), D(2026, 11, 28))
    assert days({"start_date": "2026-11-19"}, "2026-11-20") == DateWindow(D(2026, 11, 19), D(2026, 11, 28))


def test_the_end_is_clamped_and_the_start_only_where_the_history_is_known(caplog) -> None:
    config = {"start_date": "2026-08-01", "end_date": "2026-12-31"}
    caplog.set_level(logging.INFO, LOGGER.name)
    assert days(config) == DateWindow(D(2026, 8, 1), D(2026, 11, 28))
    assert "later days are not complete" in caplog.text
    kept = days(config, earliest=D(2026, 9, 1), why_earliest="it keeps 90 days")
    assert kept == DateWindow(D(2026, 9, 1), D(2026, 11, 28))
    assert "it keeps 90 days" in caplog.text


def test_nothing_left_is_none() -> None:
    assert days({"start_date": "2026-12-05"}) is None


@pytest.mark.parametrize(
    ("config", "bookmark", "named"), [({"end_date": "soon"}, None, "end_date"), ({}, "x", "state bookmark")]
)
def test_a_bad_date_names_where_it_came_from(config, bookmark, named) -> None:
    with pytest.raises(DateSettingError, match=named):
        days(config, bookmark)
