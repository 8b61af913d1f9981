"""End to end: ``meltano run tap-spreadsheets target-calltouch-plans`` against a strict sandbox.

Reads the repository's sample ``plans/plans.csv`` with the real PyPI tap, imports it into
the sandbox, and compares what the sandbox holds with the file. Meltano's system dir and
database live in a temporary directory, so the developer's own state is never touched.
The meltano executable comes from ``$MELTANO`` (``make test`` sets it).
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml
from calltouch_helpers import SITE_ID, canonical, flat_to_item

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans" / "plans.csv"
STATE_ID = "sandbox:tap-spreadsheets-to-target-calltouch-plans"
PLUGIN_DIRS = ("extractors", "loaders")
ISOLATED_PREFIXES = ("MELTANO_", "TAP_SPREADSHEETS_", "TARGET_CALLTOUCH_PLANS_")


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


def meltano_env(tmp: Path, sandbox: SandboxServer, token: str) -> dict[str, str]:
    system_dir = tmp / "meltano-system"
    system_dir.mkdir()
    for kind in PLUGIN_DIRS:
        (system_dir / kind).symlink_to(ROOT / ".meltano" / kind, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(ISOLATED_PREFIXES)}
    env.update(
        MELTANO_SYS_DIR_ROOT=str(system_dir),
        MELTANO_DATABASE_URI=f"sqlite:///{tmp / 'meltano.db'}",
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        TARGET_CALLTOUCH_PLANS_API_URL=sandbox.vendor_url("calltouch"),
        TARGET_CALLTOUCH_PLANS_API_TOKEN=token,
        TARGET_CALLTOUCH_PLANS_SITE_ID=SITE_ID,
        TARGET_CALLTOUCH_PLANS_IMPORT_LOG_PATH=str(tmp / "imports.jsonl"),
        TARGET_CALLTOUCH_PLANS_REJECT_FILE_PATH=str(tmp / "rejects.jsonl"),
    )
    return env


def run(executable: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
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


def test_meltano_run_imports_the_plans_file(meltano, sandbox_factory, tmp_path):
    token = f"e2e-{secrets.token_hex(16)}"
    sandbox = sandbox_factory(calltouch_tokens={token: SITE_ID}, calltouch_import_seconds=0.3)
    env = meltano_env(tmp_path, sandbox, token)

    first = run(meltano, env, "run", "--no-install", "tap-spreadsheets", "target-calltouch-plans")
    assert first.returncode == 0, first.stderr[-5000:]
    with PLANS.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert canonical(sandbox.calltouch.imported_plans()) == canonical(flat_to_item(row) for row in rows)
    audit = [json.loads(line) for line in (tmp_path / "imports.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(a["status"], a["items"]) for a in audit] == [("success", len(rows))]
    assert f"items imported: {len(rows)} in 1 import(s)" in first.stderr
    stats = sandbox.stats()["vendors"]["calltouch"]
    assert stats["rate_limited_429"] == 0
    assert set(stats["by_status"]) == {"200"}

    state = run(meltano, env, "state", "get", STATE_ID)
    assert state.returncode == 0, state.stderr
    assert json.loads(state.stdout)["singer_state"]["bookmarks"]["plans"]

    # The file was read (its mtime is bookmarked): a second run imports nothing again.
    sandbox.reset_log()
    second = run(meltano, env, "run", "--no-install", "tap-spreadsheets", "target-calltouch-plans")
    assert second.returncode == 0, second.stderr[-5000:]
    assert sandbox.requests == []

    for output in (first.stdout, first.stderr, second.stdout, second.stderr, state.stdout, state.stderr):
        assert token not in output
    for path in tmp_path.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert token.encode() not in path.read_bytes(), f"token found in {path}"


def test_meltano_settings_match_target_about() -> None:
    """meltano.yml declares exactly the target's settings, with its defaults and secrets."""
    about = subprocess.run(
        [sys.executable, "-m", "target_calltouch_plans.target", "--about", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    properties = json.loads(about.stdout)["settings"]["properties"]
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (target,) = (p for p in project["plugins"]["loaders"] if p["name"] == "target-calltouch-plans")
    settings = {s["name"]: s for s in target["settings"]}
    assert list(settings) == list(properties)
    for name, prop in properties.items():
        assert settings[name].get("sensitive", False) == prop.get("secret", False), name
        assert settings[name].get("value") == prop.get("default"), name
