"""Many accounts of one vendor in one Meltano project (meltano.yml's `accounts` block): plugins
inherited from the vendor's tap, each account's credentials from its own environment
variables, its own warehouse schema and its own Meltano state; at the vendor (the sandbox),
each account spends its own rate budget, so one account out of budget does not hold back
another. Proven by the sandbox's request log, not by timing."""

from __future__ import annotations

import json
import secrets
import threading
import time
import typing as t
from datetime import date, timedelta
from pathlib import Path

import duckdb
import requests
from warehouse_project import project

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer
    from vendor_testing.meltano_testing import IsolatedMeltano

WAREHOUSE = "target-duckdb-sdk"
ACCOUNTS = ("acme", "globex")


def run(isolated: IsolatedMeltano, tap: str, *secrets_: str) -> None:
    result = isolated.run("run", "--no-install", tap, WAREHOUSE)
    assert result.returncode == 0, f"{tap} failed:\n{result.stderr[-5000:]}"
    assert not any(secret in result.stdout + result.stderr for secret in secrets_)


def query(tmp: Path, sql: str) -> list[tuple[t.Any, ...]]:
    with duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True) as db:
        return db.execute(sql).fetchall()


def state(isolated: IsolatedMeltano, state_id: str) -> dict[str, t.Any]:
    result = isolated.run("state", "get", state_id)
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout)["singer_state"])


# --- Rick.ai: one request at a time per token -------------------------------------------------


