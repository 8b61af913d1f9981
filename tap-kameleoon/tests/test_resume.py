"""Stopped at any point (SIGKILL, status ERROR) and re-run with the last STATE: the interrupted
site's bookmark is the end of its last fully emitted window, the next run requests only the
windows from there minus ``lookback_days`` (and polls the data codes still pending), and no
row is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import typing as t
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from kameleoon_helpers import (
    AUDIENCE_STREAMS,
    CLIENT_SECRET,
    TAP,
    run_tap,
    tap_config,
    vendor_requests,
    windows,
    yesterday,
)

from vendor_testing.singer_testing import parse_messages, run_until_killed, write_json

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from vendor_sandbox import SandboxServer

KEYS = {
    "audience_global_stats": ("siteId", "windowStart"),
    "audience_segment_stats": ("siteId", "windowStart", "segmentId"),
    "audience_period_stats": ("siteId", "startDateTime"),
    "audience_breakdown_stats": ("siteId", "windowStart", "breakdownKind", "breakdownValue", "segmentId"),
}
Window = tuple[int, datetime]  # (site id, first instant)


def keys(messages: list[dict], stream: str) -> set[tuple]:
    return {
        tuple(m["record"][f] for f in KEYS[stream]) for m in messages if m.get("stream") == stream and "record" in m
    }


def moment(value: str) -> datetime:
    """A timestamp the tap wrote (with or without an offset) as an aware UTC instant."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def window_rows(sandbox: SandboxServer, site_id: int, first: datetime, after: datetime) -> int:
    """Rows of all four streams the sandbox holds for one window."""
    payload = sandbox.kameleoon.data.payload(site_id, first, after, "VISITOR")
    breakdowns = payload["breakdownData"].values()
    return (
        1
        + len(payload["segmentStats"])
        + len(payload["periodStats"])
        + sum(len(items) for part in breakdowns for items in part.values())
    )


def complete_before_last_state(sandbox: SandboxServer, messages: list[dict], start: date, days: int) -> dict:
    """Site id → the end of its last window whose rows were all out before the last STATE."""
    sizes = {
        (site["id"], first): (after, window_rows(sandbox, site["id"], first, after))
        for site in sandbox.kameleoon.data.sites(0)
        for first, after in windows(start, yesterday(), days)
    }
    seen: dict[Window, int] = {}
    complete: dict[int, datetime] = {}
    at_last_state: dict[int, datetime] = {}
    for message in messages:
        if message["type"] == "RECORD" and message["stream"] in AUDIENCE_STREAMS:
            window = (message["record"]["siteId"], moment(message["record"]["windowStart"]))
            seen[window] = seen.get(window, 0) + 1
            after, size = sizes[window]
            if seen[window] == size:
                assert complete.get(window[0], after) <= after, "windows of a site out of order"
                complete[window[0]] = after
        elif message["type"] == "STATE":
            at_last_state = dict(complete)
    return at_last_state


def partitions(state: dict) -> dict[int, dict]:
    audiences = state["bookmarks"].get("audience_global_stats", {})  # none yet after sites and segments
    return {p["context"]["siteId"]: p for p in audiences.get("partitions", [])}


def bookmarks(state: dict) -> dict[int, datetime]:
    found = {}
    for site_id, partition in partitions(state).items():
        assert "progress_markers" not in partition, partition
        if "replication_key_value" in partition:
            assert partition["replication_key"] == "windowEnd"
            found[site_id] = moment(partition["replication_key_value"])
    return found


def pending_windows(state: dict) -> dict[Window, str]:
    return {
        (site_id, moment(entry["windowStart"])): entry["dataCode"]
        for site_id, partition in partitions(state).items()
        for entry in partition.get("pending", [])
    }


