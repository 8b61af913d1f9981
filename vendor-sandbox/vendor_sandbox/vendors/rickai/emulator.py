"""Rick.ai data API v2 emulation: `GET /v2/{company}/sessions`, strictly as documented.

Order of checks for a request: route (404), `Rick-Auth-Token` (401), the token's rate limits
(429), then (after any injected fault) the query parameters (400) and the data (200).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from vendor_sandbox.core import (
    JSON_CONTENT_TYPE,
    Admission,
    Emulator,
    Records,
    VendorContext,
    VendorRequest,
    VendorResponse,
    records_at,
)

from . import rules
from .config import RickaiConfig
from .data import PrimaryKey, RickaiData

CHUNK_ITEMS = 1000
"""Sessions joined per body chunk (about 1 MB)."""


@dataclass
class ServedCount:
    """How many sessions of one (company, date) an answer carried (the request log's `served`)."""

    company: str
    date: str
    count: int


class RickaiEmulator(Emulator):
    """The Rick.ai vendor mounted under `/rickai`."""

    def __init__(self, config: RickaiConfig, context: VendorContext) -> None:
        super().__init__(config, context)
        self.tokens = dict(config.tokens)
        self.data = RickaiData(context.seed, config.sessions_per_day)
        self.limiter = context.limiter(rules.limits(config.min_interval, config.max_in_flight))

    # --- the vendor contract -------------------------------------------------------------

    def admit(self, request: VendorRequest) -> Admission:
        match = rules.SESSIONS_PATH.match(request.path)
        if not match:
            return Admission(rules.error(404, "not found"))
        if request.method != "GET":
            return Admission(rules.error(405, "method not allowed"))
        token = request.headers.get(rules.TOKEN_HEADER)
        if token is None or self.tokens.get(token) != match["company"]:
            return Admission(rules.error(401, rules.UNAUTHENTICATED), auth_valid=False)
        # One budget per token (documented); the log names it by the token's company, never the token.
        account = self.tokens[token]
        refused, release = self.limiter.acquire(token, request.arrival)
        if refused:
            return Admission(
                rules.error(429, rules.RATE_LIMITED), auth_valid=True, rate_limited=refused, account=account
            )
        return Admission(auth_valid=True, release=release, account=account)

    def respond(self, request: VendorRequest) -> VendorResponse:
        company = rules.SESSIONS_PATH.match(request.path)["company"]  # type: ignore[index]
        try:
            start, end, limit, offset = rules.parse_query(request.query, self.clock.now())
        except rules.BadRequest as error:
            return rules.error(400, str(error))
        return self.page(company, start, end, limit, offset)

    def rate_limited_response(self) -> VendorResponse:
        return rules.error(429, rules.RATE_LIMITED)

    def failure_response(self, status: int) -> VendorResponse:
        return rules.error(status, rules.GATEWAY_TIMEOUT)

    def records(self, request: VendorRequest, document: Any) -> dict[str, Records]:
        return {"items": Records(records_at(document, "items"), "session_count")}

    def admin(self, method: str, path: str, query: Mapping[str, str], payload: Any) -> tuple[int, Any]:
        action = (method, path.strip("/"))
        if action not in {("GET", "truth"), ("POST", "warm")}:
            return 404, {"error": "not found"}
        try:
            company = query["company"]
            start, end = rules.parse_date(query, "start"), rules.parse_date(query, "end")
        except (KeyError, rules.BadRequest) as error:
            return 400, {"error": f"company, start and end are required dates ({error})"}
        if action[1] == "warm":
            return 200, self.warm(company, start, end)
        with_keys = query.get("keys", "0") not in ("", "0", "false")
        return 200, self.truth(company, start, end, keys=with_keys)

    # --- serving -----------------------------------------------------------------------------

    def page(self, company: str, start: date, end: date, limit: int, offset: int) -> VendorResponse:
        """`{"items": [...], "total": N}` for one page, built from cached per-session bytes."""
        as_of = self.clock.today()
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        counts = [self.data.day_count(company, day) for day in days]
        total = sum(counts)
        items: list[bytes] = []
        served: list[ServedCount] = []
        skip, wanted = offset, limit
        for day, count in zip(days, counts, strict=True):
            if wanted <= 0:
                break
            if skip >= count:
                skip -= count
                continue
            sessions = self.data.encoded_day(company, day, as_of)[skip : skip + wanted]
            items.extend(sessions)
            served.append(ServedCount(company, day.isoformat(), len(sessions)))
            skip, wanted = 0, wanted - len(sessions)
        return _sessions_body(items, total, served)

    def warm(self, company: str, start: date, end: date) -> dict[str, Any]:
        """Render and cache [start, end] as of today, so a benchmark times serving only."""
        today = self.clock.today()
        total = 0
        for n in range((end - start).days + 1):
            total += len(self.data.encoded_day(company, start + timedelta(days=n), today))
        return {"company": company, "start": start.isoformat(), "end": end.isoformat(), "sessions": total}

    # --- truth for tests -------------------------------------------------------------------

    def truth(self, company: str, start: date, end: date, *, keys: bool = False) -> dict[str, Any]:
        """Sessions per day in [start, end] (and optionally their primary keys)."""
        days = []
        for n in range((end - start).days + 1):
            day = start + timedelta(days=n)
            entry: dict[str, Any] = {"date": day.isoformat(), "sessions": self.data.day_count(company, day)}
            if keys:
                entry["keys"] = [list(key) for key in self.data.keys(company, day)]
            days.append(entry)
        return {
            "company": company,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "as_of": self.clock.today().isoformat(),
            "total": sum(entry["sessions"] for entry in days),
            "days": days,
        }

    def sessions(self, company: str, day: date) -> list[dict[str, Any]]:
        """The day's full sessions as the API serves them at the sandbox's current time."""
        return self.data.sessions(company, day, self.clock.today())

    def keys(self, company: str, start: date, end: date) -> list[PrimaryKey]:
        """All primary keys (client_id, session_count, date) in [start, end], in served order."""
        days = (start + timedelta(days=n) for n in range((end - start).days + 1))
        return [key for day in days for key in self.data.keys(company, day)]

    def window(self, now: datetime | None = None) -> tuple[date, date]:
        """The widest (start, end) the API accepts at `now` (default: the sandbox's now)."""
        return rules.window(now or self.clock.now())


def _sessions_body(items: list[bytes], total: int, served: list[ServedCount]) -> VendorResponse:
    chunks = [b'{"items":[']
    for first in range(0, len(items), CHUNK_ITEMS):
        separator = b"," if first else b""
        chunks.append(separator + b",".join(items[first : first + CHUNK_ITEMS]))
    chunks.append(b'],"total":%d}' % total)
    middle = len(items) // 2
    # The "{" opening the middle item: replacing it can never leave valid JSON.
    corruption_offset = len(chunks[0]) + sum(len(item) + 1 for item in items[:middle]) if items else 0
    return VendorResponse(
        status=200,
        chunks=chunks,
        headers={"Content-Type": JSON_CONTENT_TYPE},
        items=len(items),
        served=served,
        corruption_offset=corruption_offset,
    )
