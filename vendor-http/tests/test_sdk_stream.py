"""VendorRESTStream against a real local server: classification, retries, records, bookmarks.

What is checked: 429/5xx are retried by the one retry engine, Retry-After exactly, and
each retry is logged once (no SDK "Backing off" line); 401/403 name the credential
settings, other 4xx fail at once, never with the secret; records are validated and
pruned to the selection (whole on request); a stream that bookmarks by window writes
STATE only when a window is complete; ``write_state_now`` and ``send`` work outside
the SDK's paging loop.
"""

from __future__ import annotations

import logging
import typing as t

import pytest
from acme_plugin import SECRET, AcmeTap, ItemsStream
from http_script import Answer
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.io_base import SingerWriter

from vendor_http import RecordValidationError, VendorRESTStream
from vendor_http.errors import RetriesExhaustedError


class Collected(SingerWriter):
    """Keeps the Singer messages a tap writes."""

    def __init__(self) -> None:
        self.messages: list[dict[str, t.Any]] = []

    def write_message(self, message: t.Any) -> None:
        self.messages.append(message.to_dict())

    def of(self, kind: str) -> list[dict[str, t.Any]]:
        return [m for m in self.messages if m["type"] == kind]


def make_tap(url: str, *, catalog: dict | None = None, state: dict | None = None, **config: t.Any) -> AcmeTap:
    settings = {"api_url": url, "api_token": SECRET, "backoff_initial_seconds": 0.01, "max_tries": 3, **config}
    return AcmeTap(config=settings, catalog=catalog, state=state, message_writer=Collected())


def items_stream(tap: AcmeTap) -> VendorRESTStream[t.Any]:
    return t.cast("VendorRESTStream[t.Any]", tap.streams["items"])


def page(*ids: int, day: str = "2026-01-01") -> Answer:
    return Answer(body={"items": [{"id": n, "day": day, "note": f"n{n}", "amount": 1.5} for n in ids]})


def test_429_and_5xx_are_retried_honouring_retry_after_and_logged_once(http_script, caplog) -> None:
    url, script = http_script
    script.answers = [
        Answer(429, {"error": "slow down"}, {"Retry-After": "0.3"}),
        Answer(503, {"error": "busy"}),
        page(1),
    ]
    tap = make_tap(url)
    stream = items_stream(tap)

    with caplog.at_level(logging.INFO):
        records = list(stream.request_records({"day": "2026-01-01"}))

    assert [r["id"] for r in records] == [1]
    assert len(script.seen) == 3
    assert script.seen[1].arrived - script.seen[0].arrived >= 0.3  # the Retry-After, exactly
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == 2  # one line per retry, ours
    assert retries[0].startswith("Acme request failed (try 1 of 3), retrying in 0.3s: Acme answered 429 to GET ")
    assert "(try 2 of 3)" in retries[1] and "busy" in retries[1]
    assert all(r.levelno == logging.WARNING for r in caplog.records if "retrying in" in r.getMessage())
    assert "Backing off" not in caplog.text
    assert stream.retrier.retries == 2
    assert tap.rate_budget.requests_started >= 3


def test_retries_run_out_with_the_last_retriable_error(http_script) -> None:
    url, script = http_script
    script.default = Answer(500, {"message": "down"})
    stream = items_stream(make_tap(url, max_tries=2))

    # The last answer's words and how often it was tried; an explained failure (a FatalAPIError too).
    with pytest.raises(
        RetriesExhaustedError, match=r"Acme answered 500 to GET http://127\.0\.0\.1:.*: down \(gave up after 2 tries\)$"
    ):
        list(stream.request_records({"day": "2026-01-01"}))
    assert len(script.seen) == 2


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_credentials_name_the_settings_and_never_the_secret(http_script, status) -> None:
    url, script = http_script
    script.answers = [Answer(status, {"error": f"token {SECRET} is not valid"})]
    stream = items_stream(make_tap(url))

    with pytest.raises(FatalAPIError) as error:
        list(stream.request_records({"day": "2026-01-01"}))
    assert len(script.seen) == 1  # not retried
    assert script.seen[0].headers["X-Token"] == SECRET  # sent, in the header
    message = str(error.value)
    assert f"Acme answered {status} to GET http://127.0.0.1:" in message
    assert "token *** is not valid (the credentials were rejected: check the setting(s) 'api_token')" in message
    assert SECRET not in message


def test_other_4xx_fail_at_once_with_the_vendor_message(http_script) -> None:
    url, script = http_script
    script.answers = [Answer(404, {"message": "no such day"})]
    with pytest.raises(FatalAPIError, match=r"Acme answered 404 to GET .*/items\?day=2026-01-01: no such day$"):
        list(items_stream(make_tap(url)).request_records({"day": "2026-01-01"}))
    assert len(script.seen) == 1


