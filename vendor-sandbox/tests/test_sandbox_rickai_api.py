"""Rick.ai sessions endpoint: auth, validation, paging, shape, determinism, status evolution."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests
from sandbox_helpers import AUTH, COMPANY, NOW, get_sessions, sessions_url

from vendor_sandbox import SandboxConfig, SandboxServer
from vendor_testing.pytest_plugin import SandboxFactory

SESSION_KEYS = [
    "client_id",
    "session_count",
    "date",
    "source_medium",
    "real_source_medium",
    "campaign",
    "campaign_type",
    "keyword",
    "channel_group",
    "channel_type",
    "country",
    "region",
    "city",
    "browser",
    "browser_version",
    "operating_system",
    "device_category",
    "screen_resolution",
    "app_version",
    "mobile_device_info",
    "landing_page_path",
    "initial_landing_page_path",
    "hostname",
    "ad_content",
    "channel_grouping",
    "acq_cost",
    "revenue",
    "transactions",
    "page_paths",
    "actions",
    "screen_names",
    "user_ids",
]
TRANSACTION_KEYS = ["transaction_id", "status", "deal_source", "revenue", "grossprofit", "products", "status_history"]
PRODUCT_KEYS = ["sku", "name", "category", "price", "quantity"]


@pytest.fixture
def fast(sandbox_factory: SandboxFactory) -> SandboxServer:
    return sandbox_factory(now=NOW, rate_limit=False, rickai_sessions_per_day=40)


@pytest.mark.parametrize("headers", [{}, {"Rick-Auth-Token": "wrong"}])
def test_missing_or_unknown_token_is_401(fast: SandboxServer, headers: dict[str, str]) -> None:
    response = requests.get(sessions_url(fast), params={"start": "2026-11-10", "end": "2026-11-10"}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "unauthenticated for invalid credentials"}


def test_token_of_another_company_is_401(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, rickai_tokens={"t1": "a", "t2": "b"})
    response = requests.get(
        sessions_url(server, "b"),
        params={"start": "2026-11-10", "end": "2026-11-10"},
        headers={"Rick-Auth-Token": "t1"},
    )
    assert (response.status_code, response.json()) == (401, {"error": "unauthenticated for invalid credentials"})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "-1"}, "limit cannot be lower than 0"),
        ({"offset": "-5"}, "offset cannot be lower than 0"),
        ({"limit": "100001"}, "limit cannot be greater than 100000"),
        ({"limit": "ten"}, "limit must be an integer"),
        ({"offset": "1.5"}, "offset must be an integer"),
        ({"start": None}, "start is required"),
        ({"end": None}, "end is required"),
        ({"start": "2026/11/01"}, "start must be a date in YYYY-MM-DD format"),
        ({"end": "2026-02-30"}, "end must be a date in YYYY-MM-DD format"),
        ({"start": "2026-08-21"}, "start cannot be earlier than 90 days ago (2026-08-22)"),
        ({"end": "2026-11-20"}, "end cannot be later than 32 hours ago (2026-11-19)"),
        ({"start": "2026-11-10", "end": "2026-11-09"}, "start cannot be later than end"),
    ],
)
def test_bad_requests_are_400_with_the_documented_shape(
    fast: SandboxServer, params: dict[str, str | None], message: str
) -> None:
    query = {"start": "2026-11-01", "end": "2026-11-02", **params}
    response = get_sessions(fast, **{k: v for k, v in query.items() if v is not None})
    assert response.status_code == 400
    assert response.json() == {"error": message}


def test_end_later_than_32_hours_ago_is_400(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(now=NOW.replace(hour=6), rate_limit=False)  # minus 32 h = 2026-11-18T22:00
    response = get_sessions(server, start="2026-11-18", end="2026-11-19")
    assert response.status_code == 400
    assert response.json() == {"error": "end cannot be later than 32 hours ago (2026-11-18)"}
    assert get_sessions(server, start="2026-11-18", end="2026-11-18").status_code == 200


def test_window_edges_are_accepted(fast: SandboxServer) -> None:
    assert get_sessions(fast, start="2026-08-22", end="2026-08-22", limit=1).status_code == 200


def test_every_field_has_the_documented_type_and_order(fast: SandboxServer, http: requests.Session) -> None:
    items = get_sessions(fast, http, start="2026-10-01", end="2026-10-31", limit=100000).json()["items"]
    assert any(item["transactions"] for item in items)
    for item in items:
        assert list(item) == SESSION_KEYS
        assert isinstance(item["session_count"], int) and item["session_count"] >= 1
        assert isinstance(item["acq_cost"], float) and isinstance(item["revenue"], float)
        assert item["channel_type"] in ("free", "paid", "email")
        assert (item["campaign"] == "") == (item["campaign_type"] == "(no campaigns)")
        assert all(isinstance(item[k], list) for k in ("page_paths", "actions", "screen_names", "user_ids"))
        assert all(isinstance(item[k], str) for k in SESSION_KEYS[3:25])
        for tx in item["transactions"]:
            assert list(tx) == TRANSACTION_KEYS
            assert isinstance(tx["revenue"], float) and isinstance(tx["grossprofit"], float)
            assert tx["status"] == tx["status_history"][-1]["status"]
            assert tx["revenue"] == (tx["revenue"] if tx["status"] == "Оплачено" else 0.0)
            for product in tx["products"]:
                assert list(product) == PRODUCT_KEYS
                assert isinstance(product["price"], float) and isinstance(product["quantity"], int)
        assert item["revenue"] == round(sum(tx["revenue"] for tx in item["transactions"]), 2)
    raw = get_sessions(fast, http, start="2026-10-01", end="2026-10-31", limit=100000).text
    assert '"revenue":0.0' in raw and '"acq_cost":0.0' in raw


def test_total_in_every_page_and_pages_concatenate_to_the_range(fast: SandboxServer, http: requests.Session) -> None:
    whole = get_sessions(fast, http, start="2026-11-01", end="2026-11-10", limit=100000).json()
    truth = fast.rickai.truth(COMPANY, date(2026, 11, 1), date(2026, 11, 10))
    assert whole["total"] == len(whole["items"]) == truth["total"]
    pages, offset = [], 0
    while True:
        page = get_sessions(fast, http, start="2026-11-01", end="2026-11-10", limit=37, offset=offset).json()
        assert page["total"] == whole["total"]
        if not page["items"]:
            break
        pages.extend(page["items"])
        offset += 37
    assert pages == whole["items"]
    keys = [(s["client_id"], s["session_count"], s["date"]) for s in pages]
    assert len(set(keys)) == len(keys)
    assert [s["date"] for s in pages] == sorted(s["date"] for s in pages)
    by_page = get_sessions(fast, http, start="2026-11-01", end="2026-11-10", limit=37, page=2).json()
    assert by_page["items"] == whole["items"][74:111]
    default = get_sessions(fast, http, start="2026-11-01", end="2026-11-10").json()
    assert default["items"] == whole["items"][:1000]


def test_same_seed_same_data_regardless_of_request_order(sandbox_factory: SandboxFactory) -> None:
    first = sandbox_factory(now=NOW, rate_limit=False, rickai_sessions_per_day=30)
    second = sandbox_factory(now=NOW, rate_limit=False, rickai_sessions_per_day=30)
    other_seed = sandbox_factory(now=NOW, rate_limit=False, rickai_sessions_per_day=30, seed=7)
    get_sessions(second, start="2026-11-05", end="2026-11-05")  # warm a different day first
    a = get_sessions(first, start="2026-11-01", end="2026-11-07", limit=100000).json()
    b = get_sessions(second, start="2026-11-01", end="2026-11-07", limit=100000).json()
    c = get_sessions(other_seed, start="2026-11-01", end="2026-11-07", limit=100000).json()
    assert a == b
    assert a["items"] != c["items"]


def test_primary_keys_are_unique_over_30_days(fast: SandboxServer) -> None:
    keys = fast.rickai.keys(COMPANY, date(2026, 10, 1), date(2026, 10, 30))
    assert len(keys) == len(set(keys)) > 30 * 30
    days = [date(2026, 10, 1) + timedelta(days=n) for n in range(30)]
    sessions = [s for day in days for s in fast.rickai.sessions(COMPANY, day)]
    tx_ids = [tx["transaction_id"] for s in sessions for tx in s["transactions"]]
    assert len(tx_ids) == len(set(tx_ids)) > 0


def test_days_vary_in_volume(fast: SandboxServer) -> None:
    counts = {fast.rickai.data.day_count(COMPANY, date(2026, 10, d)) for d in range(1, 15)}
    assert len(counts) > 3 and all(32 <= n <= 48 for n in counts)


def test_statuses_evolve_when_the_clock_moves(fast: SandboxServer, http: requests.Session) -> None:
    day = "2026-11-18"
    before = get_sessions(fast, http, start=day, end=day, limit=100000).json()["items"]
    assert http.post(f"{fast.url}/_sandbox/clock", json={"shift_days": 12}).json()["today"] == "2026-12-02"
    after = get_sessions(fast, http, start=day, end=day, limit=100000).json()["items"]
    assert [s["client_id"] for s in before] == [s["client_id"] for s in after]
    tx_before = [tx for s in before for tx in s["transactions"]]
    tx_after = [tx for s in after for tx in s["transactions"]]
    assert all(tx["status_history"][-1]["date"] <= "2026-11-20" for tx in tx_before)
    assert tx_before != tx_after
    assert {tx["status"] for tx in tx_after} <= {"Оплачено", "Отменено", "В обработке"}
    for old, new in zip(tx_before, tx_after, strict=True):
        assert new["status_history"][: len(old["status_history"])] == old["status_history"]
    assert fast.rickai.sessions(COMPANY, date(2026, 11, 18)) == after


def test_clock_endpoint(fast: SandboxServer, http: requests.Session) -> None:
    assert http.get(f"{fast.url}/_sandbox/clock").json()["now"] == "2026-11-20T12:00:00Z"
    moved = http.post(f"{fast.url}/_sandbox/clock", json={"now": "2027-01-05T00:00:00Z"}).json()
    assert moved["today"] == "2027-01-05" and fast.clock.today() == date(2027, 1, 5)
    assert http.post(f"{fast.url}/_sandbox/clock", json={"bogus": 1}).status_code == 400


def test_default_config_is_strict() -> None:
    config = SandboxConfig()
    assert config.rate_limit and config.rickai_min_interval == 1.0 and config.rickai_max_in_flight == 1
    assert config.rickai_tokens == {"sandbox-rickai-token": "demo-company"}
    assert AUTH == {"Rick-Auth-Token": "sandbox-rickai-token"}
