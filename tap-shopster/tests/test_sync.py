"""What a run emits: the sandbox's rows for every interval, keys, periods, keyings, assumptions."""

from __future__ import annotations

import itertools
import logging
from datetime import date, timedelta

import pytest
from shopster_helpers import (
    MALLS,
    emitted,
    monday,
    shopster_requests,
    sync,
    tap_config,
    today,
    truth,
)

KEY = ("report", "object_id", "user_type", "period_start")


def keys(records: list[dict]) -> list[tuple]:
    return [tuple(r[k] for k in KEY) for r in records]


@pytest.mark.parametrize(
    ("report", "days"),
    [
        ({"name": "malls", "objects": [101, 102]}, 9),
        ({"name": "zones", "objects": [10111, 10112, 10121], "interval": "hourly", "comeback": "1 year"}, 3),
        ({"name": "floors", "objects": [1011, 1012], "interval": "weekly", "bounce_threshold": "2 minute"}, 20),
        ({"name": "months", "objects": [101], "interval": "monthly", "engagement_threshold": "45 minute"}, 40),
    ],
)
def test_time_series_rows_are_the_sandboxs_rows(shopster, report, days) -> None:
    end = today() - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    run = sync(tap_config(shopster, report, start_date=str(start), window_days=2))

    records = run.records
    assert len(keys(records)) == len(set(keys(records))) > 0
    first = start if report.get("interval") in (None, "daily", "hourly") else None
    if report.get("interval") == "weekly":
        first = monday(start)
    if report.get("interval") == "monthly":
        first = start.replace(day=1)
    assert emitted(records, report["name"]) == truth(shopster, report, first, end)
    for record in records:
        assert record["period_start"] == record["datetime"]
        assert record["datetime"].endswith("Z") and record["period_end"].endswith("Z")
        assert record["objects"] == [record["object_id"]] and record["keying"] == "object"
        assert (record["comeback"], record["bounce_threshold"]) == (
            report.get("comeback", "2 week"),
            report.get("bounce_threshold", "5 minute"),
        )
    assert {r["period_end"] for r in records if r["period_start"] == records[0]["period_start"]} == {
        records[0]["period_end"]
    }
    assert run.bookmarks() == {report["name"]: f"{today().isoformat()}T00:00:00Z"}


@pytest.mark.parametrize("interval", ["weekday", "weekend"])
def test_weekday_and_weekend_rows_are_one_aggregate_per_week_keyed_by_its_monday(shopster, interval) -> None:
    report = {"name": interval, "objects": [10111, 10112], "interval": interval}
    end = today() - timedelta(days=1)
    start = monday(end) - timedelta(days=14)  # three weeks, the last one maybe cut short
    run = sync(tap_config(shopster, report, start_date=str(start + timedelta(days=2))))

    requested = [(r.query["from"], r.query["to"]) for r in shopster_requests(shopster)]
    weeks = [start + timedelta(days=7 * n) for n in range(3)]
    assert requested == [(str(w), str(min(w + timedelta(days=6), end))) for w in weeks]
    expected = {}
    for week in weeks:
        for (key, user_type, _), row in truth(shopster, report, week, min(week + timedelta(days=6), end)).items():
            expected[(key, user_type, f"{week}T00:00:00Z")] = row
    got = {(r["object_id"], r["user_type"], r["period_start"]): r for r in run.records}
    assert got.keys() == expected.keys()
    for key, record in got.items():
        assert record["datetime"] == expected[key]["datetime"]
        assert record["count_session"] == expected[key]["count_session"]
        assert record["sum_session_duration"] == 0
        start_day = date.fromisoformat(record["period_start"][:10])
        assert record["period_end"] == f"{start_day + timedelta(days=7)}T00:00:00Z"


def test_the_simplest_config_is_one_list_of_object_ids(shopster) -> None:
    config = tap_config(shopster, {"objects": [1011, 1012]})
    run = sync(config)

    assert {r["report"] for r in run.records} == {"daily_1011_1012"}
    sent = shopster_requests(shopster)[0].query
    assert {k: sent[k] for k in ("interval", "comeback", "bounce_threshold", "engagement_threshold")} == {
        "interval": "daily",
        "comeback": "2 week",
        "bounce_threshold": "5 minute",
        "engagement_threshold": "20 minute",
    }
    assert "x-token" not in sent and sent["objects"] == "1011,1012"


