"""A cut or corrupted answer is a transient fault of an idempotent request; a body is checked before it is trusted."""

from __future__ import annotations

import re
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from kameleoon_helpers import CLIENT_SECRET, TAP, TapRun, expected_rows, run_tap, tap_config, vendor_requests, yesterday

from vendor_testing.singer_testing import parse_messages, write_json


def run_with_catalog(config: dict, catalog: dict) -> TapRun:
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            *TAP,
            "--config",
            str(write_json(config, Path(tmp), "config.json")),
            "--catalog",
            str(write_json(catalog, Path(tmp), "catalog.json")),
        ]
        result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    return TapRun(result.returncode, result.stdout, result.stderr, parse_messages(result.stdout))


@pytest.mark.parametrize(
    ("fault", "path"),
    [
        ("kameleoon:malformed", "/oauth/token"),
        ("kameleoon:truncate", "/oauth/token"),
        ("kameleoon:malformed@1", "/sites"),
        ("kameleoon:truncate@1", "/sites"),
        ("kameleoon:malformed@2", "/segments/search"),
        ("kameleoon:truncate,fraction=0.9@2", "/segments/search"),
    ],
)
def test_a_corrupt_or_cut_answer_is_asked_again(fast_sandbox, sites_and_segments_catalog, fault, path) -> None:
    fast_sandbox.add_fault(fault)
    run = run_with_catalog(tap_config(fast_sandbox), sites_and_segments_catalog)

    assert run.returncode == 0, run.stderr
    assert [r.fault is not None for r in vendor_requests(fast_sandbox, path)] == [True, False]
    data = fast_sandbox.kameleoon.data
    sites = data.sites(0)
    assert sorted(r["id"] for r in run.records("sites")) == sorted(site["id"] for site in sites)
    segments = [segment["id"] for site in sites for segment in data.segments(site["id"])]
    assert sorted(r["id"] for r in run.records("segments")) == sorted(segments)
    assert "retrying in" in run.stderr


@pytest.mark.parametrize(
    ("fault", "request_line"),
    [
        # The token request is named by the path as sent (the sandbox serves Kameleoon under /kameleoon).
        ("kameleoon:malformedx*", "the token request POST /kameleoon/oauth/token"),
        ("kameleoon:malformedx*@1", "GET {url}/sites"),
        ("kameleoon:malformedx*@2", "POST {url}/segments/search"),
    ],
)
def test_when_the_tries_run_out_the_request_is_named(
    fast_sandbox, sites_and_segments_catalog, fault, request_line
) -> None:
    fast_sandbox.add_fault(fault)
    run = run_with_catalog(tap_config(fast_sandbox, max_tries=2), sites_and_segments_catalog)

    assert run.returncode == 1
    line = request_line.format(url=fast_sandbox.vendor_url("kameleoon"))
    assert f"tap-kameleoon stopped: Kameleoon answered 200 to {line} with a body that is not valid JSON" in run.stderr
    assert "Traceback" not in run.stderr and CLIENT_SECRET not in run.stdout + run.stderr


def test_a_corrupt_data_code_never_reaches_state_or_a_poll(fast_sandbox) -> None:
    # Request 3 (after token, sites, segments) is the first GET /audiences/global: its answer
    # becomes '<"dataCode": "…"}'.
    fast_sandbox.add_fault("kameleoon:malformed@3")
    run = run_tap(tap_config(fast_sandbox))

    assert run.returncode == 0, run.stderr
    (corrupt, *_) = vendor_requests(fast_sandbox, "/audiences/global")
    assert corrupt.fault == "malformed"
    pending = [entry["dataCode"] for state in run.states for entry in _pending_entries(state)]
    assert pending and all(re.fullmatch(r"[0-9a-f]{32}", code) for code in pending)  # the sandbox's codes
    polled = [r.query["dataCode"] for r in vendor_requests(fast_sandbox, "/audiences/poll")]
    assert all(re.fullmatch(r"[0-9a-f]{32}", code) for code in polled)
    assert all(r.status == 200 for r in vendor_requests(fast_sandbox, "/audiences/poll"))
    start = yesterday() - timedelta(days=6)
    assert (
        len(run.records("audience_global_stats"))
        == expected_rows(fast_sandbox, start, yesterday(), 7)["audience_global_stats"]
    )


def _pending_entries(state: dict) -> list[dict]:
    partitions = state.get("bookmarks", {}).get("audience_global_stats", {}).get("partitions", [])
    return [entry for partition in partitions for entry in partition.get("pending", [])]
