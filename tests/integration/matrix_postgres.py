"""A test's PostgreSQL database: how to reach it, and target-postgres' settings for it."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class Postgres:
    """A database on the test server, reached over TCP as a production server would be."""

    port: int
    database: str
    host: str = "127.0.0.1"
    user: str = "postgres"

    def connect(self) -> psycopg.Connection[t.Any]:
        return psycopg.connect(host=self.host, port=self.port, user=self.user, dbname=self.database, autocommit=True)

    def loader_env(self) -> dict[str, str]:
        """target-postgres' connection settings, as a user sets them (README: TARGET_POSTGRES_*)."""
        return {
            "TARGET_POSTGRES_HOST": self.host,
            "TARGET_POSTGRES_PORT": str(self.port),
            "TARGET_POSTGRES_USER": self.user,
            # target-postgres requires one; the test server trusts local connections (pgserver).
            "TARGET_POSTGRES_PASSWORD": "unused-by-a-trusting-server",
            "TARGET_POSTGRES_DATABASE": self.database,
        }
