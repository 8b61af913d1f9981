"""Bad settings fail before any request, naming the setting; the token never leaks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rickai_helpers import COMPANY, run_tap, session_requests, tap_config

SECRET = "Zx9-very-secret-rickai-token-42"
# The tests about the token run the tap as a process of its own: in this process, the
# secrets other runs registered for masking would hide a token this run failed to mask.


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"api_url": "http://api.rick.ai"}, "setting 'api_url' uses http:// for api.rick.ai"),
        ({"page_size": 200_000}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"start_date": "01.10.2026"}, "setting 'start_date' must be a date"),
        (
            {"start_date": "2026-10-10", "end_date": "2026-10-01"},
            "setting 'end_date' (2026-10-01) is before 'start_date'",
        ),
        ({"lookback_days": -1}, "lookback_days"),
        ({"company": None}, "company"),
    ],
)
def test_invalid_settings_fail_before_any_request(fast_sandbox, overrides, complaint) -> None:
    config = {k: v for k, v in {**tap_config(fast_sandbox), **overrides}.items() if v is not None}
    run = run_tap(config)

    assert run.returncode != 0
    assert complaint in run.stderr
    assert session_requests(fast_sandbox) == []
    assert run.messages == [] or all(m["type"] != "RECORD" for m in run.messages)


def test_rejected_credentials_name_the_settings_not_the_token(sandbox_factory, latest) -> None:
    sandbox = sandbox_factory(rate_limit=False)
    run = run_tap(
        tap_config(sandbox, api_token=SECRET, start_date=str(latest), min_request_interval_seconds=0), process=True
    )

    assert run.returncode != 0
    assert "Rick.ai answered 401" in run.stderr
    assert "unauthenticated for invalid credentials" in run.stderr
    assert "check the setting(s) 'api_token', 'company'" in run.stderr
    assert SECRET not in run.stdout + run.stderr


def test_token_appears_in_no_output_or_state_even_when_things_go_wrong(sandbox_factory, latest) -> None:
    sandbox = sandbox_factory(rate_limit=False, rickai_tokens={SECRET: COMPANY})
    sandbox.add_fault("rickai:status=503x2", "rickai:drop", "rickai:truncate@4")
    first = latest - timedelta(days=1)
    run = run_tap(
        tap_config(sandbox, api_token=SECRET, start_date=str(first), min_request_interval_seconds=0),
        process=True,
    )

    assert run.returncode == 0, run.stderr
    assert run.records and run.states
    assert SECRET not in run.stdout
    assert SECRET not in run.stderr
    # Requests carried it, in the header only: never in a URL the sandbox saw.
    assert all(SECRET not in r.path and SECRET not in str(r.query) for r in sandbox.requests)
    assert all(r.auth_valid for r in session_requests(sandbox))
