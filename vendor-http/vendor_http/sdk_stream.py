"""The base REST stream: budgeted transport, central error classification, retries.

Every plugin's ``client.py`` derives its one base stream from
:class:`VendorRESTStream` and adds only the vendor's URL, auth and paging.
"""

from __future__ import annotations

import enum
import typing as t
from functools import cached_property
from http import HTTPStatus

import requests
from singer_sdk import metrics
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel

from vendor_http.errors import describe_failure, retries_exhausted
from vendor_http.rate_budget import budget_wait
from vendor_http.records import RecordValidator
from vendor_http.retry import Retrier, RetryNow
from vendor_http.sdk_seam import StreamSeam, write_stream_state
from vendor_http.session import (
    IDEMPOTENT_METHODS,
    budgeted_session,
    json_body_problem,
    request_description,
    response_error_message,
    vendor_error_detail,
)
from vendor_http.summary import TotalCounter
from vendor_http.transport import TransportLimits

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context, RequestFunc
    from singer_sdk.singerlib import SelectionMask

    from vendor_http.progress import Progress
    from vendor_http.rate_budget import RateBudget
    from vendor_http.redaction import Redactor
    from vendor_http.retry import RetryPolicy
    from vendor_http.summary import RunSummary

_T = t.TypeVar("_T")


class VendorMetric(enum.Enum):
    """Metrics of ours, logged beside the SDK's (``METRIC: {...}``)."""

    #: Seconds a request waited for the rate budget before it was sent; the SDK's
    #: ``http_request_duration`` of the same request leaves that wait out.
    RATE_BUDGET_WAIT = "rate_budget_wait"


#: Budget waits shorter than this are not logged as a metric (no wait worth the name).
MIN_LOGGED_WAIT_SECONDS = 0.001


def selected_schema(schema: dict[str, t.Any], mask: SelectionMask) -> dict[str, t.Any]:
    """``schema`` without the properties deselected in the catalog (recursively)."""

    def prune(node: dict[str, t.Any], breadcrumb: tuple[str, ...]) -> dict[str, t.Any]:
        properties = node.get("properties")
        if not isinstance(properties, dict):
            return node
        kept = {}
        for name, sub in properties.items():
            crumb = (*breadcrumb, "properties", name)
            if mask[crumb]:
                kept[name] = prune(sub, crumb)
        return {**node, "properties": kept}

    return prune(schema, ())


