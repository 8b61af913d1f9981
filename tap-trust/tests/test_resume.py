"""History mode killed with SIGKILL at any point and re-run with the last emitted state: no day lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from trust_helpers import CLIENT_SECRET, TAP, expected_daily, history_config, run_tap, today

from vendor_testing.singer_testing import run_until_killed

DAYS = 8


@pytest.mark.parametrize("records_before_kill", [5, 20, 30])  # 13 campaigns first, then 24 days
def test_kill_and_resume_loses_no_day(trust_sandbox, records_before_kill) -> None:
    sandbox = trust_sandbox()
    config = history_config(sandbox, days=DAYS, lookback_days=0, min_request_interval_seconds=0.03)

    killed = run_until_killed(TAP, config, records_before_kill)
    states = [m["value"] for m in killed if m["type"] == "STATE"]
    resumed = run_tap(config, state=states[-1] if states else None)

    assert resumed.returncode == 0, resumed.stderr
    rows = [m["record"] for m in killed if m["type"] == "RECORD" and m["stream"] == "daily_statistics"]
    emitted = {(r["company_id"], r["date"]) for r in rows}
    emitted |= {(r["company_id"], r["date"]) for r in resumed.records("daily_statistics")}
    assert emitted == set(expected_daily(sandbox, today() - timedelta(days=DAYS - 1), today()))
    if states:
        assert CLIENT_SECRET not in str(states[-1])
        bookmarks = {
            p["context"]["company_id"]: p["replication_key_value"]
            for p in states[-1]["bookmarks"].get("daily_statistics", {}).get("partitions", [])
            if p.get("replication_key_value")
        }
        # The resumed run starts at each bookmarked day (lookback 0): nothing before it again.
        for row in resumed.records("daily_statistics"):
            assert row["date"] >= bookmarks.get(row["company_id"], "")
        if records_before_kill > 13:  # killed inside the statistics: a company was bookmarked mid-way
            assert bookmarks
