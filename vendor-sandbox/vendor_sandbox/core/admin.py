"""`/_sandbox/...`: the admin API (clock, faults, request log, stats) and each vendor's own part."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .clock import parse_datetime

if TYPE_CHECKING:
    from .server import SandboxServer

ADMIN_PREFIX = "/_sandbox/"
Handler = Callable[[dict[str, str], Any], tuple[int, Any]]


class Admin:
    """Each endpoint returns (status, JSON payload); `/_sandbox/<vendor>/…` goes to the vendor."""

    def __init__(self, sandbox: SandboxServer) -> None:
        self.sandbox = sandbox

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        route = path.strip("/")
        try:
            payload = json.loads(body) if body.strip() else None
        except ValueError:
            return 400, {"error": "request body is not valid JSON"}
        head, _, rest = route.partition("/")
        vendor = self.sandbox.vendors.get(head)
        handler: Handler | None = getattr(self, f"{method.lower()}_{route}", None)
        try:
            if vendor is not None:
                return vendor.admin(method, rest, query, payload)
            if handler is None:
                return 404, {"error": f"no admin endpoint {method} {ADMIN_PREFIX}{route}"}
            return handler(query, payload)
        except (ValueError, TypeError, KeyError) as error:
            return 400, {"error": str(error)}

    def get_health(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Liveness and the vendors served: `{"status": "ok", "vendors": {NAME: "/NAME", ...}}`."""
        return 200, {"status": "ok", "vendors": {name: f"/{name}" for name in self.sandbox.vendors}}

    def get_clock(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        """The sandbox clock: `now`, `today`, `fixed` (pinned or not), `shift_seconds`."""
        return 200, self.sandbox.clock.describe()

    def post_clock(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Set the clock: `{"now": "2026-11-20T12:00:00Z"}` (`null`: real time), `{"shift_days": N}`
        or `{"shift_seconds": N}`."""
        if not isinstance(payload, dict) or not payload.keys() & {"now", "shift_days", "shift_seconds"}:
            raise ValueError('expected {"now": ISO datetime | null} or {"shift_days": N} or {"shift_seconds": N}')
        clock = self.sandbox.clock
        if "now" in payload:
            clock.set(parse_datetime(payload["now"]) if payload["now"] else None)
        clock.shift(timedelta(days=float(payload.get("shift_days", 0)), seconds=float(payload.get("shift_seconds", 0))))
        return 200, clock.describe()

    def get_faults(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        """The queued faults, each with what is `remaining`."""
        return 200, {"faults": [fault.to_dict() for fault in self.sandbox.faults.all()]}

    def post_faults(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Queue faults: a JSON object, a short-syntax string, or a list of them."""
        added = self.sandbox.add_fault(*(payload if isinstance(payload, list) else [payload]))
        return 200, {"added": [fault.to_dict() for fault in added]}

    def delete_faults(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Clear the fault queue."""
        self.sandbox.clear_faults()
        return 200, {"faults": []}

    def get_requests(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        """The request log (`?vendor=NAME`: one vendor's requests)."""
        return 200, {"requests": [r.to_dict() for r in self.sandbox.log.records(query.get("vendor"))]}

    def delete_requests(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Reset the request log."""
        self.sandbox.reset_log()
        return 200, {"requests": []}

    def get_elsewhere(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        """What reached the recording host (redirect faults), headers and body included."""
        return 200, {"requests": [r.to_dict() for r in self.sandbox.elsewhere.requests]}

    def delete_elsewhere(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Reset what the recording host keeps."""
        self.sandbox.elsewhere.reset()
        return 200, {"requests": []}

    def get_stats(self, query: dict[str, str], payload: Any) -> tuple[int, Any]:
        """Requests by vendor, status and account, items served, rate-limiter vs fault 429s, faults by kind."""
        return 200, self.sandbox.stats()
