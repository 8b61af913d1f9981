"""VendorSession against a real local HTTP server answering a scripted sequence.

What is checked: 2xx returns at once; 429/5xx/dropped connections are retried with the
policy's waits (Retry-After exactly); other 4xx fail at once; every try takes a slot of
the budget; errors name the vendor, the request and the vendor's words, never a secret.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vendor_http import RateBudget, Redactor, RetryPolicy, VendorHTTPError, VendorSession

SECRET = "top-secret-token-1234"


class Script:
    """Answers: (status, body, headers) per request, or "drop" to close without answering."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, object, dict[str, str]] | str] = []
        self.seen: list[tuple[str, str, str | None]] = []


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.do_GET()

        def do_GET(self) -> None:
            script.seen.append((self.command, self.path, self.headers.get("X-Token")))
            answer = script.answers.pop(0) if script.answers else (200, {"ok": True}, {})
            if answer == "drop":
                self.close_connection = True
                return
            status, body, headers = answer
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def make_session(**overrides: object) -> tuple[VendorSession, list[float]]:
    waits: list[float] = []
    options: dict = {
        "vendor_name": "Acme",
        "budget": RateBudget(),
        "policy": RetryPolicy(max_tries=4, backoff_initial_seconds=0.01, jitter=0.0),
        "redactor": Redactor([SECRET]),
        "timeout": 5,
        "headers": {"X-Token": SECRET},
        "credential_settings": ("api_token",),
        "sleep": waits.append,
        **overrides,
    }
    return VendorSession(**options), waits


def test_success_returns_at_once_with_the_headers(server):
    url, script = server
    session, waits = make_session()
    assert session.post(f"{url}/add", json={"a": 1}).json() == {"ok": True}
    assert script.seen == [("POST", "/add", SECRET)]
    assert waits == []
    assert session.budget.requests_started == 1


def test_429_5xx_and_drops_are_retried_honouring_retry_after(server):
    url, script = server
    script.answers = [(429, {"error": "slow down"}, {"Retry-After": "0.5"}), (503, {}, {}), "drop"]
    session, waits = make_session()
    assert session.get(f"{url}/x").status_code == 200
    assert waits == [0.5, 0.02, 0.04]  # Retry-After exactly, then the backoff of retries 2 and 3
    assert session.retries == 3
    assert session.budget.requests_started == 4


def test_tries_run_out_with_the_last_error(server):
    url, script = server
    script.answers = [(502, {"message": "bad gateway"}, {})] * 4
    session, _ = make_session()
    with pytest.raises(VendorHTTPError) as error:
        session.get(f"{url}/x?token={SECRET}")
    assert error.value.retriable
    assert error.value.status == 502
    message = str(error.value)
    assert message.startswith("Acme answered 502 to GET http://127.0.0.1:")
    assert "bad gateway (gave up after 4 tries)" in message
    assert SECRET not in message


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_other_4xx_fail_at_once_with_the_vendor_message(server, status):
    url, script = server
    script.answers = [(status, {"error": f"nope {SECRET}"}, {})]
    session, waits = make_session()
    with pytest.raises(VendorHTTPError) as error:
        session.post(f"{url}/add")
    assert waits == []
    assert not error.value.retriable
    assert f"Acme answered {status} to POST" in str(error.value)
    assert "nope ***" in str(error.value)


def test_auth_failures_name_the_credential_settings(server):
    url, script = server
    script.answers = [(401, b"denied", {})]
    session, _ = make_session()
    with pytest.raises(
        VendorHTTPError, match=r"denied \(the credentials were rejected: check the setting\(s\) 'api_token'\)"
    ):
        session.get(url)


def test_a_vendor_error_describer_is_used(server):
    url, script = server
    script.answers = [(400, {"data": {"message": "field x missing"}}, {})]
    session, _ = make_session(describe_error=lambda r: r.json()["data"]["message"])
    with pytest.raises(VendorHTTPError, match="field x missing"):
        session.post(url)


def test_a_corrupt_answer_to_a_reading_post_is_retried_and_named_when_tries_run_out(server):
    url, script = server
    script.answers = [(200, b'<"status": "success"}', {}), (200, b'{"status": "succ', {}), (200, {"data": 1}, {})]
    session, waits = make_session()
    assert session.post(f"{url}/1/status", expect_json=True, idempotent=True).json() == {"data": 1}
    assert len(waits) == 2

    script.answers = [(200, b"", {})] * 4
    with pytest.raises(VendorHTTPError) as error:
        session.get(f"{url}/2/status?token={SECRET}", expect_json=True)
    assert error.value.retriable
    message = str(error.value)
    assert message.startswith(f"Acme answered 200 to GET {url}/2/status?token=*** with a body that is not valid JSON")
    assert message.endswith("(gave up after 4 tries)")


def test_a_corrupt_answer_to_a_post_that_acts_fails_at_once(server):
    url, script = server
    script.answers = [(200, b'{"importLogId": 1', {})]
    session, waits = make_session()
    with pytest.raises(VendorHTTPError, match=r"not valid JSON .*; not retried, the request may have taken effect"):
        session.post(f"{url}/add", json={"a": 1}, expect_json=True)
    assert waits == [] and len(script.seen) == 1
