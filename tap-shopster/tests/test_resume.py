"""Killed with SIGKILL at any point and re-run with the last emitted state: no gaps, per report."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest
from shopster_helpers import MALLS, TAP, TOKEN, run_tap, tap_config, today, truth

from vendor_testing.singer_testing import run_until_killed

WEEKS = {"name": "weeks", "objects": [10111, 10112], "interval": "weekly"}


@pytest.mark.parametrize("records_before_kill", [1, 130, 300])
def test_kill_and_resume_loses_nothing(shopster, records_before_kill) -> None:
    end = today() - timedelta(days=1)
    start = end - timedelta(days=20)
    config = tap_config(
        shopster, MALLS, WEEKS, start_date=str(start), lookback_days=0, min_request_interval_seconds=0.05
    )

    killed = run_until_killed(TAP, config, records_before_kill)
    states = [m["value"] for m in killed if m["type"] == "STATE"]
    resumed = run_tap(config, state=states[-1] if states else None)

    assert resumed.returncode == 0, resumed.stderr
    records = [m["record"] for m in killed if m["type"] == "RECORD"] + resumed.records
    for report, first in ((MALLS, start), (WEEKS, start - timedelta(days=start.weekday()))):
        got = {(r["object_id"], r["user_type"], r["datetime"]) for r in records if r["report"] == report["name"]}
        assert got == set(truth(shopster, report, first, end)), report["name"]
    if states:
        parts = states[-1]["bookmarks"]["group_datetime"].get("partitions", [])
        bookmarks = {p["context"]["report"]: p.get("replication_key_value") for p in parts}
        if bookmarks.get("malls"):
            # The resumed run starts at the bookmark: no completed window again.
            again = [r["period_start"] for r in resumed.records if r["report"] == "malls"]
            assert not again or min(again) >= bookmarks["malls"]
        assert TOKEN not in json.dumps(states)


def test_a_killed_runs_bookmark_never_passes_a_window_not_wholly_emitted(shopster) -> None:
    start = today() - timedelta(days=15)
    config = tap_config(shopster, MALLS, start_date=str(start), window_days=5, min_request_interval_seconds=0.05)
    killed = run_until_killed(TAP, config, 100)  # 70 rows a window: after the first one
    rows_per_day = Counter(r["record"]["period_start"][:10] for r in killed if r["type"] == "RECORD")
    states = [m["value"] for m in killed if m["type"] == "STATE"]
    bookmark = states[-1]["bookmarks"]["group_datetime"]["partitions"][0]["replication_key_value"]
    last = date.fromisoformat(bookmark[:10])
    assert last >= start + timedelta(days=5)
    days = [start + timedelta(days=n) for n in range((last - start).days)]
    assert [rows_per_day[str(day)] for day in days] == [2 * 7] * len(days)
