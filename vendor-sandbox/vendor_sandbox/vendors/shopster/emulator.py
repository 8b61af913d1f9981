"""Shopster public reports API emulation: ``GET /reports/group_datetime``, strictly as documented.

Order of checks for a request: route (404), ``x-token`` (401), the token's rate limits (429,
none by default), then (after any injected fault) the query (400): every parameter and its
documented values, ``engagement_threshold`` ≥ ``bounce_threshold``, known objects, all of one
kind. The documented rules and the sandbox's own decisions are in :mod:`.rules` (``ASSUMPTIONS``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from vendor_sandbox.core import (
    JSON_CONTENT_TYPE,
    Admission,
    Emulator,
    Records,
    VendorContext,
    VendorRequest,
    VendorResponse,
)

from . import rules
from .config import KEYINGS, ShopsterConfig
from .data import KINDS, ShopsterData, catalogue
from .rules import USER_TYPES, BadRequest, Query


class ShopsterEmulator(Emulator):
    """The Shopster vendor mounted under `/shopster`."""

    def __init__(self, config: ShopsterConfig, context: VendorContext) -> None:
        super().__init__(config, context)
        self.tokens = frozenset(config.tokens)
        self.objects = catalogue(config.malls, config.floors_per_mall, config.zones_per_floor)
        self.data = ShopsterData(context.seed, self.objects, config.visitors_per_hour)
        self.keying = config.keying
        self.history_days = config.history_days
        self.limiter = context.limiter(rules.limits(config.rate_windows))
        self.served: list[dict[str, Any]] = []
        self._rows_served: set[tuple[Any, ...]] = set()
        self._lock = threading.Lock()

    # --- the vendor contract -------------------------------------------------------------

    def admit(self, request: VendorRequest) -> Admission:
        if request.path.rstrip("/") != rules.REPORT_PATH:
            return Admission(rules.error(404, "Not found."))
        if request.method != "GET":
            return Admission(rules.error(405, f'Method "{request.method}" not allowed.'))
        token = request.headers.get(rules.TOKEN_HEADER)
        if not token or token not in self.tokens:
            return Admission(rules.error(401, "Invalid or missing x-token."), auth_valid=False)
        refused, release = self.limiter.acquire(token, request.arrival)
        if refused:
            return Admission(self.rate_limited_response(), auth_valid=True, rate_limited=refused)
        return Admission(auth_valid=True, release=release)

    def respond(self, request: VendorRequest) -> VendorResponse:
        try:
            query = rules.parse_query(request.query)
            self.check_objects(query.objects)
        except BadRequest as error:
            return rules.error(400, str(error))
        answer = self.answer(query)
        self._remember(query, answer)
        body = json.dumps(answer, ensure_ascii=False).encode()
        rows = sum(len(items) for per_type in answer.values() for items in per_type.values())
        served = {**query.params(), "keys": list(answer), "rows": rows}
        middle = body.find(b"{", len(body) // 2)
        return VendorResponse(
            200,
            [body],
            {"Content-Type": JSON_CONTENT_TYPE},
            items=rows,
            served=[served],
            corruption_offset=max(middle, 0),
        )

    def rate_limited_response(self) -> VendorResponse:
        return rules.error(429, "Request was throttled.")

    def failure_response(self, status: int) -> VendorResponse:
        return rules.error(status, "Internal server error.")

    def records(self, request: VendorRequest, document: Any) -> dict[str, Records]:
        keys = [value for value in document.values() if isinstance(value, dict)] if isinstance(document, dict) else []
        rows = {
            user_type: [row for per_type in keys for row in per_type.get(user_type) or [] if isinstance(row, dict)]
            for user_type in USER_TYPES
        }
        return {
            "rows": Records([row for items in rows.values() for row in items], "count_session"),
            **{user_type: Records(items, "count_session") for user_type, items in rows.items()},
        }

    def admin(self, method: str, path: str, query: Mapping[str, str], payload: Any) -> tuple[int, Any]:
        route = (method, path.strip("/"))
        if route == ("GET", "objects"):
            return 200, self.catalogue()
        if route == ("GET", "served"):
            return 200, self.served_summary(query.get("objects"), query.get("interval"))
        if route == ("GET", "truth"):
            try:
                wanted = rules.parse_query(query)
                self.check_objects(wanted.objects)
            except BadRequest as error:
                return 400, {"error": str(error)}
            return 200, self.truth(wanted)
        if route == ("POST", "settings"):
            if query.get("keying") not in KEYINGS:
                return 400, {"error": f"keying must be one of {', '.join(KEYINGS)}"}
            self.keying = query["keying"]
            return 200, {"keying": self.keying}
        return 404, {"error": "not found"}

    # --- answers ---------------------------------------------------------------------------

    def check_objects(self, object_ids: tuple[int, ...]) -> None:
        unknown = [str(o) for o in object_ids if o not in self.objects]
        if unknown:
            raise BadRequest(f"Unknown objects: {', '.join(unknown)}")
        kinds = sorted({self.objects[o] for o in object_ids}, key=KINDS.index)
        if len(kinds) > 1:
            raise BadRequest(f"Objects must be of one type (malls, floors or zones); got {', '.join(kinds)}")

    def answer(self, query: Query) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """The answer to a validated query at the sandbox's current time."""
        now = self.clock.now()
        today = now.date()
        earliest = today - timedelta(days=self.history_days)
        last_hour = {today: now.hour}
        days = [
            day
            for n in range((query.end - query.start).days + 1)
            if earliest <= (day := query.start + timedelta(days=n)) <= today and last_hour.get(day, 24) > 0
        ]
        args = (query.interval, days, query.comeback, query.bounce, query.engagement, last_hour)
        if self.keying == "group":
            return {str(query.objects[-1]): self.data.rows(query.objects, *args)}
        return {str(object_id): self.data.rows((object_id,), *args) for object_id in dict.fromkeys(query.objects)}

    def _remember(self, query: Query, answer: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
        params = query.params()
        identity = (params["objects"], query.interval, query.comeback, query.bounce, query.engagement)
        with self._lock:
            self.served.append(
                {**params, "keys": list(answer), "rows": sum(len(v) for t in answer.values() for v in t.values())}
            )
            for key, per_type in answer.items():
                for user_type, items in per_type.items():
                    self._rows_served.update((*identity, key, user_type, row["datetime"]) for row in items)

    # --- truth -----------------------------------------------------------------------------

    def catalogue(self) -> dict[str, Any]:
        """The objects by kind, and how answers are keyed."""
        return {
            "malls": [o for o, kind in self.objects.items() if kind == "mall"],
            "floors": [o for o, kind in self.objects.items() if kind == "floor"],
            "zones": [o for o, kind in self.objects.items() if kind == "zone"],
            "keying": self.keying,
        }

    def truth(self, query: Query) -> dict[str, Any]:
        """What one request for the query would get now: keys, rows per key and user type, total."""
        answer = self.answer(query)
        return {
            **query.params(),
            "keying": self.keying,
            "keys": list(answer),
            "rows": {key: {t: len(items) for t, items in per_type.items()} for key, per_type in answer.items()},
            "total": sum(len(items) for per_type in answer.values() for items in per_type.values()),
        }

    def served_summary(self, objects: str | None = None, interval: str | None = None) -> dict[str, Any]:
        """Every 200 answer served, and the distinct rows served (per query parameters, answer key,
        user type and datetime: re-served rows count once), optionally for one objects/interval."""
        with self._lock:
            rows = [r for r in self._rows_served if (objects is None or r[0] == objects) and (interval in (None, r[1]))]
            answers = [
                a
                for a in self.served
                if (objects is None or a["objects"] == objects) and (interval in (None, a["interval"]))
            ]
        return {"answers": answers, "distinct_rows": len(rows)}

    def rows_served(self) -> set[tuple[Any, ...]]:
        """Identities of the distinct rows served: (objects, interval, comeback, bounce minutes,
        engagement minutes, answer key, user_type, datetime)."""
        with self._lock:
            return set(self._rows_served)
