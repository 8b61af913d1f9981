"""JSON schemas of the streams, from the documented fields, built from shared fragments.

Identifiers are text (Trust.lat does not say whether they are numbers), timestamps RFC 3339
UTC (``date-time``), days ``YYYY-MM-DD`` (``date``). The delivery funnel (``FUNNEL``) is
shared by both statistics streams; its documented ``actions`` object is flattened into one
lower-case column per action so a warehouse gets plain integer columns.
"""

from __future__ import annotations

from singer_sdk import typing as th

#: The documented action names and their columns.
ACTIONS = {"RECEIVED": "received", "PRESS_ACTION": "press_action", "CLOSED": "closed", "UNKNOWN": "unknown"}


def _id(name: str, description: str, *, required: bool = False) -> th.Property:
    return th.Property(name, th.StringType, required=required, description=description)


def _timestamp(name: str, description: str) -> th.Property:
    return th.Property(name, th.DateTimeType, description=description)


def _day(name: str, description: str) -> th.Property:
    return th.Property(name, th.DateType, required=True, description=description)


COMPANY_ID = _id("company_id", "The Trust.lat company (as configured in company_ids)", required=True)
EXTRACTED_AT = th.Property(
    "extracted_at", th.DateTimeType, required=True, description="When the tap read this row (UTC)"
)

FUNNEL: tuple[th.Property, ...] = (
    th.Property("total", th.IntegerType, required=True, description="Notifications scheduled so far"),
    th.Property("sended", th.IntegerType, required=True, description="Notifications sent (not proof of arrival)"),
    th.Property("pending", th.IntegerType, required=True, description="Notifications not sent yet, for any reason"),
    th.Property("fails", th.IntegerType, required=True, description="Notifications that failed for good"),
    th.Property("received", th.IntegerType, description="actions.RECEIVED: received by the device"),
    th.Property("press_action", th.IntegerType, description="actions.PRESS_ACTION: seen, action button pressed"),
    th.Property("closed", th.IntegerType, description="actions.CLOSED: seen, closed (null when the answer lacks it)"),
    th.Property("unknown", th.IntegerType, description="actions.UNKNOWN: failed to render or unknown error"),
    th.Property("campaign", th.IntegerType, description="data.campaign: campaigns counted by Trust.lat"),
)

CAMPAIGNS = th.PropertiesList(
    _id("uuid", "Campaign id", required=True),
    COMPANY_ID,
    th.Property("name", th.StringType, description="Campaign name"),
    _id("app_id", "Application id"),
    th.Property("application_name", th.StringType, description="Application name"),
    _timestamp("created_at", "When the campaign was created (UTC)"),
    _timestamp("updated_at", "When the campaign was last changed (UTC)"),
    _timestamp("finish_date", "When the campaign ends or ended (UTC); null when open"),
    _id("flavor_id", "Flavor id"),
    _id("message_id", "Message id"),
    _id("segment_id", "Segment id (null: no segment)"),
    th.Property("terminated", th.BooleanType, description="The campaign has ended"),
).to_dict()

STATISTICS_SNAPSHOTS = th.PropertiesList(
    COMPANY_ID,
    _day("snapshot_date", "The UTC day of the run that read the snapshot (one row per company and day)"),
    _day("window_start", "First day the default answer is assumed to cover (snapshot_date - 6)"),
    _day("window_end", "Last day the default answer is assumed to cover (snapshot_date)"),
    EXTRACTED_AT,
    *FUNNEL,
).to_dict()

DAILY_STATISTICS = th.PropertiesList(
    COMPANY_ID,
    _day("date", "The day searched (start and end of the date-range search)"),
    EXTRACTED_AT,
    *FUNNEL,
).to_dict()
