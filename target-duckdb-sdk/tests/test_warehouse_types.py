"""The warehouse `make demo` writes: every column of every stream of every tap, typed as the
stream's JSON schema says (the README's "Column types"), under the tap's own name, followed by
the SDK's metadata columns.

One sandbox and one isolated Meltano project for the module: each tap's job, ``meltano run
<tap> target-duckdb-sdk`` as the demo runs it (over a few days), loads into one DuckDB file.
tap-trust runs twice, in the sandbox environment's history mode and in snapshot mode (prod's),
so that each of its streams gets a table. The expected type of a column comes from the
stream's schema in the catalog Meltano gave the tap (it keeps it in its run directory,
``<system dir>/run/<tap>/tap.properties.json``).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import typing as t
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from duckdb_sdk_helpers import METADATA_COLUMNS, expected_columns, query

from vendor_sandbox import SandboxConfig, SandboxServer
from vendor_testing.meltano_testing import IsolatedMeltano, meltano_executable

ROOT = Path(__file__).resolve().parents[2]
TAPS = ("tap-rickai", "tap-kameleoon", "tap-shopster", "tap-trust")
#: Job name → (tap, settings of that job beyond the module's).
JOBS: dict[str, tuple[str, dict[str, str]]] = {
    "tap-rickai": ("tap-rickai", {}),
    "tap-kameleoon": ("tap-kameleoon", {}),
    "tap-shopster": ("tap-shopster", {}),
    "tap-trust history": ("tap-trust", {}),
    "tap-trust snapshot": ("tap-trust", {"TAP_TRUST_STATISTICS_MODE": "snapshot"}),
}


@dataclasses.dataclass
class Warehouse:
    """The DuckDB file the jobs loaded, and what each job was given and did."""

    path: Path
    catalogs: dict[str, dict[str, t.Any]]
    started: datetime
    finished: datetime
    rickai_day: date

    def selected_streams(self, job: str) -> dict[str, dict[str, t.Any]]:
        """Stream → JSON schema of the streams the job's catalog selects."""
        streams = {}
        for entry in self.catalogs[job]["streams"]:
            (top,) = (m["metadata"] for m in entry["metadata"] if not m["breadcrumb"])
            if top.get("selected"):
                streams[entry["tap_stream_id"]] = entry["schema"]
        return streams

    def columns(self, schema_name: str, table: str) -> list[tuple[str, str]]:
        """(column, DuckDB type) of the table, in table order, as information_schema has them."""
        rows = query(
            self.path,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            schema_name,
            table,
        )
        return [(str(name), str(kind)) for name, kind in rows]

    def tables(self, schema_name: str) -> set[str]:
        rows = query(self.path, "select table_name from information_schema.tables where table_schema = ?", schema_name)
        return {str(name) for (name,) in rows}


def namespace(tap: str) -> str:
    """The tap's schema in the warehouse (meltano.yml's namespace, $MELTANO_EXTRACT__LOAD_SCHEMA)."""
    return tap.replace("-", "_")


def succeeded(result: subprocess.CompletedProcess[str], what: str) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"{what} failed:\n{result.stderr[-5000:]}"
    return result


