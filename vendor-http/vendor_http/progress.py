"""Where a long run is, at a steady pace, and how long it has left.

A :class:`Progress` follows one piece of long work made of units (the days of a
backfill, the windows of a site, the imports of a batch). It logs at INFO where the
run is (``day 12 of 89``), the records so far and an estimate of the time left, at
most once every ``interval`` seconds: the clock is read only at a unit's end and once
per request (:meth:`Progress.tick`), never per record (records are read from a counter
kept anyway), so a fast run logs its first and last line and little between.

The time left is the larger of two estimates: the pace so far (seconds per unit done)
and what the rate budget allows at best (requests still to make, at the budget's
seconds per request, a unit costing the requests the units done cost, at least one).
Before the first unit ends only the second is known, and it is a floor ("at least").
"""

from __future__ import annotations

import logging
import time
import typing as t

if t.TYPE_CHECKING:
    from collections.abc import Callable, Sequence

#: Longest silence between two progress lines of one piece of work, in seconds.
PROGRESS_INTERVAL_SECONDS = 15.0


def duration_text(seconds: float) -> str:
    """``0.4 s``, ``42 s``, ``3 min 05 s``, ``2 h 07 min``."""
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


#: Plurals that are not the word with an ``s``.
IRREGULAR_PLURALS = {"retry": "retries", "entry": "entries"}


def plural(count: int, unit: str) -> str:
    """``1 day``, ``2 days``, ``1 retry``, ``3 retries``, ``1,200 records``."""
    return f"{count:,} {unit if count == 1 else IRREGULAR_PLURALS.get(unit, unit + 's')}"


class Progress:
    """Units done of a known total, records and requests so far, logged at a steady pace."""

    def __init__(
        self,
        name: str,
        unit: str,
        *,
        total: int | None = None,
        labels: Sequence[str] | None = None,
        scope: str = "",
        logger: logging.Logger | None = None,
        records: Callable[[], int] | None = None,
        requests: Callable[[], int] | None = None,
        seconds_per_request: float = 0.0,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Follow ``total`` units (or one per ``labels`` item, named by it) of ``name``'s work.

        Args:
            name: Who works (the stream, the target): each line starts with it.
            unit: What a unit is ("day", "window", "import").
            total: Units to do (default: ``len(labels)``).
            labels: The name of each unit in order (a day, a window's start), for the lines.
            scope: Where the units belong, if not to the whole run ("company 101 (1 of 2)").
            logger: Where the lines go (INFO).
            records: Records so far (read only when a line is written).
            requests: Requests made so far by the plugin (a running count, read per unit and line).
            seconds_per_request: The rate budget's best pace (0: no proactive limit).
            interval: Longest silence between lines (default :data:`PROGRESS_INTERVAL_SECONDS`).
            clock: Monotonic seconds, replaceable in tests.
        """
        self.name = name
        self.unit = unit
        self.labels = list(labels or ())
        self.total = total if total is not None else (len(self.labels) or None)
        self.scope = scope
        self.logger = logger or logging.getLogger(__name__)
        self._records = records or (lambda: 0)
        self._requests = requests or (lambda: 0)
        self.seconds_per_request = max(0.0, seconds_per_request)
        self.interval = PROGRESS_INTERVAL_SECONDS if interval is None else interval
        self._clock = clock
        self.started = clock()
        self.last_line = self.started
        self.requests_at_start = self._requests()
        self.requests_at_unit = self.requests_at_start
        #: Units done so far, and the labels of the first and last of them.
        self.done = 0
        self.first_done: str | None = None
        self.last_done: str | None = None

    # What the lines say

    @property
    def prefix(self) -> str:
        """``sessions: `` or ``daily_statistics: company 101 (1 of 2): ``: who, and where."""
        return f"{self.name}: {self.scope}: " if self.scope else f"{self.name}: "

    @property
    def finished(self) -> bool:
        return self.total is not None and self.done >= self.total

    def current(self) -> str:
        """``day 12 of 89 (2026-09-12)``, or ``89 of 89 days done`` at the end."""
        if self.finished:
            return f"{self.done} of {plural(self.done, self.unit)} done"
        number = self.done + 1
        text = f"{self.unit} {number}" + (f" of {self.total}" if self.total is not None else "")
        if self.done < len(self.labels):
            text += f" ({self.labels[self.done]})"
        return text

    def eta(self) -> tuple[float, bool] | None:
        """Seconds left and whether that is a floor only (the budget's), or ``None`` if unknown."""
        if self.total is None or self.finished:
            return None
        left = self.total - self.done
        in_unit = self._requests() - self.requests_at_unit
        per_unit = max(1.0, (self.requests_at_unit - self.requests_at_start) / self.done) if self.done else 1.0
        floor = max(0.0, left * per_unit - in_unit) * self.seconds_per_request if self.seconds_per_request else None
        if self.done == 0:
            return (floor, True) if floor else None
        pace = (self._clock() - self.started) / self.done * left
        return max(pace, floor or 0.0), False

    def line(self) -> str:
        """One progress line: where, records, requests in the unit, time spent and left."""
        parts = [self.prefix + self.current(), plural(self._records(), "record") + " so far"]
        pages = self._requests() - self.requests_at_unit
        if pages > 1 and not self.finished:
            parts[0] += f", request {pages} of this {self.unit}"
        timing = f"{duration_text(self._clock() - self.started)} elapsed"
        estimate = self.eta()
        if estimate is not None:
            seconds, floor_only = estimate
            timing += f", {'at least' if floor_only else 'about'} {duration_text(seconds)} left"
        parts.append(timing)
        return "; ".join(parts)

    # Moments

    def begin(self) -> None:
        """Log what is to be done (and the least time the budget needs for it)."""
        text = self.prefix
        text += plural(self.total, self.unit) + " to do" if self.total is not None else f"{self.unit}s to do"
        if self.labels:
            text += f" ({self.labels[0]}..{self.labels[-1]})" if len(self.labels) > 1 else f" ({self.labels[0]})"
        estimate = self.eta()
        if estimate is not None and estimate[0] >= 1:
            text += f"; at least {duration_text(estimate[0])} at the rate budget"
        self.logger.info("%s", text)
        self.last_line = self._clock()

    def tick(self) -> None:
        """A request was made (a page, a poll): log a line if the last is ``interval`` seconds old."""
        if self._clock() - self.last_line >= self.interval:
            self.log()

    def unit_done(self, label: str | None = None) -> None:
        """One more unit is done (``label`` names it, default: its label from ``labels``)."""
        if label is None and self.done < len(self.labels):
            label = self.labels[self.done]
        self.done += 1
        if label is not None:
            self.first_done = self.first_done or label
            self.last_done = label
        self.requests_at_unit = self._requests()
        self.tick()

    def log(self) -> None:
        """Write the progress line now."""
        self.logger.info("%s", self.line())
        self.last_line = self._clock()
