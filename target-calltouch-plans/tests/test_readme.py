"""The README's settings table is the one `target-calltouch-plans --about` describes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_settings_table_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py"), "target-calltouch-plans", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    readme = (ROOT / "target-calltouch-plans" / "README.md").read_text(encoding="utf-8")
    for setting in ("api_token", "site_id", "batch_size", "max_requests_per_second", "dry_run", "on_invalid_record"):
        assert f"| {setting} |" in readme
    assert "## API assumptions" in readme
