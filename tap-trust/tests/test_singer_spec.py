"""tap-trust's output passes the Singer reference checker, `singer-check-tap`, in both modes,
full and incremental (every stream; timestamps RFC 3339 with `Z`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from trust_helpers import history_config, run_tap, tap_config

from vendor_testing.singer_check import check_tap_output

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("mode", ["snapshot", "history"])
def test_full_and_incremental_output_conform_to_the_singer_spec(fast_sandbox, mode) -> None:
    config = history_config(fast_sandbox, days=6) if mode == "history" else tap_config(fast_sandbox)
    stream = "daily_statistics" if mode == "history" else "statistics_snapshots"

    full = run_tap(config)
    assert full.returncode == 0, full.stderr[-3000:]
    incremental = run_tap({**config, "lookback_days": 1}, state=full.states[-1])
    assert incremental.returncode == 0, incremental.stderr[-3000:]
    for run in (full, incremental):
        assert run.records("campaigns") and run.records(stream)
        checked = check_tap_output(ROOT, run.stdout)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "The output is valid." in checked.stdout
    if mode == "history":
        assert 0 < len(incremental.records(stream)) < len(full.records(stream))
