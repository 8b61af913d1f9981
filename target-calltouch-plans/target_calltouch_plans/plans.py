"""Input records → Calltouch plan items, checked against every documented rule.

Two input shapes are accepted (see the README):

- the API's own: ``dateFrom``, ``dateTo`` (``dd-mm-yyyy``), the dimensions and
  ``metric: {type, name, value}``;
- flat, as a spreadsheet or a table has it: ``date_from``, ``date_to``, the
  dimensions, ``metric_type``, ``metric_name``, ``metric_value``.

Values may come typed, as real taps send them: dates as ``date`` or ``datetime``
objects (the SDK conforms ``format: date`` and ``date-time`` fields before the sink
sees them), numbers as ``int`` or ``Decimal`` (the SDK reads every JSON number with a
fraction or an exponent as a ``Decimal``). Each faithful encoding is taken; anything
that needs a guess is an error.

Pure logic: no I/O. :func:`to_plan_item` returns the item to send or raises
:class:`InvalidPlanError` listing every problem of the record.
"""

from __future__ import annotations

import math
import re
import typing as t
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from target_calltouch_plans.catalogue import (
    ALL_METRIC_NAMES,
    CUSTOM_TYPES,
    DIMENSIONS,
    FIXED_METRICS,
    MAX_PLAN_VALUE,
    METRIC_TYPES,
    MIN_PLAN_VALUE,
)

