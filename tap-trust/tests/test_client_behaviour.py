"""The tap's readings of what Trust.lat leaves unknown: ids, timestamps, the token's age, day ranges.

Pure logic (no I/O) of ``tap_trust.client``: each function is the one named place of an
assumption listed under "API assumptions" in the README.
"""

from __future__ import annotations

import time
import typing as t
from datetime import UTC, datetime, timedelta, timezone

import pendulum
import pytest

from tap_trust.client import as_id, range_params, rfc3339, snapshot_window, statistics_columns, token_created_at


@pytest.fixture(autouse=True)
def machine_in_tokyo(monkeypatch: pytest.MonkeyPatch) -> t.Iterator[None]:
    """The machine's local zone is Tokyo (9 hours ahead): every reading must still be UTC."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    with pendulum.test_local_timezone(pendulum.timezone("Asia/Tokyo")):
        yield
    monkeypatch.undo()
    time.tzset()


def test_statistics_become_one_column_per_action_an_absent_one_null() -> None:
    data = {
        "total": 10,
        "sended": 9,
        "pending": 1,
        "fails": 0,
        "campaign": "c1",
        "actions": {"RECEIVED": 7, "CLOSED": 2},
        "other": "ignored",
    }
    assert statistics_columns(data) == {
        "total": 10,
        "sended": 9,
        "pending": 1,
        "fails": 0,
        "campaign": "c1",
        "received": 7,
        "press_action": None,
        "closed": 2,
        "unknown": None,
    }


@pytest.mark.parametrize("actions", [None, [1, 2], "x"])
def test_statistics_without_an_actions_object_have_null_actions(actions: object) -> None:
    row = statistics_columns({"total": 1, "actions": actions})
    assert (row["total"], row["received"], row["unknown"], row["sended"]) == (1, None, None, None)


def test_statistics_that_are_not_an_object_are_left_for_validation() -> None:
    assert statistics_columns([1]) == {"total": [1]}


def test_a_day_range_by_the_assumed_names_and_format_inclusive() -> None:
    day = pendulum.date(2026, 11, 30)
    assert range_params(day, {}) == {"start_date": "2026-11-30", "end_date": "2026-11-30"}


def test_a_day_range_as_the_settings_rename_it() -> None:
    day = pendulum.date(2026, 11, 30)
    config = {
        "history_start_parameter": "from",
        "history_end_parameter": "to",
        "history_date_format": "%d.%m.%Y",
        "history_end_inclusive": False,
    }
    assert range_params(day, config) == {"from": "30.11.2026", "to": "01.12.2026"}
    assert range_params(day, {"history_end_inclusive": True}) == {"start_date": "2026-11-30", "end_date": "2026-11-30"}


def test_the_default_answer_is_assumed_to_cover_the_last_seven_days() -> None:
    assert snapshot_window(pendulum.date(2026, 12, 1)) == (pendulum.date(2026, 11, 25), pendulum.date(2026, 12, 1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1764547200, datetime(2025, 12, 1, tzinfo=UTC)),
        (1764547200.5, datetime(2025, 12, 1, 0, 0, 0, 500000, tzinfo=UTC)),
        (" 1764547200 ", datetime(2025, 12, 1, tzinfo=UTC)),
        ("1764547200.25", datetime(2025, 12, 1, 0, 0, 0, 250000, tzinfo=UTC)),
        ("2025-12-01T03:00:00+03:00", datetime(2025, 12, 1, tzinfo=UTC)),
        ("2025-12-01T00:00:00Z", datetime(2025, 12, 1, tzinfo=UTC)),
        (" 2025-12-01 00:00:00 ", datetime(2025, 12, 1, tzinfo=UTC)),  # no zone: UTC
        (True, None),
        (None, None),
        ("", None),
        ("  ", None),
        ("yesterday", None),
        ("1e3", None),
        (10**20, None),  # beyond any date
        (float("nan"), None),
    ],
)
def test_the_tokens_creation_time_in_each_assumed_form(value: object, expected: datetime | None) -> None:
    created = token_created_at(value)
    assert created == expected
    if created is not None:
        assert created.utcoffset() == timedelta(0)


def test_a_creation_time_with_an_offset_keeps_its_instant() -> None:
    created = token_created_at("2025-12-01T10:00:00-05:00")
    assert created == datetime(2025, 12, 1, 15, tzinfo=UTC)
    assert created is not None and created.tzinfo == UTC
    assert created.tzinfo != timezone(timedelta(hours=-5))


@pytest.mark.parametrize(("value", "expected"), [(7, "7"), ("a7", "a7"), (True, True), (None, None), (7.5, 7.5)])
def test_ids_are_text_whatever_trust_sends(value: object, expected: object) -> None:
    assert as_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-12-01T03:00:00+03:00", "2025-12-01T00:00:00Z"),
        ("2025-12-01T03:00:00", "2025-12-01T03:00:00Z"),  # no offset: UTC
        (" 2025-12-01 ", "2025-12-01T00:00:00Z"),  # a date: midnight UTC
        ("2025-12-01T03:00:00.5Z", "2025-12-01T03:00:00.500000Z"),
        ("soon", "soon"),  # left for validation to name
        ("P2D", "P2D"),  # a duration is no timestamp
        ("", ""),
        ("  ", "  "),
        (5, 5),
        (None, None),
    ],
)
def test_timestamps_become_rfc3339_utc_with_z(value: object, expected: object) -> None:
    assert rfc3339(value) == expected
