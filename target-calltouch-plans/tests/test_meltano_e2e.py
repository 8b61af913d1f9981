"""End to end: ``meltano run tap-spreadsheets target-calltouch-plans`` against a strict sandbox.

Reads the repository's sample ``plans/plans.csv`` with the real PyPI tap, imports it into
the sandbox, and compares what the sandbox holds with the file. Meltano's system dir and
database live in a temporary directory, so the developer's own state is never touched.
The meltano executable comes from ``$MELTANO`` (``make test`` sets it).
"""

from __future__ import annotations

import csv
import json
import secrets
import typing as t
from pathlib import Path

from calltouch_helpers import SITE_ID, canonical, flat_to_item

from vendor_testing.meltano_testing import IsolatedMeltano, assert_settings_match_about

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans" / "plans.csv"
STATE_ID = "sandbox:tap-spreadsheets-to-target-calltouch-plans"
ISOLATED_PREFIXES = ("TAP_SPREADSHEETS_", "TARGET_CALLTOUCH_PLANS_")


def isolated_project(tmp: Path, executable: Path, sandbox: SandboxServer, token: str) -> IsolatedMeltano:
    """The project with its system dir, database, audit log and reject file in ``tmp``."""
    return IsolatedMeltano.create(
        executable,
        ROOT,
        tmp,
        isolate=ISOLATED_PREFIXES,
        TARGET_CALLTOUCH_PLANS_API_URL=sandbox.vendor_url("calltouch"),
        TARGET_CALLTOUCH_PLANS_API_TOKEN=token,
        TARGET_CALLTOUCH_PLANS_SITE_ID=SITE_ID,
        TARGET_CALLTOUCH_PLANS_IMPORT_LOG_PATH=str(tmp / "imports.jsonl"),
        TARGET_CALLTOUCH_PLANS_REJECT_FILE_PATH=str(tmp / "rejects.jsonl"),
    )


def test_meltano_run_imports_the_plans_file(meltano, sandbox_factory, tmp_path):
    token = f"e2e-{secrets.token_hex(16)}"
    sandbox = sandbox_factory(calltouch_tokens={token: SITE_ID}, calltouch_import_seconds=0.3)
    project = isolated_project(tmp_path, meltano, sandbox, token)

    first = project.run("run", "--no-install", "tap-spreadsheets", "target-calltouch-plans")
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

    state = project.run("state", "get", STATE_ID)
    assert state.returncode == 0, state.stderr
    assert json.loads(state.stdout)["singer_state"]["bookmarks"]["plans"]

    # The file was read (its mtime is bookmarked): a second run imports nothing again.
    sandbox.reset_log()
    second = project.run("run", "--no-install", "tap-spreadsheets", "target-calltouch-plans")
    assert second.returncode == 0, second.stderr[-5000:]
    assert sandbox.requests == []

    for output in (first.stdout, first.stderr, second.stdout, second.stderr, state.stdout, state.stderr):
        assert token not in output
    assert project.files_containing(token) == []


def test_meltano_settings_match_target_about() -> None:
    """meltano.yml declares exactly the target's settings, with its defaults and secrets."""
    assert_settings_match_about(ROOT, "loaders", "target-calltouch-plans", "target_calltouch_plans.target")