API_DATE_FORMAT = "%d-%m-%Y"
ISO_DATE_FORMAT = "%Y-%m-%d"
#: DECISION: a flat-shape ``metric_value`` string is an integer only if it is one
#: written plainly in ASCII digits: optional sign and digits, surrounding blanks
#: ignored ("100", " 5 "). "12.5", "1e3", "1 000", "100.0", "abc" and digits of other
#: scripts ("١٢٣", "１２３") are errors, never cast. (A string the stream's SCHEMA
#: declares a decimal, ``format: singer.decimal``, arrives here as a ``Decimal``.)
INTEGER_STRING = re.compile(r"^\s*([+-]?)([0-9]+)\s*$")
#: DECISION: a flat-shape date may also be a date-time at midnight, as a spreadsheet
#: cell formatted as a date is read ("2026-12-01 00:00:00"); any other time of day
#: names no single day and is an error.
MIDNIGHT_STRING = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]00:00:00(?:\.0+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?$")
#: Digits beyond which a value string is out of range without being converted.
MAX_VALUE_DIGITS = len(str(MAX_PLAN_VALUE))
#: Characters of a value shown in an error; longer ones are cut (a value may have 5,000 digits).
MAX_SHOWN_CHARS = 60

PlanKey = tuple[str | None, ...]


@dataclass(frozen=True)
class Problem:
    """One broken rule: the input field, its value and the rule."""

    field: str
    value: t.Any
    rule: str

    def __str__(self) -> str:
        return f"field '{self.field}' = {shown(self.value)}: {self.rule}"


def shown(value: t.Any) -> str:
    """``value`` as an error shows it: typed dates and numbers plainly, anything long cut short."""
    if isinstance(value, str) and len(value) > MAX_SHOWN_CHARS:
        return f"{value[:MAX_SHOWN_CHARS]!r}… ({len(value)} characters)"
    if isinstance(value, datetime):
        text = f"date-time {value.isoformat()}"
    elif isinstance(value, date):
        text = f"date {value.isoformat()}"
    elif isinstance(value, Decimal):
        text = str(value)
    else:
        text = repr(value)  # escapes what cannot be printed, lone surrogates included
    if len(text) > MAX_SHOWN_CHARS:
        return f"{text[:MAX_SHOWN_CHARS]}… ({len(text)} characters)"
    return text


class CheckedRecord(dict):
    """A record with the problems the check against its stream's SCHEMA found.

    The target checks a record against its SCHEMA before :func:`to_plan_item` sees it
    (see ``typed_input.py``); such problems are reported with the record's others.
    """

    def __init__(self, record: t.Mapping[str, t.Any], schema_problems: t.Sequence[Problem] = ()) -> None:
        """``record``'s fields, and what its SCHEMA check found."""
        super().__init__(record)
        self.schema_problems = tuple(schema_problems)


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


def _parse_date(value: t.Any, *, iso_allowed: bool) -> tuple[date | None, str | None]:
    """The day ``value`` names, or ``None`` and the rule it breaks."""
    string_rule = "must be a date yyyy-mm-dd or dd-mm-yyyy" if iso_allowed else "must be a date dd-mm-yyyy"
    if isinstance(value, datetime):  # a typed date-time (format: date-time)
        if value.time() != datetime.min.time():
            return None, "must be a date; a date-time is taken only at midnight (00:00:00), as it names one day"
        return value.date(), None
    if isinstance(value, date):  # a typed date (format: date)
        return value, None
    if not isinstance(value, str):
        return None, string_rule
    text = value.strip()
    midnight = MIDNIGHT_STRING.match(text) if iso_allowed else None
    if midnight:
        text = midnight.group(1)
    formats = (API_DATE_FORMAT, ISO_DATE_FORMAT) if iso_allowed else (API_DATE_FORMAT,)
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if parsed.strftime(fmt) == text:  # two-digit days and months, ASCII digits, as documented
            return parsed, None
    return None, string_rule


def _plan_value(value: t.Any, *, api_shape: bool) -> tuple[int | None, str | None]:
    """The plan value as an ``int``, or ``None`` and the rule ``value`` breaks.

    The API shape takes a JSON integer only; the flat shape also takes a number with
    an integral value (``120.0``, a ``Decimal`` from a ``numeric`` column) and a string
    of ASCII digits. The range is checked before any conversion, so a value of
    thousands of digits is an error like any other.
    """
    not_integer = "must be an integer" if api_shape else "must be an integer (a number or a string of ASCII digits)"
    out_of_range = f"must be an integer from {MIN_PLAN_VALUE} to {MAX_PLAN_VALUE}"
    if isinstance(value, bool):
        return None, not_integer
    if isinstance(value, int):
        number = value
    elif isinstance(value, (Decimal, float)):
        if not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
            return None, not_integer
        if not MIN_PLAN_VALUE <= value <= MAX_PLAN_VALUE:
            return None, out_of_range
        if api_shape or value != int(value):
            return None, not_integer
        number = int(value)
    elif isinstance(value, str) and not api_shape:
        match = INTEGER_STRING.match(value)
        if match is None:
            return None, not_integer
        sign, digits = match.group(1), match.group(2).lstrip("0") or "0"
        if len(digits) > MAX_VALUE_DIGITS:
            return None, out_of_range
        number = int(sign + digits)
    else:
        return None, not_integer
    if not MIN_PLAN_VALUE <= number <= MAX_PLAN_VALUE:
        return None, out_of_range
    return number, None


def _not_utf8(value: str) -> str | None:
    """Why ``value`` cannot be sent as UTF-8 text, if it cannot.

    A lone surrogate comes from a ``\\ud800``-style JSON escape, or from an input byte
    that is not UTF-8 (read as U+DC80…U+DCFF). Calltouch would take the request and
    then never finish the import.
    """
    for position, char in enumerate(value, start=1):
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            return f"must be UTF-8 text; character {position} is byte 0x{code - 0xDC00:02X} of the input, not UTF-8"
        if 0xD800 <= code <= 0xDFFF:
            return f"must be UTF-8 text; character {position} is a lone surrogate (\\u{code:04x})"
    return None


def _text(value: t.Any) -> str | None:
    """A dimension or name: surrounding blanks dropped; empty means absent."""
    if value is None:
        return None
    if not isinstance(value, str):
        return None
    return value.strip() or None


def to_plan_item(record: t.Mapping[str, t.Any], where: str = "record") -> dict[str, t.Any]:
    """The Calltouch item for ``record``; raises :class:`InvalidPlanError` naming every problem.

    A field whose value breaks the stream's SCHEMA (see :class:`CheckedRecord`) is
    reported once, with the SCHEMA's rule.
    """
    schema_problems = list(record.schema_problems) if isinstance(record, CheckedRecord) else []
    api_shape = "metric" in record
    flat_shape = any(f in record for f in ("metric_type", "metric_name", "metric_value"))
    if api_shape == flat_shape:
        rule = (
            "a record has either 'metric' {type, name, value} (API shape) or "
            "'metric_type', 'metric_name', 'metric_value' (flat shape), "
            + ("not both" if api_shape else "found neither")
        )
        raise InvalidPlanError(where, [*schema_problems, Problem("metric", record.get("metric"), rule)])
    if api_shape and not isinstance(record["metric"], t.Mapping):
        problem = Problem("metric", record["metric"], "must be an object {type, name, value}")
        raise InvalidPlanError(where, [*schema_problems, problem])
    fields = _Fields.of(record, api_shape=api_shape)
    problems: list[Problem] = []
    start, end = fields.period(problems)
    dimensions = _dimensions(record, problems)
    kind, name = fields.metric(problems)
    value, value_rule = _plan_value(fields.value, api_shape=api_shape)
    if value_rule is not None:
        problems.append(Problem(fields.names["value"], fields.value, value_rule))
    schema_fields = {problem.field for problem in schema_problems}
    problems = [*schema_problems, *(p for p in problems if p.field not in schema_fields)]
    if problems or start is None or end is None:
        raise InvalidPlanError(where, problems)
    return {
        "dateFrom": start.strftime(API_DATE_FORMAT),
        "dateTo": end.strftime(API_DATE_FORMAT),
        **dimensions,
        "metric": {"type": kind, "name": name, "value": value},
    }


@dataclass(frozen=True)
class _Fields:
    """The period and metric fields of one record, in either shape, with their input names."""

    api_shape: bool
    names: dict[str, str]
    date_from: t.Any
    date_to: t.Any
    type: t.Any
    name: t.Any
    value: t.Any

    @classmethod
    def of(cls, record: t.Mapping[str, t.Any], *, api_shape: bool) -> _Fields:
        if api_shape:
            metric = record["metric"]
            names = {"from": "dateFrom", "to": "dateTo", "type": "metric.type", "name": "metric.name"}
            names["value"] = "metric.value"
            dates = (record.get("dateFrom"), record.get("dateTo"))
            return cls(True, names, *dates, metric.get("type"), metric.get("name"), metric.get("value"))
        names = {"from": "date_from", "to": "date_to", "type": "metric_type", "name": "metric_name"}
        names["value"] = "metric_value"
        values = (record.get(f) for f in ("date_from", "date_to", "metric_type", "metric_name", "metric_value"))
        return cls(False, names, *values)

    def period(self, problems: list[Problem]) -> tuple[date | None, date | None]:
        start, rule = _parse_date(self.date_from, iso_allowed=not self.api_shape)
        if rule is not None:
            problems.append(Problem(self.names["from"], self.date_from, rule))
        end, rule = _parse_date(self.date_to, iso_allowed=not self.api_shape)
        if rule is not None:
            problems.append(Problem(self.names["to"], self.date_to, rule))
        if start and end and start > end:
            rule = f"must not be after {self.names['to']} ({shown(self.date_to)})"
            problems.append(Problem(self.names["from"], self.date_from, rule))
        return start, end

    def metric(self, problems: list[Problem]) -> tuple[str | None, str | None]:
        kind, name = _text(self.type), _text(self.name)
        if kind not in METRIC_TYPES:
            problems.append(Problem(self.names["type"], self.type, "must be one of " + ", ".join(METRIC_TYPES)))
        if name is None:
            problems.append(Problem(self.names["name"], self.name, "must not be empty"))
        elif kind in FIXED_METRICS and name not in FIXED_METRICS[kind]:
            rule = f"is not a metric of type '{kind}'; one of: " + ", ".join(FIXED_METRICS[kind])
            problems.append(Problem(self.names["name"], self.name, rule))
        elif kind in CUSTOM_TYPES and name in ALL_METRIC_NAMES:
            rule = f"a '{kind}' name must not be the name of a Calltouch metric"
            problems.append(Problem(self.names["name"], self.name, rule))
        elif (encoding_rule := _not_utf8(name)) is not None:
            problems.append(Problem(self.names["name"], self.name, encoding_rule))
        return kind, name


def _dimensions(record: t.Mapping[str, t.Any], problems: list[Problem]) -> dict[str, str]:
    dimensions = {}
    for dimension in DIMENSIONS:
        value = record.get(dimension)
        if value is not None and not isinstance(value, str):
            problems.append(Problem(dimension, value, "must be a string"))
        elif (text := _text(value)) is not None:
            rule = _not_utf8(text)
            if rule is None:
                dimensions[dimension] = text
            else:
                problems.append(Problem(dimension, value, rule))
    if not dimensions and not any(p.field in DIMENSIONS for p in problems):
        problems.append(Problem("source", record.get("source"), "at least one of " + ", ".join(DIMENSIONS)))
    return dimensions


def plan_key(item: t.Mapping[str, t.Any]) -> PlanKey:
    """What makes two items the same plan: period, dimensions and metric (not the value)."""
    metric = item["metric"]
    return (item["dateFrom"], item["dateTo"], *(item.get(d) for d in DIMENSIONS), metric["type"], metric["name"])
