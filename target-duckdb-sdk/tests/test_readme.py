"""The README's settings table is the one `target-duckdb-sdk --about` describes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_settings_table_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py"), "target-duckdb-sdk", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    readme = (ROOT / "target-duckdb-sdk" / "README.md").read_text(encoding="utf-8")
    for setting in ("filepath", "load_method", "batch_size_rows", "memory_limit", "validate_records"):
        assert f"| {setting} |" in readme
