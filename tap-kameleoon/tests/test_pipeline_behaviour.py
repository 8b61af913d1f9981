"""The window pipeline as the stream drives it: requests ahead, rows in order, failures, resumed codes.

Pure logic: a scripted Kameleoon (data codes READY after a set time, or failing) on a
virtual clock stands in for the stream; the poller is the real ``JobPoller``.
"""

from __future__ import annotations

import logging
import typing as t

import pytest
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_kameleoon.client import DataCodeRejectedError
from tap_kameleoon.pipeline import Window, WindowPipeline, instant
from vendor_http import JobPoller, JobState, JobStatus, PollSchedule

SITE_A = {"id": 1, "code": "a1"}
SITE_B = {"id": 2, "code": "b2"}


class Kameleoon:
    """The stream's side of the pipeline, with a scripted Kameleoon on a virtual clock."""

    def __init__(self, *, ready_after: float = 10.0, timeout: float = 900.0, interval: float = 5.0) -> None:
        self.now = 0.0
        self.ready_after = ready_after
        self.ready_after_by_start: dict[str, float] = {}  # window start -> its own time to READY
        self.window_of: dict[str, str] = {}  # data code -> window start
        self.logger = logging.getLogger("test.kameleoon")
        self.poller = JobPoller(
            self.check,
            PollSchedule(poll_interval_seconds=interval, poll_backoff_factor=1, poll_timeout_seconds=timeout),
            clock=lambda: self.now,
            sleep=self.sleep,
            what="Kameleoon data code",
        )
        self.started: dict[str, float] = {}  # data code -> when Kameleoon started it
        self.pending: dict[str, str] = {}  # window start -> data code kept from an earlier run
        self.outcome: dict[str, t.Any] = {}  # data code -> an exception or a JobStatus to answer
        self.refuse: dict[str, Exception] = {}  # window start -> the failure of its request
        self.events: list[str] = []
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    # --- the WindowSource protocol ---
    def resumable(self, window: Window) -> str | None:
        return self.pending.get(window.start)

    def request(self, window: Window) -> str:
        self.events.append(f"request {window.site['code']} {window.start}")
        if window.start in self.refuse:
            raise self.refuse[window.start]
        code = f"{window.site['code']}-{window.start}-{len(self.started)}"
        self.started[code] = self.now
        self.window_of[code] = window.start
        return code

    def forget(self, window: Window) -> None:
        self.events.append(f"forget {window.site['code']} {window.start}")
        self.pending.pop(window.start, None)

    # --- Kameleoon's poll endpoint ---
    def check(self, code: str) -> JobStatus:
        self.events.append(f"check {code}")
        outcome = self.outcome.get(code)
        if isinstance(outcome, Exception):
            raise outcome
        if outcome is not None:
            return outcome
        ready_after = self.ready_after_by_start.get(self.window_of.get(code, ""), self.ready_after)
        if self.now - self.started.setdefault(code, self.now - ready_after) >= ready_after:
            return JobStatus(JobState.DONE, payload={"code": code})
        return JobStatus(JobState.PENDING)

    def requests(self) -> list[str]:
        return [event.removeprefix("request ") for event in self.events if event.startswith("request ")]


def windows(site: dict[str, t.Any], *starts: str) -> list[Window]:
    return [Window(site, start, f"{start}+") for start in starts]


def pipeline_of(kameleoon: Kameleoon, queue: list[Window], in_flight: int) -> WindowPipeline:
    """The pipeline as the stream makes it, waiting on the virtual clock."""
    return WindowPipeline(kameleoon, queue, in_flight, sleep=kameleoon.sleep)


def emitted(pipeline: WindowPipeline, site: dict[str, t.Any]) -> list[tuple[str, str | None]]:
    return [(window.start, window.data["code"] if window.data else None) for window in pipeline.windows_of(site["id"])]