def test_send_authenticates_and_classifies_one_request_outside_paging(http_script) -> None:
    url, script = http_script
    script.answers = [Answer(200, {"hello": 1}), Answer(400, {"error": "bad"})]
    stream = items_stream(make_tap(url))
    ok = stream.build_prepared_request(method="GET", url=f"{url}/extra", params={"a": "1"}, headers={})
    assert stream.send(ok).json() == {"hello": 1}
    assert (script.seen[0].path, script.seen[0].query, script.seen[0].headers["X-Token"]) == (
        "/extra",
        {"a": "1"},
        SECRET,
    )

    bad = stream.build_prepared_request(method="GET", url=f"{url}/extra", params={}, headers={})
    with pytest.raises(FatalAPIError, match=r"Acme answered 400 to GET .*/extra: bad"):
        stream.send(bad)


def test_a_broken_2xx_body_is_retriable_and_names_the_request(http_script) -> None:
    url, script = http_script
    script.answers = [Answer(200, b'{"items": [1, 2'), Answer(200, {"items": []})]
    stream = items_stream(make_tap(url))
    request = stream.build_prepared_request(method="GET", url=f"{url}/extra", params={}, headers={})
    with pytest.raises(
        RetriableAPIError, match=r"^Acme answered 200 to GET http://.*/extra with a body that is not valid JSON"
    ):
        stream.send(request)
    whole = stream.send(stream.build_prepared_request(method="GET", url=f"{url}/extra", params={}, headers={}))
    assert whole.json() == {"items": []}


def test_records_are_validated_and_pruned_to_the_selection_or_kept_whole(http_script) -> None:
    url, _ = http_script
    tap = make_tap(url)
    catalog = tap.catalog_dict
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == ["properties", "note"]:
                item["metadata"]["selected"] = False
    stream = items_stream(make_tap(url, catalog=catalog))
    record = {"id": 1, "day": "2026-01-01", "note": "x", "amount": 2, "extra": True}

    assert stream.validate_record(record) == {"id": 1, "day": "2026-01-01", "amount": 2}
    assert stream.validate_record(record, whole=True) == {"id": 1, "day": "2026-01-01", "note": "x", "amount": 2}
    with pytest.raises(RecordValidationError, match=r"stream 'items': .*Expected `int`, got `str` - at `\$\.id`"):
        stream.validate_record({"id": "one", "day": "2026-01-01"})


def test_a_window_bookmark_moves_only_when_its_window_is_complete(http_script) -> None:
    url, script = http_script
    script.answers = [page(1, 2), page(3, 4, day="2026-01-02")]
    tap = make_tap(url, days=["2026-01-01", "2026-01-02"])
    items_stream(tap).STATE_MSG_FREQUENCY = 1  # the SDK would write STATE after every record
    tap.sync_all()
    messages = t.cast("Collected", tap.message_writer).messages

    emitted: list[int] = []
    bookmarks: list[tuple[str | None, int]] = []  # (bookmark, records out when it was written)
    for message in messages:
        if message["type"] == "RECORD":
            emitted.append(message["record"]["id"])
        elif message["type"] == "STATE":
            bookmarks.append((message["value"]["bookmarks"]["items"].get("replication_key_value"), len(emitted)))
    assert emitted == [1, 2, 3, 4]
    # A day is bookmarked only once all its records are out, and as soon as they are.
    assert all(b is None or (b == "2026-01-01" and n >= 2) or (b == "2026-01-02" and n == 4) for b, n in bookmarks), (
        bookmarks
    )
    assert ("2026-01-01", 2) in bookmarks
    assert bookmarks[-1] == ("2026-01-02", 4)
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    assert records[0] == {"id": 1, "day": "2026-01-01", "note": "n1", "amount": 1.5}


def test_a_window_read_again_never_moves_the_bookmark_back(http_script) -> None:
    url, script = http_script
    script.default = page(7, day="2026-01-01")
    state = {"bookmarks": {"items": {"replication_key": "day", "replication_key_value": "2026-01-05"}}}
    tap = make_tap(url, days=["2026-01-01"], state=state)
    tap.sync_all()
    states = [m["value"] for m in t.cast("Collected", tap.message_writer).messages if m["type"] == "STATE"]
    assert states[-1]["bookmarks"]["items"]["replication_key_value"] == "2026-01-05"


