"""Input records → Calltouch plan items, checked against every documented rule.

Two input shapes are accepted (see the README):

- the API's own: ``dateFrom``, ``dateTo`` (``dd-mm-yyyy``), the dimensions and
  ``metric: {type, name, value}``;
- flat, as a spreadsheet has it: ``date_from``, ``date_to`` (``yyyy-mm-dd`` or
  ``dd-mm-yyyy``), the dimensions, ``metric_type``, ``metric_name``, ``metric_value``.

Pure logic: no I/O. :func:`to_plan_item` returns the item to send or raises
:class:`InvalidPlanError` listing every problem of the record.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass
from datetime import date, datetime

from target_calltouch_plans.catalogue import ALL_METRIC_NAMES, CUSTOM_TYPES, DIMENSIONS, FIXED_METRICS, METRIC_TYPES

API_DATE_FORMAT = "%d-%m-%Y"
ISO_DATE_FORMAT = "%Y-%m-%d"
#: DECISION: a flat-shape ``metric_value`` string is an integer only if it is one
#: written plainly: optional sign and digits, surrounding blanks ignored ("100",
#: " -5 "). "12.5", "1e3", "1 000", "100.0" and "abc" are errors, never cast.
INTEGER_STRING = re.compile(r"^\s*[+-]?\d+\s*$")

PlanKey = tuple[str | None, ...]


@dataclass(frozen=True)
class Problem:
    """One broken rule: the input field, its value and the rule."""

    field: str
    value: t.Any
    rule: str

    def __str__(self) -> str:
        return f"field '{self.field}' = {self.value!r}: {self.rule}"


class InvalidPlanError(ValueError):
    """A record that cannot become a plan item; names the record and every problem."""

    def __init__(self, where: str, problems: list[Problem]) -> None:
        """``where`` names the record, e.g. ``stream 'plans' record #3``."""
        self.where = where
        self.problems = problems
        super().__init__(f"{where}: " + "; ".join(map(str, problems)))


@dataclass(frozen=True)
class RecordRef:
    """Where a record came from: its stream and 1-based position in that stream."""

    stream: str
    position: int
    #: Order of arrival among all records of the run (for state checkpoints).
    seq: int = 0

    def __str__(self) -> str:
        return f"stream '{self.stream}' record #{self.position}"


def _parse_date(value: t.Any, *, iso_allowed: bool) -> date | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    formats = (API_DATE_FORMAT, ISO_DATE_FORMAT) if iso_allowed else (API_DATE_FORMAT,)
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if parsed.strftime(fmt) == text:  # two-digit days and months, as documented
            return parsed
    return None


def _integer(value: t.Any, *, strings_allowed: bool) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if strings_allowed and isinstance(value, str) and INTEGER_STRING.match(value):
        return int(value)
    return None


def _text(value: t.Any) -> str | None:
    """A dimension or name: surrounding blanks dropped; empty means absent."""
    if value is None:
        return None
    if not isinstance(value, str):
        return None
    return value.strip() or None


def to_plan_item(record: t.Mapping[str, t.Any], where: str = "record") -> dict[str, t.Any]:
    """The Calltouch item for ``record``; raises :class:`InvalidPlanError`."""
    api_shape = "metric" in record
    flat_shape = any(f in record for f in ("metric_type", "metric_name", "metric_value"))
    if api_shape == flat_shape:
        rule = (
            "a record has either 'metric' {type, name, value} (API shape) or "
            "'metric_type', 'metric_name', 'metric_value' (flat shape), "
            + ("not both" if api_shape else "found neither")
        )
        raise InvalidPlanError(where, [Problem("metric", record.get("metric"), rule)])
    problems: list[Problem] = []
    if api_shape:
        names = {"from": "dateFrom", "to": "dateTo", "type": "metric.type", "name": "metric.name"}
        names["value"] = "metric.value"
        metric = record["metric"]
        if not isinstance(metric, t.Mapping):
            raise InvalidPlanError(where, [Problem("metric", metric, "must be an object {type, name, value}")])
        raw = (record.get("dateFrom"), record.get("dateTo"), metric.get("type"), metric.get("name"))
        raw_value = metric.get("value")
    else:
        names = {"from": "date_from", "to": "date_to", "type": "metric_type", "name": "metric_name"}
        names["value"] = "metric_value"
        raw = (record.get("date_from"), record.get("date_to"), record.get("metric_type"), record.get("metric_name"))
        raw_value = record.get("metric_value")
    date_rule = "must be a date dd-mm-yyyy" if api_shape else "must be a date yyyy-mm-dd or dd-mm-yyyy"
    start = _parse_date(raw[0], iso_allowed=not api_shape)
    end = _parse_date(raw[1], iso_allowed=not api_shape)
    if start is None:
        problems.append(Problem(names["from"], raw[0], date_rule))
    if end is None:
        problems.append(Problem(names["to"], raw[1], date_rule))
    if start and end and start > end:
        problems.append(Problem(names["from"], raw[0], f"must not be after {names['to']} ({raw[1]})"))
    dimensions = {}
    for dimension in DIMENSIONS:
        value = record.get(dimension)
        if value is not None and not isinstance(value, str):
            problems.append(Problem(dimension, value, "must be a string"))
        elif _text(value):
            dimensions[dimension] = _text(value)
    if not dimensions:
        problems.append(Problem("source", record.get("source"), "at least one of " + ", ".join(DIMENSIONS)))
    kind, name = _text(raw[2]), _text(raw[3])
    if kind not in METRIC_TYPES:
        problems.append(Problem(names["type"], raw[2], "must be one of " + ", ".join(METRIC_TYPES)))
    if name is None:
        problems.append(Problem(names["name"], raw[3], "must not be empty"))
    elif kind in FIXED_METRICS and name not in FIXED_METRICS[kind]:
        rule = f"is not a metric of type '{kind}'; one of: " + ", ".join(FIXED_METRICS[kind])
        problems.append(Problem(names["name"], raw[3], rule))
    elif kind in CUSTOM_TYPES and name in ALL_METRIC_NAMES:
        rule = f"a '{kind}' name must not be the name of a Calltouch metric"
        problems.append(Problem(names["name"], raw[3], rule))
    value = _integer(raw_value, strings_allowed=not api_shape)
    if value is None:
        rule = "must be an integer" + ("" if api_shape else " (a number or a string of digits)")
        problems.append(Problem(names["value"], raw_value, rule))
    if problems:
        raise InvalidPlanError(where, problems)
    assert start is not None and end is not None  # noqa: PT018 - narrowed by the checks above
    return {
        "dateFrom": start.strftime(API_DATE_FORMAT),
        "dateTo": end.strftime(API_DATE_FORMAT),
        **dimensions,
        "metric": {"type": kind, "name": name, "value": value},
    }


def plan_key(item: t.Mapping[str, t.Any]) -> PlanKey:
    """What makes two items the same plan: period, dimensions and metric (not the value)."""
    metric = item["metric"]
    return (item["dateFrom"], item["dateTo"], *(item.get(d) for d in DIMENSIONS), metric["type"], metric["name"])
