"""The Hub definitions work in Meltano as Hub users use them, configured from the environment.

A fresh Meltano project (`meltano init`) gets every plugin with `meltano add --from-ref
<definition> <name>` from hub/, the definition's `pip_url` pointed at the locally built wheels
(the published one names the PyPI distribution), then `meltano install`, and `meltano invoke
<name> --about` works. Then every setting of every plugin is given as an environment variable,
as Hub users configure plugins: Meltano hands them all over (`meltano invoke --dump=config`)
and the plugin's settings schema accepts what it gets; and `meltano run tap-rickai
target-duckdb-sdk`, configured from the environment alone, loads what the sandbox served,
with a decimal setting from the environment in force.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import typing as t
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import yaml
from jsonschema import Draft7Validator
from publishing import Artifacts, build, clean_env, plugins, publish_config, published, pyproject

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

PLUGINS = plugins()


def env_name(plugin: str, setting: str) -> str:
    """Meltano's environment variable for a plugin setting (`batch_config.encoding.format` too)."""
    return re.sub(r"[^A-Z0-9]", "_", f"{plugin}_{setting}".upper())


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    return build(published(), tmp_path_factory.mktemp("dist"))


class Project:
    """A fresh Meltano project in a temporary folder; commands run with a clean environment."""

    def __init__(self, meltano: Path, root: Path) -> None:
        self.meltano, self.root = meltano, root
        # Meltano's own folder first on PATH: its uv installs the plugins.
        self.path = f"{meltano.parent}{os.pathsep}{os.environ.get('PATH', '')}"

    def run(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.meltano), *args],
            cwd=self.root,
            env=clean_env(PATH=self.path, **env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"meltano {' '.join(args)} failed:\n{result.stderr[-5000:]}"
        return result


@pytest.fixture(scope="module")
def project(artifacts: Artifacts, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Every plugin added from its Hub definition, with local wheels for `pip_url`, and installed."""
    meltano = os.environ.get("MELTANO")
    if not meltano:
        pytest.skip("MELTANO is not set: run `make test` (it installs Meltano and sets MELTANO)")
    tmp = tmp_path_factory.mktemp("hub-project")
    Project(Path(meltano), tmp).run("init", "project", "--no_usage_stats")
    project = Project(Path(meltano), tmp / "project")
    variant = publish_config()["hub"]["variant"]
    for plugin in PLUGINS:
        kind = "extractors" if plugin.startswith("tap-") else "loaders"
        definition = yaml.safe_load((Path(__file__).parents[1] / "hub" / kind / plugin / f"{variant}.yml").read_text())
        assert definition["pip_url"] == pyproject(plugin)["project"]["name"]  # what Hub users install
        definition["pip_url"] = " ".join(str(wheel) for wheel in reversed(artifacts.wheels_for(plugin)))
        local = tmp / f"{plugin}.yml"
        local.write_text(yaml.safe_dump(definition), encoding="utf-8")
        project.run("add", "--from-ref", str(local), plugin)
    project.run("install")
    return project


def test_every_hub_definition_adds_installs_and_invokes(project: Project) -> None:
    added = yaml.safe_load((project.root / "meltano.yml").read_text(encoding="utf-8"))["plugins"]
    assert sorted(p["name"] for kind in added.values() for p in kind) == sorted(PLUGINS)
    for plugin in PLUGINS:
        about = json.loads(project.run("invoke", plugin, "--about", "--format=json").stdout)
        assert (about["name"], about["version"]) == (plugin, pyproject(plugin)["project"]["version"])


def types(schema: dict[str, t.Any]) -> list[str]:
    kinds = schema.get("type", "string")
    return [k for k in (kinds if isinstance(kinds, list) else [kinds]) if k != "null"]


def example(schema: dict[str, t.Any], kind: str | None = None) -> t.Any:
    """A small value of ``kind`` (default: the schema's first type) that the JSON schema accepts:
    an array of one item, an object with its required properties (e.g. tap-shopster's reports:
    [{"objects": [1]}]), the first of a oneOf's or anyOf's alternatives that has ``kind``."""
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        return example(next(a for a in alternatives if types(a) and (kind is None or kind in types(a))), kind)
    if "enum" in schema:
        return schema["enum"][0]
    kind = kind or types(schema)[0]
    if kind == "array":
        return [example(schema.get("items", {}))]
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: example(properties.get(name, {})) for name in schema.get("required", [])}
    return {"integer": 1, "number": 1.5, "boolean": True}.get(kind, "en_US")


def setting_schema(settings: dict[str, t.Any], name: str) -> dict[str, t.Any]:
    """The plugin's schema of a setting, a nested one (``faker_config.locale``) too."""
    schema = settings
    for part in name.split("."):
        schema = schema.get("properties", {}).get(part, {})
    return schema


def env_value(setting: dict[str, t.Any], schema: dict[str, t.Any]) -> str:
    """A valid value for the setting (``schema``: its schema in the plugin's settings), written
    as an environment variable's text."""
    kind, value = setting["kind"], setting.get("value")
    if kind in {"array", "object"}:
        return json.dumps(value if value is not None else example(schema, kind))
    if value is not None:
        return str(value).lower() if kind == "boolean" else str(value)
    if "number" in types(schema):  # a number setting without a default (Meltano: kind string)
        return "1.5"
    return {
        "password": "secret-from-env",
        "date_iso8601": "2026-01-01",
        "integer": "3",
        "boolean": "true",
        "options": setting.get("options", [{"value": ""}])[0]["value"],
    }.get(kind, "from-env")


def nested(config: dict[str, t.Any], dotted: str) -> t.Any:
    for part in dotted.split("."):
        config = config[part]
    return config


@pytest.mark.parametrize("plugin", PLUGINS)
def test_every_setting_can_be_set_from_the_environment(project: Project, plugin: str) -> None:
    lock = json.loads(project.run("invoke", plugin, "--about", "--format=json").stdout)
    settings = yaml.safe_load((project.root / "meltano.yml").read_text(encoding="utf-8"))["plugins"]
    (definition,) = (p for kind in settings.values() for p in kind if p["name"] == plugin)
    env = {
        env_name(plugin, s["name"]): env_value(s, setting_schema(lock["settings"], s["name"]))
        for s in definition["settings"]
    }

    dumped = json.loads(project.run("invoke", "--dump=config", plugin, **env).stdout)

    for setting in definition["settings"]:
        assert str(nested(dumped, setting["name"])).lower() == env[env_name(plugin, setting["name"])].lower() or (
            setting["kind"] in {"array", "object"}
        ), setting["name"]
    errors = [f"{list(e.path)}: {e.message}" for e in Draft7Validator(lock["settings"]).iter_errors(dumped)]
    assert errors == []  # the plugin's own settings schema takes every value Meltano handed over


def test_a_pipeline_configured_from_the_environment_alone(
    project: Project, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    """`meltano run tap-rickai target-duckdb-sdk`, every setting from the environment, decimals as text."""
    if not {"tap-rickai", "target-duckdb-sdk"} <= set(PLUGINS):
        pytest.skip("the pipeline of tap-rickai and target-duckdb-sdk is not published")
    sandbox = sandbox_factory(rickai_sessions_per_day=30)
    last = sandbox.rickai.window()[1] - timedelta(days=1)
    first = last - timedelta(days=2)
    warehouse = tmp_path / "warehouse.duckdb"
    env = {
        "TAP_RICKAI_API_URL": sandbox.vendor_url("rickai"),
        "TAP_RICKAI_COMPANY": "demo-company",
        "TAP_RICKAI_API_TOKEN": "sandbox-rickai-token",
        "TAP_RICKAI_START_DATE": first.isoformat(),
        "TAP_RICKAI_END_DATE": last.isoformat(),
        "TAP_RICKAI_MIN_REQUEST_INTERVAL_SECONDS": "2.0",  # the documented limit is 1 request per second
        "TAP_RICKAI_BACKOFF_INITIAL_SECONDS": "0.25",
        "TARGET_DUCKDB_SDK_FILEPATH": str(warehouse),
        "TARGET_DUCKDB_SDK_DEFAULT_TARGET_SCHEMA": "tap_rickai",
        "TARGET_DUCKDB_SDK_BATCH_SIZE_ROWS": "25",
    }
    project.run("run", "tap-rickai", "target-duckdb-sdk", **env)

    with duckdb.connect(str(warehouse), read_only=True) as db:
        loaded = dict(db.execute('select "date"::varchar, count(*) from tap_rickai.sessions group by 1').fetchall())
    assert loaded == {day["date"]: day["sessions"] for day in sandbox.rickai.truth("demo-company", first, last)["days"]}
    arrivals = [record.arrived for record in sandbox.requests if record.vendor == "rickai"]
    assert len(arrivals) == 3
    assert min(later - earlier for earlier, later in itertools.pairwise(arrivals)) >= 1.9  # 2.0 from the env

    refused = project.run("invoke", "tap-rickai", check=False, **{**env, "TAP_RICKAI_BACKOFF_INITIAL_SECONDS": "fast"})
    assert refused.returncode == 1
    words = " ".join(refused.stderr.split())  # Meltano wraps the plugin's log lines
    assert "setting 'backoff_initial_seconds' must be a decimal number such as 0.5, got 'fast'" in words
    assert "ValueError" not in words  # refused by the plugin, not crashed on (Meltano adds its own traceback)
