"""The ``group_datetime`` stream: every configured report, window by window.

Each report is a state partition (context ``{"report": name}``). A run walks the report's
windows in ascending order, one request each; the window's rows are checked, keyed and
emitted, and only then does the bookmark (``period_end`` = the exclusive end of the window)
move and STATE go out. The next run starts ``lookback_days`` before the bookmark, at the
start of the period (week, month) holding that day, so a period cut short by the end of a
run is read whole again. The partition also keeps the report's parameters: when they change
(objects, interval, comeback, thresholds), the report is extracted again from ``start_date``.
"""

from __future__ import annotations

import sys
import typing as t
from functools import cached_property
from http import HTTPStatus

import pendulum
import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_shopster import schemas
from tap_shopster.client import (
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_START_DAYS_AGO,
    DEFAULT_WINDOW_DAYS,
    MIXED_KINDS_HINT,
    REPORT_PATH,
    AnswerError,
    RequestRefusedError,
    ShopsterAssumptions,
    ShopsterStream,
    rfc3339,
)
from vendor_http import (
    DateWindow,
    ExplainedError,
    RecordValidationError,
    RecordValidator,
    parse_date_setting,
    run_range,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context
    from singer_sdk.streams.rest import HTTPRequest, PageContext

    from tap_shopster.reports import Report

Answer = dict[str, t.Any]


class ReportFailedError(ExplainedError):
    """A report's request failed for good, or its answer contradicts the documentation."""


def midnight(day: pendulum.Date) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, tz="UTC")


