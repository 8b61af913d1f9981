"""target-duckdb-sdk into a real DuckDB file: every row lands, keys upsert, types are typed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from duckdb_sdk_helpers import METADATA_COLUMNS, column_types, load, query, record, run_cli, schema, state

TS = {"id": {"type": "integer"}, "ts": {"type": "string", "format": "date-time"}}


def test_offset_timestamps_lose_no_row_at_any_batch_boundary(tmp_path: Path) -> None:
    """The target-duckdb 0.8.0 defect: with an offset on ``ts`` the first row of every batch vanished."""
    warehouse = tmp_path / "w.duckdb"
    rows = [{"id": i, "ts": f"2026-11-{1 + i % 28:02d}T0{i % 10}:00:00{'Z' if i % 2 else '+03:00'}"} for i in range(47)]
    load(warehouse, [schema("t", TS, ["id"]), *(record("t", row) for row in rows)], batch_size_rows=10)

    loaded = dict(query(warehouse, "select id, ts from s.t"))
    assert sorted(loaded) == list(range(47))
    for row in rows:
        expected = datetime.fromisoformat(row["ts"].replace("Z", "+00:00")).astimezone(UTC)
        assert loaded[row["id"]] == expected, row


def test_five_records_of_the_issue_all_land(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    rows = [record("t", {"id": i, "ts": f"2026-11-2{i}T00:00:00Z"}) for i in range(5)]
    load(warehouse, [schema("t", TS, ["id"]), *rows])
    assert query(warehouse, "select id from s.t order by id") == [(0,), (1,), (2,), (3,), (4,)]


def test_a_key_is_upserted_and_the_last_row_of_a_batch_wins(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    props = {"k": {"type": "string"}, "day": {"type": "string", "format": "date"}, "v": {"type": "integer"}}
    first = [record("t", {"k": f"k{i}", "day": "2026-11-01", "v": i}) for i in range(6)]
    load(warehouse, [schema("t", props, ["k", "day"]), *first], batch_size_rows=4)
    again = [
        record("t", {"k": "k1", "day": "2026-11-01", "v": 100}),
        record("t", {"k": "k1", "day": "2026-11-01", "v": 101}),  # same key later in the batch
        record("t", {"k": "k1", "day": "2026-11-02", "v": 7}),  # another day: another key
    ]
    load(warehouse, [schema("t", props, ["k", "day"]), *again])

    rows = query(warehouse, "select k, day::varchar, v from s.t order by k, day")
    assert rows == [
        ("k0", "2026-11-01", 0),
        ("k1", "2026-11-01", 101),
        ("k1", "2026-11-02", 7),
        ("k2", "2026-11-01", 2),
        ("k3", "2026-11-01", 3),
        ("k4", "2026-11-01", 4),
        ("k5", "2026-11-01", 5),
    ]


def test_append_only_keeps_every_row(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    rows = [record("t", {"id": 1, "ts": "2026-11-01T00:00:00Z"}) for _ in range(3)]
    load(warehouse, [schema("t", TS, ["id"]), *rows], load_method="append-only", batch_size_rows=2)
    assert query(warehouse, "select count(*) from s.t") == [(3,)]


def test_columns_are_typed_and_keep_the_tap_names(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    props = {
        "siteId": {"type": "integer"},
        "conversionRate": {"type": ["number", "null"]},
        "day": {"type": "string", "format": "date"},
        "windowStart": {"type": "string", "format": "date-time"},
        "isActive": {"type": "boolean"},
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "meta": {"type": "object", "properties": {"a": {"type": "integer"}}},
        "amount": {"type": "string", "format": "x-singer.decimal", "precision": 20, "scale": 4},
        "opens": {"type": "string", "format": "time"},
    }
    row = {
        "siteId": 2**40,
        "conversionRate": 0.012345678,
        "day": "2026-11-30",
        "windowStart": "2026-11-30T00:00:00Z",
        "isActive": True,
        "name": "Магазин",
        "tags": ["a", "b"],
        "meta": {"a": 1},
        "amount": "12345678901234.5678",
        "opens": "09:30:00",
    }
    load(warehouse, [schema("audience", props, ["siteId"]), record("audience", row)])

    assert column_types(warehouse, "audience") == {
        "siteId": "BIGINT",
        "conversionRate": "DOUBLE",
        "day": "DATE",
        "windowStart": "TIMESTAMP WITH TIME ZONE",
        "isActive": "BOOLEAN",
        "name": "VARCHAR",
        "tags": "JSON",
        "meta": "JSON",
        "amount": "DECIMAL(20,4)",
        "opens": "TIME",
        **METADATA_COLUMNS,
    }
    # DuckDB matches names case-insensitively: no quoting needed for camelCase.
    (loaded,) = query(
        warehouse,
        "select siteid, conversionrate, day::varchar, tags->>'$[1]', meta->>'$.a', name, amount::varchar, "
        "opens::varchar from s.audience",
    )
    assert loaded == (2**40, 0.012345678, "2026-11-30", "b", "1", "Магазин", "12345678901234.5678", "09:30:00")


def test_metadata_columns_are_added_unless_turned_off(tmp_path: Path) -> None:
    """As target-postgres: the SDK's _sdc_ columns by default; the run's start is the same on every row."""
    extracted = "2026-11-30T10:00:00+00:00"
    rows = [{**record("t", {"id": i, "ts": "2026-11-01T00:00:00Z"}), "time_extracted": extracted} for i in range(3)]
    with_metadata, without = tmp_path / "on.duckdb", tmp_path / "off.duckdb"
    before = datetime.now(UTC)
    load(with_metadata, [schema("t", TS, ["id"]), *rows], batch_size_rows=2)
    load(without, [schema("t", TS, ["id"]), *rows], add_record_metadata=False)

    assert column_types(without, "t") == {"id": "BIGINT", "ts": "TIMESTAMP WITH TIME ZONE"}
    assert column_types(with_metadata, "t") == {"id": "BIGINT", "ts": "TIMESTAMP WITH TIME ZONE", **METADATA_COLUMNS}
    ((extracted_at, batches, runs, run, deleted, batched_first),) = query(
        with_metadata,
        "select min(_sdc_extracted_at), count(distinct _sdc_batched_at), count(distinct _sdc_sync_started_at), "
        "max(_sdc_sync_started_at), count(_sdc_deleted_at), min(_sdc_batched_at) from s.t",
    )
    assert extracted_at == datetime.fromisoformat(extracted)
    assert (batches, runs, deleted) == (2, 1, 0)
    assert before <= batched_first <= datetime.now(UTC)
    assert before.timestamp() * 1000 - 1000 <= run <= datetime.now(UTC).timestamp() * 1000


def test_a_changed_schema_adds_and_widens_columns(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    load(
        warehouse,
        [schema("t", {"id": {"type": "integer"}, "v": {"type": "integer"}}, ["id"]), record("t", {"id": 1, "v": 2})],
    )
    wider = {"id": {"type": "integer"}, "v": {"type": "number"}, "note": {"type": "string"}}
    load(warehouse, [schema("t", wider, ["id"]), record("t", {"id": 2, "v": 2.5, "note": "x"})])

    assert column_types(warehouse, "t") == {"id": "BIGINT", "v": "DOUBLE", **METADATA_COLUMNS, "note": "VARCHAR"}
    assert query(warehouse, "select id, v, note from s.t order by id") == [(1, 2.0, None), (2, 2.5, "x")]


def test_state_is_passed_on_after_the_rows_before_it_are_loaded(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    messages = [
        schema("t", TS, ["id"]),
        *(record("t", {"id": i, "ts": "2026-11-01T00:00:00Z"}) for i in range(5)),
        state({"bookmarks": {"t": {"replication_key_value": "2026-11-01T00:00:00Z"}}}),
    ]
    result = run_cli(warehouse, messages, tmp_path)
    assert result.returncode == 0, result.stderr
    emitted = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert emitted[-1] == {"bookmarks": {"t": {"replication_key_value": "2026-11-01T00:00:00Z"}}}
    assert query(warehouse, "select count(*) from s.t") == [(5,)]


def test_a_value_its_column_cannot_hold_stops_the_run_in_one_line_keeping_nothing_of_the_batch(
    tmp_path: Path,
) -> None:
    warehouse = tmp_path / "w.duckdb"
    props = {"id": {"type": "integer"}, "n": {"type": "integer"}}
    messages = [
        schema("t", props, ["id"]),
        record("t", {"id": 1, "n": 1}),
        record("t", {"id": 2, "n": "many"}),
        state({"bookmarks": {"t": {"replication_key_value": 2}}}),
    ]
    load(warehouse, [schema("t", props, ["id"]), record("t", {"id": 0, "n": 0})])  # the file exists
    result = run_cli(warehouse, messages, tmp_path)

    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert "| ERROR    | target-duckdb-sdk              | target-duckdb-sdk stopped: s.t: DuckDB refused" in last
    assert "the batch of 2 row(s)" in last and "line 2" in last
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == ""  # no STATE passed on
    assert query(warehouse, "select id from s.t") == [(0,)]  # nothing of the batch kept
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".jsonl"] == []  # staging file removed


def test_a_first_run_that_loads_no_row_keeps_no_new_file(tmp_path: Path) -> None:
    """Issue: a failed prod run left an empty output/prod.duckdb."""
    props = {"id": {"type": "integer"}, "n": {"type": "integer"}}
    # The tap failed before its first record: a SCHEMA, then the end of the input, no STATE.
    tap_failed = run_cli(tmp_path / "a" / "w.duckdb", [schema("t", props, ["id"])], tmp_path)
    assert tap_failed.returncode == 0, tap_failed.stderr
    assert not (tmp_path / "a" / "w.duckdb").exists()
    assert "Neither a row nor a STATE arrived" in tap_failed.stderr
    # The target failed on its first batch, a STATE already read behind it.
    refused = [schema("t", props, ["id"]), record("t", {"id": 1, "n": "x"}), state({"bookmarks": {}})]
    target_failed = run_cli(tmp_path / "b" / "w.duckdb", refused, tmp_path)
    assert target_failed.returncode == 1
    assert not (tmp_path / "b" / "w.duckdb").exists()
    # A successful run with nothing to extract ends with a STATE: its empty tables are kept.
    nothing_new = run_cli(tmp_path / "c" / "w.duckdb", [schema("t", props, ["id"]), state({"b": 1})], tmp_path)
    assert nothing_new.returncode == 0 and nothing_new.stdout.strip() == '{"b": 1}'
    assert query(tmp_path / "c" / "w.duckdb", "select count(*) from s.t") == [(0,)]
    # A file that existed before is never removed, even when this run loads nothing.
    again = run_cli(tmp_path / "c" / "w.duckdb", [schema("t", props, ["id"])], tmp_path)
    assert again.returncode == 0 and (tmp_path / "c" / "w.duckdb").exists()


def test_properties_duckdb_cannot_tell_apart_are_refused(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    props = {"Revenue": {"type": "number"}, "revenue": {"type": "number"}}
    result = run_cli(warehouse, [schema("t", props, []), record("t", {"Revenue": 1, "revenue": 2})], tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "| ERROR    | target-duckdb-sdk              | "
            "target-duckdb-sdk stopped: Stream 't': properties 'Revenue' and 'revenue' would be the same DuckDB "
            "column (column names are case-insensitive); rename one with a stream map"
        )
    )


def test_a_run_ends_with_a_summary_of_the_rows_loaded_per_table(tmp_path: Path) -> None:
    """The summary every plugin of the collection ends with: done or failed, then per table."""
    warehouse = tmp_path / "w.duckdb"
    props = {"id": {"type": "integer"}, "n": {"type": "integer"}}
    load(warehouse, [schema("t", props, ["id"]), record("t", {"id": 0, "n": 0})])
    messages = [
        schema("t", props, ["id"]),
        *(record("t", {"id": i, "n": i}) for i in range(3)),  # id 0 replaces the row loaded before
        schema("u", props, ["id"]),
        record("u", {"id": 7, "n": 7}),
        state({"bookmarks": {}}),
    ]
    done = run_cli(warehouse, messages, tmp_path)

    assert done.returncode == 0, done.stderr
    summary = done.stderr[done.stderr.index("target-duckdb-sdk summary: done in ") :].splitlines()
    assert [line.split(" | ")[-1] for line in summary[1:3]] == [
        "  s.t: 3 rows loaded (1 replaced by key)",
        "  s.u: 1 row loaded (0 replaced by key)",
    ]

    refused = [schema("t", props, ["id"]), record("t", {"id": 1, "n": "many"}), state({"bookmarks": {}})]
    failed = run_cli(warehouse, refused, tmp_path)

    assert failed.returncode == 1
    lines = [line.split(" | ")[-1] for line in failed.stderr.strip().splitlines()]
    assert lines[-3].startswith("target-duckdb-sdk summary: FAILED after ")
    assert lines[-2] == "  no rows loaded"
    assert lines[-1].startswith("target-duckdb-sdk stopped: s.t: DuckDB refused")
