"""Asynchronous vendor jobs: create → poll → fetch.

Some vendor APIs answer a request with a job id (Kameleoon's ``dataCode``,
Calltouch's ``importLogId``) and a status endpoint to poll until the job is done.
The plugin supplies two things: how to create a job and ``check(job_id)``, one
status request mapped to a :class:`JobStatus`. :class:`JobPoller` owns the rest:
when to poll (a short first wait backing off to a cap), when to give up (a
timeout counted from the job's start), and the errors that name the job so a
user can look it up with the vendor.

Polls are ordinary requests: they go through the plugin's rate budget like any
other, the poller only decides when to ask. With ``learn_duration`` it also learns
how long the vendor's jobs take, and checks a new job first when one like it was
done before (:class:`DurationEstimate`): under a tight rate budget a status check
that answers "still running" costs as much as the request that started the job.
"""

from __future__ import annotations

import logging
import time
import typing as t
from dataclasses import dataclass, field
from enum import StrEnum

from singer_sdk import typing as th

from vendor_http.errors import ExplainedError
from vendor_http.settings import from_settings

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping


class JobState(StrEnum):
    """Where a vendor job is, in the vendor-neutral terms of the poller."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class JobStatus:
    """One status answer: the state, the vendor's payload, and its message if failed."""

    state: JobState
    payload: t.Any = None
    message: str | None = None


class AsyncJobError(ExplainedError):
    """A vendor job did not end in success; ``job_id`` lets the user look it up."""

    def __init__(self, job_id: str, message: str) -> None:
        """Keep the job id beside the message."""
        super().__init__(message)
        self.job_id = job_id


class JobFailedError(AsyncJobError):
    """The vendor reported the job as failed."""

    def __init__(self, job_id: str, vendor_message: str | None, *, what: str = "job") -> None:
        """Name the job and quote the vendor."""
        self.vendor_message = vendor_message
        detail = vendor_message or "no reason given"
        super().__init__(job_id, f"{what} {job_id} failed at the vendor: {detail}")


class JobTimeoutError(AsyncJobError):
    """The job was still pending when the poll timeout ran out."""

    def __init__(self, job_id: str, waited_seconds: float, polls: int, *, what: str = "job") -> None:
        """Name the job, how long it was waited for and how often it was polled."""
        self.waited_seconds = waited_seconds
        self.polls = polls
        super().__init__(
            job_id,
            f"{what} {job_id} was still not finished after {waited_seconds:.0f} s "
            f"({polls} status checks); look it up with the vendor or raise 'poll_timeout_seconds'",
        )


@dataclass(frozen=True)
class PollSchedule:
    """When to poll a job: ``poll_interval_seconds`` first, growing by
    ``poll_backoff_factor`` up to ``poll_max_interval_seconds``, for at most
    ``poll_timeout_seconds`` from the job's start. Field names are setting names."""

    poll_interval_seconds: float = 1.0
    poll_backoff_factor: float = 2.0
    poll_max_interval_seconds: float = 30.0
    poll_timeout_seconds: float = 900.0

    def __post_init__(self) -> None:
        if self.poll_interval_seconds < 0 or self.poll_max_interval_seconds < 0:
            msg = "poll intervals must not be negative"
            raise ValueError(msg)
        if self.poll_backoff_factor < 1:
            msg = "poll_backoff_factor must be at least 1"
            raise ValueError(msg)
        if self.poll_timeout_seconds <= 0:
            msg = "poll_timeout_seconds must be positive"
            raise ValueError(msg)

    @classmethod
    def from_config(cls, config: Mapping[str, t.Any]) -> PollSchedule:
        """The schedule from plugin settings, keeping defaults for unset ones."""
        return from_settings(cls, config)

    def wait(self, polls_done: int) -> float:
        """Seconds to wait before the next status check, after ``polls_done`` checks."""
        grown = self.poll_interval_seconds * self.poll_backoff_factor ** max(0, polls_done)
        return min(self.poll_max_interval_seconds, grown)


