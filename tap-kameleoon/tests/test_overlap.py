"""Kameleoon's jobs overlapped: several data codes in flight (never more than the setting),
rows still in window order, bookmarks only over complete windows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from kameleoon_helpers import expected_rows, run_tap, tap_config, vendor_requests, yesterday


def most_in_flight(sandbox) -> int:
    """The most data codes Kameleoon was computing or holding at once: requested, READY not yet served."""
    polls = vendor_requests(sandbox, "/audiences/poll")
    ready_at = {}
    for record in polls:  # the last poll of a code is its READY one
        ready_at[record.query["dataCode"]] = record.arrived
    events = [(r.arrived, 1) for r in vendor_requests(sandbox, "/audiences/global")]
    events += [(arrived, -1) for arrived in ready_at.values()]
    most = current = 0
    for _, step in sorted(events):
        current += step
        most = max(most, current)
    return most


@pytest.mark.parametrize("in_flight", [1, 3])
def test_data_codes_are_requested_ahead_but_never_more_than_the_setting(sandbox_factory, in_flight) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=0, kameleoon_waiting_seconds=0.3)
    start = yesterday() - timedelta(days=7)
    config = tap_config(
        sandbox, start_date=str(start), window_days=2, max_data_codes_in_flight=in_flight, poll_interval_seconds=0.05
    )
    run = run_tap(config)

    assert run.returncode == 0, run.stderr
    assert most_in_flight(sandbox) == in_flight
    # Rows come out site by site, window by window, each window's bookmark after its rows.
    sites = [s["id"] for s in sandbox.kameleoon.data.sites(0)]
    rows = [(r["siteId"], r["windowStart"]) for r in run.records("audience_global_stats")]
    assert rows == sorted(rows, key=lambda row: (sites.index(row[0]), row[1]))
    assert len(rows) == expected_rows(sandbox, start, yesterday(), 2)["audience_global_stats"] == 8
    emitted: dict[int, list[str]] = {}
    for message in run.messages:
        if message["type"] == "RECORD" and message["stream"] == "audience_global_stats":
            emitted.setdefault(message["record"]["siteId"], []).append(message["record"]["windowEnd"])
        elif message["type"] == "STATE":
            for partition in message["value"]["bookmarks"].get("audience_global_stats", {}).get("partitions", []):
                mark = partition.get("replication_key_value")
                assert mark is None or mark in emitted.get(partition["context"]["siteId"], []), mark
    # Every code polled is a code requested in this run; each window requested once.
    requested = [(r.query["siteId"], r.query["startDate"]) for r in vendor_requests(sandbox, "/audiences/global")]
    assert len(requested) == len(set(requested)) == 8
    assert "assumed to be unsorted" not in run.stderr


def test_a_learned_job_time_spares_status_checks(sandbox_factory) -> None:
    # Jobs take 0.5 s; the schedule alone would check each at 0.05, 0.15, 0.35, 0.75 s.
    sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=0, kameleoon_waiting_seconds=0.5)
    start = yesterday() - timedelta(days=11)
    config = tap_config(
        sandbox, start_date=str(start), window_days=1, max_data_codes_in_flight=2, poll_interval_seconds=0.05
    )
    run = run_tap(config)

    assert run.returncode == 0, run.stderr
    polls = vendor_requests(sandbox, "/audiences/poll")
    codes = [r.query["dataCode"] for r in polls]
    per_code = [codes.count(code) for code in dict.fromkeys(codes)]
    assert len(per_code) == 24  # 12 days, two sites
    assert min(per_code[:2]) >= 3  # the first two follow the schedule, and teach
    assert sum(per_code[2:]) <= 1.5 * len(per_code[2:])  # then mostly one check each (a few probes)


def test_a_second_sync_of_the_same_tap_extracts_again(fast_sandbox, capsys) -> None:
    from tap_kameleoon.tap import TapKameleoon
    from vendor_testing.singer_testing import parse_messages

    tap = TapKameleoon(config=tap_config(fast_sandbox, window_days=3))
    tap.sync_all()
    tap.sync_all()
    rows = [m for m in parse_messages(capsys.readouterr().out) if m.get("stream") == "audience_global_stats"]
    records = [m["record"] for m in rows if m["type"] == "RECORD"]
    first = expected_rows(fast_sandbox, yesterday() - timedelta(days=6), yesterday(), 3)["audience_global_stats"]
    # The second sync starts from the first one's bookmarks minus the 2-day lookback.
    again = expected_rows(fast_sandbox, yesterday() - timedelta(days=3), yesterday(), 3)["audience_global_stats"]
    assert (first, again) == (6, 4)
    assert len(records) == first + again
