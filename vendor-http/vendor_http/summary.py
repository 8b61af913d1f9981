"""The run summary every plugin ends with, one shape for taps and targets.

:class:`RunSummary` is owned by the plugin base (``VendorPlugin.run_summary``): streams
register their record counters, retry engines and progress trackers with it, targets
add the records they read; the request counts come from the plugin's rate budget,
through which every request passes. ``VendorPlugin.invoke`` logs it at INFO when the run
ends, also when it fails (then before the one-line failure)::

    tap-rickai summary: done in 1 min 32 s
      sessions: 12,345 records; 89 of 89 days (2026-09-01..2026-11-28); bookmark date 2026-11-28
      requests: 181 (2 retries, 0 answered 429); 1 min 28 s waiting for the rate budget

Lines a plugin adds (``details``) follow, indented the same way.
"""

from __future__ import annotations

import logging
import threading
import time
import typing as t
from collections import defaultdict

from vendor_http.progress import Progress, duration_text, plural
from vendor_http.sdk_seam import CounterSeam

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from vendor_http.rate_budget import RateBudget
    from vendor_http.retry import Retrier

#: Partitions listed one by one in a bookmark line; beyond that, their range.
LISTED_PARTITIONS = 3


class TotalCounter(CounterSeam):
    """The SDK's record counter, also keeping the total of the sync.

    The SDK's counter goes back to 0 each time it logs its ``record_count`` metric; the
    total adds what it logged (``logged``, see :class:`~vendor_http.sdk_seam.CounterSeam`),
    so no per-record work is added. Made by ``VendorRESTStream.get_record_counter``.
    """

    @property
    def total(self) -> int:
        """Records counted since the sync began."""
        return self.logged + self.value


