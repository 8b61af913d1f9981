"""A budgeted, retrying, redacting HTTP client for code that is not an SDK stream.

Targets (and any plugin code outside a ``RESTStream``) make their requests with
:class:`VendorSession`: every request takes a slot of the plugin's
:class:`~vendor_http.RateBudget`, 429/5xx answers, timeouts and dropped
connections are retried per the :class:`~vendor_http.RetryPolicy` (a
``Retry-After`` is honoured exactly, up to its cap), any other 4xx fails at once,
and errors name the vendor, the request (secrets masked), the status and the
vendor's own words. The error wording is shared with ``VendorRESTStream``.
"""

from __future__ import annotations

import json
import logging
import time
import typing as t
from datetime import timedelta
from http import HTTPStatus

import requests

from vendor_http.errors import ExplainedError, gave_up, transport_reason
from vendor_http.rate_budget import BudgetedAdapter, budget_wait
from vendor_http.redirects import RedirectGuardedSession, RedirectRefusedError
from vendor_http.retry import TRANSIENT_ERRORS, Retrier, retry_after_seconds
from vendor_http.transport import ResponseTooLargeError, TransportLimits

if t.TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from vendor_http.rate_budget import RateBudget
    from vendor_http.redaction import Redactor
    from vendor_http.retry import RetryPolicy

ERROR_BODY_LIMIT = 500
#: Top-level keys of a JSON error body that hold the vendor's explanation, in order.
ERROR_MESSAGE_KEYS = ("error", "message", "errorDescription", "detail")


#: Methods whose request may be sent again without a second effect (RFC 9110, 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def json_body_problem(response: requests.Response) -> str | None:
    """Why a response body is not JSON (cut off, corrupted, empty), or ``None`` if it is."""
    try:
        response.json()
    except ValueError as error:
        reason = str(error).splitlines()[0][:200]
        return f"with a body that is not valid JSON (cut off or corrupted: {reason})"
    return None


def vendor_latency(response: requests.Response, *_: t.Any, **__: t.Any) -> requests.Response:
    """A response hook: ``response.elapsed`` becomes the vendor's time, without the wait for the budget.

    ``requests`` times the whole ``adapter.send``, which includes the wait for a budget slot
    (about 1 s a request at one request per second): the SDK would log that as the
    request's ``http_request_duration``. Response hooks run after ``elapsed`` is set, for
    each hop of a redirect.
    """
    waited = budget_wait(response)
    if waited > 0:
        response.elapsed = max(timedelta(0), response.elapsed - timedelta(seconds=waited))
    return response


