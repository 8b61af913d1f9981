"""The four taps of the matrix: how each is pointed at a fresh sandbox, and what it must load.

Each case starts its vendor's sandbox with a secret of the test's own, gives the environment
that points the repository's ``meltano.yml`` (its ``sandbox`` environment) at it, and says,
from the sandbox's own truth, how many rows every selected stream must have in any
destination. The destination's reader (Postgres, CSV, JSON lines) is the test's.
"""

from __future__ import annotations

import secrets
import typing as t
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from kameleoon_helpers import CLIENT_ID as KAMELEOON_CLIENT
from kameleoon_helpers import expected_rows, windows
from trust_helpers import CLIENT_ID as TRUST_CLIENT
from trust_helpers import COMPANIES as TRUST_COMPANIES

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from vendor_sandbox import SandboxServer

    SandboxFactory = Callable[..., SandboxServer]

RICKAI_COMPANY = "demo-company"
DAYS = 10


@dataclass
class Pipeline:
    """One tap against its sandbox: the environment for Meltano and the rows to expect."""

    tap: str
    sandbox: SandboxServer
    env: dict[str, str]
    secret: str
    expected: Callable[[], dict[str, int]]
    #: Key tuples (as text) every destination must hold exactly, where the sandbox knows them.
    expected_keys: Callable[[], dict[str, set[tuple[str, ...]]]] = dict

    @property
    def schema(self) -> str:
        """The schema (and the default_target_schema) Meltano gives the tap's tables."""
        return self.tap.replace("-", "_")


def _rickai(factory: SandboxFactory) -> Pipeline:
    token = f"matrix-{secrets.token_hex(16)}"
    sandbox = factory(rickai_sessions_per_day=150, rickai_tokens={token: RICKAI_COMPANY})
    latest = sandbox.rickai.window()[1] - timedelta(days=1)  # a day of margin at midnight
    first = latest - timedelta(days=2)

    def keys() -> dict[str, set[tuple[str, ...]]]:
        truth = sandbox.rickai.keys(RICKAI_COMPANY, first, latest)
        return {"sessions": {(str(c), str(n), str(d)) for c, n, d in truth}}

    env = {
        "TAP_RICKAI_API_URL": sandbox.vendor_url("rickai"),
        "TAP_RICKAI_COMPANY": RICKAI_COMPANY,
        "TAP_RICKAI_API_TOKEN": token,
        "TAP_RICKAI_START_DATE": first.isoformat(),
        "TAP_RICKAI_END_DATE": latest.isoformat(),
        "TAP_RICKAI_PAGE_SIZE": "100",
        "TAP_RICKAI_LOOKBACK_DAYS": "1",
    }
    return Pipeline("tap-rickai", sandbox, env, token, lambda: {"sessions": len(keys()["sessions"])}, keys)


def _kameleoon(factory: SandboxFactory) -> Pipeline:
    secret = f"matrix-{secrets.token_hex(16)}"
    sandbox = factory(kameleoon_polls_until_ready=1, kameleoon_clients={KAMELEOON_CLIENT: secret})
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    start = yesterday - timedelta(days=DAYS - 1)

    def expected() -> dict[str, int]:
        # The sandbox environment's windows are the tap's default 7 days; two sites, 8 segments.
        return {**expected_rows(sandbox, start, yesterday, 7), "sites": 2, "segments": 8}

    def keys() -> dict[str, set[tuple[str, ...]]]:
        # One global row per site and window: the windows' first instants, UTC (the key's date-time).
        sites = [str(site["id"]) for site in sandbox.kameleoon.data.sites(0)]
        firsts = [first.isoformat() for first, _ in windows(start, yesterday, 7)]
        return {"audience_global_stats": {(site, "VISITOR", first) for site in sites for first in firsts}}

    env = {
        "TAP_KAMELEOON_API_URL": sandbox.vendor_url("kameleoon"),
        "TAP_KAMELEOON_CLIENT_SECRET": secret,
        "TAP_KAMELEOON_START_DATE": start.isoformat(),
    }
    return Pipeline("tap-kameleoon", sandbox, env, secret, expected, keys)


def _trust(factory: SandboxFactory) -> Pipeline:
    secret = f"matrix-{secrets.token_hex(16)}"
    # The sandbox's clock pinned to now: today's statistics stay what they were when served.
    sandbox = factory(now=datetime.now(UTC), trust_clients={TRUST_CLIENT: secret})
    today = datetime.now(UTC).date()
    start = today - timedelta(days=DAYS - 1)

    def keys() -> dict[str, set[tuple[str, ...]]]:
        daily = {(c, str(start + timedelta(days=n))) for c in TRUST_COMPANIES for n in range(DAYS)}
        campaigns = {
            (str(company), str(c["uuid"]))
            for company, entry in sandbox.trust.truth({})["companies"].items()
            for c in entry["campaigns"]
        }
        return {"daily_statistics": daily, "campaigns": campaigns}

    base = sandbox.vendor_url("trust")
    env = {
        "TAP_TRUST_API_URL": f"{base}/api",
        "TAP_TRUST_AUTH_URL": f"{base}/atenea",
        "TAP_TRUST_CLIENT_SECRET": secret,
        "TAP_TRUST_START_DATE": start.isoformat(),
        "TAP_TRUST_LOOKBACK_DAYS": "2",
    }
    return Pipeline("tap-trust", sandbox, env, secret, lambda: {s: len(k) for s, k in keys().items()}, keys)


def _shopster(factory: SandboxFactory) -> Pipeline:
    token = f"matrix-{secrets.token_hex(16)}"
    sandbox = factory(shopster_tokens=(token,))
    end: date = sandbox.clock.today() - timedelta(days=2)  # a day of margin at midnight
    start = end - timedelta(days=DAYS - 1)

    def expected() -> dict[str, int]:
        # Distinct rows the sandbox served, over the sandbox environment's three reports.
        return {"group_datetime": int(sandbox.shopster.served_summary()["distinct_rows"])}

    env = {
        "TAP_SHOPSTER_API_URL": sandbox.vendor_url("shopster"),
        "TAP_SHOPSTER_API_TOKEN": token,
        "TAP_SHOPSTER_START_DATE": start.isoformat(),
        "TAP_SHOPSTER_END_DATE": end.isoformat(),
        "TAP_SHOPSTER_LOOKBACK_DAYS": "2",
    }
    return Pipeline("tap-shopster", sandbox, env, token, expected)


TAPS: dict[str, Callable[[SandboxFactory], Pipeline]] = {
    "tap-rickai": _rickai,
    "tap-kameleoon": _kameleoon,
    "tap-trust": _trust,
    "tap-shopster": _shopster,
}
