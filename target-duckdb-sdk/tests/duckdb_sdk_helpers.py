"""Helpers of target-duckdb-sdk's tests: Singer messages in, the real target, a real DuckDB file."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import typing as t
from pathlib import Path

import duckdb

from target_duckdb_sdk.target import TargetDuckDB

#: The Singer SDK's record metadata columns (``add_record_metadata``, on by default), as they land.
METADATA_COLUMNS = {
    "_sdc_extracted_at": "TIMESTAMP WITH TIME ZONE",
    "_sdc_received_at": "TIMESTAMP WITH TIME ZONE",
    "_sdc_batched_at": "TIMESTAMP WITH TIME ZONE",
    "_sdc_deleted_at": "TIMESTAMP WITH TIME ZONE",
    "_sdc_sequence": "BIGINT",
    "_sdc_table_version": "BIGINT",
    "_sdc_sync_started_at": "BIGINT",
}
#: ``format`` of a string → its DuckDB type (other strings: VARCHAR).
STRING_FORMATS = {"date": "DATE", "date-time": "TIMESTAMP WITH TIME ZONE", "time": "TIME", "uuid": "UUID"}
#: JSON Schema type (other than string) → its DuckDB type.
JSON_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "object": "JSON", "array": "JSON"}


def expected_type(spec: dict[str, t.Any]) -> str:
    """The DuckDB type the README's "Column types" gives a property of JSON schema ``spec``.

    One type besides ``null`` (a property of several types would need its own rule)."""
    types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    (kind,) = [name for name in types if name != "null"]
    if kind == "string" and spec.get("format") == "x-singer.decimal":
        return f"DECIMAL({spec['precision']},{spec['scale']})"
    if kind == "string":
        return STRING_FORMATS.get(spec.get("format", ""), "VARCHAR")
    return JSON_TYPES[kind]


def expected_columns(json_schema: dict[str, t.Any]) -> dict[str, str]:
    """Column → DuckDB type of a stream's table: its properties in order, then the metadata."""
    return {name: expected_type(spec) for name, spec in json_schema["properties"].items()} | METADATA_COLUMNS


def schema(stream: str, properties: dict[str, t.Any], keys: list[str]) -> dict[str, t.Any]:
    return {
        "type": "SCHEMA",
        "stream": stream,
        "schema": {"type": "object", "properties": properties},
        "key_properties": keys,
    }


def record(stream: str, row: dict[str, t.Any]) -> dict[str, t.Any]:
    return {"type": "RECORD", "stream": stream, "record": row}


def state(value: dict[str, t.Any]) -> dict[str, t.Any]:
    return {"type": "STATE", "value": value}


def lines(*messages: dict[str, t.Any]) -> str:
    return "".join(json.dumps(message) + "\n" for message in messages)


def load(warehouse: Path, messages: t.Iterable[dict[str, t.Any]], **settings: t.Any) -> None:
    """Run the target in-process on ``messages`` into ``warehouse`` (schema ``s``).

    The input ends with a STATE, as a tap's successful run does: a new file that receives
    neither a row nor a STATE is not kept (see ``TargetDuckDB.close_file``).
    """
    config = {"filepath": str(warehouse), "default_target_schema": "s", **settings}
    ended = [*messages, state({"bookmarks": {}})]
    TargetDuckDB(config=config).listen(file_input=io.StringIO(lines(*ended)))


def run_cli(
    warehouse: Path, messages: t.Iterable[dict[str, t.Any]], tmp: Path, **settings: t.Any
) -> subprocess.CompletedProcess[str]:
    """Run ``target-duckdb-sdk`` as a process (exit code, stdout and stderr as a user sees them)."""
    config = tmp / "target-config.json"
    config.write_text(json.dumps({"filepath": str(warehouse), "default_target_schema": "s", **settings}))
    return subprocess.run(
        [sys.executable, "-m", "target_duckdb_sdk.target", "--config", str(config)],
        input=lines(*messages),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def query(warehouse: Path, sql: str, *params: t.Any) -> list[tuple[t.Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return db.execute(sql, params).fetchall()


def column_types(warehouse: Path, table: str, schema_name: str = "s") -> dict[str, str]:
    return dict(
        query(
            warehouse,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            schema_name,
            table,
        )
    )
