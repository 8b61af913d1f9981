"""The README's "One plugin without Meltano" works as written on a fresh machine.

Its commands run as they stand in the README, with bash, in a copy of the repository's
files (no virtual environment, nothing built), with an empty home folder (the recipe's
`~/.venvs/...`) and none of this repository's environments on PATH: `python3 -m venv` and
pip from the machine, the plugins from the copy, tap-spreadsheets from PyPI. The config
files are the README's, pointed at the sandbox (its URL, its demo credentials, two days).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import typing as t
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from publishing import ROOT

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

README = ROOT / "README.md"
RECIPE = re.compile(r"<!-- recipe:start -->\n```bash\n(.*?)```\n<!-- recipe:end -->", re.S)
CONFIG = re.compile(r"^`(?P<name>[\w-]+\.json)`[^\n]*\n```json\n(?P<body>.*?)\n```", re.S | re.M)
LEAKY = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_", "MELTANO_", "TAP_", "TARGET_", "CONDA_")


def recipe() -> tuple[str, dict[str, dict[str, t.Any]]]:
    """The recipe's commands and the config files shown after it."""
    text = README.read_text(encoding="utf-8")
    match = RECIPE.search(text)
    assert match is not None, "README.md: the recipe between <!-- recipe:start --> and <!-- recipe:end --> is gone"
    files = {m["name"]: json.loads(m["body"]) for m in CONFIG.finditer(text, match.end())}
    return match.group(1), files


def fresh_copy(target: Path) -> Path:
    """The repository's files (tracked and new, not ignored) as a clone would have them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def machine_env(home: Path) -> dict[str, str]:
    """The machine's environment for a new user: an empty home, no virtual environment or
    folder of this repository on PATH, no plugin settings; pip keeps its download cache."""
    pip_cache = subprocess.run(["python3", "-m", "pip", "cache", "dir"], capture_output=True, text=True, check=False)
    env = {name: value for name, value in os.environ.items() if not name.startswith(LEAKY)}
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if not Path(entry).is_relative_to(ROOT)]
    env |= {"HOME": str(home), "PATH": os.pathsep.join(path)}
    if pip_cache.returncode == 0 and pip_cache.stdout.strip():
        env["PIP_CACHE_DIR"] = pip_cache.stdout.strip()
    if (Path.home() / ".pyenv").is_dir():  # pyenv's shims find their versions here, not in the new home
        env.setdefault("PYENV_ROOT", str(Path.home() / ".pyenv"))
    return env


def test_the_readme_shows_every_config_file_its_commands_use() -> None:
    commands, files = recipe()
    used = set(re.findall(r"--config ([\w-]+\.json)", commands))
    assert used == set(files), f"shown: {sorted(files)}, used: {sorted(used)}"


def test_the_standalone_recipe_works_as_written(
    sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    commands, files = recipe()
    sandbox = sandbox_factory(rickai_sessions_per_day=30)
    last = sandbox.rickai.window()[1] - timedelta(days=1)
    first = last - timedelta(days=1)
    sandbox_settings = {
        "rickai.json": {
            "api_url": sandbox.vendor_url("rickai"),
            "company": "demo-company",
            "api_token": "sandbox-rickai-token",
            "start_date": first.isoformat(),
            "end_date": last.isoformat(),
        },
        "calltouch.json": {
            "api_url": sandbox.vendor_url("calltouch"),
            "api_token": "sandbox-calltouch-token",
            "poll_interval_seconds": 0.05,
        },
    }
    clone = fresh_copy(tmp_path / "clone")
    cloned = {path for path in clone.rglob("*") if path.is_file()}
    for name, config in files.items():
        for key in sandbox_settings.get(name, {}):
            assert key in config or key in {"api_url", "end_date", "poll_interval_seconds"}, (name, key)
        (clone / name).write_text(json.dumps(config | sandbox_settings.get(name, {})), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()

    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", commands],
        cwd=clone,
        env=machine_env(home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-6000:]

    assert sorted(path.name for path in (home / ".venvs").iterdir()) == [
        "tap-rickai",
        "tap-spreadsheets",
        "target-calltouch-plans",
        "target-duckdb-sdk",
    ]
    with duckdb.connect(str(clone / "warehouse.duckdb"), read_only=True) as db:
        loaded = dict(db.execute('select "date"::varchar, count(*) from tap_rickai.sessions group by 1').fetchall())
    assert loaded == {day["date"]: day["sessions"] for day in sandbox.rickai.truth("demo-company", first, last)["days"]}
    states = (clone / "states.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(states) >= 2  # the first run's and the incremental run's
    assert json.loads(states[-1])["bookmarks"]["sessions"]["replication_key_value"].startswith(last.isoformat())

    rows = (clone / "plans" / "plans.csv").read_text(encoding="utf-8").splitlines()[1:]
    imported = sandbox.calltouch.imported_plans()
    assert sorted(plan["metric"]["value"] for plan in imported) == sorted(int(row.rsplit(",", 1)[1]) for row in rows)

    # Git ignores everything the recipe and its config files left in the clone, and what the
    # plugins' READMEs create (a venv/, config.json, state.json, target-jsonl's files).
    created = sorted(str(path.relative_to(clone)) for path in clone.rglob("*") if path.is_file() and path not in cloned)
    assert "states.jsonl" in created
    created += ["venv/bin/python", "config.json", "state.json", "sessions.jsonl"]
    assert not_ignored(clone, created) == []


def not_ignored(clone: Path, paths: list[str]) -> list[str]:
    """Those of ``paths`` that the clone's .gitignore does not ignore."""
    subprocess.run(["git", "init", "-q"], cwd=clone, check=True)
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=clone,
        input="\n".join(paths),
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    return [path for path in paths if path not in ignored]


@pytest.fixture(autouse=True)
def _needs_python3_and_bash() -> None:
    for tool in ("python3", "bash", "git"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not on PATH")