def budgeted_session(
    budget: RateBudget,
    policy: RetryPolicy,
    *,
    vendor_name: str = "the vendor",
    limits: TransportLimits | None = None,
    authenticator: Callable[[requests.PreparedRequest], requests.PreparedRequest] | None = None,
) -> requests.Session:
    """A ``requests`` session whose every request (http and https) takes a slot of ``budget``.

    A 429 with ``Retry-After`` holds every request of the plugin back for that long
    (capped by ``policy``), not only the retry of the request that got it. Redirects are
    followed only within the request's origin (:mod:`vendor_http.redirects`); one to
    another origin fails, naming ``vendor_name`` and the request. Every request has the
    total deadline and size bound of ``limits`` (default :class:`TransportLimits`), and
    ``authenticator``'s credentials are attached only once the budget admitted it. A
    response's ``elapsed`` leaves out the wait for the budget (see ``budget_wait``).
    """

    def hold_back(response: requests.Response) -> None:
        if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            wait = retry_after_seconds(response)
            if wait is not None:
                budget.pause_for(min(wait, policy.retry_after_max_seconds))

    session = RedirectGuardedSession(vendor_name=vendor_name)
    session.hooks["response"].append(vendor_latency)
    adapter = BudgetedAdapter(
        budget, on_response=hold_back, limits=limits, authenticator=authenticator, vendor_name=vendor_name
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def vendor_error_detail(response: requests.Response, redactor: Redactor) -> str:
    """The vendor's own explanation from an error body, shortened and redacted."""
    try:
        text = response.text
    except requests.RequestException:
        return "(the error body could not be read)"
    detail = text.strip()
    try:
        body = json.loads(text)
    except ValueError:
        pass
    else:
        if isinstance(body, dict):
            for key in ERROR_MESSAGE_KEYS:
                if isinstance(body.get(key), str):
                    detail = body[key]
                    break
    if len(detail) > ERROR_BODY_LIMIT:
        detail = detail[:ERROR_BODY_LIMIT] + "…"
    return redactor(detail) or "(empty body)"


def request_description(response: requests.Response, redactor: Redactor) -> str:
    """``GET https://host/path?query`` with secrets masked."""
    method = response.request.method if response.request else "GET"
    return f"{method} {redactor.url(response.url)}"


def response_error_message(vendor_name: str, response: requests.Response, detail: str, redactor: Redactor) -> str:
    """One line naming the vendor, the request, the status and the vendor's words."""
    return f"{vendor_name} answered {response.status_code} to {request_description(response, redactor)}: {detail}"


def is_retriable_status(status: int, extra: t.Collection[int] = ()) -> bool:
    """429, any 5xx and the vendor's ``extra`` statuses are worth another try."""
    return status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR or status in extra


class VendorHTTPError(ExplainedError):
    """A request failed for good; the message is redacted and names the request.

    ``response`` is the last answer (``None`` after a transport failure);
    ``retriable`` says whether the failure was of a retriable kind (tries ran out).
    """

    def __init__(self, message: str, *, response: requests.Response | None = None, retriable: bool = False) -> None:
        """Keep the last response beside the message."""
        super().__init__(message)
        self.response = response
        self.retriable = retriable

    @property
    def status(self) -> int | None:
        """The HTTP status of the last answer, if there was one."""
        return None if self.response is None else self.response.status_code


class VendorSession:
    """``requests`` with the plugin's rate budget, retry policy and redactor.

    ``describe_error(response)`` may return the vendor's explanation from a body
    of the vendor's own shape; otherwise the common keys are looked up.
    """

    def __init__(
        self,
        *,
        vendor_name: str,
        budget: RateBudget,
        policy: RetryPolicy,
        redactor: Redactor,
        timeout: float = 300.0,
        headers: Mapping[str, str] | None = None,
        credential_settings: t.Sequence[str] = (),
        describe_error: Callable[[requests.Response], str | None] | None = None,
        extra_retry_statuses: t.Collection[int] = (),
        logger: logging.Logger | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limits: TransportLimits | None = None,
    ) -> None:
        """Create the session; ``headers`` go with every request (register secrets with ``redactor``)."""
        self.vendor_name = vendor_name
        self.budget = budget
        self.policy = policy
        self.redactor = redactor
        self.timeout = timeout
        self.credential_settings = tuple(credential_settings)
        self.describe_error = describe_error
        self.extra_retry_statuses = frozenset(extra_retry_statuses)
        self.logger = logger or logging.getLogger(__name__)
        self.session = budgeted_session(budget, policy, vendor_name=vendor_name, limits=limits)
        self.session.headers.update(headers or {})
        self.retrier = Retrier(
            policy,
            vendor_name=vendor_name,
            logger=self.logger,
            is_retriable=lambda error: isinstance(error, VendorHTTPError) and error.retriable,
            give_up=lambda error, tries: VendorHTTPError(
                f"{error} {gave_up(tries)}",
                response=getattr(error, "response", None),
                retriable=True,
            ),
            sleep=sleep,
        )
        #: Requests sent (every try), for summaries and benchmarks.
        self.requests_sent = 0

    @property
    def retries(self) -> int:
        """Retries made so far (tries after a first one)."""
        return self.retrier.retries

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def error_message(self, response: requests.Response) -> str:
        """The redacted one-line description of an error answer."""
        detail = None
        if self.describe_error is not None:
            try:
                detail = self.describe_error(response)
            except ValueError:
                detail = None
        detail = self.redactor(detail) if detail else vendor_error_detail(response, self.redactor)
        return response_error_message(self.vendor_name, response, detail, self.redactor)

    def request(
        self,
        method: str,
        url: str,
        *,
        expect_json: bool = False,
        idempotent: bool | None = None,
        **kwargs: t.Any,
    ) -> requests.Response:
        """Send one request, retried per the policy; return a 2xx response.

        With ``expect_json`` a 2xx body that is not JSON (cut off, corrupted) is a failure:
        retried like a 5xx if the request is ``idempotent`` (default: by its method; a
        POST that only reads, like a status check, says so), else it fails at once.
        Raises :class:`VendorHTTPError` for a 4xx other than 429 at once, and for
        retriable failures once ``max_tries`` is used up.
        """
        kwargs.setdefault("timeout", self.timeout)
        again = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        return self.retrier.call(self.send_once, method, url, expect_json=expect_json, idempotent=again, **kwargs)

    def send_once(
        self, method: str, url: str, *, expect_json: bool = False, idempotent: bool = True, **kwargs: t.Any
    ) -> requests.Response:
        """One try: the response if 2xx, else a :class:`VendorHTTPError` saying whether to retry."""
        self.requests_sent += 1
        try:
            response = self.session.request(method, url, **kwargs)
            response.content  # noqa: B018 - read the body now: a cut body is a transport failure
        except (RedirectRefusedError, ResponseTooLargeError) as exc:  # for good: not retried
            raise VendorHTTPError(self.redactor(str(exc))) from exc
        except TRANSIENT_ERRORS as exc:
            reason = self.redactor(transport_reason(exc))
            message = f"{self.vendor_name} request {method} {self.redactor.url(url)} failed: {reason}"
            raise VendorHTTPError(message, retriable=True) from None
        if response.status_code < HTTPStatus.MULTIPLE_CHOICES:
            problem = json_body_problem(response) if expect_json else None
            if problem is None:
                return response
            request = request_description(response, self.redactor)
            message = f"{self.vendor_name} answered {response.status_code} to {request} {problem}"
            if not idempotent:
                message += "; not retried, the request may have taken effect"
            raise VendorHTTPError(message, response=response, retriable=idempotent)
        message = self.error_message(response)
        if response.status_code < HTTPStatus.BAD_REQUEST:
            raise VendorHTTPError(f"{message} (a redirect that was not followed: check 'api_url')", response=response)
        if is_retriable_status(response.status_code, self.extra_retry_statuses):
            raise VendorHTTPError(message, response=response, retriable=True)
        if response.status_code in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
            settings = ", ".join(f"'{name}'" for name in self.credential_settings)
            if settings:
                message += f" (the credentials were rejected: check the setting(s) {settings})"
        raise VendorHTTPError(message, response=response)

    def post(self, url: str, **kwargs: t.Any) -> requests.Response:
        """``request("POST", url, ...)`` (``idempotent=True`` for a POST that only reads)."""
        return self.request("POST", url, **kwargs)

    def get(self, url: str, **kwargs: t.Any) -> requests.Response:
        """``request("GET", url, ...)``."""
        return self.request("GET", url, **kwargs)
