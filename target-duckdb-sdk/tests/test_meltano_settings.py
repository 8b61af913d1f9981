"""meltano.yml declares target-duckdb-sdk as `--about` describes it.

The loader runs end to end under `meltano run` in the taps' tests
(tap-kameleoon/tests/test_meltano_e2e.py sends `Z` timestamps across many batch
boundaries and counts every row against the sandbox; tap-rickai's does the same for
sessions), in `make demo` and in `make bench`.
"""

from __future__ import annotations

from pathlib import Path

from vendor_testing.meltano_testing import assert_settings_match_about

ROOT = Path(__file__).resolve().parents[2]


def test_meltano_settings_match_target_about() -> None:
    assert_settings_match_about(ROOT, "loaders", "target-duckdb-sdk", "target_duckdb_sdk.target")
