"""The README's settings table is the one `tap-kameleoon --about` describes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_settings_table_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py"), "tap-kameleoon", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    readme = (ROOT / "tap-kameleoon" / "README.md").read_text(encoding="utf-8")
    for setting in ("client_id", "client_secret", "site_codes", "window_days", "poll_timeout_seconds", "rate_limits"):
        assert f"| {setting} |" in readme
    assert "## API assumptions" in readme
