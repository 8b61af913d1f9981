"""A date range that holds no day to extract is said at WARNING, with the range and why.

A ``start_date`` in the future is almost always a typo: every tap that extracts by date
(tap-rickai, tap-kameleoon, tap-trust in history mode, tap-shopster) ends its run
successfully with nothing extracted, one WARNING naming the range and the reason, and no
INFO line about it (``vendor_http.dates.clamp_range``).
"""

from __future__ import annotations

import re
import typing as t
from datetime import UTC, datetime, timedelta

import pytest
from voice_cases import VENDORS, levels, run_alone, sandbox_config

if t.TYPE_CHECKING:
    from pathlib import Path

DATE_TAPS = ("tap-rickai", "tap-kameleoon", "tap-trust", "tap-shopster")


@pytest.mark.parametrize("plugin", DATE_TAPS)
def test_a_start_date_in_the_future_is_one_warning_naming_the_range(
    plugin: str, sandbox_factory, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(rate_limit=False)
    start = datetime.now(UTC).date() + timedelta(days=40)
    config = {**sandbox_config(plugin, sandbox), "start_date": str(start)}
    if plugin == "tap-trust":
        config["statistics_mode"] = "history"
    run = run_alone(plugin, config, tmp_path)

    assert run.returncode == 0, run.stderr
    assert '"type":"RECORD"' not in run.stdout.replace(" ", "") or plugin in {"tap-kameleoon", "tap-trust"}
    said = [line for line in run.stderr.splitlines() if "Nothing to extract" in line]
    name = VENDORS[plugin][1]
    assert len(said) == 1, run.stderr
    assert "| WARNING  |" in said[0]
    assert re.search(
        rf"Nothing to extract from {re.escape(name)} for {start}\.\.\d{{4}}-\d\d-\d\d: it starts after", said[0]
    )
    assert f"a start in the future ({start}) is probably a typo in start_date" in said[0]
    assert levels(run.stderr).count("WARNING") == 1, run.stderr  # nothing else to warn about
