"""The access token is attached when a request is actually sent, after the rate budget let it go."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from kameleoon_helpers import tap_config, vendor_requests

from vendor_testing.singer_testing import write_json


def test_a_wait_on_the_rate_budget_never_sends_a_token_that_ran_out(sandbox_factory, sites_and_segments_catalog):
    # Tokens live 3 s (renewed 0.3 s early); the budget lets one request go every 2 s. A
    # request prepared with a fresh token that then waits 2 s for the budget would carry
    # a dead one: it must get the token of the moment it is sent.
    sandbox = sandbox_factory(rate_limit=False, kameleoon_token_lifetime=3.0)
    config = tap_config(sandbox, rate_limits=[{"requests": 1, "seconds": 2}])
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            sys.executable,
            "-m",
            "tap_kameleoon.tap",
            "--config",
            str(write_json(config, Path(tmp), "config.json")),
            "--catalog",
            str(write_json(sites_and_segments_catalog, Path(tmp), "catalog.json")),
        ]
        run = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)

    assert run.returncode == 0, run.stderr
    requests = vendor_requests(sandbox)
    assert [r.status for r in requests if r.status == 401] == []  # never an expired token
    assert all(r.auth_valid for r in requests if not r.path.endswith("/oauth/token"))
    assert len(vendor_requests(sandbox, "/oauth/token")) >= 2  # it did run out during the run
    assert "Kameleoon rejected the access token" not in run.stderr
