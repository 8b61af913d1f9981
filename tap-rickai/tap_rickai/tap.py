"""tap-rickai: Rick.ai visitor sessions as a Singer stream."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_rickai.client import DEFAULT_API_URL, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, RickaiLimits
from tap_rickai.streams import DEFAULT_LOOKBACK_DAYS, SessionsStream
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
)

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from singer_sdk import Stream


class TapRickai(VendorTap):
    """Singer tap for the Rick.ai data API v2."""

    name = "tap-rickai"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "company",
            th.StringType(min_length=1),
            required=True,
            title="Company",
            description="Company identifier issued by Rick.ai support (the {company} of the API path).",
        ),
        api_token_setting("Token issued by Rick.ai support, sent in the Rick-Auth-Token header."),
        api_url_setting(DEFAULT_API_URL),
        *date_range_settings(
            start_description=(
                "First day to extract (YYYY-MM-DD or ISO timestamp, UTC). Default: the "
                "earliest day the API allows (it keeps 90 days). Earlier values are "
                "clamped with a warning."
            ),
            end_description=(
                "Last day to extract (YYYY-MM-DD or ISO timestamp, UTC). Default: the "
                "latest day the API allows (32 hours ago). Later values are clamped "
                "with a warning."
            ),
        ),
        lookback_setting(
            default=DEFAULT_LOOKBACK_DAYS,
            maximum=90,
            description=(
                "Days before the bookmark to extract again on every run, because a "
                "transaction's status and revenue are reported as of the request and "
                "change after the session. 7 covers the usual order cycle at the cost "
                "of ~7 extra requests per run; raise it for longer sales cycles."
            ),
        ),
        th.Property(
            "page_size",
            th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
            default=DEFAULT_PAGE_SIZE,
            title="Page size",
            description=(
                f"Sessions per request (the API's limit, at most {MAX_PAGE_SIZE:,}). "
                "Responses are parsed as they arrive, so memory does not grow with it."
            ),
        ),
        th.Property(
            "max_history_days",
            th.IntegerType(minimum=1),
            default=RickaiLimits.max_history_days,
            title="History kept by Rick.ai (days)",
            description="How far back the API lets you start (documented as a temporary 90 days).",
        ),
        th.Property(
            "data_delay_hours",
            th.IntegerType(minimum=0),
            default=RickaiLimits.data_delay_hours,
            title="Data delay (hours)",
            description="How long after a day the API serves it (documented: 32 hours).",
        ),
        request_interval_setting(
            default=RickaiLimits.min_request_interval_seconds,
            description="Proactive spacing of requests (Rick.ai allows one per second and one at a time).",
        ),
        th.Property(
            "running_request_wait_seconds",
            th.NumberType(minimum=0),
            title="Wait for a running request (seconds)",
            description=(
                "Rick.ai runs one request per token at a time and answers 429 to the next while one runs "
                "(one given up after a timeout, or another process's). How long to wait for it, in all, "
                "before the run fails. Default: request_timeout_seconds."
            ),
        ),
        *retry_settings(),
        *transport_settings(),
    ).to_dict()

    def settings_checks(self) -> dict[str, Callable[[t.Any, str], str | None]]:
        """Dates must parse and be in order, besides the shared checks."""
        return {**super().settings_checks(), **date_range_checks(self.config)}

    def make_rate_budget(self) -> RateBudget:
        """One request in flight and one per second, shared by all streams and every
        process of this machine using the same token."""
        limits = RickaiLimits.from_config(self.config)
        api_url = str(self.config.get("api_url", DEFAULT_API_URL))
        return limits.rate_budget(limits.machine_lock(api_url, str(self.config["api_token"])))

    def discover_streams(self) -> list[Stream]:
        """The tap's streams."""
        return [SessionsStream(self)]


if __name__ == "__main__":
    TapRickai.cli()
