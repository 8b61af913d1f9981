"""Kameleoon's jobs overlapped: several windows' data codes in flight, rows in window order.

Every selected site's windows form one queue, in the order the SDK syncs them (site by
site, window by window). :class:`WindowPipeline` keeps up to ``max_data_codes_in_flight``
of them requested (or resumed from state) ahead of the one being emitted, checks the due
ones (each check passes the run's rate budget like any request), and hands windows to the
stream strictly in queue order: a window's rows are emitted, and its site's bookmark moves
to its end, only once every window before it is out.

A failure (status ERROR, a poll timeout, a refused request) stops new requests; the windows
before the failed one are still emitted, then the run stops at it with its message. Data
codes still in flight stay in their site's ``pending`` list for the next run to poll.
"""

from __future__ import annotations

import math
import time
import typing as t
from collections import deque
from dataclasses import dataclass

import pendulum
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_kameleoon.client import DataCodeRejectedError
from vendor_http import AsyncJobError, JobFailedError, JobState, JobTimeoutError

if t.TYPE_CHECKING:
    import logging
    from collections.abc import Callable, Iterable, Iterator

    from vendor_http import AsyncJob, JobPoller

#: Kameleoon's vendor errors a window can end in; anything else is a bug and stops at once.
WINDOW_FAILURES = (FatalAPIError, RetriableAPIError, AsyncJobError)


def instant(value: t.Any) -> pendulum.DateTime | None:
    """A timestamp in any of Kameleoon's documented forms (``2024-07-29T15:51:28.071Z``,
    ``YYYY-MM-DDThh:mm:ss`` read as UTC) or the tap's own, as an aware UTC instant."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = pendulum.parse(value)
    except ValueError:
        return None
    return parsed.in_timezone("UTC") if isinstance(parsed, pendulum.DateTime) else None


@dataclass(eq=False)
class Window:
    """One site's ``[start, end)`` and, once started, its data code, job and result."""

    site: dict[str, t.Any]
    start: str
    end: str
    code: str | None = None
    resumed: bool = False
    job: AsyncJob | None = None
    data: dict[str, t.Any] | None = None
    failure: BaseException | None = None

    @property
    def site_id(self) -> int:
        return int(self.site["id"])

    @property
    def context(self) -> dict[str, t.Any]:
        """The site's state partition."""
        return {"siteId": self.site["id"]}

    @property
    def settled(self) -> bool:
        """READY data or a failure: nothing more to ask Kameleoon."""
        return self.data is not None or self.failure is not None

    def __str__(self) -> str:
        return f"site {self.site['code']} (id {self.site['id']}), window {self.start}..{self.end}"


class WindowSource(t.Protocol):
    """What the pipeline needs from the stream: data codes, the pending lists, the poller."""

    poller: JobPoller

    @property
    def logger(self) -> logging.Logger:
        """Where the pipeline says what it resumes and why it stops."""

    def resumable(self, window: Window) -> str | None:
        """A pending data code of the window from an earlier run, still young enough."""

    def request(self, window: Window) -> str:
        """Ask Kameleoon for the window's data code; note it as pending in STATE."""

    def forget(self, window: Window) -> None:
        """Drop the window's pending data code(s) from STATE."""


class WindowPipeline:
    """The windows of every selected site, ``max_in_flight`` of them requested ahead."""

    def __init__(
        self,
        source: WindowSource,
        windows: Iterable[Window],
        max_in_flight: int,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.queue: deque[Window] = deque(windows)
        #: Started and not yet handed out, in queue order.
        self.active: list[Window] = []
        self.max_in_flight = max(1, max_in_flight)
        self.stopped = False
        self._sleep = sleep
        #: Data codes requested anew and resumed from state, for the log.
        self.requested = 0
        self.resumed = 0

    def windows_of(self, site_id: int) -> Iterator[Window]:
        """The READY windows of ``site_id`` in order; raises at the first one that failed."""
        while True:
            head = self.active[0] if self.active else (self.queue[0] if self.queue else None)
            if head is None or head.site_id != site_id:
                if any(window.site_id == site_id for window in (*self.active, *self.queue)):
                    msg = f"site {site_id} was synced before the windows queued ahead of it"
                    raise RuntimeError(msg)
                return
            self._settle_head()
            window = self.active.pop(0)
            if window.failure is not None:
                raise window.failure
            yield window

    # --- the loop ----------------------------------------------------------------------

    def _settle_head(self) -> None:
        """Request, resume and check windows until the first one is READY or failed."""
        self._fill()
        head = self.active[0]
        while not head.settled:
            self._check_due()
            self._fill()
            if head.settled:
                return
            wait = self.source.poller.seconds_until_due(self._waiting_jobs())
            if math.isinf(wait):  # cannot happen: the head is started and unsettled
                msg = f"{head}: nothing left to poll"
                raise RuntimeError(msg)
            if wait > 0:
                self._sleep(wait)

    def _fill(self) -> None:
        while self.queue and not self.stopped and len(self.active) < self.max_in_flight:
            window = self.queue.popleft()
            self.active.append(window)
            self._start(window)

    def _start(self, window: Window) -> None:
        poller = self.source.poller
        code = self.source.resumable(window)
        if code is not None:
            self.source.logger.info("Resuming data code %s of %s", code, window)
            window.code, window.resumed, window.job = code, True, poller.start(code, learn=False)
            self.resumed += 1
            return
        try:
            window.code = self.source.request(window)
        except WINDOW_FAILURES as error:
            self._fail(window, error)
            return
        window.resumed, window.job = False, poller.start(window.code)
        self.requested += 1

    def _waiting_jobs(self) -> list[AsyncJob]:
        """Jobs worth checking: started, unsettled, and before any failed window."""
        jobs = []
        for window in self.active:
            if window.failure is not None:
                break
            if window.job is not None and window.data is None:
                jobs.append(window.job)
        return jobs

    def _check_due(self) -> None:
        poller = self.source.poller
        by_job = {id(window.job): window for window in self.active if window.job is not None}
        for job in poller.due(self._waiting_jobs()):
            window = by_job[id(job)]
            if window.settled or (self.stopped and self._after_failure(window)):
                continue
            try:
                status = poller.poll_once(job)
            except DataCodeRejectedError as error:
                if not window.resumed:
                    self._fail(window, error)
                    continue
                self.source.logger.info(
                    "Kameleoon no longer knows data code %s; requesting %s again", job.job_id, window
                )
                self.source.forget(window)
                self._start(window)
            except JobTimeoutError as error:
                again = "the next run polls it again while it is younger than 'data_code_max_age_minutes'"
                self._fail(window, FatalAPIError(f"{window}: {error}; {again}"))
            except JobFailedError as error:
                self.source.forget(window)
                self._fail(window, FatalAPIError(f"{window}: {error}"))
            except WINDOW_FAILURES as error:
                self._fail(window, error)
            else:
                if status.state is JobState.DONE:
                    window.data = t.cast("dict[str, t.Any]", status.payload)

    def _after_failure(self, window: Window) -> bool:
        for other in self.active:
            if other is window:
                return False
            if other.failure is not None:
                return True
        return False

    def _fail(self, window: Window, error: BaseException) -> None:
        """The run stops at ``window``: no new requests; the windows before it still finish."""
        window.failure = error
        self.stopped = True
        if self.active and window is not self.active[0]:
            self.source.logger.warning("%s; stopping once the windows before it are out", error)
