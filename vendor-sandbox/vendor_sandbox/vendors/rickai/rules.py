"""Rick.ai data API v2 as ``rickai-sessions.txt`` documents it: limits, messages, parameter checks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from vendor_sandbox.core import LimitRules, VendorResponse, json_response

TOKEN_HEADER = "Rick-Auth-Token"  # noqa: S105 - a header name
UNAUTHENTICATED = "unauthenticated for invalid credentials"
RATE_LIMITED = "request with this token already running"
GATEWAY_TIMEOUT = "gateway timeout"
DEFAULT_LIMIT = 1000
MAX_LIMIT = 100_000
MAX_START_AGE_DAYS = 90
MIN_END_AGE = timedelta(hours=32)

SESSIONS_PATH = re.compile(r"^/v2/(?P<company>[^/]+)/sessions/?$")


def error(status: int, message: str) -> VendorResponse:
    """The documented error body `{"error": "..."}`."""
    return json_response(status, {"error": message})


def limits(min_interval: float, max_in_flight: int) -> LimitRules:
    """Per token: one request at a time, arrivals of accepted requests a second apart (documented)."""
    return LimitRules(max_in_flight=max_in_flight, min_interval=min_interval)


class BadRequest(Exception):
    """A 400 answer; the message goes into `{"error": ...}`."""


def window(now: datetime) -> tuple[date, date]:
    """The widest (start, end) the API accepts at `now`."""
    return now.date() - timedelta(days=MAX_START_AGE_DAYS), (now - MIN_END_AGE).date()


def parse_query(query: Mapping[str, str], now: datetime) -> tuple[date, date, int, int]:
    """Validate the documented parameters at `now`; raises BadRequest with the API's message."""
    start, end = parse_date(query, "start"), parse_date(query, "end")
    earliest_start, latest_end = window(now)
    if start < earliest_start:
        raise BadRequest(f"start cannot be earlier than {MAX_START_AGE_DAYS} days ago ({earliest_start})")
    if end > latest_end:
        raise BadRequest(f"end cannot be later than 32 hours ago ({latest_end})")
    if start > end:
        raise BadRequest("start cannot be later than end")
    limit = _integer(query, "limit", DEFAULT_LIMIT)
    if limit > MAX_LIMIT:
        raise BadRequest(f"limit cannot be greater than {MAX_LIMIT}")
    offset = _integer(query, "offset", 0)
    if "offset" not in query and "page" in query:
        offset = _integer(query, "page", 0) * limit
    return start, end, limit, offset


def parse_date(query: Mapping[str, str], name: str) -> date:
    value = query.get(name)
    if value is None or value == "":
        raise BadRequest(f"{name} is required")
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be a date in YYYY-MM-DD format") from None


def _integer(query: Mapping[str, str], name: str, default: int) -> int:
    value = query.get(name)
    if value is None:
        return default
    if not re.fullmatch(r"[+-]?\d{1,18}", value):
        raise BadRequest(f"{name} must be an integer")
    number = int(value)
    if number < 0:
        raise BadRequest(f"{name} cannot be lower than 0")
    return number