def expected_requests(sandbox: SandboxServer, state: dict, start: date, days: int, lookback: int) -> set[Window]:
    """The windows a run from ``state`` must request: from each bookmark minus the lookback,
    except those whose data code is pending (polled instead)."""
    marks = bookmarks(state)
    wanted = set()
    for site in sandbox.kameleoon.data.sites(0):
        mark = marks.get(site["id"])
        first = (
            max(datetime(start.year, start.month, start.day, tzinfo=UTC), mark - timedelta(days=lookback))
            if mark
            else None
        )
        wanted |= {(site["id"], f) for f, after in windows(start, yesterday(), days) if first is None or after > first}
    return wanted - set(pending_windows(state))


def requested(sandbox: SandboxServer) -> list[Window]:
    return [
        (int(r.query["siteId"]), datetime.fromisoformat(r.query["startDate"]).replace(tzinfo=UTC))
        for r in vendor_requests(sandbox, "/audiences/global")
    ]


def assert_resumes_exactly(
    sandbox: SandboxServer, config: dict, stopped: list[dict], start: date, days: int, lookback: int
) -> None:
    """Re-run from the last STATE of ``stopped``: the expected requests exactly, pending codes polled, no row lost."""
    state = [m["value"] for m in stopped if m["type"] == "STATE"][-1]
    assert CLIENT_SECRET not in str(state)
    sandbox.kameleoon.window_outcomes.clear()
    sandbox.reset_log()
    resumed = run_tap(config, state=state)

    assert resumed.returncode == 0, resumed.stderr
    made = requested(sandbox)
    assert len(made) == len(set(made))
    assert set(made) == expected_requests(sandbox, state, start, days, lookback)
    polled = {r.query["dataCode"] for r in vendor_requests(sandbox, "/audiences/poll")}
    assert set(pending_windows(state).values()) <= polled
    truth = {stream: 0 for stream in AUDIENCE_STREAMS}
    for site in sandbox.kameleoon.data.sites(0):
        for first, after in windows(start, yesterday(), days):
            payload = sandbox.kameleoon.data.payload(site["id"], first, after, "VISITOR")
            truth["audience_global_stats"] += 1
            truth["audience_segment_stats"] += len(payload["segmentStats"])
            truth["audience_period_stats"] += len(payload["periodStats"])
            truth["audience_breakdown_stats"] += sum(
                len(items) for part in payload["breakdownData"].values() for items in part.values()
            )
    for stream in AUDIENCE_STREAMS:
        assert len(keys(stopped, stream) | keys(resumed.messages, stream)) == truth[stream], stream
    ends = {site["id"]: windows(start, yesterday(), days)[-1][1] for site in sandbox.kameleoon.data.sites(0)}
    assert bookmarks(resumed.states[-1]) == ends
    assert pending_windows(resumed.states[-1]) == {}


