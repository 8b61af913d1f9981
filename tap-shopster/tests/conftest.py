"""Fixtures for tap-shopster tests; the sandbox fixtures come from vendor-testing."""

from __future__ import annotations

import pytest

from vendor_sandbox import SandboxServer


@pytest.fixture
def shopster(sandbox_factory) -> SandboxServer:
    """A strict sandbox (Shopster publishes no rate limit, so the sandbox enforces none)."""
    return sandbox_factory()
