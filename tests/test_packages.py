"""What PyPI shows and what a release publishes: every published package builds, passes
`twine check`, and carries the metadata a PyPI user expects; releases are tagged per package."""

from __future__ import annotations

import fnmatch
import re
import subprocess
import tarfile
import tomllib
import typing as t
import zipfile

import pytest
import release
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from publishing import ROOT, UV, Artifacts, build, claimed_pythons, distribution, publish_config, published, pyproject

PUBLISHED = published()
#: A markdown link or image target, or an HTML href/src, that is not an absolute URL or an anchor.
RELATIVE_LINK = re.compile(r"\]\((?!https?://|#|mailto:)([^)\s]+)[^)]*\)|(?:href|src)=\"(?!https?://|#)([^\"]+)\"")


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    return build(PUBLISHED, tmp_path_factory.mktemp("dist"))


def test_twine_accepts_every_artifact(artifacts: Artifacts) -> None:
    files = [str(path) for path in [*artifacts.wheels.values(), *artifacts.sdists.values()]]
    result = subprocess.run(
        [str(UV.parent / "twine"), "check", "--strict", *files], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == len(files)


@pytest.mark.parametrize("folder", PUBLISHED)
def test_the_metadata_a_pypi_user_expects(folder: str, artifacts: Artifacts) -> None:
    metadata = artifacts.metadata(folder)
    project = pyproject(folder)["project"]
    repo = publish_config()["hub"]["repo"]

    assert metadata["Name"] == distribution(folder)
    assert metadata["Version"] == project["version"]
    assert metadata["Summary"]
    assert metadata["Author"] or metadata["Author-email"]
    assert metadata["License-Expression"] == "Apache-2.0"
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    assert all(url.startswith(repo) for url in urls.values())
    classifiers = metadata.get_all("Classifier")
    assert "Private :: Do Not Upload" not in classifiers
    assert any(classifier.startswith("Development Status ::") for classifier in classifiers)
    python_classifiers = [
        c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert python_classifiers == claimed_pythons(folder)


def test_every_package_claims_the_pythons_the_tests_install_on() -> None:
    """tests/test_install_from_artifacts.py installs and runs every plugin on each claimed version."""
    claims = {folder: claimed_pythons(folder) for folder in PUBLISHED}
    assert len({tuple(claim) for claim in claims.values()}) == 1, claims
    assert claims[PUBLISHED[0]] == ["3.11", "3.12", "3.13"]


@pytest.mark.parametrize("folder", PUBLISHED)
def test_the_license_is_in_both_artifacts(folder: str, artifacts: Artifacts) -> None:
    license_text = (ROOT / "LICENSE").read_bytes()
    assert (ROOT / folder / "LICENSE").read_bytes() == license_text  # the same license everywhere
    with zipfile.ZipFile(artifacts.wheels[folder]) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert wheel.read(name) == license_text
    with tarfile.open(artifacts.sdists[folder]) as sdist:
        (member,) = [m for m in sdist.getmembers() if m.name.count("/") == 1 and m.name.endswith("/LICENSE")]
        extracted = sdist.extractfile(member)
        assert extracted is not None and extracted.read() == license_text


@pytest.mark.parametrize("folder", PUBLISHED)
def test_the_readme_renders_on_pypi_without_broken_links(folder: str, artifacts: Artifacts) -> None:
    metadata = artifacts.metadata(folder)
    assert metadata["Description-Content-Type"] == "text/markdown"
    description = metadata.get_payload()
    assert description.strip() == (ROOT / folder / "README.md").read_text(encoding="utf-8").strip()
    relative = [next(filter(None, match.groups())) for match in RELATIVE_LINK.finditer(description)]
    assert relative == [], f"{folder}/README.md links relative paths, which break on PyPI: use absolute URLs"


def test_the_relative_link_check_finds_relative_links() -> None:
    found = [
        next(filter(None, m.groups()))
        for m in RELATIVE_LINK.finditer('[a](../x.md) ![i](img.png) [b](https://x) [c](#y) <a href="z.md">')
    ]
    assert found == ["../x.md", "img.png", "z.md"]


@pytest.mark.parametrize("folder", PUBLISHED)
def test_a_package_requires_only_published_packages_of_ours(folder: str, artifacts: Artifacts) -> None:
    """A plugin's requirement on a name of ours that is not published would be installed from
    whoever registers that name on PyPI."""
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["uv"]["workspace"][
        "members"
    ]
    ours = {canonicalize_name(distribution(member)) for member in workspace} | {canonicalize_name(m) for m in workspace}
    ours.add("vendor-http")  # the generic name the shared layer must not be published or required under
    published_names = {canonicalize_name(distribution(other)) for other in PUBLISHED}
    required = {
        canonicalize_name(Requirement(line).name) for line in artifacts.metadata(folder).get_all("Requires-Dist") or []
    }
    assert (required & ours) <= published_names, required & ours - published_names
    assert "vendor-http" not in published_names


def test_what_is_not_published_cannot_be_uploaded() -> None:
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["uv"]["workspace"][
        "members"
    ]
    for member in set(workspace) - set(PUBLISHED):
        assert "Private :: Do Not Upload" in pyproject(member)["project"]["classifiers"], member


# Releases


@pytest.mark.parametrize("folder", PUBLISHED)
def test_the_current_version_can_be_released(folder: str) -> None:
    """Its tag is accepted: the version has a CHANGELOG.md section."""
    assert release.check_tag(release.tag(folder)) == folder
    assert pyproject(folder)["project"]["version"] in release.changelog_versions(folder)


@pytest.mark.parametrize(
    ("tag", "complaint"),
    [
        ("tap-rickai-0.1.0", "is not <package folder>-v<version>"),
        ("vendor-sandbox-v0.1.0", "vendor-sandbox is not a published package"),
        ("target-duckdb-sdk-v9.9.9", "target-duckdb-sdk/pyproject.toml is at version"),
    ],
)
def test_a_wrong_tag_is_refused_saying_why(tag: str, complaint: str) -> None:
    with pytest.raises(SystemExit, match=re.escape(complaint)):
        release.check_tag(tag)


def test_the_release_workflow_publishes_each_tag_with_trusted_publishing() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    (pattern,) = workflow[True]["push"]["tags"]  # YAML 1.1 reads the key `on` as true
    assert all(fnmatch.fnmatchcase(release.tag(folder), pattern) for folder in PUBLISHED)
    jobs = workflow["jobs"]
    steps = " ".join(str(step) for job in jobs.values() for step in job["steps"])
    assert "scripts/release.py check-tag" in steps
    assert "twine check --strict" in steps
    assert "bash .ci/run" in steps
    publish = jobs["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    (action,) = [step for step in publish["steps"] if "gh-action-pypi-publish" in step.get("uses", "")]
    assert "password" not in action.get("with", {})  # trusted publishing: no token
    assert (jobs["build"]["needs"], jobs["publish"]["needs"]) == ("test", "build")  # tested, then built, then published


def test_every_published_package_has_a_changelog_naming_its_tags(artifacts: Artifacts) -> None:
    for folder in PUBLISHED:
        text = (ROOT / folder / "CHANGELOG.md").read_text(encoding="utf-8")
        assert f"`{folder}-v<version>`" in text, folder
        assert t.cast("str", artifacts.metadata(folder)["Name"]) in text, folder
