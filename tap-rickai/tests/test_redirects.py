"""A redirect off the api_url's origin is refused: no token reaches another host."""

from __future__ import annotations

import pytest
from rickai_helpers import COMPANY, TOKEN, record_keys, run_tap, session_requests, tap_config, truth_keys

FAST = {"min_request_interval_seconds": 0}


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_is_refused_and_nothing_is_sent_there(fast_sandbox, latest, status) -> None:
    fast_sandbox.add_fault(f"rickai:redirect={status}")
    run = run_tap(tap_config(fast_sandbox, start_date=str(latest), end_date=str(latest), **FAST))

    assert fast_sandbox.elsewhere.requests == []  # not the token, not even a request
    assert run.returncode == 1
    assert (
        f"tap-rickai stopped: Rick.ai answered {status} to GET "
        f"{fast_sandbox.vendor_url('rickai')}/v2/{COMPANY}/sessions?start={latest}"
    ) in run.stderr
    assert f"with a redirect to {fast_sandbox.elsewhere.url}, another origin; it was not followed" in run.stderr
    assert len(session_requests(fast_sandbox)) == 1  # refused for good, not retried
    assert run.records == [] and run.bookmark is None
    assert "Traceback" not in run.stderr and TOKEN not in run.stdout + run.stderr


def test_a_redirect_within_the_api_url_origin_is_followed(fast_sandbox, latest) -> None:
    fast_sandbox.add_fault("rickai:redirect=301,to=same")
    run = run_tap(tap_config(fast_sandbox, start_date=str(latest), end_date=str(latest), **FAST))

    assert run.returncode == 0, run.stderr
    assert set(record_keys(run.records)) == truth_keys(fast_sandbox, latest, latest)
    assert [r.status for r in session_requests(fast_sandbox)][:2] == [301, 200]
