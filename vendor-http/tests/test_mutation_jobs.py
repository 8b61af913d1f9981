"""A poller that learns how long the vendor's jobs take: the bounds it learns and when it checks.

Pure logic: a clock that a status check and a sleep both move forward, and a vendor
whose jobs are done a set time after they start.
"""

from __future__ import annotations

import logging

import pytest

from vendor_http import DurationEstimate, JobPoller, JobState, JobStatus, PollSchedule


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Vendor:
    """Jobs done ``seconds`` after they start; each check takes ``check_seconds``."""

    def __init__(self, clock: Clock, seconds: float, check_seconds: float = 0.0) -> None:
        self.clock, self.seconds, self.check_seconds = clock, seconds, check_seconds
        self.started: dict[str, float] = {}
        self.checked_at: list[tuple[str, float]] = []

    def create(self, job_id: str) -> str:
        self.started[job_id] = self.clock.now
        return job_id

    def __call__(self, job_id: str) -> JobStatus:
        age = self.clock.now - self.started[job_id]
        self.checked_at.append((job_id, age))
        self.clock.now += self.check_seconds
        return JobStatus(JobState.DONE if age >= self.seconds else JobState.PENDING)


def learning(vendor: Vendor, clock: Clock, **schedule: float) -> JobPoller:
    settings = {"poll_interval_seconds": 1.0} | schedule
    return JobPoller(vendor, PollSchedule(**settings), clock=clock, sleep=clock.sleep, learn_duration=True)


def test_the_estimate_keeps_the_longest_pending_and_the_shortest_done() -> None:
    estimate = DurationEstimate()
    estimate.learn(pending_for=3, done_after=10)
    estimate.learn(pending_for=5, done_after=8)
    estimate.learn(pending_for=4, done_after=12)
    assert (estimate.pending_for, estimate.done_after) == (5, 8)


@pytest.mark.parametrize(
    ("pending_for", "done_after", "first"),
    [
        (8, 10, 10),  # exactly 20 % apart: tight enough, check where they were done
        (7.9, 10, 8.95),  # looser: halfway
        (0, 10, 5),
        (12, 10, 10),  # jobs differ: the fastest one decides
    ],
)
def test_the_first_check_is_where_jobs_were_done_once_the_bounds_are_tight(pending_for, done_after, first) -> None:
    estimate = DurationEstimate()
    estimate.learn(pending_for=pending_for, done_after=done_after)
    assert estimate.first_check() == pytest.approx(first)


def test_a_wider_tolerance_stops_probing_sooner() -> None:
    estimate = DurationEstimate(tolerance=0.5)
    estimate.learn(pending_for=5, done_after=10)
    assert estimate.first_check() == 10


def test_the_first_check_never_waits_past_the_timeout() -> None:
    clock = Clock()
    poller = learning(Vendor(clock, 0), clock, poll_timeout_seconds=50)
    poller.estimate.learn(pending_for=90, done_after=100)
    assert poller.start("j").next_poll_at == clock.now + 50


def test_the_first_check_is_never_before_the_first_interval() -> None:
    clock = Clock()
    poller = learning(Vendor(clock, 0), clock, poll_interval_seconds=4)
    poller.estimate.learn(pending_for=1, done_after=2)
    assert poller.start("j").next_poll_at == clock.now + 4


def test_pending_is_measured_when_the_check_was_asked_not_when_it_was_answered() -> None:
    clock = Clock()
    vendor = Vendor(clock, seconds=5, check_seconds=0.5)
    poller = learning(vendor, clock)
    poller.wait(poller.start(vendor.create("j")))
    # checks asked at 1, 3.5 (answered at 1.5, + 2), 8 (answered at 4, + 4): last pending when asked at 3.5
    assert [age for _, age in vendor.checked_at] == [1, 3.5, 8]
    assert (poller.estimate.pending_for, poller.estimate.done_after) == (3.5, 8.5)


