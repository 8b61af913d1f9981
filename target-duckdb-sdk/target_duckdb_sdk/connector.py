"""The DuckDB file: connection, column types, schema changes, and loading a staged batch.

Tables and columns are made by the SDK's :class:`~singer_sdk.sql.SQLConnector` (through
SQLAlchemy and ``duckdb-engine``); the rows of a batch never go through SQLAlchemy: the
sink writes them to a JSON lines file and :meth:`DuckDBConnector.load_staged` reads that
file with DuckDB's ``read_json``, every column typed explicitly (nothing is sniffed, no
row can be taken for a header), and checks that every staged row landed.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from singer_sdk.sql import SQLConnector
from singer_sdk.sql.connector import JSONSchemaToSQL

from target_duckdb_sdk.sdk_seam import add_column, engine

if t.TYPE_CHECKING:
    from collections.abc import Sequence

    from singer_sdk.sql.connector import FullyQualifiedName

#: The position of a row in its staging file (dedup keeps the last one of a key).
ROW_COLUMN = "__target_duckdb_sdk_row"
#: The temporary table a batch is read into (one per connection, dropped after each batch).
STAGE_TABLE = "__target_duckdb_sdk_stage"
NUMERIC_WIDTH = {"TINYINT": 1, "SMALLINT": 2, "INTEGER": 3, "BIGINT": 4, "HUGEINT": 5, "DOUBLE": 6}


class DuckDBColumnTypes(JSONSchemaToSQL):
    """JSON Schema → DuckDB column types (the README's "Column types" says why).

    ``integer`` → BIGINT, ``number`` → DOUBLE (DuckDB's plain DECIMAL is DECIMAL(18,3)
    and would round rates), ``format: date`` → DATE, ``format: date-time`` → TIMESTAMP
    WITH TIME ZONE (an instant; the offset is applied, never dropped), objects and
    arrays → JSON, other strings → VARCHAR.
    """

    def __init__(self, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.register_type_handler("integer", sa.BIGINT)
        self.register_type_handler("number", sa.DOUBLE)
        self.register_type_handler("object", sa.JSON)
        self.register_type_handler("array", sa.JSON)
        self.register_format_handler("date-time", lambda _: sa.TIMESTAMP(timezone=True))
        for name in ("email", "uri", "hostname", "ipv4", "ipv6"):
            self.register_format_handler(name, sa.VARCHAR)


@dataclass(frozen=True)
class LoadResult:
    """What one staged batch did to its table."""

    staged: int
    inserted: int
    replaced: int

    @property
    def duplicates_merged(self) -> int:
        """Rows of the batch dropped because a later row of the batch had the same key."""
        return self.staged - self.inserted


class LoadCheckError(RuntimeError):
    """The table did not receive every row that was staged (never expected; a loud stop)."""


class BatchRejectedError(RuntimeError):
    """DuckDB refused a value of the batch (a value its column's type cannot hold)."""


class DuckDBConnector(SQLConnector):
    """One DuckDB file, given by the ``filepath`` setting."""

    allow_column_add = True
    allow_column_rename = True
    allow_column_alter = True
    allow_merge_upsert = True
    allow_overwrite = True
    allow_temp_tables = True
    jsonschema_to_sql_converter = DuckDBColumnTypes
    #: Rows this run inserted (a new file that received none is not kept, see the target).
    rows_loaded = 0

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        #: Per table, in the order first loaded: rows inserted and rows they replaced by key, this run.
        self.tables_loaded: dict[str, tuple[int, int]] = {}

    def get_sqlalchemy_url(self, config: dict[str, t.Any]) -> str:
        """``duckdb:///<filepath>``; the file's folder is created if missing."""
        path = Path(config["filepath"]).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"duckdb:///{path}"

    def create_engine(self) -> sa.Engine:
        """An engine whose connections read naive timestamps as UTC and keep to the memory limit."""
        engine = super().create_engine()
        settings = ["SET TimeZone = 'UTC'"]
        if self.config.get("memory_limit"):
            settings.append(f"SET memory_limit = {quote_literal(str(self.config['memory_limit']))}")

        @sa.event.listens_for(engine, "connect")
        def _configure(dbapi_connection: t.Any, _record: t.Any) -> None:
            for statement in settings:
                dbapi_connection.execute(statement)

        return engine

    def create_empty_table(
        self,
        full_table_name: str | FullyQualifiedName,
        schema: dict,
        primary_keys: Sequence[str] | None = None,
        partition_keys: list[str] | None = None,  # unused: DuckDB has no partitions
        as_temp_table: bool = False,
    ) -> None:
        """A table with a column per property, each property's description as its comment.

        No PRIMARY KEY constraint: DuckDB keeps such an index in memory and on disk (more than
        twice the size of the Rick.ai sessions themselves) and the loader upserts by key
        itself (:meth:`load_staged`); the key is named in the table's comment instead.
        """
        _, schema_name, table_name = self.parse_full_table_name(full_table_name)
        columns = [
            sa.Column(name, self.to_sql_type(definition), autoincrement=False, comment=definition.get("description"))
            for name, definition in schema["properties"].items()
        ]
        keys = ", ".join(primary_keys or []) or "none"
        meta = sa.MetaData(schema=schema_name)
        sa.Table(
            table_name,
            meta,
            *columns,
            comment=f"Loaded by target-duckdb-sdk; key: {keys}",
            prefixes=["TEMPORARY"] if as_temp_table else [],
        )
        meta.create_all(engine(self))

    def close(self) -> None:
        """Close every connection: DuckDB writes its last checkpoint and releases the file."""
        engine(self).dispose()

    # What exists, from DuckDB's information_schema (the file's own catalog only)

    def schema_exists(self, schema_name: str) -> bool:
        query = (
            "select count(*) from information_schema.schemata "
            "where catalog_name = current_database() and schema_name = ?"
        )
        with engine(self).connect() as conn:
            return bool(conn.exec_driver_sql(query, (schema_name,)).one()[0])

    def table_exists(self, full_table_name: str | FullyQualifiedName) -> bool:
        return bool(self.column_types(full_table_name))

    # Columns: compared by DuckDB's own type names, changed only to a type that holds both

    def column_types(self, full_table_name: str | FullyQualifiedName) -> dict[str, str]:
        """Column name → DuckDB type name, in table order."""
        _, schema_name, table_name = self.parse_full_table_name(full_table_name)
        query = (
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ? "
            "order by ordinal_position"
        )
        with engine(self).connect() as conn:
            rows = conn.exec_driver_sql(query, (schema_name or "main", table_name)).fetchall()
        return {name: data_type for name, data_type in rows}

    def duckdb_type(self, sql_type: sa.types.TypeEngine) -> str:
        """DuckDB's name of a SQLAlchemy type (``DOUBLE PRECISION`` → ``DOUBLE``)."""
        return _canonical_type(engine(self), sql_type.compile(dialect=engine(self).dialect))

    def prepare_column(
        self,
        full_table_name: str | FullyQualifiedName,
        column_name: str,
        sql_type: sa.types.TypeEngine,
    ) -> None:
        """Add a missing column; widen an existing one whose type cannot hold the new values.

        DuckDB names are case-insensitive, so ``Revenue`` finds an existing ``revenue``.
        """
        existing = {name.casefold(): (name, kind) for name, kind in self.column_types(full_table_name).items()}
        if column_name.casefold() not in existing:
            add_column(self, full_table_name, column_name, sql_type)
            return
        name, current = existing[column_name.casefold()]
        wider = widened_type(current, self.duckdb_type(sql_type))
        if wider != current:
            self.logger.info("Changing column %s.%s from %s to %s", full_table_name, name, current, wider)
            with engine(self).begin() as conn:
                column = quote_identifier(name)
                conn.exec_driver_sql(f"ALTER TABLE {full_table_name} ALTER COLUMN {column} TYPE {wider}")

    # Rows

    def load_staged(
        self,
        full_table_name: str | FullyQualifiedName,
        staging_file: Path,
        columns: dict[str, str],
        *,
        keys: Sequence[str],
        expected_rows: int,
    ) -> LoadResult:
        """Load ``staging_file`` (JSON lines) into the table in one transaction.

        ``columns`` (name → DuckDB type) types every column of the file explicitly. With
        ``keys`` (upsert), the last row of each key in the file wins and replaces the
        table's row with that key; without, every row is appended. Before committing, the
        table's row count is checked against what the batch should have made of it; on
        any difference (or fewer rows read back than ``expected_rows``) nothing of the
        batch is kept and :class:`LoadCheckError` is raised. A value DuckDB cannot cast
        to its column's type stops the batch the same way (:class:`BatchRejectedError`).
        """
        stage = quote_identifier(STAGE_TABLE)
        struct = ", ".join(f"{quote_literal(name)}: {quote_literal(kind)}" for name, kind in columns.items())
        read = (
            f"read_json({quote_literal(str(staging_file))}, format = 'newline_delimited', "
            f"columns = {{{struct}, {quote_literal(ROW_COLUMN)}: 'BIGINT'}})"
        )
        rows = f"SELECT {', '.join(map(quote_identifier, columns))} FROM {stage}"  # noqa: S608
        key_list = ", ".join(map(quote_identifier, keys))
        match = " AND ".join(f"t.{q} IS NOT DISTINCT FROM s.{q}" for q in map(quote_identifier, keys))
        if keys:  # the last row of each key in the batch
            rows += (
                f" QUALIFY row_number() OVER (PARTITION BY {key_list} ORDER BY {quote_identifier(ROW_COLUMN)} DESC) = 1"
            )
        try:
            with engine(self).begin() as conn:

                def count(sql: str) -> int:
                    return int(conn.exec_driver_sql(sql).one()[0])

                before = count(f"SELECT count(*) FROM {full_table_name}")  # noqa: S608
                conn.exec_driver_sql(f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT * FROM {read}")  # noqa: S608
                staged = count(f"SELECT count(*) FROM {stage}")  # noqa: S608
                distinct, replaced = staged, 0
                if keys:
                    distinct = count(f"SELECT count(*) FROM (SELECT DISTINCT {key_list} FROM {stage})")  # noqa: S608
                    replaced = count(f"DELETE FROM {full_table_name} AS t USING {stage} AS s WHERE {match}")  # noqa: S608
                inserted = count(f"INSERT INTO {full_table_name} BY NAME {rows}")
                after = count(f"SELECT count(*) FROM {full_table_name}")  # noqa: S608
                conn.exec_driver_sql(f"DROP TABLE {stage}")
                if staged != expected_rows or inserted != distinct or after != before - replaced + inserted:
                    msg = (
                        f"{full_table_name}: {expected_rows} row(s) staged, {staged} read back, {distinct} distinct, "
                        f"{inserted} inserted, table {before} → {after} rows with {replaced} replaced; "
                        "nothing of this batch was kept"
                    )
                    raise LoadCheckError(msg)
        except sa.exc.DBAPIError as error:
            reason = str(error.orig).splitlines()[0].replace(f'in file "{staging_file}", ', "")
            msg = (
                f"{full_table_name}: DuckDB refused the batch of {expected_rows} row(s), nothing of it was kept "
                f"(line N is the batch's N-th record): {reason}"
            )
            raise BatchRejectedError(msg) from None
        self.rows_loaded += inserted
        before_inserted, before_replaced = self.tables_loaded.get(str(full_table_name), (0, 0))
        self.tables_loaded[str(full_table_name)] = (before_inserted + inserted, before_replaced + replaced)
        return LoadResult(staged=staged, inserted=inserted, replaced=replaced)


def widened_type(current: str, wanted: str) -> str:
    """The type a column of type ``current`` needs to hold values of type ``wanted`` too.

    Same type or a wider number: unchanged; integers that now need fractions: DOUBLE;
    anything else that differs: VARCHAR (every value has a text form; nothing is lost).
    """
    if current == wanted or current == "VARCHAR":
        return current
    if current in NUMERIC_WIDTH and wanted in NUMERIC_WIDTH:
        return current if NUMERIC_WIDTH[current] >= NUMERIC_WIDTH[wanted] else wanted
    return "VARCHAR"


@cache
def _canonical_type(engine: sa.Engine, compiled: str) -> str:
    with engine.connect() as conn:
        (name,) = conn.exec_driver_sql(f"SELECT typeof(CAST(NULL AS {compiled}))").one()
    return str(name)


def quote_identifier(name: str) -> str:
    """``name`` as a DuckDB identifier (double quotes, inner ones doubled)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """``value`` as a DuckDB string literal (single quotes, inner ones doubled)."""
    return "'" + value.replace("'", "''") + "'"
