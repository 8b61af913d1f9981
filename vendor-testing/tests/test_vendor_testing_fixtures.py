"""The fixtures and helpers of vendor-testing, used as the plugins' tests use them."""

from __future__ import annotations

import pytest

from vendor_sandbox import SandboxServer
from vendor_testing.pytest_plugin import SandboxFactory
from vendor_testing.singer_testing import parse_messages, write_json


def test_sandbox_is_a_running_strict_sandbox(sandbox: SandboxServer) -> None:
    assert sandbox.url.startswith("http://127.0.0.1:")
    assert sandbox.config.rate_limit is True
    assert sandbox.config.rickai_min_interval == 1.0


def test_factory_takes_core_and_vendor_options(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(rate_limit=False, rickai_sessions_per_day=5, calltouch_import_seconds=0)
    assert (server.config.rate_limit, server.config.rickai_sessions_per_day) == (False, 5)
    assert server.config.calltouch_import_seconds == 0
    again = sandbox_factory(server.config, kameleoon_poll_outcome="error")
    assert again.config.kameleoon_poll_outcome == "error" and again.config.rickai_sessions_per_day == 5
    assert server.config.kameleoon_poll_outcome == "ready"  # the config passed in is not changed
    assert again.port != server.port


def test_factory_refuses_an_unknown_option(sandbox_factory: SandboxFactory) -> None:
    with pytest.raises(TypeError, match="rickai_no_such_option"):
        sandbox_factory(rickai_no_such_option=1)


def test_parse_messages_drops_a_torn_last_line(tmp_path) -> None:
    path = write_json({"type": "RECORD"}, tmp_path, "one.json")
    text = path.read_text(encoding="utf-8") + "\n" + '{"type": "STA'
    assert parse_messages(text) == [{"type": "RECORD"}]
