"""Helpers shared by the sandbox tests (a uniquely named module: tests of several packages may run together)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests

from vendor_sandbox import SandboxServer

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TOKEN = "sandbox-rickai-token"
COMPANY = "demo-company"
AUTH = {"Rick-Auth-Token": TOKEN}


def sessions_url(server: SandboxServer, company: str = COMPANY) -> str:
    return f"{server.vendor_url('rickai')}/v2/{company}/sessions"


def get_sessions(
    server: SandboxServer, http: requests.Session | None = None, *, stream: bool = False, **params: Any
) -> requests.Response:
    return (http or requests).get(sessions_url(server), params=params, headers=AUTH, timeout=30, stream=stream)
