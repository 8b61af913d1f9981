"""tap-kameleoon's output passes the Singer reference checker, `singer-check-tap`, in every mode
(every stream; timestamps RFC 3339 with `Z`)."""

from __future__ import annotations

import typing as t
from datetime import timedelta
from pathlib import Path

from kameleoon_helpers import AUDIENCE_STREAMS, run_tap, tap_config, yesterday

from vendor_testing.singer_check import check_tap_output

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
STREAMS = ("sites", "segments", *AUDIENCE_STREAMS)


def test_full_and_incremental_output_conform_to_the_singer_spec(
    sandbox_factory: t.Callable[..., SandboxServer],
) -> None:
    sandbox = sandbox_factory(kameleoon_polls_until_ready=1)
    config = tap_config(sandbox, start_date=str(yesterday() - timedelta(days=9)))

    full = run_tap(config)
    assert full.returncode == 0, full.stderr[-3000:]
    assert all(full.records(stream) for stream in STREAMS)
    checked = check_tap_output(ROOT, full.stdout)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "The output is valid." in checked.stdout

    incremental = run_tap(config, state=full.states[-1])
    assert incremental.returncode == 0, incremental.stderr[-3000:]
    assert 0 < len(incremental.records("audience_global_stats")) < len(full.records("audience_global_stats"))
    assert all(incremental.records(stream) for stream in STREAMS)
    checked = check_tap_output(ROOT, incremental.stdout)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "The output is valid." in checked.stdout