class GroupDatetimeStream(ShopsterStream):
    """Footfall dynamics: one row per report, answer key, user type and period."""

    name = "group_datetime"
    path = REPORT_PATH
    schema = schemas.GROUP_DATETIME
    # A report (unique name) asks each period once per run, in windows that never overlap;
    # an answer has one key per object (or one for the group) and one list per user type, and
    # a list holds one row per period (checked: a repeated key fails the run). So
    # (report, object_id, user_type, period_start) names one row, and a period read again
    # (lookback) replaces its own row.
    primary_keys = ("report", "object_id", "user_type", "period_start")
    replication_key = "period_end"
    is_sorted = True
    bookmark_by_window = True
    STATE_MSG_FREQUENCY = sys.maxsize

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the stream; ``keyings`` remembers how each report's answers were keyed."""
        super().__init__(*args, **kwargs)
        self.keyings: dict[str, str] = {}

    @cached_property
    def assumptions(self) -> ShopsterAssumptions:
        return ShopsterAssumptions.from_config(self.config)

    @cached_property
    def row_validator(self) -> RecordValidator:
        """Checks a row as Shopster sends it, whatever the catalog selects."""
        return RecordValidator(schemas.ROW, stream=self.name)

    @property
    def reports(self) -> dict[str, Report]:
        return {report.name: report for report in self.vendor_tap.reports}  # type: ignore[attr-defined]

    @property
    def partitions(self) -> list[dict[str, t.Any]]:
        """One partition per configured report."""
        return [{"report": name} for name in self.reports]

    # --- windows -------------------------------------------------------------------------

    def windows(self, report: Report, context: Context) -> list[DateWindow]:
        """The report's windows this run: from the bookmark minus the lookback (or start_date)."""
        config = self.config
        today = pendulum.now("UTC").date()
        latest = self.assumptions.latest_day(today)
        # How deep Shopster's history goes is unknown (DEFAULT_START_DAYS_AGO): only the end is clamped.
        span = run_range(
            config,
            self.get_context_state(context).get("replication_key_value"),
            default_start=today.subtract(days=DEFAULT_START_DAYS_AGO),
            latest=latest,
            default_lookback_days=DEFAULT_LOOKBACK_DAYS,
            vendor=self.vendor_name,
            why_latest=f"a day is requested once 'data_delay_days' ({self.assumptions.data_delay_days}) have passed",
            logger=self.logger,
        )
        if span is None:
            return []
        return report.windows(span.start, span.end, int(config.get("window_days", DEFAULT_WINDOW_DAYS)))

    def restart_if_changed(self, report: Report, context: Context) -> None:
        """Forget the bookmark when the report's parameters differ from those it was made with."""
        state = self.get_context_state(context)
        kept = state.get("parameters")
        if kept is not None and kept != report.parameters() and state.get("replication_key_value"):
            self.logger.warning(
                "%s changed since the last run (was %s); extracting it again from start_date",
                report.describe(),
                kept,
            )
            del state["replication_key_value"]
        state["parameters"] = report.parameters()

    # --- requests --------------------------------------------------------------------------

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        """The report's documented query for the window in the request context."""
        request = super().get_http_request(page=page)
        context = page.stream_context or {}
        window = DateWindow(parse_date_setting(context["from"], "from"), parse_date_setting(context["to"], "to"))
        request.params = self.reports[context["report"]].query(window, self.assumptions)
        return request

    def parse_response(self, response: requests.Response) -> Iterable[Answer]:
        """The whole answer of one request (rows are made from it in :meth:`rows`)."""
        yield response.json()

    def fetch(self, report: Report, window: DateWindow) -> Answer:
        """One window's answer; a failure becomes one message naming the report."""
        context = {"report": report.name, "from": window.start.isoformat(), "to": window.end.isoformat()}
        try:
            (answer,) = self.request_records(context)
        except RequestRefusedError as error:
            hint = " (check 'api_url')" if error.status == HTTPStatus.NOT_FOUND else f" ({MIXED_KINDS_HINT})"
            raise ReportFailedError(f"{report.describe(window)}: {error}{hint}") from None
        except (FatalAPIError, RetriableAPIError, requests.RequestException) as error:
            detail = self.redactor(str(error)) or type(error).__name__
            raise ReportFailedError(f"{report.describe(window)}: {detail}") from None
        return t.cast("Answer", answer)

    # --- rows ------------------------------------------------------------------------------

    def rows(self, report: Report, window: DateWindow, answer: t.Any, seen: set[tuple[t.Any, ...]]) -> Iterable[dict]:
        """The answer's rows as records; its shape and keys are checked on the way."""
        where = report.describe(window)
        if not isinstance(answer, dict):
            msg = f"{where}: Shopster answered a {type(answer).__name__}, not an object keyed by object id"
            raise ReportFailedError(msg)
        try:
            keying = self.assumptions.keying(report.objects, list(answer))
        except AnswerError as error:
            raise ReportFailedError(f"{where}: {error}") from None
        self.note_keying(report, keying, list(answer))
        for key, per_type in answer.items():
            if not isinstance(per_type, dict):
                msg = f"{where}: the answer for object {key} is a {type(per_type).__name__}, not keyed by user_type"
                raise ReportFailedError(msg)
            covered = [int(key)] if keying == "object" else list(report.objects)
            for user_type, items in per_type.items():
                if not isinstance(items, list):
                    msg = f"{where}: object {key}, user type {user_type!r} holds a {type(items).__name__}, not rows"
                    raise ReportFailedError(msg)
                for index, item in enumerate(items):
                    at = f"{where}, object {key}, user type {user_type!r}, row #{index}"
                    try:
                        row = self.row_validator(item)
                    except RecordValidationError as exc:
                        raise exc.at(at) from None
                    if row["user_type"] != user_type:
                        msg = f"{at}: user_type {row['user_type']!r} in a list keyed {user_type!r}"
                        raise ReportFailedError(msg)
                    record = self.record(report, window, int(key), covered, keying, row)
                    identity = (record["object_id"], user_type, record["period_start"])
                    if identity in seen:
                        msg = (
                            f"{at}: a second row for period {record['period_start']} (Shopster's answers "
                            "contradict the primary key report, object_id, user_type, period_start)"
                        )
                        raise ReportFailedError(msg)
                    seen.add(identity)
                    yield self.validate_record(record)

    def record(
        self, report: Report, window: DateWindow, object_id: int, covered: list[int], keying: str | None, row: dict
    ) -> dict[str, t.Any]:
        """One row with its report, key and period."""
        moment = pendulum.instance(self.assumptions.timestamp(row["datetime"]))
        start = moment if report.time_series else midnight(window.start)
        return {
            "report": report.name,
            "object_id": object_id,
            "objects": covered,
            "keying": keying,
            "interval": report.interval,
            "comeback": report.comeback,
            "bounce_threshold": report.bounce_threshold,
            "engagement_threshold": report.engagement_threshold,
            "period_start": rfc3339(start),
            "period_end": rfc3339(report.period_after(start)),
            **row,
            "datetime": rfc3339(moment),
        }

    def note_keying(self, report: Report, keying: str | None, keys: list[str]) -> None:
        """Log how Shopster keyed the report's answers: once, and again if it changes."""
        if keying is None:
            return
        before = self.keyings.get(report.name)
        self.keyings[report.name] = keying
        if before == keying:
            return
        if keying == "object":
            text = f"one key per object ({', '.join(keys)} for {len(report.objects)} requested)"
        else:
            text = f"one key ({keys[0]}) for the group of {len(report.objects)} objects: rows are the group's totals"
        pinned = self.assumptions.answer_keying
        how = "set 'answer_keying' to pin a reading" if pinned == "auto" else f"'answer_keying' = {pinned}"
        log = self.logger.warning if before else self.logger.info
        log("%s: Shopster answered %s (%s)", report.describe(), text, how)

    # --- sync ----------------------------------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Each window's rows in turn; the bookmark moves and STATE goes out after each window."""
        if context is None:
            msg = f"stream '{self.name}' is partitioned by report and was synced without one"
            raise RuntimeError(msg)
        report = self.reports[context["report"]]
        self.restart_if_changed(report, context)
        windows = self.windows(report, context)
        if not windows:
            self.write_state_now()
            return
        reports = list(self.reports)
        scope = f"{report.describe()} ({reports.index(report.name) + 1} of {len(reports)})"
        self.track_progress("window", labels=[str(window.start) for window in windows], scope=scope)
        seen: set[tuple[t.Any, ...]] = set()
        for window in windows:
            answer = self.fetch(report, window)
            yield from self.rows(report, window, answer, seen)
            self.complete_window(rfc3339(midnight(window.end.add(days=1))), context=context)
        keyed = self.keyings.get(report.name, "no rows")
        self.logger.info("%s: %d row(s) emitted; answers keyed per %s", report.describe(), len(seen), keyed)
