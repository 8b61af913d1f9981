"""Atenea: one JSON token per run, renewed by created_at + expires_in, one new token after a 401."""

from __future__ import annotations

from datetime import timedelta

import pytest
from trust_helpers import expected_daily, funnel_of, history_config, run_tap, today, vendor_requests

#: About 90 requests 50 ms apart: a run of several seconds, so 3-second tokens expire inside it.
LONG_RUN = {"days": 30, "min_request_interval_seconds": 0.05}


def complete(run, sandbox, days: int) -> bool:
    truth = expected_daily(sandbox, today() - timedelta(days=days - 1), today())
    return {(r["company_id"], r["date"]): funnel_of(r) for r in run.records("daily_statistics")} == truth


def test_one_token_serves_every_stream(fast_sandbox) -> None:
    run = run_tap(history_config(fast_sandbox, days=3))

    assert run.returncode == 0, run.stderr
    assert len(vendor_requests(fast_sandbox, "token")) == 1  # JSON on the trailing-slash path, else refused
    assert fast_sandbox.trust.tokens_issued == 1
    assert all(r.auth_valid for r in vendor_requests(fast_sandbox, "statistics"))


@pytest.mark.parametrize(
    ("reuse", "created_at"),
    [(False, "epoch"), (True, "epoch"), (True, "iso")],
    ids=["fresh-tokens", "live-token-handed-back", "created-at-as-text"],
)
def test_tokens_expiring_mid_run_are_renewed_by_created_at_before_any_request_fails(
    trust_sandbox, reuse, created_at
) -> None:
    # Handed back, a token keeps its first created_at: counting its life from our own request
    # would use it after it died (a 401 each time). Counted from created_at, none.
    sandbox = trust_sandbox(trust_token_lifetime=3, trust_reuse_tokens=reuse, trust_created_at_format=created_at)
    run = run_tap(history_config(sandbox, **LONG_RUN))

    assert run.returncode == 0, run.stderr
    assert sandbox.trust.tokens_issued >= 2
    assert [r.status for r in vendor_requests(sandbox) if r.status != 200] == []
    if reuse:  # the scenario happened: Atenea answered with a token the tap already held
        assert len(vendor_requests(sandbox, "token")) > sandbox.trust.tokens_issued
    assert complete(run, sandbox, LONG_RUN["days"])


def test_a_token_rejected_mid_run_is_fetched_again_once_and_the_request_resent(trust_sandbox) -> None:
    # Tokens die 0.3 s after issue although Atenea said 2 hours (revoked, or clocks apart).
    sandbox = trust_sandbox(trust_token_revoke_after=0.3)
    run = run_tap(history_config(sandbox, days=10, min_request_interval_seconds=0.05))

    assert run.returncode == 0, run.stderr
    rejected = [r for r in vendor_requests(sandbox) if r.status == 401]
    assert rejected, "the sandbox never rejected a token"
    assert sandbox.trust.tokens_issued == len(rejected) + 1  # one new token per 401
    api = [r for r in vendor_requests(sandbox) if "/api/" in r.path]
    for refused in rejected:  # the next API request is the same one, resent, and it succeeded
        resent = api[api.index(refused) + 1]
        assert (resent.path, resent.query, resent.status) == (refused.path, refused.query, 200)
    assert "Trust.lat rejected the access token (expired or revoked)" in run.stderr
    assert complete(run, sandbox, 10)


def test_a_token_refused_again_after_renewal_stops_the_run_naming_the_settings(trust_sandbox) -> None:
    sandbox = trust_sandbox(trust_token_revoke_after=0.0001)
    run = run_tap(history_config(sandbox, days=2, company_ids=["101"]))

    assert run.returncode == 1
    assert [r.status for r in vendor_requests(sandbox) if "/api/" in r.path] == [401, 401]  # sent twice, not more
    assert sandbox.trust.tokens_issued == 2
    line = next(line for line in run.stderr.splitlines() if "tap-trust stopped:" in line)
    assert "Trust.lat answered 401 to GET" in line and "(company 101): Invalid or expired access token" in line
    assert "check the setting(s) 'client_id', 'client_secret'" in line
    assert "Traceback" not in run.stderr


def test_refused_credentials_stop_the_run_at_the_token_request(fast_sandbox) -> None:
    run = run_tap(history_config(fast_sandbox, days=2, client_secret="Wrong-Secret-123456"), process=True)

    assert run.returncode == 1
    assert "Trust.lat Atenea answered 401 to the token request POST /trust/atenea/oauth/token/: invalid_client" in (
        run.stderr
    )
    assert "check the settings 'client_id' and 'client_secret'" in run.stderr
    assert "Wrong-Secret-123456" not in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert vendor_requests(fast_sandbox, "statistics") == []
