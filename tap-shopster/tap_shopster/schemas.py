"""JSON schemas of the answer rows and of the ``group_datetime`` stream, from the documented fields.

``ROW`` is one row as Shopster sends it (checked before the tap uses it); the stream's records
are the same fields plus what each row carries of its report, answer key and period, so the
fields are named once here.
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_shopster.client import COMEBACKS, INTERVALS, THRESHOLDS

#: The documented metrics of a row: name, type, description, nullable.
METRICS: tuple[tuple[str, t.Any, str, bool], ...] = (
    ("count_session", th.IntegerType, "Sessions registered from datetime to the end of its period", False),
    ("count_client", th.IntegerType, "Unique MAC addresses registered from datetime to the end of its period", False),
    ("avg_session_duration", th.NumberType, "Average session duration, in minutes", True),
    (
        "count_comeback_client",
        th.IntegerType,
        "Unique MAC addresses registered more than once within the report's comeback window",
        False,
    ),
    (
        "sum_session_duration",
        th.NumberType,
        "Gross Shopping Hours: total duration of all sessions, as Shopster sends it; 0 for hourly, weekday, weekend",
        False,
    ),
)
DATETIME_TEXT = "Start of the period of the row as Shopster sent it, in UTC (see datetime_timezone)"
USER_TYPE_TEXT = "Device category: all, passer, visitor, bounced, half engaged, engaged, employee"


def _choice(values: tuple[str, ...]) -> th.StringType:
    return th.StringType(allowed_values=list(values))


def row_properties() -> list[th.Property]:
    """The seven documented fields of an answer row."""
    return [
        th.Property("user_type", th.StringType, required=True, description=USER_TYPE_TEXT),
        th.Property("datetime", th.DateTimeType, required=True, description=DATETIME_TEXT),
        *(th.Property(name, kind, required=not nullable, description=text) for name, kind, text, nullable in METRICS),
    ]


def report_properties() -> list[th.Property]:
    """What every record carries of its report: name, objects, answer key and parameters."""
    return [
        th.Property("report", th.StringType, required=True, description="Name of the report (setting 'reports')"),
        th.Property(
            "object_id",
            th.IntegerType,
            required=True,
            description="The answer's key: the object (one key per object) or the key of the group",
        ),
        th.Property(
            "objects",
            th.ArrayType(th.IntegerType),
            required=True,
            description="Objects the row counts: [object_id], or every object of the report for a group key",
        ),
        th.Property(
            "keying",
            _choice(("object", "group")),
            required=True,
            description="How Shopster keyed the answer: one key per object, or one for the group",
        ),
        th.Property("interval", _choice(INTERVALS), required=True, description="The report's interval"),
        th.Property("comeback", _choice(COMEBACKS), required=True, description="The report's comeback window"),
        th.Property("bounce_threshold", _choice(THRESHOLDS), required=True, description="The report's threshold"),
        th.Property("engagement_threshold", _choice(THRESHOLDS), required=True, description="The report's threshold"),
    ]


def period_properties() -> list[th.Property]:
    """The period a record measures (part of the key) and its end (the replication key)."""
    return [
        th.Property(
            "period_start",
            th.DateTimeType,
            required=True,
            description="Start of the measured period: datetime (hourly..monthly), the week's Monday (weekday/weekend)",
        ),
        th.Property(
            "period_end",
            th.DateTimeType,
            required=True,
            description="Exclusive end of the measured period (an hour, day, week or month after period_start)",
        ),
    ]


ROW = th.PropertiesList(*row_properties()).to_dict()
GROUP_DATETIME = th.PropertiesList(*report_properties(), *period_properties(), *row_properties()).to_dict()
