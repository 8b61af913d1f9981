"""What the publishing tests share: the published packages (publish.toml), their built
artifacts, the Pythons their metadata claims, and environments with no access to this
repository's source tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import typing as t
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from email.policy import default as email_policy
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).parent / "uv"
#: Variables of this process that must not reach a plugin installed from its artifacts.
LEAKY_PREFIXES = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_", "MELTANO_", "TAP_", "TARGET_", "PIP_")


def publish_config() -> dict[str, t.Any]:
    return tomllib.loads((ROOT / "publish.toml").read_text(encoding="utf-8"))


def plugins() -> list[str]:
    """The published plugins (folder = distribution = command name)."""
    return list(publish_config()["plugins"])


def published() -> list[str]:
    """The folders of every published distribution: the shared libraries, then the plugins."""
    config = publish_config()
    return [*config["libraries"], *config["plugins"]]


def pyproject(folder: str) -> dict[str, t.Any]:
    return tomllib.loads((ROOT / folder / "pyproject.toml").read_text(encoding="utf-8"))


def distribution(folder: str) -> str:
    return str(pyproject(folder)["project"]["name"])


def claimed_pythons(folder: str) -> list[str]:
    """The Python minor versions the package's ``requires-python`` admits (3.8 to 3.30)."""
    specifier = SpecifierSet(pyproject(folder)["project"]["requires-python"])
    return [f"3.{minor}" for minor in range(8, 31) if f"3.{minor}.0" in specifier or f"3.{minor}.99" in specifier]


def interpreter(version: str) -> Path:
    """A working ``python<version>``: on PATH, else pyenv's. A claimed version that is missing
    fails the test in CI (where the machine has them) and skips it elsewhere."""
    candidates = [shutil.which(f"python{version}")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(path) for path in sorted(pyenv.glob(f"{version}.*/bin/python{version}"))]
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return Path(candidate)
    message = f"no Python {version} on this machine, though the packages claim it (requires-python)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without virtualenv, Python path, uv, pip or plugin settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(LEAKY_PREFIXES)}
    return {**env, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", **extra}


@dataclass(frozen=True)
class Artifacts:
    """Every published package built once: folder → wheel and sdist."""

    wheels: dict[str, Path]
    sdists: dict[str, Path]

    def metadata(self, folder: str) -> t.Any:
        """The wheel's METADATA as an email message (``msg["Requires-Dist"]``, ``msg.get_all``)."""
        wheel = self.wheels[folder]
        with zipfile.ZipFile(wheel) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            return Parser(policy=email_policy).parsestr(archive.read(name).decode("utf-8"))

    def wheels_for(self, folder: str) -> list[Path]:
        """The package's wheel and the wheels of the published packages it requires."""
        ours = {canonicalize_name(distribution(other)): other for other in self.wheels}
        needed = [folder]
        for line in self.metadata(folder).get_all("Requires-Dist") or []:
            name = canonicalize_name(Requirement(line).name)
            if name in ours:
                needed += [ours[name]]
        return [self.wheels[name] for name in needed]


def build(folders: list[str], out: Path) -> Artifacts:
    """``uv build`` (sdist, then the wheel from it) of each folder into ``out``."""
    wheels, sdists = {}, {}
    for folder in folders:
        target = out / folder
        subprocess.run([str(UV), "build", "--quiet", "--out-dir", str(target), str(ROOT / folder)], check=True)
        (wheels[folder],) = target.glob("*.whl")
        (sdists[folder],) = target.glob("*.tar.gz")
    return Artifacts(wheels, sdists)


def fresh_venv(path: Path, python: Path, wheels: list[Path]) -> Path:
    """A new virtual environment at ``path`` with ``wheels`` installed, their dependencies
    from the package index; returns its ``bin`` folder. Nothing of this repository is on
    its path: the wheels are files, and no editable or source install is involved."""
    env = clean_env()
    subprocess.run([str(UV), "venv", "--quiet", "--python", str(python), str(path)], check=True, env=env)
    install = [str(UV), "pip", "install", "--quiet", "--python", str(path / "bin" / "python"), *map(str, wheels)]
    subprocess.run(install, check=True, env=env, cwd=path)
    return path / "bin"


def imported_from(bin_dir: Path, *modules: str) -> dict[str, str]:
    """Where the environment's Python imports ``modules`` from, run from its own folder."""
    code = (
        "import importlib, json, sys; print(json.dumps({m: importlib.import_module(m).__file__ for m in sys.argv[1:]}))"
    )
    result = subprocess.run(
        [str(bin_dir / "python"), "-I", "-c", code, *modules],
        capture_output=True,
        text=True,
        check=True,
        cwd=bin_dir,
        env=clean_env(),
    )
    return json.loads(result.stdout)
