"""Canary: the singer-sdk internals target_duckdb_sdk.sdk_seam relies on are still there, as used."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from singer_sdk import Target
from singer_sdk.sql import SQLConnector

PACKAGE = Path(__file__).parents[1] / "target_duckdb_sdk"


def test_the_connector_keeps_its_engine_in_the_extension_point_the_sdk_names() -> None:
    attribute = inspect.getattr_static(SQLConnector, "_engine")
    assert isinstance(attribute, property)
    assert "This is the correct way to access the Connector's engine" in (attribute.__doc__ or "")
    assert "self._cached_engine = self.create_engine()" in inspect.getsource(attribute.fget)


def test_the_protected_add_column_keeps_its_signature_and_prepare_column_uses_it() -> None:
    parameters = list(inspect.signature(SQLConnector._create_empty_column).parameters)
    assert parameters == ["self", "full_table_name", "column_name", "sql_type"]
    assert "self._create_empty_column(" in inspect.getsource(SQLConnector.prepare_column)


def test_the_target_keeps_the_latest_state_where_the_seam_reads_it() -> None:
    assert "self._latest_state: dict[str, dict] | None = None" in inspect.getsource(Target.__init__)
    assert "self._latest_state = state" in inspect.getsource(Target._process_state_message)


def test_no_other_module_of_the_loader_touches_sdk_internals() -> None:
    private = re.compile(r"\._(engine|create_empty_column|[a-z]+_column|latest_state)\b|singer_sdk\.[\w.]*\._")
    for path in PACKAGE.glob("*.py"):
        if path.name != "sdk_seam.py":
            assert not private.search(path.read_text()), path.name