class RunSummary:
    """What one run of a plugin did: records, units, requests, retries, 429s, time."""

    def __init__(
        self,
        name: str,
        budget: RateBudget,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Count from now; ``budget`` is the plugin's (shared by all its requests)."""
        self.name = name
        self.budget = budget
        self._clock = clock
        self.started = clock()
        # The budget may outlive one run (one per plugin and process): count from here.
        self._requests_at_start = budget.requests_started
        self._waited_at_start = budget.seconds_waited
        self._throttled_at_start = budget.too_many_requests
        self._lock = threading.Lock()
        self._counters: dict[str, list[TotalCounter]] = defaultdict(list)
        self._records: dict[str, int] = defaultdict(int)
        self._retriers: dict[int, Retrier] = {}
        self._progress: dict[str, list[Progress]] = defaultdict(list)
        self.logged = False

    # Registration

    def count_records(self, stream: str, counter: TotalCounter) -> None:
        """A stream's record counter (one per sync), read when needed."""
        with self._lock:
            self._counters[stream].append(counter)

    def add_records(self, stream: str, count: int = 1) -> None:
        """``count`` more records of ``stream`` (targets: records read)."""
        self._records[stream] += count

    def count_retries(self, *retriers: Retrier | None) -> None:
        """Retry engines whose retries count in the summary (each once)."""
        with self._lock:
            for retrier in retriers:
                if retrier is not None:
                    self._retriers.setdefault(id(retrier), retrier)

    def track(
        self,
        stream: str,
        unit: str,
        *,
        logger: logging.Logger,
        total: int | None = None,
        labels: Sequence[str] | None = None,
        scope: str = "",
        records_of: Iterable[str] = (),
        records: Callable[[], int] | None = None,
    ) -> Progress:
        """A :class:`Progress` for ``stream``'s units, its units counted in the summary.

        The records it reports are those of ``stream`` and of ``records_of`` (its children),
        or what ``records`` counts (a target: items delivered).
        """
        names = (stream, *records_of)
        progress = Progress(
            stream,
            unit,
            total=total,
            labels=labels,
            scope=scope,
            logger=logger,
            records=records or (lambda: sum(self.records(name) for name in names)),
            requests=lambda: self.budget.requests_started,
            seconds_per_request=self.budget.seconds_per_request,
        )
        with self._lock:
            self._progress[stream].append(progress)
        return progress

    # Reading

    @property
    def active(self) -> bool:
        """Whether work began (a stream synced, a record read): only then is there a summary."""
        return bool(self._counters or self._records or self._progress)

    def records(self, stream: str) -> int:
        """Records of ``stream`` so far."""
        return self._records.get(stream, 0) + sum(counter.total for counter in self._counters.get(stream, ()))

    @property
    def requests(self) -> int:
        """Requests started in this run (every try, token and status requests included)."""
        return self.budget.requests_started - self._requests_at_start

    @property
    def budget_wait(self) -> float:
        """Seconds requests waited for the rate budget in this run."""
        return self.budget.seconds_waited - self._waited_at_start

    @property
    def throttled(self) -> int:
        """Answers 429 (Too Many Requests) in this run."""
        return self.budget.too_many_requests - self._throttled_at_start

    @property
    def retries(self) -> int:
        """Retries made in this run."""
        return sum(retrier.retries for retrier in self._retriers.values())

    def units(self, stream: str) -> str | None:
        """``89 of 89 days (2026-09-01..2026-11-28)``, summed over the stream's trackers."""
        trackers = self._progress.get(stream)
        if not trackers:
            return None
        done = sum(p.done for p in trackers)
        totals = [p.total for p in trackers]
        unit = trackers[0].unit
        text = f"{done} of {plural(sum(totals), unit)}" if None not in totals else plural(done, unit)  # type: ignore[arg-type]
        labels = [label for p in trackers for label in (p.first_done, p.last_done) if label is not None]
        if labels:
            first, last = min(labels), max(labels)
            text += f" ({first})" if first == last else f" ({first}..{last})"
        return text

    def streams(self) -> list[str]:
        """Streams that did something, in the order they began."""
        seen = dict.fromkeys([*self._counters, *self._records, *self._progress])
        return list(seen)

    def lines(
        self,
        *,
        failed: bool,
        bookmarks: Mapping[str, str] | None = None,
        details: Sequence[str] = (),
    ) -> list[str]:
        """The summary, one line each; ``bookmarks``: stream → text, ``details``: the plugin's own lines."""
        bookmarks = bookmarks or {}
        outcome = "FAILED after" if failed else "done in"
        lines = [f"{self.name} summary: {outcome} {duration_text(self._clock() - self.started)}"]
        for stream in self.streams():
            parts = [plural(self.records(stream), "record")]
            units = self.units(stream)
            if units:
                parts.append(units)
            if stream in bookmarks:
                parts.append(f"bookmark {bookmarks[stream]}")
            lines.append(f"  {stream}: " + "; ".join(parts))
        waited = self.budget_wait
        requests = (
            f"  requests: {self.requests:,} ({plural(self.retries, 'retry')}, {self.throttled} answered 429); "
            f"{duration_text(waited)} waiting for the rate budget"
        )
        lines.append(requests)
        lines += [f"  {line}" for line in details]
        return lines

    def log(
        self,
        logger: logging.Logger,
        *,
        failed: bool,
        bookmarks: Mapping[str, str] | None = None,
        details: Sequence[str] = (),
    ) -> None:
        """Log the summary once, at INFO, one record per line."""
        if self.logged:
            return
        self.logged = True
        for line in self.lines(failed=failed, bookmarks=bookmarks, details=details):
            logger.info("%s", line)


def bookmarks_of(state: Mapping[str, t.Any]) -> dict[str, str]:
    """Stream → the bookmark reached, from a Singer state (``bookmarks``), as text.

    ``date 2026-11-28``; per partition ``siteId=1: windowEnd 2026-11-28, …``, or for many
    partitions ``5 partitions, windowEnd 2026-10-01..2026-11-28``.
    """
    found: dict[str, str] = {}
    bookmarks = state.get("bookmarks") if isinstance(state, dict) else None
    if not isinstance(bookmarks, dict):
        return found
    for stream, entry in bookmarks.items():
        if not isinstance(entry, dict):
            continue
        if entry.get("replication_key_value") is not None:
            found[stream] = f"{entry.get('replication_key')} {entry['replication_key_value']}"
            continue
        reached = [
            (part.get("context") or {}, part.get("replication_key"), part["replication_key_value"])
            for part in entry.get("partitions") or []
            if isinstance(part, dict) and part.get("replication_key_value") is not None
        ]
        if not reached:
            continue
        if len(reached) <= LISTED_PARTITIONS:
            found[stream] = ", ".join(
                f"{','.join(f'{k}={v}' for k, v in context.items())}: {key} {value}" for context, key, value in reached
            )
        else:
            values = sorted(str(value) for _, _, value in reached)
            found[stream] = f"{len(reached)} partitions, {reached[0][1]} {values[0]}..{values[-1]}"
    return found
