"""Trust.lat's documented rules, and what the sandbox decides where the documentation is silent.

Confirmed (``trust-campaign-statistics.txt`` and the docs README) and followed literally:
Atenea's ``POST /oauth/token/`` (trailing slash) with the JSON body ``{"client_id",
"client_secret", "grant_type": "client_credentials"}`` answering ``access_token``,
``token_type``, ``expires_in`` and ``created_at`` (the token dies at ``created_at +
expires_in``); Bearer tokens; 401 for a token the API does not accept; the envelope
``{"code", "resource", "data", "message"}`` of ``GET …/company/{id}/statistics`` (resource
``Statistics``: ``total``, ``sended``, ``pending``, ``fails``, ``actions`` and ``campaign``,
the last 7 days by default) and of ``GET …/company/{id}/campaign`` (resource ``Campaign``, a
list, filters ``fields``, ``terminated``, ``search``). Where the documentation is silent the
sandbox decides here, in :data:`ASSUMPTIONS` (the tap's README lists the same choices).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from vendor_sandbox.core import LimitRules, VendorResponse, json_response

ASSUMPTIONS = {
    "atenea_path": "POST /oauth/token/ only (without the trailing slash: 404)",
    "atenea_body": "JSON only (Content-Type application/json); anything else 400 invalid_request",
    "atenea_errors": "RFC 6749 bodies: 400 invalid_request / unsupported_grant_type, 401 invalid_client",
    "created_at": "Unix seconds (option created_at_format=iso: ISO 8601 text)",
    "token_reuse": "a live token is handed out again with its first created_at (option reuse_tokens)",
    "get_content_type": "GET needs Content-Type application/json or text/plain (the two documented), else 415 "
    "(option content_types)",
    "range_parameters": "start_date and end_date, YYYY-MM-DD, end inclusive, days in UTC",
    "one_range_parameter": "400 (both or neither)",
    "unknown_parameters": "ignored, as most APIs do (wrong range names silently answer the 7-day default)",
    "default_window": "the last 7 days = today and the 6 days before, in UTC",
    "statistics_day": "a notification counts on the day it was scheduled for",
    "pending": "only the last 2 days have pending notifications; older ones were sent or failed",
    "today": "today's numbers grow with the time of day",
    "campaign_count": "data.campaign = campaigns with notifications in the window",
    "actions": "counters of sent notifications: RECEIVED <= sended, PRESS_ACTION + CLOSED <= RECEIVED, "
    "UNKNOWN <= sended - RECEIVED; all four keys always present",
    "campaign_fields": "ids are numbers; created_at/updated_at/finish_date ISO 8601 with milliseconds and "
    "offset -03:00; finish_date null while open",
    "campaign_paging": "none: every campaign in one answer",
    "terminated_filter": "true/false (else 400); without it every campaign",
    "search_filter": "case-insensitive substring of the name",
    "fields_filter": "comma-separated field names; each campaign keeps only those (unknown names 400)",
    "errors": "the envelope with code = HTTP status and data null (option errors_under_200: HTTP 200)",
    "unknown_company": "404 'Company {id} not found' (resource Company)",
    "rate_limits": "none (none published); option rate_windows adds sliding windows per client, 429 envelope",
}
API_PREFIX = "/api"
ATENEA_PREFIX = "/atenea"
TOKEN_PATH = "/oauth/token/"  # noqa: S105 - a path
COMPANY_PATH = re.compile(r"^/campaigns/api/v1/company/(?P<company>[^/]+)/(?P<endpoint>statistics|campaign)$")
RESOURCES = {"statistics": "Statistics", "campaign": "Campaign"}
DEFAULT_WINDOW_DAYS = 7
PENDING_DAYS = 2
OFFSET = "-03:00"
ACTIONS = ("RECEIVED", "PRESS_ACTION", "CLOSED", "UNKNOWN")
CAMPAIGN_FIELDS = (
    "uuid",
    "name",
    "app_id",
    "application_name",
    "company_id",
    "created_at",
    "updated_at",
    "finish_date",
    "flavor_id",
    "message_id",
    "segment_id",
    "terminated",
)
MESSAGES = {
    200: "Ok",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class RequestError(Exception):
    """An API request the vendor refuses: status and message for the envelope."""

    def __init__(self, status: int, message: str, resource: str = "Error") -> None:
        super().__init__(message)
        self.status, self.message, self.resource = status, message, resource


def envelope(
    status: int, resource: str, data: Any, message: str | None = None, *, http_status: int | None = None
) -> VendorResponse:
    """The documented envelope ``{"code", "resource", "data", "message"}``."""
    body = {"code": status, "resource": resource, "data": data, "message": message or MESSAGES.get(status, "Error")}
    return json_response(status if http_status is None else http_status, body)


def oauth_error(status: int, error: str, description: str) -> VendorResponse:
    """Atenea's error answer (RFC 6749 section 5.2; the vendor documents none)."""
    return json_response(status, {"error": error, "error_description": description})


def limits(windows: tuple[tuple[int, float], ...]) -> LimitRules:
    """Per client: the optional sliding windows (Trust.lat publishes no rate limit)."""
    return LimitRules(windows=tuple(windows))


def media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def date_range(
    query: Mapping[str, str], today: date, names: tuple[str, str], date_format: str, range_end: str
) -> tuple[date, date]:
    """The inclusive days a statistics request covers: the search range, else the last 7 days."""
    start_name, end_name = names
    given = [name for name in names if query.get(name)]
    if not given:
        return today - timedelta(days=DEFAULT_WINDOW_DAYS - 1), today
    if len(given) == 1:
        raise RequestError(400, f"{start_name} and {end_name} go together", "Statistics")
    start, end = (_parse(query[name], name, date_format) for name in names)
    if range_end == "exclusive":
        end -= timedelta(days=1)
    if start > end:
        raise RequestError(400, f"{start_name} must not be after {end_name}", "Statistics")
    return start, end


def _parse(value: str, name: str, date_format: str) -> date:
    try:
        return datetime.strptime(value, date_format).date()
    except ValueError:
        shown = date_format.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
        raise RequestError(400, f"{name} must be a date ({shown}), got {value!r}", "Statistics") from None


def campaign_filters(query: Mapping[str, str]) -> tuple[bool | None, str, tuple[str, ...] | None]:
    """(terminated, search, fields) of a campaign request."""
    terminated: bool | None = None
    if "terminated" in query:
        value = query["terminated"].strip().lower()
        if value not in ("true", "false"):
            raise RequestError(400, "terminated must be true or false", "Campaign")
        terminated = value == "true"
    fields = None
    if query.get("fields"):
        fields = tuple(name.strip() for name in query["fields"].split(",") if name.strip())
        unknown = [name for name in fields if name not in CAMPAIGN_FIELDS]
        if unknown:
            raise RequestError(400, f"unknown field(s): {', '.join(unknown)}", "Campaign")
    return terminated, query.get("search", "").strip().lower(), fields
