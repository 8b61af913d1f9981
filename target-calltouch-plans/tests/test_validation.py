"""Every documented rule is checked before any request; errors name stream, position, field, value, rule.

Replay files (``resources/invalid_*.singer``): a valid record, then one breaking one rule.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from calltouch_helpers import RESOURCES, run_target, states, target_config

from target_calltouch_plans.plans import InvalidPlanError, to_plan_item

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
    assert "Calltouch plans import summary (FAILED)" in result.stderr


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
