"""Typed input from real taps: each upstream shape of the sample plans imports exactly those plans.

Every ``resources/upstream_*.singer`` file encodes the twelve plans of ``plans/plans.csv``
as one real tap writes them:

- ``tap_spreadsheets_csv``: captured from ``meltano invoke tap-spreadsheets`` (tap-spreadsheets
  1.1.2 with meltano.yml's config): every cell a string, ``_sdc_last_modified`` a date-time.
- ``tap_spreadsheets_csv_typed``: the same tap with ``schema_overrides`` declaring the dates
  ``format: date`` and ``metric_value`` an integer (the SDK hands the sink ``date`` objects).
- ``tap_spreadsheets_xlsx``: the same tap reading the plans saved as an Excel sheet (date and
  number cells): dates arrive as ``"2026-12-01 00:00:00"``, ``metric_value`` as an integer.
- ``tap_spreadsheets_xlsx_number``: that sheet with a 13th row of 12.5, so the tap types
  ``metric_value`` a number and writes ``120.0``.
- ``tap_postgres_sdk``: a table as MeltanoLabs tap-postgres (an SDK SQL tap) writes it:
  ``date`` columns ``format: date``, ``varchar(255)`` with ``maxLength``, an ``integer`` value.
- ``tap_postgres_pipelinewise``: the table with a ``numeric(12,2)`` value as
  pipelinewise-tap-postgres writes it: draft-4 boolean ``exclusiveMaximum``, ``multipleOf``
  0.01, ``120.00``, dates as date-times at midnight UTC, ACTIVATE_VERSION messages.
- ``singer_decimal``: a singer-python tap writing the numeric as a decimal string (``"120.00"``,
  ``format: singer.decimal``) and dates as date-times.

(The database and singer.decimal files are written from those taps' type mappings; the
tap-spreadsheets ones are captures with the file paths made relative.)
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest
from calltouch_helpers import RESOURCES, ROOT, canonical, flat_to_item, run_target, states, target_config
from jsonschema import Draft202012Validator

from target_calltouch_plans.plans import CheckedRecord, Problem
from target_calltouch_plans.typed_input import SchemaCheck, TypedInputSink, decimal_fields, schema_problem

SHAPES = [
    "upstream_tap_spreadsheets_csv",
    "upstream_tap_spreadsheets_csv_typed",
    "upstream_tap_spreadsheets_xlsx",
    "upstream_tap_postgres_sdk",
    "upstream_tap_postgres_pipelinewise",
    "upstream_singer_decimal",
]


def sample_plans() -> list[dict]:
    """The plans of plans/plans.csv as Calltouch items."""
    with (ROOT / "plans" / "plans.csv").open(encoding="utf-8", newline="") as file:
        return [flat_to_item(row) for row in csv.DictReader(file)]


def last_state(name: str) -> dict:
    lines = [json.loads(line) for line in (RESOURCES / f"{name}.singer").read_text(encoding="utf-8").splitlines()]
    return [line["value"] for line in lines if line["type"] == "STATE"][-1]


@pytest.mark.parametrize("name", SHAPES)
def test_each_upstream_shape_imports_exactly_the_sample_plans(sandbox_factory, tmp_path, name):
    sandbox = sandbox_factory(calltouch_import_seconds=0)
    result = run_target(target_config(sandbox), f"{name}.singer", tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(sample_plans()) == 12
    assert canonical(sandbox.calltouch.imported_plans()) == canonical(sample_plans())
    assert states(result.stdout)[-1] == last_state(name)
    assert "Traceback" not in result.stderr


def test_a_number_column_imports_its_integral_values_and_rejects_a_fraction(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(calltouch_import_seconds=0)
    rejects = tmp_path / "rejects.jsonl"
    config = target_config(sandbox, on_invalid_record="reject", reject_file_path=str(rejects))
    result = run_target(config, "upstream_tap_spreadsheets_xlsx_number.singer", tmp_path)
    assert result.returncode == 0, result.stderr
    assert canonical(sandbox.calltouch.imported_plans()) == canonical(sample_plans())
    [reject] = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert (reject["stream"], reject["position"]) == ("plans", 13)
    assert reject["errors"] == [
        "field 'metric_value' = 12.5: must be an integer (a number or a string of ASCII digits)"
    ]


def test_a_schema_mismatch_fails_like_a_broken_rule_listing_every_record(sandbox, tmp_path):
    lines = (RESOURCES / "upstream_tap_postgres_sdk.singer").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    records[3]["record"]["metric_value"] = "101"  # record #3: a string where the SCHEMA says integer
    records[5]["record"]["date_to"] = "31-12-2026"  # record #5: not a date as the SCHEMA declares
    records[5]["record"]["source"] = 7
    messages = tmp_path / "in.singer"
    messages.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    result = run_target(target_config(sandbox), messages, tmp_path)
    assert result.returncode == 1
    assert "2 record(s) are not valid Calltouch plans" in result.stderr
    three = "stream 'public-plans' record #3: field 'metric_value' = '101': does not match the stream's SCHEMA"
    assert f"{three} (type integer or null)\n" in result.stderr
    five = (
        "stream 'public-plans' record #5: "
        "field 'date_to' = '31-12-2026': does not match the stream's SCHEMA (format date); "
        "field 'source' = 7: does not match the stream's SCHEMA (type string or null)\n"
    )
    assert five in result.stderr
    assert "Traceback" not in result.stderr
    assert "not of type" not in result.stderr  # no raw validator message
    assert sandbox.requests == []
    assert states(result.stdout) == []


def test_validate_records_off_leaves_the_target_rules_only(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(calltouch_import_seconds=0)
    config = target_config(sandbox, validate_records=False)
    result = run_target(config, "invalid_schema_integer_string.singer", tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p["metric"]["value"] for p in sandbox.calltouch.imported_plans()) == [100, 101]


def test_a_schema_that_is_no_json_schema_fails_in_one_line(sandbox, tmp_path):
    schema = {"type": "object", "properties": {"metric_value": {"type": "whole number"}}}
    messages = tmp_path / "in.singer"
    messages.write_text(
        json.dumps({"type": "SCHEMA", "stream": "plans", "schema": schema, "key_properties": []}) + "\n"
    )
    result = run_target(target_config(sandbox), messages, tmp_path)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert "target-calltouch-plans stopped: stream 'plans': its SCHEMA message is not a valid JSON Schema" in last
    assert "validate_records=false" in last
    assert "Traceback" not in result.stderr


# Pure logic of the schema check (no I/O).


def problems(schema: dict, record: dict) -> list[str]:
    check = SchemaCheck(schema, "s")
    check.validate(record)
    return [str(p) for p in check.problems_of(record)]


def test_every_mismatch_is_named_by_its_field_in_record_order():
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "metric": {"type": "object", "properties": {"value": {"maximum": 9}}}},
        "required": ["z"],
        "additionalProperties": False,
    }
    record = {"metric": {"value": 10}, "a": "1", "extra": True}
    assert problems(schema, record) == [
        "field 'metric.value' = 10: does not match the stream's SCHEMA (maximum: 9)",
        "field 'a' = '1': does not match the stream's SCHEMA (type integer)",
        "field 'extra' = True: is not in the stream's SCHEMA, which allows no other fields",
        "field 'z' = None: is required by the stream's SCHEMA",
    ]


@pytest.mark.parametrize(
    ("prop", "value", "ok"),
    [
        ({"type": "integer"}, Decimal("120.0"), True),  # the SDK reads 120.0 as a Decimal
        ({"type": "integer"}, Decimal("120.5"), False),
        ({"type": "number", "multipleOf": Decimal("0.01")}, Decimal("120.00"), True),
        ({"type": "number", "exclusiveMaximum": True, "maximum": 10}, 10, False),  # draft 4
        ({"type": "string", "format": "date"}, "2026-12-01", True),
        ({"type": "string", "format": "date"}, "01-12-2026", False),
        ({"type": "string", "format": "date-time"}, "2026-12-01 00:00:00", True),  # as the SDK parses it
        ({"type": "string", "format": "date-time"}, "tomorrow", False),
        ({"type": "string", "format": "singer.decimal"}, "1.2E+3", True),
        ({"type": "string", "format": "singer.decimal"}, "١٢٣", False),
        ({"type": "string", "format": "email"}, "not checked", True),
    ],
)
def test_types_and_formats_are_checked_as_the_sdk_reads_them(prop, value, ok):
    assert (problems({"type": "object", "properties": {"f": prop}}, {"f": value}) == []) is ok


def test_the_check_refuses_to_pair_problems_with_another_record():
    check = SchemaCheck({"type": "object"}, "s")
    check.validate({"a": 1})
    with pytest.raises(RuntimeError, match="did not validate this record"):
        check.problems_of({"a": 1})


def test_a_sink_attaches_problems_restores_the_value_and_reads_decimals():
    class Sink(TypedInputSink):
        stream_name = "s"
        validate_schema = True

    sink = Sink()
    sink.schema = {"type": "object", "properties": {"d": {"format": "date"}, "v": {"format": "singer.decimal"}}}
    check = sink.get_validator()
    assert isinstance(check, SchemaCheck)
    record = {"d": "01-12-2026", "v": "120.00"}
    check.validate(record)
    record["d"] = None  # what the SDK leaves of a date it cannot parse
    checked = sink.preprocess_record(record, {})
    assert isinstance(checked, CheckedRecord)
    assert checked == {"d": "01-12-2026", "v": Decimal("120.00")}
    assert checked.schema_problems == (Problem("d", "01-12-2026", "does not match the stream's SCHEMA (format date)"),)


def test_decimal_fields_are_found_in_any_of_too():
    schema = {
        "properties": {"a": {"anyOf": [{"type": "string", "format": "x-singer.decimal"}]}, "b": {"type": "number"}}
    }
    assert decimal_fields(schema) == {"a"}


def test_schema_problem_without_a_path_names_the_record():
    [error] = Draft202012Validator({"minProperties": 2}).iter_errors({"a": 1})
    assert schema_problem(error).field == "record"
