"""OAuth client credentials: one token per run, shared by every stream of a plugin.

:class:`ClientCredentialsAuthenticator` is the SDK's ``OAuthAuthenticator`` (keyword
constructed) with what every vendor of the collection needs: the token request goes
through the plugin's rate budget and its one retry engine (429/5xx, timeouts, dropped
connections), its failures are one clear line naming the settings to check, each new
token is masked in every log line at once, the token is fetched again shortly before
it expires, and a request the vendor answers 401 is sent once more with a new token
(:meth:`~ClientCredentialsAuthenticator.token_rejected`, used by
``VendorRESTStream.validate_response``). A vendor's differences are class attributes and
two hooks: the body encoding (``json_body``) and the expiry (:meth:`expiry_of`).
"""

from __future__ import annotations

import logging
import re
import typing as t
import weakref
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from urllib.parse import urlsplit

from singer_sdk.authenticators import OAuthAuthenticator
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from vendor_http.errors import gave_up, transport_reason
from vendor_http.retry import Retrier
from vendor_http.session import budgeted_session, json_body_problem, vendor_error_detail

if t.TYPE_CHECKING:
    import requests

    from vendor_http.rate_budget import RateBudget
    from vendor_http.redaction import Redactor
    from vendor_http.retry import RetryPolicy
    from vendor_http.transport import TransportLimits

#: Fetch a new token this long before it expires (at most a tenth of its lifetime).
TOKEN_REFRESH_MARGIN_SECONDS = 120.0
#: A bearer token (RFC 6750 ``b64token``): it goes into every later request's header, so an
#: answer holding anything else (a corrupted body) is not taken for one.
ACCESS_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*")


def usable_lifetime(value: t.Any) -> bool:
    """An ``expires_in`` a plugin can use: absent, or a non-negative number of seconds."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    try:
        return float(value) >= 0
    except (TypeError, ValueError):
        return False


class ClientCredentialsAuthenticator(OAuthAuthenticator):
    """The client-credentials grant, with the collection's budget, retries and redaction."""

    #: Send the token request's body as JSON instead of form-encoded.
    json_body: bool = False

    def __init__(
        self,
        *,
        vendor_name: str,
        credentials_hint: str,
        redactor: Redactor,
        budget: RateBudget,
        policy: RetryPolicy,
        timeout: float = 300.0,
        limits: TransportLimits | None = None,
        logger: logging.Logger | None = None,
        **kwargs: t.Any,
    ) -> None:
        """``credentials_hint`` says what to check when the credentials are refused; ``limits``
        bound the token request like every other (deadline, size); ``kwargs`` go to the SDK's
        ``OAuthAuthenticator`` (``auth_endpoint``, ``client_id``…)."""
        super().__init__(**kwargs)
        self.vendor_name = vendor_name
        self.credentials_hint = credentials_hint
        self.redactor = redactor
        self.timeout = timeout
        if logger is not None:
            self.logger = logger
        self.budget = budget
        self.session = budgeted_session(budget, policy, vendor_name=vendor_name, limits=limits)
        #: When the current token stops being accepted (UTC), if known.
        self.expires_at: datetime | None = None
        # Once the token request's own tries are used up, the run stops: the request
        # that needed the token is not retried with another round of token requests.
        self.retrier = Retrier(
            policy,
            vendor_name=vendor_name,
            logger=self.logger,
            describe=self.describe_failure,
            give_up=lambda error, tries: FatalAPIError(f"{self.describe_failure(error)} {gave_up(tries)}"),
        )
        self.tokens_fetched = 0
        #: Requests already sent again with a new token after a 401 (once each).
        self.renewed_for: weakref.WeakSet[requests.PreparedRequest] = weakref.WeakSet()

    @property
    def token_request(self) -> str:
        """``POST /path`` of the token endpoint, for messages."""
        return f"POST {urlsplit(self.auth_endpoint).path or '/'}"

    @property
    def oauth_request_body(self) -> dict[str, t.Any]:
        """The client-credentials fields."""
        return {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}

    # --- validity ----------------------------------------------------------------------------

    def is_token_valid(self) -> bool:
        """Valid until shortly before it expires."""
        if self.access_token is None or self.last_refreshed is None:
            return False
        if self.expires_at is None:
            return True
        return datetime.now(UTC) < self.expires_at - timedelta(seconds=self.refresh_margin())

    def refresh_margin(self) -> float:
        """Seconds before the expiry when a new token is fetched: 120 s, at most a tenth of the lifetime."""
        return min(TOKEN_REFRESH_MARGIN_SECONDS, (self.expires_in or 0) / 10)

    def expiry_of(self, body: dict[str, t.Any], requested_at: datetime) -> datetime | None:
        """When the token of ``body`` expires: ``expires_in`` counted from the request (override per vendor)."""
        return None if not self.expires_in else requested_at + timedelta(seconds=self.expires_in)

    def invalidate(self) -> None:
        """Forget the token (the vendor rejected it); the next request fetches a new one."""
        self.access_token = None
        self.last_refreshed = None
        self.expires_at = None

    def token_rejected(self, request: requests.PreparedRequest) -> bool:
        """The vendor answered 401 to ``request``: forget the token; worth one more try with a new one?

        True the first time for a request (an expired or revoked token), False when the
        request was already sent again with a fresh token (the credentials are wrong).
        """
        if request in self.renewed_for:
            return False
        self.renewed_for.add(request)
        self.invalidate()
        return True

    # --- the token request ---------------------------------------------------------------------

    def describe_failure(self, error: BaseException) -> str:
        """What went wrong with the token request, for the message that stops the run."""
        if isinstance(error, RetriableAPIError):
            return str(error)
        return f"{self.vendor_name} token request {self.token_request} failed: {transport_reason(error)}"

    def update_access_token(self) -> None:
        """Fetch a token, retrying 429/5xx and broken connections; clear errors otherwise."""
        self.retrier.call(self.fetch_token)

    def fetch_token(self) -> None:
        """One token request."""
        self.logger.info("Requesting a new %s access token", self.vendor_name)
        requested_at = datetime.now(UTC)
        payload = self.oauth_request_payload
        if self.json_body:
            response = self.session.post(self.auth_endpoint, json=payload, timeout=self.timeout)
        else:
            response = self.session.post(self.auth_endpoint, data=payload, timeout=self.timeout)
        status = response.status_code
        answered = f"{self.vendor_name} answered {status} to the token request {self.token_request}"
        if status >= HTTPStatus.BAD_REQUEST:
            msg = f"{answered}: {vendor_error_detail(response, self.redactor)}"
            if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
                raise RetriableAPIError(msg, response)
            raise FatalAPIError(f"{msg} ({self.credentials_hint})")
        problem = json_body_problem(response)
        if problem is not None:  # cut off or corrupted: asking again only costs a token, like after a 5xx
            raise RetriableAPIError(f"{answered} {problem}", response)
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
            raise FatalAPIError(f"{answered} without an access_token")
        if not ACCESS_TOKEN.fullmatch(body["access_token"]) or not usable_lifetime(body.get("expires_in")):
            raise RetriableAPIError(
                f"{answered} with an access_token or expires_in that is not one (corrupted?)", response
            )
        self.redactor.add(body["access_token"])
        try:
            self.expires_in = int(body["expires_in"]) if body.get("expires_in") else None
        except (TypeError, ValueError):
            self.expires_in = None
        self.expires_at = self.expiry_of(body, requested_at)  # the previous token is still access_token here
        self.access_token = body["access_token"]
        self.last_refreshed = requested_at
        self.tokens_fetched += 1
