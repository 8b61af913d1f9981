"""Incremental runs: per report, from the bookmark minus the lookback; whole periods; changed reports."""

from __future__ import annotations

import logging
from datetime import timedelta

from shopster_helpers import MALLS, monday, shopster_requests, sync, tap_config, today


def windows(sandbox) -> list[tuple[str, str]]:
    return [(r.query["from"], r.query["to"]) for r in shopster_requests(sandbox)]


def test_a_second_run_asks_only_for_the_lookback_of_each_report(shopster) -> None:
    yesterday = today() - timedelta(days=1)
    hours = {"name": "hours", "objects": [10111], "interval": "hourly"}
    config = tap_config(shopster, MALLS, hours, start_date=str(yesterday - timedelta(days=9)), lookback_days=2)
    first = sync(config)
    assert first.bookmarks() == {"malls": f"{today()}T00:00:00Z", "hours": f"{today()}T00:00:00Z"}
    assert len(windows(shopster)) == 4  # 10 days in windows of 7, per report

    shopster.reset_log()
    second = sync(config, state=first.states[-1])
    assert windows(shopster) == [(str(today() - timedelta(days=2)), str(yesterday))] * 2
    keys = {(r["report"], r["object_id"], r["user_type"], r["period_start"]) for r in first.records}
    again = {(r["report"], r["object_id"], r["user_type"], r["period_start"]) for r in second.records}
    assert again < keys and len(again) == 2 * 7 * 2 + 7 * 48
    assert second.bookmarks() == first.bookmarks()

    shopster.reset_log()
    third = sync({**config, "lookback_days": 0}, state=second.states[-1])
    assert windows(shopster) == [] and third.records == []
    assert third.bookmarks() == first.bookmarks()


def test_a_week_cut_short_is_read_whole_on_the_next_run(shopster) -> None:
    this_monday = monday(today())
    wednesday = this_monday - timedelta(days=5)  # of last week
    report = {"name": "weeks", "objects": [1011, 1012], "interval": "weekly"}
    config = tap_config(shopster, report, start_date=str(wednesday - timedelta(days=7)), lookback_days=0)
    first = sync({**config, "end_date": str(wednesday)})
    assert windows(shopster) == [
        (str(wednesday - timedelta(days=9)), str(wednesday - timedelta(days=3))),
        (str(wednesday - timedelta(days=2)), str(wednesday)),
    ]
    assert first.bookmarks() == {"weeks": f"{wednesday + timedelta(days=1)}T00:00:00Z"}

    shopster.reset_log()
    second = sync(config, state=first.states[-1])
    week = str(wednesday - timedelta(days=2))
    assert windows(shopster)[0] == (week, str(wednesday + timedelta(days=4)))
    partial = {(r["object_id"], r["user_type"]): r for r in first.records if r["period_start"].startswith(week)}
    whole = {(r["object_id"], r["user_type"]): r for r in second.records if r["period_start"].startswith(week)}
    assert partial.keys() == whole.keys()
    assert all(whole[k]["count_session"] > partial[k]["count_session"] for k in whole)


def test_a_changed_report_is_extracted_again_from_the_start(shopster, caplog) -> None:
    start = today() - timedelta(days=4)
    first = sync(tap_config(shopster, start_date=str(start)))

    shopster.reset_log()
    with caplog.at_level(logging.WARNING):
        changed = sync(tap_config(shopster, {**MALLS, "comeback": "1 year"}, start_date=str(start)), first.states[-1])
    assert windows(shopster) == [(str(start), str(today() - timedelta(days=1)))]
    assert "report 'malls' (objects 101,102, daily) changed since the last run" in caplog.text
    assert {r["comeback"] for r in changed.records} == {"1 year"}
    (partition,) = changed.states[-1]["bookmarks"]["group_datetime"]["partitions"]
    assert partition["parameters"]["comeback"] == "1 year"

    shopster.reset_log()
    sync(tap_config(shopster, {**MALLS, "comeback": "1 year"}, start_date=str(start)), changed.states[-1])
    assert windows(shopster) == [(str(today() - timedelta(days=3)), str(today() - timedelta(days=1)))]
