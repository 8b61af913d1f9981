"""The Kameleoon Automation API's documented rules, and what the sandbox decides where it is silent.

Confirmed by the vendor and followed literally: the form-encoded client-credentials token
endpoint answering ``access_token``/``expires_in``/``token_type`` (no refresh token), Bearer
tokens that expire, ``GET /sites``, ``POST /segments/search`` with ``{filter, page, perPage,
sort}``, ``GET /audiences/poll?dataCode=…`` answering ``WAITING``/``READY``/``ERROR`` with the
documented payload, error bodies ``{"serviceName", "message"}``, and 50 requests per 10 s plus
1,000 per hour per account with 429 beyond. Where the documentation is silent the sandbox
decides here, in :data:`ASSUMPTIONS`.
"""

from __future__ import annotations

from typing import Any

from vendor_sandbox.core import LimitRules, VendorResponse, json_response

ASSUMPTIONS = {
    "token_counts_against_rate_limit": True,
    "global_request": "GET /audiences/global?siteId=&startDate=&endDate=&analyticsLevel= (dates YYYY-MM-DDThh:mm:ss)",
    "data_code_answer": '{"dataCode": "..."}',
    "global_poll_data": "globalStats, segmentStats, periodStats (one per day) and breakdownData",
    "unknown_data_code": "400 on poll",
    "no_audiences_addon": "403 on /audiences/global",
    "segments_paging": "JSON array + X-Pagination-* headers, page from 1, perPage at most 200",
    "rate_limited_answer": "429 {serviceName, message}, no Retry-After",
    "history_days": 62,
}
SERVICE = "automation-api"
HISTORY_DAYS = 62
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
NO_ADDON = "Audiences add-on is not enabled for this account: audience statistics are not available"
RATE_LIMITED = "Too many requests: 50 per 10 seconds and 1000 per hour are allowed"
ANALYTICS_LEVELS = ("VISIT", "VISITOR")


def error(status: int, message: str, service: str = SERVICE) -> VendorResponse:
    """The documented error body ``{"serviceName", "message"}``."""
    return json_response(status, {"serviceName": service, "message": message})


def limits(windows: tuple[tuple[int, float], ...]) -> LimitRules:
    """Per account: sliding windows (documented: 50 per 10 s and 1,000 per hour)."""
    return LimitRules(windows=tuple(windows))


def site_filter(filters: Any) -> set[int] | None:
    """Site ids of a ``{"field": "siteId", "operator": "IN"|"EQUAL", "parameters": [...]}`` filter."""
    if not filters:
        return None
    site_ids: set[int] | None = None
    for condition in filters:
        if condition.get("field") != "siteId":
            continue
        if condition.get("operator") not in ("IN", "EQUAL"):
            raise ValueError("siteId filters take the operators IN or EQUAL")
        values = {int(v) for v in condition.get("parameters") or []}
        site_ids = values if site_ids is None else site_ids & values
    return site_ids
