"""The tables every stream of the collection's taps gets in DuckDB: names as the tap writes
them, one DuckDB type per JSON Schema type (the README's "Column types")."""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
from duckdb_sdk_helpers import column_types, expected_columns, load, query

TAPS = {
    "tap_rickai.tap": {"company": "c", "api_token": "t"},
    "tap_kameleoon.tap": {"client_id": "c", "client_secret": "s"},
}


def discovered(module: str, config: dict[str, str], tmp: Path) -> list[dict[str, t.Any]]:
    """The tap's catalog (``--discover`` asks the vendor nothing)."""
    path = tmp / f"{module}.json"
    path.write_text(json.dumps(config))
    result = subprocess.run(
        [sys.executable, "-m", module, "--config", str(path), "--discover"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)["streams"]


@pytest.mark.parametrize("module", list(TAPS))
def test_every_stream_gets_typed_columns_under_the_tap_names(module: str, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    streams = discovered(module, TAPS[module], tmp_path)
    schemas = [
        {"type": "SCHEMA", "stream": s["tap_stream_id"], "schema": s["schema"], "key_properties": s["key_properties"]}
        for s in streams
    ]
    load(warehouse, schemas)

    for stream in streams:
        expected = expected_columns(stream["schema"])
        assert column_types(warehouse, stream["tap_stream_id"]) == expected, stream["tap_stream_id"]
        (comment,) = query(
            warehouse, "select comment from duckdb_tables() where table_name = ?", stream["tap_stream_id"]
        )
        assert comment == (f"Loaded by target-duckdb-sdk; key: {', '.join(stream['key_properties'])}",)


def test_the_columns_a_warehouse_user_asked_about(tmp_path: Path) -> None:
    """Issue: `date` landed as VARCHAR, integers as HUGEINT, camelCase names lower-cased."""
    warehouse = tmp_path / "w.duckdb"
    for module, config in TAPS.items():
        streams = discovered(module, config, tmp_path)
        load(warehouse, [{"type": "SCHEMA", "stream": s["tap_stream_id"], "schema": s["schema"]} for s in streams])
    sessions = column_types(warehouse, "sessions")
    assert (sessions["date"], sessions["session_count"], sessions["transactions"]) == ("DATE", "BIGINT", "JSON")
    segment = column_types(warehouse, "audience_segment_stats")
    assert segment["averageRevenuePerConversionEvolution"] == "DOUBLE"
    assert segment["windowStart"] == "TIMESTAMP WITH TIME ZONE"
    assert column_types(warehouse, "sites")["dateCreated"] == "TIMESTAMP WITH TIME ZONE"
