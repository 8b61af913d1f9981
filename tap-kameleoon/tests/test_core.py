"""The Singer SDK's standard tap tests, against a strict sandbox (documented rate limits).

The SDK builds the test class at import, with a config, to learn the streams it
parametrizes over; the sandbox does not run yet, so that config only names a
closed port. The class's ``runner`` fixture, which every standard test uses, is
replaced by one configured for the sandbox started by ``strict_sandbox``: no
module-level state is changed by a fixture, so the file passes alone, in any
order and on any pytest-xdist worker.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from singer_sdk.testing import TapTestRunner, get_tap_test_class

from tap_kameleoon.tap import TapKameleoon
from vendor_sandbox import SandboxConfig, SandboxServer

CLASS_CONFIG = {
    "client_id": "sandbox-kameleoon-client",
    "client_secret": "sandbox-kameleoon-secret",
    "api_url": "http://127.0.0.1:9/kameleoon",  # never requested: see the module docstring
}


@pytest.fixture(scope="module")
def strict_sandbox():
    server = SandboxServer(SandboxConfig(kameleoon_polls_until_ready=1)).start()
    yield server
    server.stop()


StandardTapTests = get_tap_test_class(tap_class=TapKameleoon, config=CLASS_CONFIG)


class TestTapKameleoon(StandardTapTests):
    @pytest.fixture(scope="class")
    @classmethod
    def runner(cls, strict_sandbox: SandboxServer) -> TapTestRunner:
        config = {
            **CLASS_CONFIG,
            "api_url": strict_sandbox.vendor_url("kameleoon"),
            "start_date": str(datetime.now(UTC).date() - timedelta(days=3)),
            "window_days": 2,
            "poll_interval_seconds": 0.05,
            "poll_max_interval_seconds": 0.2,
            # The limits the strict sandbox enforces; the default's guidance window (a dozen
            # a minute, not enforced) would make the SDK's sync wait for a minute.
            "rate_limits": [{"requests": 50, "seconds": 10}, {"requests": 1000, "seconds": 3600}],
        }
        runner = TapTestRunner(TapKameleoon, config=config)
        runner.sync_all()
        return runner

    def test_the_sync_read_audiences_from_the_sandbox_without_a_429(self, runner, strict_sandbox) -> None:
        assert runner.records["audience_global_stats"]
        assert len(strict_sandbox.kameleoon.served) >= 4  # two windows of two sites, READY
        assert strict_sandbox.stats()["vendors"]["kameleoon"]["rate_limited_429"] == 0
