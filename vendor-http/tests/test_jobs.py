"""The async job poller: schedule, DONE / FAILED / timeout, several jobs at once.

Pure logic: a fake clock whose `sleep` advances it, and a scripted `check`.
"""

from __future__ import annotations

import pytest

from vendor_http import (
    DurationEstimate,
    JobFailedError,
    JobPoller,
    JobState,
    JobStatus,
    JobTimeoutError,
    PollSchedule,
    poll_settings,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Vendor:
    """Answers PENDING `pending[job]` times, then `final`; records when it was asked."""

    def __init__(self, clock: FakeClock, pending: dict[str, int], final: JobStatus | None = None) -> None:
        self.clock, self.pending = clock, dict(pending)
        self.final = final or JobStatus(JobState.DONE, payload={"rows": 3})
        self.checks: list[tuple[str, float]] = []

    def __call__(self, job_id: str) -> JobStatus:
        self.checks.append((job_id, self.clock.now))
        if self.pending.get(job_id, 0) > 0:
            self.pending[job_id] -= 1
            return JobStatus(JobState.PENDING)
        return self.final


def poller(vendor: Vendor, clock: FakeClock, **schedule: float) -> JobPoller:
    return JobPoller(vendor, PollSchedule(**schedule), clock=clock, sleep=clock.sleep, what="import")


def test_schedule_backs_off_from_the_first_wait_to_the_cap() -> None:
    schedule = PollSchedule(poll_interval_seconds=0.5, poll_backoff_factor=2, poll_max_interval_seconds=3)
    assert [schedule.wait(n) for n in range(6)] == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    assert PollSchedule(poll_interval_seconds=2, poll_backoff_factor=1).wait(7) == 2


def test_schedule_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="poll_backoff_factor"):
        PollSchedule(poll_backoff_factor=0.5)
    with pytest.raises(ValueError, match="poll_timeout_seconds"):
        PollSchedule(poll_timeout_seconds=0)


def test_schedule_from_settings_converts_sdk_decimals() -> None:
    from decimal import Decimal

    schedule = PollSchedule.from_config({"poll_interval_seconds": Decimal("0.25"), "poll_timeout_seconds": 60})
    assert schedule.poll_interval_seconds == 0.25
    assert isinstance(schedule.poll_interval_seconds, float)
    assert schedule.wait(1) == 0.5
    names = [prop.name for prop in poll_settings(interval=5)]
    assert names == list(PollSchedule.__dataclass_fields__)
    assert poll_settings(interval=5)[0].to_dict()["poll_interval_seconds"]["default"] == 5


def test_wait_polls_on_schedule_until_done_and_returns_the_payload() -> None:
    clock = FakeClock()
    vendor = Vendor(clock, {"7": 3})
    status = poller(vendor, clock, poll_interval_seconds=1, poll_max_interval_seconds=3).wait("7")
    assert status.payload == {"rows": 3}
    # First check after 1 s, then 2 s, then capped at 3 s.
    assert [at - 100 for _, at in vendor.checks] == [1, 3, 6, 9]


def test_failed_job_names_the_job_and_quotes_the_vendor() -> None:
    clock = FakeClock()
    vendor = Vendor(clock, {"42": 1}, JobStatus(JobState.FAILED, message="Ошибка импорта данных"))
    with pytest.raises(JobFailedError, match="import 42 failed at the vendor: Ошибка импорта данных") as info:
        poller(vendor, clock).wait(42)
    assert info.value.job_id == "42"
    assert len(vendor.checks) == 2


def test_timeout_names_the_job_and_the_last_check_is_at_the_deadline() -> None:
    clock = FakeClock()
    vendor = Vendor(clock, {"9": 10_000})
    with pytest.raises(JobTimeoutError, match="import 9 was still not finished after 10 s") as info:
        poller(vendor, clock, poll_interval_seconds=4, poll_backoff_factor=1, poll_timeout_seconds=10).wait("9")
    assert info.value.job_id == "9"
    assert [at - 100 for _, at in vendor.checks] == [4, 8, 10]
    assert info.value.polls == 3


def test_poll_due_checks_only_due_jobs_and_never_sleeps() -> None:
    clock = FakeClock()
    vendor = Vendor(clock, {"a": 0, "b": 2})
    jobs = poller(vendor, clock, poll_interval_seconds=1, poll_backoff_factor=1)
    a = jobs.start("a")
    clock.now += 0.5
    b = jobs.start("b")
    assert jobs.poll_due([a, b]) == []
    assert vendor.checks == []
    assert jobs.seconds_until_due([a, b]) == pytest.approx(0.5)
    clock.now += 0.5
    assert [job.job_id for job, _ in jobs.poll_due([a, b])] == ["a"]
    assert jobs.seconds_until_due([a, b]) == pytest.approx(0.5)
    while not b.finished:
        clock.sleep(jobs.seconds_until_due([a, b]))
        jobs.poll_due([a, b])
    assert [job for job, _ in vendor.checks] == ["a", "b", "b", "b"]
    assert jobs.seconds_until_due([a, b]) == float("inf")
    assert clock.sleeps and all(s > 0 for s in clock.sleeps[1:])


