"""Bad settings fail before any request, naming the setting; secrets and tokens never leak."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from kameleoon_helpers import run_tap, tap_config, vendor_requests, yesterday

SECRET = "Zx9-very-secret-kameleoon-client-secret-42"
# The test about secrets runs the tap as a process of its own: in this process, the
# secrets other runs registered for masking could hide one this run failed to mask.


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"api_url": "http://api.kameleoon.com"}, "setting 'api_url' uses http:// for api.kameleoon.com"),
        ({"start_date": "01.10.2026"}, "setting 'start_date' must be a date"),
        (
            {"start_date": "2026-10-10", "end_date": "2026-10-01"},
            "setting 'end_date' (2026-10-01) is before 'start_date'",
        ),
        ({"analytics_level": "SESSION"}, "analytics_level"),
        ({"window_days": 90}, "window_days"),
        ({"lookback_days": -1}, "lookback_days"),
        ({"client_secret": None}, "client_secret"),
    ],
)
def test_invalid_settings_fail_before_any_request(fast_sandbox, overrides, complaint) -> None:
    config = {k: v for k, v in {**tap_config(fast_sandbox), **overrides}.items() if v is not None}
    run = run_tap(config)

    assert run.returncode != 0
    assert complaint in run.stderr
    assert vendor_requests(fast_sandbox) == []
    assert all(m["type"] != "RECORD" for m in run.messages)


def test_secret_and_tokens_appear_in_no_output_or_state(sandbox_factory) -> None:
    sandbox = sandbox_factory(
        rate_limit=False,
        kameleoon_polls_until_ready=1,
        kameleoon_clients={"sandbox-kameleoon-client": SECRET},
        kameleoon_token_revoke_after=0.3,  # several tokens, and 401s naming nothing secret
    )
    sandbox.add_fault("kameleoon:status=503", "kameleoon:drop", "kameleoon:rate_limit,retry_after=0.2")
    tokens: list[str] = []
    original = sandbox.kameleoon.token

    def spy(request):  # record every token the sandbox issues
        response = original(request)
        if response.status == 200:
            tokens.append(json.loads(b"".join(response.chunks))["access_token"])
        return response

    sandbox.kameleoon.token = spy  # type: ignore[method-assign]
    run = run_tap(
        tap_config(sandbox, client_secret=SECRET, start_date=str(yesterday() - timedelta(days=7)), window_days=1),
        process=True,
    )

    assert run.returncode == 0, run.stderr
    assert tokens
    assert {r.fault.split("=")[0] for r in vendor_requests(sandbox) if r.fault} == {"status", "drop", "rate_limit"}
    output = run.stdout + run.stderr
    assert SECRET not in output
    for token in tokens:
        assert token not in output
    # Credentials travel in the form body and the Authorization header only.
    assert all(SECRET not in r.path and SECRET not in str(r.query) for r in sandbox.requests)
