"""Dates in settings, and the date windows a run requests, with pendulum.

Everything is timezone-aware UTC. Settings accept ``YYYY-MM-DD`` and full ISO-8601
timestamps (with or without an offset; a naive timestamp is taken as UTC).
"""

from __future__ import annotations

import logging
import typing as t
from dataclasses import dataclass

import pendulum

from vendor_http.errors import ExplainedError

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping


class DateSettingError(ValueError, ExplainedError):
    """A date setting that cannot be understood; the message names the setting."""


def parse_datetime_setting(value: t.Any, setting: str) -> pendulum.DateTime:
    """Parse a date or timestamp setting into an aware UTC datetime."""
    if isinstance(value, pendulum.DateTime):
        return value.in_timezone("UTC")
    if not isinstance(value, str) or not value.strip():
        msg = f"setting '{setting}' must be a date (YYYY-MM-DD) or ISO-8601 timestamp, got {value!r}"
        raise DateSettingError(msg)
    try:
        # exact: a time alone ("10:00") is a Time, refused below, not "today at 10:00".
        parsed = pendulum.parse(value.strip(), tz="UTC", exact=True)
    except ValueError as exc:
        msg = f"setting '{setting}' must be a date (YYYY-MM-DD) or ISO-8601 timestamp, got {value!r}"
        raise DateSettingError(msg) from exc
    if isinstance(parsed, pendulum.Date) and not isinstance(parsed, pendulum.DateTime):
        parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day, tz="UTC")
    if not isinstance(parsed, pendulum.DateTime):
        msg = f"setting '{setting}' must be a date or timestamp, got a {type(parsed).__name__}: {value!r}"
        raise DateSettingError(msg)
    return parsed.in_timezone("UTC")


def parse_date_setting(value: t.Any, setting: str) -> pendulum.Date:
    """Parse a date or timestamp setting and keep its UTC calendar day."""
    return parse_datetime_setting(value, setting).date()


def date_range_checks(
    config: Mapping[str, t.Any],
    start: str = "start_date",
    end: str = "end_date",
) -> dict[str, Callable[[t.Any, str], str | None]]:
    """Settings checks (for ``validate_settings``): both dates parse, and end is not before start."""

    def check_date(value: t.Any, setting: str) -> str | None:
        if value is None:
            return None
        try:
            parse_date_setting(value, setting)
        except DateSettingError as exc:
            return str(exc)
        return None

    def check_end(value: t.Any, setting: str) -> str | None:
        if problem := check_date(value, setting):
            return problem
        first = config.get(start)
        if value is None or first is None or check_date(first, start):
            return None
        if parse_date_setting(value, setting) < parse_date_setting(first, start):
            return f"setting '{setting}' ({value}) is before '{start}' ({first})"
        return None

    return {start: check_date, end: check_end}


@dataclass(frozen=True, order=True)
class DateWindow:
    """An inclusive range of calendar days ``[start, end]``."""

    start: pendulum.Date
    end: pendulum.Date

    def __post_init__(self) -> None:
        if self.start > self.end:
            msg = f"window start {self.start} is after its end {self.end}"
            raise ValueError(msg)

    @property
    def days(self) -> int:
        """Number of calendar days covered."""
        return (self.end - self.start).days + 1


def split_windows(start: pendulum.Date, end: pendulum.Date, *, days: int = 1) -> Iterator[DateWindow]:
    """Split ``[start, end]`` into ascending windows of at most ``days`` days."""
    if days < 1:
        msg = "a window must cover at least one day"
        raise ValueError(msg)
    current = start
    while current <= end:
        last = min(end, current.add(days=days - 1))
        yield DateWindow(current, last)
        current = last.add(days=1)


def incremental_start(
    *,
    start_date: pendulum.Date,
    bookmark: pendulum.Date | None,
    lookback_days: int,
) -> pendulum.Date:
    """First day to extract: the bookmark minus the lookback, never before start_date.

    The bookmarked day itself is always extracted again (at-least-once): a run may
    have stopped after emitting only part of it.
    """
    if bookmark is None:
        return start_date
    return max(start_date, bookmark.subtract(days=max(0, lookback_days)))


