"""Helpers for target-calltouch-plans tests: run the real target against the real sandbox."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

from target_calltouch_plans.target import TargetCalltouchPlans
from vendor_testing.singer_testing import PluginRun, run_plugin

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

RESOURCES = Path(__file__).parent / "resources"
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "sandbox-calltouch-token"
SITE_ID = "12345"
FLAT_FIELDS = (
    "date_from",
    "date_to",
    "source",
    "medium",
    "campaign",
    "content",
    "keyword",
    "metric_type",
    "metric_name",
    "metric_value",
)


def target_config(sandbox: SandboxServer, **overrides: t.Any) -> dict[str, t.Any]:
    """Fast polls and retries against ``sandbox``; everything else as a user would have it."""
    return {
        "api_url": sandbox.vendor_url("calltouch"),
        "api_token": TOKEN,
        "site_id": SITE_ID,
        "poll_interval_seconds": 0.05,
        "poll_backoff_factor": 1.0,
        "poll_timeout_seconds": 30,
        "backoff_initial_seconds": 0.05,
        "backoff_max_seconds": 0.2,
        **overrides,
    }


def run_target(config: dict[str, t.Any], messages: Path | str, tmp_path: Path, *, process: bool = False) -> PluginRun:
    """``target-calltouch-plans --config … --input …`` in ``tmp_path``, output captured: in
    this process, or with ``process=True`` as a process of its own (see :func:`run_plugin`)."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    source = messages if isinstance(messages, Path) else RESOURCES / messages
    return run_plugin(
        TargetCalltouchPlans, ["--config", str(config_path), "--input", str(source)], cwd=tmp_path, process=process
    )


def states(stdout: str) -> list[dict[str, t.Any]]:
    """The STATE values the target emitted, in order."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def input_items(name: str | Path) -> list[dict[str, t.Any]]:
    """The records of a ``.singer`` file, in order."""
    path = name if isinstance(name, Path) else RESOURCES / name
    lines = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [line["record"] for line in lines if line["type"] == "RECORD"]


def flat_to_item(record: dict[str, t.Any]) -> dict[str, t.Any]:
    """The Calltouch item a valid flat record must become (written independently of the target)."""
    y, m, d = record["date_from"].split("-")
    y2, m2, d2 = record["date_to"].split("-")
    item: dict[str, t.Any] = {"dateFrom": f"{d}-{m}-{y}", "dateTo": f"{d2}-{m2}-{y2}"}
    for dimension in ("source", "medium", "campaign", "content", "keyword"):
        if record.get(dimension):
            item[dimension] = record[dimension]
    item["metric"] = {
        "type": record["metric_type"],
        "name": record["metric_name"],
        "value": int(record["metric_value"]),
    }
    return item


def canonical(items: t.Iterable[dict[str, t.Any]]) -> list[str]:
    """Items as sorted JSON strings, for order-free comparison."""
    return sorted(json.dumps(item, ensure_ascii=False, sort_keys=True) for item in items)


def write_messages(path: Path, records: list[dict[str, t.Any]], *, state_every: int = 0) -> Path:
    """A flat-shape ``.singer`` file of ``records`` with a STATE after every ``state_every``."""
    schema = {"type": "object", "properties": {f: {"type": ["string", "null"]} for f in FLAT_FIELDS}}
    lines: list[dict[str, t.Any]] = [{"type": "SCHEMA", "stream": "plans", "schema": schema, "key_properties": []}]
    for n, record in enumerate(records, start=1):
        lines.append({"type": "RECORD", "stream": "plans", "record": record})
        if state_every and n % state_every == 0:
            lines.append({"type": "STATE", "value": {"bookmarks": {"plans": {"rows": n}}}})
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def flat_plan(n: int, value: int | str | None = None) -> dict[str, t.Any]:
    """A distinct valid flat plan (campaign ``c{n}``)."""
    return {
        "date_from": "2026-12-01",
        "date_to": "2026-12-31",
        "source": "yandex",
        "medium": "cpc",
        "campaign": f"c{n:05d}",
        "metric_type": "Лиды",
        "metric_name": "Уникальные лиды",
        "metric_value": str(n + 1 if value is None else value),
    }


def calltouch_requests(sandbox: SandboxServer) -> list[tuple[str, int | None]]:
    """(path, status) of every Calltouch request the sandbox received."""
    return [(r.path, r.status) for r in sandbox.requests if r.vendor == "calltouch"]
