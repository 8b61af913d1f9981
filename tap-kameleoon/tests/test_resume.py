"""Killed with SIGKILL at any point and re-run with the last emitted state: no window lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from kameleoon_helpers import (
    AUDIENCE_STREAMS,
    CLIENT_SECRET,
    TAP,
    expected_rows,
    run_tap,
    tap_config,
    yesterday,
)

from vendor_testing.singer_testing import run_until_killed


def keys(messages: list[dict], stream: str) -> set[tuple]:
    fields = {
        "audience_global_stats": ("siteId", "windowStart"),
        "audience_segment_stats": ("siteId", "windowStart", "segmentId"),
        "audience_period_stats": ("siteId", "startDateTime"),
        "audience_breakdown_stats": ("siteId", "windowStart", "breakdownKind", "breakdownValue", "segmentId"),
    }[stream]
    return {tuple(m["record"][f] for f in fields) for m in messages if m["type"] == "RECORD" and m["stream"] == stream}


@pytest.mark.parametrize("records_before_kill", [1, 40, 100])
def test_kill_and_resume_loses_no_window(sandbox_factory, records_before_kill) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=1)
    start = yesterday() - timedelta(days=5)
    config = tap_config(sandbox, start_date=str(start), window_days=2, lookback_days=0, poll_interval_seconds=0.05)

    killed = run_until_killed(TAP, config, records_before_kill)
    states = [m["value"] for m in killed if m["type"] == "STATE"]
    resumed = run_tap(config, state=states[-1] if states else None)

    assert resumed.returncode == 0, resumed.stderr
    expected = expected_rows(sandbox, start, yesterday(), 2)
    for stream in AUDIENCE_STREAMS:
        assert len(keys(killed, stream) | keys(resumed.messages, stream)) == expected[stream], stream
    if states:
        assert CLIENT_SECRET not in str(states[-1])
        # The resumed run starts at the bookmark: windows before it are not extracted again.
        bookmarks = {
            p["context"]["siteId"]: p.get("replication_key_value")
            for p in states[-1]["bookmarks"]["audience_global_stats"].get("partitions", [])
        }
        for row in resumed.records("audience_global_stats"):
            bookmark = bookmarks.get(row["siteId"])
            assert bookmark is None or row["windowStart"] >= bookmark
