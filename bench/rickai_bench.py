"""`make bench`: tap-rickai against a plain requests + msgspec script, then the whole pipeline.

Both extract the same days from the same sandbox (strict limits: one request at
a time, one per second) with 100,000-session pages and write one Singer RECORD
line per session to /dev/null. Reported per contender: records/s (wall clock),
CPU seconds, peak RSS; then the ratio and the goals (ratio >= 0.6, tap RSS <=
150 MiB).

Then the same days through ``meltano run tap-rickai target-duckdb-sdk`` (the
default warehouse, into a throwaway DuckDB file, Meltano's state untouched):
rows in DuckDB against the sandbox's truth (goal: none lost), records/s, the
peak of the whole process tree's memory (goal: <= 500 MiB) and each process's
CPU seconds and peak RSS (where the time and memory go). Exit code 1 if a goal
is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scripts"))
from pipeline_bench import PipelineResult, print_pipeline, run_pipeline  # noqa: E402
from sandbox_process import running_sandbox  # noqa: E402

COMPANY, TOKEN = "demo-company", "sandbox-rickai-token"
GOAL_RATIO, GOAL_RSS_MIB = 0.6, 150


@dataclass
class Result:
    name: str
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float
    records: int

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds


def admin(url: str, path: str, method: str = "GET") -> dict:
    request = urllib.request.Request(f"{url}/_sandbox/{path}", method=method)  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return json.load(response)


def served_items(url: str) -> int:
    return int(admin(url, "stats")["vendors"].get("rickai", {}).get("items_served", 0))


def measure(name: str, command: list[str], url: str) -> Result:
    """Run ``command`` with stdout to /dev/null; wall, CPU and peak RSS of that process."""
    before = served_items(url)
    started = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        process = subprocess.Popen(command, stdout=devnull, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{name} failed:\n{stderr[-3000:]}")
    time.sleep(1.1)  # let the next contender start under the 1 req/s limit
    return Result(
        name=name,
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=usage.ru_maxrss / 1024,
        records=served_items(url) - before,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200_000, help="at least this many sessions")
    parser.add_argument("--sessions-per-day", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100_000)
    args = parser.parse_args()

    days = math.ceil(args.sessions / args.sessions_per_day) + 1  # ±20% per day
    with running_sandbox("--rickai-sessions-per-day", str(args.sessions_per_day)) as url:
        now = datetime.fromisoformat(admin(url, "clock")["now"].replace("Z", "+00:00"))
        last = (now - timedelta(hours=32)).date()  # the latest day Rick.ai serves
        first = last - timedelta(days=days - 1)
        span = f"company={COMPANY}&start={first}&end={last}"
        truth = admin(url, f"rickai/truth?{span}")
        while truth["total"] < args.sessions:
            first -= timedelta(days=1)
            span = f"company={COMPANY}&start={first}&end={last}"
            truth = admin(url, f"rickai/truth?{span}")
        print(f"Rendering {truth['total']:,} sessions ({first}..{last}) in the sandbox...", flush=True)
        admin(url, f"rickai/warm?{span}", method="POST")

        config = {
            "api_url": f"{url}/rickai",
            "company": COMPANY,
            "api_token": TOKEN,
            "start_date": str(first),
            "end_date": str(last),
            "page_size": args.page_size,
        }
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(config, handle)
        python = sys.executable
        results = [
            measure("tap-rickai", [python, "-m", "tap_rickai.tap", "--config", handle.name], url),
            measure(
                "requests+msgspec",
                [
                    python,
                    str(HERE / "plain_extract.py"),
                    f"{url}/rickai",
                    COMPANY,
                    TOKEN,
                    str(first),
                    str(last),
                    str(args.page_size),
                ],
                url,
            ),
        ]
        os.unlink(handle.name)
        stats = admin(url, "stats")["vendors"]["rickai"]
        time.sleep(1.1)
        pipeline: PipelineResult = run_pipeline(config, truth["total"])

    tap, plain = results
    ratio = tap.records_per_second / plain.records_per_second
    print(
        f"\n{truth['total']:,} sessions over {days} days, pages of {args.page_size:,}, "
        f"sandbox limits: 1 request in flight, 1 per second"
    )
    print(f"{'':18} {'records':>9} {'seconds':>8} {'records/s':>10} {'CPU s':>7} {'µs CPU/rec':>10} {'peak RSS':>10}")
    for r in results:
        print(
            f"{r.name:18} {r.records:9,} {r.seconds:8.1f} {r.records_per_second:10,.0f} "
            f"{r.cpu_seconds:7.1f} {r.cpu_seconds / r.records * 1e6:10.1f} {r.peak_rss_mib:7.0f} MiB"
        )
    print(f"\nratio tap/plain records/s: {ratio:.2f} (goal >= {GOAL_RATIO})")
    print(f"tap peak RSS: {tap.peak_rss_mib:.0f} MiB (goal <= {GOAL_RSS_MIB} MiB)")
    print(f"429 responses from the sandbox: {stats['rate_limited_429']}")
    pipeline_ok = print_pipeline(pipeline, tap.records_per_second)
    ok = (
        ratio >= GOAL_RATIO
        and tap.peak_rss_mib <= GOAL_RSS_MIB
        and stats["rate_limited_429"] == 0
        and tap.records == plain.records == truth["total"]
        and pipeline_ok
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
