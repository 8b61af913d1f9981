"""Calltouch plans import: the documented metric catalogue, messages, error bodies and validation.

Everything here is copied from ``calltouch-plans-import.txt`` (the vendor's words), except
what :data:`ASSUMPTIONS` lists as decided by the sandbox.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from vendor_sandbox.core import LimitRules, VendorResponse, json_response

#: What the documentation leaves open, decided here (and listed in the README).
ASSUMPTIONS = {
    "http_statuses": "401 auth, 400 request and validation errors, 404 unknown import id, 200 otherwise",
    "site_id_mismatch": "a SiteId missing or not the token's is answered like an unknown token (401)",
    "rate_limited_answer": "429 apiError errorCode 429, no Retry-After; rejected requests do not count",
    "rate_limit_scope": "the client address (the sandbox binds loopback: every local client is 127.0.0.1)",
    "too_many_items": "validationError on `items`: 'Эта коллекция должна содержать 100 элементов или меньше.'",
    "value_not_integer": "validationError on `items[i].metric.value`: 'Значение должно быть типа integer.'",
    "unknown_metric_name": "the message of an unknown type ('Значение не совпадает с одним из допустимых.')",
    "import_duration": "status is 'in progress...' until calltouch_import_seconds after the add arrived",
    "reimport": "importing a plan again (same dates, dimensions and metric) replaces its value",
    "error_status_body": "status 'error' carries the items and no message",
}

PREFIX = "/report-service/RestAPI/api/plans-import"
IN_PROGRESS, SUCCESS, ERROR = "in progress...", "success", "error"

MAX_ITEMS = 100
DATE_FORMAT = "%d-%m-%Y"
DIMENSIONS = ("source", "medium", "campaign", "content", "keyword")
REQUIRED_FIELDS = ("dateFrom", "dateTo", "metric")
REQUIRED_METRIC_FIELDS = ("type", "name", "value")

LEADS = (
    "Все лиды",
    "Уникальные лиды",
    "Неудачные лиды",
    "Целевые лиды",
    "Уникально-целевые лиды",
    "Все звонки",
    "Уникальные звонки",
    "Повторные звонки",
    "Целевые звонки",
    "Уникально-целевые звонки",
    "Неудачные звонки",
    "Спам-звонки",
    "Все обратные звонки",
    "Уникальные обратные звонки",
    "Целевые обратные звонки",
    "Уникально-целевые обратные звонки",
    "Неудачные обратные звонки",
    "Спам-обратные звонки",
    "Все заявки",
    "Уникальные заявки",
    "Повторные заявки",
    "Неудачные заявки",
    "Целевые заявки",
    "Уникально-целевые заявки",
)
ECOMMERCE = (
    "Просмотры товаров",
    "Добавлен в корзину",
    "Выручка по добавленным в корзину",
    "Маржа по добавленным в корзину",
    "Удалён из корзины",
    "Выручка по удалённым из корзины",
    "Маржа по удалённым из корзины",
    "Товаров в корзине",
    "Выручка по корзине",
    "Маржа по корзине",
    "Заказ оформлен",
    "Количество заказанных товаров",
    "Выручка по заказам",
    "Маржа по заказам",
    "Оплата",
    "Количество оплаченных товаров",
    "Выручка по оплатам",
    "Маржа по оплатам",
)
FIXED_METRICS: dict[str, tuple[str, ...]] = {
    "Лиды": LEADS,
    "Поведение": ("Сессии", "Отказы"),
    "Сделки и ROI": ("Всего сделок", "Средний чек", "Выручка"),
    "Электронная торговля": ECOMMERCE,
    "Площадки": ("Бюджет", "Показы", "Клики", "CPC"),
}
CUSTOM_TYPES = ("Пользовательские", "Цели")
METRIC_TYPES = (*FIXED_METRICS, *CUSTOM_TYPES)
ALL_METRIC_NAMES = frozenset(name for names in FIXED_METRICS.values() for name in names)

# Documented messages.
AUTH_FAILED = "Access token не найден"
JSON_SYNTAX = "Синтаксическая ошибка JSON в запросе или запрос пустой"
NO_DIMENSION = "Должно быть заполнено одно или несколько из полей: source, medium, campaign, content, keyword"
EMPTY = "Значение не должно быть пустым."
NOT_ALLOWED = "Значение не совпадает с одним из допустимых."
TOO_FEW = "Эта коллекция должна содержать 1 элемент или больше."
BAD_DATE = "Значение не является правильной датой."
DATES_ORDER = "Значение dateFrom должно быть меньше или равно dateTo"
NOT_UNIQUE = "Название пользовательского столбца не уникально, импорт невозможен."
# Decided by the sandbox (not documented), in the same Symfony-validator wording.
TOO_MANY = f"Эта коллекция должна содержать {MAX_ITEMS} элементов или меньше."
NOT_INTEGER = "Значение должно быть типа integer."
NOT_OBJECT = "Значение должно быть объектом."
RATE_LIMITED = "Превышено количество запросов: не более 5 запросов в секунду с одного IP-адреса"
INTERNAL_ERROR = "Внутренняя ошибка сервера"


def envelope(data: Any) -> dict[str, Any]:
    return {"meta": [], "data": data}


def api_error(status: int, code: int, message: str) -> VendorResponse:
    """The documented ``apiError`` body."""
    error = {"errorCode": code, "errorMessage": message, "errorDescription": None}
    return json_response(status, envelope({"type": "apiError", "apiErrorData": error, "validationErrorData": None}))


def validation_error(violations: list[dict[str, str]]) -> VendorResponse:
    """The documented ``validationError`` body."""
    data = {"type": "validationError", "apiErrorData": None, "validationErrorData": {"violations": violations}}
    return json_response(400, envelope(data))


def auth_failed() -> VendorResponse:
    """The documented 401 body ``{"message": "Access token не найден"}``."""
    return json_response(401, {"message": AUTH_FAILED})


def limits(requests_per_second: int) -> LimitRules:
    """Per client IP: at most 5 requests in any second (documented; sliding window)."""
    return LimitRules(windows=((requests_per_second, 1.0),))


def missing_field(body: Any) -> str | None:
    """The first required field absent from an item, as the documented message names it."""
    items = body.get("items") if isinstance(body, dict) else None
    if items is None:
        return "items"
    if not isinstance(items, list):
        return None
    for item in items:
        if not isinstance(item, dict):
            continue
        for name in REQUIRED_FIELDS:
            if name not in item:
                return name
        metric = item["metric"]
        if isinstance(metric, dict):
            for name in REQUIRED_METRIC_FIELDS:
                if name not in metric:
                    return name
    return None


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.strptime(value, DATE_FORMAT).date()
    except ValueError:
        return None
    # strptime accepts "1-4-2021"; the documented format has two-digit days and months.
    return parsed if parsed.strftime(DATE_FORMAT) == value else None


def violations(items: Any) -> list[dict[str, str]]:
    """Every rule of the doc, as ``{"fieldPath", "message"}`` violations."""
    if not isinstance(items, list):
        return [{"fieldPath": "items", "message": NOT_ALLOWED}]
    if not items:
        return [{"fieldPath": "items", "message": TOO_FEW}]
    if len(items) > MAX_ITEMS:
        return [{"fieldPath": "items", "message": TOO_MANY}]
    found: list[dict[str, str]] = []
    for n, item in enumerate(items):
        found.extend(_item_violations(f"items[{n}]", item))
    return found


def _item_violations(at: str, item: Any) -> list[dict[str, str]]:
    if not isinstance(item, dict):
        return [{"fieldPath": at, "message": NOT_OBJECT}]
    found = []
    start, end = _date(item.get("dateFrom")), _date(item.get("dateTo"))
    if start is None:
        found.append({"fieldPath": f"{at}.dateFrom", "message": BAD_DATE})
    if end is None:
        found.append({"fieldPath": f"{at}.dateTo", "message": BAD_DATE})
    if start and end and start > end:
        found.append({"fieldPath": f"{at}.dateFrom", "message": DATES_ORDER})
    if not any(isinstance(item.get(d), str) and item[d].strip() for d in DIMENSIONS):
        found.append({"fieldPath": f"{at}.source", "message": NO_DIMENSION})
    metric = item.get("metric")
    if not isinstance(metric, dict):
        return [*found, {"fieldPath": f"{at}.metric", "message": NOT_OBJECT}]
    kind, name, value = metric.get("type"), metric.get("name"), metric.get("value")
    if not kind:
        found.append({"fieldPath": f"{at}.metric.type", "message": EMPTY})
    elif kind not in METRIC_TYPES:
        found.append({"fieldPath": f"{at}.metric.type", "message": NOT_ALLOWED})
    if not isinstance(name, str) or not name.strip():
        found.append({"fieldPath": f"{at}.metric.name", "message": EMPTY})
    elif kind in FIXED_METRICS and name not in FIXED_METRICS[kind]:
        found.append({"fieldPath": f"{at}.metric.name", "message": NOT_ALLOWED})
    elif kind in CUSTOM_TYPES and name in ALL_METRIC_NAMES:
        found.append({"fieldPath": f"{at}.metric.name", "message": NOT_UNIQUE})
    if isinstance(value, bool) or not isinstance(value, int):
        found.append({"fieldPath": f"{at}.metric.value", "message": NOT_INTEGER})
    return found


def plan_key(item: dict[str, Any]) -> tuple[Any, ...]:
    """What identifies one plan: period, dimensions and metric (the value is what changes)."""
    metric = item["metric"]
    return (
        item["dateFrom"],
        item["dateTo"],
        *(item.get(d) or None for d in DIMENSIONS),
        metric["type"],
        metric["name"],
    )
