"""Progress lines on a multi-day history run and the run summary."""

from __future__ import annotations

import re
from datetime import timedelta

from trust_helpers import history_config, run_tap, today

import vendor_http.progress


def test_a_history_run_says_which_day_of_which_company(fast_sandbox, monkeypatch) -> None:
    monkeypatch.setattr(vendor_http.progress, "PROGRESS_INTERVAL_SECONDS", 0.0)  # a line at every day's end
    run = run_tap(history_config(fast_sandbox, days=4, company_ids=[101, 102]))

    assert run.returncode == 0, run.stderr
    days = [str(today() - timedelta(days=n)) for n in range(3, -1, -1)]
    for k, company in enumerate(("101", "102"), start=1):
        scope = rf"daily_statistics: company {company} \({k} of 2\)"
        assert re.search(rf"{scope}: 4 days to do \({days[0]}\.\.{days[-1]}\)", run.stderr), run.stderr
        assert re.search(rf"{scope}: day 3 of 4 \({days[2]}\); [\d,]+ records so far; ", run.stderr)
        assert re.search(rf"{scope}: 4 of 4 days done; ", run.stderr)


def test_the_run_ends_with_the_summary(fast_sandbox) -> None:
    run = run_tap(history_config(fast_sandbox, days=3, company_ids=[101, 102]))

    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    head = next(n for n, line in enumerate(lines) if "tap-trust summary: done in " in line)
    body = "\n".join(lines[head + 1 :])
    first, last = today() - timedelta(days=2), today()
    daily = len(run.records("daily_statistics"))
    assert (
        f"  daily_statistics: {daily} records; 6 of 6 days ({first}..{last}); "
        f"bookmark company_id=101: date {last}, company_id=102: date {last}"
    ) in body
    assert f"  campaigns: {len(run.records('campaigns'))} records\n" in body + "\n"
    assert f"  requests: {len(fast_sandbox.requests)} (0 retries, 0 answered 429); " in body
