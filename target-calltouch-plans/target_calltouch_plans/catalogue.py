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
