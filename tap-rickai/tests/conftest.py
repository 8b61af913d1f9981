"""Fixtures for tap-rickai tests; the sandbox fixtures come from vendor-testing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from vendor_sandbox import SandboxServer


@pytest.fixture
def latest(sandbox_factory) -> date:
    """Not a sandbox: today's latest day the Rick.ai API serves (32 hours ago)."""
    probe: SandboxServer = sandbox_factory()
    return probe.rickai.window()[1]


@pytest.fixture
def fast_sandbox(sandbox_factory) -> SandboxServer:
    """A sandbox without rate limits, for tests about something else."""
    return sandbox_factory(rate_limit=False, rickai_sessions_per_day=250)


def days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


@pytest.fixture(autouse=True, scope="session")
def lock_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The taps' lock files (one per sandbox and token) in a temporary directory, not ~/.cache."""
    previous = os.environ.get("VENDOR_HTTP_LOCK_DIR")
    os.environ["VENDOR_HTTP_LOCK_DIR"] = str(tmp_path_factory.mktemp("vendor-http-locks"))
    yield
    if previous is None:
        del os.environ["VENDOR_HTTP_LOCK_DIR"]
    else:
        os.environ["VENDOR_HTTP_LOCK_DIR"] = previous
