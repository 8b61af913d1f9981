"""pytest fixtures: `sandbox` (a fresh strict sandbox per test), `sandbox_factory`, and
`meltano` (the executable for end-to-end tests of the repository's Meltano project)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from vendor_sandbox import SandboxConfig, SandboxServer

from .meltano_testing import meltano_executable

SandboxFactory = Callable[..., SandboxServer]


@pytest.fixture
def sandbox_factory() -> Iterator[SandboxFactory]:
    """Start sandboxes on free ports: `sandbox_factory(config=None, **overrides)`, the overrides
    being core options (`now`, `rate_limit`, `faults`…) and vendor options as `<vendor>_<option>`
    (`rickai_sessions_per_day=50`). Every sandbox it started is stopped at teardown."""
    started: list[SandboxServer] = []

    def start(config: SandboxConfig | None = None, **overrides: Any) -> SandboxServer:
        config = (config or SandboxConfig()).replace(**overrides)
        server = SandboxServer(config).start()
        started.append(server)
        return server

    yield start
    for server in reversed(started):
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: SandboxFactory) -> SandboxServer:
    """A running sandbox with the default (strict) configuration on a free port."""
    return sandbox_factory()


@pytest.fixture
def meltano(pytestconfig: pytest.Config) -> Path:
    """``$MELTANO`` with the plugins of the project at the pytest root installed (else skip)."""
    return meltano_executable(pytestconfig.rootpath)
