"""meltano.yml's jobs and daily schedules: `meltano schedule list` shows a daily schedule for
every pipeline, and `meltano run <job>` runs one against the sandbox, keeping the same state
as `meltano run <tap> <target>` (the state id is the pair's, not the job's)."""

from __future__ import annotations

import csv
import json
import secrets
import typing as t
from datetime import timedelta
from pathlib import Path

import duckdb
from warehouse_project import ROOT, project

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

WAREHOUSE = "target-duckdb-sdk"
# Each pipeline, and the hour (UTC) its data is complete enough to run (meltano.yml says why).
PIPELINES = {
    "rickai-to-warehouse": (["tap-rickai target-duckdb-sdk"], 9),  # yesterday served from 08:00
    "kameleoon-to-warehouse": (["tap-kameleoon target-duckdb-sdk"], 2),  # yesterday, UTC, ended
    "trust-to-warehouse": (["tap-trust target-duckdb-sdk"], 23),  # today's 7-day snapshot, late
    "shopster-to-warehouse": (["tap-shopster target-duckdb-sdk"], 3),  # yesterday, past local midnights
    "plans-to-calltouch": (["tap-spreadsheets target-calltouch-plans"], 18),  # end of the Moscow working day
    "rickai-accounts-to-warehouse": (["tap-rickai--acme target-duckdb-sdk", "tap-rickai--globex target-duckdb-sdk"], 9),
    "kameleoon-accounts-to-warehouse": (
        ["tap-kameleoon--acme target-duckdb-sdk", "tap-kameleoon--globex target-duckdb-sdk"],
        2,
    ),
}


def daily_hour(cron: str) -> int:
    """The hour of a once-a-day cron expression `M H * * *` (fails for anything else)."""
    minute, hour, *rest = cron.split()
    assert rest == ["*", "*", "*"] and minute.isdigit() and hour.isdigit(), f"{cron!r} is not once a day"
    return int(hour)


def succeeded(result: t.Any, *secrets_: str) -> str:
    assert result.returncode == 0, f"meltano failed:\n{result.stderr[-5000:]}"
    assert not any(secret in result.stdout + result.stderr for secret in secrets_)
    return str(result.stdout)


def test_schedule_list_shows_a_daily_schedule_for_every_pipeline(meltano: Path, tmp_path: Path) -> None:
    isolated = project(meltano, tmp_path)
    schedules = json.loads(succeeded(isolated.run("schedule", "list", "--format=json")))["schedules"]
    assert schedules["elt"] == []
    by_job = {s["job"]["name"]: s for s in schedules["job"]}
    assert {job: s["job"]["tasks"] for job, s in by_job.items()} == {
        job: tasks for job, (tasks, _) in PIPELINES.items()
    }
    assert {job: daily_hour(s["cron_interval"]) for job, s in by_job.items()} == {
        job: hour for job, (_, hour) in PIPELINES.items()
    }
    # Every tap of the collection has its warehouse pipeline.
    warehouse_taps = {task.split()[0] for tasks, _ in PIPELINES.values() for task in tasks if task.endswith(WAREHOUSE)}
    assert {"tap-rickai", "tap-kameleoon", "tap-trust", "tap-shopster"} <= warehouse_taps
    listed = succeeded(isolated.run("schedule", "list"))
    assert "[0 9 * * *] job rickai-daily: rickai-to-warehouse" in listed


def test_meltano_run_job_loads_rickai_with_the_pairs_state(
    meltano: Path, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    token = f"jobs-{secrets.token_hex(16)}"
    sandbox = sandbox_factory(rickai_sessions_per_day=40, rickai_tokens={token: "demo-company"})
    day = sandbox.rickai.window()[1] - timedelta(days=1)
    isolated = project(
        meltano,
        tmp_path,
        TAP_RICKAI_API_URL=sandbox.vendor_url("rickai"),
        TAP_RICKAI_COMPANY="demo-company",
        TAP_RICKAI_API_TOKEN=token,
        TAP_RICKAI_START_DATE=day.isoformat(),
        TAP_RICKAI_END_DATE=day.isoformat(),
    )
    succeeded(isolated.run("run", "--no-install", "rickai-to-warehouse"), token)

    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as db:
        (rows,) = db.execute("select count(*) from tap_rickai.sessions").fetchone() or (0,)
    assert rows == sandbox.rickai.truth("demo-company", day, day)["total"] > 0
    state = json.loads(succeeded(isolated.run("state", "get", "sandbox:tap-rickai-to-target-duckdb-sdk"), token))
    assert state["singer_state"]["bookmarks"]["sessions"]["replication_key_value"].startswith(day.isoformat())


def test_meltano_run_job_imports_the_plans_into_calltouch(
    meltano: Path, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    token = f"jobs-{secrets.token_hex(16)}"
    sandbox = sandbox_factory(calltouch_tokens={token: "12345"}, calltouch_import_seconds=0.2)
    isolated = project(
        meltano,
        tmp_path,
        TARGET_CALLTOUCH_PLANS_API_URL=sandbox.vendor_url("calltouch"),
        TARGET_CALLTOUCH_PLANS_API_TOKEN=token,
        TARGET_CALLTOUCH_PLANS_SITE_ID="12345",
        TARGET_CALLTOUCH_PLANS_IMPORT_LOG_PATH=str(tmp_path / "imports.jsonl"),
        TARGET_CALLTOUCH_PLANS_REJECT_FILE_PATH=str(tmp_path / "rejects.jsonl"),
    )
    succeeded(isolated.run("run", "--no-install", "plans-to-calltouch"), token)

    with (ROOT / "plans" / "plans.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(sandbox.calltouch.imported_plans()) == len(rows) > 0
