"""The only module of target-duckdb-sdk that uses singer-sdk's non-public API, each use explained.

``tests/test_sdk_seam.py`` pins what is used here, so an SDK upgrade that changes it fails
there, in one place (as ``vendor_http.sdk_seam`` does for the vendor plugins; this loader
stands alone and does not depend on vendor-http).
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    import sqlalchemy as sa
    from singer_sdk import Target
    from singer_sdk.sql import SQLConnector
    from singer_sdk.sql.connector import FullyQualifiedName


def engine(connector: SQLConnector) -> sa.Engine:
    """The connector's one SQLAlchemy engine.

    The SDK keeps it in the property ``SQLConnector._engine``, whose docstring calls it "the
    correct way to access the Connector's engine" (and its deprecation of
    ``create_sqlalchemy_engine`` says to override it); the public ``create_engine()`` would
    make a second engine, and a second DuckDB engine on the same file takes a second lock.
    """
    return connector._engine


def add_column(
    connector: SQLConnector,
    full_table_name: str | FullyQualifiedName,
    column_name: str,
    sql_type: sa.types.TypeEngine,
) -> None:
    """``ALTER TABLE … ADD COLUMN`` as the SDK writes it (quoting, dialect).

    The SDK's public hook is ``prepare_column``, which this loader overrides (DuckDB names
    are case-insensitive, types are widened); the SDK's own ``prepare_column`` adds a
    missing column through the protected ``_create_empty_column``, and no public method does.
    """
    connector._create_empty_column(full_table_name=full_table_name, column_name=column_name, sql_type=sql_type)


def state_received(target: Target) -> bool:
    """Whether the input held a STATE message (the target passes the latest one on).

    The SDK keeps the latest STATE in ``Target._latest_state`` (``None`` until one
    arrives) and offers no public hook for STATE messages.
    """
    return target._latest_state is not None
