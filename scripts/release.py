"""Releases: one tag per package and version, `<folder>-v<version>` (`tap-rickai-v0.1.0`).

    python scripts/release.py packages        the folders a release may publish (publish.toml)
    python scripts/release.py tags            the tag of each one's current version
    python scripts/release.py check-tag TAG   the folder TAG releases; fails (exit 1, saying
                                              why) unless TAG names a published package at
                                              its pyproject.toml version, with a CHANGELOG.md
                                              section for that version

The release workflow (.github/workflows/release.yml) runs `check-tag` before it builds.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAG = re.compile(r"^(?P<folder>[a-z0-9][a-z0-9-]*?)-v(?P<version>\d+(\.\d+)*([a-z]+\d+)?)$")


def packages() -> list[str]:
    """The shared libraries, then the plugins: the order to release them in."""
    config = tomllib.loads((ROOT / "publish.toml").read_text(encoding="utf-8"))
    return [*config["libraries"], *config["plugins"]]


def version(folder: str) -> str:
    project = tomllib.loads((ROOT / folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return str(project["version"])


def tag(folder: str) -> str:
    return f"{folder}-v{version(folder)}"


def changelog_versions(folder: str) -> list[str]:
    """The versions CHANGELOG.md has a section for (`## 0.1.0 (2026-12-01)`)."""
    path = ROOT / folder / "CHANGELOG.md"
    if not path.is_file():
        return []
    return re.findall(r"^## (\d+(?:\.\d+)*(?:[a-z]+\d+)?)\b", path.read_text(encoding="utf-8"), flags=re.M)


def check_tag(name: str) -> str:
    """The folder the tag releases, or SystemExit saying what is wrong."""
    match = TAG.match(name)
    if match is None:
        msg = f"tag {name!r} is not <package folder>-v<version>, e.g. {tag(packages()[-1])}"
        raise SystemExit(msg)
    folder, wanted = match["folder"], match["version"]
    if folder not in packages():
        msg = f"tag {name!r}: {folder} is not a published package ({', '.join(packages())}; see publish.toml)"
        raise SystemExit(msg)
    if version(folder) != wanted:
        msg = f"tag {name!r}: {folder}/pyproject.toml is at version {version(folder)}, not {wanted}"
        raise SystemExit(msg)
    if wanted not in changelog_versions(folder):
        msg = f"tag {name!r}: {folder}/CHANGELOG.md has no '## {wanted}' section"
        raise SystemExit(msg)
    return folder


def main(argv: list[str]) -> int:
    match argv:
        case ["packages"]:
            print("\n".join(packages()))
        case ["tags"]:
            print("\n".join(tag(folder) for folder in packages()))
        case ["check-tag", name]:
            print(check_tag(name))
        case _:
            print(__doc__, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
