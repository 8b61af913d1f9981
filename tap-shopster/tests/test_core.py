"""The Singer SDK's standard tap tests, against a strict sandbox.

The SDK builds the test class at import, with a config, to learn the streams it
parametrizes over; the sandbox does not run yet, so that config only names a closed
port. The class's ``runner`` fixture, which every standard test uses, is replaced by
one configured for the sandbox started by ``strict_sandbox``: no module-level state is
changed by a fixture, so the file passes alone, in any order and on any worker.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from singer_sdk.testing import SuiteConfig, TapTestRunner, get_tap_test_class

from tap_shopster.tap import TapShopster
from vendor_sandbox import SandboxConfig, SandboxServer

SUITE_CONFIG = SuiteConfig(max_records_limit=2000)
CLASS_CONFIG = {
    "api_token": "sandbox-shopster-token",
    "api_url": "http://127.0.0.1:9/shopster",  # never requested: see the module docstring
    "reports": [
        {"name": "malls", "objects": [101, 102]},
        {"name": "zones", "objects": [10111], "interval": "hourly", "comeback": "1 month"},
        {"name": "weekends", "objects": [1011], "interval": "weekend"},
    ],
    "min_request_interval_seconds": 0,
}


@pytest.fixture(scope="module")
def strict_sandbox():
    server = SandboxServer(SandboxConfig()).start()
    yield server
    server.stop()


StandardTapTests = get_tap_test_class(tap_class=TapShopster, config=CLASS_CONFIG, suite_config=SUITE_CONFIG)


class TestTapShopster(StandardTapTests):
    @pytest.fixture(scope="class")
    @classmethod
    def runner(cls, strict_sandbox: SandboxServer) -> TapTestRunner:
        today = datetime.now(UTC).date()
        config = {
            **CLASS_CONFIG,
            "api_url": strict_sandbox.vendor_url("shopster"),
            "start_date": str(today - timedelta(days=8)),
        }
        runner = TapTestRunner(TapShopster, config=config, suite_config=SUITE_CONFIG)
        runner.sync_all()
        return runner

    def test_the_sync_read_every_report_from_the_sandbox(self, runner, strict_sandbox) -> None:
        assert {r["report"] for r in runner.records["group_datetime"]} == {"malls", "zones", "weekends"}
        stats = strict_sandbox.stats()["vendors"]["shopster"]
        assert stats["requests"] >= 3, stats
        assert set(stats["by_status"]) == {"200"}
