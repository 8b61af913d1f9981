"""The README's settings table is the one `tap-rickai --about` describes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_settings_table_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py"), "tap-rickai", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    readme = (ROOT / "tap-rickai" / "README.md").read_text(encoding="utf-8")
    for setting in ("company", "api_token", "lookback_days", "page_size", "max_tries"):
        assert f"| {setting} |" in readme
