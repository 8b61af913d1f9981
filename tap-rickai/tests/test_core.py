"""The Singer SDK's standard tap tests, against a strict sandbox (documented rate limits).

The SDK builds the test class at import, with a config, to learn the streams it
parametrizes over; the sandbox does not run yet, so that config only names a
closed port. The class's ``runner`` fixture, which every standard test uses, is
replaced by one configured for the sandbox started by ``strict_sandbox``: no
module-level state is changed by a fixture, so the file passes alone, in any
order and on any pytest-xdist worker.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from singer_sdk.testing import SuiteConfig, TapTestRunner, get_tap_test_class

from tap_rickai.tap import TapRickai
from vendor_sandbox import SandboxConfig, SandboxServer

# Enough records for several pages of 200 over two days.
SUITE_CONFIG = SuiteConfig(max_records_limit=500)
CLASS_CONFIG = {
    "company": "demo-company",
    "api_token": "sandbox-rickai-token",
    "api_url": "http://127.0.0.1:9/rickai",  # never requested: see the module docstring
}


@pytest.fixture(scope="module")
def strict_sandbox():
    server = SandboxServer(SandboxConfig(rickai_sessions_per_day=300)).start()
    yield server
    server.stop()


StandardTapTests = get_tap_test_class(tap_class=TapRickai, config=CLASS_CONFIG, suite_config=SUITE_CONFIG)


class TestTapRickai(StandardTapTests):
    @pytest.fixture(scope="class")
    @classmethod
    def runner(cls, strict_sandbox: SandboxServer) -> TapTestRunner:
        latest = strict_sandbox.rickai.window()[1]
        config = {
            **CLASS_CONFIG,
            "api_url": strict_sandbox.vendor_url("rickai"),
            "start_date": str(latest - timedelta(days=1)),
            "page_size": 200,
        }
        runner = TapTestRunner(TapRickai, config=config, suite_config=SUITE_CONFIG)
        runner.sync_all()
        return runner

    def test_the_sync_paged_through_the_sandbox_without_a_429(self, runner, strict_sandbox) -> None:
        assert runner.records["sessions"]
        stats = strict_sandbox.stats()["vendors"]["rickai"]
        assert stats["requests"] >= 3, stats  # 500 records in pages of 200
        assert stats["rate_limited_429"] == 0
