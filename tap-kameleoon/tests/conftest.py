"""Fixtures for tap-kameleoon tests; the sandbox fixtures come from vendor-testing."""

from __future__ import annotations

import pytest

from vendor_sandbox import SandboxServer


@pytest.fixture
def fast_sandbox(sandbox_factory) -> SandboxServer:
    """A sandbox without rate limits whose data codes are READY at the second poll."""
    return sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=1)
