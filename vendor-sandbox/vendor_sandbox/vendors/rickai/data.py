"""Deterministic synthetic Rick.ai sessions.

Every (seed, company, day) has its own `random.Random`, so a day's sessions never depend on
which pages or ranges were asked before. Sessions of a day are unique by
(client_id, session_count): client ids come from a bijection of the session's index within the
day, and a visitor seen twice in a day gets a strictly higher session_count.

Transaction statuses follow a planned timeline starting on the session date and are rendered
"as of" a date: `status_history` keeps the entries dated on or before it (at least the first),
`status` is the last of them, `revenue` and `grossprofit` are the planned amounts when that
status is "Оплачено" and 0.0 otherwise; the session `revenue` is the sum of its transactions'.

For speed, sessions are assembled straight into JSON from members encoded once at import
(`fragments`); `RickaiData.sessions()` parses those very bytes back for the truth.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from random import Random
from typing import Any

from . import fragments as F
from .fragments import choice

STATUS_NEW = "Новая"
STATUS_PROCESSING = "В обработке"
STATUS_PAID = "Оплачено"
STATUS_CANCELLED = "Отменено"
MAX_STATUS_DAYS = 10
"""No planned status change happens later than this many days after the session date."""

_ID_MODULUS = 9_000_000_000
_ID_MULTIPLIER = 2_654_435_761  # coprime with _ID_MODULUS: i -> (i * m + salt) % M is a bijection
_STATUS_JSON = {
    status: json.dumps(status, ensure_ascii=False)
    for status in (STATUS_NEW, STATUS_PROCESSING, STATUS_PAID, STATUS_CANCELLED)
}

PrimaryKey = tuple[str, int, str]
"""(client_id, session_count, date)"""


@dataclass(frozen=True)
class PlannedTransaction:
    """A transaction with its whole status timeline; rendered per as-of date."""

    transaction_id: str
    deal_source_json: str
    amount: float
    profit: float
    products_json: str
    timeline: tuple[tuple[str, date], ...]

    def render(self, as_of: date) -> tuple[float, str]:
        """(revenue, JSON object) of the transaction as seen on `as_of`."""
        history = [entry for entry in self.timeline if entry[1] <= as_of] or self.timeline[:1]
        status = history[-1][0]
        paid = status == STATUS_PAID
        revenue, profit = (self.amount, self.profit) if paid else (0.0, 0.0)
        statuses = ",".join(f'{{"status":{_STATUS_JSON[s]},"date":"{d.isoformat()}"}}' for s, d in history)
        return revenue, (
            f'{{"transaction_id":"{self.transaction_id}","status":{_STATUS_JSON[status]},'
            f'"deal_source":{self.deal_source_json},"revenue":{revenue!r},"grossprofit":{profit!r},'
            f'"products":{self.products_json},"status_history":[{statuses}]}}'
        )


@dataclass(frozen=True)
class SessionDraft:
    """A session with everything fixed except its as-of dependent revenue and transactions."""

    key: PrimaryKey
    head: str
    """JSON object text from `{` through `acq_cost`."""
    tail: str
    """JSON text from `page_paths` through the closing `}`."""
    transactions: tuple[PlannedTransaction, ...]

    def encode(self, as_of: date) -> bytes:
        if not self.transactions:
            return f'{self.head},"revenue":0.0,"transactions":[],{self.tail}'.encode()
        rendered = [tx.render(as_of) for tx in self.transactions]
        revenue = round(sum(amount for amount, _ in rendered), 2)
        objects = ",".join(text for _, text in rendered)
        return f'{self.head},"revenue":{revenue!r},"transactions":[{objects}],{self.tail}'.encode()


class RickaiData:
    """Generates, renders and caches the sessions of one sandbox (one seed)."""

    def __init__(self, seed: int, sessions_per_day: int, cache_entries: int = 4096) -> None:
        self.seed = seed
        self.sessions_per_day = sessions_per_day
        self._cache: OrderedDict[tuple[str, date, date], list[bytes]] = OrderedDict()
        self._cache_entries = cache_entries
        self._lock = threading.Lock()

    def day_count(self, company: str, day: date) -> int:
        """Number of sessions on `day`: sessions_per_day varied by ±20%, never as-of dependent."""
        variation = Random(f"{self.seed}:{company}:{day.isoformat()}:count").random()
        return round(self.sessions_per_day * (0.8 + 0.4 * variation))

    def encoded_day(self, company: str, day: date, as_of: date) -> list[bytes]:
        """The day's sessions as of `as_of`, each JSON-encoded once (cached)."""
        key = (company, day, min(as_of, day + timedelta(days=MAX_STATUS_DAYS)))
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            encoded = [draft.encode(key[2]) for draft in self.drafts(company, day)]
            self._cache[key] = encoded
            while len(self._cache) > self._cache_entries:
                self._cache.popitem(last=False)
            return encoded

    def sessions(self, company: str, day: date, as_of: date) -> list[dict[str, Any]]:
        """The day's sessions exactly as served when the sandbox's today is `as_of`."""
        return [json.loads(item) for item in self.encoded_day(company, day, as_of)]

    def keys(self, company: str, day: date) -> list[PrimaryKey]:
        """Primary keys (client_id, session_count, date) of the day's sessions, in served order."""
        return [draft.key for draft in self.drafts(company, day)]

    def drafts(self, company: str, day: date) -> list[SessionDraft]:
        rng = Random(f"{self.seed}:{company}:{day.isoformat()}")
        factory = _SessionFactory(rng, company, day)
        return [factory.session(index) for index in range(self.day_count(company, day))]


