"""`make demo`: the collection's jobs against the local sandbox, with a short summary.

Starts the vendor sandbox on a free loopback port and runs, in the ``sandbox``
environment (the sandbox's URL and demo credentials passed as environment
variables, as real ones would be):

1. ``meltano run tap-rickai target-duckdb-sdk`` (the main job),
2. ``meltano run tap-kameleoon target-duckdb-sdk``,
3. ``meltano run --full-refresh tap-spreadsheets target-calltouch-plans`` (plans/plans.csv),
4. ``meltano run tap-trust target-duckdb-sdk`` (campaigns and daily statistics, history mode),
5. ``meltano run tap-shopster target-duckdb-sdk`` (the reports of meltano.yml's sandbox environment),

then prints what landed in DuckDB and in the sandbox's Calltouch next to what the
sandbox served, and stops the sandbox. Run it again for an incremental run of the
taps: Meltano keeps their state in ``.meltano/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from sandbox_process import running_sandbox

ROOT = Path(__file__).resolve().parent.parent
MELTANO = os.environ.get("MELTANO", str(ROOT / ".venv-meltano" / "bin" / "meltano"))
ENVIRONMENT = "sandbox"
DEMO_TOKEN = "sandbox-rickai-token"  # noqa: S105 (the sandbox's public demo credential)
DEMO_COMPANY = "demo-company"
DEMO_DAYS = 30  # ~30 days (less the API's 32-hour delay), ~30 requests at 1 per second
KAMELEOON_SECRET = "sandbox-kameleoon-secret"  # noqa: S105 (the sandbox's public demo credential)
CALLTOUCH_TOKEN = "sandbox-calltouch-token"  # noqa: S105 (the sandbox's public demo credential)
TRUST_SECRET = "sandbox-trust-secret"  # noqa: S105 (the sandbox's public demo credential)
TRUST_DAYS = 14  # 14 days of daily statistics for 3 companies: ~45 requests
PLANS_DIMENSIONS = ("source", "medium", "campaign", "content", "keyword")
SHOPSTER_TOKEN = "sandbox-shopster-token"  # noqa: S105 (the sandbox's public demo credential)
SHOPSTER_DAYS = 14


def main() -> int:
    """Run the demo; return the exit code."""
    warehouse = Path(os.environ.get("TARGET_DUCKDB_SDK_FILEPATH", ROOT / "output" / f"{ENVIRONMENT}.duckdb"))
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with running_sandbox() as url:
        print(f"Sandbox running at {url}", flush=True)
        timings = {}
        jobs = (
            ("Rick.ai", run_rickai),
            ("Kameleoon", run_kameleoon),
            ("Calltouch plans", run_plans),
            ("Trust.lat", run_trust),
            ("Shopster", run_shopster),
        )
        for name, job in jobs:
            started = time.monotonic()
            returncode = job(url)
            timings[name] = time.monotonic() - started
            if returncode:
                print(f"{name}: meltano run failed with exit code {returncode}", file=sys.stderr)
                return returncode
        stats = fetch_json(f"{url}/_sandbox/stats")
        rickai_requests = fetch_json(f"{url}/_sandbox/requests?vendor=rickai")["requests"]
        kameleoon_served = fetch_json(f"{url}/_sandbox/kameleoon/served")["served"]
        plans = fetch_json(f"{url}/_sandbox/calltouch/plans")["plans"]
        imports = fetch_json(f"{url}/_sandbox/calltouch/imports")["imports"]
        trust_requests = fetch_json(f"{url}/_sandbox/requests?vendor=trust")["requests"]
        shopster_served = shopster_served_per_report(url)
    print("\nSummary (meltano run took " + ", ".join(f"{n}: {s:.0f} s" for n, s in timings.items()) + ")")
    print_warehouse(warehouse)
    print_served(stats, rickai_requests)
    print_kameleoon_served(stats, kameleoon_served)
    print_imported_plans(plans, imports)
    print_trust_served(stats, trust_requests, warehouse)
    print_shopster(warehouse, shopster_served)
    return 0


def run_meltano(*plugins: str, env: dict[str, str], full_refresh: bool = False) -> int:
    """``meltano --environment=sandbox run [--full-refresh] PLUGINS`` with ``env`` added."""
    command = [MELTANO, f"--environment={ENVIRONMENT}", "run", *(["--full-refresh"] if full_refresh else []), *plugins]
    print("\n$ meltano " + " ".join(command[1:]), flush=True)
    env = {**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", **env}
    return subprocess.run(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, check=False).returncode


def run_rickai(url: str) -> int:
    """``meltano run tap-rickai target-duckdb-sdk`` against the sandbox at ``url``."""
    env = {
        "TAP_RICKAI_API_URL": f"{url}/rickai",
        "TAP_RICKAI_API_TOKEN": DEMO_TOKEN,
        "TAP_RICKAI_COMPANY": DEMO_COMPANY,
        "TAP_RICKAI_START_DATE": _days_ago(DEMO_DAYS),
    }
    return run_meltano("tap-rickai", "target-duckdb-sdk", env=env)


def run_kameleoon(url: str) -> int:
    """``meltano run tap-kameleoon target-duckdb-sdk``; meltano.yml's sandbox environment sets the
    demo client id, 14 days of history and short polls, the secret comes from the environment."""
    env = {"TAP_KAMELEOON_API_URL": f"{url}/kameleoon", "TAP_KAMELEOON_CLIENT_SECRET": KAMELEOON_SECRET}
    return run_meltano("tap-kameleoon", "target-duckdb-sdk", env=env)


def run_plans(url: str) -> int:
    """``meltano run tap-spreadsheets target-calltouch-plans``: plans/plans.csv into the sandbox's Calltouch.

    ``--full-refresh``: the tap skips a file it has read before (it bookmarks the file's
    modification time), and every demo starts a fresh sandbox, so the demo imports the
    sample file again each time.
    """
    env = {"TARGET_CALLTOUCH_PLANS_API_URL": f"{url}/calltouch", "TARGET_CALLTOUCH_PLANS_API_TOKEN": CALLTOUCH_TOKEN}
    return run_meltano("tap-spreadsheets", "target-calltouch-plans", env=env, full_refresh=True)


def run_trust(url: str) -> int:
    """``meltano run tap-trust target-duckdb-sdk``; meltano.yml's sandbox environment sets the demo
    client id, the companies and history mode, the secret and the sandbox's URLs come from here."""
    env = {
        "TAP_TRUST_API_URL": f"{url}/trust/api",
        "TAP_TRUST_AUTH_URL": f"{url}/trust/atenea",
        "TAP_TRUST_CLIENT_SECRET": TRUST_SECRET,
        "TAP_TRUST_START_DATE": _days_ago(TRUST_DAYS - 1),
    }
    return run_meltano("tap-trust", "target-duckdb-sdk", env=env)


