"""Fixtures for tap-trust tests; the sandbox fixtures come from vendor-testing."""

from __future__ import annotations

import typing as t
from datetime import UTC, datetime

import pytest

from vendor_sandbox import SandboxServer


@pytest.fixture
def trust_sandbox(sandbox_factory) -> t.Callable[..., SandboxServer]:
    """``sandbox_factory`` with the sandbox's clock pinned to now: its "today" is the tap's, and
    today's statistics (which grow with the time of day) stay what they were when served."""

    def start(**options: t.Any) -> SandboxServer:
        return sandbox_factory(now=datetime.now(UTC), **options)

    return start


@pytest.fixture
def fast_sandbox(trust_sandbox) -> SandboxServer:
    """A sandbox with the documented defaults, for tests about something else."""
    return trust_sandbox()
