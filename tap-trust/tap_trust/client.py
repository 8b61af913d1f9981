"""Trust.lat: Atenea auth, the campaigns API's envelope, and every API assumption.

Confirmed by Trust.lat (``trust-campaign-statistics.txt`` and the docs README): Atenea's
``POST {auth_url}/oauth/token/`` (trailing slash) with the JSON body ``{"client_id",
"client_secret", "grant_type": "client_credentials"}`` answering ``access_token``,
``token_type``, ``expires_in`` and ``created_at`` (the token expires at ``created_at +
expires_in``; the vendor's own SDK fetches a new one after a 401 and retries); Bearer
auth; the envelope ``{"code", "resource", "data", "message"}`` of ``GET
{api_url}/campaigns/api/v1/company/{company_id}/statistics`` (resource ``Statistics``, the
last 7 days by default) and ``…/campaign`` (resource ``Campaign``, a list of campaigns).

Everything the documentation leaves open is decided in this module, in the constants and
functions of the "API assumptions" block below, and listed under "API assumptions" in
README.md; where a user could need another choice, a setting overrides it.
"""

from __future__ import annotations

import re
import time
import typing as t
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from urllib.parse import urlsplit

import pendulum
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_trust.schemas import ACTIONS
from vendor_http import ClientCredentialsAuthenticator, RateBudget, RetryNow, VendorRESTStream

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    import requests
    from singer_sdk.helpers.types import Context

DEFAULT_API_URL = "https://api.trust.lat"
DEFAULT_AUTH_URL = "https://atenea.trust.lat"
TOKEN_PATH = "/oauth/token/"  # noqa: S105 - a path; the trailing slash is documented
COMPANY_PATH = "/campaigns/api/v1/company/{company_id}"
VENDOR = "Trust.lat"
CREDENTIALS_HINT = "check the settings 'client_id' and 'client_secret' (Atenea client credentials from Trust.lat)"

# --- API assumptions (see README.md, "API assumptions") -------------------------------------

#: Unknown: the query parameter names of the statistics date-range search. Assumed, and the
#: defaults of the settings history_start_parameter / history_end_parameter.
RANGE_PARAMETERS = ("start_date", "end_date")
#: Unknown: their date format (setting history_date_format).
RANGE_DATE_FORMAT = "%Y-%m-%d"
#: Unknown: whether the end date is counted. Assumed: it is, so one day is start = end
#: (setting history_end_inclusive; false sends end = the next day).
RANGE_END_INCLUSIVE = True
#: Unknown: the days of the range and of the default window. Assumed: UTC calendar days.
#: Unknown: which 7 days the default answer covers. Assumed: today and the 6 days before.
SNAPSHOT_DAYS = 7
#: Unknown: the Content-Type of a GET (the table says application/json, the examples send
#: text/plain). Assumed: the table's (setting request_content_type).
DEFAULT_CONTENT_TYPE = "application/json"
#: Unknown: rate limits (none published). Assumed: one request at a time, one per second
#: (setting min_request_interval_seconds), token requests included.
DEFAULT_MIN_REQUEST_INTERVAL_SECONDS = 1.0
#: Unknown: whether Atenea hands a live token out again (its created_at suggests so). If it
#: does, near the end of the token's life the tap asks again only in the last second (plus
#: the wait for a request slot) instead of the shared margin (up to 120 s).
HANDED_BACK_MARGIN_SECONDS = 1.0
#: A token handed back inside that margin is waited out, plus this, before asking again.
EXPIRY_GUARD_SECONDS = 0.05
#: Unknown: error bodies. Assumed: the envelope with the error in ``code`` and ``message``,
#: under the HTTP status or under HTTP 200; an envelope code is handled as that HTTP status
#: would be (429 and 5xx retried, 401 a new token, any other an error naming the company).
RETRIED_ENVELOPE_CODES = frozenset({HTTPStatus.TOO_MANY_REQUESTS})
#: The resource each endpoint answers with (confirmed); another one is an error.
RESOURCES = {"statistics": "Statistics", "campaign": "Campaign"}
#: Unknown: what ``data.campaign`` counts. Passed through as the column ``campaign``.
#: Unknown: whether every action is always present (the examples lack ``CLOSED``). Assumed:
#: not; an absent action is null, not 0 (statistics_columns).
#: Unknown: campaign paging (none documented). Assumed: none, every campaign of a company in
#: one answer (CampaignsStream); campaign_queries can split a list by its filters.
#: Unknown: what the campaign list holds without ``terminated``. Assumed: every campaign.
#: Unknown: whether the vendor honours unknown range parameter names or ignores them.
#: Assumed: it may ignore them, answering the 7-day default: checked once per run
#: (DailyStatisticsStream.check_range_search, setting check_range_search).
#: Unknown: the types of ids and the format of timestamps: as_id(), rfc3339() below.
#: Unknown: the format of Atenea's created_at: token_created_at() below.


