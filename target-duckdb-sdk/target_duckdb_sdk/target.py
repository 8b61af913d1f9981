"""target-duckdb-sdk: Singer records into a DuckDB file, typed, upserted by key, nothing lost."""

from __future__ import annotations

import sys
import typing as t

import sqlalchemy as sa
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecReader
from singer_sdk.exceptions import ConfigValidationError, InvalidRecord
from singer_sdk.sql import SQLTarget

from target_duckdb_sdk.connector import BatchRejectedError, DuckDBConnector, LoadCheckError
from target_duckdb_sdk.sinks import DuckDBSink, NameClashError

#: Failures whose message says all there is to say: ended with one line and exit code 1.
EXPLAINED_FAILURES = (LoadCheckError, BatchRejectedError, NameClashError, InvalidRecord, ConfigValidationError)


class TargetDuckDB(SQLTarget):
    """Loads Singer streams into tables of one DuckDB file."""

    name = "target-duckdb-sdk"
    default_sink_class = DuckDBSink
    message_reader_class = MsgSpecReader

    config_jsonschema = th.PropertiesList(
        th.Property(
            "filepath",
            th.StringType(min_length=1),
            required=True,
            title="File path",
            description="Path of the DuckDB file (created, with its folder, if missing).",
        ),
        th.Property(
            "load_method",
            th.StringType(allowed_values=["upsert", "append-only", "overwrite"]),
            default="upsert",
            title="Load method",
            description=(
                "'upsert': a row replaces the table's row with the same key (streams without a key "
                "are appended); 'append-only': every row is added; 'overwrite': each table is emptied "
                "on its first batch of the run."
            ),
        ),
        th.Property(
            "validate_records",
            th.BooleanType,
            default=False,
            title="Validate records",
            description=(
                "Also check every record against its stream's JSON schema with the SDK's validator "
                "(about 0.25 ms a record, several times the cost of the load). Off by default: every "
                "column is typed and DuckDB refuses a value its type cannot hold, which stops the run "
                "with nothing of that batch kept."
            ),
        ),
        th.Property(
            "batch_size_rows",
            th.IntegerType(minimum=1),
            default=DuckDBSink.MAX_SIZE_DEFAULT,
            title="Batch size (rows)",
            description=(
                "Rows loaded per transaction. Rows are staged on disk as they arrive, so memory "
                "does not grow with it. STATE is passed on only after the rows before it are committed."
            ),
        ),
        th.Property(
            "memory_limit",
            th.StringType(min_length=1),
            title="DuckDB memory limit",
            description="DuckDB's memory_limit (e.g. '500MB'); DuckDB spills to disk beyond it. Default: DuckDB's.",
        ),
        th.Property(
            "add_record_metadata",
            th.BooleanType,
            default=True,
            title="Add record metadata",
            description=(
                "Add the Singer SDK's metadata columns to every table, as target-postgres does by default: "
                "_sdc_extracted_at (when the tap read the row), _sdc_received_at, _sdc_batched_at (when the "
                "row's batch began), _sdc_deleted_at, _sdc_sequence, _sdc_table_version and _sdc_sync_started_at "
                "(the loader run's start in epoch milliseconds, the same on every row of a run: a run id). "
                "false: only the tap's columns."
            ),
        ),
    ).to_dict()

    @classmethod
    def invoke(cls, *args: t.Any, **kwargs: t.Any) -> None:  # type: ignore[override]
        """Run the target; a failure it explains ends with one line and exit code 1, no traceback."""
        try:
            super().invoke(*args, **kwargs)
        except EXPLAINED_FAILURES as error:
            sys.stderr.write(f"{cls.name} stopped: {error}\n")
            sys.exit(1)
        except sa.exc.DBAPIError as error:
            # DuckDB's own words (a locked or unreadable file, a value its column cannot hold).
            sys.stderr.write(f"{cls.name} stopped: DuckDB: {error.orig}\n")
            sys.exit(1)

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        # One DuckDB file takes one writer: sinks are drained one after the other.
        self.max_parallelism = 1

    def process_endofpipe(self) -> None:
        """Load what is left, then close the file (others may open it as soon as the run ends)."""
        super().process_endofpipe()
        t.cast(DuckDBConnector, self.target_connector).close()


if __name__ == "__main__":
    TargetDuckDB.cli()
