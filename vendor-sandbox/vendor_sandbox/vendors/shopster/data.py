"""Deterministic Shopster data: a catalogue of malls, floors and zones, and their footfall.

Every number is a pure function of the seed, the object and the day. The model follows the
doc's definitions, so the user types relate as they imply:

- each hour of an object has passer sessions, employee sessions and visitor sessions split by
  duration into the buckets the thresholds cut (``VISIT_EDGES``: 0-2, 2-5, ... 30-45, 45+ min);
- ``bounced`` / ``half engaged`` / ``engaged`` are the visitor buckets below ``bounce_threshold``,
  between the thresholds, and from ``engagement_threshold`` on, so for any thresholds they add
  up to ``visitor``, and ``passer`` + ``visitor`` + ``employee`` add up to ``all`` (sessions,
  clients, comeback clients and durations alike);
- a longer period has fewer unique clients per session (:data:`UNIQUE_SHARE`), a longer
  ``comeback`` window more returning clients (:data:`COMEBACK_SHARE`), never more than clients;
- ``sum_session_duration`` is 0 for ``hourly``, ``weekday`` and ``weekend`` (documented).
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .rules import NO_GROSS_HOURS, USER_TYPES

KINDS = ("mall", "floor", "zone")
VISIT_EDGES = (0, 2, 5, 10, 15, 20, 30, 45)
"""Lower edges (minutes) of the visitor duration buckets; the last one is open (45+)."""
PASSER, EMPLOYEE = "passer", "employee"
UNIQUE_SHARE = {"hourly": 0.97, "daily": 0.9, "weekly": 0.75, "monthly": 0.6, "weekday": 0.7, "weekend": 0.8}
"""Unique clients per session of a visitor or passer over a period of that interval."""
EMPLOYEE_SHARE = {"hourly": 0.9, "daily": 0.3, "weekly": 0.1, "monthly": 0.04, "weekday": 0.1, "weekend": 0.2}
COMEBACK_SHARE = {
    "2 week": 0.12,
    "1 month": 0.18,
    "2 month": 0.23,
    "3 month": 0.27,
    "6 month": 0.32,
    "1 year": 0.36,
    "10 year": 0.4,
}
"""Share of a period's clients seen more than once within the comeback window (employees: 0.9)."""
KIND_SCALE = {"mall": 1.0, "floor": 0.45, "zone": 0.12}
OPEN_HOURS = range(10, 22)


def _rng(*parts: Any) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class Part:
    """Sessions and their total minutes of one part (passer, employee or a visitor bucket)."""

    sessions: int
    minutes: float


def catalogue(malls: int, floors_per_mall: int, zones_per_floor: int) -> dict[int, str]:
    """Object id → kind: malls 101.., floors MALL*10+n, zones FLOOR*10+n (3, 4 and 5 digits)."""
    objects: dict[int, str] = {}
    for m in range(1, malls + 1):
        mall = 100 + m
        objects[mall] = "mall"
        for f in range(1, floors_per_mall + 1):
            floor = mall * 10 + f
            objects[floor] = "floor"
            for z in range(1, zones_per_floor + 1):
                objects[floor * 10 + z] = "zone"
    return objects


def user_type_parts(bounce: int, engagement: int) -> dict[str, tuple[str, ...]]:
    """Which parts each user type sums, for the thresholds in minutes."""
    buckets = [f"visit{edge}" for edge in VISIT_EDGES]
    bounced = tuple(b for b, edge in zip(buckets, VISIT_EDGES, strict=True) if edge < bounce)
    engaged = tuple(b for b, edge in zip(buckets, VISIT_EDGES, strict=True) if edge >= engagement)
    half = tuple(b for b in buckets if b not in bounced and b not in engaged)
    visitor = tuple(buckets)
    return {
        "all": (PASSER, EMPLOYEE, *visitor),
        "bounced": bounced,
        "employee": (EMPLOYEE,),
        "engaged": engaged,
        "half engaged": half,
        "passer": (PASSER,),
        "visitor": visitor,
    }


