"""VendorSession and its error wording at their edges, against the scripted server (issue 20)."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
import requests
from http_script import Answer, Script

from vendor_http import BudgetedAdapter, RateBudget, Redactor, RetryPolicy, VendorHTTPError, VendorSession
from vendor_http.session import budgeted_session, is_retriable_status, request_description, vendor_error_detail

SECRET = "session-secret-9876"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def stalled_answer(script: Script) -> threading.Event:
    """The next answer waits until the returned event is set (the client has given up by then)."""
    release = threading.Event()

    def stall(_: object) -> Answer:
        release.wait(30)
        return Answer()

    script.answers = [stall]
    return release


def make_session(budget: RateBudget | None = None, **options: object) -> tuple[VendorSession, list[float]]:
    waits: list[float] = []
    settings: dict = {
        "vendor_name": "Acme",
        "budget": budget or RateBudget(),
        "policy": RetryPolicy(max_tries=3, backoff_initial_seconds=0.01, jitter=0.0),
        "redactor": Redactor([SECRET]),
        "timeout": 5,
        "sleep": waits.append,
        **options,
    }
    return VendorSession(**settings), waits


def test_defaults() -> None:
    session = VendorSession(vendor_name="Acme", budget=RateBudget(), policy=RetryPolicy(), redactor=Redactor())
    assert session.timeout == 300.0
    assert session.policy == RetryPolicy()
    assert (session.requests_sent, session.retries) == (0, 0)
    assert session.credential_settings == ()
    assert session.describe_error is None
    session.close()


def test_the_callers_arguments_reach_the_vendor(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    session, _ = make_session()
    assert session.get(f"{url}/a", params={"day": "2026-01-01"}).json() == {"ok": True}
    session.post(f"{url}/b", params={"n": "2"}, json={"x": 1})
    assert [(seen.method, seen.path, seen.query) for seen in script.seen] == [
        ("GET", "/a", {"day": "2026-01-01"}),
        ("POST", "/b", {"n": "2"}),
    ]
    assert session.requests_sent == 2


def test_each_try_is_counted_and_each_retry_logged_with_the_vendors_name(
    http_script: tuple[str, Script], caplog: pytest.LogCaptureFixture
) -> None:
    url, script = http_script
    script.answers = [Answer(500, {"error": "oops"}), Answer(409, {"error": "busy"})]
    session, waits = make_session(extra_retry_statuses={409})
    with caplog.at_level(logging.WARNING, logger="vendor_http.session"):
        assert session.get(f"{url}/x").status_code == 200
    assert session.requests_sent == 3
    assert session.retries == 2
    assert waits == [0.01, 0.02]
    assert [r.getMessage().split(":")[0] for r in caplog.records if r.name == "vendor_http.session"] == [
        "Acme request failed (try 1 of 3), retrying in 0.0s",
        "Acme request failed (try 2 of 3), retrying in 0.0s",
    ]


def test_the_session_timeout_applies_unless_the_call_sets_one(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    stalled = stalled_answer(script)
    session, _ = make_session(policy=RetryPolicy(max_tries=1), timeout=0.05)
    try:
        with pytest.raises(VendorHTTPError) as info:
            session.get(f"{url}/slow?token={SECRET}")
    finally:
        stalled.set()
    assert str(info.value) == (
        f"Acme request GET {url}/slow?token=*** failed: no answer from '127.0.0.1:{url.rsplit(':', 1)[1]}' "
        "within 'request_timeout_seconds' (gave up after 1 try)"
    )
    assert SECRET not in str(info.value)
    assert info.value.retriable
    assert info.value.response is None
    assert info.value.status is None


def test_a_connection_refused_is_a_retriable_transport_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session, waits = make_session()
    with pytest.raises(VendorHTTPError) as info:
        session.post(f"http://127.0.0.1:{port}/x")
    message = str(info.value)
    # What happened in plain words, not what requests said (``ConnectionError: HTTPConnectionPool(…)``).
    assert message == (
        f"Acme request POST http://127.0.0.1:{port}/x failed: '127.0.0.1:{port}' refused the connection: "
        "check the URL settings (gave up after 3 tries)"
    )
    assert session.requests_sent == 3
    assert len(waits) == 2


def test_a_rejected_request_keeps_its_response_and_names_every_credential_setting(
    http_script: tuple[str, Script],
) -> None:
    url, script = http_script
    script.answers = [Answer(403, {"message": "forbidden"})]
    session, waits = make_session(credential_settings=("api_token", "client_secret"))
    with pytest.raises(VendorHTTPError) as info:
        session.get(f"{url}/x")
    assert str(info.value) == (
        f"Acme answered 403 to GET {url}/x: forbidden "
        "(the credentials were rejected: check the setting(s) 'api_token', 'client_secret')"
    )
    assert info.value.status == 403
    assert not info.value.retriable
    assert waits == []


def test_a_rejection_without_credential_settings_says_only_what_the_vendor_said(
    http_script: tuple[str, Script],
) -> None:
    url, script = http_script
    script.answers = [Answer(401, {"message": "who are you"})]
    session, _ = make_session()
    with pytest.raises(VendorHTTPError) as info:
        session.get(f"{url}/x")
    assert str(info.value) == f"Acme answered 401 to GET {url}/x: who are you"


@pytest.mark.parametrize(
    ("describe", "expected"),
    [
        (lambda response: f"custom {SECRET}", "custom ***"),
        (lambda response: None, "plain words"),
        (lambda response: "", "plain words"),
    ],
)
def test_a_vendor_describer_is_redacted_and_falls_back_to_the_body(
    http_script: tuple[str, Script], describe: object, expected: str
) -> None:
    url, script = http_script
    script.answers = [Answer(400, {"message": "plain words"})]
    session, _ = make_session(describe_error=describe)
    with pytest.raises(VendorHTTPError) as info:
        session.post(url)
    assert str(info.value).endswith(f": {expected}")


def test_a_describer_bug_is_not_hidden(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.answers = [Answer(400, {"message": "plain words"})]
    session, _ = make_session(describe_error=lambda response: response.json()["missing"])
    with pytest.raises(KeyError):
        session.post(url)


def test_a_describer_that_cannot_parse_the_body_falls_back(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.answers = [Answer(400, b"<html>nope</html>")]
    session, _ = make_session(describe_error=lambda response: response.json()["error"])
    with pytest.raises(VendorHTTPError) as info:
        session.post(url)
    assert str(info.value).endswith(": <html>nope</html>")


def test_a_429_holds_every_request_back_for_its_retry_after_up_to_the_cap(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    script.answers = [
        Answer(503, {}, {"Retry-After": "50"}),  # only a 429 pauses everyone
        Answer(429, {}),  # no Retry-After: nothing to honour
        Answer(429, {}, {"Retry-After": "7"}),
        Answer(429, {}, {"Retry-After": "3600"}),
    ]
    session, _ = make_session(budget, policy=RetryPolicy(max_tries=1, retry_after_max_seconds=60))
    for expected in (0.0, 0.0, 7.0, 60.0):
        with pytest.raises(VendorHTTPError):
            session.get(f"{url}/x")
        assert budget.delay(clock.now) == pytest.approx(expected)
        clock.now += 3600.0  # the pause is over


def test_budgeted_sessions_budget_both_schemes() -> None:
    session = budgeted_session(RateBudget(), RetryPolicy())
    https, http = session.get_adapter("https://api.example.com"), session.get_adapter("http://127.0.0.1")
    assert isinstance(https, BudgetedAdapter)
    assert https is http


@pytest.mark.parametrize(("status", "retriable"), [(429, True), (500, True), (599, True), (499, False), (404, False)])
def test_retriable_statuses(status: int, retriable: bool) -> None:
    assert is_retriable_status(status) is retriable
    assert is_retriable_status(404, extra=(404,))


# The vendor's words


def error_response(body: bytes, status: int = 400) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.encoding = "utf-8"
    return response


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"error": "e", "message": "m"}', "e"),
        (b'{"message": "m", "errorDescription": "d"}', "m"),
        (b'{"errorDescription": "d", "detail": "x"}', "d"),
        (b'{"detail": "x"}', "x"),
        (b'{"error": {"code": 1}, "message": "m"}', "m"),  # only words count
        (b'{"code": 1}', '{"code": 1}'),
        (b'["a list"]', '["a list"]'),
        (b"  plain text \n", "plain text"),
        (b"", "(empty body)"),
        (b"   ", "(empty body)"),
    ],
)
def test_the_vendors_own_words_are_found(body: bytes, detail: str) -> None:
    assert vendor_error_detail(error_response(body), Redactor()) == detail


def test_long_words_are_cut_at_500_characters() -> None:
    assert vendor_error_detail(error_response(b"x" * 500), Redactor()) == "x" * 500
    assert vendor_error_detail(error_response(b"y" * 501), Redactor()) == "y" * 500 + "…"


def test_a_body_that_breaks_off_is_said_to_be_unreadable(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.answers = [Answer(500, b"x" * 100, cut_after=10)]
    with requests.get(f"{url}/x", stream=True, timeout=5) as response:
        assert vendor_error_detail(response, Redactor()) == "(the error body could not be read)"


def test_a_request_is_described_with_its_method_and_a_masked_url() -> None:
    response = error_response(b"")
    response.url = f"https://api.example.com/x?token={SECRET}"
    assert request_description(response, Redactor()) == "GET https://api.example.com/x?token=***"
    response.request = requests.Request("DELETE", response.url).prepare()
    assert request_description(response, Redactor()).startswith("DELETE https://api.example.com/x?")
