"""Kameleoon Automation API: base URL, OAuth, requests, errors, and the API assumptions.

Confirmed by Kameleoon: the client-credentials token endpoint (form-encoded, answering
``access_token``/``expires_in``/``token_type``, no refresh token, tokens live about two
hours), ``GET /sites``, ``POST /segments/search``, the request → ``dataCode`` → ``GET
/audiences/poll`` flow with ``WAITING``/``READY``/``ERROR``, error bodies ``{"serviceName",
"message"}`` and 50 requests per 10 s plus 1,000 per hour per account.

Everything the documentation leaves open is decided in this module, in the constants
and functions below, and listed under "API assumptions" in README.md.
"""

from __future__ import annotations

import json
import typing as t
from datetime import datetime
from http import HTTPStatus

import requests
from singer_sdk.exceptions import FatalAPIError

from vendor_http import ClientCredentialsAuthenticator, RateWindow, VendorRESTStream

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    from singer_sdk.helpers.types import Context

DEFAULT_API_URL = "https://api.kameleoon.com"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, not a secret

# --- API assumptions (see README.md, "API assumptions") -------------------------------------

#: Unknown: the query parameters of ``GET /audiences/global``. Assumed: the numeric site id,
#: the period as the poll answer describes it (inclusive start, exclusive end,
#: ``YYYY-MM-DDThh:mm:ss``, UTC) and the analytics level, under these names; the setting
#: ``global_request_parameter_names`` renames any of them.
GLOBAL_REQUEST_PARAMETER_NAMES = {
    "site": "siteId",
    "start": "startDate",
    "end": "endDate",
    "analytics_level": "analyticsLevel",
}
# Unknown: the path of the "detailed" request. Not used: the tap assumes the global
# request's poll data carries all four parts (global, segment, period and breakdown stats).
GLOBAL_REQUEST_PATH = "/audiences/global"
POLL_PATH = "/audiences/poll"
DATE_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
# Unknown: whether the token request counts against the rate limits. Assumed: it does, so
# the token request takes a slot of the run's budget like any other (KameleoonAuthenticator).
# Unknown: how long before expiry to fetch a new token: vendor-http's
# TOKEN_REFRESH_MARGIN_SECONDS (120 s, at most a tenth of the lifetime).
#: Documented and enforced (429 beyond): 50 requests per 10 seconds and 1,000 per hour per
#: account. Documented as guidance: the API "is intended to be called no more than a dozen
#: times per minute for each customer or user account". The default budget honours all
#: three: the guidance is the window that binds (12 a minute is 720 an hour), so the tap
#: leaves most of the account's enforced limits to the account's other API users; the two
#: enforced windows stay in the list so that raising the guidance window cannot exceed them.
DEFAULT_RATE_LIMITS = (
    {"requests": 50, "seconds": 10},
    {"requests": 1000, "seconds": 3600},
    {"requests": 12, "seconds": 60},
)
#: Windows whose data codes are requested ahead of the one being emitted. Every window
#: costs at least two requests (its request and one status check), so the default budget
#: completes at most 6 windows a minute; 4 in flight keep that pace for jobs of up to about
#: 40 s while asking Kameleoon to compute no more than 4 windows of the account at once.
DEFAULT_MAX_DATA_CODES_IN_FLIGHT = 4
#: Unknown: the largest ``perPage`` of ``POST /segments/search``. Assumed: 200.
MAX_SEGMENTS_PAGE_SIZE = 200
#: Documented (the reference's example): ``filter`` is one object ``{field, operator,
#: parameters}`` and ``sort`` a list ``[{direction, field}]``. Unknown: whether a list of
#: filters is accepted (the tap sends the one object) and the operator names (assumed
#: ``IN`` with the numeric site ids).
SEGMENTS_SITE_OPERATOR = "IN"
SEGMENTS_SORT = ({"direction": "ASC", "field": "id"},)
#: Unknown: whether ``GET /sites`` is paged. Assumed: one answer holds every site; should
#: it carry the ``X-Pagination-*`` headers of ``/segments/search`` and name more pages,
#: they are read with ``?page=N``.
SITES_PAGE_PARAMETER = "page"
#: Unknown: how long a data code can be polled. Assumed: an hour; a code the vendor no
#: longer knows (400 on poll) is requested again.
DEFAULT_DATA_CODE_MAX_AGE_MINUTES = 60
#: "At most about two months" of audience data are kept; assumed 60 days to stay inside.
DEFAULT_MAX_HISTORY_DAYS = 60


