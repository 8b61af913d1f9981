"""A redirect off the api_url's origin is refused: no client secret, token or search reaches another host."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from kameleoon_helpers import CLIENT_SECRET, TAP, tap_config, vendor_requests

from vendor_testing.singer_testing import write_json

# The run's first requests: the token (a form with the client secret), GET /sites, and
# POST /segments/search (the audience streams deselected).
TOKEN = ("kameleoon:redirect={status}", "POST", "/oauth/token")
SITES = ("kameleoon:redirect={status}@1", "GET", "/sites")
SEGMENTS = ("kameleoon:redirect={status}@2", "POST", "/segments/search")
CASES = [(*TOKEN, status) for status in (301, 302, 303, 307, 308)] + [
    (*request, status) for request in (SITES, SEGMENTS) for status in (302, 307)
]


@pytest.mark.parametrize(("fault", "method", "path", "status"), CASES)
def test_a_redirect_to_another_host_is_refused_and_nothing_is_sent_there(
    fast_sandbox, sites_and_segments_catalog, fault, method, path, status
) -> None:
    fast_sandbox.add_fault(fault.format(status=status))
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            *TAP,
            "--config",
            str(write_json(tap_config(fast_sandbox), Path(tmp), "config.json")),
            "--catalog",
            str(write_json(sites_and_segments_catalog, Path(tmp), "catalog.json")),
        ]
        run = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)

    assert fast_sandbox.elsewhere.requests == []  # no secret, no token, no request at all
    assert run.returncode == 1
    assert f"Kameleoon answered {status} to {method} {fast_sandbox.vendor_url('kameleoon')}{path}" in run.stderr
    assert f"with a redirect to {fast_sandbox.elsewhere.url}, another origin; it was not followed" in run.stderr
    assert len(vendor_requests(fast_sandbox, path)) == 1  # refused for good, not retried
    assert "Traceback" not in run.stderr and CLIENT_SECRET not in run.stdout + run.stderr
