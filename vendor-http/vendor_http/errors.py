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

import re

import requests
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError

from vendor_http.redaction import redact

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
