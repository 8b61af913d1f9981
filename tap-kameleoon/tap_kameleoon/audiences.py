"""Audience statistics: one request → ``dataCode`` → poll per site and window, four streams.

How the four streams share one poll result: ``audience_global_stats`` is the parent. Its
windows (every selected site's, site by site) go through one
:class:`~tap_kameleoon.pipeline.WindowPipeline`, which keeps several data codes in flight
and hands the READY windows back in order. For each, the parent keeps the data in
:attr:`AudienceGlobalStatsStream.current` and yields the window's global row. The SDK then
syncs the three child streams for that row (parent/child streams are the SDK's own
fan-out); they read ``current`` instead of requesting anything. Only after the children
are done does the parent move its site's bookmark to the window's end. When only children
are selected, the SDK still runs the parent without emitting its records.

State, per site: ``replication_key_value`` = end (exclusive) of the last window whose
rows were all emitted, and ``pending`` = the data codes in flight (code, window, level,
when requested), each written as soon as it is known. A re-run polls a pending code
again instead of asking Kameleoon to compute the window again, if it is younger than
``data_code_max_age_minutes`` and Kameleoon still knows it (else it is requested anew).
"""

from __future__ import annotations

import sys
import typing as t
from dataclasses import dataclass, field

import pendulum
from singer_sdk.exceptions import FatalAPIError

