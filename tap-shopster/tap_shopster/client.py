"""Shopster public reports API: base URL, the ``x-token`` header, errors, and the API assumptions.

Confirmed (``shopster-group-datetime.txt`` and the docs README): ``GET /reports/group_datetime``
with header ``x-token``; query ``from``, ``to`` (dates), ``objects`` (comma-separated ids, all
of one kind: malls, floors or zones, "otherwise the method returns an error"), ``interval``,
``comeback``, ``bounce_threshold`` and ``engagement_threshold`` with the listed values,
``engagement_threshold`` ≥ ``bounce_threshold``; an answer keyed by object id, then by
``user_type``, holding rows of seven fields; ``sum_session_duration`` is 0 for ``hourly``,
``weekday`` and ``weekend``.

Everything the documentation leaves open is decided here, in :class:`ShopsterAssumptions`
(each field overridable by the same-named setting) and the constants under "API
assumptions", and listed under "API assumptions" in README.md.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pendulum
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.pagination import SinglePagePaginator

from vendor_http import ExplainedError, RateBudget, VendorRESTStream, from_settings

if t.TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import requests

DEFAULT_API_URL = "https://api-public.getshopster.net"
REPORT_PATH = "/reports/group_datetime"
TOKEN_HEADER = "x-token"  # noqa: S105 - a header name

# --- documented enumerations ---------------------------------------------------------------

INTERVALS = ("hourly", "daily", "weekly", "monthly", "weekday", "weekend")
#: Intervals whose rows form a time series (one row per hour, day, week or month).
TIME_SERIES = ("hourly", "daily", "weekly", "monthly")
COMEBACKS = ("2 week", "1 month", "2 month", "3 month", "6 month", "1 year", "10 year")
#: Both thresholds take these values (the doc's list for engagement_threshold breaks across
#: a line, "…|30` minute|45 minute]": read as the same seven values).
THRESHOLDS = ("2 minute", "5 minute", "10 minute", "15 minute", "20 minute", "30 minute", "45 minute")
USER_TYPES = ("all", "passer", "visitor", "bounced", "half engaged", "engaged", "employee")

# --- API assumptions (see README.md, "API assumptions") -------------------------------------

#: Unknown: where a week starts. Assumed Monday: the doc's example rows (2016-02-01 and
#: 2016-02-08) are Mondays. Weekly, weekday and weekend reports request whole weeks from it.
WEEK_STARTS_ON = pendulum.WeekDay.MONDAY
#: Unknown: how deep the history goes. Not clamped; without ``start_date`` a report starts
#: this many days ago (set ``start_date`` to go further; an empty answer is not an error).
DEFAULT_START_DAYS_AGO = 90
#: Unknown: rate limits (none published). One request at a time, a second apart.
DEFAULT_MIN_REQUEST_INTERVAL_SECONDS = 1.0
#: Unknown: how late data settles. Every run reads again the days before the bookmark.
DEFAULT_LOOKBACK_DAYS = 3
#: Days per request of hourly and daily reports (weekly, weekday, weekend: a week; monthly: a month).
DEFAULT_WINDOW_DAYS = 7
KEYINGS = ("auto", "object", "group")
#: Unknown: the status and body of the "objects of different kinds" error. Assumed: a 4xx
#: other than 401/403/429 (every other parameter is checked before any request), with the
#: explanation under ``error``/``message``/``detail`` or as text (vendor_http's reading).
MIXED_KINDS_HINT = (
    "Shopster refuses objects of different kinds (malls, floors, zones) in one request, and unknown "
    "object ids: list each kind in its own report"
)


@dataclass(frozen=True)
class ShopsterAssumptions:
    """What the tap assumes where Shopster's documentation is silent; same-named settings override.

    - ``to_inclusive``: the doc's example asks ``from=2016-02-01&to=2016-02-14`` and gets the
      weeks of 02-01 and 02-08, so ``to`` is taken as the last day included. False: the tap
      sends the day after the last one it wants.
    - ``answer_keying``: the doc's example asks for objects 215 and 1290 and gets one key,
      ``1290``: one key per object (215 had no data?) or one per group, keyed by its last id?
      ``auto`` reads one key for several objects as the group's totals and several keys as one
      per object; ``object`` / ``group`` pin a reading. The reading seen is logged per report.
    - ``datetime_timezone``: the doc writes ``datetime`` with ``Z`` at midnight for daily and
      weekly rows, which may be the objects' local midnight labelled Z. Empty: taken as
      written (an offset is honoured, none means UTC). An IANA zone (``Europe/Moscow``): the
      wall time is read in that zone, whatever offset is written, and converted to UTC.
    - ``data_delay_days``: a day is requested once this many days have passed (1: up to
      yesterday; today's numbers are still growing).
    """

    to_inclusive: bool = True
    answer_keying: str = "auto"
    datetime_timezone: str = ""
    data_delay_days: int = 1

    @classmethod
    def from_config(cls, config: Mapping[str, t.Any]) -> ShopsterAssumptions:
        """The assumptions with the user's overrides (same-named settings) applied."""
        return from_settings(cls, config)

    def to_param(self, last_day: pendulum.Date) -> str:
        """The ``to`` parameter for a period whose last day is ``last_day``."""
        return (last_day if self.to_inclusive else last_day.add(days=1)).isoformat()

    def latest_day(self, today: pendulum.Date) -> pendulum.Date:
        """The last day a run requests (its numbers are complete)."""
        return today.subtract(days=self.data_delay_days)

    def keying(self, requested: Sequence[int], keys: Sequence[str]) -> str | None:
        """How an answer with ``keys`` to a request for ``requested`` is keyed: ``object`` or
        ``group`` (None for an empty answer). Raises :class:`AnswerError` for keys that fit
        neither reading."""
        if not keys:
            return None
        wrong = [key for key in keys if not key.isascii() or not key.isdigit()]
        if wrong:
            msg = f"answer keys {', '.join(map(repr, wrong))} are not object ids"
            raise AnswerError(msg)
        keying = self.answer_keying
        if keying == "auto":
            keying = "group" if len(keys) == 1 and len(requested) > 1 else "object"
        if keying == "group" and len(keys) > 1:
            msg = f"{len(keys)} keys ({', '.join(keys)}) where 'answer_keying' = group expects one for the group"
            raise AnswerError(msg)
        if keying == "object":
            unknown = [key for key in keys if int(key) not in requested]
            if unknown:
                msg = f"answer keys {', '.join(unknown)} are not among the requested objects"
                raise AnswerError(msg)
        return keying

    def timestamp(self, value: str) -> datetime:
        """A row's ``datetime`` as an aware UTC datetime (see ``datetime_timezone``)."""
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
        if self.datetime_timezone:
            parsed = parsed.replace(tzinfo=ZoneInfo(self.datetime_timezone))
        elif parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)


