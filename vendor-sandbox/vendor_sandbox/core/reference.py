"""What `vendor-sandbox --help` and the README say about the core, taken from the code.

One source for both: the fault kinds (:data:`FAULT_KINDS`, one entry for every
:class:`~.faults.FaultKind`) and the admin endpoints (:func:`admin_endpoints`, the ``Admin``
handlers and their docstrings). Each vendor's part comes from its ``VendorPlugin`` and its
config dataclass (:func:`.options.describe_options`). ``scripts/sandbox_readme.py`` writes the
README's tables from here and from the registry; the tests fail when the README is behind.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass

from .admin import ADMIN_PREFIX, Admin
from .faults import SHORT_SYNTAX, FaultKind


@dataclass(frozen=True)
class FaultDoc:
    """What a fault kind does and the parameters it takes (markdown; backticks dropped in --help)."""

    effect: str
    params: str = ""


FAULT_KINDS: dict[FaultKind, FaultDoc] = {
    FaultKind.STATUS: FaultDoc(
        "that status with the vendor's documented error body",
        "`status` (=VALUE, default 503), `body` (replaces the vendor's body)",
    ),
    FaultKind.RATE_LIMIT: FaultDoc(
        "429 with the vendor's documented body and `Retry-After`",
        "`retry_after` (=VALUE seconds, default 1), `retry_after_format` (`seconds` or `http-date`)",
    ),
    FaultKind.SLOW: FaultDoc(
        "sleep, then answer normally; a client that gives up meanwhile does not stop it: the request "
        "keeps its in-flight slot until it is done, as some vendors keep running an abandoned request",
        "`delay` (=VALUE seconds, default 1)",
    ),
    FaultKind.TRUNCATE: FaultDoc(
        "full `Content-Length`, only part of the body, then close", "`fraction` (=VALUE, default 0.5)"
    ),
    FaultKind.MALFORMED: FaultDoc("200, right length, one byte in the middle breaks the JSON"),
    FaultKind.DROP: FaultDoc("close the connection with no response"),
    FaultKind.BAD_RECORD: FaultDoc(
        "the normal answer, valid JSON, but the middle record of one of its record lists has `key` = "
        "`value`: a record off the documented schema (each vendor's record lists are listed with it)",
        "`key` (=VALUE, default the vendor's for that list), `value` (default `not-a-number`), "
        "`records` (which list; default the first non-empty one)",
    ),
    FaultKind.REDIRECT: FaultDoc(
        "a redirect whose `Location` is `to`; the recording host, another origin, stands for a stranger's server",
        "`status` (=VALUE: 301, 302, 303, 307 or 308, default 307), `to` (`elsewhere`: the recording host, "
        "same path and query; `same`: this very URL on the sandbox; or an absolute URL)",
    ),
}

_missing = set(FaultKind) - set(FAULT_KINDS)
if _missing:  # a new kind must be documented here before the sandbox starts
    raise RuntimeError(f"fault kinds without a FaultDoc in reference.py: {', '.join(sorted(_missing))}")


@dataclass(frozen=True)
class AdminEndpoint:
    """One core endpoint under ``/_sandbox/`` (a handler ``<method>_<name>`` of ``Admin``)."""

    method: str
    path: str
    description: str


def admin_endpoints() -> list[AdminEndpoint]:
    """Every core admin endpoint, in the order ``Admin`` defines them, described by its docstring."""
    found = []
    for name, handler in vars(Admin).items():
        match = re.fullmatch(r"(get|post|delete)_(\w+)", name)
        if match and callable(handler):
            description = " ".join((inspect.getdoc(handler) or "").split())
            found.append(AdminEndpoint(match[1].upper(), f"{ADMIN_PREFIX}{match[2]}", description))
    return found


def plain(text: str) -> str:
    """Markdown text as --help shows it (no backticks)."""
    return text.replace("`", "")


def fault_help(width: int = 100) -> str:
    """The fault and admin part of ``vendor-sandbox --help``."""

    def wrapped(text: str, indent: str, more: str) -> list[str]:
        return textwrap.wrap(plain(text), width, initial_indent=indent, subsequent_indent=more)

    lines = wrapped(f"fault syntax (--fault, repeatable): JSON or {SHORT_SYNTAX}", "", "  ")
    lines.append("fault kinds:")
    for kind, doc in FAULT_KINDS.items():
        lines += wrapped(f"{kind}: {doc.effect}", "  ", "      ")
        if doc.params:
            lines += wrapped(f"params: {doc.params}", "      ", "        ")
    lines.append("admin API:")
    for endpoint in admin_endpoints():
        lines += wrapped(f"{endpoint.method} {endpoint.path}: {endpoint.description}", "  ", "      ")
    lines.append(f"  {ADMIN_PREFIX}<vendor>/...: the vendor's own (below)")
    return "\n".join(lines) + "\n"
