"""Dagster definitions for the collection's Meltano project (`dagster dev -m meltano_dagster.definitions`).

- Every job and schedule of meltano.yml, as dagster-meltano generates them (one op per
  `meltano run` task, the cron of meltano.yml), except the accounts' jobs, which the next
  point replaces.
- Per vendor with accounts (Rick.ai, Kameleoon), one asset partitioned by account and day:
  a partition is one ``meltano run --state-id-suffix=<day> tap-<vendor>--<account>
  <loader>`` with that account's start and end date set to the day. The day's own state id
  keeps its bookmarks in Meltano (a retried run resumes from them: Kameleoon's in-flight data
  codes, Rick.ai's finished days); Dagster keeps no state. A daily schedule (meltano.yml's
  `<vendor>-accounts-daily` cron) asks for yesterday and the days before it that the vendor
  still revises, for every account.
- Retries are Dagster's (RetryPolicy on the asset: a failed run is run again, later).
- Parallelism is capped by run tags: each partition's run carries
  ``dagster/partition/<vendor>_account``; dagster.yaml beside this package limits runs to one
  per unique value (the vendor's per-account limit) and, for DuckDB, one loading it at a time.
"""

import os
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    Backoff,
    DailyPartitionsDefinition,
    Definitions,
    Jitter,
    JobDefinition,
    MaterializeResult,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    RetryPolicy,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    StaticPartitionsDefinition,
    asset,
    define_asset_job,
    schedule,
)
from dagster_meltano import MeltanoResource, load_jobs_from_meltano_project

from .project import (
    ENVIRONMENT,
    LOADER,
    MELTANO_BIN,
    PROJECT_DIR,
    VENDORS,
    Account,
    Vendor,
    accounts,
    meltano_yml,
    schedule_cron,
    state_id,
)

FIRST_DAY = os.environ.get("MELTANO_ORCHESTRATE_FIRST_DAY", "2026-01-01")
"""First day partition (older days are past what the vendors keep: Rick.ai 90 days, Kameleoon ~62)."""
RETRY = RetryPolicy(
    max_retries=int(os.environ.get("MELTANO_ORCHESTRATE_RETRIES", "3")),
    delay=float(os.environ.get("MELTANO_ORCHESTRATE_RETRY_DELAY_SECONDS", "300")),
    backoff=Backoff.EXPONENTIAL,
    jitter=Jitter.PLUS_MINUS,
)
"""A failed partition is run again after 5, 10, 20 minutes (±): the tap has already retried each
request (429, 5xx, timeouts); what reaches Dagster is an outage or a limit that outlasts them."""
WAREHOUSE_TAG = "meltano/loader"

meltano = MeltanoResource(project_dir=str(PROJECT_DIR), meltano_bin=MELTANO_BIN)
"""dagster-meltano's resource: runs `meltano <command>` in the project, streaming its log."""


def dimension(vendor: Vendor) -> str:
    """The account dimension's name; its run tag `dagster/partition/<name>` is what dagster.yaml limits."""
    return f"{vendor.name}_account"


def partitions(vendor: Vendor, names: list[str]) -> MultiPartitionsDefinition:
    return MultiPartitionsDefinition(
        {dimension(vendor): StaticPartitionsDefinition(names), "day": DailyPartitionsDefinition(start_date=FIRST_DAY)}
    )


def account_asset(vendor: Vendor, known: dict[str, Account]) -> AssetsDefinition:
    """The vendor's accounts' tables, one partition per account and day."""

    @asset(
        name=f"{vendor.name}_accounts",
        group_name="meltano",
        description=f"{vendor.tap} per account into {LOADER}, a day at a time ({vendor.limit}).",
        partitions_def=partitions(vendor, list(known)),
        retry_policy=RETRY,
        required_resource_keys={"meltano"},
        kinds={"meltano"},
    )
    def materialise(context: AssetExecutionContext) -> MaterializeResult:
        key = context.partition_key
        assert isinstance(key, MultiPartitionKey)
        account, day = known[key.keys_by_dimension[dimension(vendor)]], key.keys_by_dimension["day"]
        command = f"--environment={ENVIRONMENT} run --state-id-suffix={day} {account.plugin} {LOADER}"
        env = {f"{account.env_prefix}START_DATE": day, f"{account.env_prefix}END_DATE": day}
        context.resources.meltano.execute_command(command, env, context.log)
        return MaterializeResult(
            metadata={"account": account.name, "day": day, "plugin": account.plugin, "state_id": state_id(account, day)}
        )

    return materialise


def daily_schedule(vendor: Vendor, names: list[str], cron: str, asset_def: AssetsDefinition) -> ScheduleDefinition:
    job = define_asset_job(
        f"{vendor.name}_accounts_job",
        selection=[asset_def],
        partitions_def=asset_def.partitions_def,
        tags={WAREHOUSE_TAG: LOADER},
    )

    @schedule(name=f"{vendor.name}_accounts_daily", cron_schedule=cron, job=job, execution_timezone="UTC")
    def daily(context: ScheduleEvaluationContext) -> Iterator[RunRequest]:
        today = context.scheduled_execution_time.date()
        for day in days_to_run(today, vendor.lookback_days):
            for name in names:
                key = MultiPartitionKey({dimension(vendor): name, "day": day.isoformat()})
                yield RunRequest(run_key=f"{key}@{today}", partition_key=key)

    return daily


def days_to_run(today: date, lookback_days: int) -> list[date]:
    """Yesterday and the `lookback_days` before it, oldest first, none before FIRST_DAY."""
    first = date.fromisoformat(FIRST_DAY)
    days = [today - timedelta(days=n) for n in range(lookback_days + 1, 0, -1)]
    return [day for day in days if day >= first]


def meltano_jobs(replaced: set[str]) -> list[Any]:
    """meltano.yml's jobs and schedules as dagster-meltano generates them, less `replaced` jobs."""
    if os.environ.get("MELTANO_ORCHESTRATE_PROJECT_JOBS", "1") == "0":
        return []
    generated = load_jobs_from_meltano_project(str(PROJECT_DIR))
    names = {name.replace("-", "_") for name in replaced}
    return [
        item
        for item in generated
        if not (isinstance(item, JobDefinition) and item.name in names)
        and not (isinstance(item, ScheduleDefinition) and item.job_name in names)
    ]


def build() -> Definitions:
    project = meltano_yml()
    assets, schedules = [], []
    for vendor in VENDORS:
        known = accounts(vendor, project)
        if not known:
            continue
        asset_def = account_asset(vendor, known)
        assets.append(asset_def)
        schedules.append(daily_schedule(vendor, list(known), schedule_cron(vendor, project), asset_def))
    replaced = {entry["job"] for entry in project.get("schedules", []) if entry["name"].endswith("-accounts-daily")}
    generated = meltano_jobs(replaced)
    return Definitions(
        assets=assets,
        jobs=[item for item in generated if isinstance(item, JobDefinition)],
        schedules=[*schedules, *(item for item in generated if isinstance(item, ScheduleDefinition))],
        resources={"meltano": meltano},
    )


defs = build()
