"""What the README says about `meltano add` is what Meltano does: without Meltano Hub it stops,
`--from-ref` works offline with the definitions in hub/, and either rewrites meltano.yml
without its comments (the `make hub` markers among them). Copies only: the repository's
meltano.yml is never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DUCKDB_DEFINITION = "hub/loaders/target-duckdb-sdk/marketing-retail-connectors.yml"
# Enough of a loader definition for `meltano add --from-ref` (a file saved from the Hub has more).
POSTGRES_DEFINITION = """\
name: target-postgres
namespace: target_postgres
pip_url: meltanolabs-target-postgres
settings:
- name: sqlalchemy_url
  kind: password
  sensitive: true
"""


@pytest.fixture
def meltano(tmp_path: Path):
    """Runs `meltano ARGS` in a project directory with Meltano Hub unreachable (as offline)."""
    value = os.environ.get("MELTANO")
    if not value:
        pytest.skip("MELTANO is not set: run `make test` (it installs Meltano and sets MELTANO)")
    env = {name: text for name, text in os.environ.items() if not name.startswith("MELTANO_")}
    env |= {
        "MELTANO_HUB_URL": "http://127.0.0.1:9",  # nothing listens there: no Hub, as offline
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }

    def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [value, *args],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run


def copy_of_this_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "meltano.yml", project / "meltano.yml")
    return project


def comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def test_the_readme_says_what_follows() -> None:
    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert "`meltano add loader target-postgres` needs Meltano Hub" in readme
    assert "Could not connect to Meltano Hub" in readme
    assert "comments dropped or moved" in readme
    assert f"meltano add --from-ref {DUCKDB_DEFINITION} target-duckdb-sdk" in readme
    assert (ROOT / DUCKDB_DEFINITION).is_file()


def test_meltano_add_without_the_hub_stops_and_changes_nothing(meltano, tmp_path: Path) -> None:
    project = copy_of_this_project(tmp_path)
    before = (project / "meltano.yml").read_text(encoding="utf-8")

    result = meltano(project, "add", "loader", "target-postgres", "--no-install")

    assert result.returncode != 0
    assert "Could not connect to Meltano Hub" in result.stdout + result.stderr
    assert (project / "meltano.yml").read_text(encoding="utf-8") == before


def test_from_ref_works_offline_and_rewrites_meltano_yml_without_its_comments(meltano, tmp_path: Path) -> None:
    project = copy_of_this_project(tmp_path)
    definition = tmp_path / "target-postgres.yml"
    definition.write_text(POSTGRES_DEFINITION, encoding="utf-8")
    before = (project / "meltano.yml").read_text(encoding="utf-8")

    result = meltano(project, "add", "--from-ref", str(definition), "target-postgres", "--no-install")

    assert result.returncode == 0, result.stdout + result.stderr
    after = (project / "meltano.yml").read_text(encoding="utf-8")
    loaders = {loader["name"] for loader in yaml.safe_load(after)["plugins"]["loaders"]}
    assert "target-postgres" in loaders
    lost = [line for line in comments(before) if line not in comments(after)]
    assert lost, "Meltano kept every comment: the README's warning is out of date"
    markers = [line for line in comments(before) if line.startswith(("# >>> make hub", "# <<< make hub"))]
    assert [line for line in comments(after) if line in markers] != markers  # lost or moved
    assert "kind: password" in before
    assert "kind: password" not in after


def test_this_repositorys_definition_adds_offline_to_another_project(meltano, tmp_path: Path) -> None:
    project = tmp_path / "own"
    project.mkdir()
    (project / "meltano.yml").write_text(
        "version: 1\ndefault_environment: dev\nenvironments:\n- name: dev\n", encoding="utf-8"
    )

    result = meltano(project, "add", "--from-ref", str(ROOT / DUCKDB_DEFINITION), "target-duckdb-sdk", "--no-install")

    assert result.returncode == 0, result.stdout + result.stderr
    (loader,) = yaml.safe_load((project / "meltano.yml").read_text(encoding="utf-8"))["plugins"]["loaders"]
    assert loader["name"] == "target-duckdb-sdk"
    assert loader["namespace"] == "target_duckdb_sdk"
