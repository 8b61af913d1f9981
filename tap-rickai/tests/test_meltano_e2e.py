"""End to end: ``meltano run tap-rickai target-duckdb-sdk`` against a strict sandbox.

Runs the project's ``meltano.yml`` with the plugins ``make meltano`` installed
in ``.meltano/``, but with a temporary Meltano system directory and database
and a temporary DuckDB file, so the developer's own state and warehouse are
never touched. The meltano executable comes from the ``MELTANO`` environment
variable (``make test`` sets it).
"""

from __future__ import annotations

import json
import secrets
import subprocess
import typing as t
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from vendor_testing.meltano_testing import IsolatedMeltano, assert_settings_match_about

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
COMPANY = "demo-company"
STATE_ID = "sandbox:tap-rickai-to-target-duckdb-sdk"
TABLE = "tap_rickai.sessions"
ISOLATED_PREFIXES = ("TAP_RICKAI_", "TARGET_DUCKDB_SDK_")


def isolated_project(
    executable: Path, tmp: Path, sandbox: SandboxServer, token: str, days: tuple[date, date]
) -> IsolatedMeltano:
    """The project with its system dir, database and warehouse in ``tmp``."""
    return IsolatedMeltano.create(
        executable,
        ROOT,
        tmp,
        isolate=ISOLATED_PREFIXES,
        TARGET_DUCKDB_SDK_FILEPATH=str(warehouse(tmp)),
        # Loader batches smaller than a day: rows cross many batch boundaries.
        TARGET_DUCKDB_SDK_BATCH_SIZE_ROWS="97",
        TAP_RICKAI_API_URL=sandbox.vendor_url("rickai"),
        TAP_RICKAI_COMPANY=COMPANY,
        TAP_RICKAI_API_TOKEN=token,
        TAP_RICKAI_START_DATE=days[0].isoformat(),
        TAP_RICKAI_END_DATE=days[1].isoformat(),
        TAP_RICKAI_PAGE_SIZE="100",
        TAP_RICKAI_LOOKBACK_DAYS="1",
        # A decimal setting from the environment reaches the tap as text (kind: string).
        TAP_RICKAI_BACKOFF_INITIAL_SECONDS="0.5",
    )


def warehouse(tmp: Path) -> Path:
    return tmp / "warehouse.duckdb"


def elt(project: IsolatedMeltano) -> subprocess.CompletedProcess[str]:
    """The main job; uses the installed plugins as they are (no auto-install)."""
    return project.run("run", "--no-install", "tap-rickai", "target-duckdb-sdk")


def rows_per_date(warehouse: Path) -> dict[str, int]:
    """Rows per ``date`` in the loaded table."""
    with duckdb.connect(str(warehouse), read_only=True) as db:
        rows = db.execute(f'select "date", count(*) from {TABLE} group by 1').fetchall()  # noqa: S608
    return {str(day): count for day, count in rows}


def primary_keys(warehouse: Path) -> list[tuple[str, int, str]]:
    """Every row's (client_id, session_count, date)."""
    with duckdb.connect(str(warehouse), read_only=True) as db:
        rows = db.execute(f"select client_id, session_count, date from {TABLE}").fetchall()  # noqa: S608
    return [(client_id, int(count), str(day)) for client_id, count, day in rows]


def truth_per_date(sandbox: SandboxServer, days: tuple[date, date]) -> dict[str, int]:
    truth = sandbox.rickai.truth(COMPANY, days[0], days[1])
    return {entry["date"]: entry["sessions"] for entry in truth["days"]}


def requested_days(sandbox: SandboxServer) -> set[str]:
    """The days the tap asked the sandbox for (one day per request window)."""
    return {r.query["start"] for r in sandbox.requests if r.vendor == "rickai"}


def assert_succeeded(result: subprocess.CompletedProcess[str], token: str) -> None:
    assert result.returncode == 0, f"meltano failed:\n{result.stderr[-5000:]}"
    assert token not in result.stdout
    assert token not in result.stderr


def assert_loaded_truth(project: IsolatedMeltano, sandbox: SandboxServer, days: tuple[date, date]) -> None:
    assert rows_per_date(warehouse(project.tmp)) == truth_per_date(sandbox, days)
    keys = primary_keys(warehouse(project.tmp))
    assert len(keys) == len(set(keys))
    truth_keys = sandbox.rickai.keys(COMPANY, days[0], days[1])
    assert set(keys) == {(c, int(n), str(d)) for c, n, d in truth_keys}


