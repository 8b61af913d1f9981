"""Offset paging over streamed pages, driven by the vendor's ``total``."""

from __future__ import annotations

import logging
import typing as t
import weakref

from singer_sdk.pagination import BaseAPIPaginator

from vendor_http.errors import ExplainedError, body_failure_reason, request_of
from vendor_http.json_stream import MAX_ITEM_BYTES, StreamedJsonPage

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

    from vendor_http.rate_budget import RateBudget
    from vendor_http.retry import RetryPolicy

logger = logging.getLogger(__name__)


class BrokenResponseError(RuntimeError, ExplainedError):
    """The vendor's response bodies kept breaking off; the run cannot go on."""


class StreamedPages:
    """Parses each response as a :class:`StreamedJsonPage` and remembers it.

    The stream's ``parse_response`` iterates :meth:`items`; the paginator later
    looks up the same page with :meth:`page` to learn how far it got.
    """

    def __init__(self, *, items_key: str = "items", max_item_bytes: int = MAX_ITEM_BYTES) -> None:
        """Read the array under ``items_key`` of each response; one item at most ``max_item_bytes``."""
        self.items_key = items_key
        self.max_item_bytes = max_item_bytes
        self._pages: weakref.WeakKeyDictionary[requests.Response, StreamedJsonPage] = weakref.WeakKeyDictionary()

    def items(self, response: requests.Response) -> Iterator[dict[str, t.Any]]:
        """Yield the items of ``response`` as they arrive."""
        page = StreamedJsonPage(response, items_key=self.items_key, max_item_bytes=self.max_item_bytes)
        self._pages[response] = page
        return iter(page)

    def page(self, response: requests.Response) -> StreamedJsonPage:
        """The page read from ``response``."""
        return self._pages[response]


class PageOffset(t.NamedTuple):
    """The paginator's token: the offset to ask for, and how often in a row a body broke there.

    A tuple, not a bare offset, so that asking again at the same offset after a broken
    body is a new token (the SDK stops at a repeated or empty token).
    """

    offset: int
    broken: int = 0


class TotalOffsetPaginator(BaseAPIPaginator[PageOffset]):
    """``offset``/``limit`` paging that stops when ``total`` is reached.

    - The next offset is the current one plus the items actually read, so a page
      whose body broke off after N items resumes at N instead of repeating them.
    - Paging stops as soon as ``offset + read >= total``: no extra empty request.
    - A broken body is retried after a backoff (on the shared budget, without
      sleeping here) at most ``max_tries`` times in a row, then the run fails.

    Only the SDK's public paginator hooks are used (``has_more``, ``get_next``,
    ``continue_if_empty``); the token is a :class:`PageOffset`.
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
        super().__init__(PageOffset(start_value))
        self.page_size = page_size
        self._pages = pages
        self._policy = policy
        self._budget = budget
        self._describe = describe
        self._total_key = total_key
        self._next: tuple[requests.Response, PageOffset | None] | None = None
        #: The vendor's total, once a complete page has reported it.
        self.total: int | None = None

    def next_offset(self, response: requests.Response) -> PageOffset | None:
        """Where to ask next after ``response``, or ``None`` when paging is done (decided once per response)."""
        if self._next is not None and self._next[0] is response:
            return self._next[1]
        page = self._pages.page(response)
        current = self.current_value
        offset = current.offset + page.count
        token: PageOffset | None
        if not page.complete:
            broken = current.broken + 1
            if broken >= self._policy.max_tries:
                request = f" of {request_of(response)}" if response.request is not None else ""
                msg = (
                    f"{self._describe}: the response body broke off "
                    f"{broken} times in a row (last at offset "
                    f"{offset}{request}: {body_failure_reason(page.error)}); giving up"
                )
                raise BrokenResponseError(msg)
            wait = self._policy.backoff(broken)
            logger.warning(
                "%s: the response body broke off after %d items (%s); asking again from offset %d in %.1fs",
                self._describe,
                page.count,
                type(page.error).__name__,
                offset,
                wait,
            )
            self._budget.pause_for(wait)
            token = PageOffset(offset, broken)
        else:
            total = page.top_level_int(self._total_key)
            if total is None:
                # No total to trust: a short page is the last one.
                finished = page.count < self.page_size
            else:
                self.total = total
                finished = offset >= total or page.count == 0
            token = None if finished else PageOffset(offset)
        self._next = (response, token)
        return token

    def has_more(self, response: requests.Response) -> bool:
        """Whether another request follows ``response``; see the class docstring."""
        return self.next_offset(response) is not None

    def get_next(self, response: requests.Response) -> PageOffset | None:
        """The token of the next request."""
        return self.next_offset(response)

    def continue_if_empty(self, response: requests.Response) -> bool:
        """A broken page may have yielded nothing; it is still worth a retry."""
        return not self._pages.page(response).complete
