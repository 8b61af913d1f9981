"""What the plugins' end-to-end tests share: the repository's Meltano project, isolated.

A test runs the real ``meltano`` (from ``$MELTANO``, which ``make test`` sets) on the
repository's ``meltano.yml`` with the plugins ``make meltano`` installed, but with its
own system directory, database and files in a temporary directory, so the developer's
state and warehouse are never touched. Used by the ``meltano`` fixture of
:mod:`vendor_testing.pytest_plugin` and by each plugin's ``test_meltano_e2e.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PLUGIN_DIRS = ("extractors", "loaders")
ENVIRONMENT = "sandbox"


def meltano_executable(root: Path) -> Path:
    """The meltano executable from ``$MELTANO``; skips the test when it is not set."""
    value = os.environ.get("MELTANO")
    if not value:
        pytest.skip("MELTANO is not set: run `make test` (it installs Meltano and sets MELTANO)")
    executable = Path(value)
    assert os.access(executable, os.X_OK), f"MELTANO={value} is not an executable"
    for kind in PLUGIN_DIRS:
        assert (root / ".meltano" / kind).is_dir(), "plugins not installed: run `make meltano`"
    return executable


@dataclass
class IsolatedMeltano:
    """The project at ``root`` run with a throwaway system dir and database in ``tmp``."""

    executable: Path
    root: Path
    tmp: Path
    env: dict[str, str]

    @classmethod
    def create(
        cls,
        executable: Path,
        root: Path,
        tmp: Path,
        *,
        isolate: tuple[str, ...],
        **settings: str,
    ) -> IsolatedMeltano:
        """Link the installed plugins into a system dir in ``tmp``; drop the caller's
        variables starting with ``isolate`` (and ``MELTANO_``); add ``settings``."""
        system_dir = tmp / "meltano-system"
        system_dir.mkdir()
        for kind in PLUGIN_DIRS:
            (system_dir / kind).symlink_to(root / ".meltano" / kind, target_is_directory=True)
        prefixes = ("MELTANO_", *isolate)
        env = {name: value for name, value in os.environ.items() if not name.startswith(prefixes)}
        env.update(
            MELTANO_SYS_DIR_ROOT=str(system_dir),
            MELTANO_DATABASE_URI=f"sqlite:///{tmp / 'meltano.db'}",
            MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
            **settings,
        )
        return cls(executable, root, tmp, env)

    @property
    def system_db(self) -> Path:
        return self.tmp / "meltano.db"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``meltano --environment=sandbox ARGS`` with no stdin, output captured."""
        return subprocess.run(
            [str(self.executable), f"--environment={ENVIRONMENT}", *args],
            cwd=self.root,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def files_containing(self, *secrets: str, skip: tuple[Path, ...] = ()) -> list[Path]:
        """Files written under ``tmp`` (not the linked plugins) holding any of ``secrets``."""
        needles = [secret.encode() for secret in secrets if secret]
        return [
            path
            for path in self.tmp.rglob("*")
            if path.is_file()
            and not path.is_symlink()
            and path not in skip
            and any(needle in path.read_bytes() for needle in needles)
        ]


def assert_settings_match_about(root: Path, kind: str, plugin: str, module: str) -> None:
    """``meltano.yml`` declares exactly the plugin's settings (``python -m MODULE --about``),
    in the same order, with its defaults, and ``sensitive`` exactly for its secrets.

    An object setting of fixed parts may be declared as its leaves, as Meltano Hub lists
    them (``batch_config.encoding.format``); ``make hub`` writes these definitions."""
    import yaml  # a test dependency of every plugin

    about = subprocess.run(
        [sys.executable, "-m", module, "--about", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    properties = json.loads(about.stdout)["settings"]["properties"]
    project = yaml.safe_load((root / "meltano.yml").read_text(encoding="utf-8"))
    (declared,) = (p for p in project["plugins"][kind] if p["name"] == plugin)
    settings = {s["name"]: s for s in declared["settings"]}
    assert list(dict.fromkeys(name.split(".")[0] for name in settings)) == list(properties)
    for name, prop in properties.items():
        if name not in settings:  # declared as its leaves
            assert all(
                prop.get("properties", {}).get(leaf.split(".")[1]) for leaf in settings if leaf.startswith(f"{name}.")
            )
            continue
        assert settings[name].get("sensitive", False) == prop.get("secret", False), name
        assert settings[name].get("value") == prop.get("default"), name
