"""Trust.lat's sandbox options (`trust_*`, `--trust-*`); the defaults are the documented ones."""

from __future__ import annotations

from dataclasses import dataclass

from vendor_sandbox.core import LimitRules, OptionError, count_per_seconds, key_value, option

DEFAULT_CLIENT_ID = "sandbox-trust-client"
DEFAULT_CLIENT_SECRET = "sandbox-trust-secret"  # noqa: S105 - the public demo credential
DEFAULT_COMPANIES = (101, 102, 103)
DEFAULT_RANGE_PARAMETERS = ("start_date", "end_date")
"""Unknown at the vendor: the names of the date-range search. The sandbox's assumption (= the tap's default)."""
CREATED_AT_FORMATS = ("epoch", "iso")
RANGE_ENDS = ("inclusive", "exclusive")
GET_CONTENT_TYPES = ("application/json", "text/plain")


def _names(text: str) -> tuple[str, str]:
    start, _, end = text.partition(",")
    if not start.strip() or not end.strip():
        raise ValueError(f"expected START,END parameter names, got {text!r}")
    return start.strip(), end.strip()


def _companies(text: str) -> int:
    return int(text)


@dataclass
class TrustConfig:
    clients: dict[str, str] = option(
        default_factory=lambda: {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET},
        flag="client",
        metavar="CLIENT_ID=SECRET",
        parse=key_value,
        collect=dict,
        help="Atenea client credentials; every client may read every company",
    )
    companies: tuple[int, ...] = option(
        DEFAULT_COMPANIES,
        flag="company",
        metavar="ID",
        parse=_companies,
        collect=tuple,
        help="the companies (numeric ids) with campaigns and statistics",
    )
    campaigns_per_company: int = option(
        4, metavar="N", help="campaigns of the first company (the next have one more, cycling)"
    )
    token_lifetime: int = option(7200, metavar="SECONDS", help="access token lifetime, reported as expires_in")
    token_revoke_after: float | None = option(
        None,
        metavar="SECONDS",
        parse=float,
        help="tokens die this many seconds after issue whatever expires_in said (a 401 mid-run)",
    )
    reuse_tokens: bool = option(
        True, help="a token request while the client's token is alive returns that token with its created_at"
    )
    created_at_format: str = option(
        "epoch", choices=CREATED_AT_FORMATS, help="created_at as Unix seconds (epoch) or ISO 8601 text (iso)"
    )
    range_parameters: tuple[str, str] = option(
        DEFAULT_RANGE_PARAMETERS,
        metavar="START,END",
        parse=_names,
        help="query parameter names of the statistics date-range search",
    )
    date_format: str = option("%Y-%m-%d", metavar="STRFTIME", help="date format of the date-range search")
    range_end: str = option(
        "inclusive", choices=RANGE_ENDS, help="whether the range's end date is counted (inclusive) or not"
    )
    content_types: tuple[str, ...] = option(
        GET_CONTENT_TYPES,
        flag="content_type",
        metavar="TYPE",
        collect=tuple,
        help="Content-Types a GET may carry (the table shows application/json, the examples text/plain)",
    )
    errors_under_200: bool = option(
        False, help="answer request errors (400, 403, 404) with HTTP 200, the error only in the envelope's code"
    )
    rate_windows: tuple[tuple[int, float], ...] = option(
        (),
        flag="rate_window",
        metavar="N/SECONDS",
        parse=count_per_seconds,
        collect=tuple,
        help="sliding window of at most N API requests per SECONDS per client (none published)",
    )

    def __post_init__(self) -> None:
        if self.token_lifetime < 1:
            raise OptionError("token_lifetime", "must be at least 1 second")
        if not self.companies or any(company < 1 for company in self.companies):
            raise OptionError("companies", "must be positive numbers (at least one)")
        if len(set(self.companies)) != len(self.companies):
            raise OptionError("companies", "must not repeat")
        if self.campaigns_per_company < 0:
            raise OptionError("campaigns_per_company", "cannot be negative")
        if not self.content_types:
            raise OptionError("content_types", "must name at least one type")
        if "%" not in self.date_format:
            raise OptionError("date_format", "must be a strftime format such as %Y-%m-%d")
        try:
            LimitRules(windows=tuple(self.rate_windows))
        except ValueError as error:
            raise OptionError("rate_windows", f"are invalid: {error}") from None
