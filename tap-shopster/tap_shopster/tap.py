"""tap-shopster: Shopster footfall dynamics (reports/group_datetime) as a Singer stream."""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import typing as th

from tap_shopster import reports as report_config
from tap_shopster.client import (
    COMEBACKS,
    DEFAULT_API_URL,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_MIN_REQUEST_INTERVAL_SECONDS,
    DEFAULT_START_DAYS_AGO,
    DEFAULT_WINDOW_DAYS,
    INTERVALS,
    KEYINGS,
    THRESHOLDS,
    ShopsterAssumptions,
    check_timezone,
    rate_budget,
)
from tap_shopster.streams import GroupDatetimeStream
from vendor_http import (
    RateBudget,
    VendorTap,
    api_token_setting,
    api_url_setting,
    date_range_checks,
    date_range_settings,
    lookback_setting,
    request_interval_setting,
    retry_settings,
    transport_settings,
    window_setting,
)

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from singer_sdk import Stream

ASSUMED = ShopsterAssumptions()
REPORT_DEFAULT = "Default of every report that does not set its own."


def _choice(name: str, title: str, values: tuple[str, ...], text: str) -> th.Property:
    return th.Property(
        name,
        th.StringType(allowed_values=list(values)),
        default=report_config.DEFAULTS[name],
        title=title,
        description=f"{text} One of: {', '.join(values)}. {REPORT_DEFAULT}",
    )


class TapShopster(VendorTap):
    """Singer tap for Shopster's footfall dynamics (GET /reports/group_datetime)."""

    name = "tap-shopster"

    config_jsonschema = th.PropertiesList(
        api_token_setting("Shopster API token, sent in the x-token header."),
        api_url_setting(DEFAULT_API_URL),
        th.Property(
            "reports",
            th.ArrayType(
                th.ObjectType(
                    th.Property("name", th.StringType, description="Unique name (default: interval_id_id…)."),
                    th.Property(
                        "objects",
                        th.ArrayType(th.IntegerType),
                        required=True,
                        description="Object ids, all malls, all floors or all zones.",
                    ),
                    *(
                        th.Property(name, th.StringType, description="As the top-level setting.")
                        for name in report_config.PARAMETERS
                    ),
                )
            ),
            required=True,
            title="Reports",
            description=(
                "Object groups to extract, each with its own name, objects, interval, comeback and thresholds, "
                'e.g. [{"name": "malls", "objects": [101, 102]}, {"objects": [10111], "interval": "hourly"}]. '
                "Objects of one report must be of one kind (malls, floors or zones)."
            ),
        ),
        _choice(
            "interval",
            "Interval",
            INTERVALS,
            "Rows per hour, day, week (from Monday) or month; or one weekday / weekend aggregate per week.",
        ),
        _choice("comeback", "Comeback window", COMEBACKS, "Window in which a client seen again counts as returning."),
        _choice("bounce_threshold", "Bounce threshold", THRESHOLDS, "Visits shorter than this are 'bounced'."),
        _choice(
            "engagement_threshold",
            "Engagement threshold",
            THRESHOLDS,
            "Visits at least this long are 'engaged' (at least the bounce threshold).",
        ),
        *date_range_settings(
            start_description=(
                f"First day to extract (YYYY-MM-DD). Default: {DEFAULT_START_DAYS_AGO} days ago (Shopster does not "
                "say how deep its history goes). Weekly, weekday, weekend and monthly reports start at the "
                "beginning of the week or month holding it."
            ),
            end_description="Last day to extract (YYYY-MM-DD). Default and latest: today minus 'data_delay_days'.",
        ),
        lookback_setting(
            default=DEFAULT_LOOKBACK_DAYS,
            maximum=366,
            description=(
                "Days before the bookmark read again on every run, in case Shopster revises recent numbers "
                "(how late its data settles is not published)."
            ),
        ),
        window_setting(
            default=DEFAULT_WINDOW_DAYS,
            maximum=92,
            description=(
                "Days per request of hourly and daily reports. Weekly, weekday and weekend reports request one "
                "week, monthly reports one month."
            ),
        ),
        th.Property(
            "data_delay_days",
            th.IntegerType(minimum=0, maximum=31),
            default=ASSUMED.data_delay_days,
            title="Data delay (days)",
            description="A day is requested once this many days have passed (1: up to yesterday; 0: today too).",
        ),
        th.Property(
            "to_inclusive",
            th.BooleanType,
            default=ASSUMED.to_inclusive,
            title="'to' is inclusive",
            description=(
                "Whether Shopster's 'to' includes that day (assumed from the doc's example). false: the tap sends "
                "the day after the last one it wants."
            ),
        ),
        th.Property(
            "answer_keying",
            th.StringType(allowed_values=list(KEYINGS)),
            default=ASSUMED.answer_keying,
            title="Answer keying",
            description=(
                "How answers are keyed (the doc's example reads both ways): auto = one key for several objects "
                "is the group's totals, several keys are one per object; object or group pin a reading."
            ),
        ),
        th.Property(
            "datetime_timezone",
            th.StringType,
            title="Time zone of datetime",
            description=(
                "Empty: Shopster's datetime is taken as written (an offset such as Z is honoured, none means "
                "UTC). An IANA zone (e.g. Europe/Moscow): its wall time is read in that zone and written in UTC."
            ),
        ),
        request_interval_setting(
            default=DEFAULT_MIN_REQUEST_INTERVAL_SECONDS,
            description="One request at a time, this far apart (Shopster publishes no rate limit).",
        ),
        *retry_settings(),
        *transport_settings(),
    ).to_dict()

    def settings_checks(self) -> dict[str, Callable[[t.Any, str], str | None]]:
        """Reports, dates and the time zone, besides the shared checks."""
        return {
            **super().settings_checks(),
            "reports": report_config.check_reports(self.config),
            "datetime_timezone": check_timezone,
            **date_range_checks(self.config),
        }

    def make_rate_budget(self) -> RateBudget:
        """One request in flight, spaced, for the whole run."""
        return rate_budget(self.config)

    @cached_property
    def reports(self) -> list[report_config.Report]:
        """The configured reports with the top-level defaults applied."""
        return report_config.resolve(self.config)

    def discover_streams(self) -> list[Stream]:
        """The tap's stream."""
        return [GroupDatetimeStream(self)]


if __name__ == "__main__":
    TapShopster.cli()
