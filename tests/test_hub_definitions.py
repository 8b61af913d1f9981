"""Every plugin's Meltano Hub definition passes the Hub's own checks and is current with
`--about`, and meltano.yml says the same about each plugin (both come from `make hub`)."""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from functools import cache
from pathlib import Path

import meltano_hub
import pytest
import yaml
from jsonschema import Draft7Validator
from publishing import ROOT, claimed_pythons, distribution, plugins, publish_config
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
from yamllint import linter
from yamllint.config import YamlLintConfig

REFERENCE = Path(__file__).parent / "hub_reference"
#: Meltano kinds it can take from an environment variable (it casts `decimal` to Decimal,
#: then cannot write it to the plugin's config: "Object of type Decimal is not JSON serializable").
ENV_SETTABLE_KINDS = {"string", "password", "date_iso8601", "integer", "boolean", "options", "array", "object"}


@cache
def hub_schemas() -> dict[str, dict[str, t.Any]]:
    """The Hub's schemas by file name (unique across its two folders)."""
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in REFERENCE.glob("*/*.schema.json")}


def hub_validator(plugin: str) -> Draft7Validator:
    """The Hub's extractor or loader schema, its relative ``$ref``s resolved to the copied files."""
    schemas = hub_schemas()

    def retrieve(uri: str) -> Resource[t.Any]:
        return Resource.from_contents(schemas[uri.rsplit("/", 1)[-1]], default_specification=DRAFT7)

    schema = schemas[f"{meltano_hub.plugin_type(plugin)}.schema.json"]
    return Draft7Validator(schema, registry=Registry(retrieve=retrieve))  # type: ignore[call-arg]


def hub_path(plugin: str) -> Path:
    variant = publish_config()["hub"]["variant"]
    return ROOT / "hub" / meltano_hub.plugin_type(plugin) / plugin / f"{variant}.yml"


def hub_definition(plugin: str) -> dict[str, t.Any]:
    return yaml.safe_load(hub_path(plugin).read_text(encoding="utf-8"))


def meltano_definition(plugin: str) -> dict[str, t.Any]:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (entry,) = (p for p in project["plugins"][meltano_hub.plugin_type(plugin)] if p["name"] == plugin)
    return entry


@cache
def about(plugin: str) -> dict[str, t.Any]:
    return meltano_hub.about(plugin)


PLUGINS = plugins()


