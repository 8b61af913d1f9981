"""Calltouch plans import emulation (``calltouch-plans-import.txt``), mounted under `/calltouch`.

Followed literally: ``POST /report-service/RestAPI/api/plans-import/add`` and
``POST /report-service/RestAPI/api/plans-import/{id}/status``, headers ``Access-Token`` and
``SiteId``, every documented validation rule and error body (``apiError``, ``validationError``
with ``violations``, the missing-field message, ``{"message": "Access token не найден"}``), at
most 100 items, statuses ``in progress...`` → ``success`` (or ``error``), and at most 5 requests
per second per IP. Where the doc is silent the sandbox decides in :data:`.rules.ASSUMPTIONS`.
Imported plans are kept (last import of a plan wins) so tests can compare them with the input.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
from .config import IMPORT_OUTCOMES, CalltouchConfig
from .rules import ERROR, IN_PROGRESS, PREFIX, SUCCESS, api_error, envelope, validation_error


@dataclass
class _Import:
    import_id: int
    site_id: str
    items: list[dict[str, Any]]
    arrival: float
    outcome: str
    polls: int = 0
    applied: bool = False

    def status(self, now: float, duration: float) -> str:
        if self.outcome == "never" or now - self.arrival < duration:
            return IN_PROGRESS
        return SUCCESS if self.outcome == "success" else ERROR


class CalltouchEmulator(Emulator):
    """The Calltouch vendor mounted under `/calltouch`."""

    def __init__(self, config: CalltouchConfig, context: VendorContext) -> None:
        super().__init__(config, context)
        self.tokens = dict(config.tokens)
        self.limiter = context.limiter(rules.limits(config.requests_per_second))
        self.import_seconds = config.import_seconds
        self.import_outcome = config.import_outcome
        self.outcome_from = 1
        self._lock = threading.Lock()
        self.imports: dict[int, _Import] = {}
        self.plans: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.rejected_adds = 0

    # --- the vendor contract -------------------------------------------------------------

    def admit(self, request: VendorRequest) -> Admission:
        refused, release = self.limiter.acquire(request.client, request.arrival)
        if refused:
            return Admission(self.rate_limited_response(), rate_limited=refused)
        token = request.headers.get("Access-Token") or ""
        site = self.tokens.get(token)
        if site is None or (request.headers.get("SiteId") or "").strip() != site:
            return Admission(rules.auth_failed(), auth_valid=False, release=release)
        return Admission(auth_valid=True, release=release)

    def respond(self, request: VendorRequest) -> VendorResponse:
        path = request.path.rstrip("/")
        if request.method == "POST" and path == f"{PREFIX}/add":
            return self.add(request)
        head, _, tail = path.rpartition("/")
        if request.method == "POST" and tail == "status" and head.startswith(f"{PREFIX}/"):
            return self.status(request, head.removeprefix(f"{PREFIX}/"))
        return api_error(404, 404, f"Метод {request.method} {request.path} не найден")

    def rate_limited_response(self) -> VendorResponse:
        return api_error(429, 429, rules.RATE_LIMITED)

    def failure_response(self, status: int) -> VendorResponse:
        return api_error(status, status, rules.INTERNAL_ERROR)

    def records(self, request: VendorRequest, document: Any) -> dict[str, Records]:
        data = document.get("data") if isinstance(document, dict) else None
        data = data if isinstance(data, dict) else {}
        if request.path.rstrip("/").endswith("/status"):
            answer = [data] if "status" in data else []
            return {"items": Records(records_at(data, "items"), "metric"), "data": Records(answer, "status")}
        return {"data": Records([data] if "importLogId" in data else [], "importLogId")}

    def admin(self, method: str, path: str, query: Mapping[str, str], payload: Any) -> tuple[int, Any]:
        route = (method, path.strip("/"))
        if route == ("GET", "plans"):
            return 200, {"plans": self.imported_plans()}
        if route == ("GET", "imports"):
            return 200, {"imports": self.import_log(), "rejected_adds": self.rejected_adds}
        if route == ("POST", "settings"):
            try:
                outcome_from = int(query["outcome_from"]) if "outcome_from" in query else None
                self.configure(import_outcome=query.get("import_outcome"), outcome_from=outcome_from)
            except ValueError as error:
                return 400, {"error": str(error)}
            return 200, {"import_outcome": self.import_outcome, "outcome_from": self.outcome_from}
        return 404, {"error": "not found"}

    # --- endpoints -------------------------------------------------------------------------

    def add(self, request: VendorRequest) -> VendorResponse:
        try:
            body = json.loads(request.body.decode()) if request.body.strip() else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self.rejected_adds += 1
            return api_error(400, 1, rules.JSON_SYNTAX)
        missing = rules.missing_field(body)
        if missing is not None:
            self.rejected_adds += 1
            return json_response(400, envelope({"message": f'В запросе не указано обязательное поле "{missing}"'}))
        found = rules.violations(body["items"])
        if found:
            self.rejected_adds += 1
            return validation_error(found)
        with self._lock:
            import_id = len(self.imports) + 1
            outcome = self.import_outcome if import_id >= self.outcome_from else "success"
            site = (request.headers.get("SiteId") or "").strip()
            self.imports[import_id] = _Import(import_id, site, body["items"], request.arrival, outcome)
        return json_response(200, envelope({"importLogId": import_id}))

    def status(self, request: VendorRequest, raw_id: str) -> VendorResponse:
        site = (request.headers.get("SiteId") or "").strip()
        with self._lock:
            job = self.imports.get(int(raw_id)) if raw_id.isdigit() else None
            if job is None or job.site_id != site:
                return api_error(404, 404, f"Лог импорта {raw_id} не найден")
            job.polls += 1
            state = job.status(time.monotonic(), self.import_seconds)
            self._apply(job, state)
        return json_response(200, envelope({"status": state, "items": job.items}))

    def _apply(self, job: _Import, state: str) -> None:
        """Keep a successful import's plans (callers hold the lock)."""
        if state == SUCCESS and not job.applied:
            job.applied = True
            for item in job.items:
                self.plans[rules.plan_key(item)] = item

    # --- inspection and admin --------------------------------------------------------------

    def imported_plans(self) -> list[dict[str, Any]]:
        """Every plan held after the imports that finished by now (last import wins)."""
        with self._lock:
            now = time.monotonic()
            for job in self.imports.values():
                self._apply(job, job.status(now, self.import_seconds))
            return list(self.plans.values())

    def import_log(self) -> list[dict[str, Any]]:
        with self._lock:
            now = time.monotonic()
            return [
                {
                    "importLogId": job.import_id,
                    "items": len(job.items),
                    "status": job.status(now, self.import_seconds),
                    "polls": job.polls,
                }
                for job in self.imports.values()
            ]

    def configure(self, *, import_outcome: str | None = None, outcome_from: int | None = None) -> None:
        """Make imports from number ``outcome_from`` on end in ``import_outcome``."""
        with self._lock:
            if import_outcome is not None:
                if import_outcome not in IMPORT_OUTCOMES:
                    raise ValueError(f"import_outcome must be one of {', '.join(IMPORT_OUTCOMES)}")
                self.import_outcome = import_outcome
            if outcome_from is not None:
                self.outcome_from = outcome_from
