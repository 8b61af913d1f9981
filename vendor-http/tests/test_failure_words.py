"""A failure below HTTP is said in plain words naming the vendor and the request, never in
``requests``' words; the SDK's "unhandled error" line goes for an explained failure only."""

from __future__ import annotations

import inspect
import logging
import socket
import threading
import typing as t

import pytest
import requests
from singer_sdk import Stream

from vendor_http.errors import ExplainedError, describe_failure, gave_up, is_transport_failure, retries_exhausted
from vendor_http.plugin import SDK_SYNC_FAILED_NOTICE, ExplainedFailureNotice

if t.TYPE_CHECKING:
    from collections.abc import Iterator

SECRET = "query-secret-1234"


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, int]]:
    """A listening socket on a free port of 127.0.0.1 (accepts what the test makes it)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server, server.getsockname()[1]


def failure_of(url: str, timeout: float = 5.0) -> requests.RequestException:
    try:
        requests.get(url, timeout=timeout)
    except requests.RequestException as error:
        return error
    raise AssertionError("the request did not fail")


def test_a_name_that_does_not_resolve() -> None:
    error = failure_of(f"https://acme.invalid/v1/items?token={SECRET}")
    assert is_transport_failure(error)
    assert describe_failure(error, "Acme") == (
        "Acme request GET https://acme.invalid/v1/items?token=*** failed: the host name 'acme.invalid' "
        "could not be resolved (DNS): check the URL settings and the network"
    )


def test_a_refused_connection() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = failure_of(f"http://127.0.0.1:{port}/x")
    assert describe_failure(error, "Acme") == (
        f"Acme request GET http://127.0.0.1:{port}/x failed: '127.0.0.1:{port}' refused the connection: "
        "check the URL settings"
    )


def test_a_connection_closed_without_an_answer(listener: tuple[socket.socket, int]) -> None:
    server, port = listener

    def close_at_once() -> None:
        connection, _ = server.accept()
        connection.recv(65536)
        connection.close()

    threading.Thread(target=close_at_once, daemon=True).start()
    error = failure_of(f"http://127.0.0.1:{port}/x")
    assert describe_failure(error, "Acme") == (
        f"Acme request GET http://127.0.0.1:{port}/x failed: '127.0.0.1:{port}' closed the connection without an answer"
    )
    assert str(retries_exhausted(error, 4, "Acme")).endswith("without an answer (gave up after 4 tries)")


def test_no_answer_in_time(listener: tuple[socket.socket, int]) -> None:
    server, port = listener
    error = failure_of(f"http://127.0.0.1:{port}/x", timeout=0.2)  # accepted by the backlog, never answered
    assert describe_failure(error, "Acme") == (
        f"Acme request GET http://127.0.0.1:{port}/x failed: no answer from '127.0.0.1:{port}' "
        "within 'request_timeout_seconds'"
    )
    _ = server


def test_a_failure_with_an_answer_keeps_its_own_words() -> None:
    error = ExplainedError(f"Acme answered 500 to GET /x?token={SECRET}:\n down")
    assert not is_transport_failure(error)
    assert describe_failure(error, "Acme") == f"Acme answered 500 to GET /x?token={SECRET}: down"


def test_one_try_or_many() -> None:
    assert (gave_up(1), gave_up(2)) == ("(gave up after 1 try)", "(gave up after 2 tries)")


def test_the_sdk_notice_goes_for_an_explained_failure_only(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("acme-test.items")
    notice = ExplainedFailureNotice((ExplainedError,))
    logger.addFilter(notice)
    try:
        with caplog.at_level(logging.INFO, logger="acme-test.items"):
            for error in (ExplainedError("explained"), ZeroDivisionError("bug")):
                try:
                    raise error
                except Exception:
                    logger.error(f"{SDK_SYNC_FAILED_NOTICE} '%s'", "items")
                    logger.error("another line")
    finally:
        logger.removeFilter(notice)
    assert [r.getMessage() for r in caplog.records] == [
        "another line",
        f"{SDK_SYNC_FAILED_NOTICE} 'items'",
        "another line",
    ]


def test_the_sdk_still_logs_that_notice_where_a_stream_sync_fails() -> None:
    # Canary: if the SDK changes its words, the filter above would silently keep its line.
    assert f"\"{SDK_SYNC_FAILED_NOTICE} '%s'\"" in inspect.getsource(Stream.sync)
