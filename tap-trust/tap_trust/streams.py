"""The streams: campaigns, and the statistics in one of two modes (snapshot or daily history).

``statistics_mode`` decides which statistics stream the tap offers: ``statistics_snapshots``
(the documented default answer, the last 7 days, read once per run) or ``daily_statistics``
(one date-range search per company and day, whose parameter names Trust.lat does not
publish). Two streams, not one, because their rows mean different things and are keyed
differently; a warehouse never mixes a 7-day total with a day's numbers in one table.
"""

from __future__ import annotations

import sys
import typing as t

import pendulum
from singer_sdk.exceptions import FatalAPIError

from tap_trust import schemas
from tap_trust.client import (
    VENDOR,
    TrustStream,
    as_id,
    range_params,
    rfc3339,
    snapshot_window,
    statistics_columns,
    utc_now,
)
from vendor_http import ExplainedError, RecordValidationError, run_range

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

#: Pending notifications turn into sent or failed ones over the next days; re-read 3 days.
DEFAULT_LOOKBACK_DAYS = 3
CAMPAIGN_IDS = ("app_id", "flavor_id", "message_id", "segment_id")
CAMPAIGN_TIMES = ("created_at", "updated_at", "finish_date")


class RangeSearchIgnoredError(ExplainedError):
    """The date-range search answered the 7-day default: its parameter names are not the vendor's."""


class _CompanyStream(TrustStream):
    """A stream read per configured company."""

    def companies(self) -> list[str]:
        return self.vendor_tap.company_ids  # type: ignore[attr-defined,no-any-return]

    def validated(self, record: dict[str, t.Any], where: str) -> dict[str, t.Any]:
        try:
            return self.validate_record(record)
        except RecordValidationError as exc:
            raise exc.at(where) from None


class CampaignsStream(_CompanyStream):
    """Every campaign of every configured company, read whole on every run.

    Full table: Trust.lat documents no filter on a change date (``updated_at`` can only be
    compared after the whole list was read), the list is small, and a full read also
    picks up changes that may not bump ``updated_at`` (``terminated`` flips when the finish
    date passes). The target replaces each campaign by its key.
    """

    name = "campaigns"
    endpoint = "campaign"
    # A campaign belongs to one company (its company_id). The vendor's uuid is unique by
    # construction, but nothing documented promises it across companies: the key carries
    # the company, so two companies can never overwrite each other's row.
    primary_keys = ("company_id", "uuid")
    replication_key = None
    schema = schemas.CAMPAIGNS

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """One request per company and entry of ``campaign_queries`` (default: one, no filter)."""
        queries = self.config.get("campaign_queries") or [{}]
        for company in self.companies():
            seen: set[t.Any] = set()
            for query in queries:
                params = {key: value if isinstance(value, str) else str(value).lower() for key, value in query.items()}
                campaigns = self.fetch({"company_id": company}, params)
                if not isinstance(campaigns, list):
                    msg = f"Trust.lat answered the campaigns of company {company} with a {type(campaigns).__name__}"
                    raise FatalAPIError(f"{msg}, expected a list")
                for index, item in enumerate(campaigns):
                    record = self.campaign(company, item, index)
                    if record["uuid"] not in seen:
                        seen.add(record["uuid"])
                        yield record

    def campaign(self, company: str, item: t.Any, index: int) -> dict[str, t.Any]:
        """One campaign: ids as text, timestamps RFC 3339 UTC, the company checked."""
        where = f"company {company}, campaign #{index}"
        if not isinstance(item, dict):
            return self.validated({"uuid": item}, where)
        where += f" uuid={item.get('uuid')!r}"
        row = dict(item)
        for key in CAMPAIGN_IDS:
            row[key] = as_id(row.get(key))
        for key in CAMPAIGN_TIMES:
            row[key] = rfc3339(row.get(key))
        listed = as_id(row.get("company_id"))
        if listed not in (None, company):
            msg = f"Trust.lat listed a campaign of company {listed} among those of company {company} ({where})"
            raise FatalAPIError(msg)
        row["company_id"] = company
        return self.validated(row, where)


class _StatisticsStream(_CompanyStream):
    """Statistics, one state partition per company."""

    endpoint = "statistics"

    @property
    def partitions(self) -> list[dict[str, t.Any]]:
        """One partition per configured company."""
        return [{"company_id": company} for company in self.companies()]

    def row(self, context: Context, data: t.Any, where: str, **fields: t.Any) -> dict[str, t.Any]:
        record = {"company_id": context["company_id"], **fields, "extracted_at": utc_now(), **statistics_columns(data)}
        return self.validated(record, where)


