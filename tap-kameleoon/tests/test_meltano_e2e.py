"""End to end: ``meltano run tap-kameleoon target-duckdb-sdk`` against a strict sandbox.

Runs the project's ``meltano.yml`` with the plugins ``make meltano`` installed in
``.meltano/``, but with a temporary Meltano system directory and database and a
temporary DuckDB file. The meltano executable comes from ``$MELTANO`` (``make test``).
"""

from __future__ import annotations

import json
import secrets
import typing as t
from datetime import timedelta
from pathlib import Path

import duckdb
from kameleoon_helpers import AUDIENCE_STREAMS, CLIENT_ID, expected_rows, yesterday

from vendor_testing.meltano_testing import IsolatedMeltano, assert_settings_match_about

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
STATE_ID = "sandbox:tap-kameleoon-to-target-duckdb-sdk"
SCHEMA = "tap_kameleoon"
ISOLATED_PREFIXES = ("TAP_KAMELEOON_", "TARGET_DUCKDB_SDK_")
#: Small loader batches: the rows (with `Z` timestamps) cross many batch boundaries, where
#: target-duckdb 0.8.0 silently dropped a row each time.
LOADER_BATCH_ROWS = 7


def isolated_project(tmp: Path, executable: Path, sandbox: SandboxServer, secret: str, start: str) -> IsolatedMeltano:
    """The project with its system dir, database and warehouse in ``tmp``."""
    return IsolatedMeltano.create(
        executable,
        ROOT,
        tmp,
        isolate=ISOLATED_PREFIXES,
        TARGET_DUCKDB_SDK_FILEPATH=str(tmp / "warehouse.duckdb"),
        TARGET_DUCKDB_SDK_BATCH_SIZE_ROWS=str(LOADER_BATCH_ROWS),
        TAP_KAMELEOON_API_URL=sandbox.vendor_url("kameleoon"),
        TAP_KAMELEOON_CLIENT_SECRET=secret,
        TAP_KAMELEOON_START_DATE=start,
        # No `kind: decimal` setting here (Meltano 4.4 fails to serialize Decimal env values);
        # the sandbox environment in meltano.yml sets short polls.
    )


def table_rows(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return {
            stream: db.execute(f"select count(*) from {SCHEMA}.{stream}").fetchone()[0]  # noqa: S608
            for stream in (*AUDIENCE_STREAMS, "sites", "segments")
        }


def served_rows(sandbox: SandboxServer) -> dict[str, int]:
    """Distinct rows the sandbox served in READY polls (a re-served window counts once)."""
    windows = {(s["siteId"], s["startDate"]): s for s in sandbox.kameleoon.served}
    return {
        "audience_global_stats": len(windows),
        "audience_segment_stats": sum(s["segmentStats"] for s in windows.values()),
        "audience_period_stats": sum(s["periodStats"] for s in windows.values()),
        "audience_breakdown_stats": sum(s["breakdownStats"] for s in windows.values()),
    }


def test_meltano_run_loads_what_the_sandbox_served_then_resumes(
    meltano: Path, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    secret = f"e2e-{secrets.token_hex(16)}"
    sandbox = sandbox_factory(kameleoon_polls_until_ready=1, kameleoon_clients={CLIENT_ID: secret})
    start = yesterday() - timedelta(days=9)
    project = isolated_project(tmp_path, meltano, sandbox, secret, str(start))

    first = project.run("run", "--no-install", "tap-kameleoon", "target-duckdb-sdk")
    assert first.returncode == 0, first.stderr[-5000:]
    loaded = table_rows(tmp_path / "warehouse.duckdb")
    truth = expected_rows(sandbox, start, yesterday(), 7)
    for stream in AUDIENCE_STREAMS:
        assert loaded[stream] == served_rows(sandbox)[stream] == truth[stream], stream
    assert loaded["sites"] == 2
    assert loaded["segments"] == 8
    assert loaded["audience_breakdown_stats"] > 5 * LOADER_BATCH_ROWS  # several batch boundaries
    stats = sandbox.stats()["vendors"]["kameleoon"]
    assert stats["rate_limited_429"] == 0

    sandbox.kameleoon.served.clear()
    second = project.run("run", "--no-install", "tap-kameleoon", "target-duckdb-sdk")
    assert second.returncode == 0, second.stderr[-5000:]
    # Only the last window of each site again (bookmark minus the 2-day lookback); same rows.
    assert served_rows(sandbox)["audience_global_stats"] == 2
    assert table_rows(tmp_path / "warehouse.duckdb") == loaded

    state = project.run("state", "get", STATE_ID)
    assert state.returncode == 0, state.stderr
    partitions = json.loads(state.stdout)["singer_state"]["bookmarks"]["audience_global_stats"]["partitions"]
    assert {p["replication_key_value"] for p in partitions} == {f"{yesterday() + timedelta(days=1)}T00:00:00Z"}
    tokens = list(sandbox.kameleoon.tokens)  # every access token the runs were given
    assert tokens
    for result in (first, second, state):
        for value in (secret, *tokens):
            assert value not in result.stdout + result.stderr
    assert project.files_containing(secret, *tokens) == []


def test_meltano_settings_match_tap_about() -> None:
    """meltano.yml declares exactly the tap's settings, with its defaults and secrets."""
    assert_settings_match_about(ROOT, "extractors", "tap-kameleoon", "tap_kameleoon.tap")
