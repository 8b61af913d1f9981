"""Bad settings fail before any request, naming the setting; secrets and tokens never leak."""

from __future__ import annotations

import pytest
from trust_helpers import history_config, run_tap, tap_config, vendor_requests

SECRET = "Zx9-very-secret-atenea-client-42"


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"auth_url": "http://atenea.trust.lat"}, "setting 'auth_url' uses http:// for atenea.trust.lat"),
        ({"api_url": "ftp://api.trust.lat"}, "setting 'api_url' must be an http(s) URL"),
        ({"company_ids": []}, "setting 'company_ids' must list at least one company id"),
        ({"company_ids": ["101/../102"]}, "'101/../102' is not a company id"),
        ({"company_ids": [101, "101"]}, "setting 'company_ids' names a company twice"),
        ({"company_ids": None}, "company_ids"),
        ({"statistics_mode": "weekly"}, "statistics_mode"),
        ({"history_date_format": "YYYY-MM-DD"}, "setting 'history_date_format' must be a strftime format"),
        ({"start_date": "2026-10-10", "end_date": "2026-10-01"}, "setting 'end_date' (2026-10-01) is before"),
        ({"start_date": "01.10.2026"}, "setting 'start_date' must be a date"),
        ({"lookback_days": -1}, "lookback_days"),
        ({"request_content_type": "text/html"}, "request_content_type"),
        ({"client_secret": None}, "client_secret"),
    ],
)
def test_invalid_settings_fail_before_any_request(fast_sandbox, overrides, complaint) -> None:
    config = {k: v for k, v in {**tap_config(fast_sandbox), **overrides}.items() if v is not None}
    run = run_tap(config)

    assert run.returncode == 1
    assert complaint in run.stderr
    assert "Traceback" not in run.stderr
    assert vendor_requests(fast_sandbox) == []
    assert all(m["type"] != "RECORD" for m in run.messages)


def test_secret_and_tokens_appear_in_no_output_or_state_even_when_things_go_wrong(trust_sandbox) -> None:
    sandbox = trust_sandbox(trust_clients={"sandbox-trust-client": SECRET}, trust_token_revoke_after=0.5)
    sandbox.add_fault("trust:status=503@3", "trust:drop@6", "trust:rate_limit@9,retry_after=0")
    run = run_tap(
        history_config(sandbox, days=8, client_secret=SECRET, min_request_interval_seconds=0.05), process=True
    )

    assert run.returncode == 0, run.stderr
    assert run.records("daily_statistics") and run.states
    tokens = list(sandbox.trust.tokens)
    assert len(tokens) >= 2  # renewed after 401s: every token it ever held is checked
    for value in (SECRET, *tokens):
        assert value not in run.stdout
        assert value not in run.stderr
    assert "Trust.lat rejected the access token" in run.stderr  # the requests that carried them were logged
    assert all(SECRET not in r.path and SECRET not in str(r.query) for r in sandbox.requests)