def kill_when(
    config: dict, ready: Callable[[list[dict]], bool], *, settle: float = 0.4, timeout: float = 60
) -> list[dict]:
    """Run the tap; SIGKILL it ``settle`` seconds after ``ready(messages so far)`` first holds."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        args = [*TAP, "--config", str(write_json(config, Path(tmp), "config.json"))]
        with out.open("wb") as sink:
            process = subprocess.Popen(args, stdout=sink, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while not ready(parse_messages(out.read_text(encoding="utf-8"))):
                assert process.poll() is None, "the tap ended before the point to kill it at"
                assert time.monotonic() < deadline, "the tap never reached the point to kill it at"
                time.sleep(0.01)
            time.sleep(settle)  # whatever it could still write is written
            assert process.poll() is None, "the tap ended before it could be killed"
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        return parse_messages(out.read_text(encoding="utf-8"))


# Four windows of two days per site, two sites; the lookback reaches back one window.
DAYS, LOOKBACK = 2, 2


def first_day() -> date:
    return yesterday() - timedelta(days=7)


def held_window(sandbox: SandboxServer, site_index: int, window_index: int) -> tuple[int, datetime, datetime]:
    site_id = sandbox.kameleoon.data.sites(0)[site_index]["id"]
    first, after = windows(first_day(), yesterday(), DAYS)[window_index]
    return site_id, first, after


@pytest.mark.parametrize(("site_index", "window_index"), [(0, 2), (0, 0), (1, 1), (1, 3)])
def test_killed_inside_a_site_resumes_from_its_last_complete_window(sandbox_factory, site_index, window_index) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=1)
    site_id, held, _ = held_window(sandbox, site_index, window_index)
    sandbox.kameleoon.window_outcomes[(site_id, held.date().isoformat())] = "never"  # Kameleoon still computing
    config = tap_config(
        sandbox, start_date=str(first_day()), window_days=DAYS, lookback_days=LOOKBACK, poll_interval_seconds=0.05
    )

    # The exact bookmark at the kill: the end of the window before the held one (none for the first).
    previous = windows(first_day(), yesterday(), DAYS)[window_index - 1][1] if window_index else None

    def held_and_polled(messages: list[dict]) -> bool:
        # Jobs overlap: the held window's code may be polled before the window ahead of it is
        # emitted, so the kill waits for that too (the held window itself never completes).
        states = [m["value"] for m in messages if m["type"] == "STATE"]
        code = pending_windows(states[-1]).get((site_id, held)) if states else None
        return (
            code is not None
            and bookmarks(states[-1]).get(site_id) == previous
            and any(r.query.get("dataCode") == code for r in vendor_requests(sandbox, "/poll"))
        )

    killed = kill_when(config, held_and_polled)
    state = [m["value"] for m in killed if m["type"] == "STATE"][-1]

    marks = bookmarks(state)
    assert marks.get(site_id) == previous
    assert marks == complete_before_last_state(sandbox, killed, first_day(), DAYS)
    # Sites before it are complete; the held window's data code waits in its pending list.
    for other in sandbox.kameleoon.data.sites(0)[:site_index]:
        assert marks[other["id"]] == windows(first_day(), yesterday(), DAYS)[-1][1]
    assert (site_id, held) in pending_windows(state)

    assert_resumes_exactly(sandbox, config, killed, first_day(), DAYS, LOOKBACK)


@pytest.mark.parametrize(("site_index", "window_index"), [(0, 2), (1, 0)])
def test_an_error_on_one_window_keeps_the_bookmark_of_the_window_before(
    sandbox_factory, site_index, window_index
) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=1)
    site_id, failing, _ = held_window(sandbox, site_index, window_index)
    sandbox.kameleoon.window_outcomes[(site_id, failing.date().isoformat())] = "error"
    config = tap_config(
        sandbox, start_date=str(first_day()), window_days=DAYS, lookback_days=LOOKBACK, poll_interval_seconds=0.05
    )
    failed = run_tap(config)

    assert failed.returncode == 1
    assert "failed at the vendor: Statistics computation failed" in failed.stderr
    assert f"window {failing.strftime('%Y-%m-%d')}" in failed.stderr and "Traceback" not in failed.stderr
    state = failed.states[-1]
    marks = bookmarks(state)
    previous = windows(first_day(), yesterday(), DAYS)[window_index - 1][1] if window_index else None
    assert marks.get(site_id) == previous
    assert marks == complete_before_last_state(sandbox, failed.messages, first_day(), DAYS)
    # The failed code is dropped; codes requested ahead of it are kept for the next run.
    assert (site_id, failing) not in pending_windows(state)
    assert all(first > failing or site != site_id for site, first in pending_windows(state))

    assert_resumes_exactly(sandbox, config, failed.messages, first_day(), DAYS, LOOKBACK)


@pytest.mark.parametrize("records_before_kill", [1, 40, 100, 115])  # 6 windows of 21 rows
def test_killed_at_any_record_resumes_exactly(sandbox_factory, records_before_kill) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=1)
    start = yesterday() - timedelta(days=5)
    config = tap_config(sandbox, start_date=str(start), window_days=2, lookback_days=0, poll_interval_seconds=0.05)

    # Counted in the audience streams: sites and segments come first and end with a STATE.
    killed = run_until_killed(TAP, config, records_before_kill, streams="audience_")
    states = [m["value"] for m in killed if m["type"] == "STATE"]
    assert states, "killed before the first STATE"
    assert bookmarks(states[-1]) == complete_before_last_state(sandbox, killed, start, 2)

    assert_resumes_exactly(sandbox, config, killed, start, 2, 0)
