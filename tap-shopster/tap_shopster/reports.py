"""Reports as configuration: each a group of objects with its interval, comeback and thresholds.

A report is ``{"objects": [101, 102]}`` at its simplest; ``name``, ``interval``, ``comeback``,
``bounce_threshold`` and ``engagement_threshold`` default to the top-level settings of the same
names. Every problem is found before any request and named with its report and setting.
"""

from __future__ import annotations

import typing as t
from dataclasses import asdict, dataclass

import pendulum

from tap_shopster.client import COMEBACKS, INTERVALS, THRESHOLDS, TIME_SERIES, WEEK_STARTS_ON
from vendor_http import DateWindow, split_windows

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    from tap_shopster.client import ShopsterAssumptions

#: The report settings that have a top-level default, with their allowed values.
PARAMETERS: dict[str, tuple[str, ...]] = {
    "interval": INTERVALS,
    "comeback": COMEBACKS,
    "bounce_threshold": THRESHOLDS,
    "engagement_threshold": THRESHOLDS,
}
#: The top-level defaults (documented example's values, daily rows).
DEFAULTS = {
    "interval": "daily",
    "comeback": "2 week",
    "bounce_threshold": "5 minute",
    "engagement_threshold": "20 minute",
}
REPORT_KEYS = ("name", "objects", *PARAMETERS)


@dataclass(frozen=True)
class Report:
    """One configured report."""

    name: str
    objects: tuple[int, ...]
    interval: str
    comeback: str
    bounce_threshold: str
    engagement_threshold: str

    @property
    def time_series(self) -> bool:
        """Hourly..monthly rows (a series); weekday and weekend rows are one aggregate per week."""
        return self.interval in TIME_SERIES

    def parameters(self) -> dict[str, t.Any]:
        """What the rows depend on besides the dates (kept in the state to notice a change)."""
        values = asdict(self)
        del values["name"]
        values["objects"] = list(self.objects)
        return values

    def query(self, window: DateWindow, assumptions: ShopsterAssumptions) -> dict[str, t.Any]:
        """The documented query for one window."""
        return {
            "from": window.start.isoformat(),
            "to": assumptions.to_param(window.end),
            "objects": ",".join(map(str, self.objects)),
            "interval": self.interval,
            "comeback": self.comeback,
            "bounce_threshold": self.bounce_threshold,
            "engagement_threshold": self.engagement_threshold,
        }

    def describe(self, window: DateWindow | None = None) -> str:
        """``report 'x' (objects 1,2, daily[, 2026-11-01..2026-11-07])`` for messages."""
        span = f", {window.start}..{window.end}" if window else ""
        return f"report '{self.name}' (objects {','.join(map(str, self.objects))}, {self.interval}{span})"

    # --- periods ---------------------------------------------------------------------------

    def period_floor(self, day: pendulum.Date) -> pendulum.Date:
        """The first day of the period (week, month) that holds ``day``; the day itself for hourly/daily."""
        if self.interval == "monthly":
            return day.start_of("month")
        if self.interval in ("weekly", "weekday", "weekend"):
            return day.subtract(days=(day.day_of_week - WEEK_STARTS_ON) % 7)
        return day

    def windows(self, first: pendulum.Date, last: pendulum.Date, window_days: int) -> list[DateWindow]:
        """Requests covering ``first..last``: hourly and daily in windows of ``window_days`` days;
        the others whole periods (week, month) from the one holding ``first``, the last cut at ``last``."""
        start = self.period_floor(first)
        if self.interval in ("hourly", "daily"):
            return list(split_windows(start, last, days=window_days))
        windows = []
        while start <= last:
            after = start.add(months=1) if self.interval == "monthly" else start.add(days=7)
            windows.append(DateWindow(start, min(after.subtract(days=1), last)))
            start = after
        return windows

    def period_after(self, start: pendulum.DateTime) -> pendulum.DateTime:
        """The exclusive end of the period starting at ``start``."""
        match self.interval:
            case "hourly":
                return start.add(hours=1)
            case "daily":
                return start.add(days=1)
            case "monthly":
                return start.add(months=1)
            case _:
                return start.add(days=7)


