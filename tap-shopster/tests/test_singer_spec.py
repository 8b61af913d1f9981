"""tap-shopster's output passes the Singer reference checker, `singer-check-tap`, in every mode."""

from __future__ import annotations

import typing as t
from datetime import timedelta
from pathlib import Path

from shopster_helpers import MALLS, run_tap, tap_config, today

from vendor_testing.singer_check import check_tap_output

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
REPORTS = (
    MALLS,
    {"name": "zones", "objects": [10111, 10112], "interval": "hourly"},
    {"name": "weekends", "objects": [1011], "interval": "weekend"},
    {"name": "months", "objects": [1021], "interval": "monthly"},
)


def test_full_and_incremental_output_conform_to_the_singer_spec(shopster: SandboxServer) -> None:
    config = tap_config(shopster, *REPORTS, start_date=str(today() - timedelta(days=10)), lookback_days=1)

    full = run_tap(config)
    assert full.returncode == 0, full.stderr[-3000:]
    assert full.records
    checked = check_tap_output(ROOT, full.stdout)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "The output is valid." in checked.stdout

    incremental = run_tap(config, state=full.states[-1])
    assert incremental.returncode == 0, incremental.stderr[-3000:]
    assert 0 < len(incremental.records) < len(full.records)
    checked = check_tap_output(ROOT, incremental.stdout)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "The output is valid." in checked.stdout
