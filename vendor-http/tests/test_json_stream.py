"""StreamedJsonPage against a real local server: items as they arrive, and where a body broke."""

from __future__ import annotations

import json

import requests
from http_script import Answer

from vendor_http import StreamedJsonPage

ITEMS = [{"id": n, "price": n + 0.5, "tags": ["a", "b"], "nested": {"k": n}} for n in range(5)]


def fetch(url: str, **kwargs: object) -> StreamedJsonPage:
    return StreamedJsonPage(requests.get(f"{url}/page", stream=True, timeout=5), **kwargs)  # type: ignore[arg-type]


def test_items_are_read_whole_with_the_total_after_them(http_script) -> None:
    url, script = http_script
    script.answers = [Answer(body={"items": ITEMS, "total": 42})]
    page = fetch(url)

    got = list(page)
    assert got == ITEMS
    assert type(got[0]["id"]) is int and type(got[0]["price"]) is float  # no Decimal
    assert page.complete and page.error is None and page.count == 5
    assert page.top_level_int("total") == 42
    assert page.top_level_int("missing") is None


def test_a_total_before_the_items_and_another_items_key_are_read(http_script) -> None:
    url, script = http_script
    body = b'{"total": 7, "offset": 0, "rows": ' + json.dumps(ITEMS[:2]).encode() + b"}"
    script.answers = [Answer(body=body)]
    page = fetch(url, items_key="rows")

    assert [item["id"] for item in page] == [0, 1]
    assert page.top_level_int("total") == 7


def test_a_body_cut_off_midway_yields_the_complete_items_and_says_where_it_broke(http_script) -> None:
    url, script = http_script
    body = json.dumps({"items": ITEMS, "total": 5}).encode()
    third = body.index(b'{"id": 3')  # the body breaks inside the fourth item
    script.answers = [Answer(body=body, cut_after=third + 10)]
    page = fetch(url)

    got = list(page)  # never raises

    assert ITEMS[: len(got)] == got and len(got) <= 3  # only complete items, none repeated or partial
    assert page.count == len(got)
    assert not page.complete
    assert page.error is not None
    assert page.top_level_int("total") is None  # not trusted from a broken page


def test_a_body_that_turns_malformed_is_a_broken_page_not_an_exception(http_script) -> None:
    url, script = http_script
    body = b'{"items": [' + json.dumps(ITEMS[0]).encode() + b", " + json.dumps(ITEMS[1]).encode() + b", {oops}]}"
    script.answers = [Answer(body=body)]
    page = fetch(url)

    assert [item["id"] for item in page] == [0, 1]
    assert not page.complete
    assert "JSON" in type(page.error).__name__ or "json" in type(page.error).__module__


def test_a_gzipped_body_is_decoded(http_script) -> None:
    url, script = http_script
    script.answers = [Answer(body={"items": ITEMS, "total": 5}, gzip=True)]
    page = fetch(url)

    assert list(page) == ITEMS
    assert page.complete
