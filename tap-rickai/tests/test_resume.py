"""Killed with SIGKILL at any point and re-run with the last emitted state: no gaps."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from rickai_helpers import TAP, record_keys, run_tap, tap_config, truth_keys

from vendor_testing.singer_testing import run_until_killed


@pytest.mark.parametrize("records_before_kill", [1, 180, 420, 700])
def test_kill_and_resume_loses_nothing(sandbox_factory, latest, records_before_kill) -> None:
    sandbox = sandbox_factory(rate_limit=False, rickai_sessions_per_day=250)
    first = latest - timedelta(days=3)
    config = tap_config(
        sandbox, start_date=str(first), end_date=str(latest), lookback_days=0, min_request_interval_seconds=0.05
    )

    killed = run_until_killed(TAP, config, records_before_kill)
    states = [m["value"] for m in killed if m["type"] == "STATE"]
    resumed = run_tap(config, state=states[-1] if states else None)

    assert resumed.returncode == 0, resumed.stderr
    emitted = record_keys([m["record"] for m in killed if m["type"] == "RECORD"]) + record_keys(resumed.records)
    assert set(emitted) == truth_keys(sandbox, first, latest)
    if states:
        bookmark = states[-1]["bookmarks"]["sessions"]["replication_key_value"]
        # The resumed run starts at the bookmarked day: nothing before it again.
        assert min(r["date"] for r in resumed.records) == bookmark
        assert json.dumps(states[-1]).count("sandbox-rickai-token") == 0
