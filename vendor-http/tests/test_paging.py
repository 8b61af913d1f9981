"""TotalOffsetPaginator over streamed pages from a real local server, driven as the SDK drives it.

What is checked: the next offset is the items actually read; paging stops at ``total``
(or at a short page when there is none) without an extra request; a broken body is
asked again from where it broke, after a backoff on the shared budget, also when it
broke before its first item (a repeated offset the SDK would otherwise take for a
loop or the end), and the run fails after ``max_tries`` broken bodies in a row.
"""

from __future__ import annotations

import json
import logging
import time

import pytest
import requests
from http_script import Answer, Seen

from vendor_http import BrokenResponseError, PageOffset, RateBudget, RetryPolicy, StreamedPages, TotalOffsetPaginator


def items(first: int, count: int) -> list[dict[str, int]]:
    return [{"id": n} for n in range(first, first + count)]


def paginator(pages: StreamedPages, *, page_size: int = 3, max_tries: int = 3) -> TotalOffsetPaginator:
    return TotalOffsetPaginator(
        pages=pages,
        page_size=page_size,
        policy=RetryPolicy(max_tries=max_tries, backoff_initial_seconds=0.2, jitter=0.0),
        budget=RateBudget(),
        describe="Acme items",
    )


def walk(url: str, paging: TotalOffsetPaginator, pages: StreamedPages) -> list[int]:
    """The SDK's request loop (``RESTStream.request_records``), reduced to what paging sees."""
    seen: list[int] = []
    while not paging.finished:
        token = paging.current_value
        response = requests.get(f"{url}/items", params={"offset": token.offset}, stream=True, timeout=5)
        got = [item["id"] for item in pages.items(response)]
        seen.extend(got)
        if not got and not paging.continue_if_empty(response):
            break
        paging.advance(response)
    return seen


def test_offsets_follow_the_items_read_and_stop_at_the_total(http_script) -> None:
    url, script = http_script
    script.answers = [Answer(body={"items": items(n, min(3, 7 - n)), "total": 7}) for n in (0, 3, 6)]
    pages = StreamedPages()
    paging = paginator(pages)

    assert walk(url, paging, pages) == list(range(7))
    assert [s.query["offset"] for s in script.seen] == ["0", "3", "6"]  # no extra empty request
    assert paging.total == 7
    assert paging.current_value == PageOffset(6)


def test_without_a_total_a_short_page_is_the_last(http_script) -> None:
    url, script = http_script
    script.answers = [Answer(body={"items": items(0, 3)}), Answer(body={"items": items(3, 1)})]
    pages = StreamedPages()

    assert walk(url, paginator(pages), pages) == [0, 1, 2, 3]
    assert len(script.seen) == 2


def test_a_broken_body_is_asked_again_from_where_it_broke_after_a_backoff(http_script, caplog) -> None:
    url, script = http_script
    total = 20_000  # ~280 kB: several read buffers, so items arrive before the break

    def answer(request: Seen) -> Answer:
        offset = int(request.query["offset"])
        body = json.dumps({"items": items(offset, total - offset), "total": total}).encode()
        return Answer(body=body, cut_after=len(body) // 2 if offset == 0 else None)

    script.default = answer
    pages = StreamedPages()
    paging = paginator(pages, page_size=total)

    with caplog.at_level(logging.WARNING):
        seen = walk(url, paging, pages)

    assert seen == list(range(total))  # nothing repeated, nothing lost
    resumed_at = int(script.seen[1].query["offset"])
    assert [s.query["offset"] for s in script.seen] == ["0", str(resumed_at)]
    assert 0 < resumed_at < total // 2  # the rest of the page, not the page again
    assert f"Acme items: the response body broke off after {resumed_at} items" in caplog.text
    assert f"asking again from offset {resumed_at} in 0.2s" in caplog.text


def test_a_body_broken_before_its_first_item_is_asked_again_at_the_same_offset(http_script) -> None:
    url, script = http_script
    broken = Answer(body=b'{"items": [{"id"')  # no item complete: the same offset again
    script.answers = [broken, broken, Answer(body={"items": items(0, 2), "total": 2})]
    pages = StreamedPages()
    paging = TotalOffsetPaginator(
        pages=pages,
        page_size=3,
        policy=RetryPolicy(max_tries=3, backoff_initial_seconds=0.01, jitter=0.0),
        budget=RateBudget(),
    )

    assert walk(url, paging, pages) == [0, 1]  # neither taken for the end nor for a loop
    assert [s.query["offset"] for s in script.seen] == ["0", "0", "0"]


def test_the_budget_holds_every_request_back_after_a_broken_body(http_script) -> None:
    url, script = http_script
    script.answers = [Answer(body=b'{"items": [{"id": 0}, {"id"')]
    pages = StreamedPages()
    budget = RateBudget()
    paging = TotalOffsetPaginator(
        pages=pages, page_size=3, policy=RetryPolicy(backoff_initial_seconds=5.0, jitter=0.0), budget=budget
    )
    response = requests.get(f"{url}/items", stream=True, timeout=5)
    assert [item["id"] for item in pages.items(response)] == [0]

    paging.advance(response)

    assert paging.current_value == PageOffset(1, 1)
    assert not paging.finished
    assert budget.delay(time.monotonic()) > 4.0  # the backoff is waited on the shared budget, not here


def test_a_body_that_keeps_breaking_fails_after_max_tries(http_script) -> None:
    url, script = http_script
    script.default = Answer(body=b'{"items": [{"id": 0}, {"id"')
    pages = StreamedPages()
    paging = TotalOffsetPaginator(
        pages=pages,
        page_size=3,
        policy=RetryPolicy(max_tries=3, backoff_initial_seconds=0.01, jitter=0.0),
        budget=RateBudget(),
        describe="Acme items",
    )

    with pytest.raises(BrokenResponseError, match="Acme items: the response body broke off 3 times in a row"):
        walk(url, paging, pages)
    assert [s.query["offset"] for s in script.seen] == ["0", "1", "2"]
