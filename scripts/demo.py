"""`make demo`: the main job against the local sandbox, with a short summary.

Starts the vendor sandbox on a free loopback port, runs
``meltano run tap-rickai target-duckdb`` in the ``sandbox`` environment, prints
what landed in DuckDB next to what the sandbox served, and stops the sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from sandbox_process import running_sandbox  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MELTANO = os.environ.get("MELTANO", str(ROOT / ".venv-meltano" / "bin" / "meltano"))
DEMO_TOKEN = "sandbox-rickai-token"  # the sandbox's built-in demo credential
DEMO_DAYS = 30


def main() -> int:
    """Run the demo; return the exit code."""
    warehouse = ROOT / "output" / "sandbox.duckdb"
    with running_sandbox() as url:
        print(f"Sandbox running at {url}", flush=True)
        env = {
            **os.environ,
            "TAP_RICKAI_API_URL": f"{url}/rickai",
            "TAP_RICKAI_API_TOKEN": DEMO_TOKEN,
            "TAP_RICKAI_COMPANY": "demo-company",
            "TAP_RICKAI_START_DATE": _days_ago(32 / 24 + DEMO_DAYS),
        }
        command = [MELTANO, "--environment=sandbox", "run", "tap-rickai", "target-duckdb"]
        print("$ " + " ".join(command[1:]), flush=True)
        result = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
        if result.returncode:
            print(f"meltano run failed with exit code {result.returncode}", file=sys.stderr)
            return result.returncode
        with urllib.request.urlopen(f"{url}/_sandbox/stats") as response:  # noqa: S310
            served = json.load(response)
    print_summary(warehouse, served)
    return 0


def _days_ago(days: float) -> str:
    import pendulum  # noqa: PLC0415

    return pendulum.now("UTC").subtract(days=int(days)).to_date_string()


def print_summary(warehouse: Path, served: dict) -> None:
    """Rows per table and the dates covered, from the DuckDB file."""
    print("\nSummary")
    print(f"  warehouse file: {warehouse}")
    with duckdb.connect(str(warehouse), read_only=True) as db:
        tables = db.execute(
            "select table_schema, table_name from information_schema.tables order by 1, 2"
        ).fetchall()
        for schema, table in tables:
            (rows,) = db.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            line = f"  {schema}.{table}: {rows:,} rows"
            columns = {
                name
                for (name,) in db.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            }
            if "date" in columns:
                first, last = db.execute(
                    f'select min("date"), max("date") from "{schema}"."{table}"'
                ).fetchone()
                line += f", dates {first} .. {last}"
            print(line)
    print(f"  sandbox served: {json.dumps(served, ensure_ascii=False)}")


if __name__ == "__main__":
    sys.exit(main())
