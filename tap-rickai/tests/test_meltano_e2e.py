"""End to end: ``meltano run tap-rickai target-duckdb`` against a strict sandbox.

Runs the project's ``meltano.yml`` with the plugins ``make meltano`` installed
in ``.meltano/``, but with a temporary Meltano system directory and database
and a temporary DuckDB file, so the developer's own state and warehouse are
never touched. The meltano executable comes from the ``MELTANO`` environment
variable (``make test`` sets it).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import typing as t
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
COMPANY = "demo-company"
STATE_ID = "sandbox:tap-rickai-to-target-duckdb"
TABLE = "tap_rickai.sessions"
PLUGIN_DIRS = ("extractors", "loaders")
ISOLATED_PREFIXES = ("MELTANO_", "TAP_RICKAI_", "TARGET_DUCKDB_")


@pytest.fixture
def meltano() -> Path:
    """The meltano executable from ``$MELTANO``, with the project's plugins installed."""
    value = os.environ.get("MELTANO")
    if not value:
        pytest.skip("MELTANO is not set: run `make test` (it installs Meltano and sets MELTANO)")
    executable = Path(value)
    assert os.access(executable, os.X_OK), f"MELTANO={value} is not an executable"
    for kind in PLUGIN_DIRS:
        assert (ROOT / ".meltano" / kind).is_dir(), "plugins not installed: run `make meltano`"
    return executable


@dataclass
class MeltanoProject:
    """The repository's Meltano project with a throwaway system dir, database and warehouse."""

    executable: Path
    env: dict[str, str]
    tmp: Path

    @property
    def warehouse(self) -> Path:
        return self.tmp / "warehouse.duckdb"

    @property
    def system_db(self) -> Path:
        return self.tmp / "meltano.db"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``meltano --environment=sandbox ARGS`` with no stdin, output captured."""
        return subprocess.run(
            [str(self.executable), "--environment=sandbox", *args],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def elt(self) -> subprocess.CompletedProcess[str]:
        """The main job; uses the installed plugins as they are (no auto-install)."""
        return self.run("run", "--no-install", "tap-rickai", "target-duckdb")


def isolated_project(
    executable: Path, tmp: Path, sandbox: SandboxServer, token: str, days: tuple[date, date]
) -> MeltanoProject:
    """A project whose system dir (symlinking the installed plugins) and files live in ``tmp``."""
    system_dir = tmp / "meltano-system"
    system_dir.mkdir()
    for kind in PLUGIN_DIRS:
        (system_dir / kind).symlink_to(ROOT / ".meltano" / kind, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(ISOLATED_PREFIXES)}
    project = MeltanoProject(executable, env, tmp)
    env.update(
        MELTANO_SYS_DIR_ROOT=str(system_dir),
        MELTANO_DATABASE_URI=f"sqlite:///{project.system_db}",
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        TARGET_DUCKDB_FILEPATH=str(project.warehouse),
        TAP_RICKAI_API_URL=sandbox.vendor_url("rickai"),
        TAP_RICKAI_COMPANY=COMPANY,
        TAP_RICKAI_API_TOKEN=token,
        TAP_RICKAI_START_DATE=days[0].isoformat(),
        TAP_RICKAI_END_DATE=days[1].isoformat(),
        TAP_RICKAI_PAGE_SIZE="100",
        TAP_RICKAI_LOOKBACK_DAYS="1",
        # No `kind: decimal` setting here: Meltano 4.4 casts those env values to
        # Decimal and then fails to serialize the config (TypeError).
    )
    return project


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


def assert_loaded_truth(project: MeltanoProject, sandbox: SandboxServer, days: tuple[date, date]) -> None:
    assert rows_per_date(project.warehouse) == truth_per_date(sandbox, days)
    keys = primary_keys(project.warehouse)
    assert len(keys) == len(set(keys))
    truth_keys = sandbox.rickai.keys(COMPANY, days[0], days[1])
    assert set(keys) == {(c, int(n), str(d)) for c, n, d in truth_keys}


def assert_no_rate_limit_hits(sandbox: SandboxServer) -> None:
    rickai = sandbox.stats()["vendors"]["rickai"]
    assert rickai["rate_limited_429"] == 0
    assert rickai["fault_429"] == 0
    assert set(rickai["by_status"]) == {"200"}


def assert_token_not_stored(project: MeltanoProject, token: str) -> None:
    """Neither ``meltano state get`` nor any file Meltano wrote holds the token."""
    state = project.run("state", "get", STATE_ID)
    assert_succeeded(state, token)
    bookmark = json.loads(state.stdout)["singer_state"]["bookmarks"]["sessions"]
    assert bookmark["replication_key_value"]
    assert project.system_db.is_file()
    for path in project.tmp.rglob("*"):
        if path.is_file() and not path.is_symlink() and path != project.warehouse:
            assert token.encode() not in path.read_bytes(), f"token found in {path}"


def test_meltano_run_loads_truth_then_resumes(
    meltano: Path, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    token = f"e2e-{secrets.token_hex(16)}"
    sandbox = sandbox_factory(rickai_sessions_per_day=300, rickai_tokens={token: COMPANY})
    latest = sandbox.rickai.window()[1] - timedelta(days=1)  # a day of margin at midnight
    days = (latest - timedelta(days=3), latest)
    project = isolated_project(meltano, tmp_path, sandbox, token, days)

    first = project.elt()
    assert_succeeded(first, token)
    assert_loaded_truth(project, sandbox, days)
    assert requested_days(sandbox) == {(days[0] + timedelta(n)).isoformat() for n in range(4)}
    assert len(sandbox.requests) > 4  # 300 ± 20% sessions a day, 100 a page
    assert_no_rate_limit_hits(sandbox)

    sandbox.reset_log()
    second = project.elt()
    assert_succeeded(second, token)
    # The bookmark (the last day) and lookback_days=1 before it, nothing else.
    assert requested_days(sandbox) == {(latest - timedelta(n)).isoformat() for n in (0, 1)}
    assert_loaded_truth(project, sandbox, days)
    assert_no_rate_limit_hits(sandbox)

    assert_token_not_stored(project, token)


def test_meltano_settings_match_tap_about() -> None:
    """meltano.yml declares exactly the tap's settings, with its defaults and secrets."""
    about = subprocess.run(
        [sys.executable, "-m", "tap_rickai.tap", "--about", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    properties = json.loads(about.stdout)["settings"]["properties"]
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (tap,) = (p for p in project["plugins"]["extractors"] if p["name"] == "tap-rickai")
    settings = {s["name"]: s for s in tap["settings"]}
    assert list(settings) == list(properties)
    for name, prop in properties.items():
        assert settings[name].get("sensitive", False) == prop.get("secret", False), name
        assert settings[name].get("value") == prop.get("default"), name
