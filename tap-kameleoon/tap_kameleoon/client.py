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
import logging
import re
import typing as t
import weakref
from datetime import UTC, datetime
from http import HTTPStatus

import requests
from singer_sdk.authenticators import OAuthAuthenticator
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from vendor_http import (
    RateWindow,
    Retrier,
    RetryNow,
    VendorRESTStream,
    budgeted_session,
    json_body_problem,
    redact_url,
)

if t.TYPE_CHECKING:
    from collections.abc import Mapping

    from singer_sdk.helpers.types import Context

    from vendor_http import RateBudget, Redactor, RetryPolicy, TransportLimits

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

#: Fetch a new token this long before it expires (at most a tenth of its lifetime).
TOKEN_REFRESH_MARGIN_SECONDS = 120.0
#: Documented: 50 requests per 10 seconds and 1,000 per hour per account.
DEFAULT_RATE_LIMITS = ({"requests": 50, "seconds": 10}, {"requests": 1000, "seconds": 3600})
#: Unknown: the largest ``perPage`` of ``POST /segments/search``. Assumed: 200.
MAX_SEGMENTS_PAGE_SIZE = 200
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


#: Unknown: the form of a data code. Assumed: a token of letters, digits and ``-._~+/=:``
#: (hex, a UUID, base64…), at most 256 characters. It goes into STATE and into the poll's
#: query, so anything else (a corrupt body such as ``<"dataCode": "…"}``) is not one.
DATA_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~+/=:-]{0,255}")
#: Documented: a bearer token (RFC 6750 ``b64token``); it goes into every later request's header.
ACCESS_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*")


def data_code_in(response: requests.Response) -> str | None:
    """The ``dataCode`` of a request's answer, if it holds a valid one.

    Unknown shape; assumed ``{"dataCode": "…"}``, and also accepted: a bare JSON string
    or number, or plain text. The code must look like one (:data:`DATA_CODE`).
    """
    text = response.text.strip()
    try:
        body = json.loads(text)
    except ValueError:
        body = text
    if isinstance(body, dict):
        body = body.get("dataCode")
    if isinstance(body, bool) or not isinstance(body, str | int):
        return None
    code = str(body).strip()
    return code if DATA_CODE.fullmatch(code) else None


def extract_data_code(response: requests.Response) -> str:
    """The ``dataCode`` of a request's answer (see :func:`data_code_in`); a clear error naming the request if none."""
    code = data_code_in(response)
    if code is None:
        msg = (
            f"Kameleoon answered {response.status_code} without a dataCode to "
            f"{response.request.method} {redact_url(response.url)}"
        )
        raise FatalAPIError(msg)
    return code


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


class TokenRejectedError(FatalAPIError):
    """Kameleoon answered 401 to a request with our token."""


class DataCodeRejectedError(FatalAPIError):
    """Kameleoon does not know (any more) a data code we poll."""


def describe_token_failure(error: BaseException) -> str:
    """What went wrong with the token request, for the message that stops the run."""
    if isinstance(error, RetriableAPIError):
        return str(error)
    return f"Kameleoon token request POST {TOKEN_PATH} failed: {type(error).__name__}: {error}"


