"""Bad settings fail before any request, naming the report and setting; the token never leaks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from shopster_helpers import MALLS, run_tap, shopster_requests, sync, tap_config, today
from singer_sdk.exceptions import ConfigValidationError

from vendor_http import failure_message

SECRET = "Zx9-very-secret-shopster-token-42"


@pytest.mark.parametrize(
    ("reports", "overrides", "complaint"),
    [
        ([{**MALLS, "interval": "yearly"}], {}, "report 'malls' (reports[0]): setting 'interval' must be one of"),
        (
            [{**MALLS, "bounce_threshold": "10 minute", "engagement_threshold": "5 minute"}],
            {},
            "report 'malls' (reports[0]): setting 'engagement_threshold' (5 minute) must be at least "
            "'bounce_threshold' (10 minute)",
        ),
        (
            [MALLS, {"objects": [1011]}],
            {"bounce_threshold": "30 minute"},
            "report 'daily_1011' (reports[1]): setting 'engagement_threshold' (20 minute) must be at least",
        ),
        ([{**MALLS, "comeback": "2 weeks"}], {}, "report 'malls' (reports[0]): setting 'comeback' must be one of"),
        ([{"name": "z", "objects": [0, -5]}], {}, "report 'z' (reports[0]): setting 'objects' must hold positive"),
        ([{"name": "z", "objects": []}], {}, "report 'z' (reports[0]): setting 'objects' must be a non-empty list"),
        ([{"objects": [101, 101]}], {}, "report 'daily_101_101' (reports[0]): setting 'objects' lists 101 more than"),
        ([MALLS, {**MALLS, "objects": [1011]}], {}, "report 'malls' (reports[1]): its name is also the name of"),
        ([{**MALLS, "thresholds": 5}], {}, "report 'malls' (reports[0]): unknown setting(s) 'thresholds'"),
        ([], {}, "setting 'reports' needs at least one report"),
        ([MALLS], {"interval": "yearly"}, "'yearly' is not one of"),
        ([{"objects": ["101"]}], {}, "'101' is not of type 'integer'"),
        ([MALLS], {"start_date": "2026-10-10", "end_date": "2026-10-01"}, "setting 'end_date' (2026-10-01) is before"),
        ([MALLS], {"start_date": "01.10.2026"}, "setting 'start_date' must be a date"),
        ([MALLS], {"api_url": "http://api-public.getshopster.net"}, "setting 'api_url' uses http://"),
        ([MALLS], {"datetime_timezone": "Mars/Olympus"}, "setting 'datetime_timezone' must be an IANA time zone"),
        ([MALLS], {"answer_keying": "guess"}, "'guess' is not one of ['auto', 'object', 'group']"),
        ([MALLS], {"window_days": 0}, "window_days"),
    ],
)
def test_invalid_settings_fail_before_any_request(shopster, reports, overrides, complaint) -> None:
    config = {**tap_config(shopster), "reports": reports, **overrides}
    with pytest.raises(ConfigValidationError) as raised:
        sync(config)
    assert complaint in failure_message(raised.value)
    assert shopster_requests(shopster) == []


def test_all_problems_of_all_reports_are_listed_at_once(shopster) -> None:
    reports = [{"name": "a", "objects": [-1], "interval": "x"}, {"name": "b", "objects": [1], "comeback": "y"}]
    with pytest.raises(ConfigValidationError) as raised:
        sync({**tap_config(shopster), "reports": reports})
    message = failure_message(raised.value)
    for part in ("report 'a' (reports[0]): setting 'objects'", "report 'a' (reports[0]): setting 'interval'"):
        assert part in message
    assert "report 'b' (reports[1]): setting 'comeback'" in message


def test_the_command_line_says_it_in_one_line_and_exits_1(shopster) -> None:
    run = run_tap({**tap_config(shopster), "reports": [{**MALLS, "interval": "yearly"}]})
    assert run.returncode == 1
    (line,) = [line for line in run.stderr.splitlines() if "tap-shopster stopped:" in line]
    assert "invalid settings: report 'malls' (reports[0]): setting 'interval' must be one of" in line
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_token_appears_in_no_output_or_state_even_when_things_go_wrong(sandbox_factory) -> None:
    sandbox = sandbox_factory(shopster_tokens=(SECRET,))
    sandbox.add_fault("shopster:status=503x2", "shopster:drop@3", "shopster:truncate@5", "shopster:malformed@7")
    config = tap_config(sandbox, api_token=SECRET, start_date=str(today() - timedelta(days=12)), window_days=3)
    run = run_tap(config, process=True)  # a process of its own: no secret masked by an earlier run

    assert run.returncode == 0, run.stderr
    assert run.records and run.states
    assert SECRET not in run.stdout
    assert SECRET not in run.stderr
    # Requests carried it in the x-token header only: never in a URL the sandbox saw.
    assert all(SECRET not in r.path and SECRET not in str(r.query) for r in sandbox.requests)
    assert all(r.auth_valid for r in shopster_requests(sandbox))
    faults = {r.fault.split("=")[0] for r in shopster_requests(sandbox) if r.fault}
    assert faults == {"status", "drop", "truncate", "malformed"}
