"""Fixtures for tap-trust tests; the sandbox fixtures come from vendor-testing."""

from __future__ import annotations

import pytest

from vendor_sandbox import SandboxServer


@pytest.fixture
def fast_sandbox(sandbox_factory) -> SandboxServer:
    """A sandbox on the real clock (the tap's "today" is the sandbox's) for tests about something else."""
    return sandbox_factory()
