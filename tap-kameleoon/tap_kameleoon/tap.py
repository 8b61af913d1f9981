"""tap-kameleoon: Kameleoon sites, segments and audience statistics as Singer streams."""

from __future__ import annotations

import typing as t
from functools import cached_property

from singer_sdk import typing as th

from tap_kameleoon.audiences import (
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_WINDOW_DAYS,
    AudienceBreakdownStatsStream,
    AudienceGlobalStatsStream,
    AudiencePeriodStatsStream,
    AudienceSegmentStatsStream,
)
from tap_kameleoon.client import (
    DEFAULT_API_URL,
    DEFAULT_DATA_CODE_MAX_AGE_MINUTES,
    DEFAULT_MAX_DATA_CODES_IN_FLIGHT,
    DEFAULT_MAX_HISTORY_DAYS,
    DEFAULT_RATE_LIMITS,
    GLOBAL_REQUEST_PARAMETER_NAMES,
    MAX_SEGMENTS_PAGE_SIZE,
    TOKEN_PATH,
    KameleoonAuthenticator,
    KameleoonStream,
    rate_windows,
)
from tap_kameleoon.streams import SegmentsStream, SitesStream
from vendor_http import (
    ExplainedError,
    RateBudget,
    VendorTap,
    api_url_setting,
    client_credentials_settings,
    date_range_checks,
    date_range_settings,
    lookback_setting,
    poll_settings,
    retry_settings,
    transport_settings,
    window_setting,
)

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from singer_sdk import Stream


#: The streams in the order they run. Sites and segments need no add-on: they come first, so
#: that an account without Kameleoon's paid Audiences add-on gets them (and their STATE) before
#: the audience streams' 403 ends the run with its one line.
STREAMS_IN_RUN_ORDER: tuple[type[KameleoonStream], ...] = (
    SitesStream,
    SegmentsStream,
    AudienceGlobalStatsStream,
    AudienceSegmentStatsStream,
    AudiencePeriodStatsStream,
    AudienceBreakdownStatsStream,
)


class SiteCodeError(ExplainedError, ValueError):
    """A code in ``site_codes`` that the credentials cannot see."""


