"""Fixtures of the vendor-http tests; the helper modules beside them are imported by name."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from http_script import Script, scripted_server


@pytest.fixture
def http_script() -> Iterator[tuple[str, Script]]:
    """``(base_url, script)`` of a scripted HTTP server on a free port of 127.0.0.1."""
    with scripted_server() as server:
        yield server
