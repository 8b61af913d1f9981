"""Progress lines on a multi-window run and the run summary."""

from __future__ import annotations

import re
from datetime import timedelta

from shopster_helpers import MALLS, run_tap, tap_config, today

import vendor_http.progress

FLOORS = {"name": "floors", "objects": [1011, 1012]}


def test_a_multi_window_run_says_which_window_of_which_report(shopster, monkeypatch) -> None:
    monkeypatch.setattr(vendor_http.progress, "PROGRESS_INTERVAL_SECONDS", 0.0)  # a line at every window's end
    start = today() - timedelta(days=9)
    run = run_tap(
        tap_config(
            shopster, MALLS, FLOORS, start_date=str(start), end_date=str(start + timedelta(days=5)), window_days=2
        )
    )

    assert run.returncode == 0, run.stderr
    starts = [str(start + timedelta(days=2 * n)) for n in range(3)]
    for k, name in enumerate(("malls", "floors"), start=1):
        scope = rf"group_datetime: report '{name}' \([^)]*\) \({k} of 2\)"
        assert re.search(rf"{scope}: 3 windows to do \({starts[0]}\.\.{starts[2]}\)", run.stderr), run.stderr
        assert re.search(rf"{scope}: window 3 of 3 \({starts[2]}\); [\d,]+ records so far; ", run.stderr)
        assert re.search(rf"{scope}: 3 of 3 windows done; ", run.stderr)


def test_the_run_ends_with_the_summary(shopster) -> None:
    start = today() - timedelta(days=9)
    end = start + timedelta(days=3)
    run = run_tap(tap_config(shopster, MALLS, FLOORS, start_date=str(start), end_date=str(end), window_days=2))

    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    head = next(n for n, line in enumerate(lines) if "tap-shopster summary: done in " in line)
    rows = len(run.records)
    after = end + timedelta(days=1)
    assert (
        f"  group_datetime: {rows:,} records; 4 of 4 windows ({start}..{start + timedelta(days=2)}); bookmark "
        f"report=malls: period_end {after}T00:00:00Z, report=floors: period_end {after}T00:00:00Z"
    ) in lines[head + 1]
    assert f"  requests: {len(shopster.requests)} (0 retries, 0 answered 429); " in lines[head + 2]
