"""`make bench`: a first tap-kameleoon run, 5 sites × 8 windows, jobs that take a fixed time.

The sandbox enforces Kameleoon's documented 50 requests per 10 s and 1,000 per hour per
account, and every data code answers WAITING for `--job-seconds` after its request (then
READY). Contenders, each on a fresh sandbox, the same catalog (sites and the four audience
streams), 2-day windows:

- before: the sequential tap (one window at a time, its defaults: the two enforced limits),
  taken from git at BEFORE;
- now: this tap with its defaults (4 data codes in flight, the enforced limits plus
  Kameleoon's guidance of a dozen requests a minute);
- now, enforced limits only: the same without the guidance window (the overlap alone).

Each is measured from its first request to its last and held against its floor, the
larger of (a) the jobs: ceil(windows / in flight) × job time, and (b) the requests: the
fewest a run can make (token, sites, and per window its request and one status check)
spread over the budget's sliding windows. Goal for "now": within 1.5 × its floor, zero
429s. Exit code 1 if it is missed.

Durations are real seconds; `--time-scale 0.1` (the default) runs everything ten times
faster (job time, rate windows, poll intervals, all scaled alike) so the bench takes
minutes instead of an hour, and reports the real-time equivalents.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from vendor_sandbox import SandboxConfig, SandboxServer

ROOT = Path(__file__).resolve().parents[1]
#: The last commit of the sequential tap (one window at a time).
BEFORE = "3041a9f"
CLIENT_ID, CLIENT_SECRET = "sandbox-kameleoon-client", "sandbox-kameleoon-secret"
ENFORCED = ((50, 10.0), (1000, 3600.0))
GUIDANCE = (12, 60.0)
IN_FLIGHT = 4  # the tap's default max_data_codes_in_flight
SITES, WINDOWS, WINDOW_DAYS = 5, 8, 2
GOAL = 1.5
SELECTED = ("sites", "audience_global_stats", "audience_segment_stats", "audience_period_stats")
SELECTED += ("audience_breakdown_stats",)


@dataclass
class Run:
    name: str
    limits: tuple[tuple[int, float], ...]
    in_flight: int
    busy: float = 0.0
    wall: float = 0.0
    requested: int = 0
    checks: int = 0
    total: int = 0
    rejected: int = 0
    busiest_minute: int = 0
    windows: int = 0


def floor_seconds(run: Run, job_seconds: float, windows: int) -> tuple[float, float, int]:
    """(jobs floor, requests floor, fewest requests) in real seconds."""
    jobs = math.ceil(windows / run.in_flight) * job_seconds
    fewest = 2 + 2 * windows  # token, sites; per window its request and one check
    spread = max((math.ceil(fewest / n) - 1) * seconds for n, seconds in run.limits)
    return jobs, spread, fewest


def catalog(command: list[str], env: dict[str, str], config: Path) -> dict:
    """The tap's discovered catalog with only SELECTED streams selected."""
    found = subprocess.run([*command, "--config", str(config), "--discover"], env=env, capture_output=True, check=True)
    document = json.loads(found.stdout)
    for stream in document["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] in SELECTED
    return document


def before_package(tmp: Path) -> Path | None:
    """The sequential tap's package from git at BEFORE, or None without git history."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", BEFORE, "tap-kameleoon/tap_kameleoon"], capture_output=True, check=False
    )
    if archive.returncode != 0:
        return None
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(tmp / "before", filter="data")
    return tmp / "before" / "tap-kameleoon"


def measure(run: Run, args: argparse.Namespace, tmp: Path, pythonpath: Path | None = None) -> Run:
    scale = args.time_scale
    sandbox_config = SandboxConfig(
        seed=42,
        kameleoon_sites=SITES,
        kameleoon_polls_until_ready=0,
        kameleoon_waiting_seconds=args.job_seconds * scale,
        kameleoon_rate_windows=tuple((n, s * scale) for n, s in ENFORCED),
    )
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    settings = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "start_date": str(yesterday - timedelta(days=WINDOWS * WINDOW_DAYS - 1)),
        "window_days": WINDOW_DAYS,
        "lookback_days": 0,
        "rate_limits": [{"requests": n, "seconds": s * scale} for n, s in run.limits],
        # The tap's poll defaults (1 s first, × 2, at most 30 s) and retry waits, scaled.
        "poll_interval_seconds": 1.0 * scale,
        "poll_max_interval_seconds": 30.0 * scale,
        "poll_timeout_seconds": 1800.0 * scale,
        "backoff_initial_seconds": 1.0 * scale,
        "backoff_max_seconds": 60.0 * scale,
    }
    if pythonpath is None:
        settings["max_data_codes_in_flight"] = run.in_flight
    env = {**os.environ, **({"PYTHONPATH": str(pythonpath)} if pythonpath else {})}
    command = [sys.executable, "-m", "tap_kameleoon.tap"]
    with SandboxServer(sandbox_config) as sandbox:
        settings["api_url"] = sandbox.vendor_url("kameleoon")
        config = tmp / f"{run.name}.json"
        config.write_text(json.dumps(settings), encoding="utf-8")
        selection = tmp / f"{run.name}.catalog.json"
        selection.write_text(json.dumps(catalog(command, env, config)), encoding="utf-8")
        sandbox.reset_log()
        started = time.perf_counter()
        result = subprocess.run(
            [*command, "--config", str(config), "--catalog", str(selection)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=4 * 3600,
        )
        run.wall = (time.perf_counter() - started) / scale
        if result.returncode != 0:
            sys.exit(f"{run.name} failed:\n{result.stderr[-3000:]}")
        records = [r for r in sandbox.requests if r.vendor == "kameleoon"]
        arrivals = sorted(r.arrived for r in records)
        run.busy = (max(r.finished or r.arrived for r in records) - arrivals[0]) / scale
        run.requested = sum(1 for r in records if r.path.endswith("/audiences/global"))
        run.checks = sum(1 for r in records if r.path.endswith("/audiences/poll"))
        run.total = len(records)
        run.rejected = sandbox.stats()["vendors"]["kameleoon"]["rate_limited_429"]
        minute = GUIDANCE[1] * scale
        run.busiest_minute = max(sum(1 for b in arrivals if a <= b < a + minute) for a in arrivals)
        run.windows = len({(s["siteId"], s["startDate"]) for s in sandbox.kameleoon.served})
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job-seconds", type=float, default=30.0, help="how long each data code stays WAITING")
    parser.add_argument("--time-scale", type=float, default=0.1, help="run this many times real time (1 = real)")
    parser.add_argument("--skip-before", action="store_true", help="leave out the sequential tap from git")
    args = parser.parse_args()
    windows = SITES * WINDOWS
    runs = []
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        package = None if args.skip_before else before_package(tmp)
        contenders = [
            (Run("now", (*ENFORCED, GUIDANCE), IN_FLIGHT), None),
            (Run("now, enforced limits only", ENFORCED, IN_FLIGHT), None),
        ]
        if package is not None:
            contenders.insert(0, (Run(f"before ({BEFORE}, sequential)", ENFORCED, 1), package))
        for run, pythonpath in contenders:
            print(f"running {run.name}...", flush=True)
            runs.append(measure(run, args, tmp, pythonpath))

    print(
        f"\ntap-kameleoon, first run: {SITES} sites × {WINDOWS} windows of {WINDOW_DAYS} days, each job WAITING "
        f"{args.job_seconds:.0f} s; sandbox limits 50/10 s and 1,000/h per account"
    )
    if args.time_scale != 1:
        print(f"(run at {args.time_scale:g} × real time; every figure below is in real-time seconds)")
    columns = ("seconds", 8), ("floor", 7), ("× floor", 8), ("requests", 9), ("checks/window", 14), ("429s", 5)
    print(f"{'':34} " + " ".join(f"{name:>{width}}" for name, width in columns) + f" {'max/min':>8}")
    ok = False
    for run in runs:
        jobs, spread, fewest = floor_seconds(run, args.job_seconds, windows)
        floor = max(jobs, spread)
        ratio = run.busy / floor
        print(
            f"{run.name:34} {run.busy:8.0f} {floor:7.0f} {ratio:8.2f} {run.total:9} "
            f"{run.checks / max(run.windows, 1):14.2f} {run.rejected:5} {run.busiest_minute:8}"
        )
        print(
            f"{'':34} floor = max(jobs: ⌈{windows}/{run.in_flight}⌉ × {args.job_seconds:.0f} s = {jobs:.0f} s, "
            f"requests: {fewest} within {', '.join(f'{n}/{s:g} s' for n, s in run.limits)} = {spread:.0f} s)"
        )
        if run.windows != windows:
            print(f"  {run.name}: only {run.windows} of {windows} windows served")
        if run.name == "now":
            ok = ratio <= GOAL and run.rejected == 0 and run.windows == windows and run.busiest_minute <= GUIDANCE[0]
    before = next((r for r in runs if r.name.startswith("before")), None)
    now = next(r for r in runs if r.name == "now")
    if before is not None:
        print(f"now vs before: {before.busy / now.busy:.1f} × faster, {before.total - now.total} fewer requests")
    print(f"goal for now: ≤ {GOAL} × floor, zero 429s, ≤ {GUIDANCE[0]} requests a minute: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
