"""`make hub`: every plugin's Meltano Hub definition and meltano.yml definition, from `--about`.

For each plugin in publish.toml, runs `<plugin> --about --format=json` and writes

- `hub/<extractors|loaders>/<name>/<variant>.yml`: the definition to propose to Meltano Hub,
  keys sorted as the Hub's yamllint config demands;
- `meltano.yml`: the same metadata (capabilities, descriptions, settings and their kinds)
  between the plugin's `# >>> make hub: <name>` and `# <<< make hub: <name>` lines. The rest
  of meltano.yml (pip_url, select, config, environments, comments) is left as written.

What `--about` does not know comes from publish.toml (`[hub]`, shared by all) and from the
plugin's own pyproject.toml (`[tool.meltano-hub]`, the distribution name, the executable).
`--check` writes nothing and exits 1 naming what is out of date.

How a setting's JSON schema becomes a Meltano setting (`meltano_setting`):
- an object with fixed `properties` (no schema for further keys) is listed as its leaves,
  `batch_config.encoding.format`, as the Hub lists the SDK's nested settings;
- `kind`: `password` (with `sensitive: true`) exactly for the settings the plugin declares
  secret; `options` for an enumeration; `array`, `object`; a string is `date_iso8601` when it
  has a date format or is named `*_date`, else `string`; `boolean`, `integer`; a plain number
  is `decimal`. A setting that accepts a string and a number (the plugins' decimal settings,
  see vendor_http.settings.decimal_strings_accepted) is a `string`: Meltano 4.4 cannot pass a
  `decimal` setting from the environment, and Hub users configure plugins that way.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import typing as t
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PUBLISH = ROOT / "publish.toml"
MELTANO_YML = ROOT / "meltano.yml"
HUB_DIR = ROOT / "hub"
BEGIN, END = "# >>> make hub: {name}", "# <<< make hub: {name}"
BEGIN_NOTE = "(generated from its --about: edit the plugin, then run make hub)"
DATE_FORMATS = {"date", "date-time"}
#: Setting keys in meltano.yml, in this order (the Hub's files sort every key).
SETTING_KEYS = ("name", "kind", "value", "label", "description", "sensitive", "options")


def publish_config() -> dict[str, t.Any]:
    """publish.toml: the plugins, the libraries, the shared Hub fields."""
    return tomllib.loads(PUBLISH.read_text(encoding="utf-8"))


def pyproject(folder: str) -> dict[str, t.Any]:
    return tomllib.loads((ROOT / folder / "pyproject.toml").read_text(encoding="utf-8"))


def about(plugin: str) -> dict[str, t.Any]:
    """`<plugin> --about --format=json`, from the environment running this script."""
    executable = Path(sys.executable).parent / plugin
    result = subprocess.run(
        [str(executable), "--about", "--format=json"], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(result.stdout)


def plugin_type(name: str) -> str:
    """The Hub's folder: `extractors` for a tap, `loaders` for a target."""
    if name.startswith("tap-"):
        return "extractors"
    if name.startswith("target-"):
        return "loaders"
    msg = f"{name}: a plugin's name starts with tap- or target-"
    raise ValueError(msg)


# Settings


def _types(spec: t.Mapping[str, t.Any]) -> list[str]:
    """The non-null JSON types a setting accepts, from `type` or from its `oneOf`/`anyOf` branches."""
    declared = spec.get("type")
    if declared is None:
        branches = [branch for key in ("oneOf", "anyOf") for branch in spec.get(key, []) if isinstance(branch, dict)]
        return [kind for branch in branches for kind in _types(branch)]
    kinds = [declared] if isinstance(declared, str) else list(declared)
    return [kind for kind in kinds if kind != "null"]


def _is_nested(spec: t.Mapping[str, t.Any]) -> bool:
    """An object of fixed, named parts (not a map of names the user chooses, like stream_maps)."""
    return (
        "object" in _types(spec)
        and bool(spec.get("properties"))
        and not isinstance(spec.get("additionalProperties"), dict)
    )


