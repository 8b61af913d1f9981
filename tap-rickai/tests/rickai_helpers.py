"""Run tap-rickai against a sandbox and read what it emitted."""

from __future__ import annotations

import sys
import tempfile
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from tap_rickai.tap import TapRickai
from vendor_testing.singer_testing import parse_messages, run_plugin, write_json

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

COMPANY = "demo-company"
TOKEN = "sandbox-rickai-token"
TAP = [sys.executable, "-m", "tap_rickai.tap"]


def tap_config(sandbox: SandboxServer, **overrides: t.Any) -> dict[str, t.Any]:
    """Settings pointing at ``sandbox``, with fast retries for tests."""
    return {
        "api_url": sandbox.vendor_url("rickai"),
        "company": COMPANY,
        "api_token": TOKEN,
        "page_size": 100,
        "backoff_initial_seconds": 0.2,
        "backoff_max_seconds": 1.0,
        "request_timeout_seconds": 10,
        **overrides,
    }


@dataclass
class TapRun:
    """One finished run of the tap."""

    returncode: int
    stdout: str
    stderr: str
    messages: list[dict[str, t.Any]] = field(default_factory=list)

    @property
    def records(self) -> list[dict[str, t.Any]]:
        return [m["record"] for m in self.messages if m["type"] == "RECORD"]

    @property
    def states(self) -> list[dict[str, t.Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    @property
    def bookmark(self) -> str | None:
        states = self.states
        if not states:
            return None
        return states[-1]["bookmarks"]["sessions"].get("replication_key_value")


def run_tap(config: dict[str, t.Any], *, state: dict[str, t.Any] | None = None, process: bool = False) -> TapRun:
    """``tap-rickai --config … [--state …]`` to completion: in this process, or with
    ``process=True`` as a process of its own (see :func:`run_plugin`)."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["--config", str(write_json(config, Path(tmp), "config.json"))]
        if state is not None:
            args += ["--state", str(write_json(state, Path(tmp), "state.json"))]
        result = run_plugin(TapRickai, args, process=process)
    return TapRun(result.returncode, result.stdout, result.stderr, parse_messages(result.stdout))


def truth_keys(sandbox: SandboxServer, start: t.Any, end: t.Any) -> set[tuple[str, int, str]]:
    """Primary keys of every session the sandbox holds in [start, end]."""
    return {tuple(key) for key in sandbox.rickai.keys(COMPANY, start, end)}  # type: ignore[misc]


def record_keys(records: list[dict[str, t.Any]]) -> list[tuple[str, int, str]]:
    return [(r["client_id"], r["session_count"], r["date"]) for r in records]


def session_requests(sandbox: SandboxServer) -> list[t.Any]:
    """The sandbox's log of Rick.ai session requests, in arrival order."""
    return [r for r in sandbox.requests if r.vendor == "rickai"]
