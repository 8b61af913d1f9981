"""The full-table streams: the account's sites and their segments."""

from __future__ import annotations

import typing as t

from singer_sdk.pagination import PageNumberPaginator

from tap_kameleoon import schemas
from tap_kameleoon.audiences import utc_timestamp
from tap_kameleoon.client import (
    MAX_SEGMENTS_PAGE_SIZE,
    SITES_PAGE_PARAMETER,
    KameleoonStream,
    segments_search_body,
)
from vendor_http import RecordValidationError

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from singer_sdk.helpers.types import Context
    from singer_sdk.streams.rest import HTTPRequest, PageContext


class _ValidatedArray(KameleoonStream):
    """A stream whose answer is a JSON array of records, each checked against the schema."""

    #: Validate against the whole schema instead of the selected part (records the tap uses itself).
    keep_whole_records: bool = False

    def parse_response(self, response: requests.Response) -> Iterable[dict[str, t.Any]]:
        """Each item, validated, its timestamps in UTC with ``Z``; a bad one is named by its position and id."""
        items = response.json()
        if not isinstance(items, list):
            msg = f"Kameleoon answered {self.path} with a {type(items).__name__}, expected a JSON array"
            raise RecordValidationError(self.name, msg)
        timestamps = [name for name, spec in self.schema["properties"].items() if spec.get("format") == "date-time"]
        for index, item in enumerate(items):
            try:
                record = self.validate_record(item, whole=self.keep_whole_records)
            except RecordValidationError as exc:
                raise exc.at(f"item #{index}, id={item.get('id') if isinstance(item, dict) else None!r}") from None
            yield record | {name: utc_timestamp(record[name]) for name in timestamps if name in record}


class _PagesByHeaders(PageNumberPaginator):
    """Page 1 only, unless the answer's ``X-Pagination-*`` headers name further pages."""

    def __init__(self) -> None:
        super().__init__(start_value=1)

    def has_more(self, response: requests.Response) -> bool:
        try:
            current = int(response.headers["X-Pagination-Current-Page"])
            count = int(response.headers["X-Pagination-Page-Count"])
        except (KeyError, ValueError):
            return False
        return current < count


class SitesStream(_ValidatedArray):
    """``GET /sites``: every site the credentials can see (numeric id and code)."""

    name = "sites"
    path = "/sites"
    # Kameleoon's numeric site id is unique per site.
    primary_keys = ("id",)
    replication_key = None
    schema = schemas.SITES
    # The tap keeps the whole answer (it needs id and code whatever is selected).
    keep_whole_records = True

    def get_new_paginator(self) -> _PagesByHeaders:
        """One answer, or the pages its headers name (see ``SITES_PAGE_PARAMETER``)."""
        return _PagesByHeaders()

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        """``GET /sites``, with ``?page=N`` from the second page on."""
        request = super().get_http_request(page=page)
        if page.next_page_token and page.next_page_token > 1:
            request.params = {**(request.params or {}), SITES_PAGE_PARAMETER: page.next_page_token}
        return request

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """The tap's one ``GET /sites`` of the run, pruned to what the catalog selects."""
        for site in self.vendor_tap.sites:  # type: ignore[attr-defined]
            yield self.validate_record(site)


class _SegmentPages(PageNumberPaginator):
    """Pages 1, 2, … until a page holds fewer segments than asked for."""

    def __init__(self, page_size: int) -> None:
        super().__init__(start_value=1)
        self.page_size = page_size

    def has_more(self, response: requests.Response) -> bool:
        return len(response.json()) >= self.page_size


class SegmentsStream(_ValidatedArray):
    """``POST /segments/search``: the segments of the selected sites, to name ``segmentId``s."""

    name = "segments"
    path = "/segments/search"
    http_method = "POST"
    # Kameleoon's segment id is unique across sites.
    primary_keys = ("id",)
    replication_key = None
    schema = schemas.SEGMENTS

    @property
    def page_size(self) -> int:
        """Segments per page (``perPage``)."""
        return int(self.config.get("segments_page_size", MAX_SEGMENTS_PAGE_SIZE))

    def get_new_paginator(self) -> _SegmentPages:
        """Page numbers from 1."""
        return _SegmentPages(self.page_size)

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        """The documented body ``{filter, page, perPage, sort}``, filtered to the selected sites."""
        request = super().get_http_request(page=page)
        site_ids = [site["id"] for site in self.vendor_tap.selected_sites()]  # type: ignore[attr-defined]
        request.data = segments_search_body(site_ids, page.next_page_token or 1, self.page_size)
        return request
