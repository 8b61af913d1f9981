"""Progress lines on a multi-window run and the run summary."""

from __future__ import annotations

import re
from datetime import timedelta

from kameleoon_helpers import run_tap, tap_config, yesterday

import vendor_http.progress


def test_a_multi_window_run_says_which_window_of_which_site(fast_sandbox, monkeypatch) -> None:
    monkeypatch.setattr(vendor_http.progress, "PROGRESS_INTERVAL_SECONDS", 0.0)  # a line at every window's end
    start = yesterday() - timedelta(days=20)
    run = run_tap(tap_config(fast_sandbox, start_date=str(start), window_days=7))

    assert run.returncode == 0, run.stderr
    sites = [site["code"] for site in fast_sandbox.kameleoon.data.sites(0)]
    starts = [str(start + timedelta(days=7 * n)) for n in range(3)]
    for k, code in enumerate(sites, start=1):
        scope = rf"audience_global_stats: site {code} \({k} of {len(sites)}\)"
        assert re.search(rf"{scope}: 3 windows to do \({starts[0]}\.\.{starts[2]}\)", run.stderr), run.stderr
        assert re.search(rf"{scope}: window 2 of 3 \({starts[1]}\); [\d,]+ records so far; ", run.stderr)
        assert re.search(rf"{scope}: 3 of 3 windows done; ", run.stderr)


def test_the_run_ends_with_the_summary_of_every_stream(fast_sandbox) -> None:
    start = yesterday() - timedelta(days=13)
    run = run_tap(tap_config(fast_sandbox, start_date=str(start), window_days=7))

    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    head = next(n for n, line in enumerate(lines) if "tap-kameleoon summary: done in " in line)
    body = "\n".join(lines[head + 1 :])
    sites = len(fast_sandbox.kameleoon.data.sites(0))
    for stream in ("sites", "segments", "audience_segment_stats", "audience_period_stats"):
        assert f"  {stream}: {len(run.records(stream)):,} records" in body
    global_rows = len(run.records("audience_global_stats"))
    assert f"  audience_global_stats: {global_rows} records; {2 * sites} of {2 * sites} windows" in body
    assert re.search(r"bookmark siteId=\d+: windowEnd \S+Z", body)
    assert f"  requests: {len(fast_sandbox.requests):,} (0 retries, 0 answered 429); " in body