def test_windows_come_out_site_by_site_in_order_with_their_own_data() -> None:
    kameleoon = Kameleoon()
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1", "w2") + windows(SITE_B, "w1"), 4)
    first = list(pipeline.windows_of(1))
    assert [(w.start, w.end, w.code, w.data) for w in first] == [
        ("w1", "w1+", "a1-w1-0", {"code": "a1-w1-0"}),
        ("w2", "w2+", "a1-w2-1", {"code": "a1-w2-1"}),
    ]
    assert emitted(pipeline, SITE_B) == [("w1", "b2-w1-2")]
    assert list(pipeline.windows_of(1)) == []  # nothing left
    assert (pipeline.requested, pipeline.resumed) == (3, 0)
    assert not any(w.resumed for w in first)


def test_a_site_without_windows_yields_nothing_and_requests_nothing() -> None:
    kameleoon = Kameleoon()
    pipeline = pipeline_of(kameleoon, windows(SITE_B, "w1"), 2)
    assert list(pipeline.windows_of(1)) == []
    assert kameleoon.events == []


@pytest.mark.parametrize(("setting", "ahead"), [(1, 1), (2, 2), (3, 3), (0, 1), (-5, 1)])
def test_never_more_data_codes_in_flight_than_the_setting_and_at_least_one(setting, ahead) -> None:
    kameleoon = Kameleoon()
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1", "w2", "w3", "w4"), setting)
    out = pipeline.windows_of(1)
    next(out)
    # the first window is READY: exactly `ahead` codes were requested before it was handed out
    assert len(kameleoon.requests()) == ahead
    next(out)
    assert len(kameleoon.requests()) == min(4, ahead + 1)
    assert len(list(out)) == 2


def test_the_next_sites_windows_are_requested_while_this_sites_last_ones_compute() -> None:
    kameleoon = Kameleoon()
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1") + windows(SITE_B, "w1", "w2"), 3)
    assert emitted(pipeline, SITE_A) == [("w1", "a1-w1-0")]
    assert kameleoon.requests() == ["a1 w1", "b2 w1", "b2 w2"]


def test_the_pipeline_sleeps_until_the_next_check_is_due_and_not_when_one_is() -> None:
    kameleoon = Kameleoon(ready_after=12)
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1"), 1)
    assert emitted(pipeline, SITE_A) == [("w1", "a1-w1-0")]
    # checks every 5 s from the request: READY at the third check (15 s), no sleep of 0
    assert kameleoon.sleeps == [5, 5, 5]
    assert [e for e in kameleoon.events if e.startswith("check")] == ["check a1-w1-0"] * 3


def test_a_data_code_kept_from_an_earlier_run_is_polled_not_requested_again(caplog) -> None:
    kameleoon = Kameleoon()
    kameleoon.pending["w1"] = "kept-code"
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1", "w2"), 2)
    with caplog.at_level(logging.INFO):
        [first, second] = pipeline.windows_of(1)
    assert (first.code, first.resumed, first.data) == ("kept-code", True, {"code": "kept-code"})
    assert (second.code, second.resumed) == ("a1-w2-0", False)
    assert kameleoon.requests() == ["a1 w2"]
    assert (pipeline.requested, pipeline.resumed) == (1, 1)
    assert "Resuming data code kept-code of site a1 (id 1), window w1..w1+" in caplog.text
    assert first.job is not None and not first.job.learn  # its start is unknown: it teaches nothing
    assert second.job is not None and second.job.learn


def test_a_kept_data_code_kameleoon_no_longer_knows_is_requested_anew(caplog) -> None:
    kameleoon = Kameleoon()
    kameleoon.pending["w1"] = "old"
    kameleoon.outcome["old"] = DataCodeRejectedError("Kameleoon answered 400: unknown data code")
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1"), 1)
    with caplog.at_level(logging.INFO):
        assert emitted(pipeline, SITE_A) == [("w1", "a1-w1-0")]
    assert kameleoon.events[:3] == ["check old", "forget a1 w1", "request a1 w1"]
    assert "Kameleoon no longer knows data code old; requesting site a1 (id 1), window w1..w1+ again" in caplog.text
    assert (pipeline.requested, pipeline.resumed) == (1, 1)


