"""Deterministic Trust.lat data: campaigns and their daily delivery funnel.

Every number is a pure function of the seed, the company, the campaign, the day and the
moment it is looked at (``as_of``), so a test can compare what a tap emitted with what
the sandbox holds. Campaign dates are placed around ``anchor`` (the sandbox's date when it
started), so a sandbox serves the same campaigns however its clock moves afterwards.

The funnel follows the documented definitions: ``total`` notifications scheduled, of which
``fails`` will never be sent, ``pending`` not sent yet and ``sended`` sent, so
``sended + pending + fails == total``; the actions count sent notifications only
(``RECEIVED <= sended``, ``PRESS_ACTION + CLOSED <= RECEIVED``, ``UNKNOWN <= sended -
RECEIVED``). What the documentation leaves open is decided in ``rules.ASSUMPTIONS``.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .rules import ACTIONS, OFFSET, PENDING_DAYS

APPLICATIONS = ("Mi Banco", "Tienda Express", "Salud Total", "Viajes Sur")
NAMES = ("Promo invierno", "Bienvenida", "Recordatorio de pago", "Cyber Day", "Encuesta", "Aviso de seguridad")
LOCAL = timedelta(hours=-3)
"""The offset the campaigns' timestamps are written with (-03:00)."""


def _rng(*parts: Any) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def timestamp(moment: datetime) -> str:
    """ISO 8601 with milliseconds and the -03:00 offset, e.g. ``2026-10-02T09:15:00.000-03:00``."""
    local = moment.astimezone(UTC) + LOCAL
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}{OFFSET}"


@dataclass(frozen=True)
class Campaign:
    company: int
    number: int
    uuid: str
    name: str
    app_id: int
    application_name: str
    created_at: datetime
    updated_at: datetime
    first_day: date
    finish: datetime | None
    flavor_id: int
    message_id: int
    segment_id: int | None

    @property
    def last_day(self) -> date | None:
        return None if self.finish is None else self.finish.astimezone(UTC).date()

    def runs_on(self, day: date) -> bool:
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)

    def as_json(self, now: datetime) -> dict[str, Any]:
        """The campaign as the API lists it at ``now``."""
        return {
            "uuid": self.uuid,
            "name": self.name,
            "app_id": self.app_id,
            "application_name": self.application_name,
            "company_id": self.company,
            "created_at": timestamp(self.created_at),
            "updated_at": timestamp(self.updated_at),
            "finish_date": None if self.finish is None else timestamp(self.finish),
            "flavor_id": self.flavor_id,
            "message_id": self.message_id,
            "segment_id": self.segment_id,
            "terminated": self.finish is not None and self.finish <= now,
        }


def empty_statistics() -> dict[str, Any]:
    return {"total": 0, "sended": 0, "pending": 0, "fails": 0, "actions": dict.fromkeys(ACTIONS, 0), "campaign": 0}


class TrustData:
    """The campaigns and statistics of the sandbox's companies."""

    def __init__(self, seed: int, companies: tuple[int, ...], campaigns_per_company: int, anchor: date) -> None:
        self.seed = seed
        self.companies = companies
        self.anchor = anchor
        self._campaigns = {
            company: [self._campaign(company, n) for n in range(campaigns_per_company + index % 2)]
            for index, company in enumerate(companies)
        }

    def _campaign(self, company: int, number: int) -> Campaign:
        rng = _rng(self.seed, "campaign", company, number)
        first_day = self.anchor - timedelta(days=rng.randint(10, 90))
        created_at = datetime.combine(first_day - timedelta(days=rng.randint(0, 3)), time(), UTC) + timedelta(
            seconds=rng.randint(8 * 3600, 18 * 3600), milliseconds=rng.randint(0, 999)
        )
        finish = None
        if rng.random() < 0.6:
            finish = datetime.combine(first_day + timedelta(days=rng.randint(5, 60)), time(21), UTC)
        updated_at = finish if finish is not None else created_at + timedelta(hours=rng.randint(1, 48))
        app = rng.randrange(len(APPLICATIONS))
        return Campaign(
            company=company,
            number=number,
            uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            name=f"{NAMES[(company + number) % len(NAMES)]} {number + 1}",
            app_id=company * 10 + app,
            application_name=APPLICATIONS[app],
            created_at=created_at,
            updated_at=updated_at,
            first_day=first_day,
            finish=finish,
            flavor_id=rng.randint(1, 3),
            message_id=rng.randint(1000, 9999),
            segment_id=None if rng.random() < 0.25 else rng.randint(100, 999),
        )

    def campaigns(self, company: int) -> list[Campaign]:
        return list(self._campaigns.get(company, []))

    def funnel(self, campaign: Campaign, day: date, as_of: datetime) -> dict[str, Any]:
        """One campaign's notifications scheduled for ``day``, as they stand at ``as_of``."""
        stats = empty_statistics()
        today = as_of.astimezone(UTC).date()
        if not campaign.runs_on(day) or day > today:
            return stats
        rng = _rng(self.seed, "day", campaign.company, campaign.number, day.isoformat())
        scheduled = rng.randint(20, 400)
        fail_rate, pending_rate = rng.uniform(0.01, 0.08), rng.uniform(0.05, 0.2)
        received_rate, press_rate, closed_rate = rng.uniform(0.75, 0.95), rng.uniform(0.05, 0.2), rng.uniform(0.1, 0.3)
        unknown_rate = rng.uniform(0.0, 0.05)
        if day == today:  # today's notifications are still being scheduled
            elapsed = as_of.astimezone(UTC) - datetime.combine(today, time(), UTC)
            scheduled = int(scheduled * elapsed.total_seconds() / 86400)
        fails = int(scheduled * fail_rate)
        pending = int(scheduled * pending_rate) if (today - day).days < PENDING_DAYS else 0
        sended = scheduled - fails - pending
        received = int(sended * received_rate)
        stats.update(total=scheduled, sended=sended, pending=pending, fails=fails, campaign=int(scheduled > 0))
        stats["actions"] = {
            "RECEIVED": received,
            "PRESS_ACTION": int(received * press_rate),
            "CLOSED": int(received * closed_rate),
            "UNKNOWN": int((sended - received) * unknown_rate),
        }
        return stats

    def statistics(self, company: int, start: date, end: date, as_of: datetime) -> dict[str, Any]:
        """The ``data`` of a statistics answer for the days ``start``..``end`` (inclusive)."""
        total = empty_statistics()
        for campaign in self._campaigns.get(company, []):
            counted = False
            for offset in range((end - start).days + 1):
                day = start + timedelta(days=offset)
                funnel = self.funnel(campaign, day, as_of)
                for key in ("total", "sended", "pending", "fails"):
                    total[key] += funnel[key]
                for action in ACTIONS:
                    total["actions"][action] += funnel["actions"][action]
                counted = counted or funnel["total"] > 0
            total["campaign"] += int(counted)
        return total
