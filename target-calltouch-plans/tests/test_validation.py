"""Every documented rule is checked before any request; errors name stream, position, field, value, rule.

Replay files (``resources/invalid_*.singer``): a valid record, then one breaking one rule.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from calltouch_helpers import RESOURCES, run_target, states, target_config

from target_calltouch_plans.plans import CheckedRecord, InvalidPlanError, Problem, to_plan_item

TOP = 2**53 - 1
# file, stream, field, value as printed, words of the rule
RULES = [
    ("invalid_date_from", "plans", "date_from", "'2026-13-01'", "must be a date yyyy-mm-dd or dd-mm-yyyy"),
    ("invalid_api_date_format", "api_plans", "dateTo", "'2026-12-31'", "must be a date dd-mm-yyyy"),
    ("invalid_dates_order", "plans", "date_from", "'2026-12-31'", "must not be after date_to"),
    ("invalid_metric_type", "plans", "metric_type", "'Лидов'", "must be one of Лиды, Поведение"),
    ("invalid_metric_name", "plans", "metric_name", "'Выручка'", "is not a metric of type 'Лиды'"),
    ("invalid_custom_name_empty", "plans", "metric_name", "' '", "must not be empty"),
    ("invalid_goal_named_like_metric", "plans", "metric_name", "'Выручка'", "must not be the name of a Calltouch"),
    ("invalid_value_decimal", "plans", "metric_value", "'12.5'", "must be an integer"),
    ("invalid_value_text", "plans", "metric_value", "'abc'", "must be an integer"),
    ("invalid_api_value_not_integer", "api_plans", "metric.value", "'5000'", "must be an integer"),
    ("invalid_no_dimension", "plans", "source", "''", "at least one of source, medium, campaign, content, keyword"),
    ("invalid_no_metric", "plans", "metric", "None", "found neither"),
    # Values Calltouch cannot take ({TOP} is the largest plan value)
    (
        "invalid_value_arabic_digits",
        "plans",
        "metric_value",
        "'١٢٣'",
        "a number or a string of ASCII digits",
    ),
    (
        "invalid_value_fullwidth_digits",
        "plans",
        "metric_value",
        "'１２３'",
        "a number or a string of ASCII digits",
    ),
    ("invalid_value_negative", "plans", "metric_value", "'-5'", f"must be an integer from 0 to {TOP}"),
    ("invalid_value_1e30", "plans", "metric_value", str(10**30), f"must be an integer from 0 to {TOP}"),
    ("invalid_value_2_pow_63", "plans", "metric_value", str(2**63), f"must be an integer from 0 to {TOP}"),
    (
        "invalid_api_value_2_pow_63",
        "api_plans",
        "metric.value",
        str(2**63),
        f"must be an integer from 0 to {TOP}",
    ),
    ("invalid_value_5000_digit_string", "plans", "metric_value", f"'{'9' * 60}'… (5000 characters)", "from 0 to"),
    ("invalid_value_5000_digit_number", "plans", "metric_value", f"{'9' * 60}… (5000 characters)", "from 0 to"),
    ("invalid_utm_lone_surrogate", "plans", "campaign", "'spring\\ud800'", "must be UTF-8 text; character 7 is a lone"),
    # A value that breaks the stream's SCHEMA, in the same words
    (
        "invalid_schema_integer_string",
        "plans",
        "metric_value",
        "'101'",
        "the stream's SCHEMA (type integer or null)",
    ),
    (
        "invalid_schema_date_format",
        "plans",
        "date_from",
        "'01-12-2026'",
        "the stream's SCHEMA (format date)",
    ),
    ("invalid_date_time_not_midnight", "plans", "date_from", "date-time 2026-12-01T10:00:00+03:00", "only at midnight"),
]


@pytest.mark.parametrize(("name", "stream", "field", "value", "rule"), RULES, ids=[r[0] for r in RULES])
def test_invalid_record_fails_the_run_before_any_request(sandbox, tmp_path, name, stream, field, value, rule):
    result = run_target(target_config(sandbox), f"{name}.singer", tmp_path)
    assert result.returncode != 0
    error = f"stream '{stream}' record #2: field '{field}' = {value}: "
    assert error in result.stderr
    assert rule in result.stderr.split(error, 1)[1].splitlines()[0]
    assert "record #1" not in result.stderr
    assert sandbox.requests == []  # the valid record was not sent either
    assert states(result.stdout) == []
    assert "target-calltouch-plans summary: FAILED after " in result.stderr


def test_reject_mode_imports_the_valid_and_writes_the_invalid(sandbox, tmp_path):
    config = target_config(sandbox, on_invalid_record="reject", reject_file_path=str(tmp_path / "rejects.jsonl"))
    result = run_target(config, "mixed_valid_invalid.singer", tmp_path)
    assert result.returncode == 0, result.stderr
    rejects = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["stream"], r["position"]) for r in rejects] == [("plans", 2), ("plans", 4)]
    assert "metric_value" in rejects[0]["errors"][0]
    assert rejects[1]["record"]["metric_name"] == "Бюджет"
    assert sorted(p["campaign"] for p in sandbox.calltouch.imported_plans()) == ["spring", "winter"]
    assert states(result.stdout)[-1] == {"bookmarks": {"plans": {"done": "mixed_valid_invalid"}}}
    assert "records rejected: 2" in result.stderr


def hostile_input(path: Path) -> Path:
    """Valid plans (#1, #3) between records Calltouch cannot take (#2, #4 to #7), as bytes."""
    schema = {"type": "object", "properties": {"campaign": {"type": "string"}}}  # metric_value: any type
    plan = '{"date_from": "2026-12-01", "date_to": "2026-12-31", "medium": "cpc", "campaign": "%s", '
    plan += '"metric_type": "Лиды", "metric_name": "Все лиды", "metric_value": %s}'
    lines = [
        json.dumps({"type": "SCHEMA", "stream": "plans", "schema": schema, "key_properties": []}).encode(),
        *(
            f'{{"type": "RECORD", "stream": "plans", "record": {plan % fields}}}'.encode()
            for fields in [
                ("winter", '"100"'),
                ("spring", '"١٢٣"'),
                ("autumn", "7"),
                ("summer\\ud800", "1"),  # a lone surrogate, as a JSON escape
                ("w2", "9" * 5000),
                ("w3", "-5"),
                ("w4@", "1"),  # @: a byte that is not UTF-8, below
            ]
        ),
        b'{"type": "STATE", "value": {"bookmarks": {"plans": {"done": "hostile"}}}}',
    ]
    path.write_bytes(b"\n".join(lines).replace(b"w4@", b"w4\xff") + b"\n")
    return path


HOSTILE = [
    "#2: field 'metric_value' = '١٢٣': must be an integer",
    "#4: field 'campaign' = 'summer\\ud800': must be UTF-8 text; character 7 is a lone surrogate",
    f"#5: field 'metric_value' = {'9' * 60}… (5000 characters): must be an integer from 0 to",
    "#6: field 'metric_value' = -5: must be an integer from 0 to",
    "#7: field 'campaign' = 'w4\\udcff': must be UTF-8 text; character 3 is byte 0xFF of the input, not UTF-8",
]


def test_records_calltouch_cannot_take_are_rejected_the_others_imported(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(calltouch_import_seconds=0)
    rejects = tmp_path / "rejects.jsonl"
    config = target_config(sandbox, on_invalid_record="reject", reject_file_path=str(rejects))
    result = run_target(config, hostile_input(tmp_path / "hostile.singer"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p["campaign"] for p in sandbox.calltouch.imported_plans()) == ["autumn", "winter"]
    assert states(result.stdout)[-1] == {"bookmarks": {"plans": {"done": "hostile"}}}
    lines = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert [line["position"] for line in lines] == [2, 4, 5, 6, 7]
    for line, expected in zip(lines, HOSTILE, strict=True):
        assert expected.split(": ", 1)[1] in line["errors"][0]
    # The reject file keeps each record as it came, text that is not UTF-8 included.
    assert [lines[1]["record"]["campaign"], lines[4]["record"]["campaign"]] == ["summer\ud800", "w4\udcff"]
    assert lines[2]["record"]["metric_value"] == "9" * 5000


def test_records_calltouch_cannot_take_fail_the_run_read_from_stdin_too(sandbox, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(target_config(sandbox)), encoding="utf-8")
    command = [sys.executable, "-m", "target_calltouch_plans.target", "--config", str(config)]
    with hostile_input(tmp_path / "hostile.singer").open("rb") as stdin:
        result = subprocess.run(command, stdin=stdin, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert "5 record(s) are not valid Calltouch plans" in result.stderr
    for expected in HOSTILE:
        assert f"stream 'plans' record {expected}" in result.stderr
    assert "Traceback" not in result.stderr
    assert sandbox.requests == []
    assert states(result.stdout) == []


def test_every_invalid_record_is_listed(sandbox, tmp_path):
    combined = tmp_path / "two_invalid.singer"
    first = (RESOURCES / "invalid_value_text.singer").read_text(encoding="utf-8").splitlines()
    second = (RESOURCES / "invalid_metric_type.singer").read_text(encoding="utf-8").splitlines()
    combined.write_text("\n".join(first + second[1:]) + "\n", encoding="utf-8")
    result = run_target(target_config(sandbox), combined, tmp_path)
    assert result.returncode != 0
    assert "2 record(s) are not valid Calltouch plans" in result.stderr
    assert "record #2: field 'metric_value'" in result.stderr
    assert "record #4: field 'metric_type'" in result.stderr
    assert sandbox.requests == []


# Pure logic of the conversion (no I/O).


def test_flat_record_becomes_the_documented_item():
    record = {
        "date_from": "2026-04-01",
        "date_to": "02-04-2026",
        "source": " yandex ",
        "medium": "",
        "keyword": "распродажа",
        "metric_type": "Лиды",
        "metric_name": "Уникальные лиды",
        "metric_value": " 100 ",
        "_sdc_extra": "ignored",
    }
    assert to_plan_item(record) == {
        "dateFrom": "01-04-2026",
        "dateTo": "02-04-2026",
        "source": "yandex",
        "keyword": "распродажа",
        "metric": {"type": "Лиды", "name": "Уникальные лиды", "value": 100},
    }


@pytest.mark.parametrize("value", [Decimal("12.5"), Decimal("100.0"), 12.5, True, "100", None])
def test_api_shape_value_must_be_a_json_integer(value):
    record = {"dateFrom": "01-04-2026", "dateTo": "01-04-2026", "medium": "cpc"}
    record["metric"] = {"type": "Поведение", "name": "Сессии", "value": value}
    with pytest.raises(InvalidPlanError, match=r"metric\.value"):
        to_plan_item(record, "stream 's' record #1")


@pytest.mark.parametrize("value", ["1e3", "1 000", "0x10", "", "+"])
def test_flat_value_strings_other_than_plain_integers_are_errors(value):
    record = {"date_from": "2026-04-01", "date_to": "2026-04-01", "medium": "cpc"}
    record |= {"metric_type": "Поведение", "metric_name": "Сессии", "metric_value": value}
    with pytest.raises(InvalidPlanError, match="metric_value"):
        to_plan_item(record)


def test_all_problems_of_a_record_are_reported_together():
    record = {"date_from": "2026-02-30", "date_to": "x", "metric_type": "Площадки", "metric_name": "CPM"}
    record["metric_value"] = "-"
    with pytest.raises(InvalidPlanError) as error:
        to_plan_item(record, "stream 'p' record #7")
    fields = [p.field for p in error.value.problems]
    assert fields == ["date_from", "date_to", "source", "metric_name", "metric_value"]
    assert str(error.value).startswith("stream 'p' record #7: field 'date_from' = '2026-02-30'")


# Typed input from real taps, and values Calltouch cannot take (pure logic).


def flat(**fields):
    record = {"date_from": "2026-04-01", "date_to": "2026-04-02", "medium": "cpc"}
    return record | {"metric_type": "Поведение", "metric_name": "Сессии", "metric_value": "120"} | fields


MOSCOW = timezone(timedelta(hours=3))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 4, 1), date(2026, 4, 2)),  # format: date, conformed by the SDK
        (datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=MOSCOW)),  # format: date-time at midnight
        ("2026-04-01 00:00:00", "2026-04-02T00:00:00.000+03:00"),  # a spreadsheet's date cell, as text
    ],
)
def test_flat_dates_take_every_faithful_encoding(start, end):
    item = to_plan_item(flat(date_from=start, date_to=end))
    assert (item["dateFrom"], item["dateTo"]) == ("01-04-2026", "02-04-2026")


