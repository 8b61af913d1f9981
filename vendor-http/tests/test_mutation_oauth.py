"""A token request that never gets an answer, or only 5xx, stops the run with one line in
plain words (kills vendor_http.oauth's mutants of the retrier and ``describe_failure``)."""

from __future__ import annotations

import logging
import socket
import typing as t

import pytest
from http_script import Answer, Script
from singer_sdk.exceptions import FatalAPIError

from vendor_http import (
    ClientCredentialsAuthenticator,
    RateBudget,
    Redactor,
    RedirectRefusedError,
    ResponseTooLargeError,
    RetryPolicy,
    TransportLimits,
)

CLIENT_SECRET = "acme-client-secret-987"


def make(url: str, max_tries: int = 2, **options: t.Any) -> ClientCredentialsAuthenticator:
    return ClientCredentialsAuthenticator(
        vendor_name="Acme",
        credentials_hint="check 'client_id' and 'client_secret'",
        redactor=Redactor([CLIENT_SECRET]),
        budget=options.pop("budget", RateBudget()),
        policy=RetryPolicy(max_tries=max_tries, backoff_initial_seconds=0.01, jitter=0.0),
        **({"timeout": 5} | options),
        auth_endpoint=f"{url}/oauth/token",
        client_id="acme-client",
        client_secret=CLIENT_SECRET,
    )


def test_a_token_endpoint_that_refuses_connections(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mine = logging.getLogger("test.oauth.mine")
    with caplog.at_level(logging.WARNING), pytest.raises(FatalAPIError) as info:
        make(f"http://127.0.0.1:{port}", logger=mine).update_access_token()
    reason = f"'127.0.0.1:{port}' refused the connection: check the URL settings"
    assert str(info.value) == f"Acme token request POST /oauth/token failed: {reason} (gave up after 2 tries)"
    retried = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == mine.name]
    assert len(retried) == 1
    assert retried[0].startswith("Acme request failed (try 1 of 2), retrying in ")
    assert retried[0].endswith(f": Acme token request POST /oauth/token failed: {reason}")
    assert "ConnectionError" not in retried[0]


def test_a_token_endpoint_that_answers_only_5xx(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(503, {"error": "down"})
    with pytest.raises(FatalAPIError) as info:
        make(url, max_tries=1).update_access_token()
    assert str(info.value) == ("Acme answered 503 to the token request POST /oauth/token: down (gave up after 1 try)")


def test_a_token_endpoint_that_never_answers_fails_at_the_timeout() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()  # accepted by the backlog, never answered
        port = server.getsockname()[1]
        with pytest.raises(FatalAPIError) as info:
            make(f"http://127.0.0.1:{port}", max_tries=1, timeout=0.3).update_access_token()
    assert str(info.value) == (
        f"Acme token request POST /oauth/token failed: no answer from '127.0.0.1:{port}' "
        "within 'request_timeout_seconds' (gave up after 1 try)"
    )


def test_a_token_request_redirected_elsewhere_names_the_vendor(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(307, {}, {"Location": "https://elsewhere.example/oauth/token"})
    with pytest.raises(RedirectRefusedError) as info:
        make(url, max_tries=1).update_access_token()
    assert f"Acme answered 307 to POST {url}/oauth/token with a redirect to https://elsewhere.example:443" in str(
        info.value
    )


def test_the_token_answer_is_bounded_by_the_limits(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(body={"access_token": "tok-1234", "expires_in": 3600, "padding": "x" * 5000})
    with pytest.raises(ResponseTooLargeError) as info:
        make(url, max_tries=1, limits=TransportLimits(max_body_bytes=1000)).update_access_token()
    assert str(info.value).startswith(f"Acme answered POST {url}/oauth/token with more than ")


def test_what_a_new_authenticator_holds() -> None:
    budget = RateBudget()
    defaults = make("https://auth.acme.test", budget=budget, timeout=300.0)
    assert (defaults.budget, defaults.expires_at, defaults.tokens_fetched) == (budget, None, 0)
    bare = ClientCredentialsAuthenticator(
        vendor_name="Acme",
        credentials_hint="",
        redactor=Redactor(),
        budget=budget,
        policy=RetryPolicy(),
        auth_endpoint="https://auth.acme.test/oauth/token",
        client_id="acme-client",
        client_secret=CLIENT_SECRET,
    )
    assert bare.timeout == 300.0