class ShopItemsStream(ItemsStream):
    """Acme's items per shop: one state partition per shop, bookmarked by day."""

    SHOPS = ("a", "b")
    state_partitioning_keys = ("shop",)

    @property
    def partitions(self) -> list[dict[str, t.Any]]:
        return [{"shop": shop} for shop in self.SHOPS]

    def get_records(self, context: t.Any) -> t.Iterator[dict[str, t.Any]]:
        for day in self.config.get("days") or []:
            yield from self.request_records({"day": day, "shop": context["shop"]})
            self.complete_window(day, context=context)


class ShopTap(AcmeTap):
    def discover_streams(self) -> list[t.Any]:
        return [ShopItemsStream(self)]


def shop_partitions(state: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    return {p["context"]["shop"]: p for p in state["bookmarks"]["items"]["partitions"]}


def test_a_partition_stopped_inside_keeps_the_bookmark_of_its_last_complete_window(http_script, caplog) -> None:
    url, script = http_script
    days = ["2026-01-01", "2026-01-02", "2026-01-03"]
    script.answers = [
        *(page(n, day=day) for n, day in enumerate(days, start=1)),  # shop a: complete
        page(11, day=days[0]),
        page(12, day=days[1]),
        Answer(400, {"error": "no such day"}),  # shop b stops inside its third day
    ]
    tap = ShopTap(
        config={"api_url": url, "api_token": SECRET, "days": days, "max_tries": 1},
        message_writer=Collected(),
    )
    with caplog.at_level(logging.WARNING), pytest.raises(FatalAPIError, match="400"):
        tap.sync_all()

    states = t.cast("Collected", tap.message_writer).of("STATE")
    partitions = shop_partitions(states[-1]["value"])
    # Real bookmarks, not progress markers the next run would discard.
    assert partitions["a"]["replication_key_value"] == "2026-01-03"
    assert partitions["b"]["replication_key_value"] == "2026-01-02"
    assert all(p["replication_key"] == "day" and "progress_markers" not in p for p in partitions.values())
    assert "assumed to be unsorted" not in caplog.text

    # The next run reads the bookmark back through the SDK's own start-of-partition path.
    script.answers, script.default = [], page(13, day=days[2])
    again = ShopTap(
        config={"api_url": url, "api_token": SECRET, "days": days[2:], "max_tries": 1},
        state=states[-1]["value"],
        message_writer=Collected(),
    )
    caplog.clear()
    with caplog.at_level(logging.INFO):
        again.sync_all()
    assert "Starting incremental sync of 'items' with bookmark value: 2026-01-02" in caplog.text
    final = shop_partitions(t.cast("Collected", again.message_writer).of("STATE")[-1]["value"])
    assert {shop: p["replication_key_value"] for shop, p in final.items()} == {"a": "2026-01-03", "b": "2026-01-03"}
    assert all(set(p) == {"context", "replication_key", "replication_key_value"} for p in final.values())


def test_write_state_now_emits_state_before_any_record(http_script) -> None:
    url, _ = http_script
    tap = make_tap(url)
    stream = items_stream(tap)
    stream.get_context_state(None)["pending"] = ["job-42"]
    stream.write_state_now()
    stream.write_state_now()  # an unchanged state is not written twice

    states = t.cast("Collected", tap.message_writer).of("STATE")
    assert [s["value"]["bookmarks"]["items"] for s in states] == [{"pending": ["job-42"]}]


def test_a_corrupt_or_cut_answer_is_retried_like_a_5xx_and_named_when_tries_run_out(http_script) -> None:
    url, script = http_script
    script.answers = [Answer(body=b'<"items": []}'), Answer(body=b'{"items": [{"id": 1'), page(1)]
    stream = items_stream(make_tap(url))
    assert [r["id"] for r in stream.request_records({"day": "2026-01-01"})] == [1]
    assert len(script.seen) == 3

    script.answers = [Answer(body=b"")] * 3
    with pytest.raises(RetriesExhaustedError) as error:
        list(stream.request_records({"day": "2026-01-02"}))
    assert str(error.value).startswith(
        f"Acme answered 200 to GET {url}/items?day=2026-01-02 with a body that is not valid JSON (cut off or corrupted"
    )
    assert str(error.value).endswith("(gave up after 3 tries)")


def test_a_corrupt_answer_to_a_post_fails_unless_the_post_only_reads(http_script) -> None:
    url, script = http_script
    stream = items_stream(make_tap(url))
    stream.http_method = "POST"
    script.answers = [Answer(body=b'{"items": [')]
    with pytest.raises(FatalAPIError, match="; not retried, the request may have taken effect"):
        list(stream.request_records({"day": "2026-01-01"}))
    assert len(script.seen) == 1

    stream.idempotent_post = True  # e.g. a search
    script.answers = [Answer(body=b'{"items": ['), page(2)]
    assert [r["id"] for r in stream.request_records({"day": "2026-01-01"})] == [2]
