"""The value tables of `tables`, encoded once as JSON object members (`"key":value`),
plus the cheap weighted pickers that choose among them with one `random()` draw each."""

from __future__ import annotations

import json
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate, permutations
from math import perm
from typing import Any, Generic, TypeVar

from . import tables

T = TypeVar("T")
Random01 = Callable[[], float]


def member(key: str, value: Any) -> str:
    """One JSON object member, e.g. `"city":"Москва"`."""
    return f'"{key}":{_json(value)}'


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def members(**values: Any) -> str:
    return ",".join(member(key, value) for key, value in values.items())


def choice(values: Sequence[T], random: Random01) -> T:
    return values[int(random() * len(values))]


class Picker(Generic[T]):
    """Weighted choice driven by a single `random()` call."""

    def __init__(self, items: Sequence[tuple[T, float]]) -> None:
        self.items = [item for item, _ in items]
        self.cumulative = list(accumulate(weight for _, weight in items))
        self.total = self.cumulative[-1]

    def __call__(self, random: Random01) -> T:
        return self.items[bisect(self.cumulative, random() * self.total)]


def subset_picker(key: str, values: Sequence[str], weights_by_size: Sequence[float]) -> Picker[str]:
    """Picks the member `"key":[...]` for an ordered subset of `values`, weighted by its size."""
    subsets = [list(c) for size in range(len(weights_by_size)) for c in permutations(values, size)]
    return Picker([(member(key, c), weights_by_size[len(c)] / perm(len(values), len(c))) for c in subsets])


@dataclass(frozen=True)
class EncodedSource:
    source_medium: str
    real_source_medium: str
    campaigns: tuple[str, ...]
    """`"campaign":..,"campaign_type":..` variants."""
    keywords: tuple[str, ...]
    channel: str
    """`"channel_group":..,"channel_type":..`"""
    ad_contents: tuple[str, ...]
    channel_grouping: str
    cost_min: float
    cost_max: float


def _encode_source(source: tables.Source) -> EncodedSource:
    campaigns = source.campaigns or (("", "(no campaigns)"),)
    return EncodedSource(
        source_medium=member("source_medium", source.source_medium),
        real_source_medium=member("real_source_medium", source.source_medium),
        campaigns=tuple(members(campaign=c, campaign_type=t) for c, t in campaigns),
        keywords=tuple(member("keyword", k) for k in source.keywords or ("",)),
        channel=members(channel_group=source.channel_group, channel_type=source.channel_type),
        ad_contents=tuple(member("ad_content", a) for a in source.ad_contents or ("",)),
        channel_grouping=member("channel_grouping", source.channel_grouping),
        cost_min=source.cost_min,
        cost_max=source.cost_max,
    )


@dataclass(frozen=True)
class EncodedDevice:
    mobile: bool
    browsers: tuple[str, ...]
    """`"browser":..,"browser_version":..,"operating_system":..,"device_category":..` variants."""
    resolutions: tuple[str, ...]
    models: tuple[str, ...]


def _encode_device(device: tables.Device) -> EncodedDevice:
    return EncodedDevice(
        mobile=device.category != "desktop",
        browsers=tuple(
            members(
                browser=device.browser,
                browser_version=version,
                operating_system=device.operating_system,
                device_category=device.category,
            )
            for version in device.browser_versions
        ),
        resolutions=tuple(member("screen_resolution", r) for r in device.resolutions),
        models=tuple(member("mobile_device_info", m) for m in device.models),
    )


@dataclass(frozen=True)
class EncodedProduct:
    price: float
    json_prefix: str
    """The product object up to `"quantity":` (the quantity and `}` follow)."""


def hostnames(company: str) -> tuple[str, ...]:
    return (member("hostname", f"{company}.ru"), member("hostname", f"www.{company}.ru"))


pick_source = Picker([(_encode_source(s), s.weight) for s in tables.SOURCES])
pick_device = Picker([(_encode_device(d), d.weight) for d in tables.DEVICES])
pick_geo = Picker([(members(country=c, region=r, city=t), w) for (c, r, t), w in tables.GEOS])
pick_landing = Picker(tables.LANDING_PAGES)
pick_count = Picker([(1, 80), (2, 15), (3, 5)])
pick_deal_source = Picker([(_json(d), w) for d, w in tables.DEAL_SOURCES])
pick_page_paths = subset_picker("page_paths", tables.PAGE_PATHS, (35, 35, 20, 10))
pick_actions = subset_picker("actions", tables.ACTIONS, (0, 60, 30, 10))
pick_screens = subset_picker("screen_names", tables.APP_SCREENS, (0, 40, 40, 20))

LANDING = {path: member("landing_page_path", path) for path, _ in tables.LANDING_PAGES}
INITIAL_LANDING = {path: member("initial_landing_page_path", path) for path, _ in tables.LANDING_PAGES}
REAL_SOURCE_DIRECT = member("real_source_medium", "(direct) / (none)")
APP_VERSIONS = tuple(member("app_version", v) for v in tables.APP_VERSIONS)
NO_APP_VERSION = member("app_version", "")
NO_ACTIONS = member("actions", [])
NO_SCREENS = member("screen_names", [])
NO_USER_IDS = member("user_ids", [])
PRODUCTS = tuple(
    EncodedProduct(price, "{" + members(sku=sku, name=name, category=category, price=price) + ',"quantity":')
    for sku, name, category, price in tables.PRODUCTS
)