def test_a_new_data_code_kameleoon_rejects_stops_the_run_at_its_window() -> None:
    kameleoon = Kameleoon()
    rejected = DataCodeRejectedError("Kameleoon answered 400: unknown data code")
    kameleoon.outcome["a1-w1-0"] = rejected
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1", "w2"), 1)
    with pytest.raises(DataCodeRejectedError) as error:
        list(pipeline.windows_of(1))
    assert error.value is rejected
    assert kameleoon.requests() == ["a1 w1"]  # no new request after the failure
    assert "forget a1 w1" not in kameleoon.events


def test_a_window_kameleoon_computes_as_error_stops_the_run_and_drops_its_code() -> None:
    kameleoon = Kameleoon()
    kameleoon.outcome["a1-w2-1"] = JobStatus(JobState.FAILED, message="quota exceeded")
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1", "w2", "w3"), 2)
    out = pipeline.windows_of(1)
    assert next(out).start == "w1"  # the window before the failed one is still emitted
    with pytest.raises(FatalAPIError) as error:
        next(out)
    assert str(error.value) == (
        "site a1 (id 1), window w2..w2+: Kameleoon data code a1-w2-1 failed at the vendor: quota exceeded"
    )
    assert "forget a1 w2" in kameleoon.events
    assert kameleoon.requests() == ["a1 w1", "a1 w2"]  # w3 never requested: the run stops


def test_a_data_code_still_waiting_at_the_timeout_stops_the_run_and_is_kept_for_the_next() -> None:
    kameleoon = Kameleoon(ready_after=1000, timeout=12)
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1"), 1)
    with pytest.raises(FatalAPIError) as error:
        list(pipeline.windows_of(1))
    message = str(error.value)
    assert message.startswith("site a1 (id 1), window w1..w1+: Kameleoon data code a1-w1-0 was still not finished")
    assert message.endswith("the next run polls it again while it is younger than 'data_code_max_age_minutes'")
    assert not any(event.startswith("forget") for event in kameleoon.events)  # still pending in STATE


@pytest.mark.parametrize("failure", [FatalAPIError("refused"), RetriableAPIError("429 too many")])
def test_a_refused_request_stops_the_run_after_the_windows_before_it(failure, caplog) -> None:
    kameleoon = Kameleoon()
    kameleoon.refuse["w2"] = failure
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1", "w2", "w3"), 3)
    out = pipeline.windows_of(1)
    with caplog.at_level(logging.WARNING):
        assert next(out).start == "w1"
    assert f"{failure}; stopping once the windows before it are out" in caplog.text
    with pytest.raises(type(failure)) as error:
        next(out)
    assert error.value is failure
    assert kameleoon.requests() == ["a1 w1", "a1 w2"]  # w3 is not requested after the refusal


def test_a_failure_of_the_window_being_emitted_is_not_logged_as_a_later_stop(caplog) -> None:
    kameleoon = Kameleoon()
    kameleoon.refuse["w1"] = FatalAPIError("refused")
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1"), 2)
    with caplog.at_level(logging.WARNING), pytest.raises(FatalAPIError, match="refused"):
        list(pipeline.windows_of(1))
    assert "stopping once" not in caplog.text


def test_windows_after_a_failed_one_are_no_longer_checked() -> None:
    kameleoon = Kameleoon(ready_after=100)
    kameleoon.outcome["a1-w2-1"] = RetriableAPIError("poll refused")
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1", "w2", "w3"), 3)
    out = pipeline.windows_of(1)
    assert next(out).start == "w1"
    with pytest.raises(RetriableAPIError, match="poll refused"):
        next(out)
    checks = [e for e in kameleoon.events if e.startswith("check")]
    assert checks.count("check a1-w2-1") == 1
    assert checks.count("check a1-w1-0") == 20  # every 5 s until READY at 100 s
    assert "check a1-w3-2" not in checks  # due with w2, but skipped once w2 failed
    assert kameleoon.now == 100  # no waiting for w3 once the run stops


def test_a_bug_in_the_stream_is_not_taken_for_a_failed_window() -> None:
    kameleoon = Kameleoon()
    kameleoon.outcome["a1-w1-0"] = KeyError("data")
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1"), 1)
    with pytest.raises(KeyError):
        list(pipeline.windows_of(1))


