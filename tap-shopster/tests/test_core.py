"""The Singer SDK's standard tap tests, against a strict sandbox.

The sandbox starts when this module's fixture runs; the runner's config dict is
filled in then, before the SDK's class-scoped runner syncs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_shopster.tap import TapShopster
from vendor_sandbox import SandboxConfig, SandboxServer

CONFIG: dict = {
    "api_token": "sandbox-shopster-token",
    "api_url": "http://127.0.0.1:9/shopster",  # replaced by the fixture below
    "reports": [
        {"name": "malls", "objects": [101, 102]},
        {"name": "zones", "objects": [10111, 10112], "interval": "hourly", "comeback": "1 month"},
        {"name": "weekends", "objects": [1011], "interval": "weekend"},
    ],
    "min_request_interval_seconds": 0,
}


@pytest.fixture(scope="module", autouse=True)
def strict_sandbox():
    server = SandboxServer(SandboxConfig()).start()
    today = datetime.now(UTC).date()
    CONFIG.update(api_url=server.vendor_url("shopster"), start_date=str(today - timedelta(days=8)))
    yield server
    server.stop()


TestTapShopster = get_tap_test_class(
    tap_class=TapShopster,
    config=CONFIG,
    suite_config=SuiteConfig(max_records_limit=2000),
)


def test_standard_tests_ran_against_the_sandbox(strict_sandbox) -> None:
    # Runs after the class above in file order: the SDK's sync hit the sandbox.
    stats = strict_sandbox.stats()["vendors"]["shopster"]
    assert stats["requests"] >= 3, stats
    assert set(stats["by_status"]) == {"200"}
