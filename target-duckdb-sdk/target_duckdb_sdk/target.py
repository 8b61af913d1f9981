"""target-duckdb-sdk: Singer records into a DuckDB file, typed, upserted by key, nothing lost."""

from __future__ import annotations

import contextlib
import sys
import time
import typing as t
import weakref
from pathlib import Path

import sqlalchemy as sa
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecReader
from singer_sdk.exceptions import ConfigValidationError, InvalidRecord
from singer_sdk.sql import SQLTarget

from target_duckdb_sdk.connector import BatchRejectedError, DuckDBConnector, LoadCheckError
from target_duckdb_sdk.sdk_seam import state_received
from target_duckdb_sdk.sinks import DuckDBSink, NameClashError

#: Failures whose message says all there is to say: ended with one line and exit code 1.
EXPLAINED_FAILURES = (LoadCheckError, BatchRejectedError, NameClashError, InvalidRecord, ConfigValidationError)


def one_line(text: str) -> str:
    """``text`` on one line (a message may hold line breaks; the user gets one line)."""
    return " ".join(text.split())


def failure_message(error: BaseException) -> str:
    """The one line of an explained failure; invalid settings are listed one by one."""
    if isinstance(error, ConfigValidationError):
        problems = [str(problem) for problem in error.errors] or [str(error)]
        return one_line("invalid settings: " + "; ".join(problems))
    return one_line(str(error) or type(error).__name__)


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
        """Run the target; how it ends is said the way every plugin of the collection says it.

        A failure it explains: one line ``target-duckdb-sdk stopped: <what happened>`` at
        ERROR, exit code 1, no traceback. Anything else is a bug: its traceback, then a
        line saying so, exit code 1. (The vendor plugins' base, ``vendor_http.plugin``, does
        the same; this loader stands alone, without the HTTP layer.)
        """
        try:
            try:
                super().invoke(*args, **kwargs)
            except BaseException:
                cls.close_failed_run()
                raise
        except EXPLAINED_FAILURES as error:
            cls.logger.error("%s stopped: %s", cls.name, failure_message(error))
            sys.exit(1)
        except sa.exc.DBAPIError as error:
            # DuckDB's own words (a locked or unreadable file, a value its column cannot hold).
            cls.logger.error("%s stopped: DuckDB: %s", cls.name, one_line(str(error.orig)))
            sys.exit(1)
        except Exception as error:
            cls.logger.critical("%s failed unexpectedly", cls.name, exc_info=error)
            cls.logger.critical(
                "%s stopped by a bug (%s: %s); please report it with the traceback above",
                cls.name,
                type(error).__name__,
                one_line(str(error)),
            )
            sys.exit(1)

    #: The target of the current run in this process, for the cleanup after a failure.
    _running: t.ClassVar[weakref.ReferenceType[TargetDuckDB] | None] = None

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        # One DuckDB file takes one writer: sinks are drained one after the other.
        self.max_parallelism = 1
        path = Path(self.config["filepath"]).expanduser()
        #: The DuckDB file if this run creates it: not kept unless a row is loaded into it.
        self.new_file = None if path.exists() else path
        type(self)._running = weakref.ref(self)
        self.started = time.monotonic()

    def process_endofpipe(self) -> None:
        """Load what is left, then close the file (others may open it as soon as the run ends)."""
        super().process_endofpipe()
        self.close_file()
        self.log_summary(failed=False)

    def log_summary(self, *, failed: bool) -> None:
        """The run's summary at INFO, in the shape every plugin of the collection ends with.

        ``target-duckdb-sdk summary: done in 12.3 s`` (or ``FAILED after``), then a line per
        table: rows loaded and how many of them replaced rows of the same key.
        """
        elapsed = time.monotonic() - self.started
        self.logger.info("%s summary: %s %.1f s", self.name, "FAILED after" if failed else "done in", elapsed)
        tables = t.cast(DuckDBConnector, self.target_connector).tables_loaded
        for table, (inserted, replaced) in tables.items():
            self.logger.info(
                "  %s: %s row%s loaded (%s replaced by key)",
                table,
                f"{inserted:,}",
                "" if inserted == 1 else "s",
                f"{replaced:,}",
            )
        if not tables:
            self.logger.info("  no rows loaded")

    def close_file(self, *, failed: bool = False) -> None:
        """Close the file; remove it if this run created it and received neither a row nor a STATE.

        A tap that fails before its first record sends no STATE, and the target still sees
        the normal end of its input (under Meltano too): without this, a failed first run
        would leave a new file of empty tables. A tap that succeeds with nothing to extract
        ends with a STATE, so its empty tables are kept. A run of the target that ``failed``
        (a refused first batch) keeps a new file only if a row was loaded into it.
        """
        connector = t.cast(DuckDBConnector, self.target_connector)
        connector.close()
        if self.new_file is None or connector.rows_loaded or (state_received(self) and not failed):
            return
        for path in (self.new_file, self.new_file.with_name(self.new_file.name + ".wal")):
            path.unlink(missing_ok=True)
        self.logger.info("Neither a row nor a STATE arrived: %s, new in this run, was not kept", self.new_file)
        self.new_file = None

    @classmethod
    def close_failed_run(cls) -> None:
        """After a failure: close the current run's file (and remove it if it is new and empty)."""
        target = cls._running() if cls._running is not None else None
        cls._running = None
        if target is not None:
            with contextlib.suppress(Exception):  # the failure being reported matters more
                target.close_file(failed=True)
                target.log_summary(failed=True)


if __name__ == "__main__":
    TargetDuckDB.cli()
