"""Offset paging over streamed pages, driven by the vendor's ``total``."""

from __future__ import annotations

import logging
import typing as t
import weakref

from singer_sdk.pagination import OffsetPaginator

from vendor_http.json_stream import StreamedJsonPage

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

    from vendor_http.rate_budget import RateBudget
    from vendor_http.retry import RetryPolicy

logger = logging.getLogger(__name__)


class BrokenResponseError(RuntimeError):
    """The vendor's response bodies kept breaking off; the run cannot go on."""


class StreamedPages:
    """Parses each response as a :class:`StreamedJsonPage` and remembers it.

    The stream's ``parse_response`` iterates :meth:`items`; the paginator later
    looks up the same page with :meth:`page` to learn how far it got.
    """

    def __init__(self, *, items_key: str = "items") -> None:
        """Read the array under ``items_key`` of each response."""
        self.items_key = items_key
        self._pages: weakref.WeakKeyDictionary[requests.Response, StreamedJsonPage] = weakref.WeakKeyDictionary()

    def items(self, response: requests.Response) -> Iterator[dict[str, t.Any]]:
        """Yield the items of ``response`` as they arrive."""
        page = StreamedJsonPage(response, items_key=self.items_key)
        self._pages[response] = page
        return iter(page)

    def page(self, response: requests.Response) -> StreamedJsonPage:
        """The page read from ``response``."""
        return self._pages[response]


class TotalOffsetPaginator(OffsetPaginator):
    """``offset``/``limit`` paging that stops when ``total`` is reached.

    - The next offset is the current one plus the items actually read, so a page
      whose body broke off after N items resumes at N instead of repeating them.
    - Paging stops as soon as ``offset + read >= total``: no extra empty request.
    - A broken body is retried after a backoff (on the shared budget, without
      sleeping here) at most ``max_tries`` times in a row, then the run fails.
    """

    def __init__(
        self,
        *,
        pages: StreamedPages,
        page_size: int,
        policy: RetryPolicy,
        budget: RateBudget,
        describe: str = "the vendor",
        total_key: str = "total",
        start_value: int = 0,
    ) -> None:
        """Page through ``pages`` with ``page_size`` items per request."""
        super().__init__(start_value, page_size)
        self._pages = pages
        self._policy = policy
        self._budget = budget
        self._describe = describe
        self._total_key = total_key
        self._broken_in_a_row = 0
        #: The vendor's total, once a complete page has reported it.
        self.total: int | None = None

    def advance(self, response: requests.Response) -> None:
        """Move to the next offset, or finish; see the class docstring."""
        page = self._pages.page(response)
        next_offset = self.current_value + page.count
        if not page.complete:
            self._broken_in_a_row += 1
            if self._broken_in_a_row >= self._policy.max_tries:
                msg = (
                    f"{self._describe}: the response body broke off "
                    f"{self._broken_in_a_row} times in a row (last at offset "
                    f"{next_offset}: {page.error!r}); giving up"
                )
                raise BrokenResponseError(msg)
            wait = self._policy.backoff(self._broken_in_a_row)
            logger.warning(
                "%s: the response body broke off after %d items (%s); asking again from offset %d in %.1fs",
                self._describe,
                page.count,
                type(page.error).__name__,
                next_offset,
                wait,
            )
            self._budget.pause_for(wait)
            self._value = next_offset
            return
        self._broken_in_a_row = 0
        total = page.top_level_int(self._total_key)
        if total is None:
            # No total to trust: a short page is the last one.
            self._finished = page.count < self.page_size
        else:
            self.total = total
            self._finished = next_offset >= total or page.count == 0
        self._value = next_offset

    def continue_if_empty(self, response: requests.Response) -> bool:
        """A broken page may have yielded nothing; it is still worth a retry."""
        return not self._pages.page(response).complete