def default_name(objects: t.Sequence[t.Any], interval: t.Any) -> str:
    """A report's name when the setting has none: its interval and objects, e.g. ``daily_101_102``."""
    return "_".join([str(interval), *map(str, objects)])


def resolve(config: Mapping[str, t.Any]) -> list[Report]:
    """The configured reports with the top-level defaults applied (after :func:`problems` found none)."""
    reports = []
    for entry in config.get("reports") or []:
        values = {name: entry.get(name) or config.get(name) or DEFAULTS[name] for name in PARAMETERS}
        objects = tuple(int(o) for o in entry["objects"])
        reports.append(Report(entry.get("name") or default_name(objects, values["interval"]), objects, **values))
    return reports


def problems(config: Mapping[str, t.Any]) -> list[str]:
    """Every problem of the ``reports`` setting, each naming its report and setting."""
    entries = config.get("reports")
    if not isinstance(entries, list) or not entries:
        return ["setting 'reports' needs at least one report, e.g. [{\"objects\": [101, 102]}]"]
    found: list[str] = []
    names: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            found.append(f'reports[{index}] must be an object such as {{"objects": [101, 102]}}, got {entry!r}')
            continue
        objects = entry.get("objects")
        name = entry.get("name")
        interval = entry.get("interval") or config.get("interval") or DEFAULTS["interval"]
        key = (
            name
            if isinstance(name, str) and name
            else default_name(objects if isinstance(objects, list) else [], interval)
        )
        label = f"report '{key}' (reports[{index}])"
        found += [f"{label}: {problem}" for problem in _entry_problems(entry, config)]
        if key in names:
            found.append(
                f"{label}: its name is also the name of reports[{names[key]}]; report names must be "
                "unique (they are part of every row's key and of the state)"
            )
        names.setdefault(key, index)
    return found


def _entry_problems(entry: Mapping[str, t.Any], config: Mapping[str, t.Any]) -> list[str]:
    found = []
    unknown = sorted(set(entry) - set(REPORT_KEYS))
    if unknown:
        found.append(f"unknown setting(s) {', '.join(map(repr, unknown))}; a report takes {', '.join(REPORT_KEYS)}")
    name = entry.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        found.append(f"setting 'name' must be a non-empty text, got {name!r}")
    objects = entry.get("objects")
    if not isinstance(objects, list) or not objects:
        found.append("setting 'objects' must be a non-empty list of object ids, e.g. [101, 102]")
    else:
        bad = [o for o in objects if isinstance(o, bool) or not isinstance(o, int) or o < 1]
        if bad:
            found.append(f"setting 'objects' must hold positive integer ids, got {', '.join(map(repr, bad))}")
        twice = sorted({o for o in objects if objects.count(o) > 1 and o not in bad})
        if twice:
            found.append(f"setting 'objects' lists {', '.join(map(str, twice))} more than once")
    values = {}
    for setting, allowed in PARAMETERS.items():
        given = entry.get(setting)
        value, origin = (given, "") if given is not None else (config.get(setting), " (the top-level default)")
        value = DEFAULTS[setting] if value is None else value
        values[setting] = value
        if value not in allowed:
            found.append(f"setting '{setting}'{origin} must be one of {', '.join(allowed)}; got {value!r}")
    bounce, engagement = values["bounce_threshold"], values["engagement_threshold"]
    if bounce in THRESHOLDS and engagement in THRESHOLDS and THRESHOLDS.index(engagement) < THRESHOLDS.index(bounce):
        found.append(
            f"setting 'engagement_threshold' ({engagement}) must be at least 'bounce_threshold' ({bounce}), "
            "as Shopster requires"
        )
    return found


def check_reports(config: Mapping[str, t.Any]) -> t.Callable[[t.Any, str], str | None]:
    """A settings check of ``reports`` (for ``validate_settings``): all problems in one message."""

    def check(value: t.Any, setting: str) -> str | None:
        found = problems(config)
        return "; ".join(found) if found else None

    return check
