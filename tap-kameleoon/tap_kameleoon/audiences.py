"""Audience statistics: one request → ``dataCode`` → poll per site and window, four streams.

How the four streams share one poll result: ``audience_global_stats`` is the parent. For
each selected site (its state partition) it walks the date windows in order, requests the
statistics, polls the data code with the shared :class:`~vendor_http.JobPoller`, keeps the
READY data in :attr:`AudienceGlobalStatsStream.current` and yields the window's global
row. The SDK then syncs the three child streams for that row (parent/child streams are
the SDK's own fan-out); they read ``current`` instead of requesting anything. Only after
the children are done does the parent move its bookmark to the window's end. When only
children are selected, the SDK still runs the parent without emitting its records.

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
    DEFAULT_MAX_HISTORY_DAYS,
    GLOBAL_REQUEST_PATH,
    POLL_PATH,
    DataCodeRejectedError,
    KameleoonStream,
    extract_data_code,
    global_request_params,
)
from vendor_http import (
    JobFailedError,
    JobPoller,
    JobState,
    JobStatus,
    JobTimeoutError,
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
        self.poller = JobPoller(
            self.check, PollSchedule.from_config(self.config), what="Kameleoon data code", logger=self.logger
        )

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
        body = self.call("GET", POLL_PATH, params={"dataCode": data_code}, expect_json=True).json()
        status = body.get("status") if isinstance(body, dict) else None
        if status == "WAITING":
            return JobStatus(JobState.PENDING)
        if status == "READY" and isinstance(body.get("data"), dict):
            return JobStatus(JobState.DONE, payload=body["data"])
        if status == "ERROR":
            return JobStatus(JobState.FAILED, message=body.get("errorDescription"))
        msg = f"Kameleoon answered the poll of data code {data_code} with status {status!r} and no usable data"
        raise FatalAPIError(msg)

    def resumable(self, pending: list[dict[str, t.Any]], start: str, end: str) -> str | None:
        """A pending data code of this window and level that is still young enough, if any."""
        max_age = float(self.config.get("data_code_max_age_minutes", DEFAULT_DATA_CODE_MAX_AGE_MINUTES))
        for entry in pending:
            if (entry.get("windowStart"), entry.get("windowEnd"), entry.get("analyticsLevel")) != (
                start,
                end,
                self.analytics_level,
            ):
                continue
            try:
                requested = pendulum.parse(str(entry.get("requestedAt")))
                if not isinstance(requested, pendulum.DateTime):
                    continue
                age = (pendulum.now("UTC") - requested).total_seconds() / 60
            except (ValueError, TypeError):
                continue
            if age <= max_age:
                return str(entry["dataCode"])
            self.logger.info("Not resuming data code %s: requested %.0f minutes ago", entry.get("dataCode"), age)
        return None

    def forget(self, context: Context, start: str) -> None:
        """Drop the pending data code(s) of the window starting at ``start``."""
        state = self.get_context_state(context)
        state["pending"] = [e for e in state.get("pending") or [] if e.get("windowStart") != start]
        if not state["pending"]:
            del state["pending"]

    def fetch(self, context: Context, site: dict[str, t.Any], start: str, end: str) -> dict[str, t.Any]:
        """The READY data of one window: resume the pending code, or request it; then poll."""
        state = self.get_context_state(context)
        code = self.resumable(state.get("pending") or [], start, end)
        resumed = code is not None
        if code is not None:
            self.logger.info("Resuming data code %s of site %s for %s..%s", code, site["code"], start, end)
        else:
            begin, finish = pendulum.parse(start), pendulum.parse(end)
            params = global_request_params(
                site["id"],
                begin,  # type: ignore[arg-type]
                finish,  # type: ignore[arg-type]
                self.analytics_level,
                self.config.get("global_request_parameter_names"),
            )
            code = extract_data_code(self.call("GET", GLOBAL_REQUEST_PATH, params=params, context=context))
            self.forget(context, start)
            entry = {
                "dataCode": code,
                "windowStart": start,
                "windowEnd": end,
                "analyticsLevel": self.analytics_level,
                "requestedAt": pendulum.now("UTC").to_iso8601_string(),
            }
            # A list: a re-run first re-reads lookback windows; a later window's code waits its turn.
            state.setdefault("pending", []).append(entry)
            self.write_state_now()
        where = f"site {site['code']} (id {site['id']}), window {start}..{end}"
        try:
            status = self.poller.wait(code)
        except DataCodeRejectedError:
            if not resumed:
                raise
            self.logger.info("Kameleoon no longer knows data code %s; requesting %s again", code, where)
            self.forget(context, start)
            return self.fetch(context, site, start, end)
        except JobTimeoutError as exc:
            msg = f"{where}: {exc}; the next run polls it again while it is younger than 'data_code_max_age_minutes'"
            raise FatalAPIError(msg) from None
        except JobFailedError as exc:
            self.forget(context, start)
            self.write_state_now()
            msg = f"{where}: {exc}"
            raise FatalAPIError(msg) from None
        return t.cast("dict[str, t.Any]", status.payload)

    # --- records -------------------------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """The global row of each window; children are synced after each, then the bookmark moves."""
        if context is None:
            msg = f"stream '{self.name}' is partitioned by site and was synced without a site"
            raise RuntimeError(msg)
        site = self.vendor_tap.site_by_id(context["siteId"])  # type: ignore[attr-defined]
        windows = self.windows(context)
        state = self.get_context_state(context)
        if state.get("pending"):  # codes of windows this run no longer covers are dropped
            starts = {iso(first) for first, _ in windows}
            state["pending"] = [e for e in state["pending"] if e.get("windowStart") in starts] or []
            if not state["pending"]:
                del state["pending"]
        if windows:
            self.logger.info(
                "Audience statistics of site %s: %d window(s) %s..%s",
                site["code"],
                len(windows),
                windows[0][0],
                windows[-1][1],
            )
        for first, after in windows:
            start, end = iso(first), iso(after)
            data = self.fetch(context, site, start, end)
            base = {
                "siteId": site["id"],
                "siteCode": site["code"],
                "windowStart": start,
                "windowEnd": end,
                "analyticsLevel": self.analytics_level,
            }
            self.current = split_rows(base, data)
            yield self.validated(self.current.global_row, f"site {site['code']}, window {start}, globalStats")
            self.forget(context, start)
            self.complete_window(end, context=context)
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
