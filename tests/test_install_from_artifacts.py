"""Every plugin installs from its built artifacts plus the package index alone, on every
Python its metadata claims, and works there: `--about` and one sync against the sandbox.

The wheels are built with `uv build` and installed as files into fresh virtual environments
outside the repository (one per plugin, as pipx or Meltano would), their dependencies from
PyPI. Each plugin runs from its environment's own folder, with `python -I` for the import
check, so nothing of this repository's source tree can be imported. The sandbox runs in
this test process (the `sandbox_factory` fixture); the plugins talk to it over HTTP.
"""

from __future__ import annotations

import json
import subprocess
import typing as t
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from publishing import (
    Artifacts,
    build,
    claimed_pythons,
    clean_env,
    fresh_venv,
    imported_from,
    interpreter,
    plugins,
    published,
    pyproject,
)

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

SandboxFactory = t.Callable[..., "SandboxServer"]
PLUGINS = plugins()
PYTHONS = claimed_pythons(PLUGINS[0])


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    return build(published(), tmp_path_factory.mktemp("dist"))


def run(command: list[str | Path], cwd: Path, **kwargs: t.Any) -> subprocess.CompletedProcess[str]:
    """A plugin command with no access to this repository (its own folder, a clean environment)."""
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=300, **kwargs
    )
    assert result.returncode == 0, f"{command[0]} failed:\n{result.stderr[-4000:]}"
    return result


def write_config(path: Path, config: dict[str, t.Any]) -> Path:
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _records(stdout: str) -> dict[str, list[dict[str, t.Any]]]:
    """A tap's Singer output: its records, per stream."""
    records: dict[str, list[dict[str, t.Any]]] = {}
    for message in map(json.loads, stdout.splitlines()):
        if message["type"] == "RECORD":
            records.setdefault(message["stream"], []).append(message["record"])
    return records


# One sandbox sync per plugin: the taps' output is checked against the sandbox's truth, the
# targets' against what landed (a DuckDB file, the sandbox's Calltouch).


def sync_rickai_into_duckdb(bins: dict[str, Path], sandbox_factory: SandboxFactory, tmp: Path) -> None:
    """tap-rickai | target-duckdb-sdk, each from its own environment: every session lands."""
    sandbox = sandbox_factory(rickai_sessions_per_day=40)
    last = sandbox.rickai.window()[1] - timedelta(days=1)
    first = last - timedelta(days=1)
    tap = write_config(
        tmp / "rickai.json",
        {
            "api_url": sandbox.vendor_url("rickai"),
            "company": "demo-company",
            "api_token": "sandbox-rickai-token",
            "start_date": first.isoformat(),
            "end_date": last.isoformat(),
        },
    )
    singer = run([bins["tap-rickai"] / "tap-rickai", "--config", tap], cwd=tmp).stdout
    warehouse = tmp / "warehouse.duckdb"
    target = write_config(tmp / "duckdb.json", {"filepath": str(warehouse), "default_target_schema": "tap_rickai"})
    run([bins["target-duckdb-sdk"] / "target-duckdb-sdk", "--config", target], cwd=tmp, input=singer)

    with duckdb.connect(str(warehouse), read_only=True) as db:
        loaded = dict(db.execute('select "date"::varchar, count(*) from tap_rickai.sessions group by 1').fetchall())
    truth = {day["date"]: day["sessions"] for day in sandbox.rickai.truth("demo-company", first, last)["days"]}
    assert loaded == truth
    assert sum(truth.values()) > 0


def sync_kameleoon(bins: dict[str, Path], sandbox_factory: SandboxFactory, tmp: Path) -> None:
    """tap-kameleoon: every site and segment, and audience statistics for each site."""
    sandbox = sandbox_factory()
    config = write_config(
        tmp / "kameleoon.json",
        {
            "api_url": sandbox.vendor_url("kameleoon"),
            "client_id": "sandbox-kameleoon-client",
            "client_secret": "sandbox-kameleoon-secret",
            "start_date": (datetime.now(UTC).date() - timedelta(days=7)).isoformat(),  # one window
            "poll_interval_seconds": "0.05",  # as text, the way Meltano passes it from the environment
            "poll_max_interval_seconds": 0.2,
        },
    )
    records = _records(run([bins["tap-kameleoon"] / "tap-kameleoon", "--config", config], cwd=tmp).stdout)
    (account,) = sandbox.kameleoon.truth()["accounts"]
    assert sorted(site["code"] for site in records["sites"]) == sorted(site["code"] for site in account["sites"])
    assert len(records["segments"]) == sum(account["segments"].values())
    assert {record["siteId"] for record in records["audience_global_stats"]} == {
        site["id"] for site in account["sites"]
    }


def sync_plans_into_calltouch(bins: dict[str, Path], sandbox_factory: SandboxFactory, tmp: Path) -> None:
    """target-calltouch-plans: two plan records imported and confirmed by the sandbox's Calltouch."""
    sandbox = sandbox_factory()
    config = write_config(
        tmp / "calltouch.json",
        {
            "api_url": sandbox.vendor_url("calltouch"),
            "api_token": "sandbox-calltouch-token",
            "site_id": "12345",
            "poll_interval_seconds": 0.05,
        },
    )
    fields = ("date_from", "date_to", "source", "medium", "campaign", "metric_type", "metric_name", "metric_value")
    schema = {"type": "object", "properties": {name: {"type": ["string", "null"]} for name in fields}}
    plans = [
        {"date_from": "2026-12-01", "date_to": "2026-12-31", "source": "yandex", "medium": "cpc", "campaign": campaign}
        | {"metric_type": "Лиды", "metric_name": "Уникальные лиды", "metric_value": value}
        for campaign, value in (("installed-a", "11"), ("installed-b", "12"))
    ]
    messages = [{"type": "SCHEMA", "stream": "plans", "schema": schema, "key_properties": []}]
    messages += [{"type": "RECORD", "stream": "plans", "record": plan} for plan in plans]
    stdin = "".join(json.dumps(message, ensure_ascii=False) + "\n" for message in messages)
    run([bins["target-calltouch-plans"] / "target-calltouch-plans", "--config", config], cwd=tmp, input=stdin)

    imported = {(p["campaign"], p["metric"]["value"]) for p in sandbox.calltouch.imported_plans()}
    assert imported == {("installed-a", 11), ("installed-b", 12)}


