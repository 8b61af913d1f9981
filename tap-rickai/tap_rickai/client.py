"""Rick.ai data API v2: base URL, auth, paging, limits and error handling.

Every vendor behaviour this tap relies on comes from Rick.ai's documentation of
``GET /v2/{company}/sessions`` (v2.0.2). What the documentation leaves open is
decided in :class:`RickaiLimits` and listed under "API assumptions" in README.md.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pendulum
from singer_sdk.authenticators import APIKeyAuthenticator

from vendor_http import (
    MachineLock,
    PageOffset,
    RateBudget,
    RecordValidationError,
    StillRunning,
    StreamedPages,
    TotalOffsetPaginator,
    VendorRESTStream,
    from_settings,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import requests
    from singer_sdk.streams.rest import HTTPRequest, PageContext

DEFAULT_API_URL = "https://api.rick.ai"
#: The documented maximum of the ``limit`` parameter.
MAX_PAGE_SIZE = 100_000
#: Sessions per request by default: big enough that a typical day is one or two
#: requests at 1 request/second, small enough that a retried page costs little.
DEFAULT_PAGE_SIZE = 10_000


@dataclass(frozen=True)
class RickaiLimits:
    """The date range and request rate Rick.ai allows, decided in one place.

    Documented: ``start`` no earlier than 90 days ago ("temporary, may grow"),
    ``end`` no later than 32 hours ago, one request at a time and one per second
    per token. Not documented, so assumed here (see README, "API assumptions"):

    - Days are UTC calendar days, and "90 days ago" is counted from today's UTC
      date. In case Rick.ai counts in its own (Moscow) time, where the date can
      be a day ahead, the earliest day requested keeps one day of margin.
    - The per-second limit is measured between request arrivals, so requests are
      spaced from the moment the previous response's headers arrived.
    """

    max_history_days: int = 90
    data_delay_hours: int = 32
    min_request_interval_seconds: float = 1.0
    timezone_margin_days: int = 1

    @classmethod
    def from_config(cls, config: Mapping[str, t.Any]) -> RickaiLimits:
        """Limits with the user's overrides (same-named settings) applied."""
        return from_settings(cls, config)

    def earliest_day(self, now: pendulum.DateTime) -> pendulum.Date:
        """The earliest ``start`` the API accepts at ``now``."""
        return now.in_timezone("UTC").date().subtract(days=self.max_history_days).add(days=self.timezone_margin_days)

    def latest_day(self, now: pendulum.DateTime) -> pendulum.Date:
        """The latest ``end`` the API accepts at ``now``."""
        return now.in_timezone("UTC").subtract(hours=self.data_delay_hours).date()

    def rate_budget(self, machine_lock: MachineLock | None = None) -> RateBudget:
        """One request in flight, one per second, for all streams of the process (and, with
        ``machine_lock``, of every process of this machine using the same token)."""
        return RateBudget(min_interval=self.min_request_interval_seconds, max_in_flight=1, machine_lock=machine_lock)

    def machine_lock(self, api_url: str, token: str) -> MachineLock | None:
        """The lock shared with the other processes of this machine that use ``token`` on ``api_url``."""
        parts = urlsplit(api_url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        return MachineLock.for_credentials("rickai", origin, token, min_interval=self.min_request_interval_seconds)


class RickaiStream(VendorRESTStream[PageOffset]):
    """Base stream for Rick.ai: token header, offset paging over streamed pages."""

    vendor_name = "Rick.ai"
    credential_settings = ("api_token", "company")
    # Pages of up to 100,000 sessions are parsed as they arrive (flat memory).
    stream_responses = True

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the stream and its streamed-page reader."""
        super().__init__(*args, **kwargs)
        self.pages = StreamedPages(items_key="items")

    @property
    def url_base(self) -> str:
        """``api_url`` without a trailing slash."""
        return str(self.config.get("api_url", DEFAULT_API_URL)).rstrip("/")

    @property
    def authenticator(self) -> APIKeyAuthenticator:
        """The documented ``Rick-Auth-Token`` header."""
        return APIKeyAuthenticator(
            key="Rick-Auth-Token",
            value=str(self.config["api_token"]),
            location="header",
        )

    @property
    def page_size(self) -> int:
        """Sessions per request (the API's ``limit``)."""
        return int(self.config.get("page_size", DEFAULT_PAGE_SIZE))

    @property
    def running_request_wait_seconds(self) -> float:
        """How long to wait for Rick.ai to finish an earlier request with the token (default: the request timeout)."""
        wait = self.config.get("running_request_wait_seconds")
        return float(wait if wait is not None else self.config.get("request_timeout_seconds", 300.0))

    def validate_response(self, response: requests.Response) -> None:
        """A 429 means Rick.ai still runs a request with this token: wait for it (bounded).

        Documented: one request at a time per token, and 429 ``request with this token
        already running`` otherwise. The running request may be one this run gave up on
        after a timeout (Rick.ai keeps running it) or another process's.
        """
        if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            message = self.response_error_message(response)
            raise StillRunning(message, response, patience=self.running_request_wait_seconds)
        super().validate_response(response)

    def get_new_paginator(self) -> TotalOffsetPaginator:
        """Offset paging until the response's ``total`` is reached."""
        return TotalOffsetPaginator(
            pages=self.pages,
            page_size=self.page_size,
            policy=self.retry_policy,
            budget=self.rate_budget,
            describe=f"{self.vendor_name} {self.name}",
        )

    def get_http_request(self, *, page: PageContext[PageOffset]) -> HTTPRequest:
        """One day window (from the context) at the paginator's offset."""
        request = super().get_http_request(page=page)
        day = (page.stream_context or {})["day"]
        request.params = {
            "start": day,
            "end": day,
            "limit": self.page_size,
            "offset": page.next_page_token.offset if page.next_page_token else 0,
        }
        return request

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        """Validate each session as it is parsed from the streamed body."""
        query = parse_qs(urlsplit(response.url).query)
        offset = int(query.get("offset", ["0"])[0])
        for index, item in enumerate(self.pages.items(response)):
            try:
                record = self.validate_record(item)
            except RecordValidationError as exc:
                where = (
                    f"day {query.get('start', ['?'])[0]}, session #{offset + index}, "
                    f"client_id={item.get('client_id')!r}"
                )
                raise exc.at(where) from None
            yield record