class VendorRESTStream(StreamSeam[_T]):
    """A REST stream that talks to a vendor politely and fails clearly.

    - Requests go through the tap's shared :class:`~vendor_http.RateBudget`.
    - ``validate_response`` only classifies: 429/5xx are retriable, a 401 is sent
      once more with a new token when the authenticator can fetch one
      (``token_rejected``, see :mod:`vendor_http.oauth`), auth failures and other
      4xx are fatal with the vendor's own message; a 2xx whose body is not what it
      claims (``body_problem``: not JSON, cut off) is retriable on an idempotent
      request and fatal otherwise; it never sleeps.
    - Retries are the plugin's one engine (:class:`~vendor_http.Retrier`, through
      the SDK's ``request_decorator``) with the tap's
      :class:`~vendor_http.RetryPolicy`: Retry-After exactly (capped), otherwise
      jittered exponential backoff; each retry logged once.
    - Records are validated against the selected schema by ``validate_record``
      (fast, in C), which replaces the SDK's slower type conformance.
    """

    #: Human name of the vendor for messages ("Rick.ai").
    vendor_name: str = "the vendor"
    #: Settings a user should check when the vendor rejects the credentials.
    credential_settings: tuple[str, ...] = ("api_token",)
    #: Stream response bodies instead of reading them whole (big pages).
    stream_responses: bool = False
    #: A whole (not streamed) 2xx answer must be JSON; one that is not (cut off, corrupted)
    #: is retried like a 5xx when the request is idempotent, else it fails the run.
    json_body: bool = True
    #: The stream's POSTs only read (a search): a corrupt answer to one is asked again.
    idempotent_post: bool = False

    # Records are checked by `validate_record`, see the class docstring.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: Tap, *args: t.Any, **kwargs: t.Any) -> None:
        """Attach the stream to the tap's shared budget, policy and redactor."""
        super().__init__(tap, *args, **kwargs)
        #: The tap this stream belongs to (shared state such as the list of sites).
        self.vendor_tap = tap
        self.rate_budget: RateBudget = tap.rate_budget  # type: ignore[attr-defined]
        self.retry_policy: RetryPolicy = tap.retry_policy  # type: ignore[attr-defined]
        self.redactor: Redactor = tap.redactor  # type: ignore[attr-defined]

    # Transport

    @cached_property
    def requests_session(self) -> requests.Session:  # type: ignore[override]
        """A session whose every request passes the tap's rate budget, then gets its credentials.

        Credentials attached when the SDK prepares the request may be stale by the time
        the budget lets it go (an hourly window, a token that lives two hours): the
        transport attaches the authenticator's again once the request is admitted.
        """
        session = budgeted_session(
            self.rate_budget,
            self.retry_policy,
            vendor_name=self.vendor_name,
            limits=TransportLimits.from_config(self.config),
            authenticator=self.authenticator,
        )
        session.stream = self.stream_responses
        return session

    @property
    def timeout(self) -> float:  # type: ignore[override]
        """Seconds to wait for a connection or the next bytes of a response."""
        return float(self.config.get("request_timeout_seconds", 300.0))

    def send(self, request: requests.PreparedRequest, context: Context | None = None) -> requests.Response:
        """Send one prepared request outside the stream's own paging: auth, budget, classification.

        No retries here: wrap it in :meth:`request_decorator` for those. The duration
        is logged as the SDK logs its own requests' (``http_request_duration``).
        """
        response = self.requests_session.send(
            self.authenticator(request), timeout=self.timeout, allow_redirects=self.allow_redirects
        )
        tags: dict[str, t.Any] = {
            metrics.Tag.STREAM: self.name,
            metrics.Tag.ENDPOINT: self.path,
            metrics.Tag.HTTP_STATUS_CODE: response.status_code,
            metrics.Tag.STATUS: (
                metrics.Status.SUCCEEDED if response.status_code < HTTPStatus.BAD_REQUEST else metrics.Status.FAILED
            ),
        }
        if context:
            tags[metrics.Tag.CONTEXT] = context
        point = metrics.Point(
            "timer", metric=metrics.Metric.HTTP_REQUEST_DURATION, value=response.elapsed.total_seconds(), tags=tags
        )
        metrics.log(self.metrics_logger, point)
        self.request_made(response, context)
        self.validate_response(response)
        return response

    def update_sync_costs(
        self,
        request: requests.PreparedRequest,
        response: requests.Response,
        context: Context | None,
    ) -> dict[str, int]:
        """The SDK's hook after each request of the stream's own paging: see :meth:`request_made`."""
        self.request_made(response, context)
        return super().update_sync_costs(request, response, context)

    def request_made(self, response: requests.Response, context: Context | None) -> None:
        """After each request: log its wait for the rate budget (``rate_budget_wait``), maybe a progress line."""
        waited = budget_wait(response)
        if waited >= MIN_LOGGED_WAIT_SECONDS:
            tags: dict[str, t.Any] = {metrics.Tag.STREAM: self.name, metrics.Tag.ENDPOINT: self.path}
            if context:
                tags[metrics.Tag.CONTEXT] = context
            metric = t.cast("metrics.Metric", VendorMetric.RATE_BUDGET_WAIT)
            metrics.log(self.metrics_logger, metrics.Point("timer", metric=metric, value=round(waited, 6), tags=tags))
        if self.progress is not None:
            self.progress.tick()

    # Errors

    def vendor_error_detail(self, response: requests.Response) -> str:
        """The vendor's own explanation from an error body, shortened and redacted."""
        return vendor_error_detail(response, self.redactor)

    def request_description(self, response: requests.Response) -> str:
        """``GET https://host/path?query`` with secrets masked."""
        return request_description(response, self.redactor)

    def response_error_message(self, response: requests.Response) -> str:
        """One line naming the vendor, the request, the status and the vendor's words."""
        return response_error_message(self.vendor_name, response, self.vendor_error_detail(response), self.redactor)

    def idempotent(self, request: requests.PreparedRequest | None) -> bool:
        """Whether sending ``request`` again is harmless (a read): GET and the like, or a reading POST."""
        method = (request.method if request is not None else None) or "GET"
        return method in IDEMPOTENT_METHODS or (method == "POST" and self.idempotent_post)

    def body_problem(self, response: requests.Response) -> str | None:
        """Why a 2xx answer's body cannot be what it claims, or ``None``; by default: JSON or not.

        Override to check more (a value that goes into state or into a later request).
        """
        if not self.json_body or self.stream_responses:
            return None
        return json_body_problem(response)

    def validate_response(self, response: requests.Response) -> None:
        """Classify the response; raise, never wait."""
        status = response.status_code
        if status < HTTPStatus.MULTIPLE_CHOICES:
            problem = self.body_problem(response)
            if problem is not None:
                message = f"{self.vendor_name} answered {status} to {self.request_description(response)} {problem}"
                if self.idempotent(response.request):
                    raise RetriableAPIError(message, response)
                raise FatalAPIError(f"{message}; not retried, the request may have taken effect")
            return
        message = self.response_error_message(response)
        if status < HTTPStatus.BAD_REQUEST:
            raise FatalAPIError(f"{message} (a redirect that was not followed: check 'api_url')")
        if (
            status == HTTPStatus.TOO_MANY_REQUESTS
            or status >= HTTPStatus.INTERNAL_SERVER_ERROR
            or status in self.extra_retry_statuses
        ):
            raise RetriableAPIError(message, response)
        if status == HTTPStatus.UNAUTHORIZED and self.token_renewable(response):
            request = self.request_description(response)
            msg = f"{self.vendor_name} rejected the access token (expired or revoked) on {request}; fetching a new one"
            raise RetryNow(msg, response)
        if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
            settings = ", ".join(f"'{name}'" for name in self.credential_settings)
            msg = f"{message} (the credentials were rejected: check the setting(s) {settings})"
            raise FatalAPIError(msg)
        raise FatalAPIError(message)

    def token_renewable(self, response: requests.Response) -> bool:
        """A 401 worth one more try: the authenticator forgets its token and has not renewed it
        for this request yet (an authenticator without ``token_rejected`` never is)."""
        rejected = getattr(self.authenticator, "token_rejected", None)
        return callable(rejected) and response.request is not None and bool(rejected(response.request))

    # Retries

    @cached_property
    def retrier(self) -> Retrier:
        """The plugin's retry engine, logging to this stream's logger."""
        return Retrier(
            self.retry_policy,
            vendor_name=self.vendor_name,
            logger=self.logger,
            describe=lambda error: self.redactor(describe_failure(error, self.vendor_name)),
            give_up=lambda error, tries: retries_exhausted(error, tries, self.vendor_name),
        )

    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """Retry ``func`` with :attr:`retrier` instead of the SDK's ``backoff`` decorator."""
        return self.retrier.wrap(func)

    # Records

    @cached_property
    def record_validator(self) -> RecordValidator:
        """Validator of the selected part of the schema, built once per sync."""
        return RecordValidator(selected_schema(self.effective_schema, self.mask), stream=self.name)

    @cached_property
    def whole_record_validator(self) -> RecordValidator:
        """Validator of the whole schema, whatever the catalog selects."""
        return RecordValidator(self.schema, stream=self.name)

    def validate_record(self, record: dict[str, t.Any], *, whole: bool = False) -> dict[str, t.Any]:
        """Return ``record`` checked against and pruned to the selected schema.

        With ``whole``, against the stream's whole schema instead: for records the
        plugin uses itself, which must not depend on what the user selected.
        Raises :class:`~vendor_http.RecordValidationError`; callers add which
        record it was with ``error.at(...)``.
        """
        return (self.whole_record_validator if whole else self.record_validator)(record)

    # Progress and the run summary

    #: The units of work under way (see :meth:`track_progress`), advanced by :meth:`complete_window`.
    progress: Progress | None = None

    @property
    def run_summary(self) -> RunSummary | None:
        """The plugin's run summary (``None`` for a tap not built on ``VendorTap``)."""
        return getattr(self.vendor_tap, "run_summary", None)

    def get_record_counter(self, *, endpoint: str | None = None, log_interval: float = 60.0) -> TotalCounter:
        """The SDK's record counter, keeping its total for the summary and the progress lines."""
        counter = TotalCounter(
            metrics.Metric.RECORD_COUNT,
            {metrics.Tag.STREAM: self.name, **({metrics.Tag.ENDPOINT: endpoint} if endpoint else {})},
            log_interval=log_interval,
        )
        summary = self.run_summary
        if summary is not None:
            summary.count_records(self.name, counter)
            summary.count_retries(self.retrier, getattr(self.authenticator, "retrier", None))
        return counter

    def track_progress(
        self,
        unit: str,
        *,
        labels: Sequence[str] | None = None,
        total: int | None = None,
        scope: str = "",
    ) -> Progress | None:
        """Follow this stream's long work, one unit per :meth:`complete_window` (or ``progress.unit_done``).

        ``labels`` names the units in order (the days); logs what is to be done now, then
        progress lines at a steady pace (:mod:`vendor_http.progress`). Its records are the
        stream's and its children's.
        """
        summary = self.run_summary
        if summary is None:
            return None
        children: Iterable[str] = (child.name for child in self.child_streams)
        self.progress = summary.track(
            self.name, unit, logger=self.logger, labels=labels, total=total, scope=scope, records_of=children
        )
        self.progress.begin()
        return self.progress

    # Bookmarks

    def complete_window(self, value: str, *, context: Context | None = None, label: str | None = None) -> None:
        """Every record up to ``value`` (a replication-key value) has been emitted.

        Moves the bookmark to ``value`` if that is later than the current one (so
        re-reading lookback windows never moves it back) and writes STATE. One unit of
        :attr:`progress` is done (``label`` names it; default: its label, else ``value``).
        """
        if self.replication_key is None:
            msg = f"stream {self.name!r} has no replication_key, so it has no window bookmark to move"
            raise TypeError(msg)
        state = self.get_context_state(context)
        current = state.get("replication_key_value")
        if current is None or value > current:
            self.advance_bookmark(value, context=context)
        self.write_state_now()
        if self.progress is not None:
            self.progress.unit_done(label if label is not None or self.progress.labels else value)

    def write_state_now(self) -> None:
        """Emit STATE at once (the SDK writes it only after records), e.g. a job id to resume."""
        write_stream_state(self.vendor_tap, self)
