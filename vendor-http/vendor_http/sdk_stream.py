"""The base REST stream: budgeted transport, central error classification, retries.

Every plugin's ``client.py`` derives its one base stream from
:class:`VendorRESTStream` and adds only the vendor's URL, auth and paging.
"""

from __future__ import annotations

import typing as t
from datetime import UTC, datetime
from functools import cached_property
from http import HTTPStatus

import requests
from singer_sdk import singerlib as singer
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.streams import RESTStream

from vendor_http.rate_budget import BudgetedAdapter
from vendor_http.records import RecordValidator
from vendor_http.retry import retry_after_seconds
from vendor_http.session import request_description, response_error_message, vendor_error_detail

if t.TYPE_CHECKING:
    from collections.abc import Generator

    from backoff.types import Details
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context
    from singer_sdk.singerlib import SelectionMask

    from vendor_http.rate_budget import RateBudget
    from vendor_http.redaction import Redactor
    from vendor_http.retry import RetryPolicy

_T = t.TypeVar("_T")


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


class VendorRESTStream(RESTStream[_T]):
    """A REST stream that talks to a vendor politely and fails clearly.

    - Requests go through the tap's shared :class:`~vendor_http.RateBudget`.
    - ``validate_response`` only classifies: 429/5xx are retriable, auth failures
      and other 4xx are fatal with the vendor's own message; it never sleeps.
    - Waits come from the tap's :class:`~vendor_http.RetryPolicy`: Retry-After
      exactly (capped), otherwise jittered exponential backoff.
    - Records are validated against the selected schema by ``validate_record``
      (fast, in C), which replaces the SDK's slower type conformance.
    """

    #: Human name of the vendor for messages ("Rick.ai").
    vendor_name: str = "the vendor"
    #: Settings a user should check when the vendor rejects the credentials.
    credential_settings: tuple[str, ...] = ("api_token",)
    #: Stream response bodies instead of reading them whole (big pages).
    stream_responses: bool = False

    # Records are checked by `validate_record`, see the class docstring.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: Tap, *args: t.Any, **kwargs: t.Any) -> None:
        """Attach the stream to the tap's shared budget, policy and redactor."""
        super().__init__(tap, *args, **kwargs)
        self.rate_budget: RateBudget = tap.rate_budget  # type: ignore[attr-defined]
        self.retry_policy: RetryPolicy = tap.retry_policy  # type: ignore[attr-defined]
        self.redactor: Redactor = tap.redactor  # type: ignore[attr-defined]

    # Transport

    @cached_property
    def requests_session(self) -> requests.Session:  # type: ignore[override]
        """A session whose every request passes the tap's rate budget."""
        session = requests.Session()
        adapter = BudgetedAdapter(self.rate_budget, on_response=self._on_response)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.stream = self.stream_responses
        return session

    def _on_response(self, response: requests.Response) -> None:
        """Hold every stream back when the vendor asks for a pause."""
        if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            wait = retry_after_seconds(response)
            if wait is not None:
                self.rate_budget.pause_for(min(wait, self.retry_policy.retry_after_max_seconds))

    @property
    def timeout(self) -> float:  # type: ignore[override]
        """Seconds to wait for a connection or the next bytes of a response."""
        return float(self.config.get("request_timeout_seconds", 300.0))

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

    def validate_response(self, response: requests.Response) -> None:
        """Classify the response; raise, never wait."""
        status = response.status_code
        if status < HTTPStatus.BAD_REQUEST:
            return
        message = self.response_error_message(response)
        if (
            status == HTTPStatus.TOO_MANY_REQUESTS
            or status >= HTTPStatus.INTERNAL_SERVER_ERROR
            or status in self.extra_retry_statuses
        ):
            raise RetriableAPIError(message, response)
        if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
            settings = ", ".join(f"'{name}'" for name in self.credential_settings)
            msg = f"{message} (the credentials were rejected: check the setting(s) {settings})"
            raise FatalAPIError(msg)
        raise FatalAPIError(message)

    # Retries

    def backoff_wait_generator(self) -> Generator[float, t.Any, None]:  # type: ignore[override]
        """Retry-After when the vendor gives one, else exponential backoff."""
        return self.retry_policy.wait_generator()

    def backoff_max_tries(self) -> int:
        """Tries per request, from the ``max_tries`` setting."""
        return self.retry_policy.max_tries

    def backoff_jitter(self, value: float) -> float:
        """No extra jitter: the policy jitters its own backoff, never a Retry-After."""
        return value

    def backoff_handler(self, details: Details) -> None:
        """Log each retry with its reason, never with request arguments."""
        exception = details.get("exception")
        self.logger.warning(
            "%s request failed (try %d of %d), retrying in %.1fs: %s",
            self.vendor_name,
            details.get("tries", 0),
            self.retry_policy.max_tries,
            details.get("wait", 0.0),
            self.redactor(str(exception)) if exception else "unknown error",
        )

    # Records

    @cached_property
    def record_validator(self) -> RecordValidator:
        """Validator of the selected part of the schema, built once per sync."""
        return RecordValidator(selected_schema(self.effective_schema, self.mask), stream=self.name)

    def validate_record(self, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """Return ``record`` checked against and pruned to the selected schema.

        Raises :class:`~vendor_http.RecordValidationError`; callers add which
        record it was with ``error.at(...)``.
        """
        return self.record_validator(record)

    # Bookmarks

    #: Advance the bookmark only through :meth:`complete_window`, never per record.
    bookmark_by_window: bool = False

    def _increment_stream_state(
        self,
        latest_record: dict[str, t.Any],
        *,
        context: Context | None = None,
    ) -> None:
        """Per-record bookmark updates, unless the stream bookmarks by window."""
        if not self.bookmark_by_window:
            super()._increment_stream_state(latest_record, context=context)

    def complete_window(self, value: str, *, context: Context | None = None) -> None:
        """Every record up to ``value`` (a replication-key value) has been emitted.

        Moves the bookmark to ``value`` if that is later than the current one (so
        re-reading lookback windows never moves it back) and writes STATE.
        """
        if self.replication_key is None:
            msg = f"stream {self.name!r} has no replication_key, so it has no window bookmark to move"
            raise TypeError(msg)
        state = self.get_context_state(context)
        current = state.get("replication_key_value")
        if current is None or value > current:
            super()._increment_stream_state({self.replication_key: value}, context=context)
        self._write_state_message()

    def _generate_record_messages(
        self,
        record: dict[str, t.Any],
    ) -> Generator[singer.RecordMessage, None, None]:
        """Emit a record already pruned and validated by :meth:`validate_record`.

        The SDK's version first walks every record to drop deselected properties
        (about half of the per-record cost of a big stream); ``validate_record``
        has already done that. Stream maps and the message are as in the SDK.
        """
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=datetime.now(UTC),
                )
