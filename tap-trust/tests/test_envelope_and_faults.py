"""The envelope (errors even under HTTP 200), transient faults, Retry-After, records off the schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
from trust_helpers import (
    COMPANIES,
    expected_daily,
    funnel_of,
    history_config,
    run_tap,
    tap_config,
    today,
    vendor_requests,
)


def stop_line(run) -> str:
    """The one line the tap stops with."""
    lines = [line for line in run.stderr.splitlines() if "tap-trust stopped:" in line]
    assert len(lines) == 1, run.stderr[-3000:]
    return lines[0]


@pytest.mark.parametrize("under_200", [False, True], ids=["http-404", "code-404-under-http-200"])
def test_an_error_in_the_envelope_names_the_company_and_the_vendors_message(trust_sandbox, under_200) -> None:
    sandbox = trust_sandbox(trust_errors_under_200=under_200)
    run = run_tap(tap_config(sandbox, company_ids=[101, 999]))

    assert run.returncode == 1
    line = stop_line(run)
    answered = "answered code 404 in the envelope to GET" if under_200 else "answered 404 to GET"
    assert f"Trust.lat {answered} http://127.0.0.1:" in line
    assert "/company/999/campaign (company 999): Company 999 not found" in line
    assert "Traceback" not in run.stderr
    assert len(vendor_requests(sandbox, "campaign")) == 2  # not retried


def test_an_answer_of_another_resource_is_an_error(fast_sandbox) -> None:
    body = {"code": 200, "resource": "Statistics", "data": [], "message": "Ok"}
    fast_sandbox.add_fault({"vendor": "trust", "kind": "status", "status": 200, "body": body, "after": 1})
    run = run_tap(tap_config(fast_sandbox))  # token first, then the first campaign list

    assert run.returncode == 1
    assert "(company 101) with resource 'Statistics', expected 'Campaign': Ok" in stop_line(run)


def test_a_2xx_without_the_envelope_is_an_error(fast_sandbox) -> None:
    fast_sandbox.add_fault({"vendor": "trust", "kind": "status", "status": 200, "body": {"items": []}, "after": 1})
    run = run_tap(tap_config(fast_sandbox))

    assert run.returncode == 1
    assert "(company 101) without the documented envelope: {'items': []}" in stop_line(run)


def test_a_retriable_code_inside_the_envelope_is_retried(fast_sandbox) -> None:
    busy = {"code": 503, "resource": "Statistics", "data": None, "message": "Service Unavailable"}
    fast_sandbox.add_fault({"vendor": "trust", "kind": "status", "status": 200, "body": busy, "after": 4})
    run = run_tap(tap_config(fast_sandbox))  # token, three campaign lists, then the first statistics

    assert run.returncode == 0, run.stderr
    assert len(run.records("statistics_snapshots")) == len(COMPANIES)
    assert "Trust.lat answered code 503 in the envelope" in run.stderr and "retrying in" in run.stderr


def test_a_401_inside_the_envelope_gets_one_new_token_and_one_resend(fast_sandbox) -> None:
    expired = {"code": 401, "resource": "Campaign", "data": None, "message": "Token expired"}
    fast_sandbox.add_fault({"vendor": "trust", "kind": "status", "status": 200, "body": expired, "after": 2})
    run = run_tap(tap_config(fast_sandbox))  # token, company 101's campaigns, then company 102's

    assert run.returncode == 0, run.stderr
    assert len(vendor_requests(fast_sandbox, "token")) == 2
    assert [r.path.split("/")[-2] for r in vendor_requests(fast_sandbox, "campaign")] == ["101", "102", "102", "103"]
    assert len(run.records("campaigns")) == 13
    assert "answered code 401 in the envelope" in run.stderr and "fetching a new token" in run.stderr


@pytest.mark.parametrize(
    "fault",
    [
        "trust:status=503x3",
        "trust:status=500@2",
        "trust:drop@3",
        "trust:truncate@4",
        "trust:malformed@5",
        "trust:slow=3@6",  # slower than request_timeout_seconds
        "trust:status=502",  # the token request
    ],
)
def test_transient_faults_are_recovered_without_gaps_or_duplicates(fast_sandbox, fault) -> None:
    fast_sandbox.add_fault(fault)
    run = run_tap(history_config(fast_sandbox, days=3, request_timeout_seconds=1))

    assert run.returncode == 0, run.stderr
    rows = [(r["company_id"], r["date"]) for r in run.records("daily_statistics")]
    assert len(rows) == len(set(rows))
    truth = expected_daily(fast_sandbox, today() - timedelta(days=2), today())
    assert {(r["company_id"], r["date"]): funnel_of(r) for r in run.records("daily_statistics")} == truth
    assert any(r.fault for r in vendor_requests(fast_sandbox)), "the fault was not applied"


@pytest.mark.parametrize("retry_after_format", ["seconds", "http-date"])
def test_429_retry_after_is_honoured(fast_sandbox, retry_after_format) -> None:
    fast_sandbox.add_fault(f"trust:rate_limit@1,retry_after=2,retry_after_format={retry_after_format}")
    run = run_tap(tap_config(fast_sandbox, company_ids=["101"]))

    assert run.returncode == 0, run.stderr
    limited, retried = [r for r in vendor_requests(fast_sandbox) if "/api/" in r.path][:2]
    assert limited.status == 429 and retried.status == 200
    waited = retried.arrived - limited.arrived
    assert waited >= (2.0 if retry_after_format == "seconds" else 1.0)  # an HTTP-date has whole seconds
    assert waited < 4.0


def test_persistent_failure_exits_1_and_keeps_the_last_complete_day(fast_sandbox) -> None:
    # token, 3 campaign lists, the range check (3), day one of 101 (reused: 2 days ago), then only 503s
    fast_sandbox.add_fault("trust:status=503x*@8")
    run = run_tap(history_config(fast_sandbox, days=4, max_tries=2))

    assert run.returncode == 1
    assert "Trust.lat answered 503 to GET" in stop_line(run) and "(company 101): Service Unavailable" in stop_line(run)
    first_day = str(today() - timedelta(days=3))
    assert run.bookmarks() == {"101": first_day}
    assert [r["date"] for r in run.records("daily_statistics")] == [first_day]


def test_statistics_off_the_documented_schema_name_company_day_and_field(fast_sandbox) -> None:
    # token, 3 campaign lists, the range check (3), then the first day of company 101
    fast_sandbox.add_fault("trust:bad_record@7,records=statistics")
    run = run_tap(history_config(fast_sandbox, days=4))

    assert run.returncode == 1
    line = stop_line(run)
    day = today() - timedelta(days=3)
    assert "stream 'daily_statistics': the vendor sent a record that does not match the documented schema" in line
    assert f"(company 101, day {day}): Expected" in line
    assert "Expected `int`, got `str` - at `$.total`" in line
    assert run.bookmarks() == {}


def test_a_campaign_off_the_documented_schema_names_company_position_and_uuid(fast_sandbox) -> None:
    fast_sandbox.add_fault("trust:bad_record@2,records=campaigns")  # the campaigns of company 102
    run = run_tap(tap_config(fast_sandbox))

    assert run.returncode == 1
    line = stop_line(run)
    assert "stream 'campaigns': the vendor sent a record that does not match the documented schema" in line
    assert "(company 102, campaign #2 uuid='" in line and "at `$.terminated`" in line
