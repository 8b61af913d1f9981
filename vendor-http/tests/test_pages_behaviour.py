"""Streamed pages and offset paging at their edges; the one-line failure text (issue 20)."""

from __future__ import annotations

import gc
import io
import logging

import pytest
import requests
from http_script import Answer, Script
from singer_sdk.exceptions import ConfigValidationError

from vendor_http import (
    ExplainedError,
    PageOffset,
    RateBudget,
    RetryPolicy,
    StreamedJsonPage,
    StreamedPages,
    TotalOffsetPaginator,
    failure_message,
)


def fetch(url: str, script: Script, body: bytes | dict, **kwargs: object) -> StreamedJsonPage:
    script.answers = [Answer(body=body)]
    return StreamedJsonPage(requests.get(f"{url}/page", stream=True, timeout=5), **kwargs)  # type: ignore[arg-type]


# StreamedJsonPage


def test_a_page_is_incomplete_until_read_and_collection_resumes_after(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    page = fetch(url, script, {"items": [{"id": 1}]})
    assert page.complete is False
    assert page.top_level_int("total") is None  # nothing to trust yet
    assert gc.isenabled()
    assert list(page) == [{"id": 1}]
    assert page.complete is True
    assert gc.isenabled()  # paused only while the page streams


class SmallReads:
    """A bare file-like body: small reads, and no room for extra attributes."""

    __slots__ = ("data", "reads")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        n = 1000 if size < 0 else min(size, 1000)
        chunk, self.data = self.data[:n], self.data[n:]
        return chunk

    def close(self) -> None:
        self.data = b""


def page_of(data: bytes, **kwargs: object) -> StreamedJsonPage:
    response = requests.Response()
    response.raw = SmallReads(data)
    return StreamedJsonPage(response, **kwargs)  # type: ignore[arg-type]


def test_any_file_like_body_is_read() -> None:
    page = page_of(b'{"items": [{"id": 1}], "total": 1}')
    assert list(page) == [{"id": 1}]
    assert page.top_level_int("total") == 1


def test_only_the_first_64_kib_are_searched_for_a_total_before_the_items() -> None:
    # A total before the items is found while the items key starts within the first 64 KiB...
    def body(items_at: int) -> bytes:
        start = b'{"total": 7, "pad": "'
        pad = b"x" * (items_at - len(start) - len(b'", '))
        return start + pad + b'", "items": [{"id": 1}]}'

    edge = body(64 * 1024 - len(b'"items"'))
    assert edge.index(b'"items"') + len(b'"items"') == 64 * 1024
    page = page_of(edge)
    assert list(page) == [{"id": 1}]
    assert page.top_level_int("total") == 7
    # ...and not beyond: the head kept for it is bounded.
    beyond = page_of(body(64 * 1024 + 10))
    assert list(beyond) == [{"id": 1}]
    assert beyond.top_level_int("total") is None


def test_a_document_without_any_array_has_no_total_to_trust() -> None:
    page = page_of(b'{"total": 5, "rows": {}}')
    assert list(page) == []
    assert page.complete
    assert page.top_level_int("total") is None


def test_a_body_without_a_transport_is_read_as_it_is() -> None:
    response = requests.Response()
    response.raw = io.BytesIO(b'{"items": [{"id": 1}, {"id": 2}], "total": 2}')
    page = StreamedJsonPage(response)
    assert [item["id"] for item in page] == [1, 2]
    assert page.top_level_int("total") == 2


def test_a_total_inside_an_item_is_not_the_pages_total(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    body = b'{"items": [{"tags": ["a"], "total": 3}, {"total": 4, "tags": []}], "total": 42}'
    page = fetch(url, script, body)
    list(page)
    assert page.top_level_int("total") == 42


def test_only_a_top_level_total_counts(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    page = fetch(url, script, b'{"items": [{"total": 99, "items": []}]}')
    list(page)
    assert page.top_level_int("total") is None


def test_a_document_without_the_items_array_has_no_total_to_trust(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    page = fetch(url, script, b'{"total": 5, "rows": []}')
    assert list(page) == []
    assert page.complete
    assert page.top_level_int("total") is None


def test_a_total_after_a_long_items_array_is_found_at_the_edge_of_what_is_kept(
    http_script: tuple[str, Script],
) -> None:
    # The last 64 KiB are kept; here they begin exactly at the items array's closing bracket.
    url, script = http_script
    tail = b', "total": 7}'
    padding = b', "pad": "' + b"x" * (64 * 1024 - 1 - len(tail) - len(b', "pad": "') - 1) + b'"'
    body = b'{"items": [' + b", ".join(b'{"id": %d}' % n for n in range(7)) + b"]" + padding + tail
    assert len(body[body.rindex(b"]") :]) == 64 * 1024
    page = fetch(url, script, body)
    assert len(list(page)) == 7
    assert page.top_level_int("total") == 7


# TotalOffsetPaginator


def paginator(pages: StreamedPages, budget: RateBudget | None = None, **options: object) -> TotalOffsetPaginator:
    return TotalOffsetPaginator(
        pages=pages,
        page_size=3,
        policy=RetryPolicy(max_tries=3, backoff_initial_seconds=0.01, jitter=0.0),
        budget=budget or RateBudget(),
        **options,  # type: ignore[arg-type]
    )


def read(url: str, script: Script, pages: StreamedPages, body: bytes | dict) -> requests.Response:
    script.answers = [Answer(body=body)]
    response = requests.get(f"{url}/items", stream=True, timeout=5)
    list(pages.items(response))
    return response


def test_pages_read_their_own_items_key(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    pages = StreamedPages(items_key="rows")
    response = read(url, script, pages, {"rows": [{"id": 1}], "items": [{"id": 9}, {"id": 8}]})
    assert pages.page(response).count == 1


def test_a_page_with_items_below_the_total_is_not_the_last(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    pages = StreamedPages()
    paging = paginator(pages)
    assert paging.total is None
    response = read(url, script, pages, {"items": [{"id": 0}], "total": 10})
    assert paging.has_more(response)
    assert paging.get_next(response) == PageOffset(1)
    assert paging.total == 10


def test_an_empty_page_ends_paging_whatever_the_total_says(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    pages = StreamedPages()
    paging = paginator(pages)
    response = read(url, script, pages, {"items": [], "total": 10})
    assert not paging.has_more(response)


def test_a_broken_body_is_decided_once_however_often_it_is_asked(
    http_script: tuple[str, Script], caplog: pytest.LogCaptureFixture
) -> None:
    url, script = http_script
    pages = StreamedPages()
    paging = paginator(pages)
    response = read(url, script, pages, b'{"items": [{"id": 0}, {"id"')
    with caplog.at_level(logging.WARNING, logger="vendor_http.paging"):
        assert paging.has_more(response)
        assert paging.get_next(response) == PageOffset(1, 1)
        assert paging.continue_if_empty(response)
    assert [r.getMessage() for r in caplog.records if r.name == "vendor_http.paging"] == [
        "the vendor: the response body broke off after 1 items (IncompleteJSONError); "
        "asking again from offset 1 in 0.0s"
    ]


# The one-line failure


def test_an_explained_failure_is_one_redacted_line() -> None:
    assert failure_message(ExplainedError("first line\n   second line  \n")) == "first line second line"
    assert failure_message(ExplainedError()) == "ExplainedError"
    assert failure_message(ConfigValidationError("Config validation failed", errors=["a", "b"])) == (
        "invalid settings: a; b"
    )
    assert failure_message(ConfigValidationError("no details")) == "invalid settings: no details"
