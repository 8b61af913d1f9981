"""Every setting can come from the environment: decimal settings also take a decimal string.

Meltano 4.4 cannot hand a ``kind: decimal`` setting from the environment to a plugin, and
the SDK's ``--config=ENV`` passes a number setting on as the variable's text; so number
settings are declared as "a decimal string or a number" and parsed by the plugin. The
end-to-end proof through ``meltano invoke``/``run`` is in the repository's tests/.
"""

from __future__ import annotations

import pytest
from acme_plugin import SECRET, AcmeTap, AcmeTarget
from singer_sdk.exceptions import ConfigValidationError

from vendor_http import RetryPolicy
from vendor_http.settings import DECIMAL_STRING_PATTERN, decimal_strings_accepted, is_decimal_string

BASE = {"api_url": "https://api.acme.test", "api_token": SECRET}


def test_number_settings_take_a_decimal_string_and_other_settings_are_unchanged() -> None:
    declared = {
        "properties": {
            "seconds": {"type": ["number", "null"], "minimum": 1},
            "required_seconds": {"type": "number"},
            "count": {"type": ["integer", "null"]},
            "name": {"type": ["string"]},
            "seed": {"oneOf": [{"type": ["number"]}, {"type": ["string"]}]},
        }
    }
    accepted = decimal_strings_accepted(declared)
    properties = accepted["properties"]

    assert properties["seconds"] == {
        "type": ["string", "number", "null"],
        "minimum": 1,
        "pattern": DECIMAL_STRING_PATTERN,
    }
    assert properties["required_seconds"]["type"] == ["string", "number"]
    assert [is_decimal_string(spec) for spec in properties.values()] == [True, True, False, False, False]
    assert properties["count"] == declared["properties"]["count"]
    assert properties["seed"] == declared["properties"]["seed"]
    assert declared["properties"]["seconds"] == {"type": ["number", "null"], "minimum": 1}  # not changed in place


def test_every_plugin_class_declares_its_number_settings_as_decimal_strings() -> None:
    for plugin in (AcmeTap, AcmeTarget):
        spec = plugin.config_jsonschema["properties"]["backoff_initial_seconds"]
        assert spec["type"][0] == "string"
        assert is_decimal_string(spec)


@pytest.mark.parametrize(("given", "expected"), [("0.25", 0.25), ("3", 3.0), (0.5, 0.5), (2, 2.0)])
def test_a_decimal_setting_given_as_text_or_number_arrives_as_a_float(given: object, expected: float) -> None:
    tap = AcmeTap(config={**BASE, "backoff_initial_seconds": given})
    policy = RetryPolicy.from_config(tap.config)
    assert policy.backoff_initial_seconds == expected
    assert isinstance(policy.backoff_initial_seconds, float)


@pytest.mark.parametrize(
    ("setting", "given", "complaint"),
    [
        ("backoff_initial_seconds", "1,5", "'1,5' does not match"),
        ("backoff_initial_seconds", "fast", "'fast' does not match"),
        ("backoff_initial_seconds", "-1", "setting 'backoff_initial_seconds' must be at least 0, got '-1'"),
        ("request_timeout_seconds", "0.5", "setting 'request_timeout_seconds' must be at least 1, got '0.5'"),
        ("request_timeout_seconds", 0.5, "0.5 is less than the minimum of 1"),
    ],
)
def test_a_bad_decimal_setting_is_refused_naming_the_setting(setting: str, given: object, complaint: str) -> None:
    with pytest.raises(ConfigValidationError) as error:
        AcmeTap(config={**BASE, setting: given})
    assert any(complaint in message for message in error.value.errors), error.value.errors
    assert any(setting in message for message in error.value.errors)


def test_a_decimal_setting_that_is_no_number_is_refused_in_discovery_too() -> None:
    """Discovery checks no settings, but the first stream built would choke on it."""
    message = "setting 'backoff_initial_seconds' must be a decimal number such as 0.5, got 'fast'"
    for setup_mapper in (False, True):  # as --discover does; in-process, streams are built first
        with pytest.raises(ConfigValidationError) as error:
            AcmeTap(
                config={**BASE, "backoff_initial_seconds": "fast"}, validate_config=False, setup_mapper=setup_mapper
            )
        assert error.value.errors == [message]
    AcmeTap(config={**BASE, "api_url": "http://api.acme.test"}, validate_config=False)  # the other checks wait


def test_the_sdk_reads_every_kind_of_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--config=ENV``: the SDK passes number settings on as text, which the plugin now takes."""
    monkeypatch.setenv("TAP_ACME_API_TOKEN", SECRET)
    monkeypatch.setenv("TAP_ACME_BACKOFF_INITIAL_SECONDS", "0.75")
    monkeypatch.setenv("TAP_ACME_MAX_TRIES", "7")
    monkeypatch.setenv("TAP_ACME_DAYS", '["2026-01-01"]')
    monkeypatch.setenv("TAP_ACME_BUG", "false")
    tap = AcmeTap(config={}, parse_env_config=True)

    policy = RetryPolicy.from_config(tap.config)
    assert (policy.backoff_initial_seconds, policy.max_tries) == (0.75, 7)
    assert tap.config["days"] == ["2026-01-01"]
    assert tap.config["bug"] is False