def test_api_shape_takes_typed_dates_but_only_dd_mm_yyyy_text():
    record = {"dateFrom": date(2026, 4, 1), "dateTo": datetime(2026, 4, 2, tzinfo=UTC), "medium": "cpc"}
    record["metric"] = {"type": "Поведение", "name": "Сессии", "value": 5}
    assert to_plan_item(record)["dateTo"] == "02-04-2026"
    with pytest.raises(InvalidPlanError, match="field 'dateFrom' = '2026-04-01 00:00:00': must be a date dd-mm-yyyy"):
        to_plan_item(record | {"dateFrom": "2026-04-01 00:00:00"})


@pytest.mark.parametrize(
    "value",
    [datetime(2026, 4, 1, 10, tzinfo=MOSCOW), datetime(2026, 4, 1, 0, 0, 1), "2026-04-01 10:00:00", "2026-04-01T00:00"],
)
def test_a_date_time_naming_no_single_day_is_an_error(value):
    with pytest.raises(InvalidPlanError, match=r"field 'date_from' = .*must be a date"):
        to_plan_item(flat(date_from=value))


@pytest.mark.parametrize(
    "value", [120, "120", " +120 ", "000120", Decimal(120), Decimal("120.00"), Decimal("1.2E+2"), 120.0]
)
def test_flat_value_takes_every_faithful_encoding_of_an_integer(value):
    assert to_plan_item(flat(metric_value=value))["metric"]["value"] == 120


