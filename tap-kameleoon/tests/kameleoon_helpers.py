"""Run tap-kameleoon against a sandbox and read what it emitted."""

from __future__ import annotations

import sys
import tempfile
import typing as t
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tap_kameleoon.tap import TapKameleoon
from vendor_testing.singer_testing import parse_messages, run_plugin, write_json

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

CLIENT_ID = "sandbox-kameleoon-client"
CLIENT_SECRET = "sandbox-kameleoon-secret"
TAP = [sys.executable, "-m", "tap_kameleoon.tap"]
AUDIENCE_STREAMS = (
    "audience_global_stats",
    "audience_segment_stats",
    "audience_period_stats",
    "audience_breakdown_stats",
)


def yesterday() -> date:
    return datetime.now(UTC).date() - timedelta(days=1)


def tap_config(sandbox: SandboxServer, **overrides: t.Any) -> dict[str, t.Any]:
    """Settings pointing at ``sandbox``, with fast polls and retries for tests."""
    return {
        "api_url": sandbox.vendor_url("kameleoon"),
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "start_date": str(yesterday() - timedelta(days=6)),
        "window_days": 7,
        "poll_interval_seconds": 0.02,
        "poll_backoff_factor": 2,
        "poll_max_interval_seconds": 0.2,
        "poll_timeout_seconds": 20,
        "backoff_initial_seconds": 0.05,
        "backoff_max_seconds": 0.5,
        "request_timeout_seconds": 10,
        # The sandbox of most tests has no rate limits; the budget test sets its own.
        "rate_limits": [{"requests": 10_000, "seconds": 1}],
        **overrides,
    }


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

    def partitions(self) -> dict[int, dict[str, t.Any]]:
        """Site id → the last state partition of audience_global_stats."""
        if not self.states:
            return {}
        parts = self.states[-1]["bookmarks"].get("audience_global_stats", {}).get("partitions", [])
        return {p["context"]["siteId"]: p for p in parts}


def run_tap(config: dict[str, t.Any], *, state: dict[str, t.Any] | None = None, process: bool = False) -> TapRun:
    """``tap-kameleoon --config … [--state …]`` to completion: in this process, or with
    ``process=True`` as a process of its own (see :func:`run_plugin`)."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["--config", str(write_json(config, Path(tmp), "config.json"))]
        if state is not None:
            args += ["--state", str(write_json(state, Path(tmp), "state.json"))]
        result = run_plugin(TapKameleoon, args, process=process)
    return TapRun(result.returncode, result.stdout, result.stderr, parse_messages(result.stdout))


def windows(start: date, end: date, days: int) -> list[tuple[datetime, datetime]]:
    """The tap's windows for [start, end] aligned from start (``[first, after)``, UTC)."""
    result = []
    cell = start
    while cell <= end:
        after = min(cell + timedelta(days=days), end + timedelta(days=1))
        result.append(
            (
                datetime(cell.year, cell.month, cell.day, tzinfo=UTC),
                datetime(after.year, after.month, after.day, tzinfo=UTC),
            )
        )
        cell += timedelta(days=days)
    return result


def expected_rows(sandbox: SandboxServer, start: date, end: date, days: int, level: str = "VISITOR") -> dict[str, int]:
    """Rows per audience stream the sandbox holds for every site of the default account."""
    data = sandbox.kameleoon.data
    counts = dict.fromkeys(AUDIENCE_STREAMS, 0)
    for site in data.sites(0):
        for first, after in windows(start, end, days):
            payload = data.payload(site["id"], first, after, level)
            counts["audience_global_stats"] += 1
            counts["audience_segment_stats"] += len(payload["segmentStats"])
            counts["audience_period_stats"] += len(payload["periodStats"])
            breakdowns = payload["breakdownData"].values()
            counts["audience_breakdown_stats"] += sum(len(items) for part in breakdowns for items in part.values())
    return counts


def vendor_requests(sandbox: SandboxServer, path: str | None = None) -> list[t.Any]:
    """The sandbox's log of Kameleoon requests (optionally to one path), in arrival order."""
    return [r for r in sandbox.requests if r.vendor == "kameleoon" and (path is None or r.path.endswith(path))]
