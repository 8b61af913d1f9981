"""VendorRESTStream and the SDK seam with partitions, full-table streams, stream maps, metrics (issue 20)."""

from __future__ import annotations

import json
import logging
import threading
import typing as t

import pytest
import requests
from acme_plugin import SECRET, AcmeTap, ItemsStream
from http_script import Answer, Script
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.io_base import SingerWriter

if t.TYPE_CHECKING:
    from singer_sdk import Stream
    from singer_sdk.helpers.types import Context


class Collected(SingerWriter):
    def __init__(self) -> None:
        self.messages: list[dict[str, t.Any]] = []

    def write_message(self, message: t.Any) -> None:
        self.messages.append(message.to_dict())

    def of(self, kind: str) -> list[dict[str, t.Any]]:
        return [m for m in self.messages if m["type"] == kind]


class DayWindows(ItemsStream):
    """One partition per day, bookmarked when the day is complete."""

    name = "day_windows"

    @property
    def partitions(self) -> list[dict[str, t.Any]]:
        return [{"day": day} for day in self.config.get("days") or []]

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        assert context is not None
        yield from self.request_records(context)
        self.complete_window(context["day"], context=context)


class DayRecords(DayWindows):
    """One partition per day, bookmarked by the SDK record by record."""

    name = "day_records"
    bookmark_by_window = False

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        yield from self.request_records(context)


class Everything(ItemsStream):
    """A full-table stream (no replication key)."""

    name = "everything"
    replication_key = None  # type: ignore[assignment]
    is_sorted = False
    bookmark_by_window = False

    def get_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        yield from self.request_records({"day": "2026-01-01"})


class WideTap(AcmeTap):
    def discover_streams(self) -> list[Stream]:
        return [DayWindows(self), DayRecords(self), Everything(self)]


def make_tap(url: str, **config: t.Any) -> WideTap:
    settings = {"api_url": url, "api_token": SECRET, "max_tries": 1, "days": ["2026-01-01", "2026-01-02"], **config}
    return WideTap(config=settings, message_writer=Collected())


def answer_by_day(script: Script) -> None:
    script.default = lambda seen: Answer(
        body={"items": [{"id": n, "day": seen.query["day"]} for n in (1, 2)]},
    )


def messages(tap: WideTap) -> Collected:
    return t.cast("Collected", tap.message_writer)


