"""Every plugin on the shared runtime declares the settings that runtime reads.

vendor-http reads its retry and transport knobs (``RetryPolicy.from_config``,
``TransportLimits.from_config``) from any plugin's config: a plugin that leaves one
out of its settings silently pins the default for its users (tap-shopster and
tap-trust once had no ``request_deadline_seconds``).
"""

from __future__ import annotations

import importlib
import tomllib

import pytest
from publishing import ROOT, publish_config

from vendor_http import VendorPlugin, retry_settings, transport_settings


def plugin_class(folder: str) -> type:
    scripts = tomllib.loads((ROOT / folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    module, attribute = scripts[folder].split(":")
    return getattr(importlib.import_module(module), attribute.split(".")[0])


VENDOR_PLUGINS = [folder for folder in publish_config()["plugins"] if issubclass(plugin_class(folder), VendorPlugin)]
SHARED = [spec.name for spec in (*retry_settings(), *transport_settings())]


def test_the_plugins_on_the_shared_runtime_are_all_found() -> None:
    assert {"tap-rickai", "tap-kameleoon", "tap-trust", "tap-shopster", "target-calltouch-plans"} <= set(VENDOR_PLUGINS)


@pytest.mark.parametrize("folder", VENDOR_PLUGINS)
def test_every_shared_runtime_setting_is_declared(folder: str) -> None:
    declared = plugin_class(folder).config_jsonschema["properties"]
    assert [name for name in SHARED if name not in declared] == []