class KameleoonAuthenticator(OAuthAuthenticator):
    """One OAuth client-credentials token per run, shared by every stream.

    Fetched again shortly before it expires and once after a 401 on a request
    (:meth:`token_rejected`). The token request goes through the run's rate budget and
    its retry engine, and each new token is masked in every log line at once.
    """

    def __init__(
        self,
        *,
        redactor: Redactor,
        budget: RateBudget,
        policy: RetryPolicy,
        timeout: float = 300.0,
        limits: TransportLimits | None = None,
        logger: logging.Logger | None = None,
        **kwargs: t.Any,
    ) -> None:
        """Create the authenticator; ``kwargs`` go to the SDK's OAuthAuthenticator."""
        super().__init__(**kwargs)
        self.redactor = redactor
        self.timeout = timeout
        if logger is not None:
            self.logger = logger
        self.session = budgeted_session(budget, policy, vendor_name="Kameleoon", limits=limits)
        # Once the token request's own tries are used up, the run stops: the request
        # that needed the token is not retried with another round of token requests.
        self.retrier = Retrier(
            policy,
            vendor_name="Kameleoon",
            logger=self.logger,
            give_up=lambda error, tries: FatalAPIError(
                f"{describe_token_failure(error)} (gave up after {tries} tries)"
            ),
        )
        self.tokens_fetched = 0
        #: Requests already sent again with a new token after a 401 (once each).
        self.renewed_for: weakref.WeakSet[requests.PreparedRequest] = weakref.WeakSet()

    @property
    def oauth_request_body(self) -> dict[str, t.Any]:
        """The documented form fields (sent form-encoded)."""
        return {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}

    def is_token_valid(self) -> bool:
        """Valid until shortly before ``expires_in`` runs out."""
        if self.access_token is None or self.last_refreshed is None:
            return False
        if not self.expires_in:
            return True
        margin = min(TOKEN_REFRESH_MARGIN_SECONDS, self.expires_in / 10)
        age = (datetime.now(self.last_refreshed.tzinfo) - self.last_refreshed).total_seconds()
        return age < self.expires_in - margin

    def invalidate(self) -> None:
        """Forget the token (Kameleoon rejected it); the next request fetches a new one."""
        self.access_token = None
        self.last_refreshed = None

    def token_rejected(self, request: requests.PreparedRequest) -> bool:
        """Kameleoon answered 401 to ``request``: forget the token; worth one more try with a new one?

        True the first time for a request (expired or revoked token), False when the
        request was already sent again with a fresh token (the credentials are wrong).
        """
        if request in self.renewed_for:
            return False
        self.renewed_for.add(request)
        self.invalidate()
        return True

    def update_access_token(self) -> None:
        """Fetch a token, retrying 429/5xx and broken connections; clear errors otherwise."""
        self.retrier.call(self.fetch_token)

    def fetch_token(self) -> None:
        """One token request (``POST /oauth/token``, form-encoded)."""
        self.logger.info("Requesting a new Kameleoon access token")
        requested_at = datetime.now(UTC)
        response = self.session.post(self.auth_endpoint, data=self.oauth_request_payload, timeout=self.timeout)
        status = response.status_code
        if status >= HTTPStatus.BAD_REQUEST:
            detail = self.redactor(response.text.strip()[:300])
            msg = f"Kameleoon answered {status} to the token request POST {TOKEN_PATH}: {detail}"
            if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
                raise RetriableAPIError(msg, response)
            raise FatalAPIError(f"{msg} ({CREDENTIALS_HINT})")
        problem = json_body_problem(response)
        if problem is not None:  # cut off or corrupted: asking again only costs a token, like after a 5xx
            raise RetriableAPIError(
                f"Kameleoon answered {status} to the token request POST {TOKEN_PATH} {problem}", response
            )
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            msg = f"Kameleoon answered {status} to the token request POST {TOKEN_PATH} without an access_token"
            raise FatalAPIError(msg)
        expiration = body.get("expires_in")
        if not ACCESS_TOKEN.fullmatch(body["access_token"]) or not _lifetime(expiration):
            msg = (
                f"Kameleoon answered {status} to the token request POST {TOKEN_PATH} with an access_token "
                "or expires_in that is not one (corrupted?)"
            )
            raise RetriableAPIError(msg, response)
        self.access_token = body["access_token"]
        self.expires_in = int(expiration) if expiration else None
        self.last_refreshed = requested_at
        self.redactor.add(self.access_token)
        self.tokens_fetched += 1


def _lifetime(value: t.Any) -> bool:
    """An ``expires_in`` the tap can use: absent, or a non-negative number of seconds."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    try:
        return float(value) >= 0
    except (TypeError, ValueError):
        return False


class KameleoonStream(VendorRESTStream[t.Any]):
    """Base stream: the tap's shared token, one retry after a 401, Kameleoon's errors."""

    vendor_name = "Kameleoon"
    credential_settings = ("client_id", "client_secret")
    # Its only POST stream is POST /segments/search, a read: a corrupt answer is asked again.
    idempotent_post = True

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
                try:
                    response.json()
                except ValueError:
                    msg = f"Kameleoon answered {method} {path} with a body that is not JSON"
                    raise RetriableAPIError(msg, response) from None
            return response

        return self.request_decorator(attempt)(prepared, context)

    def body_problem(self, response: requests.Response) -> str | None:
        """A data code must be one before it goes into STATE and the poll; other answers must be JSON."""
        if requests.utils.urlparse(response.url).path.endswith(GLOBAL_REQUEST_PATH):
            return None if data_code_in(response) else "without a valid dataCode (corrupted?)"
        return super().body_problem(response)

    def validate_response(self, response: requests.Response) -> None:
        """Kameleoon's own cases first, then the shared classification."""
        status = response.status_code
        path = requests.utils.urlparse(response.url).path
        if status == HTTPStatus.UNAUTHORIZED:
            if self.authenticator.token_rejected(response.request):
                request = self.request_description(response)
                msg = f"Kameleoon rejected the access token (expired or revoked) on {request}; fetching a new one"
                raise RetryNow(msg, response)
            raise TokenRejectedError(f"{self.response_error_message(response)} ({CREDENTIALS_HINT})")
        if status == HTTPStatus.FORBIDDEN and path.endswith(GLOBAL_REQUEST_PATH):
            raise FatalAPIError(f"{self.response_error_message(response)}: {ADDON_HINT}")
        if status == HTTPStatus.BAD_REQUEST and path.endswith(POLL_PATH):
            raise DataCodeRejectedError(self.response_error_message(response))
        super().validate_response(response)