def global_request_params(
    site_id: int,
    start: datetime,
    end: datetime,
    analytics_level: str,
    names: Mapping[str, str] | None = None,
) -> dict[str, t.Any]:
    """Query parameters of the global statistics request (assumed names, see above;
    ``names`` overrides some of them)."""
    named = {**GLOBAL_REQUEST_PARAMETER_NAMES, **{role: name for role, name in (names or {}).items() if name}}
    return {
        named["site"]: site_id,
        named["start"]: start.strftime(DATE_TIME_FORMAT),
        named["end"]: end.strftime(DATE_TIME_FORMAT),
        named["analytics_level"]: analytics_level,
    }


def segments_search_body(site_ids: list[int], page: int, per_page: int) -> dict[str, t.Any]:
    """The body of ``POST /segments/search`` as the reference shows it: segments of ``site_ids``."""
    return {
        "filter": {"field": "siteId", "operator": SEGMENTS_SITE_OPERATOR, "parameters": site_ids},
        "page": page,
        "perPage": per_page,
        "sort": [dict(item) for item in SEGMENTS_SORT],
    }


def extract_data_code(response: requests.Response) -> str:
    """The ``dataCode`` of a request's answer.

    Unknown shape; assumed ``{"dataCode": "…"}``, and also accepted: a bare JSON string
    or plain text. Anything else is a clear error naming the request.
    """
    text = response.text.strip()
    try:
        body = json.loads(text)
    except ValueError:
        body = text
    if isinstance(body, dict):
        body = body.get("dataCode")
    if isinstance(body, str | int) and str(body).strip():
        return str(body).strip()
    msg = f"Kameleoon answered {response.status_code} without a dataCode to {response.request.method} {response.url}"
    raise FatalAPIError(msg)


def rate_windows(config: Mapping[str, t.Any]) -> list[RateWindow]:
    """The ``rate_limits`` setting as sliding windows for the shared budget."""
    limits = config.get("rate_limits") or DEFAULT_RATE_LIMITS
    return [RateWindow(int(item["requests"]), float(item["seconds"])) for item in limits]


# --- errors ------------------------------------------------------------------------------------

CREDENTIALS_HINT = (
    "check the settings 'client_id' and 'client_secret' (API credentials from the Kameleoon "
    "app: profile → 'See my API credentials')"
)
ADDON_HINT = (
    "audience statistics need Kameleoon's paid Audiences add-on on the account and access to the "
    "site; without the add-on, deselect the audience_* streams"
)


class DataCodeRejectedError(FatalAPIError):
    """Kameleoon does not know (any more) a data code we poll."""


class KameleoonAuthenticator(ClientCredentialsAuthenticator):
    """One OAuth client-credentials token per run, shared by every stream (form-encoded body).

    The shared authenticator (vendor-http): fetched again shortly before ``expires_in`` runs
    out (counted from the token request) and once after a 401 on a request; the token
    request goes through the run's rate budget and retry engine, and each new token is
    masked in every log line at once.
    """

    def __init__(self, **kwargs: t.Any) -> None:
        """Kameleoon's name and credentials hint; ``kwargs`` as for the shared authenticator."""
        super().__init__(vendor_name="Kameleoon", credentials_hint=CREDENTIALS_HINT, **kwargs)


class KameleoonStream(VendorRESTStream[t.Any]):
    """Base stream: the tap's shared token, one retry after a 401, Kameleoon's errors."""

    vendor_name = "Kameleoon"
    credential_settings = ("client_id", "client_secret")

    @property
    def url_base(self) -> str:
        """``api_url`` without a trailing slash."""
        return str(self.config.get("api_url", DEFAULT_API_URL)).rstrip("/")

    @property
    def authenticator(self) -> KameleoonAuthenticator:
        """The tap's one authenticator (one token per run)."""
        return self.vendor_tap.authenticator  # type: ignore[attr-defined,no-any-return]

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, t.Any] | None = None,
        context: Context | None = None,
        expect_json: bool = False,
    ) -> requests.Response:
        """One request outside the stream's own paging, with the same budget, auth and retries.

        With ``expect_json``, a body that is not JSON (broken off, corrupted) is retried too.
        """
        url = f"{self.url_base}{path}"
        prepared = self.build_prepared_request(method=method, url=url, params=params or {}, headers=self.http_headers)

        def attempt(request: requests.PreparedRequest, context: Context | None) -> requests.Response:
            response = self.send(request, context)
            if expect_json:
                self.check_json_body(response)
            return response

        return self.request_decorator(attempt)(prepared, context)

    def validate_response(self, response: requests.Response) -> None:
        """Kameleoon's own cases first, then the shared classification (401: one new token)."""
        status = response.status_code
        path = requests.utils.urlparse(response.url).path
        if status == HTTPStatus.FORBIDDEN and path.endswith(GLOBAL_REQUEST_PATH):
            raise FatalAPIError(f"{self.response_error_message(response)}: {ADDON_HINT}")
        if status == HTTPStatus.BAD_REQUEST and path.endswith(POLL_PATH):
            raise DataCodeRejectedError(self.response_error_message(response))
        super().validate_response(response)
