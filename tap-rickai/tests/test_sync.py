"""Paging, day windows, lookback, clamping, the rate budget and STATE, end to end."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

from rickai_helpers import (
    COMPANY,
    record_keys,
    run_tap,
    session_requests,
    tap_config,
    truth_keys,
)

FAST = {"min_request_interval_seconds": 0}


def test_pages_a_day_until_total_without_an_extra_request(fast_sandbox, latest) -> None:
    day = latest - timedelta(days=1)
    run = run_tap(tap_config(fast_sandbox, start_date=str(day), end_date=str(day), **FAST))

    assert run.returncode == 0, run.stderr
    truth = fast_sandbox.rickai.keys(COMPANY, day, day)
    assert record_keys(run.records) == [tuple(k) for k in truth]  # same rows, same order
    offsets = [int(r.query["offset"]) for r in session_requests(fast_sandbox)]
    assert offsets == list(range(0, len(truth), 100))
    assert len(offsets) == math.ceil(len(truth) / 100)  # no trailing empty page


def test_days_ascend_one_window_each_from_bookmark_minus_lookback(fast_sandbox, latest) -> None:
    bookmark = latest - timedelta(days=1)
    state = {"bookmarks": {"sessions": {"replication_key": "date", "replication_key_value": str(bookmark)}}}
    run = run_tap(tap_config(fast_sandbox, lookback_days=3, page_size=1000, **FAST), state=state)

    assert run.returncode == 0, run.stderr
    windows = [(r.query["start"], r.query["end"]) for r in session_requests(fast_sandbox)]
    expected = [str(bookmark - timedelta(days=n)) for n in range(3, -2, -1)]
    assert windows == [(d, d) for d in expected]
    assert run.bookmark == str(latest)
    dates = [r["date"] for r in run.records]
    assert dates == sorted(dates)


def test_defaults_and_clamping_stay_inside_what_the_api_allows(fast_sandbox) -> None:
    earliest, latest = fast_sandbox.rickai.window()
    # The default history is the documented 90 days; asking for more is clamped.
    run = run_tap(
        tap_config(
            fast_sandbox,
            start_date="2020-01-01",
            end_date=str(earliest + timedelta(days=1)),
            page_size=1000,
            **FAST,
        )
    )
    assert run.returncode == 0, run.stderr
    starts = [r.query["start"] for r in session_requests(fast_sandbox)]
    assert starts[0] >= str(earliest)  # no 400 from the vendor
    assert "Requested start 2020-01-01 is before the earliest day Rick.ai allows" in run.stderr
    assert "it keeps 90 days of sessions" in run.stderr

    fast_sandbox.reset_log()
    run = run_tap(
        tap_config(
            fast_sandbox,
            start_date=str(latest),
            end_date=str(latest + timedelta(days=30)),
            page_size=1000,
            **FAST,
        )
    )
    assert run.returncode == 0, run.stderr
    assert [r.query["end"] for r in session_requests(fast_sandbox)] == [str(latest)]
    assert (
        f"is after the latest day Rick.ai allows (its data is complete 32 hours after a day ends); ending at {latest}"
    ) in run.stderr
    assert all(r.status == 200 for r in session_requests(fast_sandbox))


def test_strict_limits_are_never_tripped_across_pages_and_days(sandbox_factory, latest) -> None:
    sandbox = sandbox_factory(rickai_sessions_per_day=250)  # 1 req/s, one in flight
    first = latest - timedelta(days=2)
    run = run_tap(tap_config(sandbox, start_date=str(first), end_date=str(latest)))

    assert run.returncode == 0, run.stderr
    stats = sandbox.stats()["vendors"]["rickai"]
    assert stats["rate_limited_429"] == 0
    assert stats["requests"] >= 6  # several pages on each of three days
    arrivals = [r.arrived for r in session_requests(sandbox)]
    assert min(b - a for a, b in itertools.pairwise(arrivals)) >= 1.0
    assert sorted(record_keys(run.records)) == sorted(truth_keys(sandbox, first, latest))


def test_state_is_written_only_after_whole_days(fast_sandbox, latest) -> None:
    first = latest - timedelta(days=3)
    run = run_tap(tap_config(fast_sandbox, start_date=str(first), end_date=str(latest), **FAST))
    assert run.returncode == 0, run.stderr

    truth = truth_keys(fast_sandbox, first, latest)
    emitted: set[tuple[str, int, str]] = set()
    bookmarks = []
    for message in run.messages:
        if message["type"] == "RECORD":
            r = message["record"]
            emitted.add((r["client_id"], r["session_count"], r["date"]))
        elif message["type"] == "STATE":
            bookmark = message["value"]["bookmarks"]["sessions"]["replication_key_value"]
            bookmarks.append(bookmark)
            # Everything up to and including the bookmarked day is out already.
            assert {k for k in truth if k[2] <= bookmark} <= emitted
            # ...and nothing of a later day had started: states come between days.
            assert all(k[2] <= bookmark for k in emitted)
    assert bookmarks == sorted(bookmarks)
    assert len(set(bookmarks)) == 4


def test_a_later_run_re_reads_the_lookback_and_sees_status_changes(fast_sandbox, latest) -> None:
    first = latest - timedelta(days=2)
    config = tap_config(fast_sandbox, start_date=str(first), lookback_days=2, page_size=1000, **FAST)
    before = run_tap(config)
    assert before.returncode == 0, before.stderr

    fast_sandbox.clock.shift(timedelta(days=5))  # five days later, statuses moved on
    fast_sandbox.reset_log()
    after = run_tap(config, state=before.states[-1])
    assert after.returncode == 0, after.stderr
    assert session_requests(fast_sandbox)[0].query["start"] == str(latest - timedelta(days=2))

    def statuses(records: list[dict]) -> dict:
        return {
            t["transaction_id"]: t["status"] for r in records if r["date"] == str(latest) for t in r["transactions"]
        }

    old, new = statuses(before.records), statuses(after.records)
    assert old.keys() == new.keys() and old  # same transactions...
    assert old != new  # ...with statuses as of the later request