class _SessionFactory:
    """Builds one day's sessions in order; holds the per-day state (rng, id salt, last visitor)."""

    def __init__(self, rng: Random, company: str, day: date) -> None:
        self.rng = rng
        self.day = day
        self.iso_day = day.isoformat()
        self.day_start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        self.salt = rng.randrange(_ID_MODULUS)
        self.hosts = F.hostnames(company)
        self.tx_prefix = "".join(chr(65 + (zlib.crc32(company.encode()) >> (5 * k)) % 26) for k in range(5))
        self.previous: tuple[str, int] | None = None

    def visitor(self, index: int) -> tuple[str, int]:
        """(client_id, session_count); sometimes the previous visitor coming back the same day."""
        r = self.rng.random
        if self.previous is not None and r() < 0.06:
            client_id, count = self.previous
            return client_id, count + 1
        number = 1_000_000_000 + (index * _ID_MULTIPLIER + self.salt) % _ID_MODULUS
        count = 1 if r() < 0.55 else 2 + int(self.rng.expovariate(0.12))
        first_seen = self.day_start + int(r() * 86_400)
        if count > 1:
            first_seen -= 86_400 * (1 + int(r() * 365))
        return f"{number}.{first_seen}", count

    def session(self, index: int) -> SessionDraft:
        r = self.rng.random
        client_id, session_count = self.previous = self.visitor(index)
        source = F.pick_source(r)
        device = F.pick_device(r)
        is_app = device.mobile and r() < 0.07
        continuation = session_count > 1 and r() < 0.1
        landing = F.pick_landing(r)
        acq_cost = round(source.cost_min + r() * (source.cost_max - source.cost_min), 2)
        head = ",".join(
            (
                f'{{"client_id":"{client_id}","session_count":{session_count},"date":"{self.iso_day}"',
                source.source_medium,
                F.REAL_SOURCE_DIRECT if continuation else source.real_source_medium,
                choice(source.campaigns, r),
                choice(source.keywords, r),
                source.channel,
                F.pick_geo(r),
                choice(device.browsers, r),
                choice(device.resolutions, r),
                choice(F.APP_VERSIONS, r) if is_app else F.NO_APP_VERSION,
                choice(device.models, r),
                F.LANDING[landing],
                F.INITIAL_LANDING[F.pick_landing(r) if continuation else landing],
                self.hosts[index % len(self.hosts)],
                choice(source.ad_contents, r),
                source.channel_grouping,
                f'"acq_cost":{acq_cost!r}',
            )
        )
        transactions = self.transactions(index) if r() < 0.08 else ()
        tail = (
            ",".join(
                (
                    F.pick_page_paths(r),
                    F.pick_actions(r) if transactions or r() < 0.5 else F.NO_ACTIONS,
                    F.pick_screens(r) if is_app else F.NO_SCREENS,
                    f'"user_ids":["{10_000 + int(r() * 90_000)}"]' if transactions or r() < 0.2 else F.NO_USER_IDS,
                )
            )
            + "}"
        )
        return SessionDraft((client_id, session_count, self.iso_day), head, tail, transactions)

    def transactions(self, index: int) -> tuple[PlannedTransaction, ...]:
        rng, r = self.rng, self.rng.random
        planned = []
        for number in range(F.pick_count(r)):
            chosen = rng.sample(F.PRODUCTS, F.pick_count(r))
            lines = [(product, 1 if r() < 0.8 else 2 + int(r() * 2)) for product in chosen]
            amount = round(sum(product.price * quantity for product, quantity in lines), 2)
            products = ",".join(f"{product.json_prefix}{quantity}}}" for product, quantity in lines)
            planned.append(
                PlannedTransaction(
                    transaction_id=f"{self.tx_prefix}-{self.day:%y%m%d}-{index * 10 + number}",
                    deal_source_json=F.pick_deal_source(r),
                    amount=amount,
                    profit=round(amount * (0.2 + 0.4 * r()), 2),
                    products_json=f"[{products}]",
                    timeline=self.timeline(),
                )
            )
        return tuple(planned)

    def timeline(self) -> tuple[tuple[str, date], ...]:
        """Planned statuses: paid at once online, or new -> processing -> paid/cancelled."""
        r, day = self.rng.random, self.day
        if r() < 0.15:
            return ((STATUS_PAID, day),)
        processing = 1 + int(r() * 3)
        timeline = ((STATUS_NEW, day), (STATUS_PROCESSING, day + timedelta(days=processing)))
        if r() < 0.05:
            return timeline  # stuck in processing
        earliest = max(3, processing + 1)
        closed = earliest + int(r() * (MAX_STATUS_DAYS + 1 - earliest))
        final = STATUS_PAID if r() < 0.7 else STATUS_CANCELLED
        return (*timeline, (final, day + timedelta(days=closed)))
