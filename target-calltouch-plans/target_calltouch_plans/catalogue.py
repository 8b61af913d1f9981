"""Calltouch plan metrics as documented (``calltouch-plans-import.txt``).

The one place the target knows the vendor's catalogue of metric types and names.
"""

from __future__ import annotations

#: The documented "Важно": custom columns and goals must not be named like a
#: Calltouch metric. ASSUMPTION: "a Calltouch metric name" = a name listed for one of
#: the five fixed types below (the doc publishes no other list).

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

#: Plans per add request (documented: "максимальное количество наборов - 100").
MAX_ITEMS_PER_IMPORT = 100
#: Dimensions of a plan; at least one must be set.
DIMENSIONS = ("source", "medium", "campaign", "content", "keyword")

#: DECISION: no plan value is negative. The doc types ``metric.value`` as "integer"
#: and describes it as the value to reach in the period; every metric of the catalogue
#: above is a count or an amount (leads, sessions, revenue, budget, clicks…), so a
#: negative value is taken for a mistake (a sign slipped into a spreadsheet), not a plan.
MIN_PLAN_VALUE = 0
#: ASSUMPTION: the largest value Calltouch stores is not documented. The bound is the
#: largest integer every JSON reader keeps exact, 2**53 - 1 (RFC 8259, section 6): a
#: larger one may arrive rounded at Calltouch without any error, while this one is far
#: above any real plan. If Calltouch turns out to store less, lower it here.
MAX_PLAN_VALUE = 2**53 - 1
