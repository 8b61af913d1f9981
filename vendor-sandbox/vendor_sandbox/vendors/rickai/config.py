"""Rick.ai's sandbox options (`rickai_*`, `--rickai-*`); the defaults are the documented limits."""

from __future__ import annotations

from dataclasses import dataclass

from vendor_sandbox.core import OptionError, key_value, option

DEFAULT_TOKEN = "sandbox-rickai-token"  # noqa: S105 - the public demo credential
DEFAULT_COMPANY = "demo-company"


@dataclass
class RickaiConfig:
    tokens: dict[str, str] = option(
        default_factory=lambda: {DEFAULT_TOKEN: DEFAULT_COMPANY},
        flag="token",
        metavar="TOKEN=COMPANY",
        parse=key_value,
        collect=dict,
        help="a Rick.ai token and the company it authenticates",
    )
    sessions_per_day: int = option(
        200, metavar="N", help="average sessions per company and day (each day varies deterministically by ±20%)"
    )
    min_interval: float = option(
        1.0, metavar="SECONDS", help="minimum seconds between arrivals of two accepted requests of one token"
    )
    max_in_flight: int = option(1, metavar="N", help="concurrent requests allowed per token")

    def __post_init__(self) -> None:
        if not 0 <= self.sessions_per_day <= 500_000:
            raise OptionError("sessions_per_day", "must be between 0 and 500000")
        if self.max_in_flight < 1:
            raise OptionError("max_in_flight", "must be at least 1")
        if self.min_interval < 0:
            raise OptionError("min_interval", "cannot be negative")
