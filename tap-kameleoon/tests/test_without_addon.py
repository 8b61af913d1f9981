"""An account without the Audiences add-on still gets its sites and segments, then one clear line.

The sandbox answers ``GET /audiences/global`` with Kameleoon's 403 "Audiences add-on is not
enabled" when ``kameleoon_audiences_addon`` is off (vendor_sandbox/vendors/kameleoon).
"""

from __future__ import annotations

from kameleoon_helpers import AUDIENCE_STREAMS, run_tap, tap_config, vendor_requests


def test_sites_and_segments_come_first_then_one_line_about_the_addon(sandbox_factory) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_audiences_addon=False)
    # A bookmark from an earlier run (when the account had the add-on) must survive this run.
    earlier = {"bookmarks": {"audience_global_stats": {"partitions": [{"context": {"siteId": 1}, "progress": "x"}]}}}
    run = run_tap(tap_config(sandbox), state=earlier)

    assert run.returncode == 1
    truth = sandbox.kameleoon.data
    assert {r["id"] for r in run.records("sites")} == {site["id"] for site in truth.sites(0)}
    assert len(run.records("segments")) == sum(len(truth.segments(site["id"])) for site in truth.sites(0))
    assert not any(run.records(stream) for stream in AUDIENCE_STREAMS)
    # The segments were asked for before any audience request.
    paths = [r.path for r in vendor_requests(sandbox)]
    assert paths.index("/kameleoon/segments/search") < paths.index("/kameleoon/audiences/global")
    # Their end is in the state, and the earlier bookmark with it.
    last_segment = max(i for i, m in enumerate(run.messages) if m["type"] == "RECORD" and m["stream"] == "segments")
    after = [m["value"] for m in run.messages[last_segment:] if m["type"] == "STATE"]
    assert after
    assert after[-1]["bookmarks"]["audience_global_stats"] == earlier["bookmarks"]["audience_global_stats"]
    # One line says what happened and what to do; it is the run's last, and there is no traceback.
    lines = run.stderr.strip().splitlines()
    assert "tap-kameleoon stopped: " in lines[-1]
    assert "Audiences add-on is not enabled for this account" in lines[-1]
    assert "deselect the audience_* streams" in lines[-1]
    assert sum("Audiences add-on" in line for line in lines) == 1
    assert "Traceback" not in run.stderr
