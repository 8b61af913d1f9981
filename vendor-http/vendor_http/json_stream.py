"""Read the records of a big JSON response incrementally, in flat memory.

A page of 100,000 sessions is ~100 MB of JSON; holding it, and the Python objects
made from it, costs about a gigabyte. :class:`StreamedJsonPage` parses the items
array with ijson (its C backend) as the bytes arrive, so memory stays at one item
plus one read buffer, and remembers how far it got: if the body breaks off or turns
malformed midway, the items already yielded are complete and valid, and the caller
can ask the vendor for the rest instead of repeating the page.

One item may not grow beyond ``max_item_bytes`` (default :data:`MAX_ITEM_BYTES`): the
parser's cost grows with the square of a single value's length (a 200 MB unterminated
string took minutes of CPU), so a page whose next item has not ended after that many
bytes stops at once with :class:`~vendor_http.ResponseTooLargeError`, naming the request;
it is not asked for again (the same answer would come back).
"""

from __future__ import annotations

import gc
import re
import typing as t

import ijson
import requests
import urllib3.exceptions

from vendor_http.redaction import redact_url
from vendor_http.transport import ResponseTooLargeError

if t.TYPE_CHECKING:
    from collections.abc import Iterator

#: Failures that mean "the body did not arrive whole": worth asking again.
BODY_ERRORS: tuple[type[BaseException], ...] = (
    ijson.JSONError,
    urllib3.exceptions.HTTPError,  # ProtocolError, IncompleteRead, ReadTimeoutError...
    requests.exceptions.RequestException,
    ConnectionError,
    TimeoutError,
)

#: Largest single item of a streamed page (a Rick.ai session is about 1 KB; parsing one
#: value of this size costs about 0.2 s of CPU, and four times that at twice the size).
MAX_ITEM_BYTES = 8 * 2**20

_EDGE_BYTES = 64 * 1024
#: ijson yields a buffer's items only after reading the next one, so after a break
#: up to one buffer of items is asked for again: keep buffers modest.
_READ_SIZE = 64 * 1024


class _EdgeKeepingReader:
    """File-like wrapper that remembers the first and last bytes it passed on, and bounds an item."""

    def __init__(self, raw: t.Any, response: requests.Response, max_item_bytes: int) -> None:
        self._raw = raw
        self._response = response
        self._max_item_bytes = max_item_bytes
        self.head = b""
        self.tail = b""
        self.total = 0
        #: ``total`` when the last item was complete.
        self.mark = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if len(self.head) < _EDGE_BYTES:
            self.head += chunk[: _EDGE_BYTES - len(self.head)]
        self.tail = (self.tail + chunk)[-_EDGE_BYTES:]
        self.total += len(chunk)
        if self.total - self.mark > self._max_item_bytes:
            request = self._response.request
            method = request.method if request is not None else "GET"
            msg = (
                f"{method} {redact_url(self._response.url)}: one item of the answer is larger than "
                f"{self._max_item_bytes / 2**20:g} MiB (stopped after {self.total:,} bytes); a record this big is "
                "not what the API documents (or the answer is corrupt), so it is not read, nor asked for again"
            )
            raise ResponseTooLargeError(msg)
        return chunk


class StreamedJsonPage:
    """The items of one JSON object response, parsed as they arrive.

    Iterate it once to get the items (dicts with ``float`` for JSON fractions and
    ``int`` for integers). Afterwards ``count`` is the number of items yielded,
    ``complete`` tells whether the whole document was read and parsed, ``error``
    holds what broke it otherwise, and :meth:`top_level_int` reads integer fields
    that sit beside the items array (like ``total``).
    """

    def __init__(
        self, response: requests.Response, *, items_key: str = "items", max_item_bytes: int = MAX_ITEM_BYTES
    ) -> None:
        """Prepare to read ``response`` (sent with ``stream=True``)."""
        self.response = response
        self.items_key = items_key
        self.count = 0
        self.complete = False
        self.error: BaseException | None = None
        self._reader = _EdgeKeepingReader(response.raw, response, max_item_bytes)

    def __iter__(self) -> Iterator[dict[str, t.Any]]:
        """Yield items until the document ends or breaks; never raises body errors."""
        raw = self.response.raw
        if raw is not None and hasattr(raw, "decode_content"):
            raw.decode_content = True  # undo gzip/deflate transparently
        # Parsing allocates millions of short-lived, acyclic containers that
        # reference counting frees; the cyclic collector's young-generation passes
        # over them cost ~20% of a big page, so it is paused while the page streams.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for item in ijson.items(self._reader, f"{self.items_key}.item", use_float=True, buf_size=_READ_SIZE):
                self.count += 1
                self._reader.mark = self._reader.total
                yield item
            self.complete = True
        except BODY_ERRORS as exc:
            self.error = exc
        finally:
            if collecting:
                gc.enable()
            self.response.close()

    def top_level_int(self, key: str) -> int | None:
        """An integer field of the top-level object, read without a second parse.

        Only meaningful once ``complete``. The field is looked for after the items
        array (the order vendors document) or, failing that, before it.
        """
        if not self.complete:
            return None
        pattern = re.compile(rb'"' + re.escape(key.encode()) + rb'"\s*:\s*(-?\d+)\s*[,}]')
        tail = self._reader.tail
        closing = tail.rfind(b"]")
        after_items = tail[closing + 1 :] if closing >= 0 else b""
        if match := pattern.search(after_items):
            return int(match.group(1))
        head = self._reader.head
        opening = head.find(b'"' + self.items_key.encode() + b'"')
        before_items = head[:opening] if opening >= 0 else b""
        if match := pattern.search(before_items):
            return int(match.group(1))
        return None
