"""Each fault kind as a client sees it, and the ways to queue faults."""

from __future__ import annotations

import json
import socket
import time
from email.utils import parsedate_to_datetime

import pytest
import requests
from sandbox_helpers import AUTH, NOW, get_sessions

from vendor_sandbox import Fault, FaultKind, SandboxServer
from vendor_testing.pytest_plugin import SandboxFactory

PARAMS = {"start": "2026-11-01", "end": "2026-11-03", "limit": 100}


@pytest.fixture
def fast(sandbox_factory: SandboxFactory) -> SandboxServer:
    return sandbox_factory(now=NOW, rate_limit=False, rickai_sessions_per_day=60)


def test_status_fault_with_count_and_default_body(fast: SandboxServer) -> None:
    fast.add_fault("rickai:status=504x2")
    answers = [get_sessions(fast, **PARAMS) for _ in range(3)]
    assert [r.status_code for r in answers] == [504, 504, 200]
    assert answers[0].json() == {"error": "gateway timeout"}
    assert [r.fault for r in fast.requests] == ["status=504", "status=504", None]


def test_status_fault_defaults_and_custom_body(fast: SandboxServer) -> None:
    fast.add_fault(vendor="rickai", kind="status", body={"error": "internal"})
    response = get_sessions(fast, **PARAMS)
    assert (response.status_code, response.json()) == (503, {"error": "internal"})


def test_after_lets_requests_through_first(fast: SandboxServer) -> None:
    fast.add_fault("rickai:status=500@2")
    assert [get_sessions(fast, **PARAMS).status_code for _ in range(4)] == [200, 200, 500, 200]


def test_rate_limit_fault_sends_retry_after(fast: SandboxServer) -> None:
    fast.add_fault("rickai:rate_limit,retry_after=2", "rickai:rate_limit,retry_after_format=http-date")
    first, second = get_sessions(fast, **PARAMS), get_sessions(fast, **PARAMS)
    assert first.status_code == 429 and first.headers["Retry-After"] == "2"
    assert first.json() == {"error": "request with this token already running"}
    assert second.status_code == 429
    assert abs(parsedate_to_datetime(second.headers["Retry-After"]).timestamp() - time.time()) < 3
    stats = fast.stats()["vendors"]["rickai"]
    assert stats["fault_429"] == 2 and stats["rate_limited_429"] == 0


def test_slow_fault_delays_a_normal_answer(fast: SandboxServer) -> None:
    fast.add_fault("rickai:slow=0.4")
    started = time.monotonic()
    response = get_sessions(fast, **PARAMS)
    assert response.status_code == 200 and time.monotonic() - started >= 0.4


def test_truncate_fault_cuts_the_body_and_closes(fast: SandboxServer) -> None:
    fast.add_fault("rickai:truncate=0.3")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get_sessions(fast, **PARAMS)
    assert get_sessions(fast, **PARAMS).status_code == 200


def test_truncate_seen_on_the_wire(fast: SandboxServer) -> None:
    fast.add_fault("rickai:truncate")
    raw = _raw_get(fast)
    head, _, body = raw.partition(b"\r\n\r\n")
    headers = dict(line.lower().split(b": ", 1) for line in head.split(b"\r\n")[1:])
    length = int(headers[b"content-length"])
    assert head.startswith(b"HTTP/1.1 200") and len(body) == length // 2


def test_malformed_fault_keeps_length_but_breaks_json(fast: SandboxServer) -> None:
    good = get_sessions(fast, **PARAMS)
    fast.add_fault("rickai:malformed")
    bad = get_sessions(fast, **PARAMS)
    assert bad.status_code == 200 and len(bad.content) == len(good.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad.content)
    assert sum(a != b for a, b in zip(bad.content, good.content, strict=True)) == 1