def clamp_range(
    start: pendulum.Date,
    end: pendulum.Date,
    *,
    earliest: pendulum.Date,
    latest: pendulum.Date,
    vendor: str,
    why_earliest: str,
    why_latest: str,
    logger: logging.Logger,
    said: set[str] | None = None,
) -> DateWindow | None:
    """Clamp ``[start, end]`` to what the vendor allows, warning about each change.

    Returns ``None`` when nothing of the range is allowed, with one WARNING naming the
    range and why (a start in the future is almost always a typo in ``start_date``).
    ``said``: the warnings a caller that clamps many ranges (one per site) already gave
    in this run; one said before is logged at DEBUG only, and each new one is added.
    """

    def warn(message: str, *args: t.Any) -> None:
        text = message % args
        level = logging.DEBUG if said is not None and text in said else logging.WARNING
        logger.log(level, text)
        if said is not None:
            said.add(text)

    first, last = max(start, earliest), min(end, latest)
    if first > last:
        warn(
            "Nothing to extract from %s for %s..%s: %s.",
            vendor,
            start,
            end,
            empty_range_reason(
                start,
                end,
                earliest=earliest,
                latest=latest,
                vendor=vendor,
                why_earliest=why_earliest,
                why_latest=why_latest,
            ),
        )
        return None
    if start < earliest:
        warn(
            "Requested start %s is before the earliest day %s allows (%s); starting at %s instead.",
            start,
            vendor,
            why_earliest,
            earliest,
        )
    if end > latest:
        warn(
            "Requested end %s is after the latest day %s allows (%s); ending at %s instead.",
            end,
            vendor,
            why_latest,
            latest,
        )
    return DateWindow(first, last)


def empty_range_reason(
    start: pendulum.Date,
    end: pendulum.Date,
    *,
    earliest: pendulum.Date,
    latest: pendulum.Date,
    vendor: str,
    why_earliest: str,
    why_latest: str,
) -> str:
    """Why ``[start, end]`` holds no day the vendor allows, in words for the user."""
    if start > latest:
        why = f" ({why_latest})" if why_latest else ""
        reason = f"it starts after {latest}, the latest day {vendor} allows{why}"
        if start > pendulum.now("UTC").date():
            reason += f"; a start in the future ({start}) is probably a typo in start_date"
        return reason
    if end < earliest:
        why = f" ({why_earliest})" if why_earliest else ""
        return f"it ends before {earliest}, the earliest day {vendor} allows{why}"
    return "its start is after its end (the bookmark less the lookback is after end_date)"


def run_range(
    config: Mapping[str, t.Any],
    bookmark: t.Any,
    *,
    default_start: pendulum.Date,
    latest: pendulum.Date,
    default_lookback_days: int,
    vendor: str,
    why_latest: str,
    logger: logging.Logger,
    earliest: pendulum.Date | None = None,
    why_earliest: str = "",
) -> DateWindow | None:
    """The days a run extracts, from the settings and the stream's bookmark.

    From ``start_date`` (default ``default_start``), or the ``bookmark`` (a state's
    ``replication_key_value``) less ``lookback_days``, through ``end_date`` (default
    ``latest``), clamped by :func:`clamp_range` to ``earliest`` .. ``latest``; with
    ``earliest`` None (how deep the vendor's history goes is unknown) only the end is
    clamped. None when nothing is left.
    """
    start = parse_date_setting(config["start_date"], "start_date") if config.get("start_date") else default_start
    end = parse_date_setting(config["end_date"], "end_date") if config.get("end_date") else latest
    first = incremental_start(
        start_date=start,
        bookmark=parse_date_setting(bookmark, "state bookmark") if bookmark else None,
        lookback_days=int(config.get("lookback_days", default_lookback_days)),
    )
    return clamp_range(
        first,
        end,
        earliest=first if earliest is None else earliest,
        latest=latest,
        vendor=vendor,
        why_earliest=why_earliest,
        why_latest=why_latest,
        logger=logger,
    )
