"""The orchestrator end to end: Dagster (orchestrate/, its own environment) materialises one
partition, one Rick.ai account and one day, in-process against the sandbox. The first
`meltano run` fails (an answer the tap does not retry), Dagster's retry policy runs it again,
and Meltano keeps the partition's state under its own state id. `make test-integration`."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import typing as t
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from vendor_testing.meltano_testing import IsolatedMeltano

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

pytestmark = pytest.mark.timeout(900)

ROOT = Path(__file__).resolve().parents[2]
ORCHESTRATE_PYTHON = Path(os.environ.get("ORCHESTRATE_PYTHON", ROOT / ".venv-orchestrate" / "bin" / "python"))
COMPANIES = {"acme": "acme-company", "globex": "globex-company"}


@pytest.fixture
def orchestrate_python() -> Path:
    if not ORCHESTRATE_PYTHON.exists():
        pytest.skip("no orchestrator environment: run `make orchestrate` (or `make test-integration`)")
    return ORCHESTRATE_PYTHON


def test_dagster_materialises_one_account_and_day_retrying_a_failed_run(
    meltano: Path, orchestrate_python: Path, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    tokens = {account: f"{account}-{secrets.token_hex(12)}" for account in COMPANIES}
    sandbox = sandbox_factory(
        rickai_sessions_per_day=30, rickai_tokens={tokens[a]: company for a, company in COMPANIES.items()}
    )
    partition_day = sandbox.rickai.window()[1] - timedelta(days=2)
    day = partition_day.isoformat()
    # The first run fails: an answer the tap does not retry.
    sandbox.add_fault({"vendor": "rickai", "kind": "status", "status": 400, "body": {"error": "refused once"}})
    settings = {
        f"TAP_RICKAI_{account.upper()}_{name}": value
        for account in COMPANIES
        for name, value in (
            ("COMPANY", COMPANIES[account]),
            ("API_TOKEN", tokens[account]),
            ("API_URL", sandbox.vendor_url("rickai")),
        )
    }
    isolated = IsolatedMeltano.create(
        meltano,
        ROOT,
        tmp_path,
        isolate=("TAP_", "TARGET_"),
        TARGET_DUCKDB_SDK_FILEPATH=str(tmp_path / "warehouse.duckdb"),
        MELTANO=str(meltano),
        MELTANO_PROJECT_ROOT=str(ROOT),
        MELTANO_ENVIRONMENT="sandbox",
        MELTANO_ORCHESTRATE_RETRY_DELAY_SECONDS="0.5",
        **settings,
    )
    # The system database exists before Dagster loads the project, as after `meltano install`:
    # dagster-meltano lists jobs and schedules in two meltano processes at once, and on a
    # database neither has created yet both run its migrations (one fails).
    assert isolated.run("state", "list").returncode == 0
    result = subprocess.run(
        [str(orchestrate_python), "-m", "meltano_dagster", "rickai", "acme", day],
        cwd=ROOT,
        env=isolated.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    state_id = f"sandbox:tap-rickai--acme-to-target-duckdb-sdk:{day}"
    assert outcome["success"] and outcome["tries"] == 2  # the engine retried, not the test
    assert outcome["metadata"] == {"account": "acme", "day": day, "plugin": "tap-rickai--acme", "state_id": state_id}
    assert not any(token in result.stdout + result.stderr for token in tokens.values())
    # meltano.yml's jobs as dagster-meltano loads them; the accounts' jobs replaced by partitions.
    assert outcome["jobs"] == [
        "kameleoon_accounts_job",
        "kameleoon_to_warehouse",
        "plans_to_calltouch",
        "rickai_accounts_job",
        "rickai_to_warehouse",
        "shopster_to_warehouse",
        "trust_to_warehouse",
    ]

    # The sandbox saw acme only, that day only: the refused request, then the retried run.
    log = sandbox.requests
    assert {(r.account, r.query["start"], r.query["end"]) for r in log} == {(COMPANIES["acme"], day, day)}
    assert log[0].status == 400 and all(r.status == 200 for r in log[1:])

    # The day's rows, exactly, in acme's schema; its state in Meltano under the partition's id.
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as db:
        loaded = db.execute("select client_id, session_count, date from tap_rickai_acme.sessions").fetchall()
    truth = sandbox.rickai.keys(COMPANIES["acme"], partition_day, partition_day)
    assert sorted((c, int(n), str(d)) for c, n, d in loaded) == sorted((c, int(n), str(d)) for c, n, d in truth)
    state = isolated.run("state", "get", state_id)
    assert state.returncode == 0, state.stderr[-3000:]
    bookmark = json.loads(state.stdout)["singer_state"]["bookmarks"]["sessions"]["replication_key_value"]
    assert bookmark.startswith(day)
