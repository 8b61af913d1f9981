"""pytest fixtures: `sandbox` (a fresh strict sandbox per test) and `sandbox_factory`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .config import SandboxConfig
from .server import SandboxServer

SandboxFactory = Callable[..., SandboxServer]


@pytest.fixture
def sandbox_factory() -> Iterator[SandboxFactory]:
    """Start sandboxes on free ports: `sandbox_factory(config=None, **SandboxConfig overrides)`.
    Every sandbox it started is stopped at teardown."""
    started: list[SandboxServer] = []

    def start(config: SandboxConfig | None = None, **overrides: Any) -> SandboxServer:
        config = dataclasses.replace(config or SandboxConfig(), **overrides)
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
