"""Which windows a site's run asks for, and which data codes of an earlier run it takes up again.

Pure logic of the audience stream (no request is made): its windows from the settings,
the site's bookmark and today, and its ``pending`` data codes in STATE. Today is fixed
at 2026-12-02 20:00 UTC, so yesterday, the last complete day, is 2026-12-01, on a
machine whose local zone (Tokyo) is a day ahead.
"""

from __future__ import annotations

import json
import logging
import typing as t

import pendulum
import pytest

from tap_kameleoon.pipeline import Window
from tap_kameleoon.tap import TapKameleoon
from vendor_http.dates import DateSettingError

NOW = pendulum.datetime(2026, 12, 2, 20, 0, 0)  # already 2026-12-03 in Tokyo
SITE = {"id": 1, "code": "a1"}
STREAM = "audience_global_stats"


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stream's clock (``pendulum.now``) stopped at :data:`NOW`, local time in Tokyo."""
    monkeypatch.setattr(pendulum, "now", lambda tz=None: NOW.in_timezone(tz or "Asia/Tokyo"))


def stream(state: dict[str, t.Any] | None = None, **settings: t.Any) -> t.Any:
    """The audience stream of a tap with ``settings``; ``state`` is site 1's partition."""
    partitions = [{"context": {"siteId": 1}, **state}] if state is not None else []
    tap = TapKameleoon(
        config={"client_id": "id", "client_secret": "windows-behaviour-test-secret", **settings},
        state={"bookmarks": {STREAM: {"partitions": partitions}}},
        setup_mapper=False,
    )
    return tap.streams[STREAM]


def windows(state: dict[str, t.Any] | None = None, **settings: t.Any) -> list[tuple[str, str]]:
    spans = stream(state, **settings).windows({"siteId": 1})
    return [(first.isoformat(), after.isoformat()) for first, after in spans]


def test_weeks_from_the_start_date_up_to_yesterday_the_last_one_cut_short() -> None:
    assert windows(start_date="2026-11-01") == [
        ("2026-11-01", "2026-11-08"),
        ("2026-11-08", "2026-11-15"),
        ("2026-11-15", "2026-11-22"),
        ("2026-11-22", "2026-11-29"),
        ("2026-11-29", "2026-12-02"),  # [start, end): up to and including yesterday
    ]


def test_window_days_and_end_date_shape_the_windows() -> None:
    assert windows(start_date="2026-11-01", end_date="2026-11-10", window_days=3) == [
        ("2026-11-01", "2026-11-04"),
        ("2026-11-04", "2026-11-07"),
        ("2026-11-07", "2026-11-10"),
        ("2026-11-10", "2026-11-11"),  # the end date is included
    ]


def test_a_single_day_range_is_one_window() -> None:
    assert windows(start_date="2026-11-10", end_date="2026-11-10") == [("2026-11-10", "2026-11-11")]


def test_a_run_resumes_lookback_days_before_the_bookmark_on_the_same_grid() -> None:
    bookmark = {"replication_key_value": "2026-11-20T00:00:00Z"}
    # default lookback: 2 days → from 2026-11-18, inside the window that starts 2026-11-15
    assert windows(bookmark, start_date="2026-11-01")[0] == ("2026-11-15", "2026-11-22")
    assert windows(bookmark, start_date="2026-11-01", lookback_days=6)[0] == ("2026-11-08", "2026-11-15")
    assert windows(bookmark, start_date="2026-11-01", lookback_days=0)[0] == ("2026-11-15", "2026-11-22")


def test_a_bookmark_never_moves_the_start_before_the_start_date() -> None:
    bookmark = {"replication_key_value": "2026-11-02T00:00:00Z"}
    assert windows(bookmark, start_date="2026-11-01")[0] == ("2026-11-01", "2026-11-08")


def test_without_a_start_date_the_history_kameleoon_keeps_on_a_monday_grid() -> None:
    # 60 days before today: Saturday 2026-10-03, in the grid week from Monday 2026-09-28
    assert windows()[:2] == [("2026-10-03", "2026-10-05"), ("2026-10-05", "2026-10-12")]
    assert windows()[-1] == ("2026-11-30", "2026-12-02")
    assert windows(max_history_days=10) == [
        ("2026-11-22", "2026-11-23"),
        ("2026-11-23", "2026-11-30"),
        ("2026-11-30", "2026-12-02"),
    ]


def test_an_end_date_without_a_start_date_ends_the_history() -> None:
    assert windows(end_date="2026-10-06") == [("2026-10-03", "2026-10-05"), ("2026-10-05", "2026-10-07")]


def test_a_start_date_older_than_the_history_is_clamped_with_a_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        spans = windows(start_date="2026-01-01")
    # still on the grid of the start date (Thursdays), the first window cut at the earliest day
    assert spans[:2] == [("2026-10-03", "2026-10-08"), ("2026-10-08", "2026-10-15")]
    assert (
        "Requested start 2026-01-01 is before the earliest day Kameleoon allows (it keeps about two months of "
        "audience data ('max_history_days' = 60)); starting at 2026-10-03 instead." in caplog.text
    )


