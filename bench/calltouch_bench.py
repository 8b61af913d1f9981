"""`make bench`: 10,000 plan items through target-calltouch-plans against the strict sandbox.

The sandbox enforces Calltouch's documented 5 requests per second per IP and answers an
import's status `success` one second after its add (`calltouch_import_seconds`). The
target runs with its defaults (4 requests per second, 100 items per import, 10 imports
in flight). Reported: items/s, the requests used (adds and status checks), the share of
the rate budget used, and rate-limit rejections.

"The items/s the budget allows": every import needs at least two requests (its add and
one status check), so with R requests per second and 100 items per import the ceiling is
R / 2 × 100 items/s (200 items/s at the default R = 4). Goals: ≥ 80 % of that ceiling,
zero 429s. Exit code 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vendor_sandbox import SandboxConfig, SandboxServer

TOKEN, SITE_ID = "sandbox-calltouch-token", "12345"
ITEMS_PER_IMPORT, MIN_REQUESTS_PER_IMPORT = 100, 2
GOAL_SHARE = 0.8
FIELDS = ("date_from", "date_to", "source", "medium", "campaign", "metric_type", "metric_name", "metric_value")


def write_plans(path: Path, count: int) -> None:
    """``count`` distinct flat plans, a STATE every 1,000."""
    schema = {"type": "object", "properties": {f: {"type": ["string", "null"]} for f in FIELDS}}
    with path.open("w", encoding="utf-8") as file:
        file.write(json.dumps({"type": "SCHEMA", "stream": "plans", "schema": schema, "key_properties": []}) + "\n")
        for n in range(count):
            record = {
                "date_from": "2026-12-01",
                "date_to": "2026-12-31",
                "source": "yandex",
                "medium": "cpc",
                "campaign": f"campaign-{n:06d}",
                "metric_type": "Площадки",
                "metric_name": "Клики",
                "metric_value": str(n),
            }
            line = {"type": "RECORD", "stream": "plans", "record": record}
            file.write(json.dumps(line, ensure_ascii=False) + "\n")
            if (n + 1) % 1000 == 0:
                file.write(json.dumps({"type": "STATE", "value": {"bookmarks": {"plans": {"rows": n + 1}}}}) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=4, help="the target's max_requests_per_second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(SandboxConfig()) as sandbox:
        messages, config = Path(tmp) / "plans.singer", Path(tmp) / "config.json"
        write_plans(messages, args.items)
        settings = {
            "api_url": sandbox.vendor_url("calltouch"),
            "api_token": TOKEN,
            "site_id": SITE_ID,
            "max_requests_per_second": args.rate,
        }
        config.write_text(json.dumps(settings), encoding="utf-8")
        command = [sys.executable, "-m", "target_calltouch_plans.target", "--config", str(config)]
        started = time.perf_counter()
        result = subprocess.run(
            [*command, "--input", str(messages)], capture_output=True, text=True, check=False, timeout=3600
        )
        wall = time.perf_counter() - started
        if result.returncode != 0:
            print(result.stderr[-3000:], file=sys.stderr)
            return 1
        records = [r for r in sandbox.requests if r.vendor == "calltouch"]
        busy = max(r.finished or r.arrived for r in records) - min(r.arrived for r in records)
        adds = sum(1 for r in records if r.path.endswith("/add"))
        polls = sum(1 for r in records if r.path.endswith("/status"))
        rejected = sandbox.stats()["vendors"]["calltouch"]["rate_limited_429"]
        imported = len(sandbox.calltouch.imported_plans())

    ceiling = args.rate / MIN_REQUESTS_PER_IMPORT * ITEMS_PER_IMPORT
    # A one-second window lets `rate` requests go at once, so `busy` seconds hold at most
    # rate × (busy + 1) requests: that is the budget the run is measured against.
    budget_seconds = busy + 1.0
    items_per_second = args.items / budget_seconds
    share = items_per_second / ceiling
    budget_share = len(records) / (args.rate * budget_seconds)
    print(f"target-calltouch-plans: {args.items:,} plan items, {imported:,} held by the sandbox")
    print(f"  {busy:.1f} s from the first to the last request ({wall:.1f} s with start-up and reading)")
    print(f"  {items_per_second:.1f} items/s (over those seconds + the 1 s window); the budget allows {ceiling:.0f}")
    print(f"    ({args.rate} requests/s / {MIN_REQUESTS_PER_IMPORT} requests per import × {ITEMS_PER_IMPORT} items)")
    print(f"  requests: {len(records)} ({adds} adds, {polls} status checks, {polls / max(adds, 1):.2f} per import)")
    print(f"  rate budget used: {budget_share:.0%} of {args.rate} requests/s; rate-limit rejections: {rejected}")
    ok = share >= GOAL_SHARE and rejected == 0 and imported == args.items
    print(f"  goal ≥ {GOAL_SHARE:.0%} of the allowed items/s, zero 429s: {'met' if ok else 'MISSED'} ({share:.0%})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
