"""ClientCredentialsAuthenticator against a real local server, alone and inside a VendorRESTStream.

What is checked: the client-credentials body (form-encoded, or JSON), the token masked at
once, 429/5xx on the token request retried and other failures one line naming the hint and
never the secret, the expiry (from the request, or a vendor's own rule) with its margin, and
a 401 answered by one new token and one resend of the request, never two.
"""

from __future__ import annotations

import json
import typing as t
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from acme_plugin import AcmeTap, ItemsStream
from http_script import Answer
from singer_sdk.exceptions import FatalAPIError

from vendor_http import ClientCredentialsAuthenticator, RateBudget, Redactor, RetryPolicy
from vendor_http.oauth import TOKEN_REFRESH_MARGIN_SECONDS

CLIENT_SECRET = "acme-client-secret-987"
HINT = "check the settings 'client_id' and 'client_secret'"
POLICY = RetryPolicy(max_tries=3, backoff_initial_seconds=0.01)


def token_answer(token: str = "token-aaaa-1111", **extra: t.Any) -> Answer:  # noqa: S107
    return Answer(body={"access_token": token, "token_type": "Bearer", "expires_in": 3600, **extra})


class CreatedAtAuthenticator(ClientCredentialsAuthenticator):
    """A vendor whose tokens die at ``created_at + expires_in`` (Unix seconds), sent as JSON."""

    json_body = True

    def expiry_of(self, body: dict[str, t.Any], requested_at: datetime) -> datetime | None:
        return datetime.fromtimestamp(body["created_at"], UTC) + timedelta(seconds=int(body["expires_in"]))


def make(url: str, cls: type[ClientCredentialsAuthenticator] = ClientCredentialsAuthenticator) -> t.Any:
    return cls(
        vendor_name="Acme",
        credentials_hint=HINT,
        redactor=Redactor([CLIENT_SECRET]),
        budget=RateBudget(),
        policy=POLICY,
        timeout=5,
        auth_endpoint=f"{url}/oauth/token",
        client_id="acme-client",
        client_secret=CLIENT_SECRET,
    )


def test_the_token_request_is_form_encoded_or_json_and_the_token_masked_at_once(http_script) -> None:
    url, script = http_script
    script.answers = [token_answer("token-form-1234"), token_answer("token-json-5678", created_at=1)]
    form = make(url)
    form.update_access_token()
    as_json = make(url, CreatedAtAuthenticator)
    as_json.update_access_token()

    first, second = script.seen
    body = {"grant_type": "client_credentials", "client_id": "acme-client", "client_secret": CLIENT_SECRET}
    assert (first.method, first.path, dict(parse_qsl(first.body.decode()))) == ("POST", "/oauth/token", body)
    assert second.headers["Content-Type"] == "application/json" and json.loads(second.body) == body
    assert form.redactor("sent token-form-1234") == "sent ***"
    assert (form.access_token, form.tokens_fetched, form.expires_in) == ("token-form-1234", 1, 3600)


def test_429_and_5xx_on_the_token_request_are_retried_other_failures_name_the_hint(http_script) -> None:
    url, script = http_script
    script.answers = [Answer(429, {"error": "slow"}, {"Retry-After": "0"}), Answer(503, {}), token_answer()]
    authenticator = make(url)
    authenticator.update_access_token()
    assert len(script.seen) == 3 and authenticator.retrier.retries == 2

    script.answers = [Answer(401, {"error": f"invalid_client {CLIENT_SECRET}"})]
    with pytest.raises(FatalAPIError) as refused:
        make(url).update_access_token()
    message = str(refused.value)
    assert message == f"Acme answered 401 to the token request POST /oauth/token: invalid_client *** ({HINT})"

    script.answers = [Answer(200, {"token_type": "Bearer"})]
    with pytest.raises(FatalAPIError, match="answered 200 to the token request POST /oauth/token without an access"):
        make(url).update_access_token()
    script.default = Answer(502, {"error": "gateway"})
    with pytest.raises(FatalAPIError, match=r"Acme answered 502 to the token request .*: gateway \(gave up after 3"):
        make(url).update_access_token()


def test_the_token_is_renewed_before_it_expires_and_the_expiry_rule_is_the_vendors(http_script) -> None:
    url, script = http_script
    authenticator = make(url, CreatedAtAuthenticator)
    long_ago = int((datetime.now(UTC) - timedelta(hours=1, minutes=30)).timestamp())
    script.answers = [token_answer(created_at=long_ago)]  # handed out 90 minutes ago, lives an hour
    authenticator.update_access_token()
    assert authenticator.expires_at == datetime.fromtimestamp(long_ago, UTC) + timedelta(hours=1)
    assert not authenticator.is_token_valid()

    plain = make(url)
    script.answers = [token_answer()]
    plain.update_access_token()
    assert plain.is_token_valid()
    plain.expires_at = datetime.now(UTC) + timedelta(seconds=TOKEN_REFRESH_MARGIN_SECONDS - 1)
    assert not plain.is_token_valid()  # inside the margin: fetched again before the vendor refuses it


class OAuthItems(ItemsStream):
    """Acme's items stream with the tap's one OAuth authenticator."""

    @property
    def authenticator(self) -> ClientCredentialsAuthenticator:
        return self.vendor_tap.oauth  # type: ignore[attr-defined,no-any-return]


class OAuthTap(AcmeTap):
    name = "tap-acme-oauth"

    def discover_streams(self) -> list[t.Any]:
        self.oauth = make(str(self.config["api_url"]))
        return [OAuthItems(self)]


def test_a_401_gets_one_new_token_and_one_resend_never_two(http_script) -> None:
    url, script = http_script
    items = Answer(body={"items": [{"id": 1, "day": "2026-01-01"}]})
    script.answers = [token_answer("token-one-1111"), Answer(401, {}), token_answer("token-two-2222"), items]
    tap = OAuthTap(config={"api_url": url, "api_token": "unused-1234", "backoff_initial_seconds": 0.01})
    stream = tap.streams["items"]

    assert [r["id"] for r in stream.request_records({"day": "2026-01-01"})] == [1]
    paths = [(seen.path, seen.headers.get("Authorization")) for seen in script.seen]
    assert paths == [
        ("/oauth/token", None),
        ("/items", "Bearer token-one-1111"),
        ("/oauth/token", None),
        ("/items", "Bearer token-two-2222"),
    ]

    script.answers = [Answer(401, {}), token_answer("token-three-3333"), Answer(401, {"error": "no access"})]
    with pytest.raises(FatalAPIError, match=r"Acme answered 401 to GET .*: no access \(the credentials were rejected"):
        list(stream.request_records({"day": "2026-01-02"}))
    assert len(script.seen) == 7 and tap.oauth.tokens_fetched == 3
