"""Typed input from real taps: the stream's SCHEMA checked record by record, values read faithfully.

The target runs behind any tap (spreadsheets, databases, CRMs), and the SDK acts on a
record before the sink sees it: it validates it against its stream's SCHEMA (stopping
the run at the first mismatch, with tracebacks and no record number) and conforms
``format: date`` and ``date-time`` strings to ``date``/``datetime`` objects (stopping
the run on one it cannot parse). The hooks below are the SDK's public extension
points; with them a mismatch becomes one more problem of the record, reported like
the target's own rules (``stream 'plans' record #7: field 'metric_value' = '101': …``),
and the run goes on to list (or reject) every invalid record.

- :class:`SchemaCheck`, the sink's validator (``Sink.get_validator``): every
  mismatch of a record, with its field, instead of the first one as an exception.
  ``integer`` also takes an integral ``Decimal`` (the SDK reads ``100.0`` as one), and
  the date formats are checked with the very parsers the SDK conforms them with.
- :class:`TypedInputSink`, a sink mixin: attaches those problems to the record
  (``preprocess_record``), reads ``singer.decimal`` strings as ``Decimal``, and makes the
  SDK leave a date it cannot parse empty (``datetime_error_treatment``) instead of
  raising, since the check has already reported it.
- :class:`PlanInputReader`, the target's message reader: integers of any length and
  input that is not UTF-8 reach the record checks instead of crashing the reader.
"""

from __future__ import annotations

import io
import json
import re
import sys
import typing as t
from contextlib import suppress
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property

from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker, SchemaError, validators
from singer_sdk.helpers.conform import DatetimeErrorTreatmentEnum
from singer_sdk.io_base import SingerReader
from singer_sdk.sinks.core import BaseJSONSchemaValidator

from target_calltouch_plans.plans import CheckedRecord, Problem, shown
from target_calltouch_plans.run import InvalidPlansError

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from jsonschema.exceptions import ValidationError

#: Formats of a string holding a decimal number: the SDK's taps write ``singer.decimal``,
#: its targets read ``x-singer.decimal``.
DECIMAL_FORMATS = ("singer.decimal", "x-singer.decimal")
#: A decimal number written plainly in ASCII digits ("120", "-3.50", "1.2E+3").
DECIMAL_STRING = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
#: JSON Schema drafts tried, in order, for a SCHEMA: the SDK's own, then draft 4, the
#: Singer spec's (database taps still write its boolean ``exclusiveMaximum``).
DIALECTS = (Draft202012Validator, Draft4Validator)


