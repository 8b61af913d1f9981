"""The SDK's "unhandled error" line, dropped for an explained failure only, on every stream
of a tap (kills vendor_http.plugin's mutants of the notice filter)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from acme_plugin import SECRET, SETTINGS, AcmeTap
from click.testing import CliRunner, Result
from http_script import Answer, Script
from singer_sdk import typing as th

from vendor_http.plugin import SDK_SYNC_FAILED_NOTICE, ExplainedFailureNotice
from vendor_http.settings import DECIMAL_STRING_PATTERN


def config(url: str, **overrides: object) -> dict:
    return {"api_url": url, "api_token": SECRET, "backoff_initial_seconds": 0.01, "max_tries": 1, **overrides}


def invoke(settings: dict, tmp_path: Path) -> Result:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(settings), encoding="utf-8")
    return CliRunner().invoke(AcmeTap.cli, ["--config", str(path)])  # type: ignore[attr-defined]


def notices(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.name for r in caplog.records if r.getMessage().startswith(SDK_SYNC_FAILED_NOTICE)]


def without_notices(tap: AcmeTap) -> None:
    """Stream loggers are the process's: take away the filters earlier taps left on them."""
    for stream in tap.streams.values():
        for old in [f for f in stream.logger.filters if isinstance(f, ExplainedFailureNotice)]:
            stream.logger.removeFilter(old)


def test_each_stream_gets_the_filter_once_however_many_taps(http_script: tuple[str, Script]) -> None:
    url, _ = http_script
    without_notices(AcmeTap(config=config(url)))
    taps = [AcmeTap(config=config(url)), AcmeTap(config=config(url))]
    for stream in taps[-1].streams.values():
        assert len(stream.logger.filters) == len(set(map(id, stream.logger.filters)))
        filters = [f for f in stream.logger.filters if isinstance(f, ExplainedFailureNotice)]
        assert len(filters) == 1
        assert filters[0].explained == taps[0].explained_failures
        assert None not in stream.logger.filters


def test_an_explained_failure_drops_the_sdk_line(
    http_script: tuple[str, Script], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, script = http_script
    script.default = Answer(404, {"error": "no day"})
    without_notices(AcmeTap(config=config(url)))
    with caplog.at_level(logging.INFO):
        assert invoke(config(url, days=["2026-01-01"]), tmp_path).exit_code == 1
    assert notices(caplog) == []


def test_a_bug_keeps_the_sdk_line(
    http_script: tuple[str, Script], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, script = http_script
    script.default = Answer(body={"items": [{"id": 1, "day": "2026-01-01"}]})
    without_notices(AcmeTap(config=config(url)))
    with caplog.at_level(logging.INFO):
        assert invoke(config(url, days=["2026-01-01"], bug=True), tmp_path).exit_code == 1
    assert len(notices(caplog)) == 1


def tap_with_token(token: object) -> AcmeTap:
    return AcmeTap(config={"api_url": "https://api.acme.test", "api_token": token}, validate_config=False)


def test_every_written_form_of_a_secret_is_masked_longest_first() -> None:
    tap = tap_with_token("tok-abc-123")
    assert tap.masked_config_errors(["got 'tok-abc-123' or \"tok-abc-123\" or tok-abc-123", "no secret"]) == [
        "got *** or *** or ***",
        "no secret",
    ]
    listed = tap_with_token(["tok-77", 5])
    assert listed.masked_config_errors(["['tok-77', 5] is not a string; [\"tok-77\", 5] neither; tok-77"]) == [
        "*** is not a string; *** neither; tok-77"
    ]


def test_a_secret_json_cannot_write_is_masked_as_python_writes_it() -> None:
    circular: list[object] = ["tok-circle-9"]
    circular.append(circular)
    assert tap_with_token(circular).masked_config_errors(["got ['tok-circle-9', [...]]"]) == ["got ***"]
    assert tap_with_token(b"tok-bytes-9").masked_config_errors(["got b'tok-bytes-9'"]) == ["got ***"]


@pytest.mark.parametrize("token", ["", None])
def test_an_empty_secret_masks_nothing(token: object) -> None:
    assert tap_with_token(token).masked_config_errors(["got '' and \"\" and None and null"]) == [
        "got '' and \"\" and None and null"
    ]


def test_a_plugin_class_declared_at_any_time_takes_decimal_strings() -> None:
    schema = th.PropertiesList(th.Property("ratio", th.NumberType), th.Property("name", th.StringType)).to_dict()

    class LaterTap(AcmeTap):
        name = "tap-later"
        config_jsonschema = schema

    class InheritingTap(LaterTap):
        name = "tap-inheriting"

    ratio = LaterTap.config_jsonschema["properties"]["ratio"]
    assert ratio == {"type": ["string", "number", "null"], "pattern": DECIMAL_STRING_PATTERN}
    assert LaterTap.config_jsonschema["properties"]["name"] == schema["properties"]["name"]
    assert schema["properties"]["ratio"] == {"type": ["number", "null"]}  # the declaration itself is left alone
    assert InheritingTap.config_jsonschema is LaterTap.config_jsonschema


def test_the_values_of_every_secret_setting_are_masked() -> None:
    two_secrets = {
        **SETTINGS,
        "properties": {
            **SETTINGS["properties"],
            "client_secret": th.Property("client_secret", th.StringType, secret=True).to_dict()["client_secret"],
        },
    }

    class TwoSecretsTap(AcmeTap):
        name = "tap-two-secrets"
        config_jsonschema = two_secrets

    def masked(token: str, client_secret: str) -> list[str]:
        settings = {"api_url": "https://api.acme.test", "api_token": token, "client_secret": client_secret}
        tap = TwoSecretsTap(config=settings, validate_config=False)
        return tap.masked_config_errors([f"got {token or '-'} and {client_secret or '-'}"])

    assert masked("tok-first-1", "cs-second-2") == ["got *** and ***"]
    assert masked("", "cs-second-2") == ["got - and ***"]
