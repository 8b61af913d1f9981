"""A total deadline per request, a bound on an answer read whole and on one item of a streamed page.

A scripted server trickles bytes well within the per-read timeout; the deadline, not the
timeout, must end the request, and the failure must name it. Elapsed times are asserted
only as far as they are the behaviour under test (the deadline), with wide margins.
"""

from __future__ import annotations

import json
import time

import pytest
from acme_plugin import SECRET
from http_script import Answer

from vendor_http import (
    DeadlineExceededError,
    RateBudget,
    Redactor,
    ResponseTooLargeError,
    RetryPolicy,
    StreamedJsonPage,
    TransportLimits,
    VendorHTTPError,
    VendorSession,
    budgeted_session,
)
from vendor_http.transport import MAX_BODY_BYTES

POLICY = RetryPolicy(max_tries=2, backoff_initial_seconds=0.01)
BODY = json.dumps({"items": [{"id": n} for n in range(20)]}).encode()  # ~250 bytes: a minute at 0.25 s a byte


def session(**limits: float) -> VendorSession:
    return VendorSession(
        vendor_name="Acme",
        budget=RateBudget(),
        policy=POLICY,
        redactor=Redactor([SECRET]),
        timeout=5,
        limits=TransportLimits(**limits),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("headers", [False, True], ids=["body", "headers"])
def test_a_trickling_answer_ends_at_the_total_deadline_and_names_the_request(http_script, headers) -> None:
    url, script = http_script
    script.default = Answer(body=BODY, trickle=0.25, trickle_headers=headers)  # each byte well within 5 s
    started = time.monotonic()
    with pytest.raises(VendorHTTPError) as error:
        session(request_deadline_seconds=1).get(f"{url}/items?token={SECRET}")
    elapsed = time.monotonic() - started

    assert len(script.seen) == 2  # a timeout: retried, then given up
    assert 2 <= elapsed < 15  # two tries of 1 s (plus a byte), not minutes
    message = str(error.value)
    assert f"GET {url}/items?token=*** took longer than its total deadline of 1 s" in message
    assert "request_deadline_seconds" in message and SECRET not in message
    assert error.value.retriable


def test_a_streamed_page_cut_by_the_deadline_is_a_broken_body(http_script) -> None:
    url, script = http_script
    script.answers = [Answer(body=BODY, trickle=0.02)]
    http = budgeted_session(RateBudget(), POLICY, limits=TransportLimits(request_deadline_seconds=1))
    page = StreamedJsonPage(http.get(f"{url}/items", stream=True, timeout=5))
    items = list(page)

    assert not page.complete and len(items) < 20  # what arrived in time is kept (the next request resumes)
    assert isinstance(page.error, DeadlineExceededError)


def test_the_deadline_is_a_setting_and_a_quick_answer_is_untouched(http_script) -> None:
    url, script = http_script
    assert TransportLimits.from_config({"request_deadline_seconds": 2}).request_deadline_seconds == 2.0
    assert TransportLimits.from_config({}) == TransportLimits(900.0, MAX_BODY_BYTES)
    script.default = Answer(body=BODY)
    assert session(request_deadline_seconds=1).get(f"{url}/items").json()["items"][19] == {"id": 19}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_answer_larger_than_the_bound_fails_at_once_naming_the_request(http_script, chunked) -> None:
    url, script = http_script
    script.default = Answer(body={"items": ["x" * 100_000] * 5}, chunked=chunked)
    with pytest.raises(VendorHTTPError) as error:
        session(max_body_bytes=200_000).get(f"{url}/items?day=1")

    assert len(script.seen) == 1  # not asked for again: the same answer would come back
    assert str(error.value).startswith(f"Acme answered GET {url}/items?day=1 with more than 0.190735 MiB (")
    assert isinstance(error.value.__cause__, ResponseTooLargeError)
    assert "not what the API documents (or it is corrupt), so it is not read, nor asked for again" in str(error.value)


def test_one_giant_value_in_a_streamed_page_stops_the_page_at_once(http_script) -> None:
    # A 24 MB string that never ends: ijson's cost grows with the square of its length.
    url, script = http_script
    script.default = Answer(body=b'{"items": [{"id": 1}, {"id": 2, "note": "' + b"x" * (24 * 2**20))
    http = budgeted_session(RateBudget(), POLICY)
    page = StreamedJsonPage(http.get(f"{url}/items?day=1", stream=True, timeout=5))
    items = []
    with pytest.raises(ResponseTooLargeError) as error:
        items.extend(page)

    assert items == [{"id": 1}]
    message = str(error.value)
    assert message.startswith(f"GET {url}/items?day=1: one item of the answer is larger than 8 MiB (stopped after ")
    assert "nor asked for again" in message
