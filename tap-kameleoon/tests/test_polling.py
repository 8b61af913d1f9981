"""The request → poll flow: back-off, ERROR, timeout, and resuming an in-flight data code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kameleoon_helpers import expected_rows, run_tap, tap_config, vendor_requests, yesterday


def test_each_data_code_is_polled_until_ready_and_no_more(sandbox_factory) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=4)
    run = run_tap(tap_config(sandbox, poll_max_interval_seconds=0.05))

    assert run.returncode == 0, run.stderr
    codes = [r.query["dataCode"] for r in vendor_requests(sandbox, "/audiences/poll")]
    requested = len(vendor_requests(sandbox, "/audiences/global"))
    assert requested == 2  # one window, two sites
    assert sorted(codes.count(code) for code in set(codes)) == [5, 5]  # 4 × WAITING, then READY
    assert len(run.records("audience_global_stats")) == 2


def test_status_error_fails_naming_the_data_code_and_the_vendor_reason(sandbox_factory) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_poll_outcome="error")
    run = run_tap(tap_config(sandbox))

    assert run.returncode == 1
    code = vendor_requests(sandbox, "/audiences/poll")[0].query["dataCode"]
    assert f"Kameleoon data code {code} failed at the vendor: Statistics computation failed" in run.stderr
    assert "window" in run.stderr and "Traceback" not in run.stderr
    assert run.records("audience_global_stats") == []
    # The failed code is not kept for a resume, and no bookmark moved. The other site's
    # window was requested ahead of it: its code is kept for the next run to poll.
    pending = [e["dataCode"] for p in run.partitions().values() for e in p.get("pending", [])]
    assert code not in pending
    assert len(pending) == len(vendor_requests(sandbox, "/audiences/global")) - 1 == 1
    for partition in run.partitions().values():
        assert "replication_key_value" not in partition


def test_never_ready_times_out_naming_the_data_code_and_keeps_it_for_the_next_run(sandbox_factory) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_poll_outcome="never")
    run = run_tap(tap_config(sandbox, poll_timeout_seconds=1))

    assert run.returncode == 1
    code = vendor_requests(sandbox, "/audiences/poll")[0].query["dataCode"]
    assert f"Kameleoon data code {code} was still not finished after" in run.stderr
    assert "poll_timeout_seconds" in run.stderr
    assert "the next run polls it again" in run.stderr and "Traceback" not in run.stderr
    (pending,) = next(iter(run.partitions().values()))["pending"]
    assert pending["dataCode"] == code
    assert pending["analyticsLevel"] == "VISITOR"


def test_an_interrupted_data_code_is_resumed_not_requested_again(sandbox_factory) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_poll_outcome="never")
    config = tap_config(sandbox, poll_timeout_seconds=1)
    first = run_tap(config)
    assert first.returncode == 1
    state = first.states[-1]
    pending_code = next(iter(first.partitions().values()))["pending"][0]["dataCode"]

    sandbox.kameleoon.poll_outcome = "ready"
    sandbox.reset_log()
    second = run_tap(config, state=state)

    assert second.returncode == 0, second.stderr
    assert f"Resuming data code {pending_code}" in second.stderr
    # Both sites' windows were in flight when the first run stopped: both are polled
    # again, none is requested again.
    pending_codes = {e["dataCode"] for p in first.partitions().values() for e in p["pending"]}
    assert len(pending_codes) == 2
    assert {r.query["dataCode"] for r in vendor_requests(sandbox, "/audiences/poll")} == pending_codes
    assert vendor_requests(sandbox, "/audiences/global") == []
    assert len(second.records("audience_global_stats")) == 2
    assert all("pending" not in p for p in second.partitions().values())


def test_a_later_windows_code_waits_while_lookback_windows_are_read_again(sandbox_factory) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=1)
    start = yesterday() - timedelta(days=13)
    config = tap_config(sandbox, start_date=str(start), window_days=7, lookback_days=0, poll_timeout_seconds=1)
    first = run_tap({**config, "end_date": str(start + timedelta(days=6))})  # the first window only
    assert first.returncode == 0, first.stderr
    sandbox.kameleoon.poll_outcome = "never"
    interrupted = run_tap(config, state=first.states[-1])  # the second window times out
    assert interrupted.returncode == 1
    site, partition = next((s, p) for s, p in interrupted.partitions().items() if "pending" in p)
    (pending,) = partition["pending"]
    assert pending["windowStart"] == f"{start + timedelta(days=7)}T00:00:00Z"

    sandbox.kameleoon.poll_outcome = "ready"
    sandbox.reset_log()
    resumed = run_tap({**config, "lookback_days": 2}, state=interrupted.states[-1])

    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming data code {pending['dataCode']}" in resumed.stderr
    requested = [(r.query["siteId"], r.query["startDate"][:10]) for r in vendor_requests(sandbox, "/audiences/global")]
    # Every site: the lookback window again, the second one resumed (both sites' second
    # windows were in flight when the interrupted run stopped).
    assert all("pending" in p for p in interrupted.partitions().values())
    assert sorted(requested) == sorted((str(s), str(start)) for s in [site, *_others(sandbox, site)])
    assert all("pending" not in p for p in resumed.partitions().values())


def _others(sandbox, site_id: int) -> list[int]:
    return [s["id"] for s in sandbox.kameleoon.data.sites(0) if s["id"] != site_id]


def _state_with_pending(site_id: int, code: str, requested_at: datetime) -> dict:
    start = yesterday() - timedelta(days=6)
    return {
        "bookmarks": {
            "audience_global_stats": {
                "partitions": [
                    {
                        "context": {"siteId": site_id},
                        "pending": [
                            {
                                "dataCode": code,
                                "windowStart": f"{start}T00:00:00Z",
                                "windowEnd": f"{yesterday() + timedelta(days=1)}T00:00:00Z",
                                "analyticsLevel": "VISITOR",
                                "requestedAt": requested_at.isoformat(),
                            }
                        ],
                    }
                ]
            }
        }
    }


def test_a_data_code_the_vendor_forgot_is_requested_again(fast_sandbox) -> None:
    site_id = fast_sandbox.kameleoon.data.sites(0)[0]["id"]
    state = _state_with_pending(site_id, "0123456789abcdef", datetime.now(UTC))
    run = run_tap(tap_config(fast_sandbox), state=state)

    assert run.returncode == 0, run.stderr
    assert "no longer knows data code 0123456789abcdef" in run.stderr
    assert len(vendor_requests(fast_sandbox, "/audiences/global")) == 2
    expected = expected_rows(fast_sandbox, yesterday() - timedelta(days=6), yesterday(), 7)
    assert len(run.records("audience_segment_stats")) == expected["audience_segment_stats"]


def test_a_data_code_older_than_the_max_age_is_not_resumed(fast_sandbox) -> None:
    site_id = fast_sandbox.kameleoon.data.sites(0)[0]["id"]
    state = _state_with_pending(site_id, "0123456789abcdef", datetime.now(UTC) - timedelta(hours=2))
    run = run_tap(tap_config(fast_sandbox, data_code_max_age_minutes=60), state=state)

    assert run.returncode == 0, run.stderr
    assert "0123456789abcdef" not in {r.query.get("dataCode") for r in vendor_requests(fast_sandbox)}
    assert len(vendor_requests(fast_sandbox, "/audiences/global")) == 2


@pytest.mark.parametrize("fault", ["kameleoon:malformed@5", "kameleoon:truncate@5", "kameleoon:status=500@5"])
def test_a_broken_poll_answer_is_retried(fast_sandbox, fault) -> None:
    # The 6th request: token, sites, segments, both sites' requests (the second one ahead), then the first poll.
    fast_sandbox.add_fault(fault)
    run = run_tap(tap_config(fast_sandbox))

    assert run.returncode == 0, run.stderr
    broken = [r for r in vendor_requests(fast_sandbox) if r.fault]
    assert [r.path.rsplit("/", 1)[-1] for r in broken] == ["poll"]
    assert len(run.records("audience_global_stats")) == 2
