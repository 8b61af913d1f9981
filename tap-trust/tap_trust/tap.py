"""tap-trust: Trust.lat push campaigns and their delivery statistics as Singer streams."""

from __future__ import annotations

import re
import typing as t
from functools import cached_property

from singer_sdk import typing as th

from tap_trust.client import (
    DEFAULT_API_URL,
    DEFAULT_AUTH_URL,
    DEFAULT_CONTENT_TYPE,
    DEFAULT_MIN_REQUEST_INTERVAL_SECONDS,
    RANGE_DATE_FORMAT,
    RANGE_END_INCLUSIVE,
    RANGE_PARAMETERS,
    TOKEN_PATH,
    AteneaAuthenticator,
    rate_budget,
)
from tap_trust.streams import (
    DEFAULT_LOOKBACK_DAYS,
    CampaignsStream,
    DailyStatisticsStream,
    StatisticsSnapshotsStream,
)
from vendor_http import (
    RateBudget,
    VendorTap,
    api_url_setting,
    check_api_url,
    client_credentials_settings,
    date_range_checks,
    date_range_settings,
    lookback_setting,
    request_interval_setting,
    retry_settings,
    transport_settings,
)

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from singer_sdk import Stream

STATISTICS_MODES = ("snapshot", "history")
_COMPANY_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def check_company_ids(value: t.Any, setting: str) -> str | None:
    """At least one id, each a plain path segment (it goes into the URL), none twice."""
    if not isinstance(value, list) or not value:
        return f"setting '{setting}' must list at least one company id, e.g. [101]"
    ids = [str(item) for item in value]
    bad = [item for item in ids if not _COMPANY_ID.match(item)]
    if bad:
        return f"setting '{setting}': {', '.join(map(repr, bad))} is not a company id (digits, letters, - or _)"
    if len(set(ids)) != len(ids):
        return f"setting '{setting}' names a company twice"
    return None


def check_date_format(value: t.Any, setting: str) -> str | None:
    """A strftime format with a directive."""
    if value is not None and (not isinstance(value, str) or "%" not in value):
        return f"setting '{setting}' must be a strftime format such as %Y-%m-%d, got {value!r}"
    return None


