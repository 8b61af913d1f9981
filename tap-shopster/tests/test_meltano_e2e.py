"""End to end: ``meltano run tap-shopster target-duckdb-sdk`` against a strict sandbox.

Runs the project's ``meltano.yml`` (its sandbox environment's three reports: malls daily,
zones hourly, floors weekend) with the plugins ``make meltano`` installed, in an isolated
Meltano system directory and database and a temporary DuckDB file.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import typing as t
from datetime import timedelta
from pathlib import Path

import duckdb
import yaml

from vendor_testing.meltano_testing import IsolatedMeltano, assert_settings_match_about

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
STATE_ID = "sandbox:tap-shopster-to-target-duckdb-sdk"
TABLE = "tap_shopster.group_datetime"
ISOLATED_PREFIXES = ("TAP_SHOPSTER_", "TARGET_DUCKDB_SDK_")


def sandbox_reports() -> list[dict[str, t.Any]]:
    """The reports meltano.yml's sandbox environment configures."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (environment,) = (e for e in project["environments"] if e["name"] == "sandbox")
    (tap,) = (p for p in environment["config"]["plugins"]["extractors"] if p["name"] == "tap-shopster")
    return t.cast("list[dict[str, t.Any]]", tap["config"]["reports"])


def warehouse(tmp: Path) -> Path:
    return tmp / "warehouse.duckdb"


def loaded(tmp: Path) -> dict[str, list[tuple[t.Any, ...]]]:
    """Report → its rows' keys (object_id, user_type, period_start, datetime)."""
    with duckdb.connect(str(warehouse(tmp)), read_only=True) as db:
        rows = db.execute(
            f"select report, object_id, user_type, period_start::varchar, datetime::varchar from {TABLE}"  # noqa: S608
        ).fetchall()
    result: dict[str, list[tuple[t.Any, ...]]] = {}
    for report, *key in rows:
        result.setdefault(report, []).append(tuple(key))
    return result


def served(sandbox: SandboxServer, report: dict[str, t.Any]) -> int:
    """Distinct rows the sandbox served for the report's objects and interval."""
    objects = ",".join(map(str, report["objects"]))
    return int(sandbox.shopster.served_summary(objects, report.get("interval", "daily"))["distinct_rows"])


def requested(sandbox: SandboxServer) -> dict[str, list[tuple[str, str]]]:
    """Objects → the (from, to) of each request, in order."""
    result: dict[str, list[tuple[str, str]]] = {}
    for r in sandbox.requests:
        if r.vendor == "shopster":
            result.setdefault(r.query["objects"], []).append((r.query["from"], r.query["to"]))
    return result


def assert_succeeded(result: subprocess.CompletedProcess[str], token: str) -> None:
    assert result.returncode == 0, f"meltano failed:\n{result.stderr[-5000:]}"
    assert token not in result.stdout + result.stderr


def test_meltano_run_loads_what_the_sandbox_served_then_asks_only_for_the_lookback(
    meltano: Path, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    token = f"e2e-{secrets.token_hex(16)}"
    sandbox = sandbox_factory(shopster_tokens=(token,))
    end = sandbox.clock.today() - timedelta(days=2)  # a day of margin at midnight
    start = end - timedelta(days=9)
    project = IsolatedMeltano.create(
        meltano,
        ROOT,
        tmp_path,
        isolate=ISOLATED_PREFIXES,
        TARGET_DUCKDB_SDK_FILEPATH=str(warehouse(tmp_path)),
        # Loader batches smaller than an hourly window: rows cross batch boundaries.
        TARGET_DUCKDB_SDK_BATCH_SIZE_ROWS="499",
        TAP_SHOPSTER_API_URL=sandbox.vendor_url("shopster"),
        TAP_SHOPSTER_API_TOKEN=token,
        TAP_SHOPSTER_START_DATE=start.isoformat(),
        TAP_SHOPSTER_END_DATE=end.isoformat(),
        TAP_SHOPSTER_LOOKBACK_DAYS="2",
    )
    reports = sandbox_reports()

    first = project.run("run", "--no-install", "tap-shopster", "target-duckdb-sdk")
    assert_succeeded(first, token)
    rows = loaded(tmp_path)
    assert set(rows) == {r["name"] for r in reports}
    for report in reports:
        keys = rows[report["name"]]
        assert len(keys) == len(set(keys)) == served(sandbox, report) > 0, report["name"]
    hourly = next(r for r in reports if r.get("interval") == "hourly")
    assert len(rows[hourly["name"]]) == 10 * 24 * 7 * len(hourly["objects"])
    assert {r.status for r in sandbox.requests} == {200}

    sandbox.reset_log()
    second = project.run("run", "--no-install", "tap-shopster", "target-duckdb-sdk")
    assert_succeeded(second, token)
    # The bookmark is the end of the last window (end + 1 day, exclusive): two days before it.
    lookback = (str(end - timedelta(days=1)), str(end))
    windows = requested(sandbox)
    for report in reports:
        objects = ",".join(map(str, report["objects"]))
        if report.get("interval") == "weekend":  # the week holding the lookback, read whole
            monday = end - timedelta(days=1) - timedelta(days=(end - timedelta(days=1)).weekday())
            assert windows[objects] == [(str(monday), min(str(monday + timedelta(days=6)), str(end)))]
        else:
            assert windows[objects] == [lookback], report["name"]
    assert {name: len(keys) for name, keys in loaded(tmp_path).items()} == {n: len(k) for n, k in rows.items()}

    state = project.run("state", "get", STATE_ID)
    assert_succeeded(state, token)
    partitions = json.loads(state.stdout)["singer_state"]["bookmarks"]["group_datetime"]["partitions"]
    assert {p["context"]["report"]: p["replication_key_value"] for p in partitions} == {
        r["name"]: f"{end + timedelta(days=1)}T00:00:00Z" for r in reports
    }
    assert project.files_containing(token, skip=(warehouse(tmp_path),)) == []


def test_meltano_settings_match_tap_about() -> None:
    """meltano.yml declares exactly the tap's settings, with its defaults and secrets."""
    assert_settings_match_about(ROOT, "extractors", "tap-shopster", "tap_shopster.tap")


def test_the_sandbox_reports_of_meltano_yml_are_of_one_kind_each(sandbox: SandboxServer) -> None:
    catalogue = sandbox.shopster.objects
    for report in sandbox_reports():
        assert len({catalogue[o] for o in report["objects"]}) == 1, report["name"]
