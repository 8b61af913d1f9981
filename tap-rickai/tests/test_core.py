"""The Singer SDK's standard tap tests, against a strict sandbox.

The sandbox starts when this module's fixture runs; the runner's config dict is
filled in then, before the SDK's class-scoped runner syncs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_rickai.tap import TapRickai
from vendor_sandbox import SandboxConfig, SandboxServer

CONFIG: dict = {
    "company": "demo-company",
    "api_token": "sandbox-rickai-token",
    "api_url": "http://127.0.0.1:9/rickai",  # replaced by the fixture below
    "page_size": 200,
}


@pytest.fixture(scope="module", autouse=True)
def strict_sandbox():
    server = SandboxServer(SandboxConfig(rickai_sessions_per_day=300)).start()
    latest = server.rickai.window()[1]
    CONFIG.update(api_url=server.vendor_url("rickai"), start_date=str(latest - timedelta(days=1)))
    yield server
    server.stop()


TestTapRickai = get_tap_test_class(
    tap_class=TapRickai,
    config=CONFIG,
    # Enough records for several pages of 200 over two days.
    suite_config=SuiteConfig(max_records_limit=500),
)


def test_standard_tests_ran_against_the_sandbox_without_a_429(strict_sandbox) -> None:
    # Runs after the class above in file order: the SDK's sync hit the sandbox.
    stats = strict_sandbox.stats()["vendors"]["rickai"]
    assert stats["requests"] >= 3, stats  # 500 records in pages of 200
    assert stats["rate_limited_429"] == 0