from tap_kameleoon import schemas
from tap_kameleoon.client import (
    DEFAULT_DATA_CODE_MAX_AGE_MINUTES,
    DEFAULT_MAX_DATA_CODES_IN_FLIGHT,
    DEFAULT_MAX_HISTORY_DAYS,
    GLOBAL_REQUEST_PATH,
    POLL_PATH,
    KameleoonStream,
    extract_data_code,
    global_request_params,
)
from tap_kameleoon.pipeline import Window, WindowPipeline, instant
from vendor_http import (
    JobPoller,
    JobState,
    JobStatus,
    PollSchedule,
    RecordValidationError,
    clamp_range,
    parse_date_setting,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

#: Windows are aligned to a grid from this Monday when `start_date` is not set, so that
#: every run cuts the same windows (and re-extracted windows replace their own rows).
GRID_ANCHOR = pendulum.date(2000, 1, 3)
DEFAULT_WINDOW_DAYS = 7
DEFAULT_LOOKBACK_DAYS = 2


def iso(day: pendulum.Date) -> str:
    """Midnight UTC of ``day`` as the streams write it: RFC 3339 with ``Z`` (``YYYY-MM-DDT00:00:00Z``)."""
    return f"{day.isoformat()}T00:00:00Z"


def utc_timestamp(value: t.Any) -> t.Any:
    """A vendor timestamp as RFC 3339 in UTC with ``Z`` (``YYYY-MM-DDThh:mm:ss[.f]Z``).

    An offset is applied; a timestamp without one is taken as UTC (README, "API
    assumptions"). Anything that is not a timestamp is returned as it is, for
    validation to report.
    """
    if not isinstance(value, str):
        return value
    try:
        parsed = pendulum.parse(value)
    except ValueError:
        return value
    if not isinstance(parsed, pendulum.DateTime):
        return value
    return parsed.in_timezone("UTC").isoformat().replace("+00:00", "Z")


@dataclass
class WindowResult:
    """The READY data of one site and window, as rows of the four streams."""

    site_id: int
    window_start: str
    global_row: dict[str, t.Any]
    rows: dict[str, list[tuple[str, dict[str, t.Any]]]] = field(default_factory=dict)
    """Child stream name → (where, row) pairs."""


def split_rows(base: dict[str, t.Any], data: dict[str, t.Any]) -> WindowResult:
    """The poll ``data`` as rows: global, per segment, per day, per breakdown value and segment."""
    result = WindowResult(base["siteId"], base["windowStart"], {**base, **(data.get("globalStats") or {})})
    result.rows["audience_segment_stats"] = [
        (f"segmentStats[{i}]", {**base, **item}) for i, item in enumerate(data.get("segmentStats") or [])
    ]
    days = ("startDateTime", "endDateTime")
    result.rows["audience_period_stats"] = [
        (f"periodStats[{i}]", {**base, **item} | {k: utc_timestamp(item.get(k)) for k in days})
        for i, item in enumerate(data.get("periodStats") or [])
    ]
    breakdowns = []
    for kind, key in (("usual", "usualBreakdownStats"), ("custom", "customDataStats")):
        for value, items in ((data.get("breakdownData") or {}).get(key) or {}).items():
            for i, item in enumerate(items or []):
                row = {**base, "breakdownKind": kind, "breakdownValue": value, **item}
                breakdowns.append((f"breakdownData.{key}[{value!r}][{i}]", row))
    result.rows["audience_breakdown_stats"] = breakdowns
    return result


class AudienceGlobalStatsStream(KameleoonStream):
    """One row per site and window: the summed stats of all tracked segments."""

    name = "audience_global_stats"
    path = GLOBAL_REQUEST_PATH
    schema = schemas.GLOBAL_STATS
    # One request per (site, window, level); windows of one site never overlap and are
    # cut on a fixed grid, so windowStart names the window.
    primary_keys = ("siteId", "analyticsLevel", "windowStart")
    replication_key = "windowEnd"
    state_partitioning_keys = ("siteId",)
    is_sorted = True
    bookmark_by_window = True
    STATE_MSG_FREQUENCY = sys.maxsize

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the stream; ``current`` holds the window its children are reading."""
        super().__init__(*args, **kwargs)
        self.current: WindowResult | None = None
        #: The date range warnings given this run: said once, not once per site.
        self.range_warnings: set[str] = set()
        self.poller = JobPoller(
            self.check,
            PollSchedule.from_config(self.config),
            what="Kameleoon data code",
            logger=self.logger,
            learn_duration=True,
        )
        self.pipeline: WindowPipeline | None = None
        #: The start days of each site's windows this run (site id → days), for the progress lines.
        self.site_windows: dict[int, list[str]] = {}

    @property
    def partitions(self) -> list[dict[str, t.Any]]:
        """One partition per selected site."""
        return [{"siteId": site["id"]} for site in self.vendor_tap.selected_sites()]  # type: ignore[attr-defined]

    @property
    def analytics_level(self) -> str:
        return str(self.config.get("analytics_level", "VISITOR"))

    # --- windows -------------------------------------------------------------------------

    def windows(self, context: Context | None) -> list[tuple[pendulum.Date, pendulum.Date]]:
        """``[start, end)`` day ranges still to extract for the site, ascending."""
        config = self.config
        today = pendulum.now("UTC").date()
        history = int(config.get("max_history_days", DEFAULT_MAX_HISTORY_DAYS))
        earliest = today.subtract(days=history)
        start_date = parse_date_setting(config["start_date"], "start_date") if config.get("start_date") else earliest
        end_date = (
            parse_date_setting(config["end_date"], "end_date") if config.get("end_date") else today.subtract(days=1)
        )
        first = start_date
        bookmark = self.get_context_state(context).get("replication_key_value")
        if bookmark:
            lookback = int(config.get("lookback_days", DEFAULT_LOOKBACK_DAYS))
            first = max(start_date, parse_date_setting(bookmark, "state bookmark").subtract(days=lookback))
        span = clamp_range(
            first,
            end_date,
            earliest=earliest,
            latest=today.subtract(days=1),
            vendor=self.vendor_name,
            why_earliest=f"it keeps about two months of audience data ('max_history_days' = {history})",
            why_latest="today is not complete yet",
            logger=self.logger,
            said=self.range_warnings,
        )
        if span is None:
            return []
        days = int(config.get("window_days", DEFAULT_WINDOW_DAYS))
        anchor = start_date if config.get("start_date") else GRID_ANCHOR
        cell = span.start.subtract(days=(span.start - anchor).days % days)
        windows = []
        while cell <= span.end:
            windows.append((max(cell, earliest), min(cell.add(days=days), span.end.add(days=1))))
            cell = cell.add(days=days)
        return windows

    # --- request and poll --------------------------------------------------------------------

    def check(self, data_code: str) -> JobStatus:
        """One poll of a data code, as a vendor-neutral status."""
        body = self.call("GET", POLL_PATH, params={"dataCode": data_code}).json()
        status = body.get("status") if isinstance(body, dict) else None
        if status == "WAITING":
            return JobStatus(JobState.PENDING)
        if status == "READY" and isinstance(body.get("data"), dict):
            return JobStatus(JobState.DONE, payload=body["data"])
        if status == "ERROR":
            return JobStatus(JobState.FAILED, message=body.get("errorDescription"))
        msg = f"Kameleoon answered the poll of data code {data_code} with status {status!r} and no usable data"
        raise FatalAPIError(msg)

    def resumable(self, window: Window) -> str | None:
        """A pending data code of this window and level that is still young enough, if any."""
        max_age = float(self.config.get("data_code_max_age_minutes", DEFAULT_DATA_CODE_MAX_AGE_MINUTES))
        wanted = (instant(window.start), instant(window.end), self.analytics_level)
        for entry in self.get_context_state(window.context).get("pending") or []:
            if (
                instant(entry.get("windowStart")),
                instant(entry.get("windowEnd")),
                entry.get("analyticsLevel"),
            ) != wanted:
                continue
            requested = instant(entry.get("requestedAt"))
            if requested is None:
                continue
            age = (pendulum.now("UTC") - requested).total_seconds() / 60
            if age <= max_age:
                return str(entry["dataCode"])
            self.logger.info("Not resuming data code %s: requested %.0f minutes ago", entry.get("dataCode"), age)
        return None

    def forget(self, window: Window, *, write: bool = True) -> None:
        """Drop the pending data code(s) of ``window`` from its site's state (and write STATE)."""
        state = self.get_context_state(window.context)
        start = instant(window.start)
        kept = [e for e in state.get("pending") or [] if instant(e.get("windowStart")) != start]
        if kept:
            state["pending"] = kept
        else:
            state.pop("pending", None)
        if write:
            self.write_state_now()

    def request(self, window: Window) -> str:
        """Ask Kameleoon for the window's statistics; note the data code as pending, write STATE."""
        params = global_request_params(
            window.site["id"],
            pendulum.parse(window.start),  # type: ignore[arg-type]
            pendulum.parse(window.end),  # type: ignore[arg-type]
            self.analytics_level,
            self.config.get("global_request_parameter_names"),
        )
        code = extract_data_code(self.call("GET", GLOBAL_REQUEST_PATH, params=params, context=window.context))
        state = self.get_context_state(window.context)
        start = instant(window.start)
        # A list: a window's code is kept until its rows are out, with those of the windows after it.
        state["pending"] = [e for e in state.get("pending") or [] if instant(e.get("windowStart")) != start]
        state["pending"].append(
            {
                "dataCode": code,
                "windowStart": window.start,
                "windowEnd": window.end,
                "analyticsLevel": self.analytics_level,
                "requestedAt": pendulum.now("UTC").to_iso8601_string(),
            }
        )
        self.write_state_now()
        return code

    def make_pipeline(self) -> WindowPipeline:
        """Every selected site's windows, in the order the SDK syncs the sites."""
        windows = []
        for context in self.partitions:
            site = self.vendor_tap.site_by_id(context["siteId"])  # type: ignore[attr-defined]
            spans = self.windows(context)
            state = self.get_context_state(context)
            if state.get("pending"):  # codes of windows this run no longer covers are dropped
                starts = {instant(iso(first)) for first, _ in spans}
                state["pending"] = [e for e in state["pending"] if instant(e.get("windowStart")) in starts]
                if not state["pending"]:
                    del state["pending"]
            self.site_windows[site["id"]] = [first.isoformat() for first, _ in spans]
            windows += [Window(site, iso(first), iso(after)) for first, after in spans]
        in_flight = int(self.config.get("max_data_codes_in_flight", DEFAULT_MAX_DATA_CODES_IN_FLIGHT))
        return WindowPipeline(self, windows, in_flight)

    def checked_data(self, window: Window) -> dict[str, t.Any]:
        """The window's READY data, once its period is the one requested."""
        data = t.cast("dict[str, t.Any]", window.data)
        answered = (instant(data.get("startDateTime")), instant(data.get("endDateTime")))
        if None not in answered and answered != (instant(window.start), instant(window.end)):
            self.forget(window)
            msg = (
                f"{window}: Kameleoon answered data code {window.code} with the period "
                f"{data.get('startDateTime')}..{data.get('endDateTime')}, not the one requested; check the "
                "setting 'global_request_parameter_names' (Kameleoon does not publish the request's parameters)"
            )
            raise FatalAPIError(msg)
        return data

    # --- records -------------------------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """The global row of each window; children are synced after each, then the bookmark moves."""
        if context is None:
            msg = f"stream '{self.name}' is partitioned by site and was synced without a site"
            raise RuntimeError(msg)
        sites = [partition["siteId"] for partition in self.partitions]
        if self.pipeline is None or context["siteId"] == sites[0]:
            self.pipeline = self.make_pipeline()  # one per sync, from the first site on
        if starts := self.site_windows.get(context["siteId"]):
            code = self.vendor_tap.site_by_id(context["siteId"])["code"]  # type: ignore[attr-defined]
            scope = f"site {code} ({sites.index(context['siteId']) + 1} of {len(sites)})"
            self.track_progress("window", labels=starts, scope=scope)
        for window in self.pipeline.windows_of(context["siteId"]):
            base = {
                "siteId": window.site["id"],
                "siteCode": window.site["code"],
                "windowStart": window.start,
                "windowEnd": window.end,
                "analyticsLevel": self.analytics_level,
            }
            self.current = split_rows(base, self.checked_data(window))
            where = f"site {window.site['code']}, window {window.start}, globalStats"
            yield self.validated(self.current.global_row, where)
            self.forget(window, write=False)  # one STATE: this code gone, the bookmark at its end
            self.complete_window(window.end, context=window.context)
        self.current = None

    def validated(self, row: dict[str, t.Any], where: str) -> dict[str, t.Any]:
        try:
            return self.validate_record(row)
        except RecordValidationError as exc:
            raise exc.at(where) from None

    def get_child_context(self, record: dict[str, t.Any], context: Context | None) -> dict[str, t.Any]:
        """Children get the site and window; the data is in ``current``."""
        return {"siteId": record["siteId"], "windowStart": record["windowStart"]}


class _AudienceChild(KameleoonStream):
    """Rows of the parent's current window; no requests, no state of its own."""

    parent_stream_type = AudienceGlobalStatsStream
    path = POLL_PATH  # never requested: the rows come from the parent's poll
    state_partitioning_keys: t.ClassVar[list[str]] = []

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        parent = t.cast("AudienceGlobalStatsStream", self.vendor_tap.streams[AudienceGlobalStatsStream.name])
        current = parent.current
        if (
            current is None
            or context is None
            or (current.site_id, current.window_start)
            != (
                context["siteId"],
                context["windowStart"],
            )
        ):
            msg = f"stream '{self.name}' was synced without its parent's window ({context})"
            raise RuntimeError(msg)
        for where, row in current.rows.get(self.name, []):
            try:
                yield self.validate_record(row)
            except RecordValidationError as exc:
                raise exc.at(f"site {row['siteCode']}, window {row['windowStart']}, {where}") from None


class AudienceSegmentStatsStream(_AudienceChild):
    """One row per site, window and tracked segment."""

    name = "audience_segment_stats"
    schema = schemas.SEGMENT_STATS
    # segmentStats holds one item per tracked segment of the window.
    primary_keys = ("siteId", "analyticsLevel", "windowStart", "segmentId")


class AudiencePeriodStatsStream(_AudienceChild):
    """One row per site and day (periodStats are split by day)."""

    name = "audience_period_stats"
    schema = schemas.PERIOD_STATS
    # A day belongs to exactly one window of a site, whatever the window length.
    primary_keys = ("siteId", "analyticsLevel", "startDateTime")


class AudienceBreakdownStatsStream(_AudienceChild):
    """One row per site, window, breakdown (usual or custom data), value and segment."""

    name = "audience_breakdown_stats"
    schema = schemas.BREAKDOWN_STATS
    # Each breakdown value (the property name) maps to one item per segment.
    primary_keys = ("siteId", "analyticsLevel", "windowStart", "breakdownKind", "breakdownValue", "segmentId")
