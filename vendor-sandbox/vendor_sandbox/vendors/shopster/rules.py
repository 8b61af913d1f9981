"""The Shopster public reports API's documented rules (``shopster-group-datetime.txt``), and what
the sandbox decides where the documentation is silent (:data:`ASSUMPTIONS`).

Documented and followed literally: ``GET /reports/group_datetime`` with header ``x-token``; the
query ``from``, ``to`` (dates), ``objects`` (comma-separated ids, all of one kind: malls, floors
or zones, "otherwise the method returns an error"), ``interval``, ``comeback``,
``bounce_threshold`` and ``engagement_threshold`` with exactly the listed values, and
``engagement_threshold`` ≥ ``bounce_threshold``; an answer keyed by object id, then by
``user_type``, holding rows of the seven documented fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from vendor_sandbox.core import LimitRules, VendorResponse, json_response

TOKEN_HEADER = "x-token"  # noqa: S105 - a header name
REPORT_PATH = "/reports/group_datetime"

INTERVALS = ("hourly", "daily", "weekly", "monthly", "weekday", "weekend")
COMEBACKS = ("2 week", "1 month", "2 month", "3 month", "6 month", "1 year", "10 year")
THRESHOLDS = ("2 minute", "5 minute", "10 minute", "15 minute", "20 minute", "30 minute", "45 minute")
"""The documented values of both thresholds (the doc's list for engagement_threshold is broken
across a line, "…|30` minute|45 minute]": the same seven values)."""
USER_TYPES = ("all", "bounced", "employee", "engaged", "half engaged", "passer", "visitor")
"""The documented user types, in the order of the doc's example answer."""
NO_GROSS_HOURS = ("hourly", "weekday", "weekend")
"""Intervals whose ``sum_session_duration`` is 0 (documented)."""

ASSUMPTIONS = {
    "error_body": '{"detail": "..."} with status 400 (bad query, mixed kinds, unknown object), '
    "401 (missing or unknown x-token), 404 (unknown path), 429 (rate limited, with Retry-After)",
    "required_parameters": "all seven query parameters are required (the doc gives no defaults)",
    "to_inclusive": "the period is from..to, both days included (the doc's example: 02-01..02-14 holds "
    "the weeks of 02-01 and 02-08)",
    "keying": "option keying: one key per requested object (default) or one key, the last requested id, "
    "holding the group's sums (the doc's example shows one key, 1290, for objects 215,1290)",
    "empty_objects": "every requested object (or the group) has a key and every user type a list, possibly empty",
    "week_start": "weeks start on Monday (the doc's example rows, 2016-02-01 and 02-08, are Mondays)",
    "buckets": "a weekly/monthly row's datetime is the start of its calendar week/month even when "
    "from is later; its numbers cover only the requested days",
    "weekday_weekend": "one row per user type: totals over the requested days that are weekdays "
    "(Mon-Fri) or weekend days (Sat, Sun); datetime = the first such day; no such day = no row",
    "time_zone": "datetime is the objects' local wall time written with Z, as in the doc's example",
    "late_data": "days after today have no rows; today holds only the hours already over",
    "history": "days earlier than history_days before today have no rows",
    "thresholds": "a session shorter than bounce_threshold is bounced, one of at least "
    "engagement_threshold engaged, the rest half engaged",
    "avg_session_duration": "minutes with two decimals (the doc's example shows whole minutes)",
    "rate_limit": "none documented: off unless rate_windows is set",
}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def error(status: int, message: str) -> VendorResponse:
    """The sandbox's error body (undocumented: see ASSUMPTIONS["error_body"])."""
    return json_response(status, {"detail": message})


def limits(windows: tuple[tuple[int, float], ...]) -> LimitRules:
    """Per token: the configured sliding windows (Shopster publishes none)."""
    return LimitRules(windows=tuple(windows))


class BadRequest(Exception):
    """A 400 answer; the message goes into `{"detail": ...}`."""


@dataclass(frozen=True)
class Query:
    """A validated ``group_datetime`` query."""

    start: date
    end: date
    objects: tuple[int, ...]
    interval: str
    comeback: str
    bounce: int
    """bounce_threshold in minutes."""
    engagement: int
    """engagement_threshold in minutes."""

    def params(self) -> dict[str, str]:
        """The query as the request log and the truth show it."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "objects": ",".join(map(str, self.objects)),
            "interval": self.interval,
            "comeback": self.comeback,
            "bounce_threshold": f"{self.bounce} minute",
            "engagement_threshold": f"{self.engagement} minute",
        }


def parse_query(query: Mapping[str, str]) -> Query:
    """Check every documented parameter; raises BadRequest with the message the answer carries."""
    start, end = _date(query, "from"), _date(query, "to")
    if start > end:
        raise BadRequest("from cannot be later than to")
    raw = query.get("objects", "")
    parts = [part.strip() for part in raw.split(",")] if raw.strip() else []
    if not parts:
        raise BadRequest("objects is required: comma-separated object ids")
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise BadRequest(f"objects must be comma-separated integer ids (got {raw!r})")
    interval = _choice(query, "interval", INTERVALS)
    comeback = _choice(query, "comeback", COMEBACKS)
    bounce = _minutes(_choice(query, "bounce_threshold", THRESHOLDS))
    engagement = _minutes(_choice(query, "engagement_threshold", THRESHOLDS))
    if engagement < bounce:
        raise BadRequest("engagement_threshold must be greater than or equal to bounce_threshold")
    return Query(start, end, tuple(int(part) for part in parts), interval, comeback, bounce, engagement)


def _date(query: Mapping[str, str], name: str) -> date:
    value = query.get(name, "")
    if not _DATE.fullmatch(value):
        raise BadRequest(f"{name} is required, a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} is not a valid date: {value}") from None


def _choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = query.get(name)
    if value not in allowed:
        raise BadRequest(f"{name} must be one of: {', '.join(allowed)}")
    return value


def _minutes(threshold: str) -> int:
    return int(threshold.split()[0])
