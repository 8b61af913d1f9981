"""Keep secrets out of log lines, error messages and URLs.

Every plugin registers the secret values of its config (tokens, client secrets,
the access tokens it obtains) with one :class:`Redactor`; one log record factory per
process (installed by :func:`install_redaction`) and the error builders then replace
them wherever they appear.
"""

from __future__ import annotations

import logging
import re
import threading
import typing as t
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable

MASK = "***"
_MIN_SECRET_LENGTH = 4
# Query parameters whose values are secrets by name, whatever their value.
SECRET_PARAM_NAMES = re.compile(r"token|secret|password|passwd|key|auth|signature", re.I)
# The userinfo of a URL in any text (``scheme://user:password@``): masked whatever it holds.
_USERINFO = re.compile(r"\b([a-z][a-z0-9+.-]*://)[^\s/?#@]+@", re.I)


class Redactor:
    """Replaces registered secret values with ``***``; thread-safe."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        """Register ``secrets`` (empty and very short values are ignored)."""
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._forward: list[Redactor] = []
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Register more secret values (e.g. an access token obtained at runtime)."""
        with self._lock:
            new = {
                secret
                for secret in secrets
                if isinstance(secret, str) and len(secret) >= _MIN_SECRET_LENGTH and secret not in self._secrets
            }
            if new:
                self._secrets |= new
                # Longest first, so a secret containing another is masked whole.
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, ordered)))
            forward = list(self._forward)
        for other in forward:
            other.add(*new)

    def forward_to(self, other: Redactor) -> None:
        """Register this redactor's secrets, and every one added later, with ``other`` too."""
        with self._lock:
            if any(existing is other for existing in self._forward):
                return
            self._forward.append(other)
            secrets = tuple(self._secrets)
        other.add(*secrets)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every registered secret, and the userinfo of any URL, masked."""
        if not text:
            return text
        if "@" in text:
            text = _USERINFO.sub(rf"\1{MASK}@", text)
        pattern = self._pattern
        if pattern is None:
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
        cleaned = urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*"), ""))
        return self(cleaned)


def _mask_record(record: logging.LogRecord, mask: Callable[[str], str]) -> None:
    """Render the message once, masked, and mask the exception's arguments."""
    try:
        message = record.getMessage()
    except Exception:
        return
    record.msg, record.args = mask(message), None
    if record.exc_info and record.exc_info[1] is not None:
        # Tracebacks are formatted later from the exception object itself.
        exc = record.exc_info[1]
        exc.args = tuple(mask(a) if isinstance(a, str) else a for a in exc.args)


#: Every secret registered by any plugin object of this process (a tap, a target; the
#: SDK's test suites create many in one process), masked in one pass.
_process_redactor = Redactor()
_install_lock = threading.Lock()
_factory_installed = False


def redact(text: str) -> str:
    """``text`` with every secret registered in this process, and any URL userinfo, masked."""
    return _process_redactor(text)


def redact_url(url: str) -> str:
    """``url`` for a message: no userinfo, secret-looking query parameters and registered secrets masked."""
    return _process_redactor.url(url)


def _redacting_factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: t.Any, **kwargs: t.Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _mask_record(record, redact)
        return record

    return factory


def install_redaction(redactor: Redactor) -> None:
    """Mask ``redactor``'s secrets, and those it learns later, in every log record of the process.

    The secrets join one process-wide set, masked by one log record factory that the
    first call installs; later calls only add secrets, so neither the chain of
    factories nor the work per log record grows with the number of plugin objects.
    A log record factory, unlike a handler filter, also covers handlers that are
    configured later and records of every logger.
    """
    global _factory_installed  # one factory per process
    redactor.forward_to(_process_redactor)
    with _install_lock:
        if _factory_installed:
            return
        _factory_installed = True
    logging.setLogRecordFactory(_redacting_factory(logging.getLogRecordFactory()))
