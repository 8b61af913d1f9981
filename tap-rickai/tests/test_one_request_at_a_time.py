"""Rick.ai runs one request per token at a time, and keeps running one a client gave up on.

The strict sandbox enforces it (1 in flight, 1 s apart per token); its `slow` fault keeps a
request running (and its slot taken) after the tap's timeout, as Rick.ai does.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from rickai_helpers import TAP, TOKEN, record_keys, run_tap, session_requests, tap_config, truth_keys

from vendor_testing.singer_testing import parse_messages, write_json


def test_a_request_abandoned_after_a_timeout_is_waited_for_not_counted_as_failures(sandbox_factory, latest) -> None:
    sandbox = sandbox_factory(rickai_sessions_per_day=50)
    sandbox.add_fault("rickai:slow=4")  # Rick.ai works 4 s on it; the tap gives up after 1 s
    config = tap_config(
        sandbox,
        start_date=str(latest),
        end_date=str(latest),
        request_timeout_seconds=1,
        running_request_wait_seconds=10,
        max_tries=2,  # the timeout is one try; the 429s that follow are not
    )
    run = run_tap(config)

    assert run.returncode == 0, run.stderr
    assert set(record_keys(run.records)) == truth_keys(sandbox, latest, latest)
    refused = [r for r in session_requests(sandbox) if r.status == 429]
    assert refused and all(r.rate_limited == "in_flight" for r in refused)  # it was still running
    assert (
        "Rick.ai is still running an earlier request with these credentials (Rick.ai answered 429 to GET "
    ) in run.stderr
    assert "waiting for it to finish, up to 10 s" in run.stderr
    assert "Rick.ai finished the earlier request; went on after waiting" in run.stderr


def test_the_wait_for_a_running_request_is_bounded(sandbox_factory, latest) -> None:
    sandbox = sandbox_factory(rickai_sessions_per_day=50)
    sandbox.add_fault("rickai:slow=10")
    # No running_request_wait_seconds: the wait defaults to the request timeout.
    config = tap_config(sandbox, start_date=str(latest), end_date=str(latest), request_timeout_seconds=2, max_tries=2)
    started = time.monotonic()
    run = run_tap(config)

    assert run.returncode == 1
    assert time.monotonic() - started < 10  # it gave up after the wait, not when Rick.ai finished
    assert "waiting for it to finish, up to 2 s" in run.stderr
    assert "tap-rickai stopped: Rick.ai answered 429 to GET " in run.stderr
    assert "request with this token already running; still so after waiting 2 s" in run.stderr
    assert "Another process or machine may be using the same credentials" in run.stderr
    assert run.bookmark is None and TOKEN not in run.stdout + run.stderr


def test_two_processes_sharing_a_token_take_turns(sandbox_factory, latest) -> None:
    sandbox = sandbox_factory(rickai_sessions_per_day=50)
    sandbox.add_fault("rickai:slow=0.3x*")
    first = latest - timedelta(days=3)
    config = tap_config(sandbox, start_date=str(first), end_date=str(latest), max_tries=2)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_json(config, Path(tmp), "config.json")
        taps = [
            subprocess.Popen([*TAP, "--config", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [tap.communicate(timeout=120) for tap in taps]

    for tap, (stdout, stderr) in zip(taps, outputs, strict=True):
        assert tap.returncode == 0, stderr
        records = [m["record"] for m in parse_messages(stdout) if m["type"] == "RECORD"]
        assert set(record_keys(records)) == truth_keys(sandbox, first, latest)
    stats = sandbox.stats()["vendors"]["rickai"]
    assert stats["rate_limited_429"] == 0  # they coordinated instead of colliding
    assert stats["requests"] == 8  # four days each, one page a day
