"""The shared setting definitions, as the plugins' --about and Meltano see them (kills
vendor_http.settings' mutants): names, types, bounds, defaults, titles, required, secret."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

import pytest
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from vendor_http.settings import (
    api_token_setting,
    check_api_url,
    client_credentials_settings,
    date_range_settings,
    decimal_string_checks,
    decimal_strings_accepted,
    from_settings,
    lookback_setting,
    request_interval_setting,
    window_setting,
)


def schema(*properties: th.Property) -> dict[str, t.Any]:
    return th.PropertiesList(*properties).to_dict()


def test_client_credentials_are_both_required_and_the_secret_is_secret() -> None:
    assert schema(*client_credentials_settings("The id.", "The secret.")) == {
        "type": "object",
        "properties": {
            "client_id": {"type": ["string"], "minLength": 1, "title": "Client ID", "description": "The id."},
            "client_secret": {
                "type": ["string"],
                "minLength": 1,
                "title": "Client secret",
                "description": "The secret.",
                "secret": True,
                "writeOnly": True,
            },
        },
        "required": ["client_id", "client_secret"],
        "$schema": "https://json-schema.org/draft/2020-12/schema",
    }


def test_the_api_token_is_required_and_secret() -> None:
    assert schema(api_token_setting("Sent in a header.")) == {
        "type": "object",
        "properties": {
            "api_token": {
                "type": ["string"],
                "minLength": 1,
                "title": "API token",
                "description": "Sent in a header.",
                "secret": True,
                "writeOnly": True,
            },
        },
        "required": ["api_token"],
        "$schema": "https://json-schema.org/draft/2020-12/schema",
    }


def test_the_date_range_is_optional_strings() -> None:
    assert schema(*date_range_settings(start_description="From.", end_description="To."))["properties"] == {
        "start_date": {"type": ["string", "null"], "title": "Start date", "description": "From."},
        "end_date": {"type": ["string", "null"], "title": "End date", "description": "To."},
    }
    assert "required" not in schema(*date_range_settings(start_description="a", end_description="b"))


def test_lookback_window_and_interval_bounds_and_defaults() -> None:
    assert lookback_setting(default=3, maximum=30, description="Late data.").to_dict() == {
        "lookback_days": {
            "type": ["integer", "null"],
            "minimum": 0,
            "maximum": 30,
            "title": "Lookback (days)",
            "default": 3,
            "description": "Late data.",
        }
    }
    assert window_setting(default=7, maximum=90, description="Per request.").to_dict() == {
        "window_days": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": 90,
            "title": "Window (days)",
            "default": 7,
            "description": "Per request.",
        }
    }
    assert request_interval_setting(default=0.5, description="Spacing.").to_dict() == {
        "min_request_interval_seconds": {
            "type": ["number", "null"],
            "minimum": 0,
            "title": "Seconds between requests",
            "default": 0.5,
            "description": "Spacing.",
        }
    }


@dataclass(frozen=True)
class Knobs:
    interval: float = 1.0


def test_a_decimal_setting_that_is_not_a_number_is_a_settings_error() -> None:
    with pytest.raises(ConfigValidationError) as info:
        from_settings(Knobs, {"interval": "fast"})
    assert str(info.value) == "Config validation failed"
    assert info.value.errors == ["setting 'interval' must be a decimal number such as 0.5, got 'fast'"]


def test_a_schema_without_properties_has_no_decimal_settings() -> None:
    assert decimal_strings_accepted({"type": "object"}) == {"type": "object"}
    assert decimal_string_checks({"type": "object"}) == {}


def test_a_number_that_already_takes_a_string_is_left_alone() -> None:
    spec = {"type": ["string", "number"], "description": "Either."}
    assert decimal_strings_accepted({"properties": {"x": spec}}) == {"properties": {"x": spec}}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("http://@127.0.0.1/", "must not contain credentials (user:password@); use the token settings"),
        ("http://127.0.0.1:99999/", "is not a valid URL (it is not repeated here, in case it holds a password)"),
        (
            "api.example.com",
            "must be an http(s) URL with a host such as https://api.example.com, got something that is not a URL",
        ),
    ],
)
def test_what_is_wrong_with_an_api_url(value: str, problem: str) -> None:
    assert check_api_url(value) == f"setting 'api_url' {problem}"