def test_two_rickai_accounts_each_get_their_own_data_state_and_budget(
    meltano: Path, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    tokens = {account: f"{account}-{secrets.token_hex(12)}" for account in ACCOUNTS}
    companies = {account: f"{account}-company" for account in ACCOUNTS}
    sandbox = sandbox_factory(
        rickai_sessions_per_day=30, rickai_tokens={tokens[a]: companies[a] for a in ACCOUNTS}, rate_limit=True
    )
    latest = sandbox.rickai.window()[1] - timedelta(days=1)
    days = (latest - timedelta(days=1), latest)
    settings = {}
    for account in ACCOUNTS:
        prefix = f"TAP_RICKAI_{account.upper()}_"
        settings |= {
            f"{prefix}COMPANY": companies[account],
            f"{prefix}API_TOKEN": tokens[account],
            f"{prefix}API_URL": sandbox.vendor_url("rickai"),
            f"{prefix}START_DATE": days[0].isoformat(),
            f"{prefix}END_DATE": days[1].isoformat(),
        }
    isolated = project(meltano, tmp_path, **settings)

    # acme's one request slot is taken (a slow request of its own) while globex runs.
    sandbox.add_fault("rickai:slow=45")  # longer than globex's whole run
    url = f"{sandbox.vendor_url('rickai')}/v2/{companies['acme']}/sessions"
    params = {"start": days[0].isoformat(), "end": days[0].isoformat(), "limit": 1}
    holder = threading.Thread(
        target=lambda: requests.get(url, params=params, headers={"Rick-Auth-Token": tokens["acme"]}, timeout=60)
    )
    holder.start()
    while not sandbox.requests or sandbox.requests[0].auth_valid is None:  # until acme's is admitted
        time.sleep(0.05)
    run(isolated, "tap-rickai--globex", *tokens.values())
    during = sandbox.requests[1:]
    holder.join()
    # The client has its answer; the sandbox notes the request's end just after sending it.
    deadline = time.monotonic() + 10
    while sandbox.requests[0].finished is None and time.monotonic() < deadline:
        time.sleep(0.02)
    held = sandbox.requests[0]

    assert held.account == companies["acme"] and held.fault == "slow=45"
    assert during and {(r.account, r.status, r.rate_limited) for r in during} == {(companies["globex"], 200, None)}
    # Every globex request was served while acme's one slot was taken.
    assert held.finished is not None and all(r.finished and r.finished < held.finished for r in during)

    run(isolated, "tap-rickai--acme", *tokens.values())
    assert all(r.status == 200 for r in sandbox.requests[1:])  # acme waited for nobody but itself
    for account in ACCOUNTS:
        truth = sandbox.rickai.keys(companies[account], *days)
        loaded = query(tmp_path, f"select client_id, session_count, date from tap_rickai_{account}.sessions")  # noqa: S608
        assert sorted((c, int(n), str(d)) for c, n, d in loaded) == sorted((c, int(n), str(d)) for c, n, d in truth)
        bookmark = state(isolated, f"sandbox:tap-rickai--{account}-to-{WAREHOUSE}")["bookmarks"]["sessions"]
        assert bookmark["replication_key_value"].startswith(days[1].isoformat())
    acme_keys = set(query(tmp_path, "select client_id, session_count, date from tap_rickai_acme.sessions"))
    assert acme_keys.isdisjoint(
        query(tmp_path, "select client_id, session_count, date from tap_rickai_globex.sessions")
    )
    assert isolated.files_containing(*tokens.values(), skip=(tmp_path / "warehouse.duckdb",)) == []


# --- Kameleoon: 1,000 requests an hour per account --------------------------------------------


def kameleoon_settings(sandbox: SandboxServer, secrets_: dict[str, str], day: date) -> dict[str, str]:
    settings = {}
    for account in ACCOUNTS:
        prefix = f"TAP_KAMELEOON_{account.upper()}_"
        settings |= {
            f"{prefix}CLIENT_ID": f"client-{account}",
            f"{prefix}CLIENT_SECRET": secrets_[account],
            f"{prefix}API_URL": sandbox.vendor_url("kameleoon"),
            f"{prefix}START_DATE": day.isoformat(),
            f"{prefix}END_DATE": day.isoformat(),
        }
    return settings


def spend_budget(sandbox: SandboxServer, client: str, secret: str) -> int:
    """Requests as `client` until the sandbox refuses one for its window; returns how many passed."""
    form = {"grant_type": "client_credentials", "client_id": client, "client_secret": secret}
    base = sandbox.vendor_url("kameleoon")
    access = requests.post(f"{base}/oauth/token", data=form, timeout=10).json()["access_token"]
    passed = 1
    while requests.get(f"{base}/sites", headers={"Authorization": f"Bearer {access}"}, timeout=10).ok:
        passed += 1
    return passed


def test_two_kameleoon_accounts_each_get_their_own_data_state_and_budget(
    meltano: Path, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    secrets_ = {account: f"{account}-{secrets.token_hex(12)}" for account in ACCOUNTS}
    budget = 60  # an hour: the documented 1,000, scaled down to be spent in a test
    sandbox = sandbox_factory(
        kameleoon_clients={f"client-{a}": secrets_[a] for a in ACCOUNTS},
        kameleoon_polls_until_ready=1,
        kameleoon_rate_windows=((budget, 3600.0),),
    )
    day = sandbox.clock.today() - timedelta(days=2)
    isolated = project(meltano, tmp_path, **kameleoon_settings(sandbox, secrets_, day))

    run(isolated, "tap-kameleoon--acme", *secrets_.values())
    used = len(sandbox.requests)
    assert spend_budget(sandbox, "client-acme", secrets_["acme"]) == budget - used  # acme: its hour spent
    spent = len(sandbox.requests)
    run(isolated, "tap-kameleoon--globex", *secrets_.values())
    during = sandbox.requests[spent:]
    assert during and {(r.account, r.status, r.rate_limited) for r in during} == {("client-globex", 200, None)}
    form = {"grant_type": "client_credentials", "client_id": "client-acme", "client_secret": secrets_["acme"]}
    assert requests.post(f"{sandbox.vendor_url('kameleoon')}/oauth/token", data=form, timeout=10).status_code == 429
    assert {r.account for r in sandbox.requests if r.status == 429} == {"client-acme"}

    truth = {a["client_id"]: {s["id"] for s in a["sites"]} for a in sandbox.kameleoon.truth()["accounts"]}
    for account in ACCOUNTS:
        schema = f"tap_kameleoon_{account}"
        assert {row[0] for row in query(tmp_path, f"select id from {schema}.sites")} == truth[f"client-{account}"]  # noqa: S608
        global_sites = {row[0] for row in query(tmp_path, f'select "siteId" from {schema}.audience_global_stats')}  # noqa: S608
        assert global_sites == truth[f"client-{account}"]
        bookmarks = state(isolated, f"sandbox:tap-kameleoon--{account}-to-{WAREHOUSE}")["bookmarks"]
        assert bookmarks["audience_global_stats"]["partitions"]
    assert truth["client-acme"].isdisjoint(truth["client-globex"])


def test_an_account_without_its_own_credentials_fails_instead_of_borrowing_the_parents(
    meltano: Path, sandbox_factory: t.Callable[..., SandboxServer], tmp_path: Path
) -> None:
    """The parent's variables (TAP_KAMELEOON_CLIENT_ID/SECRET) are valid credentials of another
    account: an account whose own are unset must not run with them."""
    secret = f"parent-{secrets.token_hex(12)}"
    sandbox = sandbox_factory(kameleoon_clients={"client-parent": secret})
    isolated = project(
        meltano,
        tmp_path,
        TAP_KAMELEOON_CLIENT_ID="client-parent",
        TAP_KAMELEOON_CLIENT_SECRET=secret,
        TAP_KAMELEOON_API_URL=sandbox.vendor_url("kameleoon"),
    )
    result = isolated.run("run", "--no-install", "tap-kameleoon--globex", WAREHOUSE)
    assert result.returncode != 0
    assert "client_id" in result.stderr and secret not in result.stdout + result.stderr
    assert sandbox.requests == []  # nothing reached the vendor under the parent's account
