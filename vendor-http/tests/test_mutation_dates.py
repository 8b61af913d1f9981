"""An empty range's warning, said once per run, and its reason (kills vendor_http.dates' mutants)."""

from __future__ import annotations

import logging

import pendulum
import pytest

from vendor_http.dates import DateWindow, clamp_range, empty_range_reason
from vendor_http.progress import plural

D = pendulum.date
LOGGER = "test.dates.mutation"


def clamp(start: pendulum.Date, end: pendulum.Date, said: set[str] | None = None) -> DateWindow | None:
    return clamp_range(
        start,
        end,
        earliest=D(2026, 8, 25),
        latest=D(2026, 11, 20),
        vendor="Acme",
        why_earliest="it keeps 90 days",
        why_latest="data lags 32 hours",
        logger=logging.getLogger(LOGGER),
        said=said,
    )


def logged(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == LOGGER]


def test_a_warning_said_before_in_the_run_goes_to_debug(caplog: pytest.LogCaptureFixture) -> None:
    said: set[str] = set()
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert clamp(D(2026, 1, 1), D(2026, 9, 1), said) == DateWindow(D(2026, 8, 25), D(2026, 9, 1))
        assert clamp(D(2026, 1, 1), D(2026, 9, 1), said) == DateWindow(D(2026, 8, 25), D(2026, 9, 1))
        assert clamp(D(2026, 9, 1), D(2026, 12, 1), said) == DateWindow(D(2026, 9, 1), D(2026, 11, 20))
        assert clamp(D(2026, 9, 1), D(2026, 12, 1), said) == DateWindow(D(2026, 9, 1), D(2026, 11, 20))
        assert clamp(D(2026, 1, 1), D(2026, 2, 1), said) is None
        assert clamp(D(2026, 1, 1), D(2026, 2, 1), said) is None
    early = (
        "Requested start 2026-01-01 is before the earliest day Acme allows (it keeps 90 days); "
        "starting at 2026-08-25 instead."
    )
    late = (
        "Requested end 2026-12-01 is after the latest day Acme allows (data lags 32 hours); "
        "ending at 2026-11-20 instead."
    )
    empty = (
        "Nothing to extract from Acme for 2026-01-01..2026-02-01: it ends before 2026-08-25, the earliest day "
        "Acme allows (it keeps 90 days)."
    )
    assert logged(caplog) == [
        (logging.WARNING, early),
        (logging.DEBUG, early),
        (logging.WARNING, late),
        (logging.DEBUG, late),
        (logging.WARNING, empty),
        (logging.DEBUG, empty),
    ]
    assert said == {early, late, empty}


def test_without_a_record_of_what_was_said_every_warning_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        for _ in range(2):
            assert clamp(D(2026, 1, 1), D(2026, 2, 1)) is None
    assert [level for level, _ in logged(caplog)] == [logging.WARNING, logging.WARNING]


def test_a_limit_without_a_reason_is_named_without_brackets() -> None:
    common = {"earliest": D(2026, 8, 25), "latest": D(2026, 11, 20), "vendor": "Acme"}
    assert empty_range_reason(D(2026, 11, 21), D(2026, 11, 30), why_earliest="x", why_latest="", **common) == (
        "it starts after 2026-11-20, the latest day Acme allows"
    )
    assert empty_range_reason(D(2026, 1, 1), D(2026, 1, 2), why_earliest="", why_latest="y", **common) == (
        "it ends before 2026-08-25, the earliest day Acme allows"
    )


def test_a_start_after_the_end_is_blamed_on_the_bookmark(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert clamp(D(2026, 10, 2), D(2026, 10, 1)) is None
    assert logged(caplog) == [
        (
            logging.WARNING,
            "Nothing to extract from Acme for 2026-10-02..2026-10-01: its start is after its end "
            "(the bookmark less the lookback is after end_date).",
        )
    ]


def test_a_start_in_the_future_is_probably_a_typo() -> None:
    today = pendulum.now("UTC").date()
    common = {"earliest": D(2020, 1, 1), "vendor": "Acme", "why_earliest": "", "why_latest": "lag"}
    tomorrow = today.add(days=1)
    assert empty_range_reason(tomorrow, tomorrow, latest=today.subtract(days=1), **common) == (
        f"it starts after {today.subtract(days=1)}, the latest day Acme allows (lag); "
        f"a start in the future ({tomorrow}) is probably a typo in start_date"
    )
    # Today itself is not the future: the vendor's lag alone explains it.
    assert empty_range_reason(today, today, latest=today.subtract(days=1), **common) == (
        f"it starts after {today.subtract(days=1)}, the latest day Acme allows (lag)"
    )


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12"])
def test_the_future_is_judged_by_the_utc_day_whatever_the_machines_zone(
    zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One of the two zones (14 hours ahead, 12 behind) is on another day than UTC right now.
    monkeypatch.setenv("TZ", zone)
    common = {"earliest": D(2020, 1, 1), "vendor": "Acme", "why_earliest": "", "why_latest": ""}
    with pendulum.test_local_timezone(pendulum.timezone(zone)):
        today = pendulum.now("UTC").date()
        for start, typo in ((today, False), (today.add(days=1), True)):
            reason = empty_range_reason(start, start, latest=D(2020, 1, 2), **common)
            assert reason.endswith("is probably a typo in start_date") is typo


def test_an_empty_range_at_the_limits_is_blamed_on_its_order(caplog: pytest.LogCaptureFixture) -> None:
    # Starting on the latest day, or ending on the earliest, is allowed: only the order is wrong.
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert clamp(D(2026, 11, 20), D(2026, 11, 19)) is None
        assert clamp(D(2026, 8, 26), D(2026, 8, 25)) is None
    assert [message.split(": ", 1)[1] for _, message in logged(caplog)] == [
        "its start is after its end (the bookmark less the lookback is after end_date).",
    ] * 2


def test_a_start_right_after_the_latest_day_and_an_end_right_before_the_earliest() -> None:
    # The edges of "nothing allowed": one day past each limit.
    assert clamp(D(2026, 11, 21), D(2026, 11, 21)) is None
    assert clamp(D(2026, 8, 24), D(2026, 8, 24)) is None
    assert clamp(D(2026, 11, 20), D(2026, 11, 20)) == DateWindow(D(2026, 11, 20), D(2026, 11, 20))
    assert clamp(D(2026, 8, 25), D(2026, 8, 25)) == DateWindow(D(2026, 8, 25), D(2026, 8, 25))


def test_a_number_of_days() -> None:
    assert [plural(n, "day") for n in (0, 1, 2, 89)] == ["0 days", "1 day", "2 days", "89 days"]
