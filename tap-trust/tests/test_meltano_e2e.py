"""End to end: ``meltano run tap-trust target-duckdb-sdk`` (history mode) against the sandbox.

Runs the project's ``meltano.yml`` with the plugins ``make meltano`` installed in
``.meltano/``, but with a temporary Meltano system directory and database and a temporary
DuckDB file. The meltano executable comes from ``$MELTANO`` (``make test``).
"""

from __future__ import annotations

import json
import secrets
import typing as t
from datetime import timedelta
from pathlib import Path

import duckdb
from trust_helpers import CLIENT_ID, COMPANIES, expected_daily, today, vendor_requests

from vendor_testing.meltano_testing import IsolatedMeltano, assert_settings_match_about

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
STATE_ID = "sandbox:tap-trust-to-target-duckdb-sdk"
SCHEMA = "tap_trust"
ISOLATED_PREFIXES = ("TAP_TRUST_", "TARGET_DUCKDB_SDK_")
DAYS = 10
FUNNEL = ("total", "sended", "pending", "fails", "campaign", "received", "press_action", "closed", "unknown")


def isolated_project(tmp: Path, executable: Path, sandbox: SandboxServer, secret: str) -> IsolatedMeltano:
    """The project with its system dir, database and warehouse in ``tmp``."""
    base = sandbox.vendor_url("trust")
    return IsolatedMeltano.create(
        executable,
        ROOT,
        tmp,
        isolate=ISOLATED_PREFIXES,
        TARGET_DUCKDB_SDK_FILEPATH=str(tmp / "warehouse.duckdb"),
        TARGET_DUCKDB_SDK_BATCH_SIZE_ROWS="7",  # rows with `Z` timestamps across batch boundaries
        TAP_TRUST_API_URL=f"{base}/api",
        TAP_TRUST_AUTH_URL=f"{base}/atenea",
        TAP_TRUST_CLIENT_SECRET=secret,
        TAP_TRUST_START_DATE=str(today() - timedelta(days=DAYS - 1)),
        TAP_TRUST_LOOKBACK_DAYS="2",
        # A decimal setting from the environment reaches the tap as text (kind: string).
        TAP_TRUST_BACKOFF_INITIAL_SECONDS="0.5",
        # The sandbox environment in meltano.yml sets history mode, the demo client and companies,
        # and a short request interval.
    )


def warehouse(tmp: Path) -> dict[str, t.Any]:
    with duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True) as db:
        columns = ", ".join(FUNNEL)
        daily = db.execute(f"select company_id, date, {columns} from {SCHEMA}.daily_statistics").fetchall()  # noqa: S608
        campaigns = db.execute(
            f"select company_id, uuid, terminated, created_at from {SCHEMA}.campaigns"  # noqa: S608
        ).fetchall()
    return {
        "daily": {(row[0], str(row[1])): dict(zip(FUNNEL, row[2:], strict=True)) for row in daily},
        "daily_rows": len(daily),
        "campaigns": {(row[0], row[1]): (row[2], row[3]) for row in campaigns},
    }


def test_meltano_run_loads_the_sandboxs_truth_then_runs_incrementally(
    meltano: Path, trust_sandbox: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    secret = f"e2e-{secrets.token_hex(16)}"
    sandbox = trust_sandbox(trust_clients={CLIENT_ID: secret})
    project = isolated_project(tmp_path, meltano, sandbox, secret)

    first = project.run("run", "--no-install", "tap-trust", "target-duckdb-sdk")
    assert first.returncode == 0, first.stderr[-5000:]
    loaded = warehouse(tmp_path)
    truth = expected_daily(sandbox, today() - timedelta(days=DAYS - 1), today())
    assert loaded["daily"] == truth and loaded["daily_rows"] == len(truth) == DAYS * len(COMPANIES)
    campaigns = {
        (company, c["uuid"]): c["terminated"]
        for company, entry in sandbox.trust.truth({})["companies"].items()
        for c in entry["campaigns"]
    }
    assert {key: terminated for key, (terminated, _) in loaded["campaigns"].items()} == campaigns
    assert all(created is not None for _, created in loaded["campaigns"].values())  # typed timestamps loaded

    sandbox.reset_log()
    second = project.run("run", "--no-install", "tap-trust", "target-duckdb-sdk")
    assert second.returncode == 0, second.stderr[-5000:]
    days = sorted({r.query.get("start_date") for r in vendor_requests(sandbox, "statistics")} - {None})
    assert days == [str(today() - timedelta(days=n)) for n in (2, 1, 0)]  # bookmark minus the lookback only
    assert warehouse(tmp_path) == loaded  # the re-read days replaced their rows

    state = project.run("state", "get", STATE_ID)
    assert state.returncode == 0, state.stderr
    partitions = json.loads(state.stdout)["singer_state"]["bookmarks"]["daily_statistics"]["partitions"]
    assert {p["context"]["company_id"]: p["replication_key_value"] for p in partitions} == dict.fromkeys(
        COMPANIES, str(today())
    )
    tokens = list(sandbox.trust.tokens)  # every access token the runs were given
    assert tokens
    for result in (first, second, state):
        for value in (secret, *tokens):
            assert value not in result.stdout + result.stderr
    assert project.files_containing(secret, *tokens) == []


def test_meltano_settings_match_tap_about() -> None:
    """meltano.yml declares exactly the tap's settings, with its defaults and secrets."""
    assert_settings_match_about(ROOT, "extractors", "tap-trust", "tap_trust.tap")
