"""End to end: ``meltano run tap-kameleoon target-duckdb`` against a strict sandbox.

Runs the project's ``meltano.yml`` with the plugins ``make meltano`` installed in
``.meltano/``, but with a temporary Meltano system directory and database and a
temporary DuckDB file. The meltano executable comes from ``$MELTANO`` (``make test``).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import typing as t
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import yaml
from kameleoon_helpers import AUDIENCE_STREAMS, CLIENT_ID, expected_rows, yesterday

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
STATE_ID = "sandbox:tap-kameleoon-to-target-duckdb"
SCHEMA = "tap_kameleoon"
PLUGIN_DIRS = ("extractors", "loaders")
ISOLATED_PREFIXES = ("MELTANO_", "TAP_KAMELEOON_", "TARGET_DUCKDB_")


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


def meltano_env(tmp: Path, sandbox: SandboxServer, secret: str, start: str) -> dict[str, str]:
    """Environment of an isolated project: system dir (symlinking the installed plugins) in ``tmp``."""
    system_dir = tmp / "meltano-system"
    system_dir.mkdir()
    for kind in PLUGIN_DIRS:
        (system_dir / kind).symlink_to(ROOT / ".meltano" / kind, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(ISOLATED_PREFIXES)}
    env.update(
        MELTANO_SYS_DIR_ROOT=str(system_dir),
        MELTANO_DATABASE_URI=f"sqlite:///{tmp / 'meltano.db'}",
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        TARGET_DUCKDB_FILEPATH=str(tmp / "warehouse.duckdb"),
        TAP_KAMELEOON_API_URL=sandbox.vendor_url("kameleoon"),
        TAP_KAMELEOON_CLIENT_SECRET=secret,
        TAP_KAMELEOON_START_DATE=start,
        # No `kind: decimal` setting here (Meltano 4.4 fails to serialize Decimal env values);
        # the sandbox environment in meltano.yml sets short polls.
    )
    return env


def meltano_run(executable: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(executable), "--environment=sandbox", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
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
    env = meltano_env(tmp_path, sandbox, secret, str(start))

    first = meltano_run(meltano, env, "run", "--no-install", "tap-kameleoon", "target-duckdb")
    assert first.returncode == 0, first.stderr[-5000:]
    loaded = table_rows(tmp_path / "warehouse.duckdb")
    truth = expected_rows(sandbox, start, yesterday(), 7)
    for stream in AUDIENCE_STREAMS:
        assert loaded[stream] == served_rows(sandbox)[stream] == truth[stream], stream
    assert loaded["sites"] == 2
    assert loaded["segments"] == 8
    stats = sandbox.stats()["vendors"]["kameleoon"]
    assert stats["rate_limited_429"] == 0

    sandbox.kameleoon.served.clear()
    second = meltano_run(meltano, env, "run", "--no-install", "tap-kameleoon", "target-duckdb")
    assert second.returncode == 0, second.stderr[-5000:]
    # Only the last window of each site again (bookmark minus the 2-day lookback); same rows.
    assert served_rows(sandbox)["audience_global_stats"] == 2
    assert table_rows(tmp_path / "warehouse.duckdb") == loaded

    state = meltano_run(meltano, env, "state", "get", STATE_ID)
    assert state.returncode == 0, state.stderr
    partitions = json.loads(state.stdout)["singer_state"]["bookmarks"]["audience_global_stats"]["partitions"]
    assert {p["replication_key_value"] for p in partitions} == {f"{yesterday() + timedelta(days=1)}T00:00:00"}
    tokens = list(sandbox.kameleoon.tokens)  # every access token the runs were given
    assert tokens
    for result in (first, second, state):
        for value in (secret, *tokens):
            assert value not in result.stdout + result.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file() and not path.is_symlink():
            content = path.read_bytes()
            for value in (secret, *tokens):
                assert value.encode() not in content, f"a secret or token found in {path}"


def test_meltano_settings_match_tap_about() -> None:
    """meltano.yml declares exactly the tap's settings, with its defaults and secrets."""
    about = subprocess.run(
        [sys.executable, "-m", "tap_kameleoon.tap", "--about", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    properties = json.loads(about.stdout)["settings"]["properties"]
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (tap,) = (p for p in project["plugins"]["extractors"] if p["name"] == "tap-kameleoon")
    settings = {s["name"]: s for s in tap["settings"]}
    assert list(settings) == list(properties)
    for name, prop in properties.items():
        assert settings[name].get("sensitive", False) == prop.get("secret", False), name
        assert settings[name].get("value") == prop.get("default"), name
