"""The plugin base: shared wiring, and the one place where a failure becomes the user's message.

The command-line tests run the Acme tap and target (``acme_plugin.py``) as processes
against a scripted local server: an explained failure is one line and exit code 1, a
bug keeps its traceback plus a line saying it is a bug, and no secret is printed.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from acme_plugin import SECRET, AcmeTap, AcmeTarget
from http_script import Answer
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError

from vendor_http import ExplainedError, VendorHTTPError, failure_message, redact

ACME = Path(__file__).parent / "acme_plugin.py"


def config(url: str, **overrides: object) -> dict:
    return {"api_url": url, "api_token": SECRET, "backoff_initial_seconds": 0.01, "max_tries": 2, **overrides}


def run(kind: str, settings: dict, tmp_path: Path, *, stdin: str = "") -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(settings), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(ACME), kind, "--config", str(path)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Wiring


def test_settings_are_checked_before_any_request(http_script) -> None:
    _, script = http_script
    with pytest.raises(ConfigValidationError) as error:
        AcmeTap(config=config("http://api.acme.test"))
    assert any("setting 'api_url' uses http:// for api.acme.test" in e for e in error.value.errors)
    assert script.seen == []


def test_one_budget_per_plugin_and_limits_in_the_process(http_script) -> None:
    url, _ = http_script
    first, second = AcmeTap(config=config(url)), AcmeTap(config=config(url))
    other = AcmeTap(config=config(url, requests_per_second=2))

    assert first.rate_budget is second.rate_budget
    assert other.rate_budget is not first.rate_budget
    assert other.rate_budget.min_interval == 0.5
    assert first.retry_policy.max_tries == 2


def test_secret_settings_are_masked_everywhere_in_the_process(http_script) -> None:
    url, _ = http_script
    tap = AcmeTap(config=config(url))
    assert tap.redactor(f"token {SECRET}") == "token ***"
    assert redact(f"token {SECRET}") == "token ***"  # what failure messages go through


def test_failure_messages_are_one_redacted_line() -> None:
    settings = ConfigValidationError("Config validation failed", errors=["setting 'a' is odd", "setting 'b' too"])
    assert failure_message(settings) == "invalid settings: setting 'a' is odd; setting 'b' too"
    assert failure_message(ExplainedError("first line\n  second line")) == "first line second line"
    assert issubclass(VendorHTTPError, ExplainedError)


def test_a_target_sees_each_state_where_it_arrives_and_writes_its_own(capsys) -> None:
    target = AcmeTarget(config={"api_url": "https://api.acme.test", "api_token": SECRET})
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    lines = [
        {"type": "SCHEMA", "stream": "notes", "schema": schema, "key_properties": ["id"]},
        {"type": "RECORD", "stream": "notes", "record": {"id": 1}},
        {"type": "STATE", "value": {"at": 1}},
        {"type": "RECORD", "stream": "notes", "record": {"id": 2}},
        {"type": "STATE", "value": {"at": 2}},
    ]
    target.listen(io.StringIO("".join(json.dumps(line) + "\n" for line in lines)))

    assert target.states == [{"at": 1}, {"at": 2}]
    written = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert {"seen": 1, "at": 1} in written and {"seen": 2, "at": 2} in written


# The command line: one voice for failures


def test_an_explained_failure_is_one_line_and_exit_code_1(http_script, tmp_path) -> None:
    url, script = http_script
    script.default = Answer(401, {"error": f"token {SECRET} unknown"})
    result = run("tap", config(url, days=["2026-01-01"]), tmp_path)

    assert result.returncode == 1
    stopped = [line for line in result.stderr.splitlines() if "tap-acme stopped:" in line]
    assert len(stopped) == 1
    assert stopped[0].endswith(
        "tap-acme stopped: Acme answered 401 to GET "
        f"{url}/items?day=2026-01-01: token *** unknown "
        "(the credentials were rejected: check the setting(s) 'api_token')"
    )
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_retries_that_run_out_are_an_explained_failure(http_script, tmp_path) -> None:
    url, script = http_script
    script.default = Answer(503, {"message": "maintenance"})
    result = run("tap", config(url, days=["2026-01-01"]), tmp_path)

    assert result.returncode == 1
    assert result.stderr.count("retrying in") == 1  # max_tries 2: one retry, logged once
    assert "tap-acme stopped: Acme answered 503 to GET " in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_settings_are_an_explained_failure(tmp_path) -> None:
    result = run("tap", config("http://api.acme.test"), tmp_path)

    assert result.returncode == 1
    assert "tap-acme stopped: invalid settings: setting 'api_url' uses http:// for api.acme.test" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bug_keeps_its_traceback_and_says_it_is_a_bug(http_script, tmp_path) -> None:
    url, script = http_script
    script.default = Answer(body={"items": [{"id": 1, "day": "2026-01-01"}]})
    result = run("tap", config(url, days=["2026-01-01"], bug=True), tmp_path)

    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "KeyError: 'no such field'" in result.stderr
    assert (
        "tap-acme stopped by a bug (KeyError: 'no such field'); please report it with the traceback above"
        in result.stderr
    )


def test_the_target_speaks_with_the_same_voice(tmp_path) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    lines = [
        {"type": "SCHEMA", "stream": "notes", "schema": schema, "key_properties": ["id"]},
        {"type": "RECORD", "stream": "notes", "record": {"id": 1}},
    ]
    messages = "".join(json.dumps(line) + "\n" for line in lines)

    bug = run("target", config("https://api.acme.test", bug=True), tmp_path, stdin=messages)
    assert bug.returncode == 1
    assert "Traceback" in bug.stderr and "target-acme stopped by a bug (KeyError" in bug.stderr

    settings = run("target", config("http://api.acme.test"), tmp_path, stdin=messages)
    assert settings.returncode == 1
    assert "target-acme stopped: invalid settings: setting 'api_url' uses http://" in settings.stderr
    assert "Traceback" not in settings.stderr


def test_sdk_api_errors_are_explained_and_redacted() -> None:
    AcmeTap(config=config("https://api.acme.test"))  # registers the secret setting with the process
    assert failure_message(FatalAPIError(f"Acme said no to {SECRET}")) == "Acme said no to ***"


@pytest.mark.parametrize(
    ("overrides", "secret", "complaint"),
    [
        # The SDK's own message quotes the value of a setting of the wrong type.
        ({"api_token": 98765432101234}, "98765432101234", "is not of type 'string' in config['api_token']"),
        ({"api_token": 42}, "42", "is not of type 'string' in config['api_token']"),
        ({"api_token": ["tok-in-a-list-77"]}, "tok-in-a-list-77", "config['api_token']"),
        ({"api_url": "ftp://user:PASS-word@api.acme.test"}, "PASS-word", "must not contain credentials"),
        ({"api_url": "https://user:PASS-word@api.acme.test"}, "PASS-word", "must not contain credentials"),
        ({"api_url": "user:PASS-word@api.acme.test"}, "PASS-word", "must be an http(s) URL"),
    ],
)
@pytest.mark.parametrize("kind", ["tap", "target"])
def test_no_secret_and_no_url_password_in_a_settings_message(tmp_path, kind, overrides, secret, complaint) -> None:
    result = run(kind, {**config("https://api.acme.test"), **overrides}, tmp_path, stdin="")

    assert result.returncode == 1
    (stopped,) = [line for line in result.stderr.splitlines() if f"{kind}-acme stopped: invalid settings: " in line]
    assert complaint in stopped
    assert secret not in stopped.partition("stopped:")[2]
    if len(secret) > 2:  # (a two-digit one may be in a log line's timestamp)
        assert secret not in result.stdout + result.stderr