class StatisticsSnapshotsStream(_StatisticsStream):
    """The documented default answer: the last 7 days' totals, one row per company and run day."""

    name = "statistics_snapshots"
    # A rerun on the same (UTC) day replaces that day's row; each day of runs adds one.
    primary_keys = ("company_id", "snapshot_date")
    # Incremental (not full table): every run appends its day's snapshot, history accumulates.
    replication_key = "snapshot_date"
    is_sorted = True  # one row per company and run
    schema = schemas.STATISTICS_SNAPSHOTS

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        context = context or {}
        today = pendulum.now("UTC").date()
        first, last = snapshot_window(today)
        data = self.fetch(context)
        where = f"company {context['company_id']}, snapshot of {today}"
        dates = {"snapshot_date": str(today), "window_start": str(first), "window_end": str(last)}
        yield self.row(context, data, where, **dates)


class DailyStatisticsStream(_StatisticsStream):
    """One row per company and day, through the date-range search, bookmarked per company.

    State, per company: ``replication_key_value`` = the last day emitted. The next run starts
    ``lookback_days`` before it (pending notifications settle, today fills up); a run killed
    at any point resumes there, the bookmark never passing a day not yet emitted.
    """

    name = "daily_statistics"
    # One search per company and day, so (company, day) names the row; re-read days replace theirs.
    primary_keys = ("company_id", "date")
    replication_key = "date"
    schema = schemas.DAILY_STATISTICS
    is_sorted = True
    bookmark_by_window = True
    STATE_MSG_FREQUENCY = sys.maxsize

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        #: Whether the range search was seen to work this run (checked once, see check_range_search).
        self.range_search_checked = not self.config.get("check_range_search", True)

    def days(self, context: Context) -> list[pendulum.Date]:
        """bookmark − lookback (or start_date) .. end_date (default today), ascending."""
        today = pendulum.now("UTC").date()
        config = self.config
        # How far back Trust.lat keeps statistics is not documented: only the end is clamped.
        span = run_range(
            config,
            self.get_context_state(context).get("replication_key_value"),
            default_start=snapshot_window(today)[0],
            latest=today,
            default_lookback_days=DEFAULT_LOOKBACK_DAYS,
            vendor=VENDOR,
            why_latest="later days have no statistics yet",
            logger=self.logger,
        )
        return [] if span is None else [span.start.add(days=n) for n in range(span.days)]

    def check_range_search(self, context: Context) -> dict[pendulum.Date, t.Any]:
        """Prove once per run that the vendor honours the range search: an answer that ignored
        it would be the 7-day default, and two different days inside those 7 days can only
        both equal it if it is all zeros. Returns the two days' answers for reuse."""
        today = pendulum.now("UTC").date()
        company = context["company_id"]
        default = self.fetch(context)
        if not any(statistics_columns(default).get(key) for key in ("total", "sended", "fails", "pending")):
            self.logger.info("Company %s had no notifications in the last 7 days; range search not checked", company)
            return {}
        answers = {day: self.fetch(context, range_params(day, self.config)) for day in (today.subtract(days=1), today)}
        self.range_search_checked = True
        if all(answer == default for answer in answers.values()):
            names, days = ", ".join(range_params(today, self.config)), ", ".join(map(str, answers))
            msg = (
                f"Trust.lat answered the date-range search of company {company} ({names}) for {days} with the "
                "7-day default both times: it seems to ignore these parameter names (Trust.lat does not publish "
                "them). Ask Trust.lat for the names and format and set history_start_parameter, "
                "history_end_parameter and history_date_format, or use statistics_mode 'snapshot'"
            )
            raise RangeSearchIgnoredError(msg)
        self.logger.info("Trust.lat honours the date-range search (%s)", ", ".join(range_params(today, self.config)))
        return answers

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Each day's statistics in turn; STATE after every day."""
        context = context or {}
        days = self.days(context)
        if not days:
            return
        companies = self.companies()
        scope = f"company {context['company_id']} ({companies.index(context['company_id']) + 1} of {len(companies)})"
        self.track_progress("day", labels=[str(day) for day in days], scope=scope)
        known = {} if self.range_search_checked else self.check_range_search(context)
        for day in days:
            data = known.pop(day) if day in known else self.fetch(context, range_params(day, self.config))
            yield self.row(context, data, f"company {context['company_id']}, day {day}", date=str(day))
            self.complete_window(str(day), context=context)
