"""The `sandbox` and `sandbox_factory` fixtures come from vendor-testing's pytest11 plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
