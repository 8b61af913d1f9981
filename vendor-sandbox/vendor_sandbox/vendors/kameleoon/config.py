"""Kameleoon's sandbox options (`kameleoon_*`, `--kameleoon-*`); the defaults are the documented ones."""

from __future__ import annotations

from dataclasses import dataclass

from vendor_sandbox.core import LimitRules, OptionError, count_per_seconds, key_value, option

DEFAULT_CLIENT_ID = "sandbox-kameleoon-client"
DEFAULT_CLIENT_SECRET = "sandbox-kameleoon-secret"  # noqa: S105 - the public demo credential
RATE_WINDOWS = ((50, 10.0), (1000, 3600.0))
"""Documented: 50 requests per 10 seconds and 1,000 per hour per account."""
POLL_OUTCOMES = ("ready", "error", "never")
TIMESTAMP_FORMS = ("example", "described")
"""How the poll data's timestamps look: as in the reference's example (``2024-07-29T15:51:28.071Z``,
milliseconds and ``Z``) or as its field descriptions say (``YYYY-MM-DDThh:mm:ss``)."""


@dataclass
class KameleoonConfig:
    clients: dict[str, str] = option(
        default_factory=lambda: {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET},
        flag="client",
        metavar="CLIENT_ID=SECRET",
        parse=key_value,
        collect=dict,
        help="API credentials; each client is one account with its own sites",
    )
    sites: int = option(2, metavar="N", help="sites per account")
    segments_per_site: int = option(4, metavar="N", help="segments per site (the last one does not track audiences)")
    token_lifetime: float = option(7200.0, metavar="SECONDS", help="access token lifetime, reported as expires_in")
    token_revoke_after: float | None = option(
        None,
        metavar="SECONDS",
        parse=float,
        help="tokens die this many seconds after issue whatever expires_in said (a 401 mid-run)",
    )
    polls_until_ready: int = option(2, metavar="N", help="polls of a data code answered WAITING before READY")
    waiting_seconds: float = option(
        0.0,
        metavar="SECONDS",
        help="a data code also answers WAITING until this many seconds after its request (the job's run time)",
    )
    poll_outcome: str = option(
        "ready", choices=POLL_OUTCOMES, help="what data-code polls end in (error: status ERROR; never: WAITING forever)"
    )
    timestamps: str = option(
        "example",
        choices=TIMESTAMP_FORMS,
        help="poll data timestamps as the reference's example (2024-07-29T15:51:28.071Z) or its description "
        "(YYYY-MM-DDThh:mm:ss)",
    )
    sites_per_page: int | None = option(
        None,
        metavar="N",
        parse=int,
        help="page GET /sites (?page=N, X-Pagination-* headers), N sites a page; default one answer (undocumented)",
    )
    audiences_addon: bool = option(
        True, help="the account has the paid Audiences add-on (without it: 403 on audience requests)"
    )
    data_code_ttl: float = option(3600.0, metavar="SECONDS", help="how long a data code can be polled")
    rate_windows: tuple[tuple[int, float], ...] = option(
        RATE_WINDOWS,
        flag="rate_window",
        metavar="N/SECONDS",
        parse=count_per_seconds,
        collect=tuple,
        help="sliding window of at most N requests per SECONDS per account, token requests included",
    )

    def __post_init__(self) -> None:
        if self.token_lifetime <= 0:
            raise OptionError("token_lifetime", "must be positive")
        if self.polls_until_ready < 0:
            raise OptionError("polls_until_ready", "cannot be negative")
        if self.waiting_seconds < 0:
            raise OptionError("waiting_seconds", "cannot be negative")
        if self.sites_per_page is not None and self.sites_per_page < 1:
            raise OptionError("sites_per_page", "must be at least 1")
        try:
            LimitRules(windows=tuple(self.rate_windows))
        except ValueError as error:
            raise OptionError("rate_windows", f"are invalid: {error}") from None
