"""Faults the sandbox injects: recovered without gaps or duplicates, or one line naming the report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from shopster_helpers import MALLS, TOKEN, emitted, run_tap, shopster_requests, sync, tap_config, today, truth

YESTERDAY = today() - timedelta(days=1)


def stopped_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "tap-shopster stopped:" in line]


@pytest.mark.parametrize(
    "fault",
    [
        "shopster:status=503x2",
        "shopster:status=500@1",
        "shopster:drop",
        "shopster:truncate@1",
        "shopster:malformed",
        "shopster:slow=1.5",  # longer than request_timeout_seconds
    ],
)
def test_transient_faults_are_recovered_without_gaps_or_duplicates(shopster, fault) -> None:
    start = YESTERDAY - timedelta(days=9)
    shopster.add_fault(fault)
    run = sync(tap_config(shopster, start_date=str(start), window_days=5, request_timeout_seconds=1))

    keys = [(r["object_id"], r["user_type"], r["period_start"]) for r in run.records]
    assert len(keys) == len(set(keys))
    assert emitted(run.records, "malls") == truth(shopster, MALLS, start, YESTERDAY)
    assert any(r.fault for r in shopster_requests(shopster)), "the fault was not applied"
    assert run.bookmarks() == {"malls": f"{today()}T00:00:00Z"}


@pytest.mark.parametrize("retry_after_format", ["seconds", "http-date"])
def test_429_retry_after_is_honoured(shopster, retry_after_format) -> None:
    shopster.add_fault(f"shopster:rate_limit,retry_after=2,retry_after_format={retry_after_format}")
    run = sync(tap_config(shopster, start_date=str(YESTERDAY)))

    assert len(run.records) == 14
    limited, retried = shopster_requests(shopster)
    assert limited.status == 429 and retried.status == 200
    waited = retried.arrived - limited.arrived
    assert waited >= (2.0 if retry_after_format == "seconds" else 1.0)  # an HTTP-date has whole seconds
    assert waited < 4.0  # the header's wait, not a long backoff


def test_persistent_failure_is_one_line_naming_the_report_and_keeps_the_last_whole_window(shopster) -> None:
    start = YESTERDAY - timedelta(days=9)
    shopster.add_fault("shopster:status=503x*@1")  # the first window succeeds, then only 503s
    run = run_tap(tap_config(shopster, start_date=str(start), window_days=5, max_tries=2))

    assert run.returncode == 1
    (line,) = stopped_lines(run.stderr)
    second = f"{start + timedelta(days=5)}..{YESTERDAY}"
    assert f"report 'malls' (objects 101,102, daily, {second}): Shopster answered 503 to GET " in line
    assert "Internal server error." in line and "Traceback" not in run.stderr
    assert run.bookmarks() == {"malls": f"{start + timedelta(days=5)}T00:00:00Z"}
    assert {r["period_start"][:10] for r in run.records} == {str(start + timedelta(days=n)) for n in range(5)}


def test_objects_of_different_kinds_are_one_line_naming_the_report(shopster) -> None:
    mixed = {"name": "mixed", "objects": [101, 1011]}
    run = run_tap(tap_config(shopster, MALLS, mixed, start_date=str(YESTERDAY)))

    assert run.returncode == 1
    (line,) = stopped_lines(run.stderr)
    assert f"report 'mixed' (objects 101,1011, daily, {YESTERDAY}..{YESTERDAY}): Shopster answered 400 to GET" in line
    assert "Objects must be of one type (malls, floors or zones); got mall, floor" in line
    assert "list each kind in its own report" in line
    assert len([r for r in shopster_requests(shopster) if r.status == 400]) == 1  # a 400 is not retried
    assert run.bookmarks()["malls"] == f"{today()}T00:00:00Z"  # the good report was delivered


def test_a_row_off_the_documented_schema_fails_naming_report_object_user_type_and_field(shopster) -> None:
    shopster.add_fault("shopster:bad_record,records=engaged")
    run = run_tap(tap_config(shopster, start_date=str(YESTERDAY - timedelta(days=2))))

    assert run.returncode == 1
    (line,) = stopped_lines(run.stderr)
    assert "stream 'group_datetime': the vendor sent a record that does not match the documented schema" in line
    assert "report 'malls' (objects 101,102, daily, " in line
    assert "object 102, user type 'engaged', row #0" in line  # the middle of 2 objects × 3 days: 102's first
    assert "Expected `int`, got `str` - at `$.count_session`" in line
    assert not any(run.bookmarks().values())  # the window was not delivered: no bookmark
    assert 0 < len(run.records) < 2 * 7 * 3


def test_rejected_token_names_the_setting_not_the_token(shopster) -> None:
    secret = "Zx9-very-secret-shopster-token-42"
    run = run_tap(tap_config(shopster, api_token=secret, start_date=str(YESTERDAY)), process=True)

    assert run.returncode == 1
    (line,) = stopped_lines(run.stderr)
    assert "Shopster answered 401" in line and "Invalid or missing x-token." in line
    assert "check the setting(s) 'api_token'" in line
    assert secret not in run.stdout + run.stderr
    assert TOKEN not in run.stderr
