"""One sink per stream: records are staged to a JSON lines file as they arrive, and each
batch is loaded by DuckDB from that file in one checked transaction.

Memory does not grow with the batch: a record is encoded and written to the batch's
staging file (next to the DuckDB file) the moment it arrives, so ``batch_size_rows``
only sets how many rows one transaction loads.
"""

from __future__ import annotations

import os
import tempfile
import typing as t
import weakref
from pathlib import Path

import msgspec
from singer_sdk.sql import SQLSink

from target_duckdb_sdk.connector import ROW_COLUMN, DuckDBConnector

if t.TYPE_CHECKING:
    from singer_sdk.sql.connector import FullyQualifiedName

_ENCODER = msgspec.json.Encoder(decimal_format="number")


class NameClashError(ValueError):
    """Two properties of a stream would be one DuckDB column."""


class StagingFile:
    """The JSON lines file of one batch: a row per record, numbered in arrival order."""

    def __init__(self, folder: Path) -> None:
        handle, name = tempfile.mkstemp(prefix=".target-duckdb-sdk-", suffix=".jsonl", dir=folder)
        self.path = Path(name)
        self._file = os.fdopen(handle, "wb", buffering=1 << 20)
        self.rows = 0
        # Removed at exit even when the run stops before the batch is loaded.
        self._finalizer = weakref.finalize(self, self.path.unlink, missing_ok=True)

    def write(self, record: dict[str, t.Any]) -> None:
        record[ROW_COLUMN] = self.rows
        self._file.write(_ENCODER.encode(record))
        self._file.write(b"\n")
        self.rows += 1

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def remove(self) -> None:
        self.close()
        self._finalizer()


class DuckDBSink(SQLSink[DuckDBConnector]):
    """Loads one stream into one table of the DuckDB file."""

    connector_class = DuckDBConnector
    #: Rows per transaction unless ``batch_size_rows`` says otherwise (memory does not depend on it).
    MAX_SIZE_DEFAULT = 100_000

    def conform_name(self, name: str, object_type: str | None = None) -> str:
        """Column names stay as the tap wrote them (DuckDB matches them case-insensitively);
        schema and table names are conformed as the SDK does (lower case, ``_``)."""
        if object_type in {None, "column"}:
            return name
        return super().conform_name(name, object_type)

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self._staging_files: set[StagingFile] = set()
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        """Refuse property names DuckDB cannot tell apart, then create or adapt the table."""
        seen: dict[str, str] = {}
        for name in self.schema["properties"]:
            other = seen.setdefault(name.casefold(), name)
            if other != name or name == ROW_COLUMN:
                msg = (
                    f"Stream '{self.stream_name}': properties '{other}' and '{name}' would be the same DuckDB "
                    "column (column names are case-insensitive); rename one with a stream map"
                )
                raise NameClashError(msg)
        super().setup()

    @property
    def staging_folder(self) -> Path:
        """Beside the DuckDB file: the same disk, never a memory-backed /tmp."""
        return Path(self.config["filepath"]).expanduser().resolve().parent

    @property
    def upsert_keys(self) -> list[str]:
        """The key the table is upserted by; none for ``append-only``."""
        if self.config.get("load_method", "upsert") == "append-only":
            return []
        return list(self.key_properties)

    def start_batch(self, context: dict) -> None:
        context["staging"] = StagingFile(self.staging_folder)
        self._staging_files.add(context["staging"])

    def process_record(self, record: dict, context: dict) -> None:
        context["staging"].write(record)

    def process_batch(self, context: dict) -> None:
        """Load the batch's staging file (or ``records``, from BATCH messages) in one transaction."""
        staging: StagingFile | None = context.get("staging")
        if staging is None:
            staging = StagingFile(self.staging_folder)
            for record in context.get("records", []):
                staging.write(record)
        try:
            staging.close()
            if staging.rows:
                self._load(self.full_table_name, staging)
        finally:
            staging.remove()
            self._staging_files.discard(staging)

    def _load(self, table: FullyQualifiedName, staging: StagingFile) -> None:
        types = {name.casefold(): kind for name, kind in self.connector.column_types(table).items()}
        columns = {name: types[name.casefold()] for name in self.schema["properties"]}
        result = self.connector.load_staged(
            table, staging.path, columns, keys=self.upsert_keys, expected_rows=staging.rows
        )
        if result.duplicates_merged:
            self.tally_duplicate_merged(result.duplicates_merged)
        self.logger.info(
            "Loaded %d row(s) into %s (%d replaced by key, %d duplicate(s) in the batch merged)",
            result.inserted,
            table,
            result.replaced,
            result.duplicates_merged,
        )

    def clean_up(self) -> None:
        """Remove the staging file of a batch that was never loaded (a failed run)."""
        for staging in self._staging_files:
            staging.remove()
        self._staging_files.clear()
        super().clean_up()
