"""Calltouch's sandbox options (`calltouch_*`, `--calltouch-*`); the defaults are the documented ones."""

from __future__ import annotations

from dataclasses import dataclass

from vendor_sandbox.core import OptionError, key_value, option

DEFAULT_TOKEN = "sandbox-calltouch-token"  # noqa: S105 - the public demo credential
DEFAULT_SITE_ID = "12345"
IMPORT_OUTCOMES = ("success", "error", "never")


@dataclass
class CalltouchConfig:
    tokens: dict[str, str] = option(
        default_factory=lambda: {DEFAULT_TOKEN: DEFAULT_SITE_ID},
        flag="token",
        metavar="TOKEN=SITE_ID",
        parse=key_value,
        collect=dict,
        help="an Access-Token and the SiteId it belongs to",
    )
    requests_per_second: int = option(
        5, metavar="N", help="requests per second per client IP (documented: 5; sliding one-second window)"
    )
    import_seconds: float = option(
        1.0, metavar="SECONDS", help="seconds after an add before its status leaves 'in progress...'"
    )
    import_outcome: str = option(
        "success", choices=IMPORT_OUTCOMES, help="what imports end in (never: 'in progress...' forever)"
    )

    def __post_init__(self) -> None:
        if self.requests_per_second < 1:
            raise OptionError("requests_per_second", "must be >= 1")
        if self.import_seconds < 0:
            raise OptionError("import_seconds", "cannot be negative")