class TapKameleoon(VendorTap):
    """Singer tap for the Kameleoon Automation API (sites, segments, audience statistics)."""

    name = "tap-kameleoon"

    config_jsonschema = th.PropertiesList(
        *client_credentials_settings(
            "Kameleoon API client id (Kameleoon app: profile → 'See my API credentials').",
            "Kameleoon API client secret, exchanged for a token at {api_url}/oauth/token.",
        ),
        api_url_setting(DEFAULT_API_URL),
        th.Property(
            "site_codes",
            th.ArrayType(th.StringType),
            title="Site codes",
            description=(
                "Codes of the sites whose segments and audience statistics to extract. "
                "Default: every site the credentials can see. An unknown code fails the run."
            ),
        ),
        *date_range_settings(
            start_description=(
                "First day of audience statistics (YYYY-MM-DD, UTC); also where the windows are "
                "aligned from. Default: the earliest day Kameleoon keeps ('max_history_days')."
            ),
            end_description="Last day of audience statistics (YYYY-MM-DD, UTC). Default: yesterday.",
        ),
        th.Property(
            "analytics_level",
            th.StringType(allowed_values=["VISIT", "VISITOR"]),
            default="VISITOR",
            title="Analytics level",
            description="Count visits or visitors (VISITOR is the default of Kameleoon's interface).",
        ),
        th.Property(
            "global_request_parameter_names",
            th.ObjectType(
                *(th.Property(role, th.StringType(min_length=1)) for role in GLOBAL_REQUEST_PARAMETER_NAMES),
                additional_properties=False,
            ),
            title="Global request parameter names",
            description=(
                "Query parameter names of GET /audiences/global, which Kameleoon does not publish. Default "
                + ", ".join(f"{role}: {name}" for role, name in GLOBAL_REQUEST_PARAMETER_NAMES.items())
                + '; give only the ones to rename, e.g. {"site": "siteCode"}.'
            ),
        ),
        window_setting(
            default=DEFAULT_WINDOW_DAYS,
            maximum=62,
            description=(
                "Days per audience request. Global, segment and breakdown stats are totals of a "
                "window; period stats are always per day. Kameleoon keeps about two months."
            ),
        ),
        lookback_setting(
            default=DEFAULT_LOOKBACK_DAYS,
            maximum=62,
            description="Days before the bookmark whose windows are extracted again on every run (late data).",
        ),
        th.Property(
            "max_history_days",
            th.IntegerType(minimum=1, maximum=366),
            default=DEFAULT_MAX_HISTORY_DAYS,
            title="History kept by Kameleoon (days)",
            description="Earlier start dates are clamped to this many days ago, with a warning.",
        ),
        th.Property(
            "data_code_max_age_minutes",
            th.IntegerType(minimum=0),
            default=DEFAULT_DATA_CODE_MAX_AGE_MINUTES,
            title="Resume data codes younger than (minutes)",
            description="An interrupted run's data code is polled again by the next run if younger than this.",
        ),
        th.Property(
            "max_data_codes_in_flight",
            th.IntegerType(minimum=1, maximum=50),
            default=DEFAULT_MAX_DATA_CODES_IN_FLIGHT,
            title="Windows in flight",
            description=(
                "Windows whose statistics Kameleoon computes at once: data codes requested ahead of the "
                "window being emitted (rows still come out in window order). 1 = one window at a time."
            ),
        ),
        th.Property(
            "segments_page_size",
            th.IntegerType(minimum=1, maximum=MAX_SEGMENTS_PAGE_SIZE),
            default=MAX_SEGMENTS_PAGE_SIZE,
            title="Segments per page",
            description="perPage of POST /segments/search.",
        ),
        th.Property(
            "rate_limits",
            th.ArrayType(
                th.ObjectType(
                    th.Property("requests", th.IntegerType(minimum=1), required=True),
                    th.Property("seconds", th.NumberType(exclusive_minimum=0), required=True),
                )
            ),
            default=list(DEFAULT_RATE_LIMITS),
            title="Rate limits",
            description=(
                "Sliding windows every request (token, polls included) stays under. Kameleoon enforces 50 "
                "per 10 seconds and 1,000 per hour per account and asks for no more than a dozen a minute."
            ),
        ),
        *poll_settings(interval=1.0, backoff_factor=2.0, max_interval=30.0, timeout=1800.0),
        *retry_settings(),
        *transport_settings(),
    ).to_dict()

    def settings_checks(self) -> dict[str, Callable[[t.Any, str], str | None]]:
        """Dates must parse and be in order, besides the shared checks."""
        return {**super().settings_checks(), **date_range_checks(self.config)}

    def make_rate_budget(self) -> RateBudget:
        """The account's sliding windows, for every request of the run."""
        return RateBudget(windows=rate_windows(self.config))

    @cached_property
    def authenticator(self) -> KameleoonAuthenticator:
        """One token per run, shared by all streams."""
        return KameleoonAuthenticator(
            auth_endpoint=f"{str(self.config.get('api_url', DEFAULT_API_URL)).rstrip('/')}{TOKEN_PATH}",
            client_id=str(self.config["client_id"]),
            client_secret=str(self.config["client_secret"]),
            redactor=self.redactor,
            budget=self.rate_budget,
            policy=self.retry_policy,
            timeout=float(self.config.get("request_timeout_seconds", 300.0)),
            limits=self.transport_limits,
            logger=self.logger,
        )

    @cached_property
    def sites(self) -> list[dict[str, t.Any]]:
        """Every site the credentials can see (one ``GET /sites`` per run), whole.

        Validated against the whole schema, not the catalog's selection: the tap relies
        on ``id`` and ``code`` whatever the user selected of the ``sites`` stream.
        """
        return list(t.cast("SitesStream", self.streams[SitesStream.name]).request_records(None))

    def selected_sites(self) -> list[dict[str, t.Any]]:
        """The sites named in ``site_codes`` (all when unset); an unknown code is an error."""
        codes = self.config.get("site_codes")
        if not codes:
            return self.sites
        known = {site["code"]: site for site in self.sites}
        unknown = [code for code in codes if code not in known]
        if unknown:
            msg = (
                f"setting 'site_codes': no site with code(s) {', '.join(map(repr, unknown))} is visible to "
                f"these credentials; visible: {', '.join(sorted(known)) or 'none'}"
            )
            raise SiteCodeError(msg)
        return [known[code] for code in codes]

    def site_by_id(self, site_id: int) -> dict[str, t.Any]:
        """A site from ``GET /sites`` by its numeric id."""
        return next(site for site in self.sites if site["id"] == site_id)

    def discover_streams(self) -> list[Stream]:
        """The tap's streams (the audience children follow their parent)."""
        return [stream_class(self) for stream_class in STREAMS_IN_RUN_ORDER]

    @property
    def streams(self) -> dict[str, Stream]:
        """The SDK's streams in ``STREAMS_IN_RUN_ORDER``, the order they run, not its alphabetical one."""
        loaded = super().streams
        return dict(sorted(loaded.items(), key=lambda item: STREAMS_IN_RUN_ORDER.index(type(item[1]))))


if __name__ == "__main__":
    TapKameleoon.cli()
