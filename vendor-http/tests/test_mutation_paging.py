"""The failure that ends paging after a body broke off every try names the request and why
in plain words (kills vendor_http.paging's mutants of ``next_offset``)."""

from __future__ import annotations

import pytest
import requests
from http_script import Answer, Script

from vendor_http import BrokenResponseError, RateBudget, RetryPolicy, StreamedPages, TotalOffsetPaginator


def paginator(pages: StreamedPages) -> TotalOffsetPaginator:
    return TotalOffsetPaginator(
        pages=pages,
        page_size=3,
        policy=RetryPolicy(max_tries=2, backoff_initial_seconds=0.01, jitter=0.0),
        budget=RateBudget(),
        describe="Acme items",
    )


def walk(url: str, paging: TotalOffsetPaginator, pages: StreamedPages, *, requested: bool) -> None:
    """Ask, read and advance until paging gives up."""
    while True:
        offset = paging.current_value.offset
        response = requests.get(f"{url}/items", params={"offset": offset}, stream=True, timeout=5)
        if not requested:
            response.request = None  # type: ignore[assignment]
        list(pages.items(response))
        paging.advance(response)


def give_up(url: str, paging: TotalOffsetPaginator, pages: StreamedPages, *, requested: bool = True) -> str:
    with pytest.raises(BrokenResponseError) as info:
        walk(url, paging, pages, requested=requested)
    return str(info.value)


def test_a_body_cut_off_every_time_names_the_last_request(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(body=b'{"items": [{"id": 0}, {"id": 1}]}', cut_after=21)
    pages = StreamedPages()
    assert give_up(url, paginator(pages), pages) == (
        "Acme items: the response body broke off 2 times in a row (last at offset 0 of "
        f"GET {url}/items?offset=0: the answer broke off before its end); giving up"
    )


def test_a_body_that_is_not_json_says_so(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(body=b'{"items": [{"id": 0}, {"id"')
    pages = StreamedPages()
    message = give_up(url, paginator(pages), pages, requested=False)
    assert message.startswith("Acme items: the response body broke off 2 times in a row (last at offset 2: ")
    assert message.endswith("); giving up")