def statistics_columns(data: t.Any) -> dict[str, t.Any]:
    """The documented statistics ``data`` as flat columns: ``actions`` → one column per action
    (``schemas.ACTIONS``), an absent action null. Not an object: returned for validation to name."""
    if not isinstance(data, dict):
        return {"total": data}
    actions = data["actions"] if isinstance(data.get("actions"), dict) else {}
    row = {key: data.get(key) for key in ("total", "sended", "pending", "fails", "campaign")}
    row.update({column: actions.get(name) for name, column in ACTIONS.items()})
    return row


def range_params(day: pendulum.Date, config: Mapping[str, t.Any]) -> dict[str, str]:
    """The date-range search for one day (assumed names and format, see above)."""
    start = str(config.get("history_start_parameter") or RANGE_PARAMETERS[0])
    end = str(config.get("history_end_parameter") or RANGE_PARAMETERS[1])
    date_format = str(config.get("history_date_format") or RANGE_DATE_FORMAT)
    inclusive = config.get("history_end_inclusive", RANGE_END_INCLUSIVE)
    last = day if inclusive else day.add(days=1)
    return {start: day.strftime(date_format), end: last.strftime(date_format)}


def snapshot_window(today: pendulum.Date) -> tuple[pendulum.Date, pendulum.Date]:
    """The days the default (no range) answer is assumed to cover, inclusive."""
    return today.subtract(days=SNAPSHOT_DAYS - 1), today


