"""The Singer SDK's standard tap tests, in both statistics modes, against a sandbox.

The SDK builds each test class at import, with a config, to learn the streams it
parametrizes over (the mode decides the statistics stream); the sandbox does not run
yet, so that config only names a closed port. Each class's ``runner`` fixture, which every
standard test uses, is replaced by one configured for the sandbox started by
``trust_twin``: no module-level state is changed by a fixture, so the file passes alone,
in any order and on any pytest-xdist worker.
"""

from __future__ import annotations

import typing as t
from datetime import UTC, datetime, timedelta

import pytest
from singer_sdk.testing import TapTestRunner, get_tap_test_class

from tap_trust.tap import TapTrust
from vendor_sandbox import SandboxConfig, SandboxServer

CLOSED = "http://127.0.0.1:9/trust"  # never requested: see the module docstring
SNAPSHOT = {
    "client_id": "sandbox-trust-client",
    "client_secret": "sandbox-trust-secret",
    "company_ids": [101, 102],
    "api_url": f"{CLOSED}/api",
    "auth_url": f"{CLOSED}/atenea",
    "min_request_interval_seconds": 0,
}
HISTORY = {**SNAPSHOT, "statistics_mode": "history"}


@pytest.fixture(scope="module")
def trust_twin() -> t.Iterator[SandboxServer]:
    server = SandboxServer(SandboxConfig(now=datetime.now(UTC))).start()
    yield server
    server.stop()


def sandbox_runner(config: dict[str, t.Any], sandbox: SandboxServer, **extra: t.Any) -> TapTestRunner:
    base = sandbox.vendor_url("trust")
    runner = TapTestRunner(TapTrust, config={**config, "api_url": f"{base}/api", "auth_url": f"{base}/atenea", **extra})
    runner.sync_all()
    return runner


class TestTapTrustSnapshot(get_tap_test_class(tap_class=TapTrust, config=SNAPSHOT)):  # type: ignore[misc]
    @pytest.fixture(scope="class")
    @classmethod
    def runner(cls, trust_twin: SandboxServer) -> TapTestRunner:
        return sandbox_runner(SNAPSHOT, trust_twin)

    def test_the_sync_read_the_7_day_default_from_the_sandbox(self, runner, trust_twin) -> None:
        assert [r["company_id"] for r in runner.records["statistics_snapshots"]] == ["101", "102"]
        assert len(runner.records["campaigns"]) == 9  # 4 + 5
        assert any(r.path.endswith("/company/102/statistics") and r.query == {} for r in trust_twin.requests)


class TestTapTrustHistory(get_tap_test_class(tap_class=TapTrust, config=HISTORY)):  # type: ignore[misc]
    @pytest.fixture(scope="class")
    @classmethod
    def runner(cls, trust_twin: SandboxServer) -> TapTestRunner:
        return sandbox_runner(HISTORY, trust_twin, start_date=str(datetime.now(UTC).date() - timedelta(days=2)))

    def test_the_sync_read_each_day_through_the_range_search(self, runner, trust_twin) -> None:
        assert len(runner.records["daily_statistics"]) == 2 * 3
        assert any("start_date" in r.query for r in trust_twin.requests)
