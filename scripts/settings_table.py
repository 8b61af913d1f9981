"""Write each plugin's settings table into its README from `--about --format=markdown`.

Usage: python scripts/settings_table.py tap-rickai [more plugins...]
The table goes between `<!-- settings:start -->` and `<!-- settings:end -->`.
`--check` only reports whether the READMEs are up to date (exit 1 if not).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def settings_table(executable: str) -> str:
    """The "Settings" section of the plugin's own markdown description."""
    about = subprocess.run(
        [executable, "--about", "--format=markdown"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"^## Settings\n(.*?)(?=^## |\Z)", about, flags=re.S | re.M)
    if match is None:
        msg = f"{executable} --about has no Settings section"
        raise SystemExit(msg)
    return match.group(1).strip()


def render(readme: str, table: str) -> str:
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{table}\n{END}{after}"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for plugin in (a for a in argv if not a.startswith("--")):
        readme_path = ROOT / plugin / "README.md"
        readme = readme_path.read_text(encoding="utf-8")
        bin_dir = Path(sys.executable).parent
        updated = render(readme, settings_table(str(bin_dir / plugin)))
        if updated != readme:
            stale.append(plugin)
            if not check:
                readme_path.write_text(updated, encoding="utf-8")
    if check and stale:
        print("settings tables out of date: " + ", ".join(stale) + " (run `make readme`)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
