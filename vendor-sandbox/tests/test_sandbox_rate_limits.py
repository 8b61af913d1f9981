"""The documented per-token limits: one request in flight, one request per second."""

from __future__ import annotations

import threading
import time

import requests
from sandbox_helpers import NOW, get_sessions

from vendor_sandbox import SandboxServer
from vendor_testing.pytest_plugin import SandboxFactory

RATE_LIMITED = {"error": "request with this token already running"}
PARAMS = {"start": "2026-11-01", "end": "2026-11-01", "limit": 5}


def test_concurrent_request_is_rejected_while_one_is_in_flight(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW, rickai_min_interval=0.0)
    server.add_fault("rickai:slow=0.6")
    slow: list[requests.Response] = []
    thread = threading.Thread(target=lambda: slow.append(get_sessions(server, **PARAMS)))
    thread.start()
    time.sleep(0.25)
    concurrent = get_sessions(server, **PARAMS)
    thread.join()
    assert slow[0].status_code == 200
    assert concurrent.status_code == 429 and concurrent.json() == RATE_LIMITED
    assert "Retry-After" not in concurrent.headers
    assert [r.rate_limited for r in server.requests] == [None, "in_flight"]
    assert get_sessions(server, **PARAMS).status_code == 200  # slot freed once the response finished


def test_two_parallel_requests_give_exactly_one_429(sandbox: SandboxServer) -> None:
    sandbox.clock.set(NOW)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def call() -> None:
        barrier.wait()
        results.append(get_sessions(sandbox, **PARAMS).status_code)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 429]


def test_requests_must_arrive_one_second_apart(sandbox: SandboxServer) -> None:
    sandbox.clock.set(NOW)
    with requests.Session() as http:
        assert get_sessions(sandbox, http, **PARAMS).status_code == 200
        quick = get_sessions(sandbox, http, **PARAMS)
        assert quick.status_code == 429 and quick.json() == RATE_LIMITED
        time.sleep(1.0)
        assert get_sessions(sandbox, http, **PARAMS).status_code == 200  # rejected one did not count
        time.sleep(0.5)
        assert get_sessions(sandbox, http, **PARAMS).status_code == 429
    stats = sandbox.stats()["vendors"]["rickai"]
    assert stats["rate_limited_429"] == 2 and stats["fault_429"] == 0
    assert [r.rate_limited for r in sandbox.requests] == [None, "interval", None, "interval"]


def test_limits_are_per_token(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW, rickai_tokens={"t1": "demo-company", "t2": "demo-company"})
    url = f"{server.vendor_url('rickai')}/v2/demo-company/sessions"
    assert requests.get(url, params=PARAMS, headers={"Rick-Auth-Token": "t1"}).status_code == 200
    assert requests.get(url, params=PARAMS, headers={"Rick-Auth-Token": "t2"}).status_code == 200
    assert requests.get(url, params=PARAMS, headers={"Rick-Auth-Token": "t1"}).status_code == 429


def test_rate_limit_can_be_switched_off(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False)
    assert all(get_sessions(server, **PARAMS).status_code == 200 for _ in range(5))