def test_an_end_date_from_today_on_is_clamped_to_yesterday_with_a_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        spans = windows(start_date="2026-11-29", end_date="2026-12-31")
    assert spans == [("2026-11-29", "2026-12-02")]
    assert (
        "Requested end 2026-12-31 is after the latest day Kameleoon allows (today is not complete yet); "
        "ending at 2026-12-01 instead." in caplog.text
    )


def test_a_bookmark_that_is_no_date_stops_the_run_naming_it() -> None:
    with pytest.raises(DateSettingError, match=r"^setting 'state bookmark' must be a date .* got 'soon'"):
        windows({"replication_key_value": "soon"}, start_date="2026-11-01")


def test_nothing_is_asked_for_before_the_start_date_is_complete() -> None:
    assert windows(start_date="2026-12-02") == []


# --- data codes of an earlier run ------------------------------------------------------------------


def pending(code: str, minutes_ago: float, **fields: str) -> dict[str, str]:
    entry = {
        "dataCode": code,
        "windowStart": "2026-11-01T00:00:00Z",
        "windowEnd": "2026-11-08T00:00:00Z",
        "analyticsLevel": "VISITOR",
        "requestedAt": NOW.subtract(seconds=int(minutes_ago * 60)).to_iso8601_string(),
    }
    return entry | fields


WINDOW = Window(SITE, "2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z")


def test_a_young_enough_data_code_of_the_same_window_and_level_is_taken_up() -> None:
    other = pending("other-window", 1, windowStart="2026-11-08T00:00:00Z", windowEnd="2026-11-15T00:00:00Z")
    assert stream({"pending": [other, pending("mine", 60)]}).resumable(WINDOW) == "mine"  # 60 minutes: still
    # the same instants written another way are the same window
    same = pending("same", 5, windowStart="2026-11-01T00:00:00.000Z", windowEnd="2026-11-08T03:00:00+03:00")
    assert stream({"pending": [same]}).resumable(WINDOW) == "same"


def test_an_older_data_code_is_requested_anew_saying_why(caplog) -> None:
    audience = stream({"pending": [pending("old", 61)]})
    with caplog.at_level(logging.INFO, logger=audience.logger.name):
        assert audience.resumable(WINDOW) is None
    assert [r.getMessage() for r in caplog.records if r.name == audience.logger.name] == [
        "Not resuming data code old: requested 61 minutes ago"
    ]
    assert stream({"pending": [pending("old", 61)]}, data_code_max_age_minutes=90).resumable(WINDOW) == "old"
    assert stream({"pending": [pending("new", 1)]}, data_code_max_age_minutes=0).resumable(WINDOW) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"analyticsLevel": "VISIT"},
        {"windowEnd": "2026-11-09T00:00:00Z"},
        {"windowStart": "2026-10-31T00:00:00Z"},
        {"requestedAt": "not a time"},
    ],
)
def test_a_data_code_of_another_window_or_level_or_of_unknown_age_is_not_taken_up(fields) -> None:
    assert stream({"pending": [pending("x", 1, **fields), pending("y", 2)]}).resumable(WINDOW) == "y"
    assert stream({"pending": [pending("x", 1, **fields)]}).resumable(WINDOW) is None


def test_the_analytics_level_setting_picks_the_data_codes() -> None:
    codes = {"pending": [pending("visitor", 1), pending("visit", 1, analyticsLevel="VISIT")]}
    assert stream(codes, analytics_level="VISIT").resumable(WINDOW) == "visit"
    assert stream(codes).resumable(WINDOW) == "visitor"  # VISITOR by default


def test_no_pending_codes_nothing_to_take_up() -> None:
    assert stream({}).resumable(WINDOW) is None
    assert stream({"pending": None}).resumable(WINDOW) is None


def test_forgetting_a_window_drops_only_its_codes_and_writes_state(capsys) -> None:
    other = pending("other", 1, windowStart="2026-11-08T00:00:00Z", windowEnd="2026-11-15T00:00:00Z")
    audience = stream({"pending": [pending("a", 1), other, pending("b", 2, windowStart="2026-11-01T00:00:00.0Z")]})
    audience.forget(WINDOW)
    state = audience.get_context_state({"siteId": 1})
    assert [entry["dataCode"] for entry in state["pending"]] == ["other"]
    written = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [partition] = written[-1]["value"]["bookmarks"][STREAM]["partitions"]
    assert [entry["dataCode"] for entry in partition["pending"]] == ["other"]


def test_forgetting_the_last_code_drops_the_pending_list_and_can_wait_for_the_next_state(capsys) -> None:
    audience = stream({"pending": [pending("a", 1)]})
    audience.forget(WINDOW, write=False)
    assert "pending" not in audience.get_context_state({"siteId": 1})
    assert capsys.readouterr().out == ""
    audience.forget(WINDOW)  # nothing left to drop: the state stays without a list
    assert "pending" not in audience.get_context_state({"siteId": 1})
