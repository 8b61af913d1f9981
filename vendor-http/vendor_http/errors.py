"""Failures a plugin explains to its user, and how they become one line.

A run ends in one of three ways: it succeeds; it stops for a reason the plugin can
explain (the vendor refused a request, a job failed, a setting or a record is not
valid, the network stayed down after every retry), and then the user gets one line
``<plugin> stopped: <what happened and what to do>`` and exit code 1; or it hits a
bug, and then the traceback is kept with a line asking to report it.

:class:`ExplainedError` marks the plugin's own explained failures;
:func:`failure_message` also knows the SDK's and ``requests``' ones. The plugin base
(:mod:`vendor_http.plugin`) is the one place that turns a failure into the message.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError

from vendor_http.redaction import redact, redact_url

_LINE_BREAKS = re.compile(r"\s*\n\s*")


class ExplainedError(Exception):
    """A failure whose message says all the user needs: what happened and what to do.

    Raised (or subclassed) by plugin code for vendor, job, setting and record
    failures; the plugin reports it as one line, without a traceback.
    """


#: Failures reported as one line: ours, the SDK's request and settings errors, and a
#: network failure that outlived the retries.
EXPLAINED_FAILURES: tuple[type[BaseException], ...] = (
    ExplainedError,
    ConfigValidationError,
    FatalAPIError,
    RetriableAPIError,
    requests.RequestException,
)


def failure_message(error: BaseException) -> str:
    """The one-line, redacted text of an explained failure."""
    if isinstance(error, ConfigValidationError):
        problems = [str(problem) for problem in error.errors] or [str(error)]
        text = "invalid settings: " + "; ".join(problems)
    else:
        text = str(error) or type(error).__name__
    return redact(_LINE_BREAKS.sub(" ", text.strip()))


class RetriesExhaustedError(FatalAPIError, ExplainedError):
    """A retriable failure (a 5xx, a 429, a dropped connection) that outlived every try.

    A :class:`~singer_sdk.exceptions.FatalAPIError` too, so code that adds context to
    a request's failure (which window, which report) catches it like any other.
    """


#: Causes searched for in a transport failure's chain, most telling first: (type, words).
def _transport_reasons() -> list[tuple[tuple[type[BaseException], ...], str]]:
    return [
        (
            (urllib3.exceptions.NameResolutionError, socket.gaierror),
            "the host name {host} could not be resolved (DNS): check the URL settings and the network",
        ),
        ((ConnectionRefusedError,), "{host} refused the connection: check the URL settings"),
        ((ssl.SSLError, urllib3.exceptions.SSLError), "the TLS handshake with {host} failed"),
        (
            (requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError),
            "no connection to {host} within 'request_timeout_seconds'",
        ),
        (
            (http.client.RemoteDisconnected, ConnectionResetError, ConnectionAbortedError, BrokenPipeError),
            "{host} closed the connection without an answer",
        ),
        (
            (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.IncompleteRead, http.client.IncompleteRead),
            "the answer from {host} broke off before its end",
        ),
        (
            (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError),
            "no answer from {host} within 'request_timeout_seconds'",
        ),
        ((OSError, urllib3.exceptions.NewConnectionError), "no connection to {host}"),
    ]


def _causes(error: BaseException) -> list[BaseException]:
    """``error`` and what it wraps (arguments, ``reason``, cause, context), outermost first."""
    seen: list[BaseException] = []
    todo = [error]
    while todo and len(seen) < 20:
        current = todo.pop(0)
        if any(current is known for known in seen):
            continue
        seen.append(current)
        linked = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        todo.extend(item for item in linked if isinstance(item, BaseException))
    return seen


def is_transport_failure(error: BaseException) -> bool:
    """No (whole) answer came: DNS, a refused or dropped connection, a timeout, TLS, a cut body."""
    if isinstance(error, requests.RequestException):
        return getattr(error, "response", None) is None
    return isinstance(error, (OSError, urllib3.exceptions.HTTPError, http.client.HTTPException))


def transport_reason(error: BaseException, host: str | None = None) -> str:
    """A transport failure in plain words (what happened below HTTP), redacted, on one line."""
    from vendor_http.transport import DeadlineExceededError  # here: transport imports this module

    if isinstance(error, DeadlineExceededError):
        return failure_message(error)  # our own words already
    request = getattr(error, "request", None)
    if host is None and request is not None and getattr(request, "url", None):
        parts = urlsplit(request.url)
        host = parts.netloc.rsplit("@", 1)[-1] or None
    causes = _causes(error)
    for kinds, words in _transport_reasons():
        if any(isinstance(cause, kinds) for cause in causes):
            if host is None:  # "the answer from {host} broke off" → "the answer broke off"
                words = re.sub(r" (from|with|to) \{host\}", "", words).replace("{host}", "the host")
            return words.format(host=f"'{host}'")
    return failure_message(error)


def body_failure_reason(error: BaseException | None) -> str:
    """Why a (streamed) body could not be read whole: the transport failure in plain words,
    or the parser's first line."""
    if error is None:
        return "it ended early"
    if is_transport_failure(error):
        return transport_reason(error)
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return redact(f"not valid JSON: {first[:200]}")


def request_of(error: BaseException | requests.Response) -> str | None:
    """``METHOD url`` (secrets masked) of the request a ``requests`` failure (or answer) belongs to."""
    request = getattr(error, "request", None)
    url = getattr(request, "url", None)
    if not url:
        return None
    return f"{getattr(request, 'method', None) or 'GET'} {redact_url(url)}"


def describe_failure(error: BaseException, vendor_name: str) -> str:
    """One line for a failed try: a transport failure names the vendor, the request and the
    reason in plain words; anything else is its own (redacted) message."""
    if not is_transport_failure(error):
        return failure_message(error)
    request = request_of(error)
    reason = transport_reason(error)
    if request is None:
        return f"{vendor_name} request failed: {reason}"
    return f"{vendor_name} request {request} failed: {reason}"


def gave_up(tries: int) -> str:
    """``"(gave up after 3 tries)"``, ``"(gave up after 1 try)"``: the end of a message."""
    return f"(gave up after {tries} {'try' if tries == 1 else 'tries'})"


def retries_exhausted(error: BaseException, tries: int, vendor_name: str) -> RetriesExhaustedError:
    """The failure that stops the run once ``tries`` tries all failed (``give_up`` of a Retrier)."""
    return RetriesExhaustedError(f"{describe_failure(error, vendor_name)} {gave_up(tries)}")
