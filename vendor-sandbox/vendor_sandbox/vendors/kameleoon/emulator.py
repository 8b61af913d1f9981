"""Kameleoon Automation API emulation: OAuth token, sites, segments, audience request → poll.

The documented rules and the sandbox's decisions where the documentation is silent are in
:mod:`.rules` (``ASSUMPTIONS``).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from vendor_sandbox.core import (
    Admission,
    Emulator,
    Records,
    VendorContext,
    VendorRequest,
    VendorResponse,
    json_response,
    records_at,
)

from . import rules
from .config import POLL_OUTCOMES, KameleoonConfig
from .data import KameleoonData


@dataclass
class _Token:
    client_id: str
    expires_at: float


@dataclass
class _Job:
    account: int
    site_id: int
    start: datetime
    end: datetime
    level: str
    created: float
    polls: int = 0


class KameleoonEmulator(Emulator):
    """The Kameleoon vendor mounted under `/kameleoon`."""

    def __init__(self, config: KameleoonConfig, context: VendorContext) -> None:
        super().__init__(config, context)
        self.clients = dict(config.clients)
        self.accounts = {client: n for n, client in enumerate(self.clients)}
        self.data = KameleoonData(
            context.seed,
            sites_per_account=config.sites,
            segments_per_site=config.segments_per_site,
            timestamps=config.timestamps,
        )
        self.token_lifetime = config.token_lifetime
        self.token_revoke_after = config.token_revoke_after
        self.polls_until_ready = config.polls_until_ready
        self.waiting_seconds = config.waiting_seconds
        self.poll_outcome = config.poll_outcome
        #: (site id, first day "YYYY-MM-DD") → the outcome of that window's data codes, over poll_outcome.
        self.window_outcomes: dict[tuple[int, str], str] = {}
        self.sites_per_page = config.sites_per_page
        self.audiences_addon = config.audiences_addon
        self.data_code_ttl = config.data_code_ttl
        self.limiter = context.limiter(rules.limits(config.rate_windows))
        self.tokens: dict[str, _Token] = {}
        self.jobs: dict[str, _Job] = {}
        self.served: list[dict[str, Any]] = []
        self.tokens_issued = 0
        self._lock = threading.Lock()

    # --- the vendor contract -------------------------------------------------------------

    def admit(self, request: VendorRequest) -> Admission:
        if request.path == "/oauth/token":
            client = dict(parse_qsl(request.body.decode(errors="replace"))).get("client_id", "")
            if client not in self.clients:
                return Admission()  # answered by respond(): invalid_client
            return self._rate(client, request, auth_valid=None)
        header = request.headers.get("Authorization") or ""
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        with self._lock:
            entry = self.tokens.get(token)
        if entry is None or entry.expires_at <= time.monotonic():
            return Admission(rules.error(401, "Invalid or expired access token", "auth"), auth_valid=False)
        return self._rate(entry.client_id, request, auth_valid=True)

    def _rate(self, client: str, request: VendorRequest, *, auth_valid: bool | None) -> Admission:
        # One budget per account (documented), that is per client id, which names it in the log.
        refused, release = self.limiter.acquire(client, request.arrival)
        if refused:
            return Admission(self.rate_limited_response(), auth_valid=auth_valid, rate_limited=refused, account=client)
        return Admission(auth_valid=auth_valid, release=release, account=client)

    def respond(self, request: VendorRequest) -> VendorResponse:
        route = (request.method, request.path.rstrip("/"))
        if route == ("POST", "/oauth/token"):
            return self.token(request)
        account = self._account(request)
        if route == ("GET", "/sites"):
            return self.sites(account, request.query)
        if route == ("POST", "/segments/search"):
            return self.segments(account, request.body)
        if route == ("GET", "/audiences/global"):
            return self.request_global(account, request.query)
        if route == ("GET", "/audiences/poll"):
            return self.poll(account, request.query)
        return rules.error(404, f"No endpoint {request.method} {request.path}")

    def rate_limited_response(self) -> VendorResponse:
        return rules.error(429, rules.RATE_LIMITED, "gateway")

    def failure_response(self, status: int) -> VendorResponse:
        return rules.error(status, "Internal error")

    def records(self, request: VendorRequest, document: Any) -> dict[str, Records]:
        path = request.path.rstrip("/")
        if path == "/sites":
            return {"sites": Records(records_at(document), "id")}
        if path == "/segments/search":
            return {"segments": Records(records_at(document), "id")}
        if path != "/audiences/poll" or not isinstance(document, dict) or document.get("status") != "READY":
            return {}  # WAITING and ERROR carry only the zero-filled placeholder
        data = document.get("data")
        data = data if isinstance(data, dict) else {}
        parts = data.get("breakdownData") or {}
        breakdowns = [
            item
            for kind in ("usualBreakdownStats", "customDataStats")
            for items in (parts.get(kind) or {}).values()
            for item in items
        ]
        overall = [data["globalStats"]] if isinstance(data.get("globalStats"), dict) else []
        return {
            "segmentStats": Records(records_at(data, "segmentStats"), "segmentId"),
            "periodStats": Records(records_at(data, "periodStats"), "elementCount"),
            "globalStats": Records(overall, "elementCount"),
            "breakdownData": Records(breakdowns, "segmentId"),
        }

    def admin(self, method: str, path: str, query: Mapping[str, str], payload: Any) -> tuple[int, Any]:
        route = (method, path.strip("/"))
        if route == ("GET", "truth"):
            return 200, self.truth()
        if route == ("GET", "served"):
            return 200, {"served": list(self.served)}
        if route == ("POST", "settings"):
            return self.change(query)
        return 404, {"error": "not found"}

    # --- endpoints -------------------------------------------------------------------------

    def token(self, request: VendorRequest) -> VendorResponse:
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type != "application/x-www-form-urlencoded":
            return json_response(400, {"error": "invalid_request", "error_description": "form-encoded body expected"})
        form = dict(parse_qsl(request.body.decode(errors="replace")))
        if form.get("grant_type") != "client_credentials":
            return json_response(400, {"error": "unsupported_grant_type"})
        client = form.get("client_id", "")
        if client not in self.clients or not secrets.compare_digest(
            form.get("client_secret", ""), self.clients[client]
        ):
            return json_response(401, {"error": "invalid_client", "error_description": "Bad client credentials"})
        token = secrets.token_urlsafe(24)
        lifetime = self.token_lifetime if self.token_revoke_after is None else self.token_revoke_after
        with self._lock:
            self.tokens[token] = _Token(client, time.monotonic() + lifetime)
            self.tokens_issued += 1
        return json_response(
            200, {"access_token": token, "token_type": "bearer", "expires_in": int(self.token_lifetime)}
        )

    def sites(self, account: int, query: Mapping[str, str]) -> VendorResponse:
        sites = self.data.sites(account)
        if self.sites_per_page is None:
            return json_response(200, sites)
        try:
            page = int(query.get("page") or 1)
        except ValueError:
            return rules.error(400, "page must be a number")
        if page < 1:
            return rules.error(400, "page must be at least 1")
        per_page = self.sites_per_page
        headers = rules.pagination_headers(page, per_page, len(sites))
        return json_response(200, sites[(page - 1) * per_page : page * per_page], headers)

    def segments(self, account: int, body: bytes) -> VendorResponse:
        try:
            search = json.loads(body or b"{}")
            page = int(search.get("page") or 1)
            per_page = int(search.get("perPage") or rules.DEFAULT_PER_PAGE)
            site_ids = rules.site_filter(search.get("filter"))
            fields = {key for site in self.data.sites(account)[:1] for key in self.data.segments(site["id"])[0]}
            order = rules.sort_keys(search.get("sort"), fields)
        except (ValueError, TypeError, AttributeError) as error:
            return rules.error(400, f"Invalid search body: {error}")
        if page < 1 or not 1 <= per_page <= rules.MAX_PER_PAGE:
            return rules.error(400, f"page must be at least 1 and perPage between 1 and {rules.MAX_PER_PAGE}")
        segments = [
            segment
            for site in self.data.sites(account)
            if site_ids is None or site["id"] in site_ids
            for segment in self.data.segments(site["id"])
        ]
        for field, descending in reversed(order):  # stable sorts, the first key last
            segments.sort(key=lambda segment: segment[field], reverse=descending)
        headers = rules.pagination_headers(page, per_page, len(segments))
        return json_response(200, segments[(page - 1) * per_page : page * per_page], headers)

    def request_global(self, account: int, query: Mapping[str, str]) -> VendorResponse:
        if not self.audiences_addon:
            return rules.error(403, rules.NO_ADDON, "audience-service")
        try:
            site_id = int(query.get("siteId", ""))
            start = datetime.strptime(query.get("startDate", ""), rules.DATE_FORMAT).replace(
                tzinfo=self.clock.now().tzinfo
            )
            end = datetime.strptime(query.get("endDate", ""), rules.DATE_FORMAT).replace(tzinfo=self.clock.now().tzinfo)
        except ValueError:
            return rules.error(400, "siteId (number), startDate and endDate (YYYY-MM-DDThh:mm:ss) are required")
        level = query.get("analyticsLevel", "VISITOR")
        if level not in rules.ANALYTICS_LEVELS:
            return rules.error(400, "analyticsLevel must be VISIT or VISITOR")
        if site_id not in {site["id"] for site in self.data.sites(account)}:
            return rules.error(403, f"No access to site {site_id}")
        earliest = self.clock.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
            days=rules.HISTORY_DAYS
        )
        if start < earliest:
            return rules.error(400, f"startDate cannot be earlier than {earliest.strftime(rules.DATE_FORMAT)}")
        if end <= start:
            return rules.error(400, "endDate must be after startDate")
        code = secrets.token_hex(16)
        with self._lock:
            self.jobs[code] = _Job(account, site_id, start, end, level, time.monotonic())
        return json_response(200, {"dataCode": code})

    def poll(self, account: int, query: Mapping[str, str]) -> VendorResponse:
        code = query.get("dataCode", "")
        with self._lock:
            job = self.jobs.get(code)
            if job is None or job.account != account or time.monotonic() - job.created > self.data_code_ttl:
                return rules.error(400, f"Unknown or expired dataCode {code!r}", "audience-service")
            job.polls += 1
            polls = job.polls
            running = time.monotonic() - job.created < self.waiting_seconds
        outcome = self.window_outcomes.get((job.site_id, job.start.date().isoformat()), self.poll_outcome)
        if outcome == "error":
            body = self.data.placeholder(job.start, job.end, job.level)
            return json_response(200, {"status": "ERROR", "data": body, "errorDescription": rules.COMPUTATION_FAILED})
        if outcome == "never" or polls <= self.polls_until_ready or running:
            body = self.data.placeholder(job.start, job.end, job.level)
            return json_response(200, {"status": "WAITING", "data": body, "errorDescription": None})
        data = self.data.payload(job.site_id, job.start, job.end, job.level)
        breakdowns = data["breakdownData"]
        self.served.append(
            {
                "dataCode": code,
                "siteId": job.site_id,
                "startDate": data["startDateTime"],
                "endDate": data["endDateTime"],
                "analyticsLevel": job.level,
                "segmentStats": len(data["segmentStats"]),
                "periodStats": len(data["periodStats"]),
                "breakdownStats": sum(len(items) for part in breakdowns.values() for items in part.values()),
            }
        )
        return json_response(200, {"status": "READY", "data": data, "errorDescription": None})

    # --- helpers and admin -----------------------------------------------------------------

    def _account(self, request: VendorRequest) -> int:
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        with self._lock:
            return self.accounts[self.tokens[token].client_id]

    def truth(self) -> dict[str, Any]:
        accounts = []
        for client, account in self.accounts.items():
            sites = self.data.sites(account)
            accounts.append(
                {
                    "client_id": client,
                    "sites": sites,
                    "segments": {str(site["id"]): len(self.data.segments(site["id"])) for site in sites},
                    "tracked_segments": {str(site["id"]): self.data.tracked_segment_ids(site["id"]) for site in sites},
                }
            )
        return {"accounts": accounts, "tokens_issued": self.tokens_issued}

    def change(self, query: Mapping[str, str]) -> tuple[int, Any]:
        """`POST /_sandbox/kameleoon/settings?poll_outcome=&polls_until_ready=&waiting_seconds=`
        `&window_outcome=SITE:YYYY-MM-DD:OUTCOME&audiences_addon=&revoke_tokens=1`."""
        if "poll_outcome" in query:
            if query["poll_outcome"] not in POLL_OUTCOMES:
                return 400, {"error": "poll_outcome must be ready, error or never"}
            self.poll_outcome = query["poll_outcome"]
        if "window_outcome" in query:
            site, _, rest = query["window_outcome"].partition(":")
            day, _, outcome = rest.rpartition(":")
            if not site.isdigit() or outcome not in POLL_OUTCOMES or len(day) != len("YYYY-MM-DD"):
                return 400, {"error": "window_outcome is SITE_ID:YYYY-MM-DD:ready|error|never"}
            self.window_outcomes[(int(site), day)] = outcome
        if "polls_until_ready" in query:
            self.polls_until_ready = int(query["polls_until_ready"])
        if "waiting_seconds" in query:
            self.waiting_seconds = float(query["waiting_seconds"])
        if "audiences_addon" in query:
            self.audiences_addon = query["audiences_addon"] not in ("0", "false", "")
        if query.get("revoke_tokens") not in (None, "0", "false", ""):
            with self._lock:
                self.tokens.clear()
        return 200, {
            "poll_outcome": self.poll_outcome,
            "window_outcomes": {f"{site}:{day}": outcome for (site, day), outcome in self.window_outcomes.items()},
            "polls_until_ready": self.polls_until_ready,
            "waiting_seconds": self.waiting_seconds,
            "audiences_addon": self.audiences_addon,
        }
