"""This repository's Meltano project, isolated for a test, loading into the test's own DuckDB file."""

from __future__ import annotations

from pathlib import Path

from vendor_testing.meltano_testing import IsolatedMeltano

ROOT = Path(__file__).resolve().parents[1]


def project(meltano: Path, tmp: Path, **settings: str) -> IsolatedMeltano:
    """An isolated copy of meltano.yml (no TAP_/TARGET_ variable of the caller leaks in) whose
    warehouse is ``tmp/warehouse.duckdb``; ``settings`` are further environment variables."""
    return IsolatedMeltano.create(
        meltano,
        ROOT,
        tmp,
        isolate=("TAP_", "TARGET_"),
        TARGET_DUCKDB_SDK_FILEPATH=str(tmp / "warehouse.duckdb"),
        **settings,
    )


__all__ = ["ROOT", "project"]
