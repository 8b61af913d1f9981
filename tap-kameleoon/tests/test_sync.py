"""A full run against the sandbox: every row the sandbox holds, named and typed; site selection."""

from __future__ import annotations

from datetime import timedelta

from kameleoon_helpers import (
    AUDIENCE_STREAMS,
    CLIENT_SECRET,
    expected_rows,
    run_tap,
    tap_config,
    vendor_requests,
    yesterday,
)


def test_full_run_emits_every_row_the_sandbox_holds(fast_sandbox) -> None:
    start = yesterday() - timedelta(days=9)
    config = tap_config(
        fast_sandbox, start_date=str(start), window_days=7, analytics_level="VISIT", segments_page_size=3
    )
    run = run_tap(config)

    assert run.returncode == 0, run.stderr
    expected = expected_rows(fast_sandbox, start, yesterday(), 7, "VISIT")
    for stream in AUDIENCE_STREAMS:
        assert len(run.records(stream)) == expected[stream], stream
    sites = fast_sandbox.kameleoon.data.sites(0)
    assert {r["id"] for r in run.records("sites")} == {s["id"] for s in sites}
    assert len(run.records("segments")) == sum(len(fast_sandbox.kameleoon.data.segments(s["id"])) for s in sites)
    assert len(vendor_requests(fast_sandbox, "/segments/search")) == 3  # 8 segments, 3 a page
    # Every audience row names its site, window and level; period rows are days.
    for stream in AUDIENCE_STREAMS:
        for row in run.records(stream):
            assert row["analyticsLevel"] == "VISIT"
            assert row["siteCode"] in {s["code"] for s in sites}
            assert row["windowStart"] < row["windowEnd"]
    days = {r["startDateTime"][:10] for r in run.records("audience_period_stats")}
    assert days == {str(start + timedelta(days=n)) for n in range(10)}
    breakdown = run.records("audience_breakdown_stats")
    assert {r["breakdownKind"] for r in breakdown} == {"usual", "custom"}
    assert all(isinstance(r["segmentId"], int) and isinstance(r["elementCount"], int) for r in breakdown)
    # Windows are aligned from start_date: 7 days, then the 3 left up to yesterday.
    windows = sorted({(r["windowStart"], r["windowEnd"]) for r in run.records("audience_global_stats")})
    assert windows == [
        (f"{start}T00:00:00Z", f"{start + timedelta(days=7)}T00:00:00Z"),
        (f"{start + timedelta(days=7)}T00:00:00Z", f"{yesterday() + timedelta(days=1)}T00:00:00Z"),
    ]
    # State: per site, the end of the last window, no data code in flight.
    for partition in run.partitions().values():
        assert partition["replication_key_value"] == f"{yesterday() + timedelta(days=1)}T00:00:00Z"
        assert "pending" not in partition
    assert CLIENT_SECRET not in run.stdout + run.stderr


def test_primary_keys_are_unique(fast_sandbox) -> None:
    run = run_tap(tap_config(fast_sandbox, window_days=3))
    assert run.returncode == 0, run.stderr
    keys = {
        "audience_global_stats": ("siteId", "analyticsLevel", "windowStart"),
        "audience_segment_stats": ("siteId", "analyticsLevel", "windowStart", "segmentId"),
        "audience_period_stats": ("siteId", "analyticsLevel", "startDateTime"),
        "audience_breakdown_stats": (
            "siteId",
            "analyticsLevel",
            "windowStart",
            "breakdownKind",
            "breakdownValue",
            "segmentId",
        ),
    }
    for stream, key in keys.items():
        rows = [tuple(r[k] for k in key) for r in run.records(stream)]
        assert rows and len(rows) == len(set(rows)), stream


def test_site_codes_limit_segments_and_statistics(fast_sandbox) -> None:
    site = fast_sandbox.kameleoon.data.sites(0)[1]
    run = run_tap(tap_config(fast_sandbox, site_codes=[site["code"]]))

    assert run.returncode == 0, run.stderr
    assert {r["siteId"] for r in run.records("segments")} == {site["id"]}
    for stream in AUDIENCE_STREAMS:
        assert {r["siteId"] for r in run.records(stream)} == {site["id"]}
    assert len(run.records("sites")) == 2  # the sites stream still lists every site


def test_an_unknown_site_code_is_a_clear_error(fast_sandbox) -> None:
    run = run_tap(tap_config(fast_sandbox, site_codes=["nosuchsite"]))

    assert run.returncode == 1
    assert "setting 'site_codes': no site with code(s) 'nosuchsite' is visible" in run.stderr
    assert "Traceback" not in run.stderr
    assert vendor_requests(fast_sandbox, "/audiences/global") == []


def test_incremental_run_starts_at_the_bookmark_minus_the_lookback(fast_sandbox) -> None:
    start = yesterday() - timedelta(days=13)
    config = tap_config(fast_sandbox, start_date=str(start), window_days=2, lookback_days=3)
    first = run_tap(config)
    assert first.returncode == 0, first.stderr
    fast_sandbox.reset_log()

    second = run_tap(config, state=first.states[-1])

    assert second.returncode == 0, second.stderr
    # Bookmark = today; minus 3 days lands in the window [yesterday-3, yesterday-1) → 2 windows.
    starts = sorted({r["windowStart"][:10] for r in second.records("audience_global_stats")})
    assert starts == [str(yesterday() - timedelta(days=3)), str(yesterday() - timedelta(days=1))]
    assert len(vendor_requests(fast_sandbox, "/audiences/global")) == 2 * 2


def test_global_request_parameter_names_can_be_renamed(fast_sandbox) -> None:
    """The assumed query names are overridable; the sandbox (built on the assumption) then refuses."""
    config = tap_config(
        fast_sandbox,
        start_date=str(yesterday() - timedelta(days=2)),
        global_request_parameter_names={"site": "siteCode", "analytics_level": None},
    )
    run = run_tap(config)
    requested = vendor_requests(fast_sandbox, "/audiences/global")
    assert requested, "no audience request was made"
    assert set(requested[0].query) == {"siteCode", "startDate", "endDate", "analyticsLevel"}
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "Kameleoon answered 400 to GET " in run.stderr
    assert "/audiences/global?siteCode=" in run.stderr
