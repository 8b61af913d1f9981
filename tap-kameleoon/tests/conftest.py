"""Fixtures for tap-kameleoon tests; the sandbox fixtures come from vendor-testing."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import pytest
from kameleoon_helpers import AUDIENCE_STREAMS, TAP

from vendor_sandbox import SandboxServer
from vendor_testing.singer_testing import write_json


@pytest.fixture
def fast_sandbox(sandbox_factory) -> SandboxServer:
    """A sandbox without rate limits whose data codes are READY at the second poll."""
    return sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=1)


@pytest.fixture(scope="session")
def sites_and_segments_catalog() -> dict:
    """The discovered catalog with the audience streams deselected: a run is token, /sites, /segments/search."""
    config = {"api_url": "http://127.0.0.1:9/kameleoon", "client_id": "x", "client_secret": "y"}
    with tempfile.TemporaryDirectory() as tmp:
        args = [*TAP, "--config", str(write_json(config, Path(tmp), "config.json")), "--discover"]
        catalog = json.loads(subprocess.run(args, capture_output=True, text=True, timeout=60, check=True).stdout)
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] not in AUDIENCE_STREAMS
    return catalog