def test_drop_fault_closes_without_answer(fast: SandboxServer) -> None:
    fast.add_fault("rickai:drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        get_sessions(fast, **PARAMS)
    assert fast.requests[0].status is None and fast.requests[0].fault == "drop"
    assert get_sessions(fast, **PARAMS).status_code == 200


def test_faulted_requests_count_for_rate_limits(sandbox: SandboxServer) -> None:
    sandbox.clock.set(NOW)
    sandbox.add_fault("rickai:status=503")
    assert get_sessions(sandbox, **PARAMS).status_code == 503
    assert get_sessions(sandbox, **PARAMS).json() == {"error": "request with this token already running"}


def test_admin_fault_endpoints(fast: SandboxServer) -> None:
    admin = f"{fast.url}/_sandbox/faults"
    added = requests.post(admin, json=[{"vendor": "rickai", "kind": "status", "status": 502}, "rickai:drop x2"])
    assert added.status_code == 400  # bad short syntax is refused as a whole
    added = requests.post(admin, json=[{"vendor": "rickai", "kind": "status", "status": 502}, "rickai:dropx2"])
    assert [f["kind"] for f in added.json()["added"]] == ["status", "drop"]
    assert len(requests.get(admin).json()["faults"]) == 2
    assert get_sessions(fast, **PARAMS).status_code == 502
    assert requests.delete(admin).json() == {"faults": []}
    assert get_sessions(fast, **PARAMS).status_code == 200
    assert requests.post(admin, json={"vendor": "rickai", "kind": "nope"}).status_code == 400


def test_short_syntax() -> None:
    assert Fault.parse("rickai:status=503x3") == Fault("rickai", FaultKind.STATUS, count=3, status=503)
    assert Fault.parse("rickai:truncate@2") == Fault("rickai", FaultKind.TRUNCATE, after=2)
    assert Fault.parse("rickai:slow=0.5x*").count is None
    assert Fault.parse("rickai:rate_limit,retry_after=2").retry_after == 2.0
    assert Fault.parse('{"vendor": "rickai", "kind": "drop", "count": 2}').count == 2
    with pytest.raises(ValueError):
        Fault.parse("rickai:drop=3")


@pytest.mark.parametrize(
    "spec",
    [
        "rickai:rate_limit@3x2,retry_after=2",
        "rickai:rate_limitx2@3,retry_after=2",
        "rickai:rate_limit,retry_after=2@3x2",
        "rickai:rate_limit,retry_after=2x2@3",
        "rickai:rate_limit,@3,x2,retry_after=2",
        "rickai:rate_limit=2,after=3,count=2",
        "rickai:rate_limit=2@3,x2",
    ],
)
def test_short_syntax_takes_its_parts_in_any_order(spec: str) -> None:
    assert Fault.parse(spec) == Fault("rickai", FaultKind.RATE_LIMIT, count=2, after=3, retry_after=2.0)


def test_short_syntax_keeps_string_values_whole_and_says_what_it_expects() -> None:
    assert Fault.parse("rickai:bad_record=session_count@1,value=twelve@3").value == "twelve@3"
    assert Fault.parse("rickai:status=503x*@2").count is None
    for spec, why in [
        ("rickai:rate_limit x2", "contains spaces"),
        ("rickai:rate_limit@1@2", "@AFTER is given twice"),
        ("rickai:status=503x2,count=3", "'count' is empty or given twice"),
        ("rickai:status,oops", "parameter 'oops' must be KEY=VALUE, xCOUNT or @AFTER"),
        ("rickai:nope", "unknown kind"),
    ]:
        with pytest.raises(ValueError, match="in any order, by xCOUNT") as error:
            Fault.parse(spec)
        assert why in str(error.value)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    ("vendor", "method", "path", "headers"),
    [
        ("rickai", "GET", "/v2/demo-company/sessions", {"Rick-Auth-Token": "sandbox-rickai-token"}),
        (
            "calltouch",
            "POST",
            "/report-service/RestAPI/api/plans-import/add",
            {"Access-Token": "sandbox-calltouch-token", "SiteId": "12345"},
        ),
    ],
)
def test_redirect_fault_sends_the_client_to_a_recording_host(
    fast: SandboxServer, status: int, vendor: str, method: str, path: str, headers: dict[str, str]
) -> None:
    fast.add_fault(f"{vendor}:redirect={status}")
    params = {"start": "2026-11-01", "end": "2026-11-01"}
    answer = requests.request(
        method, fast.vendor_url(vendor) + path, params=params, headers=headers, data=b"the body", timeout=10
    )
    assert fast.requests[0].fault == f"redirect={status}" and fast.requests[0].status == status
    location = f"{fast.elsewhere.url}/{vendor}{path}?start=2026-11-01&end=2026-11-01"
    assert answer.history[0].headers["Location"] == location
    (caught,) = fast.elsewhere.requests
    assert caught.path == f"/{vendor}{path}" and caught.query == params
    # What a careless client sends there: its custom headers always, the body on 307/308.
    assert all(caught.headers[name] == value for name, value in headers.items())
    assert caught.method == (method if status in (307, 308) else "GET")
    assert caught.body == (b"the body" if status in (307, 308) else b"")
    assert requests.get(f"{fast.url}/_sandbox/elsewhere", timeout=10).json()["requests"][0]["body"] == (
        caught.body.decode()
    )


