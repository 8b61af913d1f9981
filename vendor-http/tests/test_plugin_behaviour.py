"""The plugin base's command line in-process (click's runner): the one voice for failures (issue 20).

test_plugin.py runs the same commands as processes; here they run in this process, so
the log records (level, text, traceback or not) and the exit code are checked exactly.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from acme_plugin import SECRET, AcmeTap, AcmeTarget
from click.testing import CliRunner, Result
from http_script import Answer, Script
from singer_sdk.exceptions import ConfigValidationError

from vendor_http.plugin import secret_setting_names


def invoke(plugin: type, settings: dict, tmp_path: Path, stdin: str = "") -> Result:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(settings), encoding="utf-8")
    return CliRunner().invoke(plugin.cli, ["--config", str(path)], input=stdin)  # type: ignore[attr-defined]


def config(url: str, **overrides: object) -> dict:
    return {"api_url": url, "api_token": SECRET, "backoff_initial_seconds": 0.01, "max_tries": 1, **overrides}


def said(caplog: pytest.LogCaptureFixture, name: str) -> list[tuple[int, str, bool]]:
    return [(r.levelno, r.getMessage(), bool(r.exc_info)) for r in caplog.records if r.name == name]


def test_a_run_that_works_ends_with_exit_code_0(http_script: tuple[str, Script], tmp_path: Path) -> None:
    url, script = http_script
    script.default = Answer(body={"items": [{"id": 1, "day": "2026-01-01"}]})
    result = invoke(AcmeTap, config(url, days=["2026-01-01"]), tmp_path)
    assert result.exit_code == 0
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [m["record"]["id"] for m in messages if m["type"] == "RECORD"] == [1]


def test_an_explained_failure_is_one_error_line_without_traceback(
    http_script: tuple[str, Script], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, script = http_script
    script.default = Answer(404, {"error": f"no day for {SECRET}"})
    with caplog.at_level(logging.INFO):
        result = invoke(AcmeTap, config(url, days=["2026-01-01"]), tmp_path)
    assert result.exit_code == 1
    failures = [entry for entry in said(caplog, "tap-acme") if entry[0] >= logging.ERROR]
    assert failures == [
        (logging.ERROR, f"tap-acme stopped: Acme answered 404 to GET {url}/items?day=2026-01-01: no day for ***", False)
    ]


def test_a_bug_keeps_its_traceback_and_says_so(
    http_script: tuple[str, Script], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, script = http_script
    script.default = Answer(body={"items": [{"id": 1, "day": "2026-01-01"}]})
    with caplog.at_level(logging.INFO):
        result = invoke(AcmeTap, config(url, days=["2026-01-01"], bug=True), tmp_path)
    assert result.exit_code == 1
    failures = [entry for entry in said(caplog, "tap-acme") if entry[0] >= logging.ERROR]
    assert failures == [
        (logging.CRITICAL, "tap-acme failed unexpectedly", True),
        (
            logging.CRITICAL,
            "tap-acme stopped by a bug (KeyError: 'no such field'); please report it with the traceback above",
            False,
        ),
    ]
    bug = next(r for r in caplog.records if r.getMessage() == "tap-acme failed unexpectedly")
    assert isinstance(bug.exc_info[1], KeyError)  # type: ignore[index]


def test_the_target_speaks_with_the_same_voice(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lines = [
        {"type": "SCHEMA", "stream": "notes", "schema": {"type": "object", "properties": {}}, "key_properties": []},
        {"type": "RECORD", "stream": "notes", "record": {"id": 1}},
    ]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    with caplog.at_level(logging.INFO):
        result = invoke(AcmeTarget, config("http://api.acme.test"), tmp_path, stdin)
    assert result.exit_code == 1
    assert [entry for entry in said(caplog, "target-acme") if entry[0] >= logging.ERROR] == [
        (
            logging.ERROR,
            "target-acme stopped: invalid settings: setting 'api_url' uses http:// for api.acme.test; "
            "only https:// is allowed, except for a loopback host such as 127.0.0.1 (the sandbox)",
            False,
        )
    ]


def test_settings_are_checked_only_when_asked() -> None:
    bad = config("http://api.acme.test")
    assert AcmeTap(config=bad, validate_config=False).config["api_url"] == "http://api.acme.test"
    assert AcmeTarget(config=bad, validate_config=False).config["api_url"] == "http://api.acme.test"
    with pytest.raises(ConfigValidationError):
        AcmeTarget(config=bad)


def test_a_plugin_object_masks_its_secret_settings_in_the_process_even_unchecked() -> None:
    tap = AcmeTap(config=config("http://api.acme.test"), validate_config=False)
    logger = logging.getLogger("test.plugin.behaviour")
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "token %s", (SECRET,), None)
    assert record.getMessage() == "token ***"
    assert tap.redactor(SECRET) == "***"


def test_secret_settings_are_those_marked_secret_or_write_only() -> None:
    schema = {
        "properties": {
            "token": {"type": "string", "secret": True},
            "password": {"type": "string", "writeOnly": True},
            "name": {"type": "string"},
            "hidden": {"type": "string", "secret": False},
        }
    }
    assert secret_setting_names(schema) == ["token", "password"]
    assert secret_setting_names({}) == []
