"""A complete vendor package, shaped as a new vendor's would be (one file here; a real vendor
splits it into config.py, rules.py, data.py and emulator.py). The sandbox tests put this folder
on ``vendor_sandbox.vendors.__path__`` to prove a new vendor needs no edit of the core.

The "Echo API": ``GET /echo/v1/things?n=N`` with header ``X-Echo-Key`` answers
``{"things": [{"id": 0, "word": GREETING}, ...]}``; at most `per_second` requests per second
per key; every error is ``{"fault": {"code": STATUS, "text": "..."}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vendor_sandbox.core import (
    Admission,
    Emulator,
    LimitRules,
    OptionError,
    Records,
    VendorContext,
    VendorPlugin,
    VendorRequest,
    VendorResponse,
    json_response,
    key_value,
    option,
    records_at,
)


@dataclass
class EchoConfig:
    keys: dict[str, str] = option(
        default_factory=lambda: {"echo-key": "acme"},
        flag="key",
        metavar="KEY=ACCOUNT",
        parse=key_value,
        collect=dict,
        help="an API key and its account",
    )
    greeting: str = option("hello", help="the word every thing carries")
    per_second: int = option(3, metavar="N", help="requests per second per key")

    def __post_init__(self) -> None:
        if self.per_second < 1:
            raise OptionError("per_second", "must be at least 1")


def fault(status: int, text: str) -> VendorResponse:
    """The Echo API's documented error body."""
    return json_response(status, {"fault": {"code": status, "text": text}})


class EchoEmulator(Emulator):
    def __init__(self, config: EchoConfig, context: VendorContext) -> None:
        super().__init__(config, context)
        self.limiter = context.limiter(LimitRules(windows=((config.per_second, 1.0),)))

    def admit(self, request: VendorRequest) -> Admission:
        if (request.method, request.path) != ("GET", "/v1/things"):
            return Admission(fault(404, "no such endpoint"))
        key = request.headers.get("X-Echo-Key") or ""
        if key not in self.config.keys:
            return Admission(fault(401, "unknown key"), auth_valid=False)
        refused, release = self.limiter.acquire(key, request.arrival)
        if refused:
            return Admission(self.rate_limited_response(), auth_valid=True, rate_limited=refused)
        return Admission(auth_valid=True, release=release)

    def respond(self, request: VendorRequest) -> VendorResponse:
        things = [{"id": n, "word": self.config.greeting} for n in range(int(request.query.get("n", "3")))]
        response = json_response(200, {"things": things})
        response.items = len(things)
        return response

    def rate_limited_response(self) -> VendorResponse:
        return fault(429, "slow down")

    def failure_response(self, status: int) -> VendorResponse:
        return fault(status, "echo is down")

    def records(self, request: VendorRequest, document: Any) -> dict[str, Records]:
        return {"things": Records(records_at(document, "things"), "id")}

    def admin(self, method: str, path: str, query: Mapping[str, str], payload: Any) -> tuple[int, Any]:
        if (method, path) == ("GET", "truth"):
            return 200, {"greeting": self.config.greeting, "accounts": sorted(set(self.config.keys.values()))}
        return 404, {"error": "not found"}


VENDOR = VendorPlugin(
    name="echo",
    title="Echo API (example)",
    config=EchoConfig,
    emulator=EchoEmulator,
    routes=("GET /v1/things?n=N",),
    admin=("GET /_sandbox/echo/truth",),
    records=("things: the things of an answer (key id)",),
    faults=("echo:status=502", "echo:bad_record,value=x"),
)
