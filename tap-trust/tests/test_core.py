"""The Singer SDK's standard tap tests, in both statistics modes, against a sandbox.

The sandbox starts when this module's fixture runs; the runners' config dicts are filled in
then, before the SDK's class-scoped runners sync.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from singer_sdk.testing import get_tap_test_class

from tap_trust.tap import TapTrust
from vendor_sandbox import SandboxConfig, SandboxServer

BASE: dict = {
    "client_id": "sandbox-trust-client",
    "client_secret": "sandbox-trust-secret",
    "company_ids": [101, 102],
    "min_request_interval_seconds": 0,
}
SNAPSHOT: dict = {**BASE}
HISTORY: dict = {
    **BASE,
    "statistics_mode": "history",
    "start_date": str(datetime.now(UTC).date() - timedelta(days=2)),
}


@pytest.fixture(scope="module", autouse=True)
def sandbox():
    server = SandboxServer(SandboxConfig()).start()
    for config in (SNAPSHOT, HISTORY):
        config.update(api_url=f"{server.vendor_url('trust')}/api", auth_url=f"{server.vendor_url('trust')}/atenea")
    yield server
    server.stop()


TestTapTrustSnapshot = get_tap_test_class(tap_class=TapTrust, config=SNAPSHOT)
TestTapTrustHistory = get_tap_test_class(tap_class=TapTrust, config=HISTORY)


def test_standard_tests_ran_against_the_sandbox(sandbox) -> None:
    # Runs after the classes above in file order: the SDK's syncs hit the sandbox, in both modes.
    paths = {record.path for record in sandbox.requests}
    assert any(path.endswith("/company/102/campaign") for path in paths)
    queries = [record.query for record in sandbox.requests if record.path.endswith("/statistics")]
    assert {} in queries and any("start_date" in query for query in queries)
