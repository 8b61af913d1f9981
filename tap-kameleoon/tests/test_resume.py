"""Killed with SIGKILL at any point and re-run with the last emitted state: no window lost."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from kameleoon_helpers import (
    AUDIENCE_STREAMS,
    CLIENT_SECRET,
    TAP,
    expected_rows,
    parse_messages,
    run_tap,
    tap_config,
    write_json,
    yesterday,
)


def run_until_killed(config: dict, records_before_kill: int) -> list[dict]:
    """Start the tap, SIGKILL it once it has written that many RECORD lines."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        config_path = write_json(config, Path(tmp), "config.json")
        with out.open("wb") as sink:
            process = subprocess.Popen([*TAP, "--config", str(config_path)], stdout=sink, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                if out.read_bytes().count(b'"type":"RECORD"') >= records_before_kill:
                    break
                time.sleep(0.005)
            assert process.poll() is None, "the tap finished before it could be killed"
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        return parse_messages(out.read_text(encoding="utf-8"))


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

    killed = run_until_killed(config, records_before_kill)
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