class TimedVendor:
    """Jobs that run ``seconds`` from their creation; records the age of each check."""

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        self.clock, self.seconds = clock, seconds
        self.created: dict[str, float] = {}
        self.checks: list[tuple[str, float]] = []

    def create(self, job_id: str) -> str:
        self.created[job_id] = self.clock.now
        return job_id

    def __call__(self, job_id: str) -> JobStatus:
        age = self.clock.now - self.created[job_id]
        self.checks.append((job_id, round(age, 3)))
        return JobStatus(JobState.DONE if age >= self.seconds else JobState.PENDING)


def test_a_learning_poller_checks_new_jobs_when_earlier_ones_were_done() -> None:
    clock = FakeClock()
    vendor = TimedVendor(clock, seconds=5)
    jobs = JobPoller(vendor, PollSchedule(poll_interval_seconds=1), clock=clock, sleep=clock.sleep, learn_duration=True)
    for n in range(4):
        jobs.wait(jobs.start(vendor.create(f"j{n}")))
    ages = {job: [age for name, age in vendor.checks if name == job] for job in vendor.created}
    assert ages["j0"] == [1, 3, 7]  # the schedule: nothing learned yet
    assert ages["j1"] == [5]  # halfway between 3 (still pending) and 7 (done)
    assert ages["j2"] == [4, 5]  # halfway between 3 and 5: early, then where j1 was done
    assert ages["j3"] == [5]  # between 4 and 5: tight enough, checked once
    assert (jobs.estimate.pending_for, jobs.estimate.done_after) == (4, 5)


def test_a_probe_that_finds_the_job_pending_raises_the_lower_bound() -> None:
    clock = FakeClock()
    vendor = TimedVendor(clock, seconds=6)
    jobs = JobPoller(vendor, PollSchedule(poll_interval_seconds=1), clock=clock, sleep=clock.sleep, learn_duration=True)
    for n in range(3):
        jobs.wait(jobs.start(vendor.create(f"j{n}")))
    ages = {job: [age for name, age in vendor.checks if name == job] for job in vendor.created}
    assert ages["j0"] == [1, 3, 7]
    assert ages["j1"] == [5, 7]  # the probe at 5 was early; checked again where j0 was done
    assert ages["j2"] == [6]  # halfway between 5 and 7
    assert jobs.estimate.first_check() == 6


def test_resumed_jobs_are_checked_at_once_and_teach_nothing() -> None:
    clock = FakeClock()
    vendor = TimedVendor(clock, seconds=0)
    jobs = JobPoller(vendor, PollSchedule(poll_interval_seconds=1), clock=clock, sleep=clock.sleep, learn_duration=True)
    jobs.estimate.learn(pending_for=29, done_after=30)
    resumed = jobs.start(vendor.create("old"), learn=False)
    assert resumed.next_poll_at == clock.now + 1
    jobs.wait(resumed)
    assert (jobs.estimate.pending_for, jobs.estimate.done_after) == (29, 30)
    assert jobs.start(vendor.create("new")).next_poll_at == clock.now + 30


def test_without_learning_every_job_follows_the_schedule() -> None:
    clock = FakeClock()
    vendor = TimedVendor(clock, seconds=5)
    jobs = JobPoller(vendor, PollSchedule(poll_interval_seconds=1), clock=clock, sleep=clock.sleep)
    for n in range(2):
        jobs.wait(jobs.start(vendor.create(f"j{n}")))
    assert [age for _, age in vendor.checks] == [1, 3, 7, 1, 3, 7]
    assert DurationEstimate().first_check() == 0


def test_due_lists_the_due_jobs_longest_due_first() -> None:
    clock = FakeClock()
    vendor = TimedVendor(clock, seconds=0)
    jobs = JobPoller(vendor, PollSchedule(poll_interval_seconds=1), clock=clock, sleep=clock.sleep)
    first = jobs.start(vendor.create("a"))
    clock.now += 0.5
    second = jobs.start(vendor.create("b"))
    assert jobs.due([second, first]) == []
    clock.now += 1
    assert jobs.due([second, first]) == [first, second]
    jobs.poll_once(first)
    assert jobs.due([second, first]) == [second]
