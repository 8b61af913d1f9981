"""Request log, stats, truth, the CLI process, and big pages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date

import requests
from sandbox_helpers import COMPANY, NOW, TOKEN, get_sessions, sessions_url

from vendor_sandbox import SandboxServer
from vendor_testing.pytest_plugin import SandboxFactory


def test_request_log_records_what_was_served_without_the_token(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, rickai_sessions_per_day=20)
    get_sessions(server, start="2026-11-01", end="2026-11-03", limit=30, offset=10)
    requests.get(sessions_url(server), params={"start": "2026-11-01", "end": "2026-11-01"})  # no token
    log = requests.get(f"{server.url}/_sandbox/requests").json()["requests"]
    assert TOKEN not in str(log)
    first, second = log
    assert (first["seq"], first["vendor"], first["method"]) == (1, "rickai", "GET")
    assert first["path"] == "/rickai/v2/demo-company/sessions"
    assert first["query"] == {"start": "2026-11-01", "end": "2026-11-03", "limit": "30", "offset": "10"}
    assert first["auth_valid"] is True and first["status"] == 200 and first["items"] == 30
    assert sum(s["count"] for s in first["served"]) == 30 and first["served"][0]["date"] == "2026-11-01"
    assert first["arrived"] <= first["finished"]
    assert (second["auth_valid"], second["status"], second["items"]) == (False, 401, 0)
    assert server.requests[0].served[0].company == COMPANY
    assert requests.delete(f"{server.url}/_sandbox/requests").status_code == 200
    assert server.requests == []


def test_stats(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, rickai_sessions_per_day=20)
    server.add_fault("rickai:status=503")
    for _ in range(3):
        get_sessions(server, start="2026-11-01", end="2026-11-01", limit=7)
    stats = requests.get(f"{server.url}/_sandbox/stats").json()
    assert stats["requests"] == 3
    assert stats["vendors"]["rickai"]["by_status"] == {"503": 1, "200": 2}
    assert stats["vendors"]["rickai"]["items_served"] == 14
    assert stats["vendors"]["rickai"]["faults"] == {"status": 1}


def test_truth_endpoint_matches_what_is_served(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, rickai_sessions_per_day=25)
    truth = requests.get(
        f"{server.url}/_sandbox/rickai/truth",
        params={"company": COMPANY, "start": "2026-11-01", "end": "2026-11-04", "keys": 1},
    ).json()
    served = get_sessions(server, start="2026-11-01", end="2026-11-04", limit=100000).json()
    assert truth["total"] == served["total"] and truth["as_of"] == "2026-11-20"
    assert [day["date"] for day in truth["days"]] == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]
    keys = [key for day in truth["days"] for key in day["keys"]]
    assert keys == [[s["client_id"], s["session_count"], s["date"]] for s in served["items"]]
    day_two = [s for s in served["items"] if s["date"] == "2026-11-02"]
    assert server.rickai.sessions(COMPANY, date(2026, 11, 2)) == day_two
    no_keys = requests.get(
        f"{server.url}/_sandbox/rickai/truth", params={"company": COMPANY, "start": "2026-11-01", "end": "2026-11-01"}
    ).json()
    assert "keys" not in no_keys["days"][0]
    assert requests.get(f"{server.url}/_sandbox/rickai/truth", params={"company": COMPANY}).status_code == 400


def test_warm_renders_a_range_ahead_of_the_first_request(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, rickai_sessions_per_day=25)
    params = {"company": COMPANY, "start": "2026-11-01", "end": "2026-11-03"}
    warmed = requests.post(f"{server.url}/_sandbox/rickai/warm", params=params).json()
    truth = requests.get(f"{server.url}/_sandbox/rickai/truth", params=params).json()
    assert warmed["sessions"] == truth["total"] > 0
    assert requests.get(f"{server.url}/_sandbox/rickai/warm", params=params).status_code == 404


def test_health_and_unknown_paths(sandbox: SandboxServer) -> None:
    vendors = requests.get(f"{sandbox.url}/_sandbox/health").json()["vendors"]
    assert vendors == {
        "rickai": "/rickai",
        "kameleoon": "/kameleoon",
        "calltouch": "/calltouch",
        "shopster": "/shopster",
        "trust": "/trust",
    }
    assert requests.get(f"{sandbox.url}/nowhere").status_code == 404
    assert requests.get(f"{sandbox.url}/rickai/v1/x").status_code == 404
    assert requests.get(f"{sandbox.url}/_sandbox/nothing").status_code == 404


def test_page_of_100k_sessions_is_served_whole_over_keep_alive(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, rickai_sessions_per_day=3300)
    start, end = date(2026, 10, 1), date(2026, 10, 31)
    total = server.rickai.truth(COMPANY, start, end)["total"]
    assert total > 100_000
    server.rickai.page(COMPANY, start, end, 100_000, 0)  # generate and cache
    with requests.Session() as http:
        response = get_sessions(server, http, stream=True, start=start, end=end, limit=100_000)
        body = b"".join(response.iter_content(1 << 20))
        assert response.status_code == 200 and len(body) == int(response.headers["Content-Length"]) > 50_000_000
        assert body.endswith(b'],"total":%d}' % total)
        assert get_sessions(server, http, start=start, end=end, limit=1).status_code == 200  # same connection
    assert server.requests[-1].served[0].count == 1


def test_cli_starts_on_a_free_port_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vendor_sandbox",
            "--port",
            "0",
            "--no-rate-limit",
            "--now",
            "2026-11-20T12:00:00Z",
            "--rickai-token",
            "cli-token=acme",
            "--fault",
            "rickai:status=502",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("vendor-sandbox listening on http://127.0.0.1:")
        url = line.split()[-1]
        sessions = f"{url}/rickai/v2/acme/sessions"
        params = {"start": "2026-11-01", "end": "2026-11-01"}
        assert requests.get(sessions, params=params, headers={"Rick-Auth-Token": "cli-token"}).status_code == 502
        assert requests.get(sessions, params=params, headers={"Rick-Auth-Token": "cli-token"}).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_cli_help_documents_the_options() -> None:
    command = [sys.executable, "-m", "vendor_sandbox", "--help"]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    for option in ("--port", "--seed", "--fault", "--rickai-token", "--no-rate-limit", "rickai:status=503x3"):
        assert option in result.stdout


def test_each_vendor_readme_documents_its_options_and_admin_endpoints() -> None:
    """What `vendor-sandbox --help` and `SandboxConfig` offer per vendor is in the vendor's README."""
    import re
    from pathlib import Path

    import vendor_sandbox
    from vendor_sandbox import SandboxConfig, plugins
    from vendor_sandbox.core.cli import build_parser

    shown = build_parser().format_help()
    package = Path(vendor_sandbox.__file__).parent
    main_readme = (package.parent / "README.md").read_text(encoding="utf-8")
    for name, vendor in plugins().items():
        text = (package / "vendors" / name / "README.md").read_text(encoding="utf-8")
        assert f"vendor_sandbox/vendors/{name}/README.md" in main_readme
        flags = set(re.findall(rf"--(?:no-)?{name}-[a-z-]+", shown))
        options = {f"{name}_{field}" for field in vars(SandboxConfig().vendor(name))}
        assert flags and options
        for documented in sorted(flags | options) + [endpoint.split("?")[0] for endpoint in vendor.admin]:
            assert documented in text, f"the README of {name} does not mention {documented}"
