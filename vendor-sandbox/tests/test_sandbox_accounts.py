"""Several accounts of one vendor: each has its own rate budget, as at the vendor, and the
request log names the account each request counted against (never its credential)."""

from __future__ import annotations

import json
import threading
import time

import requests
from sandbox_helpers import NOW

from vendor_sandbox import SandboxServer
from vendor_testing.pytest_plugin import SandboxFactory

RICKAI_TOKENS = {"token-of-acme": "acme", "token-of-globex": "globex"}
KAMELEOON_CLIENTS = {"client-acme": "secret-acme", "client-globex": "secret-globex"}
PARAMS = {"start": "2026-11-01", "end": "2026-11-01", "limit": 5}


def rickai_get(server: SandboxServer, token: str) -> requests.Response:
    company = RICKAI_TOKENS[token]
    url = f"{server.vendor_url('rickai')}/v2/{company}/sessions"
    return requests.get(url, params=PARAMS, headers={"Rick-Auth-Token": token}, timeout=30)


def test_a_rickai_token_in_flight_does_not_hold_back_another_token(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW, rickai_tokens=RICKAI_TOKENS)
    server.add_fault("rickai:slow=4")  # acme's first request keeps its one slot for 4 s
    slow: list[requests.Response] = []
    thread = threading.Thread(target=lambda: slow.append(rickai_get(server, "token-of-acme")))
    thread.start()
    while not server.requests or server.requests[0].auth_valid is None:  # until acme's is admitted
        time.sleep(0.02)
    other = rickai_get(server, "token-of-globex")
    same = rickai_get(server, "token-of-acme")
    thread.join()

    assert (slow[0].status_code, other.status_code, same.status_code) == (200, 200, 429)
    log = server.requests
    assert [(r.account, r.rate_limited) for r in log] == [("acme", None), ("globex", None), ("acme", "in_flight")]
    assert log[0].finished is not None and log[1].finished is not None
    assert log[1].finished < log[0].finished  # globex was served while acme's request was running
    assert not any(token in json.dumps(r.to_dict()) for r in log for token in RICKAI_TOKENS)
    assert server.stats()["vendors"]["rickai"]["by_account"] == {
        "acme": {"requests": 2, "rate_limited_429": 1},
        "globex": {"requests": 1, "rate_limited_429": 0},
    }


def kameleoon_token(server: SandboxServer, client: str) -> requests.Response:
    form = {"grant_type": "client_credentials", "client_id": client, "client_secret": KAMELEOON_CLIENTS[client]}
    return requests.post(f"{server.vendor_url('kameleoon')}/oauth/token", data=form, timeout=10)


def kameleoon_sites(server: SandboxServer, access_token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {access_token}"}
    return requests.get(f"{server.vendor_url('kameleoon')}/sites", headers=headers, timeout=10)


def test_a_kameleoon_account_out_of_budget_does_not_hold_back_another(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW, kameleoon_clients=KAMELEOON_CLIENTS, kameleoon_rate_windows=((3, 3600.0),))
    acme = kameleoon_token(server, "client-acme").json()["access_token"]
    assert [kameleoon_sites(server, acme).status_code for _ in range(3)] == [200, 200, 429]  # token + 2: spent

    globex = kameleoon_token(server, "client-globex").json()["access_token"]
    assert [kameleoon_sites(server, globex).status_code for _ in range(2)] == [200, 200]
    assert kameleoon_sites(server, acme).status_code == 429  # acme's hour is still spent

    accounts = [(r.account, r.status) for r in server.requests]
    assert accounts == [
        ("client-acme", 200),
        ("client-acme", 200),
        ("client-acme", 200),
        ("client-acme", 429),
        ("client-globex", 200),
        ("client-globex", 200),
        ("client-globex", 200),
        ("client-acme", 429),
    ]
    sites = {account: {site["id"] for site in kameleoon_sites_of(server, account)} for account in KAMELEOON_CLIENTS}
    assert sites["client-acme"].isdisjoint(sites["client-globex"])  # each account sees its own sites
    # The HTTP request log carries the account too, and no secret.
    served = requests.get(f"{server.url}/_sandbox/requests", params={"vendor": "kameleoon"}, timeout=10).json()
    assert [r["account"] for r in served["requests"]] == [account for account, _ in accounts]
    assert not any(secret in json.dumps(served) for secret in KAMELEOON_CLIENTS.values())


def kameleoon_sites_of(server: SandboxServer, client: str) -> list[dict[str, object]]:
    (account,) = (a for a in server.kameleoon.truth()["accounts"] if a["client_id"] == client)
    return account["sites"]  # type: ignore[no-any-return]