@pytest.mark.parametrize("value", [0, "0", "-0", 2**53 - 1, str(2**53 - 1), Decimal(2**53 - 1)])
def test_the_bounds_of_a_plan_value_are_included(value):
    assert to_plan_item(flat(metric_value=value))["metric"]["value"] == int(value)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("١٢٣", "must be an integer (a number or a string of ASCII digits)"),  # Arabic-Indic digits
        ("１２３", "must be an integer (a number or a string of ASCII digits)"),  # full-width digits
        ("12.0", "must be an integer"),
        (Decimal("12.5"), "must be an integer"),
        (Decimal("NaN"), "must be an integer"),
        (float("inf"), "must be an integer"),
        (-1, f"must be an integer from 0 to {2**53 - 1}"),
        ("-0001", f"must be an integer from 0 to {2**53 - 1}"),
        (2**53, f"must be an integer from 0 to {2**53 - 1}"),
        (Decimal("1E+30"), f"must be an integer from 0 to {2**53 - 1}"),
        ("9" * 5000, f"must be an integer from 0 to {2**53 - 1}"),
        (Decimal("9" * 5000), f"must be an integer from 0 to {2**53 - 1}"),
    ],
)
def test_flat_values_calltouch_cannot_take_are_errors(value, rule):
    with pytest.raises(InvalidPlanError) as error:
        to_plan_item(flat(metric_value=value), "stream 'p' record #3")
    [problem] = error.value.problems
    assert problem.field == "metric_value"
    assert problem.rule.startswith(rule)
    assert len(str(error.value)) < 200  # a value of 5000 digits is shown cut short


