"""Settings are checked before any request; the token never appears in any output."""

from __future__ import annotations

import json

import pytest
from calltouch_helpers import run_target, states, target_config

from target_calltouch_plans.target import TargetCalltouchPlans
from vendor_testing.singer_testing import run_plugin

# The tests about the token run the target as a process of its own: in this process, the
# secrets other runs registered for masking would hide a token this run failed to mask.


def about() -> dict:
    result = run_plugin(TargetCalltouchPlans, ["--about", "--format=json"])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_about_declares_the_token_secret_and_the_documented_limits():
    properties = about()["settings"]["properties"]
    assert properties["api_token"]["secret"] is True
    assert properties["batch_size"]["maximum"] == 100
    assert properties["batch_size"]["default"] == 100
    assert properties["max_requests_per_second"]["default"] < properties["max_requests_per_second"]["maximum"] == 5
    assert set(properties["on_invalid_record"]["enum"]) == {"fail", "reject"}
    for name in ("poll_interval_seconds", "poll_timeout_seconds", "dry_run", "import_log_path", "max_tries"):
        assert name in properties


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"api_url": "http://api.calltouch.ru"}, "only https:// is allowed"),
        ({"batch_size": 101}, "batch_size"),
        ({"max_requests_per_second": 6}, "max_requests_per_second"),
        ({"on_invalid_record": "skip"}, "on_invalid_record"),
        ({"api_token": ""}, "api_token"),
    ],
)
def test_bad_settings_fail_before_any_request(sandbox, tmp_path, overrides, message):
    result = run_target(target_config(sandbox, **overrides), "duplicates.singer", tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert sandbox.requests == []


def test_a_rejected_token_fails_clearly_and_is_never_printed(sandbox_factory, tmp_path):
    token = "wrong-secret-token-4242"
    sandbox = sandbox_factory()
    result = run_target(target_config(sandbox, api_token=token), "duplicates.singer", tmp_path, process=True)
    assert result.returncode != 0
    assert "Calltouch answered 401" in result.stderr
    assert "Access token не найден" in result.stderr
    assert "check the setting(s) 'api_token', 'site_id'" in result.stderr
    assert token not in result.stdout + result.stderr
    assert states(result.stdout) == []


def test_the_token_is_in_no_output_of_a_run_with_failures(sandbox_factory, tmp_path):
    token = "sandbox-secret-token-1234"
    sandbox = sandbox_factory(
        calltouch_tokens={token: "12345"}, calltouch_import_seconds=0, faults=["calltouch:status=503x2"]
    )
    log, rejects = tmp_path / "imports.jsonl", tmp_path / "rejects.jsonl"
    config = target_config(
        sandbox, api_token=token, import_log_path=str(log), on_invalid_record="reject", reject_file_path=str(rejects)
    )
    result = run_target(config, "mixed_valid_invalid.singer", tmp_path, process=True)
    assert result.returncode == 0, result.stderr
    assert "retrying" in result.stderr
    for text in (result.stdout, result.stderr, log.read_text(encoding="utf-8"), rejects.read_text(encoding="utf-8")):
        assert token not in text
