"""Deterministic Kameleoon data: sites, segments and audience statistics.

Every number is a pure function of the seed, the site, the day, the analytics
level and the segment, so a test can compare what a tap emitted with what the
sandbox holds. What the vendor documents is followed field by field
(kameleoon-audience-poll.txt); what it leaves open is decided here:

- ``usualBreakdownStats`` / ``customDataStats`` map a breakdown value (the
  "property name") to one item per tracked segment (:data:`USUAL_BREAKDOWNS`,
  :data:`CUSTOM_DATA`).
- The five unnamed breakdown proportions carry the ``…GapTotal`` names of the
  documented ``segmentStats`` example, plus ``conversionRateGapTotal``
  (:data:`GAP_FIELDS`).
- Evolutions compare with the previous period of the same length, in percent
  (0 when the previous period had nothing).
- Timestamps of the poll data: the reference's example form ``2024-07-29T15:51:28.071Z``
  (milliseconds, ``Z``) by default, or the ``YYYY-MM-DDThh:mm:ss`` its field descriptions
  name (:func:`timestamp`).
- WAITING and ERROR answers carry the zero-filled ``data`` object of the reference's
  example (:meth:`KameleoonData.placeholder`), not ``null``.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta
from typing import Any

USUAL_BREAKDOWNS = ("Desktop", "Mobile", "Tablet")
"""Values of the usual breakdown (device type) the sandbox serves."""
CUSTOM_DATA = ("Free plan", "Premium plan")
"""Values of the custom-data breakdown the sandbox serves."""
GAP_FIELDS = (
    "elementCountGapTotal",
    "revenueGapTotal",
    "conversionRateGapTotal",
    "averageRevenuePerConversionGapTotal",
    "conversionsGapTotal",
)
SEGMENT_TYPES = ("STANDARD", "KEY_MOMENT")


def _rng(*parts: Any) -> random.Random:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 6) if denominator else 0.0


def _evolution(current: float, previous: float) -> float:
    return round((current - previous) * 100 / previous, 4) if previous else 0.0


def timestamp(moment: datetime, form: str = "example") -> str:
    """``moment`` (UTC) as the reference writes it: ``example`` → ``2024-07-29T15:51:28.071Z``,
    ``described`` → ``2024-07-29T15:51:28``."""
    if form == "described":
        return moment.strftime("%Y-%m-%dT%H:%M:%S")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def metrics(visits: int, conversions: int, converted: int, revenue: float) -> dict[str, Any]:
    """The eight documented metrics, derived as the documentation describes."""
    return {
        "elementCount": visits,
        "conversions": conversions,
        "convertedElementCount": converted,
        "conversionRate": _ratio(converted, visits),
        "revenue": round(revenue, 2),
        "averageRevenuePerElementCount": _ratio(revenue, visits),
        "averageRevenuePerConversion": _ratio(revenue, conversions),
        "averageConversionPerElementCount": _ratio(conversions, visits),
    }


def evolutions(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """The five documented evolutions of ``current`` against ``previous``, in percent."""
    return {
        "conversionRateEvolution": _evolution(current["conversionRate"], previous["conversionRate"]),
        "elementCountEvolution": _evolution(current["elementCount"], previous["elementCount"]),
        "revenueEvolution": _evolution(current["revenue"], previous["revenue"]),
        "averageRevenuePerElementCountEvolution": _evolution(
            current["averageRevenuePerElementCount"], previous["averageRevenuePerElementCount"]
        ),
        "averageRevenuePerConversionEvolution": _evolution(
            current["averageRevenuePerConversion"], previous["averageRevenuePerConversion"]
        ),
    }


class KameleoonData:
    """The sites, segments and statistics of the sandbox's accounts."""

    def __init__(
        self, seed: int, *, sites_per_account: int, segments_per_site: int, timestamps: str = "example"
    ) -> None:
        self.seed = seed
        self.sites_per_account = sites_per_account
        self.segments_per_site = segments_per_site
        self.timestamps = timestamps

    # --- sites and segments --------------------------------------------------------------

    def sites(self, account: int) -> list[dict[str, Any]]:
        """The sites an account (0, 1, …: the order of the configured clients) can see."""
        sites = []
        for n in range(self.sites_per_account):
            site_id = 20000 + account * 100 + n + 1
            rng = _rng(self.seed, "site", site_id)
            code = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10))
            sites.append(
                {
                    "id": site_id,
                    "code": code,
                    "name": f"Sandbox shop {site_id}",
                    "url": f"https://shop{site_id}.example.com",
                    "description": None,
                    "dateCreated": f"2023-0{1 + n % 9}-15T10:00:00",
                    "isScriptActive": True,
                }
            )
        return sites

    def segments(self, site_id: int) -> list[dict[str, Any]]:
        """The site's segments; the last one does not track audiences."""
        segments = []
        for n in range(self.segments_per_site):
            segment_id = site_id * 1000 + n + 1
            segments.append(
                {
                    "id": segment_id,
                    "name": f"Segment {n + 1} of site {site_id}",
                    "description": f"Visitors of group {n + 1}",
                    "siteId": site_id,
                    "audienceTracking": n < self.segments_per_site - 1 or self.segments_per_site == 1,
                    "segmentType": SEGMENT_TYPES[n % len(SEGMENT_TYPES)],
                    "tags": [f"group-{n % 3}"],
                    "dateCreated": "2024-01-10T09:30:00",
                    "dateModified": "2024-06-01T12:00:00",
                }
            )
        return segments

    def tracked_segment_ids(self, site_id: int) -> list[int]:
        return [s["id"] for s in self.segments(site_id) if s["audienceTracking"]]

    # --- statistics ----------------------------------------------------------------------

    def _day(self, site_id: int, segment_id: int, day: date, level: str) -> tuple[int, int, int, float]:
        """(visits, conversions, converted visits, revenue) of one segment and day."""
        rng = _rng(self.seed, "day", site_id, segment_id, day.isoformat())
        visits = rng.randint(50, 400)
        if level == "VISITOR":
            visits = max(1, int(visits * 0.7))
        converted = rng.randint(0, visits // 8)
        conversions = converted + rng.randint(0, converted // 3 + 1)
        revenue = round(conversions * rng.uniform(20, 90), 2)
        return visits, conversions, converted, revenue

    def _sum(self, site_id: int, segment_ids: list[int], days: list[date], level: str) -> tuple[int, int, int, float]:
        totals = [0, 0, 0, 0.0]
        for segment_id in segment_ids:
            for day in days:
                for i, value in enumerate(self._day(site_id, segment_id, day, level)):
                    totals[i] += value
        return int(totals[0]), int(totals[1]), int(totals[2]), float(totals[3])

    def payload(self, site_id: int, start: datetime, end: datetime, level: str) -> dict[str, Any]:
        """The ``data`` of a READY poll answer for ``[start, end)`` (whole UTC days)."""
        first, last = start.date(), (end - timedelta(microseconds=1)).date()
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)] if end > start else []
        previous = [day - timedelta(days=len(days)) for day in days]
        tracked = self.tracked_segment_ids(site_id)

        def block(segment_ids: list[int], with_evolution: bool = True) -> dict[str, Any]:
            current = metrics(*self._sum(site_id, segment_ids, days, level))
            if with_evolution:
                current |= evolutions(current, metrics(*self._sum(site_id, segment_ids, previous, level)))
            return current

        global_stats = block(tracked)
        segment_stats = []
        for segment_id in tracked:
            stats = block([segment_id])
            share = _ratio(stats["elementCount"], global_stats["elementCount"])
            segment_stats.append(
                {"segmentId": segment_id, **stats}
                | {
                    "elementCountGapTotal": share,
                    "conversionsGapTotal": _ratio(stats["conversions"], global_stats["conversions"]),
                    "revenueGapTotal": _ratio(stats["revenue"], global_stats["revenue"]),
                    "averageRevenuePerConversionGapTotal": _ratio(
                        stats["averageRevenuePerConversion"], global_stats["averageRevenuePerConversion"]
                    ),
                }
            )
        period_stats = [
            {
                **metrics(*self._sum(site_id, tracked, [day], level)),
                "startDateTime": self._stamp(datetime(day.year, day.month, day.day)),
                "endDateTime": self._stamp(datetime(day.year, day.month, day.day) + timedelta(days=1)),
            }
            for day in days
        ]
        return {
            "startDateTime": self._stamp(start),
            "endDateTime": self._stamp(end),
            "analyticsLevel": level,
            "globalStats": global_stats,
            "segmentStats": segment_stats,
            "periodStats": period_stats,
            "breakdownData": {
                "usualBreakdownStats": self._breakdown(site_id, segment_stats, USUAL_BREAKDOWNS),
                "customDataStats": self._breakdown(site_id, segment_stats, CUSTOM_DATA),
            },
        }

    def placeholder(self, start: datetime, end: datetime, level: str) -> dict[str, Any]:
        """The ``data`` of a WAITING or ERROR answer: the reference's example, zero-filled."""
        empty = metrics(0, 0, 0, 0.0)
        zeros = dict.fromkeys(empty, 0) | dict.fromkeys(evolutions(empty, empty), 0)
        gaps = dict.fromkeys(
            ("elementCountGapTotal", "conversionsGapTotal", "revenueGapTotal", "averageRevenuePerConversionGapTotal"), 0
        )
        return {
            "startDateTime": self._stamp(start),
            "endDateTime": self._stamp(end),
            "analyticsLevel": level,
            "globalStats": dict(zeros),
            "segmentStats": [{"segmentId": 0, **zeros, **gaps}],
            "periodStats": [
                {**dict.fromkeys(empty, 0), "startDateTime": self._stamp(start), "endDateTime": self._stamp(end)}
            ],
            "breakdownData": {"usualBreakdownStats": {}, "customDataStats": {}},
        }

    def _stamp(self, moment: datetime) -> str:
        return timestamp(moment, self.timestamps)

    def _breakdown(
        self, site_id: int, segment_stats: list[dict[str, Any]], values: tuple[str, ...]
    ) -> dict[str, list[dict[str, Any]]]:
        """Each breakdown value → one item per segment: the segment's stats split by fixed shares."""
        rng = _rng(self.seed, "breakdown", site_id, values)
        weights = [rng.uniform(1, 5) for _ in values]
        shares = [w / sum(weights) for w in weights]
        result: dict[str, list[dict[str, Any]]] = {}
        for value, share in zip(values, shares, strict=True):
            items = []
            for stats in segment_stats:
                visits = int(stats["elementCount"] * share)
                conversions = int(stats["conversions"] * share)
                converted = min(visits, int(stats["convertedElementCount"] * share))
                part = metrics(visits, conversions, converted, stats["revenue"] * share)
                part |= {name: stats[name] for name in stats if name.endswith("Evolution")}
                items.append(
                    {"segmentId": stats["segmentId"], **part}
                    | {
                        "elementCountGapTotal": round(share, 6),
                        "revenueGapTotal": round(share, 6),
                        "conversionRateGapTotal": _ratio(part["conversionRate"], stats["conversionRate"]),
                        "averageRevenuePerConversionGapTotal": _ratio(
                            part["averageRevenuePerConversion"], stats["averageRevenuePerConversion"]
                        ),
                        "conversionsGapTotal": _ratio(conversions, stats["conversions"]),
                    }
                )
            result[value] = items
        return result
