"""The README's settings table is the one `tap-shopster --about` describes, and it documents
every unknown the code decides."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tap_shopster.client import ShopsterAssumptions

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "tap-shopster" / "README.md"


def test_readme_settings_table_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py"), "tap-shopster", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    readme = README.read_text(encoding="utf-8")
    for setting in ("api_token", "reports", "interval", "lookback_days", "answer_keying", "max_tries"):
        assert f"| {setting} |" in readme


def test_readme_lists_every_assumption_and_its_override() -> None:
    readme = README.read_text(encoding="utf-8")
    assumptions = readme.split("## API assumptions", 1)[1]
    for field in ShopsterAssumptions.__dataclass_fields__:
        assert field in assumptions, field
    for unknown in ("Is `to` inclusive?", "One answer key per object", "Error body shape", "History depth"):
        assert unknown in assumptions
    for unknown in ("Time zone of `datetime`", "How late data settles", "Rate limits"):
        assert unknown in assumptions
