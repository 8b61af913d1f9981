"""The SDK's target settings: those that mean nothing for an API target are not offered (and
refused when set anyway); those that act here say what they do here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from calltouch_helpers import run_target, target_config

from target_calltouch_plans.target import TargetCalltouchPlans
from vendor_testing.singer_testing import run_plugin

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = ("load_method", "add_record_metadata", "flattening_enabled", "flattening_max_depth")


def about() -> dict:
    result = run_plugin(TargetCalltouchPlans, ["--about", "--format=json"])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_that_mean_nothing_here_are_not_offered_anywhere():
    info = about()
    properties = info["settings"]["properties"]
    for name in HIDDEN:
        assert name not in properties
    assert "flattening" not in info["capabilities"]
    readme = (ROOT / "target-calltouch-plans" / "README.md").read_text(encoding="utf-8")
    hub = (ROOT / "hub" / "loaders" / "target-calltouch-plans" / "marketing-retail-connectors.yml").read_text(
        encoding="utf-8"
    )
    meltano_yml = (ROOT / "meltano.yml").read_text(encoding="utf-8")
    calltouch_part = meltano_yml.split("name: target-calltouch-plans", 1)[1].split("# <<< make hub", 1)[0]
    for name in HIDDEN:
        assert f"| {name} |" not in readme
        assert f"name: {name}\n" not in hub
        assert f"name: {name}\n" not in calltouch_part
    assert "TargetLoadMethods" not in readme + hub + calltouch_part


def test_the_sdk_settings_that_act_here_say_what_they_do_here():
    properties = about()["settings"]["properties"]
    assert properties["batch_size_rows"]["default"] == 10_000
    assert "validated" in properties["batch_size_rows"]["description"]
    assert "plan rules" in properties["validate_records"]["description"]
    assert properties["validate_records"]["default"] is True


@pytest.mark.parametrize(
    "overrides",
    [{"load_method": "upsert"}, {"add_record_metadata": True}, {"flattening_enabled": True, "flattening_max_depth": 1}],
)
def test_an_sdk_setting_that_means_nothing_here_is_refused_before_any_request(sandbox, tmp_path, overrides):
    result = run_target(target_config(sandbox, **overrides), "duplicates.singer", tmp_path)
    name = next(iter(overrides))
    assert result.returncode == 1
    assert f"setting '{name}' cannot be" in result.stderr
    assert "Traceback" not in result.stderr
    assert sandbox.requests == []


def test_their_inert_values_are_accepted(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(calltouch_import_seconds=0)
    config = target_config(sandbox, load_method="append-only", add_record_metadata=False, flattening_enabled=False)
    result = run_target(config, "duplicates.singer", tmp_path)
    assert result.returncode == 0, result.stderr