def run_shopster(url: str) -> int:
    """``meltano run tap-shopster target-duckdb-sdk``; the reports come from meltano.yml's sandbox environment."""
    env = {
        "TAP_SHOPSTER_API_URL": f"{url}/shopster",
        "TAP_SHOPSTER_API_TOKEN": SHOPSTER_TOKEN,
        "TAP_SHOPSTER_START_DATE": _days_ago(SHOPSTER_DAYS),
    }
    return run_meltano("tap-shopster", "target-duckdb-sdk", env=env)


def shopster_reports() -> list[dict[str, Any]]:
    """The reports of tap-shopster in meltano.yml's sandbox environment."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (environment,) = (e for e in project["environments"] if e["name"] == ENVIRONMENT)
    (tap,) = (p for p in environment["config"]["plugins"]["extractors"] if p["name"] == "tap-shopster")
    return list(tap["config"]["reports"])


def shopster_served_per_report(url: str) -> dict[str, dict[str, Any]]:
    """Per report: the distinct rows the sandbox's Shopster served and how it keyed its answers."""
    result = {}
    for report in shopster_reports():
        query = urllib.parse.urlencode(
            {"objects": ",".join(map(str, report["objects"])), "interval": report.get("interval", "daily")}
        )
        served = fetch_json(f"{url}/_sandbox/shopster/served?{query}")
        keys = {len(answer["keys"]) for answer in served["answers"]}
        result[report["name"]] = {**served, "keyed": "per group" if keys == {1} else "per object"}
    return result


def _days_ago(days: int) -> str:
    """The UTC date ``days`` days before today, as YYYY-MM-DD."""
    return (datetime.now(UTC) - timedelta(days=days)).date().isoformat()


def fetch_json(url: str) -> Any:
    """GET ``url`` (a sandbox admin endpoint) and decode its JSON body."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        return json.load(response)


def print_warehouse(warehouse: Path) -> None:
    """Rows per table and the dates covered, from the DuckDB file."""
    print(f"  DuckDB file: {warehouse}")
    with duckdb.connect(str(warehouse), read_only=True) as db:
        tables = db.execute("select table_schema, table_name from information_schema.tables order by 1, 2").fetchall()
        for schema, table in tables:
            print(f"  {schema}.{table}: {_describe_table(db, schema, table)}")


def _describe_table(db: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """``N rows`` and, for a table with a ``date`` column, the days it covers."""
    name = f'"{schema}"."{table}"'
    (rows,) = db.execute(f"select count(*) from {name}").fetchone() or (0,)  # noqa: S608
    columns = db.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    if ("date",) not in columns:
        return f"{rows:,} rows"
    first, last, days = db.execute(
        f'select min("date"), max("date"), count(distinct "date") from {name}'  # noqa: S608
    ).fetchone() or (None, None, 0)
    return f"{rows:,} rows, {days} days from {first} to {last}"


def print_served(stats: dict[str, Any], requests: list[dict[str, Any]]) -> None:
    """What the sandbox's Rick.ai API served during this run."""
    rickai = stats.get("vendors", {}).get("rickai", {})
    statuses = ", ".join(f"{n} × {s}" for s, n in sorted(rickai.get("by_status", {}).items()))
    print("  Sandbox (Rick.ai) served this run:")
    print(f"    requests: {rickai.get('requests', 0)} ({statuses or 'none'})")
    print(f"    sessions: {rickai.get('items_served', 0):,}")
    print(f"    429s: {rickai.get('rate_limited_429', 0)} from the rate limiter, {rickai.get('fault_429', 0)} injected")
    days = sorted({r["query"].get("start", "") for r in requests} - {""})
    if days:
        print(f"    days requested: {len(days)}, {days[0]} to {days[-1]}")