def _parses(parser: Callable[[str], object]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        if isinstance(value, str):
            parser(value)  # raises ValueError
        return True

    return check


def _format_checker() -> FormatChecker:
    """Date formats as the SDK conforms them (``fromisoformat``); decimal strings as read here."""
    checker = FormatChecker(formats=())
    checker.checks("date", raises=ValueError)(_parses(date.fromisoformat))
    checker.checks("date-time", raises=ValueError)(_parses(datetime.fromisoformat))
    checker.checks("time", raises=ValueError)(_parses(time.fromisoformat))
    for name in DECIMAL_FORMATS:
        checker.checks(name)(lambda value: not isinstance(value, str) or bool(DECIMAL_STRING.match(value)))
    return checker


def _is_integer(checker: t.Any, instance: object) -> bool:
    """JSON Schema's integer: any number without a fraction, ``Decimal('100.0')`` too."""
    if isinstance(instance, Decimal):
        return instance.is_finite() and instance == instance.to_integral_value()
    return Draft202012Validator.TYPE_CHECKER.is_type(instance, "integer")


def _validator_class(schema: dict[str, t.Any], stream: str) -> type:
    """The first draft under which ``schema`` is valid, taking integral decimals as integers."""
    errors = []
    for dialect in DIALECTS:
        try:
            dialect.check_schema(schema)
        except SchemaError as error:
            errors.append(error)
            continue
        return validators.extend(dialect, type_checker=dialect.TYPE_CHECKER.redefine("integer", _is_integer))
    msg = (
        f"stream '{stream}': its SCHEMA message is not a valid JSON Schema ({errors[0].message}). "
        "Fix the tap's schema, or set validate_records=false to check records by the target's rules only."
    )
    raise InvalidPlansError(msg)


def _expected(error: ValidationError) -> str:
    """What the SCHEMA asks of the value, in a few words."""
    keyword, wanted = error.validator, error.validator_value
    if keyword == "type":
        return "type " + " or ".join([wanted] if isinstance(wanted, str) else wanted)
    if keyword == "format":
        return f"format {wanted}"
    return f"{keyword}: {shown(wanted)}"


def schema_problem(error: ValidationError) -> Problem:
    """One mismatch as a :class:`Problem` naming the field (``metric.value`` when nested)."""
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = next(name for name in error.validator_value if name not in error.instance)
        return Problem(".".join([*path, missing]), None, "is required by the stream's SCHEMA")
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        declared = error.schema.get("properties", {})
        extra = next((name for name in error.instance if name not in declared), None)
        if extra is not None:
            rule = "is not in the stream's SCHEMA, which allows no other fields"
            return Problem(".".join([*path, extra]), error.instance[extra], rule)
    return Problem(
        ".".join(path) or "record", error.instance, f"does not match the stream's SCHEMA ({_expected(error)})"
    )


class SchemaCheck(BaseJSONSchemaValidator):
    """A stream's SCHEMA, checked record by record; the mismatches are kept, not raised.

    The SDK's validator raises at the first mismatch, which stops the run with a
    traceback; here every mismatch is kept for :class:`TypedInputSink` to report with
    the record's other problems (the SDK validates a record right before it is
    preprocessed).
    """

    def __init__(self, schema: dict[str, t.Any], stream: str) -> None:
        """Raise :class:`InvalidPlansError` if ``schema`` is no valid JSON Schema."""
        super().__init__(schema)
        self.validator = _validator_class(schema, stream)(schema, format_checker=_format_checker())
        self._last: tuple[object, list[Problem]] | None = None

    def validate(self, record: dict[str, t.Any]) -> None:
        """Keep the mismatches of ``record``, in the order of its fields."""
        order = {name: index for index, name in enumerate(record)}
        found = [schema_problem(error) for error in self.validator.iter_errors(record)]
        found.sort(key=lambda problem: order.get(problem.field.split(".")[0], len(order)))
        self._last = (record, found)

    def problems_of(self, record: dict[str, t.Any]) -> list[Problem]:
        """The mismatches found when ``record`` was validated (it must be the last one validated)."""
        if self._last is None or self._last[0] is not record:
            msg = "the SDK did not validate this record right before preprocessing it; its SCHEMA check is lost"
            raise RuntimeError(msg)
        problems = self._last[1]
        self._last = None
        return problems


def decimal_fields(schema: dict[str, t.Any]) -> frozenset[str]:
    """Top-level fields the SCHEMA declares decimal strings (``format: singer.decimal``)."""

    def is_decimal(prop: dict[str, t.Any]) -> bool:
        return prop.get("format") in DECIMAL_FORMATS or any(is_decimal(p) for p in prop.get("anyOf", ()))

    return frozenset(name for name, prop in schema.get("properties", {}).items() if is_decimal(prop))


class TypedInputSink:
    """Sink mixin: schema mismatches and typed values reach the plan rules (see the module doc).

    Put it before the SDK's sink class: ``class PlansSink(TypedInputSink, BatchSink)``.
    """

    schema: dict[str, t.Any]
    stream_name: str
    validate_schema: bool
    schema_check: SchemaCheck | None = None

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        """A :class:`SchemaCheck`, unless the ``validate_records`` setting is off."""
        self.schema_check = SchemaCheck(self.schema, self.stream_name) if self.validate_schema else None
        return self.schema_check

    @property
    def datetime_error_treatment(self) -> DatetimeErrorTreatmentEnum:
        """A date the SDK cannot parse is left empty instead of stopping the run.

        :class:`SchemaCheck` has reported it already, with its value; with
        ``validate_records`` off, the plan rules report the empty date.
        """
        return DatetimeErrorTreatmentEnum.NULL

    def preprocess_record(self, record: dict, context: dict) -> CheckedRecord:
        """The record with its SCHEMA problems attached and its decimal strings read."""
        _ = context
        problems = self.schema_check.problems_of(record) if self.schema_check is not None else []
        for problem in problems:  # as received: the SDK may have emptied a date it could not parse
            if problem.field in record:
                record[problem.field] = problem.value
        for name in self.decimal_fields.intersection(record):
            value = record[name]
            if isinstance(value, str) and DECIMAL_STRING.match(value):
                record[name] = Decimal(value)
        return CheckedRecord(record, problems)

    @cached_property
    def decimal_fields(self) -> frozenset[str]:
        """Top-level fields the SCHEMA declares decimal strings (``format: singer.decimal``)."""
        return decimal_fields(self.schema)


def _json_integer(text: str) -> int | Decimal:
    """A JSON integer; one too long for ``int()`` (``sys.get_int_max_str_digits``) stays exact as a Decimal."""
    limit = sys.get_int_max_str_digits()
    if limit and len(text.lstrip("-")) > limit:
        return Decimal(text)
    return int(text)


class PlanInputReader(SingerReader):
    """The SDK's reader, with input a tap may really send reaching the record checks.

    - JSON integers of any length: Python refuses to convert one of more than 4,300
      digits (``ValueError`` from the reader, naming no record); such a value is read
      as a ``Decimal`` and refused by the plan rules as out of range.
    - Input that is not UTF-8: read with ``surrogateescape`` whether it comes from
      stdin or ``--input``, so a bad byte becomes a lone surrogate in its field, which
      the plan rules refuse naming record and field, instead of a ``UnicodeDecodeError``.
    """

    def process_lines(self, file_input: t.IO[str] | None, callbacks: dict[str, t.Callable[[dict], None]]) -> t.Any:
        """Read every line of ``file_input`` (stdin if ``None``) as UTF-8, bad bytes kept."""
        source = file_input or self.default_input
        with suppress(AttributeError, ValueError, io.UnsupportedOperation):  # not a text file, or already read
            source.reconfigure(encoding="utf-8", errors="surrogateescape")  # type: ignore[union-attr]
        return super().process_lines(source, callbacks)

    def deserialize_json(self, line: str) -> dict:
        """The SDK's parsing (numbers with a fraction as ``Decimal``), integers of any length."""
        try:
            return json.loads(line, parse_float=Decimal, parse_int=_json_integer)  # type: ignore[no-any-return]
        except json.JSONDecodeError:
            return super().deserialize_json(line)  # the SDK's own error for a line that is not JSON
