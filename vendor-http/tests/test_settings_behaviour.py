"""The shared settings as users see them, the API URL rule at its edges, settings to dataclasses (issue 20)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from singer_sdk.exceptions import ConfigValidationError

from vendor_http import RetryPolicy, api_url_setting, check_api_url, from_settings, retry_settings, validate_settings
from vendor_http.settings import is_loopback_host


def documented(properties: list) -> dict[str, dict]:
    return {prop.name: prop.to_dict()[prop.name] for prop in properties}


def test_retry_settings_document_limits_defaults_and_meaning() -> None:
    props = documented(retry_settings())
    assert props["max_tries"] == {
        "type": ["integer", "null"],
        "minimum": 1,
        "maximum": 50,
        "title": "Max tries",
        "default": 5,
        "description": "How many times one request is tried before the run fails "
        "(429, 5xx, timeouts, dropped connections and broken bodies are retried).",
    }
    assert props["backoff_initial_seconds"] == {
        "type": ["number", "null"],
        "minimum": 0,
        "title": "First backoff (seconds)",
        "default": 1.0,
        "description": "Wait before the first retry when the vendor gives no Retry-After; "
        "doubles on every further retry.",
    }
    assert props["backoff_max_seconds"] == {
        "type": ["number", "null"],
        "minimum": 0,
        "title": "Longest backoff (seconds)",
        "default": 60.0,
        "description": "Upper bound of one exponential backoff wait.",
    }
    assert props["retry_after_max_seconds"] == {
        "type": ["number", "null"],
        "minimum": 0,
        "title": "Longest Retry-After honoured (seconds)",
        "default": 300.0,
        "description": "A vendor's Retry-After is waited exactly, but never longer than this.",
    }
    assert props["request_timeout_seconds"] == {
        "type": ["number", "null"],
        "minimum": 1,
        "title": "Request timeout (seconds)",
        "default": 300.0,
        "description": "Seconds to wait for the vendor to connect or to send the next bytes of a response.",
    }


def test_retry_setting_defaults_are_the_policys() -> None:
    defaults = {name: spec["default"] for name, spec in documented(retry_settings()).items()}
    assert RetryPolicy.from_config(defaults) == RetryPolicy()


def test_the_api_url_setting() -> None:
    assert documented([api_url_setting("https://api.example.com")]) == {
        "api_url": {
            "type": ["string", "null"],
            "title": "API URL",
            "default": "https://api.example.com",
            "description": "Base URL of the API. https:// only, except a loopback host (the sandbox).",
        }
    }


@pytest.mark.parametrize("url", ["https://user@api.example.com", "https://:pw@api.example.com"])
def test_a_url_with_any_part_of_a_credential_is_refused(url: str) -> None:
    assert (
        check_api_url(url) == "setting 'api_url' must not contain credentials (user:password@); use the token settings"
    )


def test_plain_http_to_a_network_host_is_refused_with_what_to_do() -> None:
    assert check_api_url("http://api.example.com/v1", "base_url") == (
        "setting 'base_url' uses http:// for api.example.com; only https:// is allowed, "
        "except for a loopback host such as 127.0.0.1 (the sandbox)"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, "setting 'api_url' must be a URL such as https://api.example.com"),
        (
            "https://",
            "setting 'api_url' must be an http(s) URL with a host such as https://api.example.com, got 'https://'",
        ),
        ("https://api.example.com#top", "setting 'api_url' must be a base URL without query or fragment"),
        ("https://api.example.com/v1/", None),
        ("http://127.0.0.2:9000", None),
        ("http://LOCALHOST:9000", None),
    ],
)
def test_api_url_edges(url: str | None, expected: str | None) -> None:
    assert check_api_url(url) == expected


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),  # as written in a URL
        ("10.0.0.1", False),
        ("example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@dataclasses.dataclass(frozen=True)
class Knobs:
    tries: int = 3
    ratio: float = 0.5
    label: str = "x"
    limits: tuple[int, ...] | None = None


def test_from_settings_converts_scalars_keeps_other_values_and_defaults() -> None:
    knobs = from_settings(Knobs, {"tries": None, "ratio": Decimal("0.25"), "limits": [1, 2], "other": 1})
    assert knobs == Knobs(tries=3, ratio=0.25, label="x", limits=[1, 2])  # type: ignore[arg-type]
    assert type(knobs.ratio) is float
    assert from_settings(Knobs, {"tries": Decimal(7), "label": 5}) == Knobs(tries=7, label="5")


def test_validate_settings_says_what_failed_and_lists_each_problem() -> None:
    with pytest.raises(ConfigValidationError) as info:
        validate_settings(
            {"a": 1, "b": 2},
            {"a": lambda value, name: f"{name} is {value}", "b": lambda value, name: None, "c": lambda v, n: f"{n}?"},
        )
    assert str(info.value) == "Config validation failed"
    assert info.value.errors == ["a is 1", "c?"]
    validate_settings({}, {"a": lambda value, name: None})  # nothing to say: no error