def poll_settings(
    *,
    interval: float = 1.0,
    backoff_factor: float = 2.0,
    max_interval: float = 30.0,
    timeout: float = 900.0,
) -> list[th.Property]:
    """SDK settings for :class:`PollSchedule`, with the plugin's own defaults."""
    return [
        th.Property(
            "poll_interval_seconds",
            th.NumberType(minimum=0),
            default=interval,
            title="First status check (seconds)",
            description="Wait before the first status check of a vendor job.",
        ),
        th.Property(
            "poll_backoff_factor",
            th.NumberType(minimum=1),
            default=backoff_factor,
            title="Status check back-off factor",
            description="Each further wait is the previous one times this (1 = a fixed interval).",
        ),
        th.Property(
            "poll_max_interval_seconds",
            th.NumberType(minimum=0),
            default=max_interval,
            title="Longest wait between status checks (seconds)",
            description="Upper bound of the wait between two status checks of one job.",
        ),
        th.Property(
            "poll_timeout_seconds",
            th.NumberType(minimum=1),
            default=timeout,
            title="Job timeout (seconds)",
            description="A job still unfinished this long after it started fails the run, naming the job.",
        ),
    ]


@dataclass
class AsyncJob:
    """One job being polled: its id, when it started, and when it is next due."""

    job_id: str
    started_at: float
    next_poll_at: float
    polls: int = 0
    last_status: JobStatus | None = field(default=None, repr=False)
    #: Its run time teaches the poller (False for a job resumed from an earlier run).
    learn: bool = True
    #: Seconds after its start at which it was last seen pending (0 before any check).
    pending_for: float = 0.0

    @property
    def finished(self) -> bool:
        """True once a status check answered DONE."""
        return self.last_status is not None and self.last_status.state is JobState.DONE


@dataclass
class DurationEstimate:
    """How long a job takes, learned from jobs that finished: between the longest time one
    was still seen pending and the shortest time after which one was seen done.

    :meth:`first_check` is when to check a new job first: the shortest time seen done,
    or, while that bound is loose, halfway between the two bounds (a check there either
    finds the job done or raises the lower bound, so the bounds close in). A job found
    pending there is checked again at the upper bound at the latest, so a probe costs
    one status check and never delays a job past what the estimate already promised.
    """

    #: Bounds closer than this share of the upper one are tight enough.
    tolerance: float = 0.2
    pending_for: float = 0.0
    done_after: float | None = None

    def learn(self, pending_for: float, done_after: float) -> None:
        """A job was seen pending ``pending_for`` and done ``done_after`` seconds after its start."""
        self.pending_for = max(self.pending_for, pending_for)
        self.done_after = done_after if self.done_after is None else min(self.done_after, done_after)

    def first_check(self) -> float:
        """Seconds after a new job's start to check it first (0: nothing learned yet)."""
        if self.done_after is None:
            return 0.0
        if self.pending_for >= self.done_after * (1 - self.tolerance):
            return self.done_after  # tight (or jobs differ: the fastest one decides)
        return (self.pending_for + self.done_after) / 2