def print_kameleoon_served(stats: dict[str, Any], served: list[dict[str, Any]]) -> None:
    """What the sandbox's Kameleoon API served: requests, and the audience data of READY polls."""
    kameleoon = stats.get("vendors", {}).get("kameleoon", {})
    statuses = ", ".join(f"{n} × {s}" for s, n in sorted(kameleoon.get("by_status", {}).items()))
    print("  Sandbox (Kameleoon) served this run:")
    print(f"    requests: {kameleoon.get('requests', 0)} ({statuses or 'none'}), token and polls included")
    print(f"    429s: {kameleoon.get('rate_limited_429', 0)} from the rate limiter")
    windows = {(s["siteId"], s["startDate"]): s for s in served}
    print(
        f"    audience data (distinct site windows): {len(windows)} global, "
        f"{sum(s['segmentStats'] for s in windows.values())} segment, "
        f"{sum(s['periodStats'] for s in windows.values())} period (days), "
        f"{sum(s['breakdownStats'] for s in windows.values())} breakdown rows"
    )


def print_imported_plans(plans: list[dict[str, Any]], imports: list[dict[str, Any]]) -> None:
    """The plans the sandbox's Calltouch holds after the run, and its imports."""
    done = ", ".join(f"#{i['importLogId']} {i['status']} ({i['items']} items, {i['polls']} checks)" for i in imports)
    print(f"  Sandbox (Calltouch) holds {len(plans)} plan(s); imports: {done or 'none'}")
    for plan in plans:
        metric = plan["metric"]
        where = " / ".join(f"{d}={plan[d]}" for d in PLANS_DIMENSIONS if plan.get(d))
        what = f"{metric['type']} «{metric['name']}» = {metric['value']:,}"
        print(f"    {plan['dateFrom']}…{plan['dateTo']}  {where}: {what}")


def print_trust_served(stats: dict[str, Any], requests: list[dict[str, Any]], warehouse: Path) -> None:
    """What the sandbox's Trust.lat served (Atenea included), and the funnel that landed in DuckDB."""
    trust = stats.get("vendors", {}).get("trust", {})
    statuses = ", ".join(f"{n} × {s}" for s, n in sorted(trust.get("by_status", {}).items()))
    by_endpoint = {"token": 0, "campaign": 0, "statistics": 0}
    for request in requests:
        for endpoint in by_endpoint:
            by_endpoint[endpoint] += request["path"].rstrip("/").endswith(endpoint)
    print("  Sandbox (Trust.lat) served this run:")
    print(
        f"    requests: {trust.get('requests', 0)} ({statuses or 'none'}): "
        + ", ".join(f"{n} {endpoint}" for endpoint, n in by_endpoint.items())
    )
    days = sorted({r["query"].get("start_date", "") for r in requests} - {""})
    companies = sorted({r["path"].split("/company/")[1].split("/")[0] for r in requests if "/company/" in r["path"]})
    if days:
        print(f"    days searched: {len(days)}, {days[0]} to {days[-1]}, companies {', '.join(companies)}")
    with duckdb.connect(str(warehouse), read_only=True) as db:
        total, sended, received, pressed = db.execute(
            "select sum(total), sum(sended), sum(received), sum(press_action) from tap_trust.daily_statistics"
        ).fetchone() or (0, 0, 0, 0)
    funnel = f"{total:,} scheduled, {sended:,} sent, {received:,} received, {pressed:,} pressed"
    print(f"    daily funnel in the warehouse (tap_trust.daily_statistics): {funnel}")


def print_shopster(warehouse: Path, served: dict[str, dict[str, Any]]) -> None:
    """Rows loaded per Shopster report next to the distinct rows the sandbox served."""
    print("  Shopster reports (rows in DuckDB / distinct rows the sandbox served this run; a later run asks only")
    print("  for the lookback, so there the warehouse holds more than that run served):")
    with duckdb.connect(str(warehouse), read_only=True) as db:
        loaded = dict(db.execute("select report, count(*) from tap_shopster.group_datetime group by 1").fetchall())
    for name, entry in served.items():
        requests = len(entry["answers"])
        print(
            f"    {name}: {loaded.get(name, 0):,} rows loaded / {entry['distinct_rows']:,} served "
            f"in {requests} request(s), answers keyed {entry['keyed']}"
        )


if __name__ == "__main__":
    sys.exit(main())
