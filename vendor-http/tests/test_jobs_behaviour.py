"""Vendor jobs: schedule limits, settings, resumed jobs, the timeout boundary, the errors (issue 20).

Pure logic: a fake clock whose ``sleep`` advances it, and a scripted ``check``.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from vendor_http import (
    AsyncJob,
    AsyncJobError,
    ExplainedError,
    JobFailedError,
    JobPoller,
    JobState,
    JobStatus,
    JobTimeoutError,
    PollSchedule,
    poll_settings,
)

DONE = JobStatus(JobState.DONE, payload={"rows": 1})
PENDING = JobStatus(JobState.PENDING)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Vendor:
    """Answers ``answers`` in order (then DONE) and records when each job was asked."""

    def __init__(self, clock: FakeClock, *answers: JobStatus) -> None:
        self.clock = clock
        self.answers = list(answers)
        self.checks: list[tuple[str, float]] = []

    def __call__(self, job_id: str) -> JobStatus:
        self.checks.append((job_id, self.clock.now))
        return self.answers.pop(0) if self.answers else DONE


def make_poller(vendor: Vendor, clock: FakeClock, **schedule: float) -> JobPoller:
    return JobPoller(vendor, PollSchedule(**schedule), clock=clock, sleep=clock.sleep)


# The schedule


def test_schedule_defaults() -> None:
    schedule = PollSchedule()
    assert (
        schedule.poll_interval_seconds,
        schedule.poll_backoff_factor,
        schedule.poll_max_interval_seconds,
        schedule.poll_timeout_seconds,
    ) == (1.0, 2.0, 30.0, 900.0)
    assert [schedule.wait(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"poll_interval_seconds": -0.5}, "poll intervals must not be negative"),
        ({"poll_max_interval_seconds": -1}, "poll intervals must not be negative"),
        ({"poll_backoff_factor": 0.99}, "poll_backoff_factor must be at least 1"),
        ({"poll_timeout_seconds": 0}, "poll_timeout_seconds must be positive"),
        ({"poll_timeout_seconds": -5}, "poll_timeout_seconds must be positive"),
    ],
)
def test_schedule_refuses_nonsense_with_a_message(settings: dict[str, float], problem: str) -> None:
    with pytest.raises(ValueError) as info:
        PollSchedule(**settings)
    assert str(info.value) == problem


def test_schedule_accepts_the_limits_themselves() -> None:
    schedule = PollSchedule(
        poll_interval_seconds=0, poll_backoff_factor=1, poll_max_interval_seconds=0, poll_timeout_seconds=0.001
    )
    assert [schedule.wait(n) for n in range(3)] == [0, 0, 0]


def test_a_negative_poll_count_waits_the_first_interval() -> None:
    schedule = PollSchedule(poll_interval_seconds=3, poll_backoff_factor=2)
    assert schedule.wait(-2) == 3


def test_schedule_from_config_keeps_defaults_and_converts_decimals() -> None:
    schedule = PollSchedule.from_config({"poll_backoff_factor": Decimal("1.5"), "poll_interval_seconds": None})
    assert schedule == PollSchedule(poll_backoff_factor=1.5)
    assert type(schedule.poll_backoff_factor) is float


# The settings


def test_poll_settings_document_defaults_and_minimums() -> None:
    props = {prop.name: prop.to_dict()[prop.name] for prop in poll_settings()}
    assert props == {
        "poll_interval_seconds": {
            "type": ["number", "null"],
            "minimum": 0,
            "default": 1.0,
            "title": "First status check (seconds)",
            "description": "Wait before the first status check of a vendor job.",
        },
        "poll_backoff_factor": {
            "type": ["number", "null"],
            "minimum": 1,
            "default": 2.0,
            "title": "Status check back-off factor",
            "description": "Each further wait is the previous one times this (1 = a fixed interval).",
        },
        "poll_max_interval_seconds": {
            "type": ["number", "null"],
            "minimum": 0,
            "default": 30.0,
            "title": "Longest wait between status checks (seconds)",
            "description": "Upper bound of the wait between two status checks of one job.",
        },
        "poll_timeout_seconds": {
            "type": ["number", "null"],
            "minimum": 1,
            "default": 900.0,
            "title": "Job timeout (seconds)",
            "description": "A job still unfinished this long after it started fails the run, naming the job.",
        },
    }


def test_poll_settings_take_the_plugins_own_defaults() -> None:
    props = poll_settings(interval=5, backoff_factor=1.5, max_interval=60, timeout=120)
    assert [prop.to_dict()[prop.name]["default"] for prop in props] == [5, 1.5, 60, 120]


def test_poll_settings_defaults_are_the_schedules() -> None:
    defaults = {prop.name: prop.to_dict()[prop.name]["default"] for prop in poll_settings()}
    assert PollSchedule.from_config(defaults) == PollSchedule()


# The errors


def test_a_failed_job_error_names_the_job_and_keeps_the_vendors_words() -> None:
    error = JobFailedError("77", "quota exceeded")
    assert str(error) == "job 77 failed at the vendor: quota exceeded"
    assert (error.job_id, error.vendor_message) == ("77", "quota exceeded")
    assert isinstance(error, AsyncJobError)
    assert isinstance(error, ExplainedError)
    silent = JobFailedError("78", None, what="import")
    assert str(silent) == "import 78 failed at the vendor: no reason given"
    assert silent.vendor_message is None


def test_a_timeout_error_says_how_long_and_how_often_and_what_to_do() -> None:
    error = JobTimeoutError("9", 600.4, 12)
    assert str(error) == (
        "job 9 was still not finished after 600 s (12 status checks); "
        "look it up with the vendor or raise 'poll_timeout_seconds'"
    )
    assert (error.job_id, error.waited_seconds, error.polls) == ("9", 600.4, 12)
    assert isinstance(error, AsyncJobError)
    assert str(JobTimeoutError("9", 1, 1, what="data code")).startswith("data code 9 was still not finished")


def test_the_poller_names_jobs_job_unless_told_otherwise() -> None:
    clock = FakeClock()
    poller = make_poller(Vendor(clock, JobStatus(JobState.FAILED, message="boom")), clock)
    with pytest.raises(JobFailedError) as info:
        poller.wait(5)
    assert str(info.value) == "job 5 failed at the vendor: boom"


# Polling


def test_start_tracks_the_job_by_text_id_from_now() -> None:
    clock = FakeClock(50.0)
    job = make_poller(Vendor(clock), clock, poll_interval_seconds=2.5).start(123)
    assert job == AsyncJob(job_id="123", started_at=50.0, next_poll_at=52.5)
    assert job.polls == 0
    assert job.last_status is None
    assert not job.finished


def test_a_job_is_finished_only_once_done() -> None:
    job = AsyncJob("1", 0.0, 0.0)
    assert not job.finished
    job.last_status = PENDING
    assert not job.finished
    job.last_status = JobStatus(JobState.FAILED)
    assert not job.finished
    job.last_status = DONE
    assert job.finished


def test_poll_once_counts_records_and_reschedules(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    vendor = Vendor(clock, PENDING, PENDING)
    poller = make_poller(vendor, clock, poll_interval_seconds=1, poll_backoff_factor=3)
    job = poller.start("j")
    clock.now = job.next_poll_at
    with caplog.at_level(logging.DEBUG, logger="vendor_http.jobs"):
        assert poller.poll_once(job) is PENDING
    assert (job.polls, job.last_status, job.next_poll_at) == (1, PENDING, 1004.0)
    assert [r.getMessage() for r in caplog.records if r.name == "vendor_http.jobs"] == [
        "job j pending after 1 check(s); next in 3.0s"
    ]
    clock.now = 1004.0
    poller.poll_once(job)
    assert (job.polls, job.next_poll_at) == (2, 1013.0)
    status = poller.poll_once(job)
    assert status is DONE
    assert (job.polls, job.last_status, job.next_poll_at) == (3, DONE, 1013.0)  # done: nothing more to schedule
    assert vendor.checks == [("j", 1001.0), ("j", 1004.0), ("j", 1004.0)]


def test_wait_resumes_an_existing_job_on_its_own_schedule() -> None:
    # A job resumed from state: it started long ago and its next check is already due.
    clock = FakeClock(1000.0)
    vendor = Vendor(clock, PENDING)
    poller = make_poller(vendor, clock, poll_interval_seconds=10, poll_backoff_factor=1, poll_timeout_seconds=100)
    job = AsyncJob("old", started_at=950.0, next_poll_at=990.0, polls=4)
    assert poller.wait(job) is DONE
    assert vendor.checks == [("old", 1000.0), ("old", 1010.0)]
    assert clock.sleeps == [10.0]  # no sleep before the overdue check
    assert job.polls == 6
    assert job.finished


def test_a_resumed_job_times_out_from_its_original_start() -> None:
    clock = FakeClock(1000.0)
    vendor = Vendor(clock, *[PENDING] * 10)
    poller = make_poller(vendor, clock, poll_interval_seconds=10, poll_backoff_factor=1, poll_timeout_seconds=60)
    job = AsyncJob("old", started_at=950.0, next_poll_at=1000.0)
    with pytest.raises(JobTimeoutError) as info:
        poller.wait(job)
    assert [at for _, at in vendor.checks] == [1000.0, 1010.0]
    assert info.value.waited_seconds == 60.0
    assert info.value.polls == 2


def test_the_timeout_is_reached_at_the_deadline_not_after_it() -> None:
    clock = FakeClock(0.0)
    poller = make_poller(Vendor(clock, PENDING, PENDING), clock, poll_interval_seconds=4, poll_timeout_seconds=10)
    job = poller.start("t")
    clock.now = 9.999
    assert poller.poll_once(job) is PENDING
    assert job.next_poll_at == 10.0  # never later than the deadline
    clock.now = 10.0
    with pytest.raises(JobTimeoutError) as info:
        poller.poll_once(job)
    assert (info.value.waited_seconds, info.value.polls) == (10.0, 2)


def test_a_job_done_at_the_deadline_is_done() -> None:
    clock = FakeClock(0.0)
    poller = make_poller(Vendor(clock), clock, poll_timeout_seconds=10)
    job = poller.start("t")
    clock.now = 10.0
    assert poller.poll_once(job) is DONE


def test_a_job_due_right_now_is_checked_without_sleeping() -> None:
    clock = FakeClock(1000.0)
    vendor = Vendor(clock)
    poller = make_poller(vendor, clock)
    assert poller.wait(AsyncJob("due", started_at=990.0, next_poll_at=1000.0)) is DONE
    assert clock.sleeps == []


def test_wait_given_an_id_starts_the_job_now() -> None:
    clock = FakeClock(200.0)
    vendor = Vendor(clock)
    assert make_poller(vendor, clock, poll_interval_seconds=0.5).wait("n") is DONE
    assert vendor.checks == [("n", 200.5)]
    assert clock.sleeps == [0.5]


def test_poll_due_checks_due_jobs_earliest_first_including_one_due_right_now() -> None:
    clock = FakeClock(0.0)
    vendor = Vendor(clock, PENDING)
    poller = make_poller(vendor, clock)
    late = AsyncJob("late", 0.0, next_poll_at=5.0)
    early = AsyncJob("early", 0.0, next_poll_at=2.0)
    now = AsyncJob("now", 0.0, next_poll_at=7.0)
    later = AsyncJob("later", 0.0, next_poll_at=7.5)
    clock.now = 7.0
    finished = poller.poll_due([late, later, now, early])
    assert [job_id for job_id, _ in vendor.checks] == ["early", "late", "now"]
    assert [(job.job_id, status) for job, status in finished] == [("late", DONE), ("now", DONE)]
    assert early.last_status is PENDING
    assert poller.seconds_until_due([late, later, now, early]) == pytest.approx(0.5)  # `later`; early is at 9


def test_poll_due_skips_finished_jobs_even_when_due() -> None:
    clock = FakeClock(10.0)
    vendor = Vendor(clock)
    poller = make_poller(vendor, clock)
    done = AsyncJob("done", 0.0, next_poll_at=1.0, last_status=DONE)
    assert poller.poll_due([done]) == []
    assert vendor.checks == []
    assert poller.seconds_until_due([done]) == float("inf")
    assert poller.seconds_until_due([]) == float("inf")


def test_an_overdue_job_is_due_now_not_in_the_past() -> None:
    clock = FakeClock(10.0)
    poller = make_poller(Vendor(clock), clock)
    assert poller.seconds_until_due([AsyncJob("a", 0.0, next_poll_at=4.0), AsyncJob("b", 0.0, 12.0)]) == 0.0
