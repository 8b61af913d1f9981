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
    "segments_filter": "one object {field, operator, parameters} as in the reference (a list of them is refused); "
    "field siteId, operator IN or EQUAL",
    "segments_sort": "a list [{field, direction}] as in the reference, applied in order; direction ASC or DESC",
    "sites_paging": "one answer with every site (not documented); with sites_per_page: ?page=N and X-Pagination-*",
    "poll_timestamps": "as the reference's example, 2024-07-29T15:51:28.071Z (or YYYY-MM-DDThh:mm:ss: timestamps)",
    "waiting_and_error_data": "the reference's example data object, zero-filled, never null",
    "rate_limited_answer": "429 {serviceName, message}, no Retry-After",
    "history_days": 62,
}
SERVICE = "automation-api"
HISTORY_DAYS = 62
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
COMPUTATION_FAILED = "Statistics computation failed"
NO_ADDON = "Audiences add-on is not enabled for this account: audience statistics are not available"
RATE_LIMITED = "Too many requests: 50 per 10 seconds and 1000 per hour are allowed"
ANALYTICS_LEVELS = ("VISIT", "VISITOR")


def error(status: int, message: str, service: str = SERVICE) -> VendorResponse:
    """The documented error body ``{"serviceName", "message"}``."""
    return json_response(status, {"serviceName": service, "message": message})


def limits(windows: tuple[tuple[int, float], ...]) -> LimitRules:
    """Per account: sliding windows (documented: 50 per 10 s and 1,000 per hour)."""
    return LimitRules(windows=tuple(windows))


def site_filter(condition: Any) -> set[int] | None:
    """Site ids of the documented filter, one object ``{"field": "siteId", "operator": "IN"|"EQUAL",
    "parameters": [...]}``; ``None`` when there is none. Anything else is refused (ValueError)."""
    if condition is None:
        return None
    if not isinstance(condition, dict):
        raise ValueError("filter must be one object {field, operator, parameters}")
    if condition.get("field") != "siteId":
        raise ValueError("the sandbox filters segments by the field siteId only")
    if condition.get("operator") not in ("IN", "EQUAL"):
        raise ValueError("siteId filters take the operators IN or EQUAL")
    parameters = condition.get("parameters")
    if not isinstance(parameters, list):
        raise ValueError("filter parameters must be a list")
    return {int(v) for v in parameters}


def sort_keys(sort: Any, fields: set[str]) -> list[tuple[str, bool]]:
    """``[(field, descending)]`` of the documented sort list ``[{"field", "direction"}]``."""
    if sort is None:
        return []
    if not isinstance(sort, list) or not all(isinstance(item, dict) for item in sort):
        raise ValueError("sort must be a list of {field, direction}")
    keys = []
    for item in sort:
        if item.get("field") not in fields:
            raise ValueError(f"cannot sort by {item.get('field')!r}")
        if item.get("direction", "ASC") not in ("ASC", "DESC"):
            raise ValueError("sort direction must be ASC or DESC")
        keys.append((str(item["field"]), item.get("direction") == "DESC"))
    return keys


def pagination_headers(page: int, per_page: int, total: int) -> dict[str, str]:
    """The ``X-Pagination-*`` headers of a paged list answer."""
    return {
        "X-Pagination-Current-Page": str(page),
        "X-Pagination-Page-Count": str(max(1, -(-total // per_page))),
        "X-Pagination-Per-Page": str(per_page),
        "X-Pagination-Total-Count": str(total),
    }