def token_created_at(value: t.Any) -> datetime | None:
    """Atenea's ``created_at``: unknown format, so Unix seconds (number or digits) or ISO 8601."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(float(value), UTC)
        if isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value.strip()):
            return datetime.fromtimestamp(float(value), UTC)
        if isinstance(value, str) and value.strip():
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def as_id(value: t.Any) -> t.Any:
    """An identifier as text: unknown whether Trust.lat sends numbers or strings, text holds both."""
    if isinstance(value, int | str) and not isinstance(value, bool):
        return str(value)
    return value  # left for validation to report (null stays null)


def rfc3339(value: t.Any) -> t.Any:
    """A timestamp as RFC 3339 UTC with ``Z``. Unknown format: ISO 8601 with an offset (taken
    as such), without one (taken as UTC) or a date (midnight UTC). Anything else is returned
    as it came, for validation to report with the field."""
    if not isinstance(value, str) or not value.strip():
        return value
    try:
        parsed = pendulum.parse(value.strip(), tz="UTC")
    except ValueError:  # pendulum's ParserError too
        return value
    if not isinstance(parsed, pendulum.DateTime):
        return value
    return parsed.in_timezone("UTC").isoformat().replace("+00:00", "Z")


def utc_now() -> str:
    """Now as RFC 3339 with ``Z`` (seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rate_budget(config: Mapping[str, t.Any]) -> RateBudget:
    """One request at a time, ``min_request_interval_seconds`` apart (no limit is published)."""
    interval = float(config.get("min_request_interval_seconds", DEFAULT_MIN_REQUEST_INTERVAL_SECONDS))
    return RateBudget(min_interval=interval, max_in_flight=1)


# --- Atenea ---------------------------------------------------------------------------------------


class AteneaAuthenticator(ClientCredentialsAuthenticator):
    """Atenea's client credentials: a JSON body, and tokens that expire at ``created_at + expires_in``.

    The shared authenticator (vendor-http) does the rest: one token per run for every
    stream, fetched again shortly before it expires and once after a 401, the token request
    through the run's budget and retries, the token masked in every log line.
    """

    json_body = True

    def __init__(self, **kwargs: t.Any) -> None:
        """Trust.lat's name and credentials hint; ``kwargs`` as for the shared authenticator."""
        super().__init__(vendor_name=f"{VENDOR} Atenea", credentials_hint=CREDENTIALS_HINT, **kwargs)
        self.skew_warned = False
        #: Atenea answered with the token we already held (it hands a live token out again).
        self.handed_back = False

    def refresh_margin(self) -> float:
        """The shared margin, but shorter for a token Atenea handed back: asking again before it
        dies would only get it back again. Kept: the wait for a request slot after the token
        check plus :data:`HANDED_BACK_MARGIN_SECONDS` (a request arriving late gets a 401, then
        one new token and one resend)."""
        margin = super().refresh_margin()
        return min(margin, self.budget.min_interval + HANDED_BACK_MARGIN_SECONDS) if self.handed_back else margin

    def update_access_token(self) -> None:
        """Fetch a token; one handed back with less than the margin left is waited out (at most
        the short margin above), then a new one is fetched: sent now, a request would reach
        Trust.lat after the token died."""
        super().update_access_token()
        if not self.handed_back or self.expires_at is None or self.is_token_valid():
            return
        wait = (self.expires_at - datetime.now(UTC)).total_seconds() + EXPIRY_GUARD_SECONDS
        if wait > 0:
            self.logger.info("Atenea handed back the current token with %.1f s left; waiting for it to expire", wait)
            time.sleep(wait)
        super().update_access_token()

    def expiry_of(self, body: dict[str, t.Any], requested_at: datetime) -> datetime | None:
        """``created_at + expires_in`` (documented), not the time of our request: a token handed
        out again lives only as long as it has left. Without a usable ``created_at``, our request time."""
        self.handed_back = body.get("access_token") == self.access_token
        if not self.expires_in:
            return None
        created = token_created_at(body.get("created_at"))
        if created is None:
            self.logger.warning("Atenea's token answer has no usable created_at; counting expires_in from now")
            created = requested_at
        expiry = created + timedelta(seconds=self.expires_in)
        if expiry <= datetime.now(UTC) and not self.skew_warned:
            self.skew_warned = True
            self.logger.warning(
                "Atenea's new token expired already by our clock (created_at %s + %ss): is this machine's clock "
                "ahead? The token is used until Trust.lat refuses it",
                created.isoformat(),
                self.expires_in,
            )
        return expiry


# --- the API ----------------------------------------------------------------------------------------


def company_of(url: str) -> str:
    """The company id in an API URL (for messages)."""
    match = re.search(r"/company/([^/]+)/", urlsplit(url).path)
    return match.group(1) if match else "?"


class TrustStream(VendorRESTStream[t.Any]):
    """Base stream: api_url, the tap's Atenea token, the envelope check, one request per call."""

    vendor_name = VENDOR
    credential_settings = ("client_id", "client_secret")
    #: The endpoint below ``/company/{company_id}/`` (``statistics`` or ``campaign``).
    endpoint: str = ""

    @property
    def url_base(self) -> str:
        """``api_url`` without a trailing slash."""
        return str(self.config.get("api_url", DEFAULT_API_URL)).rstrip("/")

    @property
    def path(self) -> str:  # type: ignore[override]
        return f"{COMPANY_PATH}/{self.endpoint}"

    @property
    def authenticator(self) -> AteneaAuthenticator:
        """The tap's one authenticator (one token per run)."""
        return self.vendor_tap.authenticator  # type: ignore[attr-defined,no-any-return]

    @property
    def http_headers(self) -> dict[str, str]:
        """The documented headers: Content-Type (assumed value, see above) besides the Bearer token."""
        return {
            **super().http_headers,
            "Content-Type": str(self.config.get("request_content_type") or DEFAULT_CONTENT_TYPE),
        }

    def fetch(self, context: Context, params: dict[str, t.Any] | None = None) -> t.Any:
        """``data`` of one GET for ``context``'s company: budget, token, envelope check, shared retries."""
        prepared = self.build_prepared_request(
            method="GET", url=self.get_url(context), params=params or {}, headers=self.http_headers
        )
        response = self.request_decorator(self.send)(prepared, context)
        return response.json()["data"]

    def response_error_message(self, response: requests.Response) -> str:
        """One line naming the request, the company, the status and Trust.lat's ``message``."""
        request, company = self.request_description(response), company_of(response.url)
        detail = self.vendor_error_detail(response)
        return f"{VENDOR} answered {response.status_code} to {request} (company {company}): {detail}"

    def validate_response(self, response: requests.Response) -> None:
        """HTTP errors the shared way (the envelope's ``message`` as the vendor's words); a 2xx must
        carry the envelope with code 200 and this endpoint's resource, else it is an error too."""
        if response.status_code >= HTTPStatus.BAD_REQUEST:
            super().validate_response(response)
            return
        where = f"{self.request_description(response)} (company {company_of(response.url)})"
        try:
            body = response.json()
        except ValueError:  # broken off or corrupted on the way: worth another try
            raise RetriableAPIError(f"{VENDOR} answered {where} with a body that is not JSON", response) from None
        if not isinstance(body, dict) or not {"code", "resource", "data"} <= body.keys():
            shown = self.redactor(str(body)[:200])
            raise FatalAPIError(f"{VENDOR} answered {where} without the documented envelope: {shown}")
        code, message = body.get("code"), self.redactor(str(body.get("message") or "(no message)"))
        if str(code) != "200":
            self.envelope_error(response, code, f"{VENDOR} answered code {code} in the envelope to {where}: {message}")
        expected = RESOURCES[self.endpoint]
        if body["resource"] != expected:
            msg = f"{VENDOR} answered {where} with resource {body['resource']!r}, expected {expected!r}: {message}"
            raise FatalAPIError(msg)

    def envelope_error(self, response: requests.Response, code: t.Any, message: str) -> t.NoReturn:
        """An error inside a 2xx answer, handled as its code would be as an HTTP status."""
        status = int(code) if str(code).isdigit() else 0
        if status == HTTPStatus.UNAUTHORIZED and self.token_renewable(response):
            raise RetryNow(f"{message}; fetching a new token", response)
        if status in RETRIED_ENVELOPE_CODES or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(message, response)
        if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
            raise FatalAPIError(f"{message} ({CREDENTIALS_HINT}, and that they may read this company)")
        raise FatalAPIError(message)