def test_partitions_are_bookmarked_each_in_their_own_state(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    answer_by_day(script)
    tap = make_tap(url)
    tap.sync_all()
    bookmarks = messages(tap).of("STATE")[-1]["value"]["bookmarks"]
    for name in ("day_windows", "day_records"):
        assert bookmarks[name]["partitions"] == [
            {"context": {"day": "2026-01-01"}, "replication_key": "day", "replication_key_value": "2026-01-01"},
            {"context": {"day": "2026-01-02"}, "replication_key": "day", "replication_key_value": "2026-01-02"},
        ], name
        assert "replication_key_value" not in bookmarks[name]


def test_record_messages_carry_the_alias_the_version_and_when_they_were_extracted(
    http_script: tuple[str, Script],
) -> None:
    url, script = http_script
    answer_by_day(script)
    tap = make_tap(url, stream_maps={"everything": {"__alias__": "all_items"}}, emit_activate_version_messages=True)
    tap.sync_all()
    records = [m for m in messages(tap).of("RECORD") if m["stream"] in {"everything", "all_items"}]
    assert [m["stream"] for m in records] == ["all_items", "all_items"]
    assert all(isinstance(m.get("version"), int) for m in records)  # full table: versioned
    assert all(m.get("time_extracted") for m in records)


def test_a_window_of_a_stream_without_replication_key_cannot_be_completed(http_script: tuple[str, Script]) -> None:
    url, _ = http_script
    stream = make_tap(url).streams["everything"]
    with pytest.raises(TypeError) as info:
        stream.complete_window("2026-01-01")  # type: ignore[attr-defined]
    assert str(info.value) == "stream 'everything' has no replication_key, so it has no window bookmark to move"
    with pytest.raises(TypeError) as seam:
        stream.advance_bookmark("2026-01-01")  # type: ignore[attr-defined]
    assert str(seam.value) == "stream 'everything' has no replication key to bookmark"


def test_send_logs_the_sdks_request_metric(http_script: tuple[str, Script], caplog: pytest.LogCaptureFixture) -> None:
    url, script = http_script
    script.answers = [Answer(200, {}), Answer(400, {"error": "bad"})]
    stream = make_tap(url).streams["day_windows"]
    with caplog.at_level(logging.INFO, logger="singer_sdk.metrics"):
        request = stream.build_prepared_request(method="GET", url=f"{url}/items", params={}, headers={})
        stream.send(request, context={"day": "2026-01-01"})  # type: ignore[attr-defined]
        request = stream.build_prepared_request(method="GET", url=f"{url}/items", params={}, headers={})
        with pytest.raises(FatalAPIError):
            stream.send(request)  # type: ignore[attr-defined]
    points = [
        json.loads(r.getMessage().removeprefix("METRIC: "))
        for r in caplog.records
        if r.getMessage().startswith("METRIC: ") and '"http_request_duration"' in r.getMessage()
    ]
    assert [(p["type"], p["metric"], p["tags"]) for p in points] == [
        (
            "timer",
            "http_request_duration",
            {
                "stream": "day_windows",
                "endpoint": "/items",
                "http_status_code": 200,
                "status": "succeeded",
                "context": {"day": "2026-01-01"},
            },
        ),
        (
            "timer",
            "http_request_duration",
            {"stream": "day_windows", "endpoint": "/items", "http_status_code": 400, "status": "failed"},
        ),
    ]
    assert all(isinstance(p["value"], float) and p["value"] >= 0 for p in points)


def test_send_waits_no_longer_than_the_request_timeout(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    release = threading.Event()

    def stall(_: object) -> Answer:
        release.wait(30)
        return Answer()

    script.answers = [stall]
    stream = make_tap(url, request_timeout_seconds=1).streams["day_windows"]
    request = stream.build_prepared_request(method="GET", url=f"{url}/items", params={}, headers={})
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            stream.send(request)  # type: ignore[attr-defined]
    finally:
        release.set()


def test_the_stream_describes_a_request_with_secrets_masked(http_script: tuple[str, Script]) -> None:
    url, _ = http_script
    stream = make_tap(url).streams["day_windows"]
    response = requests.Response()
    response.url = f"https://api.acme.test/items?token={SECRET}"
    response.request = requests.Request("POST", response.url).prepare()
    assert stream.request_description(response) == "POST https://api.acme.test/items?token=***"  # type: ignore[attr-defined]


def test_rejected_credentials_name_every_credential_setting(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.answers = [Answer(401, {"error": "no"})]
    stream = make_tap(url).streams["day_windows"]
    stream.credential_settings = ("api_token", "client_id")  # type: ignore[attr-defined]
    request = stream.build_prepared_request(method="GET", url=f"{url}/items", params={}, headers={})
    with pytest.raises(FatalAPIError) as info:
        stream.send(request)  # type: ignore[attr-defined]
    assert str(info.value).endswith(
        ": no (the credentials were rejected: check the setting(s) 'api_token', 'client_id')"
    )


def test_a_partition_read_again_never_moves_its_bookmark_back(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    answer_by_day(script)
    later = {"day": "2026-01-01"}
    state = {
        "bookmarks": {
            "day_windows": {
                "partitions": [{"context": later, "replication_key": "day", "replication_key_value": "2026-01-05"}]
            }
        }
    }
    tap = WideTap(
        config={"api_url": url, "api_token": SECRET, "days": ["2026-01-01"]}, state=state, message_writer=Collected()
    )
    stream = tap.streams["day_windows"]
    stream.complete_window("2026-01-01", context=later)  # type: ignore[attr-defined]
    assert stream.get_context_state(later)["replication_key_value"] == "2026-01-05"
    stream.complete_window("2026-01-07", context=later)  # type: ignore[attr-defined]
    assert stream.get_context_state(later)["replication_key_value"] == "2026-01-07"
    assert "replication_key_value" not in stream.stream_state


def test_a_stream_takes_the_sdks_constructor_arguments(http_script: tuple[str, Script]) -> None:
    url, _ = http_script
    tap = make_tap(url)
    assert DayWindows(tap, "renamed").name == "renamed"
    assert DayWindows(tap, path="/other").path == "/other"


def test_write_state_now_on_a_fresh_tap_writes_the_streams_empty_entry(http_script: tuple[str, Script]) -> None:
    url, _ = http_script
    tap = make_tap(url)
    tap.streams["day_windows"].write_state_now()  # type: ignore[attr-defined]
    assert [m["value"] for m in messages(tap).of("STATE")] == [{"bookmarks": {"day_windows": {}}}]


@pytest.mark.parametrize("follow", [True, False])
def test_send_follows_redirects_as_the_stream_says(http_script: tuple[str, Script], follow: bool) -> None:
    url, script = http_script
    script.answers = [Answer(302, {}, {"Location": f"{url}/moved"}), Answer(200, {"here": True})]
    stream = make_tap(url).streams["day_windows"]
    stream.allow_redirects = follow  # type: ignore[misc]
    request = stream.build_prepared_request(method="GET", url=f"{url}/items", params={}, headers={})
    if follow:
        assert stream.send(request).status_code == 200  # type: ignore[attr-defined]
    else:  # a 3xx that is not followed is a failure, never a success (vendor-http README, "Redirects")
        with pytest.raises(FatalAPIError, match=r"answered 302 to GET .*/items.*a redirect that was not followed"):
            stream.send(request)  # type: ignore[attr-defined]