class TapTrust(VendorTap):
    """Singer tap for Trust.lat push campaigns and their delivery statistics."""

    name = "tap-trust"

    config_jsonschema = th.PropertiesList(
        *client_credentials_settings(
            "Atenea client id (from Trust.lat).",
            "Atenea client secret, exchanged for an access token at {auth_url}/oauth/token/.",
        ),
        th.Property(
            "company_ids",
            th.ArrayType(th.CustomType({"type": ["string", "integer"]})),
            required=True,
            title="Company ids",
            description="The Trust.lat companies to extract (the {company_id} of the API path), e.g. [101, 102].",
        ),
        api_url_setting(DEFAULT_API_URL),
        th.Property(
            "auth_url",
            th.StringType,
            default=DEFAULT_AUTH_URL,
            title="Atenea URL",
            description="Base URL of Atenea, the token service (test host: https://atenea-tst.trust.lat).",
        ),
        th.Property(
            "statistics_mode",
            th.StringType(allowed_values=list(STATISTICS_MODES)),
            default="snapshot",
            title="Statistics mode",
            description=(
                "snapshot: stream statistics_snapshots, the documented 7-day totals, one row per company and run day. "
                "history: stream daily_statistics, one row per company and day through the date-range search "
                "(its parameter names are not published: check the history_* settings)."
            ),
        ),
        *date_range_settings(
            start_description="History mode: first day to extract (YYYY-MM-DD, UTC). Default: 6 days ago.",
            end_description=(
                "History mode: last day to extract (YYYY-MM-DD, UTC). Default: today (re-read by later runs)."
            ),
        ),
        lookback_setting(
            default=DEFAULT_LOOKBACK_DAYS,
            maximum=366,
            description=(
                "History mode: days before the bookmark read again on every run (pending notifications settle "
                "and today fills up)."
            ),
        ),
        th.Property(
            "history_start_parameter",
            th.StringType(min_length=1),
            default=RANGE_PARAMETERS[0],
            title="Range search: start parameter",
            description="History mode: query parameter of the first day (not published by Trust.lat; assumed).",
        ),
        th.Property(
            "history_end_parameter",
            th.StringType(min_length=1),
            default=RANGE_PARAMETERS[1],
            title="Range search: end parameter",
            description="History mode: query parameter of the last day (not published by Trust.lat; assumed).",
        ),
        th.Property(
            "history_date_format",
            th.StringType(min_length=2),
            default=RANGE_DATE_FORMAT,
            title="Range search: date format",
            description="History mode: strftime format of both dates (not published by Trust.lat; assumed).",
        ),
        th.Property(
            "history_end_inclusive",
            th.BooleanType,
            default=RANGE_END_INCLUSIVE,
            title="Range search: end inclusive",
            description="History mode: the end date is counted (one day: start = end); false sends end = the next day.",
        ),
        th.Property(
            "check_range_search",
            th.BooleanType,
            default=True,
            title="Check the range search",
            description=(
                "History mode: once per run, compare two days with the 7-day default and stop if both equal it "
                "(the vendor ignored the parameters). Costs up to one extra request per company."
            ),
        ),
        th.Property(
            "campaign_queries",
            th.ArrayType(th.ObjectType(additional_properties=th.CustomType({"type": ["string", "boolean"]}))),
            title="Campaign queries",
            description=(
                "Query filters of the campaign list, one request per entry (records merged by uuid), e.g. "
                '[{"terminated": "false"}, {"terminated": "true"}]. Default: one request without filters.'
            ),
        ),
        th.Property(
            "request_content_type",
            th.StringType(allowed_values=["application/json", "text/plain"]),
            default=DEFAULT_CONTENT_TYPE,
            title="Content-Type of GETs",
            description="The documentation's table says application/json, its examples send text/plain.",
        ),
        request_interval_setting(
            default=DEFAULT_MIN_REQUEST_INTERVAL_SECONDS,
            description="Proactive spacing of requests, one at a time (Trust.lat publishes no rate limit).",
        ),
        *retry_settings(),
        *transport_settings(),
    ).to_dict()

    def settings_checks(self) -> dict[str, Callable[[t.Any, str], str | None]]:
        """Both URLs, the company ids, the dates and the date format, besides the shared checks."""
        return {
            **super().settings_checks(),
            "auth_url": check_api_url,
            "company_ids": check_company_ids,
            "history_date_format": check_date_format,
            **date_range_checks(self.config),
        }

    def make_rate_budget(self) -> RateBudget:
        """One request at a time, spaced (no limit is published)."""
        return rate_budget(self.config)

    @property
    def company_ids(self) -> list[str]:
        """The configured companies, as text."""
        return [str(company) for company in self.config.get("company_ids") or []]

    @cached_property
    def authenticator(self) -> AteneaAuthenticator:
        """One Atenea token per run, shared by all streams."""
        return AteneaAuthenticator(
            auth_endpoint=f"{str(self.config.get('auth_url', DEFAULT_AUTH_URL)).rstrip('/')}{TOKEN_PATH}",
            client_id=str(self.config["client_id"]),
            client_secret=str(self.config["client_secret"]),
            redactor=self.redactor,
            budget=self.rate_budget,
            policy=self.retry_policy,
            timeout=float(self.config.get("request_timeout_seconds", 300.0)),
            limits=self.transport_limits,
            logger=self.logger,
        )

    def discover_streams(self) -> list[Stream]:
        """Campaigns, and the statistics stream of the configured mode."""
        history = self.config.get("statistics_mode") == "history"
        statistics = DailyStatisticsStream(self) if history else StatisticsSnapshotsStream(self)
        return [CampaignsStream(self), statistics]


if __name__ == "__main__":
    TapTrust.cli()
