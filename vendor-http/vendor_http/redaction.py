"""Keep secrets out of log lines, error messages and URLs.

Every plugin registers the secret values of its config (tokens, client secrets,
the access tokens it obtains) with one :class:`Redactor`; a logging filter on the
root logger and the error builders then replace them wherever they appear.
"""

from __future__ import annotations

import logging
import re
import threading
import typing as t
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if t.TYPE_CHECKING:
    from collections.abc import Iterable

MASK = "***"
_MIN_SECRET_LENGTH = 4
# Query parameters whose values are secrets by name, whatever their value.
SECRET_PARAM_NAMES = re.compile(r"token|secret|password|passwd|key|auth|signature", re.I)


class Redactor:
    """Replaces registered secret values with ``***``; thread-safe."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        """Register ``secrets`` (empty and very short values are ignored)."""
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Register more secret values (e.g. an access token obtained at runtime)."""
        with self._lock:
            for secret in secrets:
                if isinstance(secret, str) and len(secret) >= _MIN_SECRET_LENGTH:
                    self._secrets.add(secret)
            if self._secrets:
                # Longest first, so a secret containing another is masked whole.
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, ordered)))

    def __call__(self, text: str) -> str:
        """Return ``text`` with every registered secret masked."""
        pattern = self._pattern
        if pattern is None or not text:
            return text
        return pattern.sub(MASK, text)

    def url(self, url: str) -> str:
        """Mask secret-looking query parameters and registered secrets in a URL."""
        parts = urlsplit(url)
        query = [
            (name, MASK if SECRET_PARAM_NAMES.search(name) else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ]
        netloc = parts.netloc.rsplit("@", 1)[-1]  # drop user:password@
        cleaned = urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), ""))
        return self(cleaned)


def _mask_record(record: logging.LogRecord, redactor: Redactor) -> None:
    """Render the message once, masked, and mask the exception's arguments."""
    try:
        message = record.getMessage()
    except Exception:
        return
    record.msg, record.args = redactor(message), None
    if record.exc_info and record.exc_info[1] is not None:
        # Tracebacks are formatted later from the exception object itself.
        exc = record.exc_info[1]
        exc.args = tuple(redactor(a) if isinstance(a, str) else a for a in exc.args)


_installed: list[Redactor] = []


def install_redaction(redactor: Redactor) -> None:
    """Mask ``redactor``'s secrets in every log record of the process (idempotent).

    A log record factory, unlike a handler filter, also covers handlers that are
    configured later and records of every logger.
    """
    if any(existing is redactor for existing in _installed):
        return
    _installed.append(redactor)
    previous = logging.getLogRecordFactory()

    def factory(*args: t.Any, **kwargs: t.Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _mask_record(record, redactor)
        return record

    logging.setLogRecordFactory(factory)
