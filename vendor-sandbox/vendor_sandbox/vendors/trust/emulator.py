"""Trust.lat emulation: Atenea's token endpoint and the campaigns API, under ``/trust``.

Atenea (``https://atenea.trust.lat``) is served under ``/trust/atenea``, the API
(``https://api.trust.lat``) under ``/trust/api``. Order of checks for an API request: route
(404), Bearer token (401), the client's rate windows if any (429), then (after any injected
fault) the Content-Type, the company and the query (400/404/415) and the data (200). The
documented rules and the sandbox's decisions where the documentation is silent are in
:mod:`.rules` (``ASSUMPTIONS``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from vendor_sandbox.core import (
    Admission,
    Emulator,
    Records,
    VendorContext,
    VendorRequest,
    VendorResponse,
    json_response,
)

from . import rules
from .config import TrustConfig
from .data import TrustData
from .rules import RequestError, envelope


@dataclass
class _Token:
    client_id: str
    created_at: int
    """Unix seconds, as answered."""
    dies_at: float
    """Unix time after which the API answers 401."""


class TrustEmulator(Emulator):
    """Atenea and the Trust.lat campaigns API mounted under `/trust`."""

    def __init__(self, config: TrustConfig, context: VendorContext) -> None:
        super().__init__(config, context)
        self.clients = dict(config.clients)
        self.data = TrustData(context.seed, config.companies, config.campaigns_per_company, self.clock.today())
        self.token_lifetime = config.token_lifetime
        self.token_revoke_after = config.token_revoke_after
        self.reuse_tokens = config.reuse_tokens
        self.errors_under_200 = config.errors_under_200
        self.limiter = context.limiter(rules.limits(config.rate_windows))
        self.tokens: dict[str, _Token] = {}
        self.tokens_issued = 0
        self._lock = threading.Lock()

    # --- the vendor contract -------------------------------------------------------------

    def admit(self, request: VendorRequest) -> Admission:
        if request.path.startswith(rules.ATENEA_PREFIX + "/"):
            return Admission()  # Atenea answers everything itself (respond)
        match = rules.COMPANY_PATH.match(request.path.removeprefix(rules.API_PREFIX))
        if not request.path.startswith(rules.API_PREFIX + "/") or match is None or request.method != "GET":
            return Admission(envelope(404, "Error", None, f"No route {request.method} {request.path}"))
        resource = rules.RESOURCES[match["endpoint"]]
        header = request.headers.get("Authorization") or ""
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        entry = self._live_token(token)
        if entry is None:
            return Admission(envelope(401, resource, None, "Invalid or expired access token"), auth_valid=False)
        refused, release = self.limiter.acquire(entry.client_id, request.arrival)
        if refused:
            return Admission(self.rate_limited_response(), auth_valid=True, rate_limited=refused)
        return Admission(auth_valid=True, release=release)

    def respond(self, request: VendorRequest) -> VendorResponse:
        if request.path.startswith(rules.ATENEA_PREFIX + "/"):
            return self.token(request)
        match = rules.COMPANY_PATH.match(request.path.removeprefix(rules.API_PREFIX))
        assert match is not None  # admitted
        resource = rules.RESOURCES[match["endpoint"]]
        try:
            accepted = self.config.content_types
            if rules.media_type(request.headers.get("Content-Type")) not in accepted:
                raise RequestError(415, f"Content-Type must be {' or '.join(accepted)}", resource)
            company = self._company(match["company"])
            if match["endpoint"] == "statistics":
                return self.statistics(company, request.query)
            return self.campaigns(company, request.query)
        except RequestError as error:
            http_status = 200 if self.errors_under_200 else error.status
            return envelope(error.status, error.resource, None, error.message, http_status=http_status)

    def rate_limited_response(self) -> VendorResponse:
        return envelope(429, "Error", None, "Too many requests")

    def failure_response(self, status: int) -> VendorResponse:
        return envelope(status, "Error", None)

    def records(self, request: VendorRequest, document: Any) -> dict[str, Records]:
        data = document.get("data") if isinstance(document, dict) else None
        if request.path.endswith("/statistics"):
            return {"statistics": Records([data] if isinstance(data, dict) else [], "total")}
        if request.path.endswith("/campaign"):
            return {"campaigns": Records(data if isinstance(data, list) else [], "terminated")}
        return {}

    def admin(self, method: str, path: str, query: Mapping[str, str], payload: Any) -> tuple[int, Any]:
        route = (method, path.strip("/"))
        if route == ("GET", "truth"):
            return 200, self.truth(query)
        if route == ("POST", "settings"):
            return self.change(query)
        return 404, {"error": "not found"}

    # --- Atenea ------------------------------------------------------------------------------

    def token(self, request: VendorRequest) -> VendorResponse:
        """``POST /atenea/oauth/token/``: JSON client credentials only."""
        if request.path.removeprefix(rules.ATENEA_PREFIX) != rules.TOKEN_PATH or request.method != "POST":
            return rules.oauth_error(404, "not_found", f"No route {request.method} {request.path}")
        if rules.media_type(request.headers.get("Content-Type")) != "application/json":
            return rules.oauth_error(400, "invalid_request", "The request body must be JSON (application/json)")
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return rules.oauth_error(400, "invalid_request", "The request body must be a JSON object")
        if body.get("grant_type") != "client_credentials":
            return rules.oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
        client, secret = body.get("client_id"), body.get("client_secret")
        if not isinstance(client, str) or client not in self.clients or not isinstance(secret, str):
            return rules.oauth_error(401, "invalid_client", "Client authentication failed")
        if not secrets.compare_digest(secret, self.clients[client]):
            return rules.oauth_error(401, "invalid_client", "Client authentication failed")
        return self._token_answer(client)

    def _token_answer(self, client: str) -> VendorResponse:
        now = time.time()
        with self._lock:
            live = [
                (token, entry)
                for token, entry in self.tokens.items()
                if entry.client_id == client and entry.created_at + self.token_lifetime > now and entry.dies_at > now
            ]
            if self.reuse_tokens and live:
                token, entry = live[-1]
            else:
                token = secrets.token_urlsafe(32)
                created_at = int(now)
                lifetime = self.token_lifetime if self.token_revoke_after is None else self.token_revoke_after
                entry = _Token(client, created_at, min(created_at + self.token_lifetime, now + lifetime))
                self.tokens[token] = entry
                self.tokens_issued += 1
        created: Any = entry.created_at
        if self.config.created_at_format == "iso":
            created = datetime.fromtimestamp(entry.created_at, UTC).isoformat().replace("+00:00", "Z")
        return json_response(
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime, "created_at": created},
        )

    def _live_token(self, token: str) -> _Token | None:
        now = time.time()
        with self._lock:
            entry = self.tokens.get(token)
        if entry is None or entry.created_at + self.token_lifetime <= now or entry.dies_at <= now:
            return None
        return entry

    # --- the API -----------------------------------------------------------------------------

    def _company(self, text: str) -> int:
        company = int(text) if text.isdigit() else None
        if company is None or company not in self.data.companies:
            raise RequestError(404, f"Company {text} not found", "Company")
        return company

    def statistics(self, company: int, query: Mapping[str, str]) -> VendorResponse:
        start, end = rules.date_range(
            query, self.clock.today(), self.config.range_parameters, self.config.date_format, self.config.range_end
        )
        data = self.data.statistics(company, start, end, self.clock.now())
        response = envelope(200, "Statistics", data)
        response.items = 1
        response.served = [{"company": company, "start": start.isoformat(), "end": end.isoformat()}]
        return response

    def campaigns(self, company: int, query: Mapping[str, str]) -> VendorResponse:
        terminated, search, fields = rules.campaign_filters(query)
        now = self.clock.now()
        listed = []
        for campaign in self.data.campaigns(company):
            item = campaign.as_json(now)
            if terminated is not None and item["terminated"] != terminated:
                continue
            if search and search not in item["name"].lower():
                continue
            listed.append({name: item[name] for name in fields} if fields else item)
        response = envelope(200, "Campaign", listed)
        response.items = len(listed)
        response.served = [{"company": company, "campaigns": len(listed)}]
        return response

    # --- truth and settings --------------------------------------------------------------------

    def daily(self, company: int, start: date, end: date) -> list[dict[str, Any]]:
        """Each day's statistics (what a one-day search answers), as of the sandbox's now."""
        now = self.clock.now()
        days = (start + timedelta(days=n) for n in range((end - start).days + 1))
        return [{"date": day.isoformat(), **self.data.statistics(company, day, day, now)} for day in days]

    def truth(self, query: Mapping[str, str]) -> dict[str, Any]:
        """Campaigns per company; with ``start`` and ``end`` (YYYY-MM-DD) each day's statistics too."""
        now = self.clock.now()
        companies: dict[str, Any] = {}
        window = None
        if query.get("start") or query.get("end"):
            window = (date.fromisoformat(query["start"]), date.fromisoformat(query["end"]))
        for company in self.data.companies:
            if query.get("company") and str(company) != query["company"]:
                continue
            entry: dict[str, Any] = {"campaigns": [c.as_json(now) for c in self.data.campaigns(company)]}
            if window is not None:
                entry["days"] = self.daily(company, *window)
            companies[str(company)] = entry
        return {
            "as_of": now.isoformat().replace("+00:00", "Z"),
            "companies": companies,
            "tokens_issued": self.tokens_issued,
        }

    def revoke_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def change(self, query: Mapping[str, str]) -> tuple[int, Any]:
        """`POST /_sandbox/trust/settings?errors_under_200=&revoke_tokens=1`."""
        if "errors_under_200" in query:
            self.errors_under_200 = query["errors_under_200"] not in ("0", "false", "")
        if query.get("revoke_tokens") not in (None, "0", "false", ""):
            self.revoke_tokens()
        return 200, {"errors_under_200": self.errors_under_200, "tokens": len(self.tokens)}