def test_reports_with_different_parameters_never_collide(shopster) -> None:
    same_objects = [
        {"name": "short", "objects": [101], "comeback": "2 week"},
        {"name": "long", "objects": [101], "comeback": "10 year"},
        {"name": "hours", "objects": [101], "interval": "hourly"},
    ]
    run = sync(tap_config(shopster, *same_objects, start_date=str(today() - timedelta(days=2))))
    records = run.records
    assert len(keys(records)) == len(set(keys(records))) == 7 * 2 * (1 + 1 + 24)
    by_report = {
        name: {(r["user_type"], r["period_start"]): r for r in records if r["report"] == name}
        for name in ("short", "long")
    }
    assert by_report["short"].keys() == by_report["long"].keys()
    assert sum(r["count_comeback_client"] for r in by_report["short"].values()) < sum(
        r["count_comeback_client"] for r in by_report["long"].values()
    )


def test_a_group_keyed_answer_is_read_as_the_groups_totals_and_reported(sandbox_factory, caplog) -> None:
    sandbox = sandbox_factory(shopster_keying="group")
    with caplog.at_level(logging.INFO):
        run = sync(tap_config(sandbox))

    assert {(r["object_id"], tuple(r["objects"]), r["keying"]) for r in run.records} == {(102, (101, 102), "group")}
    yesterday = today() - timedelta(days=1)
    assert emitted(run.records, "malls") == truth(sandbox, MALLS, yesterday - timedelta(days=8), yesterday)
    assert "Shopster answered one key (102) for the group of 2 objects" in caplog.text
    assert "answers keyed per group" in caplog.text

    pinned = sync(tap_config(sandbox, answer_keying="object"))
    assert {(r["object_id"], tuple(r["objects"]), r["keying"]) for r in pinned.records} == {(102, (102,), "object")}


def test_a_per_object_answer_is_reported_too(shopster, caplog) -> None:
    with caplog.at_level(logging.INFO):
        sync(tap_config(shopster))
    assert "report 'malls' (objects 101,102, daily): Shopster answered one key per object (101, 102" in caplog.text


def test_to_exclusive_sends_the_day_after_the_last_one(shopster) -> None:
    start = today() - timedelta(days=3)
    sync(tap_config(shopster, start_date=str(start), to_inclusive=False))
    (sent,) = shopster_requests(shopster)
    assert (sent.query["from"], sent.query["to"]) == (str(start), str(today()))


def test_datetime_timezone_reads_the_wall_time_there_and_writes_utc(shopster) -> None:
    run = sync(tap_config(shopster, datetime_timezone="Europe/Moscow", start_date=str(today() - timedelta(days=1))))
    day = today() - timedelta(days=1)
    assert {r["datetime"] for r in run.records} == {f"{day - timedelta(days=1)}T21:00:00Z"}
    assert {r["period_end"] for r in run.records} == {f"{day}T21:00:00Z"}


def test_data_delay_and_end_date_bound_the_requests(shopster, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        sync(tap_config(shopster, start_date=str(today() - timedelta(days=2)), end_date=str(today() + timedelta(5))))
    assert max(r.query["to"] for r in shopster_requests(shopster)) == str(today() - timedelta(days=1))
    assert "a day is requested once 'data_delay_days' (1) have passed" in caplog.text
    shopster.reset_log()
    sync(tap_config(shopster, start_date=str(today()), data_delay_days=0))
    assert [(r.query["from"], r.query["to"]) for r in shopster_requests(shopster)] == [(str(today()), str(today()))]


def test_requests_are_spaced_by_the_budget(sandbox_factory) -> None:
    sandbox = sandbox_factory(shopster_rate_windows=((2, 1.0),))
    start = today() - timedelta(days=5)
    sync(tap_config(sandbox, start_date=str(start), window_days=1, min_request_interval_seconds=0.5))
    requests_ = shopster_requests(sandbox)
    assert len(requests_) == 5 and {r.status for r in requests_} == {200}
    gaps = [b.arrived - a.arrived for a, b in itertools.pairwise(requests_)]
    assert min(gaps) >= 0.45
