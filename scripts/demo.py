"""`make demo`: the main job against the local sandbox, with a short summary.

Starts the vendor sandbox on a free loopback port, runs
``meltano --environment=sandbox run tap-rickai target-duckdb`` against it (the
sandbox's URL and demo credentials passed as environment variables), prints
what landed in DuckDB next to what the sandbox served, and stops the sandbox.
Run it again for an incremental run: Meltano keeps the state in ``.meltano/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from sandbox_process import running_sandbox

ROOT = Path(__file__).resolve().parent.parent
MELTANO = os.environ.get("MELTANO", str(ROOT / ".venv-meltano" / "bin" / "meltano"))
ENVIRONMENT = "sandbox"
DEMO_TOKEN = "sandbox-rickai-token"  # noqa: S105 (the sandbox's public demo credential)
DEMO_COMPANY = "demo-company"
DEMO_DAYS = 30  # ~30 days (less the API's 32-hour delay), ~30 requests at 1 per second


def main() -> int:
    """Run the demo; return the exit code."""
    warehouse = Path(os.environ.get("TARGET_DUCKDB_FILEPATH", ROOT / "output" / f"{ENVIRONMENT}.duckdb"))
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with running_sandbox() as url:
        print(f"Sandbox running at {url}", flush=True)
        started = time.monotonic()
        returncode = run_meltano(url)
        elapsed = time.monotonic() - started
        if returncode:
            print(f"meltano run failed with exit code {returncode}", file=sys.stderr)
            return returncode
        stats = fetch_json(f"{url}/_sandbox/stats")
        requests = fetch_json(f"{url}/_sandbox/requests?vendor=rickai")["requests"]
    print(f"\nSummary (meltano run took {elapsed:.0f} s)")
    print_warehouse(warehouse)
    print_served(stats, requests)
    return 0


def run_meltano(url: str) -> int:
    """``meltano run tap-rickai target-duckdb`` against the sandbox at ``url``."""
    env = {
        **os.environ,
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TAP_RICKAI_API_URL": f"{url}/rickai",
        "TAP_RICKAI_API_TOKEN": DEMO_TOKEN,
        "TAP_RICKAI_COMPANY": DEMO_COMPANY,
        "TAP_RICKAI_START_DATE": _days_ago(DEMO_DAYS),
    }
    command = [MELTANO, f"--environment={ENVIRONMENT}", "run", "tap-rickai", "target-duckdb"]
    print("$ meltano " + " ".join(command[1:]), flush=True)
    result = subprocess.run(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, check=False)
    return result.returncode


def _days_ago(days: int) -> str:
    """The UTC date ``days`` days before today, as YYYY-MM-DD."""
    return (datetime.now(UTC) - timedelta(days=days)).date().isoformat()


def fetch_json(url: str) -> Any:
    """GET ``url`` (a sandbox admin endpoint) and decode its JSON body."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        return json.load(response)


def print_warehouse(warehouse: Path) -> None:
    """Rows per table and the dates covered, from the DuckDB file."""
    print(f"  DuckDB file: {warehouse}")
    with duckdb.connect(str(warehouse), read_only=True) as db:
        tables = db.execute("select table_schema, table_name from information_schema.tables order by 1, 2").fetchall()
        for schema, table in tables:
            print(f"  {schema}.{table}: {_describe_table(db, schema, table)}")


def _describe_table(db: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """``N rows`` and, for a table with a ``date`` column, the days it covers."""
    name = f'"{schema}"."{table}"'
    (rows,) = db.execute(f"select count(*) from {name}").fetchone() or (0,)  # noqa: S608
    columns = db.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    if ("date",) not in columns:
        return f"{rows:,} rows"
    first, last, days = db.execute(
        f'select min("date"), max("date"), count(distinct "date") from {name}'  # noqa: S608
    ).fetchone() or (None, None, 0)
    return f"{rows:,} rows, {days} days from {first} to {last}"


def print_served(stats: dict[str, Any], requests: list[dict[str, Any]]) -> None:
    """What the sandbox's Rick.ai API served during this run."""
    rickai = stats.get("vendors", {}).get("rickai", {})
    statuses = ", ".join(f"{n} × {s}" for s, n in sorted(rickai.get("by_status", {}).items()))
    print("  Sandbox (Rick.ai) served this run:")
    print(f"    requests: {rickai.get('requests', 0)} ({statuses or 'none'})")
    print(f"    sessions: {rickai.get('items_served', 0):,}")
    print(f"    429s: {rickai.get('rate_limited_429', 0)} from the rate limiter, {rickai.get('fault_429', 0)} injected")
    days = sorted({r["query"].get("start", "") for r in requests} - {""})
    if days:
        print(f"    days requested: {len(days)}, {days[0]} to {days[-1]}")


if __name__ == "__main__":
    sys.exit(main())
