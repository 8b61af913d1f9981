"""One token per run, renewed before expiry and after a 401; the rate budget; the add-on."""

from __future__ import annotations

from datetime import timedelta

from kameleoon_helpers import CLIENT_SECRET, expected_rows, run_tap, tap_config, vendor_requests, yesterday

MANY_WINDOWS = {"start_date": str(yesterday() - timedelta(days=7)), "window_days": 1}


def test_one_token_serves_every_stream(fast_sandbox) -> None:
    run = run_tap(tap_config(fast_sandbox))

    assert run.returncode == 0, run.stderr
    assert len(vendor_requests(fast_sandbox, "/oauth/token")) == 1
    assert len(vendor_requests(fast_sandbox, "/sites")) == 1  # one GET /sites serves the sites stream too
    assert fast_sandbox.kameleoon.tokens_issued == 1


def test_a_token_is_renewed_before_it_expires_mid_run(sandbox_factory) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=1, kameleoon_token_lifetime=1.0)
    run = run_tap(tap_config(sandbox, poll_interval_seconds=0.05, poll_max_interval_seconds=0.05, **MANY_WINDOWS))

    assert run.returncode == 0, run.stderr
    assert sandbox.kameleoon.tokens_issued >= 2
    assert all(r.status != 401 for r in vendor_requests(sandbox))
    start = yesterday() - timedelta(days=7)
    assert (
        len(run.records("audience_period_stats"))
        == expected_rows(sandbox, start, yesterday(), 1)["audience_period_stats"]
    )


def test_a_token_rejected_mid_run_is_fetched_again_and_the_request_retried(sandbox_factory) -> None:
    # Tokens die after 0.3 s although Kameleoon said they live 2 hours (revoked, clock skew).
    sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=1, kameleoon_token_revoke_after=0.3)
    run = run_tap(tap_config(sandbox, poll_interval_seconds=0.05, poll_max_interval_seconds=0.05, **MANY_WINDOWS))

    assert run.returncode == 0, run.stderr
    rejected = [r for r in vendor_requests(sandbox) if r.status == 401]
    assert rejected, "the sandbox never rejected a token"
    assert sandbox.kameleoon.tokens_issued == len(rejected) + 1
    assert "Kameleoon rejected the access token" in run.stderr
    start = yesterday() - timedelta(days=7)
    assert (
        len(run.records("audience_global_stats"))
        == expected_rows(sandbox, start, yesterday(), 1)["audience_global_stats"]
    )


def test_rejected_credentials_name_the_settings_not_the_secret(fast_sandbox) -> None:
    # A process of its own, so that no earlier run in this one masks the secret (see test_settings_and_secrets).
    run = run_tap(tap_config(fast_sandbox, client_secret="Wrong-Secret-123456"), process=True)

    assert run.returncode == 1
    assert "Kameleoon answered 401 to the token request" in run.stderr
    assert "check the settings 'client_id' and 'client_secret'" in run.stderr
    assert "Traceback" not in run.stderr
    assert "Wrong-Secret-123456" not in run.stdout + run.stderr


def test_an_account_without_the_audiences_addon_gets_a_message_not_a_stack_trace(sandbox_factory) -> None:
    sandbox = sandbox_factory(rate_limit=False, kameleoon_audiences_addon=False)
    run = run_tap(tap_config(sandbox))

    assert run.returncode == 1
    assert "Audiences add-on is not enabled for this account" in run.stderr
    assert "audience statistics need Kameleoon's paid Audiences add-on" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_rate_budget_keeps_a_run_of_many_windows_under_both_windows(sandbox_factory) -> None:
    # The documented 50/10 s and 1,000/h, scaled down so the test stays quick: the sandbox
    # enforces the same two sliding windows the tap is told about.
    windows = ((5, 0.25), (30, 1.5))
    sandbox = sandbox_factory(kameleoon_polls_until_ready=1, kameleoon_rate_windows=windows)
    limits = [{"requests": n, "seconds": s} for n, s in windows]
    run = run_tap(tap_config(sandbox, rate_limits=limits, poll_interval_seconds=0, **MANY_WINDOWS))

    assert run.returncode == 0, run.stderr
    stats = sandbox.stats()["vendors"]["kameleoon"]
    assert stats["requests"] > 40  # more than the long window allows at once
    assert stats["rate_limited_429"] == 0
    assert CLIENT_SECRET not in run.stdout + run.stderr