class ShopsterData:
    """Footfall of the catalogue's objects, hour by hour, and its aggregation into answer rows."""

    def __init__(self, seed: int, objects: dict[int, str], visitors_per_hour: int) -> None:
        self.seed = seed
        self.objects = objects
        self.visitors_per_hour = visitors_per_hour
        self.hours = functools.lru_cache(maxsize=50_000)(self._hours)

    def _hours(self, object_id: int, day: date) -> tuple[dict[str, Part], ...]:
        """The 24 hours of one object and day: parts → sessions and minutes."""
        shape = _rng(self.seed, "object", object_id)
        scale = KIND_SCALE[self.objects[object_id]] * shape.uniform(0.8, 1.2)
        weights = [shape.uniform(0.6, 1.4) * w for w in (14, 16, 18, 14, 10, 12, 9, 7)]
        rng = _rng(self.seed, "day", object_id, day.isoformat())
        day_factor = (1.3 if day.weekday() >= 5 else 1.0) * rng.uniform(0.8, 1.2)
        hours = []
        for hour in range(24):
            is_open = hour in OPEN_HOURS
            peak = 1.0 - abs(hour - 16) / 8 if is_open else 0.0
            visitors = round(self.visitors_per_hour * scale * day_factor * (0.4 + peak) * rng.uniform(0.85, 1.15))
            visitors = visitors if is_open else 0
            parts: dict[str, Part] = {}
            split = _split(visitors, weights, rng)
            for n, edge in enumerate(VISIT_EDGES):
                upper = VISIT_EDGES[n + 1] if n + 1 < len(VISIT_EDGES) else 120
                parts[f"visit{edge}"] = Part(split[n], round(split[n] * rng.uniform(edge, upper), 2))
            passers = round(visitors * rng.uniform(2.0, 3.0)) + rng.randint(0, 3)
            parts[PASSER] = Part(passers, round(passers * rng.uniform(0.5, 2.0), 2))
            staff = max(0, round(4 * scale * rng.uniform(0.5, 1.5))) if 9 <= hour < 23 else 0
            parts[EMPLOYEE] = Part(staff, round(staff * rng.uniform(50, 60), 2))
            hours.append(parts)
        return tuple(hours)

    def rows(
        self,
        object_ids: tuple[int, ...],
        interval: str,
        days: list[date],
        comeback: str,
        bounce: int,
        engagement: int,
        last_hour: dict[date, int],
    ) -> dict[str, list[dict[str, Any]]]:
        """The rows of one answer key: the objects' sums (one object, or a group), by user type.

        `days` are the requested days that have data; `last_hour[day]` limits a day to its hours
        before that one (today)."""
        buckets = _buckets(interval, days, last_hour)
        types = user_type_parts(bounce, engagement)
        answer: dict[str, list[dict[str, Any]]] = {user_type: [] for user_type in USER_TYPES}
        for start, hours in buckets:
            totals = self._totals(object_ids, hours, interval, comeback)
            for user_type in USER_TYPES:
                answer[user_type].append(_row(start, user_type, [totals[p] for p in types[user_type]], interval))
        return answer

    def _totals(
        self, object_ids: tuple[int, ...], hours: list[tuple[date, int]], interval: str, comeback: str
    ) -> dict[str, tuple[int, int, int, float]]:
        """Per part: sessions, unique clients, comeback clients and minutes over the hours."""
        sums: dict[str, list[float]] = {}
        for object_id in object_ids:
            per_object: dict[str, list[float]] = {}
            for day, hour in hours:
                for name, part in self.hours(object_id, day)[hour].items():
                    entry = per_object.setdefault(name, [0, 0.0])
                    entry[0] += part.sessions
                    entry[1] += part.minutes
            for name, (sessions, minutes) in per_object.items():
                share = EMPLOYEE_SHARE[interval] if name == EMPLOYEE else UNIQUE_SHARE[interval]
                clients = max(1, round(sessions * share)) if sessions else 0
                returning = math.floor(clients * (0.9 if name == EMPLOYEE else COMEBACK_SHARE[comeback]))
                entry = sums.setdefault(name, [0, 0, 0, 0.0])
                entry[0] += sessions
                entry[1] += clients
                entry[2] += returning
                entry[3] += minutes
        return {name: (int(s), int(c), int(r), float(m)) for name, (s, c, r, m) in sums.items()}


def _split(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """`total` split in proportion to `weights` (integers that add up to `total`)."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [math.floor(x) for x in raw]
    for index in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i] + rng.random() * 1e-9, reverse=True):
        if sum(parts) >= total:
            break
        parts[index] += 1
    return parts


Hours = list[tuple[date, int]]


def _buckets(interval: str, days: list[date], last_hour: dict[date, int]) -> list[tuple[datetime, Hours]]:
    """(datetime, hours) of each row of the interval over the days, in order."""
    grouped: dict[datetime, Hours] = {}
    weekend = interval == "weekend"
    chosen = [day for day in days if (day.weekday() >= 5) == weekend]
    for day in days:
        for hour in range(last_hour.get(day, 24)):
            if interval == "hourly":
                key = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            elif interval == "daily":
                key = _midnight(day)
            elif interval == "weekly":
                key = _midnight(day - timedelta(days=day.weekday()))
            elif interval == "monthly":
                key = _midnight(day.replace(day=1))
            elif (day.weekday() >= 5) == weekend:
                key = _midnight(chosen[0])
            else:
                continue
            grouped.setdefault(key, []).append((day, hour))
    return sorted(grouped.items())


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _row(start: datetime, user_type: str, parts: list[tuple[int, int, int, float]], interval: str) -> dict[str, Any]:
    sessions = sum(p[0] for p in parts)
    minutes = sum(p[3] for p in parts)
    return {
        "datetime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "count_session": sessions,
        "count_client": sum(p[1] for p in parts),
        "avg_session_duration": round(minutes / sessions, 2) if sessions else 0,
        "count_comeback_client": sum(p[2] for p in parts),
        "sum_session_duration": 0 if interval in NO_GROSS_HOURS else round(minutes, 2),
        "user_type": user_type,
    }