@pytest.mark.parametrize("field", ["source", "medium", "campaign", "content", "keyword", "metric_name"])
@pytest.mark.parametrize(
    ("text", "rule"),
    [("a\ud800", "is a lone surrogate (\\ud800)"), ("a\udcff", "is byte 0xFF of the input, not UTF-8")],
)
def test_text_that_is_not_utf8_is_refused_in_every_field_sent(field, text, rule):
    record = flat(source="yandex", metric_type="Пользовательские", metric_name="Мой столбец") | {field: text}
    with pytest.raises(InvalidPlanError) as error:
        to_plan_item(record)
    [problem] = error.value.problems
    assert (problem.field, problem.rule) == (field, f"must be UTF-8 text; character 2 {rule}")


def test_a_schema_problem_replaces_the_rules_of_its_field_and_joins_the_others():
    schema_problem = Problem("metric_value", "abc", "does not match the stream's SCHEMA (type integer or null)")
    record = CheckedRecord(flat(metric_value="abc", metric_type="Лидов"), [schema_problem])
    with pytest.raises(InvalidPlanError) as error:
        to_plan_item(record)
    assert [(p.field, p.rule[:20]) for p in error.value.problems] == [
        ("metric_value", "does not match the s"),
        ("metric_type", "must be one of Лиды,"),
    ]
    with pytest.raises(InvalidPlanError, match="does not match the stream's SCHEMA"):
        to_plan_item(CheckedRecord(flat(), [schema_problem]))  # even if the target's rules pass