def setting_kind(name: str, spec: t.Mapping[str, t.Any]) -> str:
    """The Meltano `kind` of a (leaf) setting; see the module's docstring."""
    types = _types(spec)
    leaf = name.rsplit(".", 1)[-1]
    if spec.get("secret") or spec.get("writeOnly"):
        return "password"
    if spec.get("enum"):
        return "options"
    for kind in ("array", "object"):
        if kind in types:
            return kind
    if "string" in types:
        is_date = spec.get("format") in DATE_FORMATS or leaf == "date" or leaf.endswith("_date")
        return "date_iso8601" if is_date else "string"
    for json_type, kind in (("boolean", "boolean"), ("integer", "integer"), ("number", "decimal")):
        if json_type in types:
            return kind
    return "string"


def meltano_settings(
    properties: t.Mapping[str, t.Any], *, prefix: str = "", parent: t.Mapping[str, t.Any] | None = None
) -> list[dict[str, t.Any]]:
    """The plugin's settings as Meltano lists them, in the plugin's order, nested ones as leaves."""
    settings: list[dict[str, t.Any]] = []
    for key, spec in properties.items():
        name = f"{prefix}{key}"
        if _is_nested(spec):
            settings += meltano_settings(
                spec["properties"], prefix=f"{name}.", parent={**spec, "_label": _label(spec, name)}
            )
            continue
        settings.append(meltano_setting(name, spec, parent))
    return settings


def _label(spec: t.Mapping[str, t.Any], name: str, parent: t.Mapping[str, t.Any] | None = None) -> str:
    if spec.get("title"):
        return str(spec["title"])
    leaf = name.rsplit(".", 1)[-1]
    if parent is not None:
        return f"{parent['_label']}: {leaf}"
    return leaf.replace("_", " ").capitalize()


def meltano_setting(
    name: str, spec: t.Mapping[str, t.Any], parent: t.Mapping[str, t.Any] | None = None
) -> dict[str, t.Any]:
    """One setting: name, kind, default value, label, description, sensitive, options."""
    kind = setting_kind(name, spec)
    setting: dict[str, t.Any] = {"name": name, "kind": kind}
    if spec.get("default") is not None:
        setting["value"] = spec["default"]
    setting["label"] = _label(spec, name, parent)
    description = spec.get("description") or (parent or {}).get("description")
    if description:
        setting["description"] = str(description)
    if kind == "password":
        setting["sensitive"] = True
    if kind == "options":
        setting["options"] = [{"label": str(value), "value": value} for value in spec["enum"] if value is not None]
    return setting


# Definitions


@dataclass(frozen=True)
class Plugin:
    """What the definitions of one plugin are made of."""

    name: str
    about: dict[str, t.Any]
    project: dict[str, t.Any]
    shared: dict[str, t.Any]

    @property
    def type(self) -> str:
        return plugin_type(self.name)

    @property
    def hub_fields(self) -> dict[str, t.Any]:
        fields = self.project.get("tool", {}).get("meltano-hub")
        if not fields:
            msg = f"{self.name}/pyproject.toml has no [tool.meltano-hub] table (label, domain_url, logo_url, keywords)"
            raise SystemExit(msg)
        return dict(fields)

    @property
    def executable(self) -> str:
        scripts = self.project["project"].get("scripts", {})
        if self.name not in scripts:
            msg = f"{self.name}/pyproject.toml: [project.scripts] has no `{self.name}` command"
            raise SystemExit(msg)
        return self.name

    @property
    def settings(self) -> list[dict[str, t.Any]]:
        return meltano_settings(self.about["settings"].get("properties", {}))

    @property
    def required(self) -> list[str]:
        return list(self.about["settings"].get("required", []))

    def common(self) -> dict[str, t.Any]:
        """What meltano.yml and the Hub both say about the plugin."""
        fields: dict[str, t.Any] = {
            "namespace": self.name.replace("-", "_"),
            "executable": self.executable,
            "label": self.hub_fields["label"],
            "description": self.about["description"],
            "docs": f"{self.shared['repo']}/blob/main/{self.name}/README.md",
            "capabilities": sorted(self.about["capabilities"]),
        }
        if self.required:
            fields["settings_group_validation"] = [self.required]
        return fields

    def hub_definition(self) -> dict[str, t.Any]:
        """The Hub's `<type>/<name>/<variant>.yml`."""
        extra = {key: value for key, value in self.hub_fields.items() if key != "keywords"}
        return {
            "name": self.name,
            "variant": self.shared["variant"],
            "pip_url": self.project["project"]["name"],
            "repo": self.shared["repo"],
            "maintenance_status": self.shared["maintenance_status"],
            "quality": self.shared["quality"],
            "keywords": sorted({*self.hub_fields.get("keywords", []), "meltano_sdk"}),
            "supported_python_versions": list(self.about["supported_python_versions"]),
            **extra,
            **self.common(),
            "settings": sorted(self.settings, key=lambda setting: setting["name"]),
        }

    def meltano_definition(self) -> dict[str, t.Any]:
        """The generated part of the plugin's entry in meltano.yml."""
        settings = [{key: setting[key] for key in SETTING_KEYS if key in setting} for setting in self.settings]
        return {**self.common(), "settings": settings}

    @property
    def hub_path(self) -> Path:
        return HUB_DIR / self.type / self.name / f"{self.shared['variant']}.yml"