def test_the_definitions_and_meltano_yml_are_current_with_about() -> None:
    """Like the README settings tables: `make hub` would change nothing."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "meltano_hub.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("plugin", PLUGINS)
def test_the_definition_passes_the_hub_schema(plugin: str) -> None:
    errors = [
        f"{list(error.absolute_path)}: {error.message}"
        for error in hub_validator(plugin).iter_errors(hub_definition(plugin))
    ]
    assert errors == []


def test_the_hub_schema_check_catches_what_hub_ci_refuses() -> None:
    """The check above can fail: an unknown kind, a capability a loader cannot have, a stray key."""
    definition = hub_definition("target-duckdb-sdk") if "target-duckdb-sdk" in PLUGINS else hub_definition(PLUGINS[-1])
    broken = {**definition, "unknown_key": 1, "capabilities": [*definition["capabilities"], "discover"]}
    broken["settings"] = [{**definition["settings"][0], "kind": "float"}]
    messages = " | ".join(error.message for error in hub_validator(broken["name"]).iter_errors(broken))
    assert "'unknown_key' was unexpected" in messages
    assert "'float' is not one of" in messages
    assert "'discover' is not one of" in messages


@pytest.mark.parametrize("plugin", PLUGINS)
def test_the_definition_passes_the_hub_yamllint_config(plugin: str) -> None:
    config = YamlLintConfig(file=str(REFERENCE / "yamllint.yaml"))
    problems = list(linter.run(hub_path(plugin).read_text(encoding="utf-8"), config))
    assert [str(problem) for problem in problems] == []


def test_the_yamllint_config_demands_sorted_keys() -> None:
    config = YamlLintConfig(file=str(REFERENCE / "yamllint.yaml"))
    problems = [problem.rule for problem in linter.run("name: x\nlabel: y\n", config)]
    assert problems == ["key-ordering"]


@pytest.mark.parametrize("plugin", PLUGINS)
def test_the_definition_has_every_field_the_hub_shows(plugin: str) -> None:
    definition = hub_definition(plugin)
    hub = publish_config()["hub"]
    assert definition["name"] == plugin
    assert definition["namespace"] == plugin.replace("-", "_")
    assert definition["variant"] == hub["variant"]
    assert definition["repo"] == hub["repo"]
    assert definition["pip_url"] == distribution(plugin)  # installs from PyPI alone
    assert definition["description"] == about(plugin)["description"]
    assert (
        definition["supported_python_versions"] == claimed_pythons(plugin) == about(plugin)["supported_python_versions"]
    )
    assert "meltano_sdk" in definition["keywords"]
    assert definition["maintenance_status"] in {"active", "beta", "development"}
    assert definition["quality"] in {"gold", "silver", "bronze"}
    for field in ("label", "domain_url", "logo_url", "docs"):
        assert definition[field], field
    assert definition["domain_url"].startswith("https://")
    assert definition["capabilities"] == sorted(about(plugin)["capabilities"])
    required = about(plugin)["settings"].get("required", [])
    assert definition.get("settings_group_validation", []) == ([required] if required else [])


@pytest.mark.parametrize("plugin", PLUGINS)
def test_every_setting_has_a_fitting_kind_and_can_be_set_from_the_environment(plugin: str) -> None:
    properties = about(plugin)["settings"]["properties"]
    settings = {setting["name"]: setting for setting in hub_definition(plugin)["settings"]}
    for name, setting in settings.items():
        root = name.split(".")[0]
        assert root in properties, name
        assert setting["kind"] in ENV_SETTABLE_KINDS, name
        assert setting["label"], name
        secret = bool(properties[root].get("secret"))
        assert (setting["kind"] == "password") == secret == setting.get("sensitive", False), name
    for name, spec in properties.items():  # every setting, or every leaf of a nested one, is there
        assert name in settings or any(other.startswith(f"{name}.") for other in settings), name
        if name in settings and spec.get("enum"):
            assert settings[name]["kind"] == "options"
            assert [option["value"] for option in settings[name]["options"]] == [
                v for v in spec["enum"] if v is not None
            ]
        if name in settings and "number" in spec.get("type", []):
            assert settings[name]["kind"] == "string"  # a decimal string (vendor_http.settings)


@pytest.mark.parametrize("plugin", PLUGINS)
def test_meltano_yml_and_the_hub_say_the_same(plugin: str) -> None:
    hub, project = hub_definition(plugin), meltano_definition(plugin)
    for key in ("namespace", "executable", "label", "description", "docs", "capabilities", "settings_group_validation"):
        assert project.get(key) == hub.get(key), key
    assert sorted(project["settings"], key=lambda setting: setting["name"]) == hub["settings"]


def test_the_generator_maps_json_schema_to_meltano_kinds() -> None:
    """The rules of scripts/meltano_hub.py on a made-up plugin's settings."""
    properties = {
        "token": {"type": ["string"], "secret": True, "writeOnly": True, "title": "Token"},
        "start_date": {"type": ["string", "null"]},
        "since": {"type": ["string", "null"], "format": "date-time"},
        "mode": {"type": ["string", "null"], "enum": ["a", "b"], "default": "a"},
        "seconds": {"type": ["string", "number", "null"], "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "default": 1.5},
        "ratio": {"type": ["number", "null"]},
        "count": {"type": ["integer", "null"], "default": 3},
        "flag": {"type": ["boolean", "null"]},
        "ids": {"type": ["array", "null"], "items": {"type": "string"}},
        "stream_maps": {
            "type": ["object", "null"],
            "properties": {"__else__": {}},
            "additionalProperties": {"type": "object"},
        },
        "faker_config": {
            "type": ["object", "null"],
            "properties": {
                "seed": {"oneOf": [{"type": ["number"]}, {"type": ["string"]}, {"type": "null"}]},
                "locale": {"oneOf": [{"type": ["string"]}, {"type": "array"}, {"type": "null"}]},
            },
            "additionalProperties": True,
            "title": "Faker",
            "description": "Faker settings.",
        },
    }
    settings = {setting["name"]: setting for setting in meltano_hub.meltano_settings(properties)}
    kinds = {name: setting["kind"] for name, setting in settings.items()}
    assert kinds == {
        "token": "password",
        "start_date": "date_iso8601",
        "since": "date_iso8601",
        "mode": "options",
        "seconds": "string",
        "ratio": "decimal",
        "count": "integer",
        "flag": "boolean",
        "ids": "array",
        "stream_maps": "object",
        "faker_config.seed": "string",
        "faker_config.locale": "array",
    }
    assert settings["token"]["sensitive"] is True
    assert all("sensitive" not in setting for name, setting in settings.items() if name != "token")
    assert settings["mode"]["options"] == [{"label": "a", "value": "a"}, {"label": "b", "value": "b"}]
    assert (settings["mode"]["value"], settings["seconds"]["value"], settings["count"]["value"]) == ("a", 1.5, 3)
    assert settings["start_date"]["label"] == "Start date"
    assert settings["faker_config.locale"]["label"] == "Faker: locale"
    assert settings["faker_config.locale"]["description"] == "Faker settings."


def made_up_plugin() -> meltano_hub.Plugin:
    about = {
        "description": "A made-up tap.",
        "capabilities": ["state", "about"],
        "supported_python_versions": ["3.11"],
        "settings": {"properties": {"token": {"type": ["string"], "secret": True}}, "required": ["token"]},
    }
    project = {
        "project": {"name": "tap-x", "scripts": {"tap-x": "tap_x:main"}},
        "tool": {"meltano-hub": {"label": "X"}},
    }
    return meltano_hub.Plugin("tap-x", about, project, {"repo": "https://example.com/repo", "variant": "v"})


def test_only_the_marked_region_of_meltano_yml_is_rewritten() -> None:
    written = (
        "plugins:\n  extractors:\n  - name: tap-x\n    # how it is installed here\n    pip_url: -e ./tap-x\n"
        f"    {meltano_hub.BEGIN.format(name='tap-x')} {meltano_hub.BEGIN_NOTE}\n    capabilities: [old]\n"
        f"    {meltano_hub.END.format(name='tap-x')}\n    config:\n      kept: true  # a comment\n"
    )
    rewritten = meltano_hub.with_region(written, made_up_plugin())

    assert rewritten.startswith("plugins:\n  extractors:\n  - name: tap-x\n    # how it is installed here\n")
    assert rewritten.endswith("    # <<< make hub: tap-x\n    config:\n      kept: true  # a comment\n")
    assert "old" not in rewritten
    entry = yaml.safe_load(rewritten)["plugins"]["extractors"][0]
    assert entry["pip_url"] == "-e ./tap-x"
    assert entry["capabilities"] == ["about", "state"]
    assert entry["settings"] == [{"name": "token", "kind": "password", "label": "Token", "sensitive": True}]
    assert entry["settings_group_validation"] == [["token"]]
    assert meltano_hub.with_region(rewritten, made_up_plugin()) == rewritten


def test_a_plugin_without_a_region_in_meltano_yml_is_named() -> None:
    with pytest.raises(SystemExit, match=r"meltano\.yml needs one generated region for tap-x"):
        meltano_hub.with_region("plugins:\n  extractors:\n  - name: tap-x\n", made_up_plugin())
