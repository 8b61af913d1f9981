"""Every tap through ``meltano run TAP target-postgres`` into a real PostgreSQL server.

Rows and keys against the sandbox's truth, a column type per JSON Schema type (the rule the
DuckDB tables follow, in PostgreSQL's types), and a second, incremental run that re-reads the
taps' lookback and upserts it by the stream's key: no row twice, none lost.
"""

from __future__ import annotations

import typing as t

import pytest
from matrix_postgres import Postgres
from matrix_project import Stream, assert_rows_and_keys, by_tap, column_of, project, run, selected_streams
from matrix_taps import TAPS
from psycopg import sql

if t.TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from vendor_sandbox import SandboxServer

#: A catalog dump and one or two `meltano run`s, each allowed 300 s (IsolatedMeltano): more than pytest's 300 s.
pytestmark = pytest.mark.timeout(900)
LOADER = "target-postgres"
#: Columns target-postgres adds to every table (its add_record_metadata, on by default).
METADATA_PREFIX = "_sdc_"


def kind_of(spec: dict[str, t.Any]) -> str:
    types = spec.get("type", "object")
    (kind,) = [name for name in (types if isinstance(types, list) else [types]) if name != "null"]
    return str(kind)


def expected_type(spec: dict[str, t.Any]) -> str:
    """PostgreSQL's type for a JSON Schema property, as target-postgres 0.8.1 makes it: the
    rule of DuckDB's tables (target-duckdb-sdk's README, "Column types") in PostgreSQL's
    names, with three differences of target-postgres' own: numbers are NUMERIC (exact;
    DuckDB: DOUBLE), a date-time is a TIMESTAMP WITHOUT TIME ZONE (the instant in the
    session's time zone), and an array is a PostgreSQL array of its items' type (``text[]``,
    ``int8[]``, ``jsonb[]``) where DuckDB has one JSON value."""
    kind = kind_of(spec)
    if kind == "string":
        return {"date": "date", "date-time": "timestamp without time zone"}.get(spec.get("format"), "text")
    if kind == "array":
        items = {"string": "text", "integer": "int8", "number": "numeric", "boolean": "bool", "object": "jsonb"}
        return f"{items[kind_of(spec['items'])]}[]"
    return {"integer": "bigint", "number": "numeric", "boolean": "boolean", "object": "jsonb"}[kind]


def columns(db: Postgres, schema: str, table: str) -> dict[str, str]:
    """Column → its type as PostgreSQL writes it (``jsonb[]`` for an array of jsonb)."""
    with db.connect() as connection:
        rows = connection.execute(
            "select column_name, data_type, udt_name from information_schema.columns "
            "where table_schema = %s and table_name = %s order by ordinal_position",
            (schema, table),
        ).fetchall()
    return {name: f"{udt.lstrip('_')}[]" if kind == "ARRAY" else kind for name, kind, udt in rows}


def loaded_keys(db: Postgres, schema: str, streams: list[Stream]) -> dict[str, list[tuple[str, ...]]]:
    """Stream → every row's key, as text."""
    result = {}
    with db.connect() as connection:
        for stream in streams:
            names = columns(db, schema, stream.name)
            keys = [sql.SQL("{}::text").format(sql.Identifier(column_of(names, k))) for k in stream.keys]
            query = sql.SQL("select {} from {}").format(sql.SQL(", ").join(keys), sql.Identifier(schema, stream.name))
            result[stream.name] = [tuple(row) for row in connection.execute(query).fetchall()]
    return result


def rows_marked_deleted(db: Postgres, schema: str, streams: list[Stream]) -> dict[str, int]:
    """Stream → rows target-postgres marked deleted (``_sdc_deleted_at``, set by an ACTIVATE_VERSION)."""
    result = {}
    with db.connect() as connection:
        for stream in streams:
            query = sql.SQL("select count(*) from {} where _sdc_deleted_at is not null").format(
                sql.Identifier(schema, stream.name)
            )
            result[stream.name] = connection.execute(query).fetchone()[0]  # type: ignore[index]
    return result


@pytest.mark.parametrize("tap", by_tap())
def test_every_tap_loads_into_postgres_typed_then_upserts_its_lookback(
    tap: str,
    meltano: Path,
    sandbox_factory: Callable[..., SandboxServer],
    postgres: Postgres,
    tmp_path: Path,
) -> None:
    pipeline = TAPS[tap](sandbox_factory)
    melt = project(meltano, tmp_path, pipeline, **postgres.loader_env())
    streams = selected_streams(melt, pipeline)

    run(melt, pipeline, LOADER)
    expected = pipeline.expected()
    first = loaded_keys(postgres, pipeline.schema, streams)
    assert_rows_and_keys(pipeline, streams, first, expected)

    for stream in streams:
        loaded = {c: kind for c, kind in columns(postgres, pipeline.schema, stream.name).items()}
        typed = {column_of(loaded, p): expected_type(spec) for p, spec in stream.properties.items()}
        assert {c: kind for c, kind in loaded.items() if not c.startswith(METADATA_PREFIX)} == typed, stream.name

    pipeline.sandbox.reset_log()
    run(melt, pipeline, LOADER)
    assert [r for r in pipeline.sandbox.requests if r.status == 200], "the second run re-read its lookback"
    second = loaded_keys(postgres, pipeline.schema, streams)
    assert_rows_and_keys(pipeline, streams, second, expected)
    assert {s: sorted(k) for s, k in second.items()} == {s: sorted(k) for s, k in first.items()}
    # A full-table stream read again marks none of its rows deleted (the taps send no ACTIVATE_VERSION).
    assert rows_marked_deleted(postgres, pipeline.schema, streams) == dict.fromkeys(expected, 0)