@pytest.fixture(scope="module")
def warehouse(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    executable = meltano_executable(pytestconfig.rootpath)
    sandbox = SandboxServer(SandboxConfig().replace(kameleoon_polls_until_ready=1)).start()
    try:
        tmp = tmp_path_factory.mktemp("warehouse")
        today = sandbox.clock.today()
        rickai_day = sandbox.rickai.window()[1] - timedelta(days=1)  # a day of margin at midnight
        project = IsolatedMeltano.create(
            executable,
            ROOT,
            tmp,
            isolate=("TAP_", "TARGET_DUCKDB_SDK_"),
            TARGET_DUCKDB_SDK_FILEPATH=str(tmp / "warehouse.duckdb"),
            TAP_RICKAI_API_URL=sandbox.vendor_url("rickai"),
            TAP_RICKAI_API_TOKEN="sandbox-rickai-token",
            TAP_RICKAI_START_DATE=rickai_day.isoformat(),
            TAP_RICKAI_END_DATE=rickai_day.isoformat(),
            TAP_KAMELEOON_API_URL=sandbox.vendor_url("kameleoon"),
            TAP_KAMELEOON_CLIENT_SECRET="sandbox-kameleoon-secret",
            TAP_KAMELEOON_START_DATE=(today - timedelta(days=2)).isoformat(),
            TAP_SHOPSTER_API_URL=sandbox.vendor_url("shopster"),
            TAP_SHOPSTER_API_TOKEN="sandbox-shopster-token",
            TAP_SHOPSTER_START_DATE=(today - timedelta(days=8)).isoformat(),  # a weekend for floors_weekend
            TAP_TRUST_API_URL=f"{sandbox.vendor_url('trust')}/api",
            TAP_TRUST_AUTH_URL=f"{sandbox.vendor_url('trust')}/atenea",
            TAP_TRUST_CLIENT_SECRET="sandbox-trust-secret",
            TAP_TRUST_START_DATE=(today - timedelta(days=1)).isoformat(),
        )
        started = datetime.now(UTC)
        catalogs = {}
        for job, (tap, settings) in JOBS.items():
            run = dataclasses.replace(project, env={**project.env, **settings})
            succeeded(run.run("run", "--no-install", tap, "target-duckdb-sdk"), f"meltano run {job}")
            catalog = tmp / "meltano-system" / "run" / tap / "tap.properties.json"
            catalogs[job] = json.loads(catalog.read_text(encoding="utf-8"))
        yield Warehouse(tmp / "warehouse.duckdb", catalogs, started, datetime.now(UTC), rickai_day)
    finally:
        sandbox.stop()


@pytest.mark.parametrize("tap", TAPS)
def test_every_stream_has_a_table_whose_columns_are_typed_as_its_schema_says(warehouse: Warehouse, tap: str) -> None:
    streams: dict[str, dict[str, t.Any]] = {}
    for job, (job_tap, _) in JOBS.items():
        if job_tap == tap:
            streams |= warehouse.selected_streams(job)
    assert streams, f"{tap}: no stream selected"
    assert warehouse.tables(namespace(tap)) == set(streams)
    for stream, json_schema in streams.items():
        assert warehouse.columns(namespace(tap), stream) == list(expected_columns(json_schema).items()), stream
        ((rows,),) = query(warehouse.path, f'select count(*) from {namespace(tap)}."{stream}"')  # noqa: S608
        assert rows > 0, f"{tap}: {stream} is empty: its values were never cast to these types"


def test_the_columns_the_issue_named(warehouse: Warehouse) -> None:
    """tap_rickai.sessions.date landed as VARCHAR, integers as HUGEINT, camelCase lower-cased."""
    sessions = dict(warehouse.columns("tap_rickai", "sessions"))
    assert (sessions["date"], sessions["session_count"], sessions["revenue"]) == ("DATE", "BIGINT", "DOUBLE")
    assert query(warehouse.path, "select distinct date from tap_rickai.sessions") == [(warehouse.rickai_day,)]
    stats = dict(warehouse.columns("tap_kameleoon", "audience_global_stats"))
    assert stats["averageRevenuePerConversionEvolution"] == "DOUBLE"
    assert stats["elementCount"] == "BIGINT"
    assert "averagerevenueperconversionevolution" not in stats
    # DuckDB matches names case-insensitively: no quotes needed to query them.
    sql = "select count(averagerevenueperconversionevolution), count(*) from tap_kameleoon.audience_global_stats"
    ((filled, rows),) = query(warehouse.path, sql)
    assert filled == rows > 0
    assert dict(warehouse.columns("tap_trust", "daily_statistics"))["date"] == "DATE"
    assert dict(warehouse.columns("tap_trust", "statistics_snapshots"))["snapshot_date"] == "DATE"
    assert dict(warehouse.columns("tap_shopster", "group_datetime"))["count_session"] == "BIGINT"


def test_metadata_columns_say_when_a_row_was_read_and_which_run_loaded_it(warehouse: Warehouse) -> None:
    runs: dict[str, int] = {}
    for tap in TAPS:
        for table in sorted(warehouse.tables(namespace(tap))):
            name = f'{namespace(tap)}."{table}"'
            assert set(METADATA_COLUMNS) <= dict(warehouse.columns(namespace(tap), table)).keys()
            sql = (
                "select count(*), count(_sdc_extracted_at), min(_sdc_extracted_at), max(_sdc_received_at), "
                # read by the tap, then its batch started (at the batch's first row), then it arrived
                "bool_and(_sdc_extracted_at <= _sdc_received_at and _sdc_batched_at <= _sdc_received_at), "
                "count(_sdc_deleted_at), count(distinct _sdc_sync_started_at), max(_sdc_sync_started_at) from "
            )
            ((rows, extracted, first, last, in_order, deleted, run_ids, run),) = query(warehouse.path, sql + name)
            assert extracted == rows, name
            assert warehouse.started <= first <= last <= warehouse.finished, name
            assert in_order, name
            assert deleted == 0, name
            assert run_ids == 1, name  # every row of a table was loaded by one run here
            runs[f"{tap}.{table}"] = run
    # One run id per `meltano run`: the four taps' jobs differ; tap-trust's campaigns were
    # replaced by its second (snapshot) run, daily_statistics kept the first run's id.
    trust_history, trust_snapshot = runs["tap-trust.daily_statistics"], runs["tap-trust.statistics_snapshots"]
    assert runs["tap-trust.campaigns"] == trust_snapshot > trust_history
    assert len({runs["tap-rickai.sessions"], runs["tap-kameleoon.sites"], runs["tap-shopster.group_datetime"]}) == 3
    assert len({v for k, v in runs.items() if k.startswith("tap-kameleoon.")}) == 1