def test_redirect_fault_to_the_same_url_or_a_given_one(fast: SandboxServer) -> None:
    fast.add_fault("rickai:redirect=301,to=same")
    followed = get_sessions(fast, **PARAMS)
    assert followed.status_code == 200 and [r.status for r in fast.requests] == [301, 200]
    assert fast.elsewhere.requests == []
    fast.add_fault("rickai:redirect,to=https://example.invalid/x")
    given = requests.get(
        f"{fast.vendor_url('rickai')}/v2/demo-company/sessions", headers=AUTH, allow_redirects=False, timeout=10
    )
    assert (given.status_code, given.headers["Location"]) == (307, "https://example.invalid/x")
    with pytest.raises(ValueError, match="redirect fault's status"):
        Fault.parse("rickai:redirect=200")


def _raw_get(server: SandboxServer) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        query = "&".join(f"{k}={v}" for k, v in PARAMS.items())
        sock.sendall(
            f"GET /rickai/v2/demo-company/sessions?{query} HTTP/1.1\r\nHost: x\r\n"
            "Rick-Auth-Token: sandbox-rickai-token\r\n\r\n".encode()
        )
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


def test_bad_record_breaks_the_schema_of_the_middle_item_only(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, rickai_sessions_per_day=20)
    server.add_fault("rickai:bad_record=session_count,value=twelve")
    bad = get_sessions(server, start="2026-11-01", end="2026-11-01", limit=10).json()
    good = get_sessions(server, start="2026-11-01", end="2026-11-01", limit=10).json()
    assert bad["total"] == good["total"]
    assert bad["items"][5]["session_count"] == "twelve"
    bad["items"][5]["session_count"] = good["items"][5]["session_count"]
    assert bad["items"] == good["items"]


def test_a_slow_request_keeps_running_after_the_client_gave_up(sandbox: SandboxServer) -> None:
    # As Rick.ai does: the abandoned request still holds the token's one in-flight slot.
    sandbox.clock.set(NOW)
    sandbox.add_fault("rickai:slow=1.5")
    with pytest.raises(requests.exceptions.Timeout):
        requests.get(
            f"{sandbox.vendor_url('rickai')}/v2/demo-company/sessions", params=PARAMS, headers=AUTH, timeout=0.3
        )
    refused = get_sessions(sandbox, **PARAMS)
    assert refused.status_code == 429 and refused.json() == {"error": "request with this token already running"}
    assert sandbox.requests[-1].rate_limited == "in_flight"
    time.sleep(1.5)
    assert get_sessions(sandbox, **PARAMS).status_code == 200
