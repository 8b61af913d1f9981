"""Rick.ai data API v2 emulation: `GET /v2/{company}/sessions`, strictly as documented.

Order of checks for a request: route (404), `Rick-Auth-Token` (401), the token's rate limits
(429), then (after any injected fault) the query parameters (400) and the data (200).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from .config import SandboxClock, SandboxConfig
from .ratelimit import RequestGate
from .rickai_data import PrimaryKey, RickaiData
from .vendor import JSON_CONTENT_TYPE, Admission, ServedCount, VendorRequest, VendorResponse, error_response

TOKEN_HEADER = "Rick-Auth-Token"  # noqa: S105 - a header name
UNAUTHENTICATED = "unauthenticated for invalid credentials"
RATE_LIMITED = "request with this token already running"
GATEWAY_TIMEOUT = "gateway timeout"
DEFAULT_LIMIT = 1000
MAX_LIMIT = 100_000
MAX_START_AGE_DAYS = 90
MIN_END_AGE = timedelta(hours=32)
CHUNK_ITEMS = 1000
"""Sessions joined per body chunk (about 1 MB)."""

_SESSIONS_PATH = re.compile(r"^/v2/(?P<company>[^/]+)/sessions/?$")


class BadRequest(Exception):
    """A 400 answer; the message goes into `{"error": ...}`."""


class RickaiEmulator:
    """The Rick.ai vendor mounted under `/rickai`."""

    name = "rickai"

    def __init__(self, config: SandboxConfig, clock: SandboxClock) -> None:
        self.tokens = dict(config.rickai_tokens)
        self.clock = clock
        self.data = RickaiData(config.seed, config.rickai_sessions_per_day)
        self.gate = RequestGate(
            min_interval=config.rickai_min_interval,
            max_in_flight=config.rickai_max_in_flight,
            enabled=config.rate_limit,
        )

    # --- the vendor protocol -------------------------------------------------------------

    def admit(self, request: VendorRequest) -> Admission:
        match = _SESSIONS_PATH.match(request.path)
        if not match:
            return Admission(error_response(404, "not found"))
        if request.method != "GET":
            return Admission(error_response(405, "method not allowed"))
        token = request.headers.get(TOKEN_HEADER)
        if token is None or self.tokens.get(token) != match["company"]:
            return Admission(error_response(401, UNAUTHENTICATED), auth_valid=False)
        refused, release = self.gate.acquire(token, request.arrival)
        if refused:
            return Admission(error_response(429, RATE_LIMITED), auth_valid=True, rate_limited=refused)
        return Admission(auth_valid=True, release=release)

    def respond(self, request: VendorRequest) -> VendorResponse:
        company = _SESSIONS_PATH.match(request.path)["company"]  # type: ignore[index]
        try:
            start, end, limit, offset = self.parse_query(request.query)
        except BadRequest as error:
            return error_response(400, str(error))
        return self.page(company, start, end, limit, offset)

    def rate_limited_response(self) -> VendorResponse:
        return error_response(429, RATE_LIMITED)

    def failure_response(self, status: int) -> VendorResponse:
        return error_response(status, GATEWAY_TIMEOUT)

    def admin(self, method: str, path: str, query: Mapping[str, str]) -> tuple[int, Any]:
        action = (method, path.strip("/"))
        if action not in {("GET", "truth"), ("POST", "warm")}:
            return 404, {"error": "not found"}
        try:
            company = query["company"]
            start, end = _date(query, "start"), _date(query, "end")
        except (KeyError, BadRequest) as error:
            return 400, {"error": f"company, start and end are required dates ({error})"}
        if action[1] == "warm":
            return 200, self.warm(company, start, end)
        with_keys = query.get("keys", "0") not in ("", "0", "false")
        return 200, self.truth(company, start, end, keys=with_keys)

    def warm(self, company: str, start: date, end: date) -> dict[str, Any]:
        """Render and cache [start, end] as of today, so a benchmark times serving only."""
        today = self.clock.today()
        total = 0
        for n in range((end - start).days + 1):
            total += len(self.data.encoded_day(company, start + timedelta(days=n), today))
        return {"company": company, "start": start.isoformat(), "end": end.isoformat(), "sessions": total}

    # --- the API's rules -------------------------------------------------------------------

    def parse_query(self, query: Mapping[str, str]) -> tuple[date, date, int, int]:
        """Validate the documented parameters; raises BadRequest with the API's message."""
        start, end = _date(query, "start"), _date(query, "end")
        now = self.clock.now()
        earliest_start = now.date() - timedelta(days=MAX_START_AGE_DAYS)
        latest_end = (now - MIN_END_AGE).date()
        if start < earliest_start:
            raise BadRequest(f"start cannot be earlier than {MAX_START_AGE_DAYS} days ago ({earliest_start})")
        if end > latest_end:
            raise BadRequest(f"end cannot be later than 32 hours ago ({latest_end})")
        if start > end:
            raise BadRequest("start cannot be later than end")
        limit = _integer(query, "limit", DEFAULT_LIMIT)
        if limit > MAX_LIMIT:
            raise BadRequest(f"limit cannot be greater than {MAX_LIMIT}")
        offset = _integer(query, "offset", 0)
        if "offset" not in query and "page" in query:
            offset = _integer(query, "page", 0) * limit
        return start, end, limit, offset

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
        now = now or self.clock.now()
        return now.date() - timedelta(days=MAX_START_AGE_DAYS), (now - MIN_END_AGE).date()


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


def _date(query: Mapping[str, str], name: str) -> date:
    value = query.get(name)
    if value is None or value == "":
        raise BadRequest(f"{name} is required")
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be a date in YYYY-MM-DD format") from None


def _integer(query: Mapping[str, str], name: str, default: int) -> int:
    value = query.get(name)
    if value is None:
        return default
    if not re.fullmatch(r"[+-]?\d{1,18}", value):
        raise BadRequest(f"{name} must be an integer")
    number = int(value)
    if number < 0:
        raise BadRequest(f"{name} cannot be lower than 0")
    return number