def check_timezone(value: t.Any, setting: str) -> str | None:
    """Settings check: empty, or a time zone name the system knows."""
    if not value:
        return None
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        return f"setting '{setting}' must be an IANA time zone such as Europe/Moscow, got {value!r}"
    return None


def rfc3339(moment: datetime) -> str:
    """An aware datetime in UTC as RFC 3339 with ``Z`` (fractions only when present)."""
    text = moment.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def rate_budget(config: Mapping[str, t.Any]) -> RateBudget:
    """One request in flight, ``min_request_interval_seconds`` apart, for the whole run."""
    interval = float(config.get("min_request_interval_seconds", DEFAULT_MIN_REQUEST_INTERVAL_SECONDS))
    return RateBudget(min_interval=interval, max_in_flight=1)


class AnswerError(ExplainedError, ValueError):
    """An answer whose shape contradicts the documentation (the caller names report and window)."""


class RequestRefusedError(FatalAPIError):
    """Shopster refused a request with a 4xx (not 429); ``status`` says which."""

    def __init__(self, message: str, status: int) -> None:
        """Keep the status beside the message."""
        super().__init__(message)
        self.status = status


class ShopsterStream(VendorRESTStream[None]):
    """Base stream for Shopster: ``api_url``, the ``x-token`` header, one answer per request."""

    vendor_name = "Shopster"
    credential_settings = ("api_token",)

    @property
    def url_base(self) -> str:
        """``api_url`` without a trailing slash."""
        return str(self.config.get("api_url", DEFAULT_API_URL)).rstrip("/")

    @property
    def authenticator(self) -> APIKeyAuthenticator:
        """The documented ``x-token`` header (never a query parameter)."""
        return APIKeyAuthenticator(key=TOKEN_HEADER, value=str(self.config["api_token"]), location="header")

    def get_new_paginator(self) -> SinglePagePaginator:
        """One request per report and window: the API does not page."""
        return SinglePagePaginator()

    def validate_response(self, response: requests.Response) -> None:
        """The shared classification; a refusal keeps its status; a 2xx body must be JSON."""
        status = response.status_code
        if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN} or status < HTTPStatus.BAD_REQUEST:
            super().validate_response(response)
            self.check_json_body(response)
            return
        try:
            super().validate_response(response)
        except FatalAPIError as error:
            raise RequestRefusedError(str(error), status) from None
