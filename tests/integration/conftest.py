"""Fixtures of the integration tests (``make test-integration``): a real PostgreSQL server.

The server is PostgreSQL itself, started by the ``pgserver`` package (the server's binaries
ship in its wheel; no root, no Docker; run as root, it runs the server as a system user
``pgserver`` it creates). pgserver starts it on a Unix socket only; target-postgres builds a
``host:port`` URL, so the fixture restarts it on 127.0.0.1 and a free port, the way a
production server is reached. Each test gets a database of its own on it.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from matrix_postgres import Postgres
from psycopg import sql


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[int]:
    """One PostgreSQL server per test process, on 127.0.0.1; yields its port."""
    # Not under pytest's temporary directory: another pytest process resets its parent to
    # 0700, and the server (another system user when run as root) would lose its data.
    home = Path(tempfile.mkdtemp(prefix="integration-postgres-"))
    data = home / "data"
    with warnings.catch_warnings():
        # platformdirs warns at pgserver's import when XDG_RUNTIME_DIR is unset (CI): its
        # fallback, /tmp/runtime-<uid>, is where pgserver keeps a lock file. Harmless.
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(data, cleanup_mode="delete")
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {data}"
    ctl = {"pgdata": data, "user": server.system_user, "timeout": 60}
    try:
        pgserver.pg_ctl(["-w", "-m", "fast", "-l", str(data / "log"), "-o", options, "restart"], **ctl)
        yield port
    finally:
        pgserver.pg_ctl(["-w", "-m", "fast", "stop"], **ctl)
        server.cleanup()  # pgserver's handle (its server's first process is gone: nothing to stop)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def postgres(postgres_server: int, request: pytest.FixtureRequest) -> Postgres:
    """A fresh database on the session's server."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[-50:]
    with psycopg.connect(host="127.0.0.1", port=postgres_server, user="postgres", autocommit=True) as db:
        db.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))
        db.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        # As README advises: target-postgres writes a date-time as the instant in this zone.
        db.execute(sql.SQL("alter database {} set timezone to 'UTC'").format(sql.Identifier(name)))
    return Postgres(postgres_server, name)
