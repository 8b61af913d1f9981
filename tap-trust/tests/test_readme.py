"""The README's settings table is the one `tap-trust --about` describes; the assumptions are listed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_settings_table_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py"), "tap-trust", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    readme = (ROOT / "tap-trust" / "README.md").read_text(encoding="utf-8")
    for setting in ("client_secret", "company_ids", "auth_url", "statistics_mode", "history_start_parameter"):
        assert f"| {setting} |" in readme
    assert "## API assumptions" in readme
    for unknown in ("Date-range search", "Content-Type of a GET", "`data.campaign`", "Error bodies", "Rate limits"):
        assert unknown in readme, unknown
    assert "Campaign paging" in readme