def assert_no_rate_limit_hits(sandbox: SandboxServer) -> None:
    rickai = sandbox.stats()["vendors"]["rickai"]
    assert rickai["rate_limited_429"] == 0
    assert rickai["fault_429"] == 0
    assert set(rickai["by_status"]) == {"200"}


def assert_token_not_stored(project: IsolatedMeltano, token: str) -> None:
    """Neither ``meltano state get`` nor any file Meltano wrote holds the token."""
    state = project.run("state", "get", STATE_ID)
    assert_succeeded(state, token)
    bookmark = json.loads(state.stdout)["singer_state"]["bookmarks"]["sessions"]
    assert bookmark["replication_key_value"]
    assert project.system_db.is_file()
    assert project.files_containing(token, skip=(warehouse(project.tmp),)) == []


def test_meltano_run_loads_truth_then_resumes(
    meltano: Path, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    token = f"e2e-{secrets.token_hex(16)}"
    sandbox = sandbox_factory(rickai_sessions_per_day=300, rickai_tokens={token: COMPANY})
    latest = sandbox.rickai.window()[1] - timedelta(days=1)  # a day of margin at midnight
    days = (latest - timedelta(days=3), latest)
    project = isolated_project(meltano, tmp_path, sandbox, token, days)

    first = elt(project)
    assert_succeeded(first, token)
    assert_loaded_truth(project, sandbox, days)
    assert requested_days(sandbox) == {(days[0] + timedelta(n)).isoformat() for n in range(4)}
    assert len(sandbox.requests) > 4  # 300 ± 20% sessions a day, 100 a page
    assert_no_rate_limit_hits(sandbox)
    # Under Meltano too: the summary, with the sessions of the 4 days (the loader's rows).
    rows = sum(rows_per_date(warehouse(project.tmp)).values())
    assert "tap-rickai summary: done in " in first.stderr
    assert f"sessions: {rows:,} records; 4 of 4 days ({days[0]}..{days[1]}); bookmark date {days[1]}" in first.stderr

    sandbox.reset_log()
    second = elt(project)
    assert_succeeded(second, token)
    # The bookmark (the last day) and lookback_days=1 before it, nothing else.
    assert requested_days(sandbox) == {(latest - timedelta(n)).isoformat() for n in (0, 1)}
    assert_loaded_truth(project, sandbox, days)
    assert_no_rate_limit_hits(sandbox)

    assert_token_not_stored(project, token)


def test_meltano_settings_match_tap_about() -> None:
    """meltano.yml declares exactly the tap's settings, with its defaults and secrets."""
    assert_settings_match_about(ROOT, "extractors", "tap-rickai", "tap_rickai.tap")


def test_the_readme_prod_flow_works_in_a_fresh_clone(
    meltano: Path, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    """README: `make meltano`, then `meltano --environment=prod run tap-rickai target-duckdb-sdk`
    into output/prod.duckdb, in a fresh clone (no output/ made by an earlier demo), with the
    real API's URL replaced by the sandbox."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    (clone / ".meltano").symlink_to(ROOT / ".meltano", target_is_directory=True)  # what `make meltano` installed
    token = f"e2e-{secrets.token_hex(16)}"
    sandbox = sandbox_factory(rickai_sessions_per_day=50, rickai_tokens={token: COMPANY})
    latest = sandbox.rickai.window()[1] - timedelta(days=1)
    project = IsolatedMeltano.create(
        meltano,
        clone,
        tmp_path,
        isolate=ISOLATED_PREFIXES,
        TAP_RICKAI_API_URL=sandbox.vendor_url("rickai"),  # instead of https://api.rick.ai
        TAP_RICKAI_COMPANY=COMPANY,
        TAP_RICKAI_API_TOKEN=token,
        TAP_RICKAI_START_DATE=latest.isoformat(),
        TAP_RICKAI_END_DATE=latest.isoformat(),
    )
    result = subprocess.run(
        [str(meltano), "--environment=prod", "run", "--no-install", "tap-rickai", "target-duckdb-sdk"],
        cwd=clone,
        env=project.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert_succeeded(result, token)
    assert rows_per_date(clone / "output" / "prod.duckdb") == truth_per_date(sandbox, (latest, latest))
