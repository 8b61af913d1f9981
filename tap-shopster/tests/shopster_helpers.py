"""Run tap-shopster against a sandbox (in this process or as a process), and what the sandbox holds."""

from __future__ import annotations

import sys
import tempfile
import typing as t
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from singer_sdk.io_base import SingerWriter

from tap_shopster.tap import TapShopster
from vendor_sandbox.vendors.shopster.rules import parse_query
from vendor_testing.singer_testing import parse_messages, run_plugin, write_json

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

TOKEN = "sandbox-shopster-token"
TAP = [sys.executable, "-m", "tap_shopster.tap"]
MALLS = {"name": "malls", "objects": [101, 102]}


def today() -> date:
    return datetime.now(UTC).date()


def tap_config(sandbox: SandboxServer, *reports: dict[str, t.Any], **overrides: t.Any) -> dict[str, t.Any]:
    """Settings pointing at ``sandbox`` (by default the report ``malls``), fast for tests."""
    return {
        "api_url": sandbox.vendor_url("shopster"),
        "api_token": TOKEN,
        "reports": list(reports) or [MALLS],
        "start_date": str(today() - timedelta(days=9)),
        "min_request_interval_seconds": 0,
        "backoff_initial_seconds": 0.05,
        "backoff_max_seconds": 0.2,
        "request_timeout_seconds": 10,
        **overrides,
    }


@dataclass
class TapRun:
    """One finished run of the tap: what it wrote."""

    messages: list[dict[str, t.Any]]
    returncode: int = 0
    stderr: str = ""
    stdout: str = ""

    @property
    def records(self) -> list[dict[str, t.Any]]:
        return [m["record"] for m in self.messages if m["type"] == "RECORD"]

    @property
    def states(self) -> list[dict[str, t.Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    def bookmarks(self) -> dict[str, str]:
        """Report → its bookmark in the last STATE."""
        if not self.states:
            return {}
        parts = self.states[-1]["bookmarks"].get("group_datetime", {}).get("partitions", [])
        return {p["context"]["report"]: p.get("replication_key_value") for p in parts}


class Collected(SingerWriter):
    """Keeps the Singer messages an in-process tap writes."""

    def __init__(self) -> None:
        self.messages: list[dict[str, t.Any]] = []

    def write_message(self, message: t.Any) -> None:
        self.messages.append(message.to_dict())


def sync(config: dict[str, t.Any], state: dict[str, t.Any] | None = None) -> TapRun:
    """Run the tap in this process (failures raise as they are)."""
    writer = Collected()
    tap = TapShopster(config=config, state=state, message_writer=writer, parse_env_config=False)
    tap.sync_all()
    return TapRun(writer.messages)


def run_tap(config: dict[str, t.Any], *, state: dict[str, t.Any] | None = None, process: bool = False) -> TapRun:
    """``tap-shopster --config … [--state …]`` to completion, as the command line runs it: in
    this process, or with ``process=True`` as a process of its own (see :func:`run_plugin`)."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["--config", str(write_json(config, Path(tmp), "config.json"))]
        if state is not None:
            args += ["--state", str(write_json(state, Path(tmp), "state.json"))]
        result = run_plugin(TapShopster, args, process=process)
    return TapRun(parse_messages(result.stdout), result.returncode, result.stderr, result.stdout)


def query(report: dict[str, t.Any], start: date, end: date) -> dict[str, str]:
    """The group_datetime query of ``report`` (top-level defaults) for ``start..end``."""
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "objects": ",".join(map(str, report["objects"])),
        "interval": report.get("interval", "daily"),
        "comeback": report.get("comeback", "2 week"),
        "bounce_threshold": report.get("bounce_threshold", "5 minute"),
        "engagement_threshold": report.get("engagement_threshold", "20 minute"),
    }


def truth(sandbox: SandboxServer, report: dict[str, t.Any], start: date, end: date) -> dict[tuple[int, str, str], dict]:
    """What the sandbox holds for ``report`` over ``start..end`` (one request, as the sandbox
    answers it): (answer key, user type, datetime) → row."""
    answer = sandbox.shopster.answer(parse_query(query(report, start, end)))
    return {
        (int(key), user_type, row["datetime"]): row
        for key, per_type in answer.items()
        for user_type, rows in per_type.items()
        for row in rows
    }


def emitted(records: list[dict[str, t.Any]], report: str) -> dict[tuple[int, str, str], dict]:
    """The records of ``report`` by (object_id, user type, datetime), as the sandbox's rows."""
    fields = (
        "datetime",
        "count_session",
        "count_client",
        "avg_session_duration",
        "count_comeback_client",
        "sum_session_duration",
        "user_type",
    )
    return {
        (r["object_id"], r["user_type"], r["datetime"]): {name: r[name] for name in fields}
        for r in records
        if r["report"] == report
    }


def shopster_requests(sandbox: SandboxServer) -> list[t.Any]:
    """The sandbox's log of Shopster requests, in arrival order."""
    return [r for r in sandbox.requests if r.vendor == "shopster"]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
