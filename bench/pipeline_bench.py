"""The end-to-end part of `make bench`: ``meltano run tap-rickai target-duckdb-sdk``.

Runs the project's Meltano (``$MELTANO``, set by ``make bench``) in the ``sandbox``
environment with ``--full-refresh --no-state-update`` (the developer's state is neither
read nor changed) into a throwaway DuckDB file, watches the process tree (see
:mod:`process_tree`) and counts what landed.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from process_tree import TreeResult, run_tree

ROOT = Path(__file__).resolve().parent.parent
LOADER = "target-duckdb-sdk"
TABLE = "tap_rickai.sessions"
GOAL_PIPELINE_RSS_MIB = 500


@dataclass
class PipelineResult:
    """What the pipeline did and used."""

    tree: TreeResult
    expected_rows: int
    rows: int
    distinct_keys: int

    @property
    def records_per_second(self) -> float:
        return self.rows / self.tree.seconds


def run_pipeline(tap_config: dict[str, Any], expected_rows: int, **loader_env: str) -> PipelineResult:
    """``meltano run tap-rickai target-duckdb-sdk`` over the days of ``tap_config`` (``loader_env``:
    more TARGET_DUCKDB_SDK_* settings, e.g. to compare batch sizes)."""
    meltano = os.environ.get("MELTANO", str(ROOT / ".venv-meltano" / "bin" / "meltano"))
    (ROOT / "output").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-warehouse-", dir=ROOT / "output") as folder:
        warehouse = Path(folder) / "bench.duckdb"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TAP_RICKAI_", "TARGET_DUCKDB_SDK_"))},
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "TAP_RICKAI_API_URL": tap_config["api_url"],
            "TAP_RICKAI_COMPANY": tap_config["company"],
            "TAP_RICKAI_API_TOKEN": tap_config["api_token"],
            "TAP_RICKAI_START_DATE": tap_config["start_date"],
            "TAP_RICKAI_END_DATE": tap_config["end_date"],
            "TAP_RICKAI_PAGE_SIZE": str(tap_config["page_size"]),
            "TARGET_DUCKDB_SDK_FILEPATH": str(warehouse),
            **loader_env,
        }
        command = [
            meltano,
            "--environment=sandbox",
            "run",
            "--no-install",
            "--full-refresh",
            "--no-state-update",
            "tap-rickai",
            LOADER,
        ]
        print(f"Running meltano run tap-rickai {LOADER} (sandbox environment, throwaway warehouse)...", flush=True)
        tree = run_tree(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        rows = distinct = 0
        if tree.returncode == 0:
            with duckdb.connect(str(warehouse), read_only=True) as db:
                rows, distinct = db.execute(
                    f"select count(*), count(distinct (client_id, session_count, date)) from {TABLE}"  # noqa: S608
                ).fetchone() or (0, 0)
    return PipelineResult(tree=tree, expected_rows=expected_rows, rows=rows, distinct_keys=distinct)


def print_pipeline(result: PipelineResult, tap_records_per_second: float) -> bool:
    """Print the pipeline's figures next to the tap's; ``True`` if its goals are met."""
    tree = result.tree
    print(f"\nmeltano run tap-rickai {LOADER}:")
    if tree.returncode:
        print(f"  FAILED with exit code {tree.returncode}:\n{tree.stderr[-3000:]}")
        return False
    lost = result.expected_rows - result.rows
    print(
        f"  {result.rows:,} rows in DuckDB ({result.distinct_keys:,} distinct keys) of {result.expected_rows:,} "
        f"served: {lost:,} lost"
    )
    print(
        f"  {tree.seconds:.1f} s, {result.records_per_second:,.0f} records/s "
        f"({result.records_per_second / tap_records_per_second:.2f} of the tap alone)"
    )
    print(f"  peak RSS of the whole process tree: {tree.peak_rss_mib:.0f} MiB (goal <= {GOAL_PIPELINE_RSS_MIB} MiB)")
    print(f"  {'process':24} {'CPU s':>7} {'peak RSS':>10}")
    for seen in sorted(tree.by_name().values(), key=lambda s: -s.cpu_seconds):
        print(f"  {seen.name:24} {seen.cpu_seconds:7.1f} {seen.peak_rss_mib:6.0f} MiB")
    return lost == 0 and result.distinct_keys == result.rows and tree.peak_rss_mib <= GOAL_PIPELINE_RSS_MIB