class JobPoller:
    """Polls vendor jobs on a :class:`PollSchedule` until they are done.

    ``check(job_id)`` makes one status request (retries of that request are its
    own business) and maps the answer to a :class:`JobStatus`.
    """

    def __init__(
        self,
        check: Callable[[str], JobStatus],
        schedule: PollSchedule,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        what: str = "job",
        logger: logging.Logger | None = None,
        learn_duration: bool = False,
    ) -> None:
        """Poll with ``check``; ``what`` names the jobs in messages ("import", "data code").

        With ``learn_duration``, a new job is first checked no earlier than
        :attr:`estimate` expects it to be done (see :class:`DurationEstimate`).
        """
        self.check = check
        self.schedule = schedule
        self.what = what
        self._clock = clock
        self._sleep = sleep
        self._logger = logger or logging.getLogger(__name__)
        self.learn_duration = learn_duration
        self.estimate = DurationEstimate()

    def start(self, job_id: str | int, *, learn: bool = True) -> AsyncJob:
        """Track a job just created; its first check is due after the first wait.

        ``learn=False`` for a job resumed from an earlier run (its start is unknown): it
        is checked after the first wait and teaches the estimate nothing.
        """
        now = self._clock()
        first = self.schedule.wait(0)
        if self.learn_duration and learn:
            first = max(first, min(self.estimate.first_check(), self.schedule.poll_timeout_seconds))
        return AsyncJob(job_id=str(job_id), started_at=now, next_poll_at=now + first, learn=learn)

    def poll_once(self, job: AsyncJob) -> JobStatus:
        """Check ``job`` once and schedule its next check.

        Raises :class:`JobFailedError` if the vendor says it failed and
        :class:`JobTimeoutError` if it is still pending past the timeout.
        """
        asked = self._clock()  # the vendor saw the check later (the rate budget may hold it)
        status = self.check(job.job_id)
        now = self._clock()
        job.polls += 1
        job.last_status = status
        if status.state is JobState.FAILED:
            raise JobFailedError(job.job_id, status.message, what=self.what)
        if status.state is JobState.DONE and job.learn:
            self.estimate.learn(job.pending_for, now - job.started_at)
        if status.state is JobState.PENDING:
            job.pending_for = max(job.pending_for, asked - job.started_at)
            waited = now - job.started_at
            if waited >= self.schedule.poll_timeout_seconds:
                raise JobTimeoutError(job.job_id, waited, job.polls, what=self.what)
            wait = self.schedule.wait(job.polls)
            due = now + wait
            if self.learn_duration and job.learn and self.estimate.done_after is not None:
                expected = job.started_at + self.estimate.done_after
                if expected > now:  # a probe found it pending: check when the others were done
                    due = min(due, expected)
            # Never schedule a check later than the deadline: the last one decides.
            job.next_poll_at = min(due, job.started_at + self.schedule.poll_timeout_seconds)
            self._logger.debug("%s %s pending after %d check(s); next in %.1fs", self.what, job.job_id, job.polls, wait)
        return status

    def wait(self, job: AsyncJob | str | int) -> JobStatus:
        """Poll one job (an id is started now) until it is done; return the final status."""
        tracked = job if isinstance(job, AsyncJob) else self.start(job)
        while True:
            delay = tracked.next_poll_at - self._clock()
            if delay > 0:
                self._sleep(delay)
            status = self.poll_once(tracked)
            if status.state is JobState.DONE:
                return status

    def due(self, jobs: Iterable[AsyncJob]) -> list[AsyncJob]:
        """The unfinished jobs whose next check is due now, the longest due first."""
        now = self._clock()
        return sorted(
            (job for job in jobs if not job.finished and job.next_poll_at <= now), key=lambda j: j.next_poll_at
        )

    def poll_due(self, jobs: Iterable[AsyncJob]) -> list[tuple[AsyncJob, JobStatus]]:
        """Check every unfinished job that is due now; return those that finished.

        Never sleeps, so a caller can interleave polls with creating new jobs.
        """
        finished = []
        for job in sorted(jobs, key=lambda j: j.next_poll_at):
            if job.finished or job.next_poll_at > self._clock():
                continue
            status = self.poll_once(job)
            if status.state is JobState.DONE:
                finished.append((job, status))
        return finished

    def seconds_until_due(self, jobs: Iterable[AsyncJob]) -> float:
        """Seconds until the earliest unfinished job is due (0 if one is due; inf if none left)."""
        due = [job.next_poll_at for job in jobs if not job.finished]
        if not due:
            return float("inf")
        return max(0.0, min(due) - self._clock())
