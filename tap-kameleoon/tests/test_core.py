"""The Singer SDK's standard tap tests, against a strict sandbox (documented rate limits).

The sandbox starts when this module's fixture runs; the runner's config dict is
filled in then, before the SDK's class-scoped runner syncs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from singer_sdk.testing import get_tap_test_class

from tap_kameleoon.tap import TapKameleoon
from vendor_sandbox import SandboxConfig, SandboxServer

CONFIG: dict = {
    "client_id": "sandbox-kameleoon-client",
    "client_secret": "sandbox-kameleoon-secret",
    "api_url": "http://127.0.0.1:9/kameleoon",  # replaced by the fixture below
    "start_date": str(datetime.now(UTC).date() - timedelta(days=3)),
    "window_days": 2,
    "poll_interval_seconds": 0.05,
    "poll_max_interval_seconds": 0.2,
    # The limits the strict sandbox enforces; the default's guidance window (a dozen a
    # minute, not enforced) would make each of the SDK's syncs wait for a minute.
    "rate_limits": [{"requests": 50, "seconds": 10}, {"requests": 1000, "seconds": 3600}],
}


@pytest.fixture(scope="module", autouse=True)
def strict_sandbox():
    server = SandboxServer(SandboxConfig(kameleoon_polls_until_ready=1)).start()
    CONFIG.update(api_url=server.vendor_url("kameleoon"))
    yield server
    server.stop()


TestTapKameleoon = get_tap_test_class(tap_class=TapKameleoon, config=CONFIG)


def test_standard_tests_ran_against_the_sandbox_without_a_429(strict_sandbox) -> None:
    # Runs after the class above in file order: the SDK's sync hit the sandbox.
    stats = strict_sandbox.stats()["vendors"]["kameleoon"]
    assert len(strict_sandbox.kameleoon.served) >= 4  # two windows of two sites, READY
    assert stats["rate_limited_429"] == 0