def test_a_probe_found_pending_is_checked_again_when_others_were_done_not_later() -> None:
    clock = Clock()
    vendor = Vendor(clock, seconds=9)
    poller = learning(vendor, clock, poll_backoff_factor=4, poll_max_interval_seconds=100)
    poller.estimate.learn(pending_for=2, done_after=10)
    job = poller.start(vendor.create("j"))
    assert job.next_poll_at == clock.now + 6  # halfway between 2 and 10
    clock.now = job.next_poll_at
    poller.poll_once(job)  # pending at 6: the schedule says 4 s later, the estimate 10 s after the start
    assert job.next_poll_at == vendor.started["j"] + 10


def test_a_job_still_pending_exactly_when_others_were_done_follows_its_schedule() -> None:
    clock = Clock()
    vendor = Vendor(clock, seconds=100)
    poller = learning(vendor, clock, poll_backoff_factor=1, poll_interval_seconds=3)
    poller.estimate.learn(pending_for=9, done_after=10)  # tight: first checked at 10 s
    job = poller.start(vendor.create("j"))
    assert job.next_poll_at == clock.now + 10
    clock.now = job.next_poll_at
    poller.poll_once(job)
    assert job.next_poll_at == clock.now + 3  # not again at once


def test_a_job_pending_past_the_estimate_follows_its_schedule() -> None:
    clock = Clock()
    vendor = Vendor(clock, seconds=100)
    poller = learning(vendor, clock, poll_backoff_factor=1, poll_interval_seconds=3)
    poller.estimate.learn(pending_for=1, done_after=2)
    job = poller.start(vendor.create("j"))
    clock.now = job.next_poll_at
    poller.poll_once(job)
    assert job.next_poll_at == clock.now + 3  # the estimate (2 s) is past: no earlier check


def test_without_learning_a_pending_job_follows_its_schedule_whatever_the_estimate() -> None:
    clock = Clock()
    vendor = Vendor(clock, seconds=100)
    poller = JobPoller(vendor, PollSchedule(poll_interval_seconds=1, poll_backoff_factor=8), clock=clock)
    poller.estimate.learn(pending_for=1, done_after=3)
    job = poller.start(vendor.create("j"))
    clock.now = job.next_poll_at
    poller.poll_once(job)
    assert job.next_poll_at == clock.now + 8


def test_a_resumed_job_is_checked_on_its_schedule_not_the_estimate() -> None:
    clock = Clock()
    vendor = Vendor(clock, seconds=100)
    poller = learning(vendor, clock, poll_backoff_factor=8, poll_max_interval_seconds=100)
    poller.estimate.learn(pending_for=1, done_after=3)
    job = poller.start(vendor.create("j"), learn=False)
    clock.now = job.next_poll_at
    poller.poll_once(job)
    assert job.next_poll_at == clock.now + 8
    assert (poller.estimate.pending_for, poller.estimate.done_after) == (1, 3)


def test_no_check_is_scheduled_past_the_timeout() -> None:
    clock = Clock()
    vendor = Vendor(clock, seconds=100)
    poller = learning(vendor, clock, poll_interval_seconds=4, poll_backoff_factor=4, poll_timeout_seconds=10)
    job = poller.start(vendor.create("j"))
    clock.now = job.next_poll_at
    poller.poll_once(job)
    assert job.next_poll_at == vendor.started["j"] + 10  # not 4 + 16 s after the start


def test_each_pending_check_is_logged_with_the_next_wait(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    vendor = Vendor(clock, seconds=100)
    poller = JobPoller(
        vendor,
        PollSchedule(poll_interval_seconds=2),
        clock=clock,
        what="import",
        logger=logging.getLogger("test.jobs"),
    )
    job = poller.start(vendor.create("j7"))
    with caplog.at_level(logging.DEBUG, logger="test.jobs"):
        poller.poll_once(job)
    assert caplog.messages == ["import j7 pending after 1 check(s); next in 4.0s"]
