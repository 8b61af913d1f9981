"""The words of a failure below HTTP, one cause at a time (kills vendor_http.errors' mutants).

Pure logic: the failures are built here as ``requests`` / ``urllib3`` / the standard
library raise them; test_failure_words.py makes them happen on real sockets.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import requests
import urllib3.exceptions
from singer_sdk.exceptions import FatalAPIError

from vendor_http.errors import (
    ExplainedError,
    RetriesExhaustedError,
    body_failure_reason,
    describe_failure,
    is_transport_failure,
    request_of,
    retries_exhausted,
    transport_reason,
)
from vendor_http.transport import DeadlineExceededError

#: (failure, its words naming host 'h', its words when no host is known)
CASES = [
    (
        socket.gaierror(-2, "Name or service not known"),
        "the host name 'h' could not be resolved (DNS): check the URL settings and the network",
        "the host name the host could not be resolved (DNS): check the URL settings and the network",
    ),
    (
        ConnectionRefusedError(111, "Connection refused"),
        "'h' refused the connection: check the URL settings",
        "the host refused the connection: check the URL settings",
    ),
    (ssl.SSLError(1, "bad handshake"), "the TLS handshake with 'h' failed", "the TLS handshake failed"),
    (
        requests.exceptions.ConnectTimeout("slow"),
        "no connection to 'h' within 'request_timeout_seconds'",
        "no connection within 'request_timeout_seconds'",
    ),
    (
        http.client.RemoteDisconnected("closed"),
        "'h' closed the connection without an answer",
        "the host closed the connection without an answer",
    ),
    (
        requests.exceptions.ChunkedEncodingError("cut"),
        "the answer from 'h' broke off before its end",
        "the answer broke off before its end",
    ),
    (
        requests.exceptions.ReadTimeout("slow"),
        "no answer from 'h' within 'request_timeout_seconds'",
        "no answer within 'request_timeout_seconds'",
    ),
    (OSError("down"), "no connection to 'h'", "no connection"),
]


@pytest.mark.parametrize(("error", "named", "unnamed"), CASES)
def test_each_cause_in_its_own_words(error: BaseException, named: str, unnamed: str) -> None:
    assert transport_reason(error, "h") == named
    assert transport_reason(error) == unnamed


@pytest.mark.parametrize(
    "wrap",
    [
        lambda cause: requests.exceptions.ConnectionError(cause),  # in the arguments
        lambda cause: _WithReason(cause),  # urllib3's MaxRetryError keeps it in .reason
        lambda cause: with_link(ValueError("outer"), "__cause__", cause),
        lambda cause: with_link(ValueError("outer"), "__context__", cause),
    ],
)
def test_the_cause_is_found_wherever_it_is_linked(wrap: Callable[[BaseException], BaseException]) -> None:
    error = wrap(ConnectionRefusedError(111, "Connection refused"))
    assert transport_reason(error, "h") == "'h' refused the connection: check the URL settings"


def test_the_most_telling_cause_wins_over_the_outer_one() -> None:
    # A requests failure is an OSError itself: the DNS failure inside it is what counts.
    error = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", socket.gaierror(-2, "x")))
    assert transport_reason(error, "h").startswith("the host name 'h' could not be resolved")


def test_a_chain_is_followed_for_twenty_failures() -> None:
    def chain(length: int) -> ValueError:
        inner: BaseException = ConnectionRefusedError(111, "refused")
        for depth in range(length - 1):
            inner = with_link(ValueError(f"wrapper {depth}"), "__cause__", inner)
        assert isinstance(inner, ValueError)
        return inner

    assert transport_reason(chain(20), "h") == "'h' refused the connection: check the URL settings"
    assert transport_reason(chain(21), "h") == "wrapper 19"  # not found: the outer failure's own words


def test_a_failure_linked_to_itself_ends() -> None:
    first, second = ValueError("first"), ValueError("second")
    first.__context__, second.__context__ = second, first
    third = ValueError("third")
    second.__cause__ = third
    third.__cause__ = ConnectionRefusedError(111, "refused")
    assert transport_reason(first, "h") == "'h' refused the connection: check the URL settings"


def test_nothing_known_keeps_the_failures_own_words() -> None:
    assert transport_reason(ValueError("odd\n  thing"), "h") == "odd thing"


def test_a_deadline_keeps_our_own_words() -> None:
    error = DeadlineExceededError("GET /x took longer than its 60 s deadline")
    assert transport_reason(error, "h") == "GET /x took longer than its 60 s deadline"


def test_the_host_comes_from_the_request_without_userinfo() -> None:
    request = SimpleNamespace(url="https://user:pw@acme.example:8443/x?token=1", method="GET")
    error = requests.exceptions.ReadTimeout("slow", request=request)
    assert transport_reason(error) == "no answer from 'acme.example:8443' within 'request_timeout_seconds'"
    assert transport_reason(error, "given") == "no answer from 'given' within 'request_timeout_seconds'"
    plain = requests.exceptions.ReadTimeout("slow", request=SimpleNamespace(url="http://acme.example/x"))
    assert transport_reason(plain) == "no answer from 'acme.example' within 'request_timeout_seconds'"
    # A password with an unencoded "@": the host is what follows the last one.
    at_sign = requests.exceptions.ReadTimeout("slow", request=SimpleNamespace(url="http://u:p@ss@acme.example/x"))
    assert transport_reason(at_sign) == "no answer from 'acme.example' within 'request_timeout_seconds'"
    # Something that is not a request at all (no url): no host, no failure of its own.
    odd = requests.exceptions.ReadTimeout("slow", request=SimpleNamespace())
    assert transport_reason(odd) == "no answer within 'request_timeout_seconds'"


@pytest.mark.parametrize("url", ["", None, "/relative/x"])
def test_a_request_without_a_host_names_none(url: str | None) -> None:
    error = requests.exceptions.ReadTimeout("slow", request=SimpleNamespace(url=url))
    assert transport_reason(error) == "no answer within 'request_timeout_seconds'"


def test_what_counts_as_a_transport_failure() -> None:
    answered = requests.Response()
    answered.status_code = 500
    assert is_transport_failure(requests.exceptions.ConnectionError("down"))
    assert not is_transport_failure(requests.exceptions.HTTPError("500", response=answered))
    assert is_transport_failure(OSError("down"))
    assert is_transport_failure(urllib3.exceptions.ProtocolError("cut"))
    assert is_transport_failure(http.client.IncompleteRead(b"x"))
    assert not is_transport_failure(ValueError("bad json"))
    assert not is_transport_failure(ExplainedError("explained"))


def test_why_a_body_could_not_be_read() -> None:
    assert body_failure_reason(None) == "it ended early"
    assert body_failure_reason(requests.exceptions.ChunkedEncodingError("cut")) == (
        "the answer broke off before its end"
    )
    assert body_failure_reason(ValueError("  Expecting value: line 1\nmore  ")) == (
        "not valid JSON: Expecting value: line 1"
    )
    assert body_failure_reason(ValueError("")) == "not valid JSON: ValueError"
    long = body_failure_reason(ValueError("x" * 300))
    assert long == "not valid JSON: " + "x" * 200


def test_the_request_of_a_failure() -> None:
    assert request_of(ValueError("no request")) is None
    assert request_of(requests.exceptions.ConnectionError("x", request=SimpleNamespace(url=""))) is None
    unnamed = SimpleNamespace(url="http://acme.example/x?token=abc12345", method=None)
    assert request_of(requests.exceptions.ConnectionError("x", request=unnamed)) == (
        "GET http://acme.example/x?token=***"
    )
    without_method = SimpleNamespace(url="http://acme.example/z")
    assert request_of(requests.exceptions.ConnectionError("x", request=without_method)) == ("GET http://acme.example/z")
    posted = SimpleNamespace(url="http://acme.example/x", method="POST")
    assert request_of(requests.exceptions.ConnectionError("x", request=posted)) == "POST http://acme.example/x"
    response = requests.Response()
    response.request = SimpleNamespace(url="http://acme.example/y", method="PUT")  # type: ignore[assignment]
    assert request_of(response) == "PUT http://acme.example/y"


def test_a_failed_try_without_its_request() -> None:
    assert describe_failure(ConnectionRefusedError(111, "refused"), "Acme") == (
        "Acme request failed: the host refused the connection: check the URL settings"
    )


def test_retries_exhausted_is_a_fatal_explained_failure() -> None:
    error = retries_exhausted(requests.exceptions.ReadTimeout("slow"), 1, "Acme")
    assert isinstance(error, RetriesExhaustedError)
    assert isinstance(error, FatalAPIError)
    assert isinstance(error, ExplainedError)
    assert str(error) == ("Acme request failed: no answer within 'request_timeout_seconds' (gave up after 1 try)")


def with_link(error: ValueError, attribute: str, cause: BaseException) -> ValueError:
    setattr(error, attribute, cause)
    return error


class _WithReason(Exception):
    def __init__(self, reason: BaseException) -> None:
        super().__init__("wrapped")
        self.reason = reason
