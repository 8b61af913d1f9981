"""Fixtures of the vendor-http tests; the helper modules beside them are imported by name."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from http_script import Script, scripted_server

from vendor_http import redaction


@pytest.fixture
def http_script() -> Iterator[tuple[str, Script]]:
    """``(base_url, script)`` of a scripted HTTP server on a free port of 127.0.0.1."""
    with scripted_server() as server:
        yield server


@pytest.fixture(autouse=True)
def no_logging_hook_outlives_a_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A plugin installs the process's redacting log record factory; take it away after the test.

    Otherwise a factory installed by one test masks the records of the next, and a test
    of the redaction itself passes whatever the code it tests does.
    """
    factory = logging.getLogRecordFactory()
    monkeypatch.setattr(redaction, "_factory_installed", redaction._factory_installed)
    try:
        yield
    finally:
        logging.setLogRecordFactory(factory)
