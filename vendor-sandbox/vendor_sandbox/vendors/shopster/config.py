"""Shopster's sandbox options (`shopster_*`, `--shopster-*`); the defaults are the documented ones
and, where the documentation is silent, the sandbox's decisions (see rules.ASSUMPTIONS)."""

from __future__ import annotations

from dataclasses import dataclass

from vendor_sandbox.core import LimitRules, OptionError, count_per_seconds, option

DEFAULT_TOKEN = "sandbox-shopster-token"  # noqa: S105 - the public demo credential
KEYINGS = ("object", "group")
"""How an answer is keyed: one key per requested object, or one key (the last id) for the group."""


@dataclass
class ShopsterConfig:
    tokens: tuple[str, ...] = option(
        (DEFAULT_TOKEN,),
        flag="token",
        metavar="TOKEN",
        parse=str,
        collect=tuple,
        help="an x-token the API accepts (every token sees the same catalogue of objects)",
    )
    malls: int = option(2, metavar="N", help="malls in the catalogue (ids 101, 102, ...)")
    floors_per_mall: int = option(2, metavar="N", help="floors of each mall (ids MALL*10+n, e.g. 1011)")
    zones_per_floor: int = option(2, metavar="N", help="zones of each floor (ids FLOOR*10+n, e.g. 10111)")
    keying: str = option(
        "object",
        choices=KEYINGS,
        help="answer keys: object = one per requested object; group = one for the whole request, "
        "keyed by its last object id, with the group's sums (the doc's example reads both ways)",
    )
    history_days: int = option(730, metavar="N", help="days of history before today that have data")
    visitors_per_hour: int = option(40, metavar="N", help="average visitor sessions per mall and open hour")
    rate_windows: tuple[tuple[int, float], ...] = option(
        (),
        flag="rate_window",
        metavar="N/SECONDS",
        parse=count_per_seconds,
        collect=tuple,
        help="sliding window of at most N requests per SECONDS per token (none is documented)",
    )

    def __post_init__(self) -> None:
        if not self.tokens or any(not token for token in self.tokens):
            raise OptionError("tokens", "need at least one non-empty token")
        if not 1 <= self.malls <= 99:
            raise OptionError("malls", "must be between 1 and 99")
        if not 0 <= self.floors_per_mall <= 9:
            raise OptionError("floors_per_mall", "must be between 0 and 9")
        if not 0 <= self.zones_per_floor <= 9:
            raise OptionError("zones_per_floor", "must be between 0 and 9")
        if self.history_days < 0:
            raise OptionError("history_days", "cannot be negative")
        if not 0 <= self.visitors_per_hour <= 100_000:
            raise OptionError("visitors_per_hour", "must be between 0 and 100000")
        try:
            LimitRules(windows=tuple(self.rate_windows))
        except ValueError as error:
            raise OptionError("rate_windows", f"are invalid: {error}") from None