def sync_trust(bins: dict[str, Path], sandbox_factory: SandboxFactory, tmp: Path) -> None:
    """tap-trust (snapshot mode): every company's campaigns, and one 7-day snapshot per company."""
    sandbox = sandbox_factory(now=datetime.now(UTC))  # the sandbox's today is the tap's
    base = sandbox.vendor_url("trust")
    config = write_config(
        tmp / "trust.json",
        {
            "api_url": f"{base}/api",
            "auth_url": f"{base}/atenea",
            "client_id": "sandbox-trust-client",
            "client_secret": "sandbox-trust-secret",
            "company_ids": [101, 102],
            "min_request_interval_seconds": "0.01",  # as text, the way Meltano passes it from the environment
        },
    )
    records = _records(run([bins["tap-trust"] / "tap-trust", "--config", config], cwd=tmp).stdout)
    truth = sandbox.trust.truth({})["companies"]
    assert sorted((c["company_id"], c["uuid"]) for c in records["campaigns"]) == sorted(
        (company, c["uuid"]) for company in ("101", "102") for c in truth[company]["campaigns"]
    )
    today = datetime.now(UTC).date()
    assert [s["company_id"] for s in records["statistics_snapshots"]] == ["101", "102"]
    for snapshot in records["statistics_snapshots"]:
        week = sandbox.trust.daily(int(snapshot["company_id"]), today - timedelta(days=6), today)
        assert snapshot["total"] == sum(day["total"] for day in week)


def sync_shopster(bins: dict[str, Path], sandbox_factory: SandboxFactory, tmp: Path) -> None:
    """tap-shopster: one daily report of two malls, every row the sandbox holds for its days."""
    from vendor_sandbox.vendors.shopster.rules import parse_query

    sandbox = sandbox_factory()
    end = datetime.now(UTC).date() - timedelta(days=1)  # the default end: yesterday
    start = end - timedelta(days=2)
    config = write_config(
        tmp / "shopster.json",
        {
            "api_url": sandbox.vendor_url("shopster"),
            "api_token": "sandbox-shopster-token",
            "reports": [{"name": "malls", "objects": [101, 102]}],
            "start_date": start.isoformat(),
            "min_request_interval_seconds": "0.01",  # as text, the way Meltano passes it from the environment
        },
    )
    records = _records(run([bins["tap-shopster"] / "tap-shopster", "--config", config], cwd=tmp).stdout)
    emitted = {(r["object_id"], r["user_type"], r["datetime"]): r["count_session"] for r in records["group_datetime"]}
    query = {"from": start.isoformat(), "to": end.isoformat(), "objects": "101,102", "interval": "daily"}
    query |= {"comeback": "2 week", "bounce_threshold": "5 minute", "engagement_threshold": "20 minute"}
    answer = sandbox.shopster.answer(parse_query(query))
    truth = {
        (int(key), user_type, row["datetime"]): row["count_session"]
        for key, per_type in answer.items()
        for user_type, rows in per_type.items()
        for row in rows
    }
    assert emitted == truth
    assert truth


#: The sandbox syncs; together they run every plugin in publish.toml.
SYNCS: dict[tuple[str, ...], t.Callable[[dict[str, Path], SandboxFactory, Path], None]] = {
    ("tap-rickai", "target-duckdb-sdk"): sync_rickai_into_duckdb,
    ("tap-kameleoon",): sync_kameleoon,
    ("target-calltouch-plans",): sync_plans_into_calltouch,
    ("tap-trust",): sync_trust,
    ("tap-shopster",): sync_shopster,
}


def test_every_plugin_has_a_sandbox_sync_here() -> None:
    synced = {plugin for names in SYNCS for plugin in names}
    assert synced == set(PLUGINS), f"add a sandbox sync to SYNCS for: {sorted(set(PLUGINS) - synced)}"


@pytest.mark.parametrize("version", PYTHONS)
def test_every_plugin_installs_from_its_artifacts_and_syncs(
    version: str, artifacts: Artifacts, sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    python = interpreter(version)
    bins = {plugin: fresh_venv(tmp_path / f"venv-{plugin}", python, artifacts.wheels_for(plugin)) for plugin in PLUGINS}

    for plugin, bin_dir in bins.items():
        module = plugin.replace("-", "_")
        modules = [module, *(["vendor_http"] if len(artifacts.wheels_for(plugin)) > 1 else [])]
        for name, path in imported_from(bin_dir, *modules).items():
            assert Path(path).is_relative_to(bin_dir.parent), f"{plugin}: {name} imported from {path}"
        about = json.loads(run([bin_dir / plugin, "--about", "--format=json"], cwd=bin_dir.parent).stdout)
        assert (about["name"], about["version"]) == (plugin, pyproject(plugin)["project"]["version"])
        assert version in about["supported_python_versions"]

    for names, sync in SYNCS.items():
        workdir = tmp_path / "-".join(names)
        workdir.mkdir()
        sync(bins, sandbox_factory, workdir)