def load_plugin(name: str, shared: dict[str, t.Any]) -> Plugin:
    return Plugin(name=name, about=about(name), project=pyproject(name), shared=shared)


def hub_yaml(definition: t.Mapping[str, t.Any]) -> str:
    """YAML as the Hub's yamllint wants it: sorted keys, block style, unindented sequences."""
    return yaml.safe_dump(dict(definition), sort_keys=True, allow_unicode=True, width=10_000)


def meltano_region(plugin: Plugin, indent: str) -> str:
    """The lines between the plugin's markers in meltano.yml, indented like the markers."""
    text = yaml.safe_dump(plugin.meltano_definition(), sort_keys=False, allow_unicode=True, width=10_000)
    return "".join(f"{indent}{line}\n" if line else "\n" for line in text.splitlines())


def with_region(meltano_yml: str, plugin: Plugin) -> str:
    """meltano.yml with the plugin's generated region rewritten."""
    begin, end = BEGIN.format(name=plugin.name), END.format(name=plugin.name)
    lines = meltano_yml.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == begin or line.strip().startswith(f"{begin} ")]
    ends = [i for i, line in enumerate(lines) if line.strip() == end]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        msg = (
            f"meltano.yml needs one generated region for {plugin.name}: inside its entry under "
            f"plugins, a line `{begin} {BEGIN_NOTE}` and a line `{end}`, indented like its keys, in place "
            "of its namespace, executable, capabilities, settings_group_validation and settings"
        )
        raise SystemExit(msg)
    start, stop = starts[0], ends[0]
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    return "".join([*lines[: start + 1], meltano_region(plugin, indent), *lines[stop:]])


def generate(plugins: list[Plugin]) -> dict[Path, str]:
    """Every generated file and its content."""
    files = {plugin.hub_path: hub_yaml(plugin.hub_definition()) for plugin in plugins}
    meltano_yml = MELTANO_YML.read_text(encoding="utf-8")
    for plugin in plugins:
        meltano_yml = with_region(meltano_yml, plugin)
    files[MELTANO_YML] = meltano_yml
    return files


def stale_hub_files(plugins: list[Plugin]) -> list[Path]:
    """Files under hub/ that no listed plugin generates (a plugin renamed or removed)."""
    expected = {plugin.hub_path for plugin in plugins}
    return sorted(path for path in HUB_DIR.glob("*/*/*.yml") if path not in expected)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    config = publish_config()
    plugins = [load_plugin(name, config["hub"]) for name in config["plugins"]]
    files = generate(plugins)
    changed = [path for path, text in files.items() if not path.is_file() or path.read_text(encoding="utf-8") != text]
    extra = stale_hub_files(plugins)
    if check:
        for path in [*changed, *extra]:
            print(f"out of date: {path.relative_to(ROOT)} (run `make hub`)")
        return 1 if changed or extra else 0
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    for path in extra:
        path.unlink()
        print(f"removed {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
