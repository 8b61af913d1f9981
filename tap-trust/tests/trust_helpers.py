"""Run tap-trust against a sandbox and compare what it emitted with what the sandbox holds."""

from __future__ import annotations

import sys
import tempfile
import typing as t
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tap_trust.tap import TapTrust
from vendor_testing.singer_testing import parse_messages, run_plugin, write_json

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

CLIENT_ID = "sandbox-trust-client"
CLIENT_SECRET = "sandbox-trust-secret"
COMPANIES = ("101", "102", "103")
TAP = [sys.executable, "-m", "tap_trust.tap"]


def today() -> date:
    return datetime.now(UTC).date()


def tap_config(sandbox: SandboxServer, **overrides: t.Any) -> dict[str, t.Any]:
    """Settings pointing at ``sandbox``'s Atenea and API, with fast requests and retries for tests."""
    base = sandbox.vendor_url("trust")
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "company_ids": [101, 102, 103],
        "api_url": f"{base}/api",
        "auth_url": f"{base}/atenea",
        "min_request_interval_seconds": 0,
        "backoff_initial_seconds": 0.05,
        "backoff_max_seconds": 0.5,
        "request_timeout_seconds": 10,
        **overrides,
    }


def history_config(sandbox: SandboxServer, days: int = 5, **overrides: t.Any) -> dict[str, t.Any]:
    """History mode over the last ``days`` days (today included)."""
    start = today() - timedelta(days=days - 1)
    return tap_config(sandbox, statistics_mode="history", start_date=str(start), **overrides)


@dataclass
class TapRun:
    """One finished run of the tap."""

    returncode: int
    stdout: str
    stderr: str
    messages: list[dict[str, t.Any]] = field(default_factory=list)

    def records(self, stream: str) -> list[dict[str, t.Any]]:
        return [m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream]

    @property
    def states(self) -> list[dict[str, t.Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    def bookmarks(self, stream: str = "daily_statistics") -> dict[str, str | None]:
        """Company → the last bookmark of ``stream``."""
        if not self.states:
            return {}
        parts = self.states[-1]["bookmarks"].get(stream, {}).get("partitions", [])
        return {p["context"]["company_id"]: p.get("replication_key_value") for p in parts}


def run_tap(config: dict[str, t.Any], *, state: dict[str, t.Any] | None = None, process: bool = False) -> TapRun:
    """``tap-trust --config … [--state …]`` to completion: in this process, or with
    ``process=True`` as a process of its own (see :func:`run_plugin`): where the process is the
    point, e.g. secrets masked in log lines, which are registered process-wide."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["--config", str(write_json(config, Path(tmp), "config.json"))]
        if state is not None:
            args += ["--state", str(write_json(state, Path(tmp), "state.json"))]
        result = run_plugin(TapTrust, args, process=process)
    return TapRun(result.returncode, result.stdout, result.stderr, parse_messages(result.stdout))


def expected_daily(sandbox: SandboxServer, start: date, end: date) -> dict[tuple[str, str], dict[str, t.Any]]:
    """(company, day) → the funnel the sandbox holds now, in the tap's columns."""
    rows = {}
    for company in COMPANIES:
        for day in sandbox.trust.daily(int(company), start, end):
            rows[(company, day["date"])] = as_columns(day)
    return rows


def as_columns(data: dict[str, t.Any]) -> dict[str, t.Any]:
    """The sandbox's statistics ``data`` as the tap's flat columns."""
    actions = data["actions"]
    return {
        "total": data["total"],
        "sended": data["sended"],
        "pending": data["pending"],
        "fails": data["fails"],
        "campaign": data["campaign"],
        "received": actions["RECEIVED"],
        "press_action": actions["PRESS_ACTION"],
        "closed": actions["CLOSED"],
        "unknown": actions["UNKNOWN"],
    }


FUNNEL_COLUMNS = ("total", "sended", "pending", "fails", "campaign", "received", "press_action", "closed", "unknown")


def funnel_of(record: dict[str, t.Any]) -> dict[str, t.Any]:
    return {key: record[key] for key in FUNNEL_COLUMNS}


def vendor_requests(sandbox: SandboxServer, endpoint: str | None = None) -> list[t.Any]:
    """The sandbox's log of Trust.lat requests (optionally to ``token``, ``statistics`` or ``campaign``)."""
    suffix = {"token": "/oauth/token/", "statistics": "/statistics", "campaign": "/campaign", None: ""}[endpoint]
    return [r for r in sandbox.requests if r.vendor == "trust" and r.path.endswith(suffix)]
