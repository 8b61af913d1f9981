"""The Calltouch plans import emulation follows `calltouch-plans-import.txt` literally."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from vendor_sandbox import SandboxServer
from vendor_sandbox.vendors.calltouch.rules import ASSUMPTIONS, TOO_MANY

TOKEN, SITE = "sandbox-calltouch-token", "12345"
AUTH = {"Access-Token": TOKEN, "SiteId": SITE}
PREFIX = "/report-service/RestAPI/api/plans-import"

# The three items of the documentation's own example.
DOC_ITEMS: list[dict[str, Any]] = [
    {
        "dateFrom": "01-04-2021",
        "dateTo": "02-04-2021",
        "source": "yandex",
        "medium": "cpc",
        "campaign": "april",
        "content": "sale",
        "keyword": "распродажа",
        "metric": {"type": "Лиды", "name": "Уникальные лиды", "value": 100},
    },
    {
        "dateFrom": "01-04-2021",
        "dateTo": "20-04-2021",
        "source": "google",
        "medium": "cpc",
        "metric": {"type": "Сделки и ROI", "name": "Выручка", "value": 23423},
    },
    {
        "dateFrom": "01-04-2021",
        "dateTo": "20-04-2021",
        "medium": "cpc",
        "metric": {"type": "Пользовательские", "name": "Название столбца", "value": 22},
    },
]


def post(server: SandboxServer, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
    url = f"{server.vendor_url('calltouch')}{PREFIX}{path}"
    return requests.post(url, headers=AUTH if headers is None else headers, timeout=30, **kwargs)


def violations(response: requests.Response) -> list[tuple[str, str]]:
    assert response.status_code == 400
    data = response.json()["data"]
    assert data["type"] == "validationError"
    assert data["apiErrorData"] is None
    return [(v["fieldPath"], v["message"]) for v in data["validationErrorData"]["violations"]]


def item(**overrides: Any) -> dict[str, Any]:
    base = {"dateFrom": "01-04-2021", "dateTo": "02-04-2021", "source": "yandex"}
    base["metric"] = {"type": "Лиды", "name": "Все лиды", "value": 1}
    metric = overrides.pop("metric", {})
    return {**base, **overrides, "metric": {**base["metric"], **metric}}


@pytest.fixture
def fast(sandbox_factory) -> SandboxServer:
    return sandbox_factory(rate_limit=False, calltouch_import_seconds=0)


def test_documented_example_is_imported_and_reported_back(sandbox_factory):
    server = sandbox_factory(rate_limit=False, calltouch_import_seconds=0.2)
    added = post(server, "/add", json={"items": DOC_ITEMS})
    assert added.status_code == 200
    assert added.json() == {"meta": [], "data": {"importLogId": 1}}
    first = post(server, "/1/status").json()
    assert first == {"meta": [], "data": {"status": "in progress...", "items": DOC_ITEMS}}
    assert server.calltouch.imported_plans() == []
    time.sleep(0.25)
    assert post(server, "/1/status").json()["data"]["status"] == "success"
    assert server.calltouch.imported_plans() == DOC_ITEMS


def test_auth_failures_answer_the_documented_body(fast):
    for headers in ({}, {"Access-Token": "nope", "SiteId": SITE}, {"Access-Token": TOKEN, "SiteId": "999"}):
        response = post(fast, "/add", headers=headers, json={"items": DOC_ITEMS})
        assert response.status_code == 401
        assert response.json() == {"message": "Access token не найден"}
    assert fast.calltouch.import_log() == []


def test_body_format_error(fast):
    for body in (b"", b"{not json", b"[1, 2]"):
        response = post(fast, "/add", data=body)
        assert response.status_code == 400
        assert response.json() == {
            "meta": [],
            "data": {
                "type": "apiError",
                "apiErrorData": {
                    "errorCode": 1,
                    "errorMessage": "Синтаксическая ошибка JSON в запросе или запрос пустой",
                    "errorDescription": None,
                },
                "validationErrorData": None,
            },
        }


def test_missing_required_field(fast):
    incomplete = item()
    del incomplete["dateTo"]
    response = post(fast, "/add", json={"items": [incomplete]})
    assert response.status_code == 400
    assert response.json() == {"meta": [], "data": {"message": 'В запросе не указано обязательное поле "dateTo"'}}


NO_DIMENSION = "Должно быть заполнено одно или несколько из полей: source, medium, campaign, content, keyword"


def test_every_documented_validation_rule(fast):
    items = [
        item(source=None, medium="", campaign=None),
        item(metric={"type": ""}),
        item(metric={"type": "Лидов"}),
        item(dateTo="2021-04-02"),
        item(dateFrom="03-04-2021"),
        item(metric={"type": "Пользовательские", "name": "Выручка"}),
        item(metric={"type": "Лиды", "name": "Выручка"}),
        item(metric={"value": 12.5}),
    ]
    assert violations(post(fast, "/add", json={"items": items})) == [
        (
            "items[0].source",
            "Должно быть заполнено одно или несколько из полей: source, medium, campaign, content, keyword",
        ),
        ("items[1].metric.type", "Значение не должно быть пустым."),
        ("items[2].metric.type", "Значение не совпадает с одним из допустимых."),
        ("items[3].dateTo", "Значение не является правильной датой."),
        ("items[4].dateFrom", "Значение dateFrom должно быть меньше или равно dateTo"),
        ("items[5].metric.name", "Название пользовательского столбца не уникально, импорт невозможен."),
        ("items[6].metric.name", "Значение не совпадает с одним из допустимых."),
        ("items[7].metric.value", "Значение должно быть типа integer."),
    ]
    assert violations(post(fast, "/add", json={"items": []})) == [
        ("items", "Эта коллекция должна содержать 1 элемент или больше.")
    ]
    assert fast.calltouch.import_log() == []


def test_at_most_100_items(fast):
    many = [item(campaign=f"c{n}") for n in range(101)]
    assert violations(post(fast, "/add", json={"items": many})) == [("items", TOO_MANY)]
    assert "100 элементов" in ASSUMPTIONS["too_many_items"]
    assert post(fast, "/add", json={"items": many[:100]}).status_code == 200


def test_five_requests_per_second_per_ip(sandbox_factory):
    server = sandbox_factory(calltouch_import_seconds=0)
    responses = [post(server, "/add", json={"items": [item()]}) for _ in range(8)]
    codes = [r.status_code for r in responses]
    assert codes[:5] == [200] * 5
    assert 429 in codes[5:]
    rejected = next(r for r in responses if r.status_code == 429)
    assert rejected.json()["data"]["apiErrorData"]["errorCode"] == 429
    assert server.stats()["vendors"]["calltouch"]["rate_limited_429"] == codes.count(429)
    assert len(server.calltouch.import_log()) == codes.count(200)


def test_outcomes_error_and_never_and_unknown_ids(fast):
    fast.calltouch.configure(import_outcome="error", outcome_from=2)
    assert post(fast, "/add", json={"items": [item()]}).json()["data"]["importLogId"] == 1
    assert post(fast, "/add", json={"items": [item(source="google")]}).json()["data"]["importLogId"] == 2
    assert post(fast, "/1/status").json()["data"]["status"] == "success"
    assert post(fast, "/2/status").json()["data"]["status"] == "error"
    fast.calltouch.configure(import_outcome="never")
    post(fast, "/add", json={"items": [item(source="vk")]})
    assert post(fast, "/3/status").json()["data"]["status"] == "in progress..."
    assert post(fast, "/99/status").status_code == 404
    assert [p["source"] for p in fast.calltouch.imported_plans()] == ["yandex"]


def test_reimporting_a_plan_replaces_its_value(fast):
    post(fast, "/add", json={"items": [item(metric={"value": 1})]})
    post(fast, "/add", json={"items": [item(metric={"value": 7})]})
    assert [p["metric"]["value"] for p in fast.calltouch.imported_plans()] == [7]


def test_faults_apply_to_calltouch(sandbox_factory):
    server = sandbox_factory(rate_limit=False, faults=["calltouch:status=503", "calltouch:drop"])
    failed = post(server, "/add", json={"items": [item()]})
    assert failed.status_code == 503
    assert failed.json()["data"]["type"] == "apiError"
    with pytest.raises(requests.ConnectionError):
        post(server, "/add", json={"items": [item()]})
    assert server.calltouch.import_log() == []


def test_admin_endpoints(fast):
    base = f"{fast.url}/_sandbox/calltouch"
    post(fast, "/add", json={"items": DOC_ITEMS})
    assert requests.get(f"{base}/plans", timeout=30).json() == {"plans": DOC_ITEMS}
    imports = requests.get(f"{base}/imports", timeout=30).json()
    assert imports["imports"][0]["items"] == 3
    changed = requests.post(f"{base}/settings", params={"import_outcome": "never", "outcome_from": "5"}, timeout=30)
    assert changed.json() == {"import_outcome": "never", "outcome_from": 5}
    assert requests.post(f"{base}/settings", params={"import_outcome": "maybe"}, timeout=30).status_code == 400


def test_cli_options():
    from vendor_sandbox.core.cli import build_parser, config_from_args

    args = build_parser().parse_args(["--calltouch-import-seconds", "0.5", "--calltouch-import-outcome", "never"])
    config = config_from_args(args)
    assert (config.calltouch_import_seconds, config.calltouch_import_outcome) == (0.5, "never")
    assert config.calltouch_requests_per_second == 5


def test_rate_limit_and_bad_record_faults_use_calltouchs_answers(fast):
    fast.add_fault("calltouch:rate_limit", "calltouch:bad_record")
    limited = post(fast, "/add", json={"items": [item()]})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert limited.json()["data"]["apiErrorData"]["errorCode"] == 429
    added = post(fast, "/add", json={"items": [item()]})
    assert added.status_code == 200 and added.json() == {"meta": [], "data": {"importLogId": "not-a-number"}}
    fast.add_fault("calltouch:bad_record,records=items")
    status = post(fast, "/1/status").json()["data"]
    assert status["status"] == "success" and status["items"][0]["metric"] == "not-a-number"
    fast.add_fault("calltouch:bad_record=status,records=data,value=done")
    assert post(fast, "/1/status").json()["data"]["status"] == "done"


def test_a_stored_lone_surrogate_is_answered_as_json_not_a_dropped_connection(fast):
    # A lone surrogate arrives as the JSON escape "\ud800": valid JSON, but not Unicode that
    # UTF-8 can carry. The status and admin answers echo it escaped instead of failing to encode.
    body = '{"items": [{"dateFrom": "01-04-2021", "dateTo": "02-04-2021", "source": "ya\\ud800", '
    body += '"metric": {"type": "Лиды", "name": "Все лиды", "value": 1}}]}'
    added = post(fast, "/add", data=body.encode(), headers={**AUTH, "Content-Type": "application/json"})
    assert added.status_code == 200, added.text
    status = post(fast, "/1/status")
    assert status.status_code == 200
    assert status.json()["data"]["items"][0]["source"] == "ya\ud800"
    assert "Лиды" in status.json()["data"]["items"][0]["metric"]["type"]
    plans = requests.get(f"{fast.url}/_sandbox/calltouch/plans", timeout=10)
    assert plans.status_code == 200
    assert [plan["source"] for plan in plans.json()["plans"]] == ["ya\ud800"]