def test_a_site_synced_before_the_windows_queued_ahead_of_it_is_a_bug_not_silence() -> None:
    pipeline = pipeline_of(Kameleoon(), windows(SITE_A, "w1") + windows(SITE_B, "w1"), 2)
    with pytest.raises(RuntimeError, match="site 2 was synced before the windows queued ahead of it"):
        list(pipeline.windows_of(2))


def test_a_window_names_its_site_and_period_and_its_state_partition() -> None:
    window = Window({"id": "7", "code": "c7"}, "2026-01-01T00:00:00Z", "2026-01-08T00:00:00Z")
    assert str(window) == "site c7 (id 7), window 2026-01-01T00:00:00Z..2026-01-08T00:00:00Z"
    assert window.site_id == 7
    assert window.context == {"siteId": "7"}
    assert not window.settled


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-07-29T15:51:28.071Z", "2024-07-29T15:51:28.071000+00:00"),
        ("2024-07-29T15:51:28", "2024-07-29T15:51:28+00:00"),  # no zone: UTC
        ("2024-07-29T18:51:28+03:00", "2024-07-29T15:51:28+00:00"),
        ("2024-07-29", "2024-07-29T00:00:00+00:00"),  # a day: its start
        ("yesterday", None),
        ("", None),
        (None, None),
        (20240729, None),
    ],
)
def test_instants_are_read_in_every_documented_form_as_utc(value, expected) -> None:
    parsed = instant(value)
    assert (parsed.isoformat() if parsed else None) == expected
    if parsed is not None:
        assert parsed.timezone_name == "UTC"


def test_waits_under_a_second_are_slept_too() -> None:
    kameleoon = Kameleoon(ready_after=1.2, interval=0.5)
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1"), 1)
    assert emitted(pipeline, SITE_A) == [("w1", "a1-w1-0")]
    assert kameleoon.sleeps == [0.5, 0.5, 0.5]


def test_windows_before_a_failed_one_keep_being_checked_while_the_run_stops() -> None:
    kameleoon = Kameleoon()
    kameleoon.ready_after_by_start = {"w1": 10, "w2": 5}
    kameleoon.refuse["w3"] = FatalAPIError("refused")
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1", "w2", "w3"), 3)
    out = pipeline.windows_of(1)
    assert [next(out).start, next(out).start] == ["w1", "w2"]
    with pytest.raises(FatalAPIError, match="refused"):
        next(out)
    checks = [(e, kameleoon.now) for e in kameleoon.events if e.startswith("check")]
    # w2 is checked (and READY) at 5 s although w1, before it, is not: both come out at 10 s
    assert [e for e, _ in checks] == ["check a1-w1-0", "check a1-w2-1", "check a1-w1-0"]


def test_what_the_pipeline_says(caplog) -> None:
    kameleoon = Kameleoon()
    kameleoon.pending |= {"w1": "kept1", "w2": "kept2"}
    kameleoon.outcome["kept2"] = DataCodeRejectedError("unknown data code")
    kameleoon.refuse["w3"] = FatalAPIError("Kameleoon refused GET /audiences/global")
    pipeline = pipeline_of(kameleoon, windows(SITE_A, "w1", "w2", "w3"), 3)
    with caplog.at_level(logging.INFO, logger="test.kameleoon"):
        out = pipeline.windows_of(1)
        next(out)
    assert caplog.messages == [
        "Resuming data code kept1 of site a1 (id 1), window w1..w1+",
        "Resuming data code kept2 of site a1 (id 1), window w2..w2+",
        "Kameleoon refused GET /audiences/global; stopping once the windows before it are out",
        "Kameleoon no longer knows data code kept2; requesting site a1 (id 1), window w2..w2+ again",
    ]
    assert (pipeline.requested, pipeline.resumed) == (1, 2)  # w2 asked for again; w3 refused


def test_a_duration_is_no_instant() -> None:
    assert instant("P2D") is None
