"""The plan rules at their edges: what a record becomes, and the exact words of each refusal.

Pure logic (no I/O): :func:`to_plan_item` on records in both input shapes. The words
of a problem are what the user reads in the run's one-line failure and in the reject
file, so they are asserted whole.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from target_calltouch_plans.plans import (
    CheckedRecord,
    InvalidPlanError,
    Problem,
    RecordRef,
    plan_key,
    shown,
    to_plan_item,
)

TOP = 2**53 - 1
TYPES = "Лиды, Поведение, Сделки и ROI, Электронная торговля, Площадки, Пользовательские, Цели"


def flat(**fields: object) -> dict[str, object]:
    record: dict[str, object] = {"date_from": "2026-04-01", "date_to": "2026-04-02", "medium": "cpc"}
    return record | {"metric_type": "Поведение", "metric_name": "Сессии", "metric_value": "120"} | fields


def api(metric: object = None, **fields: object) -> dict[str, object]:
    record: dict[str, object] = {"dateFrom": "01-04-2026", "dateTo": "02-04-2026", "medium": "cpc"}
    return record | {"metric": metric or {"type": "Поведение", "name": "Сессии", "value": 120}} | fields


def problems(record: dict[str, object]) -> list[str]:
    with pytest.raises(InvalidPlanError) as error:
        to_plan_item(record, "stream 'p' record #1")
    return [str(problem) for problem in error.value.problems]


# --- what a valid record becomes ---------------------------------------------------------------


def test_every_dimension_is_sent_trimmed_and_empty_ones_are_left_out() -> None:
    record = flat(source=" s ", medium="m", campaign="c", content=" ", keyword="k ", metric_value=0)
    assert to_plan_item(record) == {
        "dateFrom": "01-04-2026",
        "dateTo": "02-04-2026",
        "source": "s",
        "medium": "m",
        "campaign": "c",
        "keyword": "k",
        "metric": {"type": "Поведение", "name": "Сессии", "value": 0},
    }


def test_the_api_shape_is_sent_as_it_came() -> None:
    metric = {"type": " Пользовательские ", "name": " Мой столбец ", "value": TOP}
    assert to_plan_item(api(metric, dateTo="01-04-2026")) == {
        "dateFrom": "01-04-2026",
        "dateTo": "01-04-2026",  # a period of one day
        "medium": "cpc",
        "metric": {"type": "Пользовательские", "name": "Мой столбец", "value": TOP},
    }


@pytest.mark.parametrize(
    ("value", "day"),
    [
        (" 2026-04-01 ", "01-04-2026"),
        ("01-04-2026", "01-04-2026"),
        ("2026-04-01T00:00:00Z", "01-04-2026"),
        ("2026-04-01T00:00:00.0+03:00", "01-04-2026"),
        (datetime(2026, 4, 1), "01-04-2026"),
        (date(2026, 4, 1), "01-04-2026"),
    ],
)
def test_a_flat_date_in_each_faithful_form(value: object, day: str) -> None:
    assert to_plan_item(flat(date_from=value, date_to=value))["dateFrom"] == day


@pytest.mark.parametrize(
    ("value", "number"),
    [(" +7 ", 7), ("0000", 0), ("-0", 0), (str(TOP), TOP), (f"000{TOP}", TOP), (7.0, 7), (Decimal(TOP), TOP)],
)
def test_a_flat_value_in_each_faithful_form(value: object, number: int) -> None:
    assert to_plan_item(flat(metric_value=value))["metric"]["value"] == number


def test_two_items_are_the_same_plan_whatever_their_values() -> None:
    first = to_plan_item(flat(source="s", metric_value=1))
    second = to_plan_item(flat(source="s", metric_value=2))
    assert (
        plan_key(first)
        == plan_key(second)
        == ("01-04-2026", "02-04-2026", "s", "cpc", None, None, None, "Поведение", "Сессии")
    )
    assert plan_key(first) != plan_key(to_plan_item(flat(source="s", campaign="c")))
    assert plan_key(first) != plan_key(to_plan_item(flat(source="s", date_to="2026-04-03")))
    assert plan_key(first) != plan_key(to_plan_item(flat(source="s", metric_name="Отказы")))


# --- the words of each refusal ------------------------------------------------------------------


def test_a_record_in_both_shapes_or_in_neither() -> None:
    both = "'metric_type', 'metric_name', 'metric_value' (flat shape), not both"
    assert problems(api(metric_type="Лиды")) == [
        "field 'metric' = {'type': 'Поведение', 'name': 'Сессии', 'value': 120}: a record has either 'metric' "
        "{type, name, value} (API shape) or " + both
    ]
    neither = problems({"date_from": "2026-04-01", "medium": "cpc"})
    assert neither == [
        "field 'metric' = None: a record has either 'metric' {type, name, value} (API shape) or "
        "'metric_type', 'metric_name', 'metric_value' (flat shape), found neither"
    ]
    # one flat field is enough to make the record flat
    assert "field 'metric_type' = None" in problems({"metric_name": "Сессии", "medium": "cpc"})[2]


def test_schema_problems_come_first_even_when_the_shape_is_wrong() -> None:
    schema = Problem("medium", 5, "does not match the stream's SCHEMA (type string)")
    for record in ({"medium": 5}, {"medium": 5, "metric": "x"}):
        with pytest.raises(InvalidPlanError) as error:
            to_plan_item(CheckedRecord(record, [schema]))
        assert error.value.problems[0] is schema
        assert error.value.problems[1].field == "metric"


def test_an_api_metric_that_is_not_an_object() -> None:
    assert problems(api(metric=["Лиды"])) == ["field 'metric' = ['Лиды']: must be an object {type, name, value}"]


def test_the_api_shape_names_its_own_fields() -> None:
    metric = {"type": "Лидов", "name": "", "value": "5"}
    assert problems(api(metric, dateFrom="2026-04-01", dateTo=None, medium=None)) == [
        "field 'dateFrom' = '2026-04-01': must be a date dd-mm-yyyy",
        "field 'dateTo' = None: must be a date dd-mm-yyyy",
        "field 'source' = None: at least one of source, medium, campaign, content, keyword",
        f"field 'metric.type' = 'Лидов': must be one of {TYPES}",
        "field 'metric.name' = '': must not be empty",
        "field 'metric.value' = '5': must be an integer",
    ]


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("1-4-2026", "must be a date yyyy-mm-dd or dd-mm-yyyy"),  # two digits, as documented
        ("2026-4-1", "must be a date yyyy-mm-dd or dd-mm-yyyy"),
        (20260401, "must be a date yyyy-mm-dd or dd-mm-yyyy"),
        ("2026-04-01T00:00:01Z", "must be a date yyyy-mm-dd or dd-mm-yyyy"),
        (
            datetime(2026, 4, 1, 0, 0, 0, 1, tzinfo=UTC),
            "must be a date; a date-time is taken only at midnight (00:00:00), as it names one day",
        ),
    ],
)
def test_a_flat_date_naming_no_single_day(value: object, rule: str) -> None:
    assert problems(flat(date_from=value, date_to="2026-04-02"))[0] == f"field 'date_from' = {shown(value)}: {rule}"


def test_a_period_ending_before_it_starts() -> None:
    assert problems(flat(date_from="2026-04-03", date_to=date(2026, 4, 2))) == [
        "field 'date_from' = '2026-04-03': must not be after date_to (date 2026-04-02)"
    ]
    assert problems(api(dateFrom="03-04-2026")) == [
        "field 'dateFrom' = '03-04-2026': must not be after dateTo ('02-04-2026')"
    ]


def test_a_metric_name_outside_its_types_list() -> None:
    assert problems(flat(metric_name="Клики")) == [
        "field 'metric_name' = 'Клики': is not a metric of type 'Поведение'; one of: Сессии, Отказы"
    ]


@pytest.mark.parametrize("kind", ["Пользовательские", "Цели"])
def test_a_custom_column_or_goal_named_like_a_calltouch_metric(kind: str) -> None:
    assert problems(flat(metric_type=kind, metric_name=" CPC ")) == [
        f"field 'metric_name' = ' CPC ': a '{kind}' name must not be the name of a Calltouch metric"
    ]
    assert to_plan_item(flat(metric_type=kind, metric_name="Звонки с сайта"))["metric"]["name"] == "Звонки с сайта"


def test_an_unknown_type_is_one_problem_not_two() -> None:
    assert problems(flat(metric_type=None, metric_name="Сессии")) == [
        f"field 'metric_type' = None: must be one of {TYPES}"
    ]
    assert problems(flat(metric_type=7, metric_name=8)) == [
        f"field 'metric_type' = 7: must be one of {TYPES}",
        "field 'metric_name' = 8: must not be empty",
    ]


def test_a_dimension_that_is_not_text() -> None:
    assert problems(flat(campaign=12, medium=None)) == ["field 'campaign' = 12: must be a string"]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("\udc80", "character 1 is byte 0x80 of the input, not UTF-8"),
        ("ab\udcff", "character 3 is byte 0xFF of the input, not UTF-8"),
        ("\udc7f", "character 1 is a lone surrogate (\\udc7f)"),
        ("\ud800", "character 1 is a lone surrogate (\\ud800)"),
        ("x\udfff", "character 2 is a lone surrogate (\\udfff)"),
    ],
)
def test_text_that_cannot_be_sent_as_utf8(text: str, rule: str) -> None:
    assert problems(flat(keyword=text)) == [f"field 'keyword' = {text!r}: must be UTF-8 text; {rule}"]


@pytest.mark.parametrize("text", ["\ud7ff", "\ue000", "ÿ", "日本"])
def test_text_next_to_the_surrogates_is_sent(text: str) -> None:
    assert to_plan_item(flat(keyword=text))["keyword"] == text


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (True, "must be an integer (a number or a string of ASCII digits)"),
        (None, "must be an integer (a number or a string of ASCII digits)"),
        (float("nan"), "must be an integer (a number or a string of ASCII digits)"),
        (Decimal("Infinity"), "must be an integer (a number or a string of ASCII digits)"),
        (Decimal("0.5"), "must be an integer (a number or a string of ASCII digits)"),
        (-0.5, f"must be an integer from 0 to {TOP}"),
        (float(TOP + 2), f"must be an integer from 0 to {TOP}"),
        (Decimal(TOP + 1), f"must be an integer from 0 to {TOP}"),
        (TOP + 1, f"must be an integer from 0 to {TOP}"),
        (str(TOP + 1), f"must be an integer from 0 to {TOP}"),  # as many digits as the largest
        ("1" + "0" * 16, f"must be an integer from 0 to {TOP}"),  # one digit more
        ("-1", f"must be an integer from 0 to {TOP}"),
    ],
)
def test_a_flat_value_calltouch_cannot_take(value: object, rule: str) -> None:
    assert problems(flat(metric_value=value)) == [f"field 'metric_value' = {shown(value)}: {rule}"]


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (Decimal(5), "must be an integer"),
        (5.0, "must be an integer"),
        ("5", "must be an integer"),
        (False, "must be an integer"),
        (-1, f"must be an integer from 0 to {TOP}"),
        (Decimal(-1), f"must be an integer from 0 to {TOP}"),
    ],
)
def test_an_api_value_calltouch_cannot_take(value: object, rule: str) -> None:
    metric = {"type": "Поведение", "name": "Сессии", "value": value}
    assert problems(api(metric)) == [f"field 'metric.value' = {shown(value)}: {rule}"]


# --- how values are shown -------------------------------------------------------------------------


def test_values_are_shown_plainly_and_long_ones_cut() -> None:
    assert shown(datetime(2026, 4, 1, 10, tzinfo=UTC)) == "date-time 2026-04-01T10:00:00+00:00"
    assert shown(date(2026, 4, 1)) == "date 2026-04-01"
    assert shown(Decimal("1.50")) == "1.50"
    assert shown("a" * 58) == repr("a" * 58)  # 60 characters with its quotes: whole
    assert shown("a" * 60) == f"{repr('a' * 60)[:60]}… (62 characters)"
    assert shown("a" * 61) == f"{'a' * 60!r}… (61 characters)"
    assert shown(["b" * 56]) == repr(["b" * 56])  # its text is 60 characters
    assert shown(["b" * 57]) == f"{repr(['b' * 57])[:60]}… (61 characters)"
    assert shown(Decimal("9" * 61)) == f"{'9' * 60}… (61 characters)"


def test_an_invalid_record_names_where_it_is_and_every_problem() -> None:
    one = Problem("medium", 1, "must be a string")
    two = Problem("metric_type", None, "must be one of x")
    error = InvalidPlanError("stream 'p' record #9", [one, two])
    assert (
        str(error)
        == "stream 'p' record #9: field 'medium' = 1: must be a string; field 'metric_type' = None: must be one of x"
    )
    assert (error.where, error.problems) == ("stream 'p' record #9", [one, two])
    assert str(RecordRef("plans", 3)) == "stream 'plans' record #3"
    assert RecordRef("plans", 3).seq == 0


def test_a_checked_record_keeps_its_fields_and_its_schema_problems() -> None:
    problem = Problem("x", 1, "r")
    record = CheckedRecord({"a": 1}, [problem])
    assert (dict(record), record.schema_problems) == ({"a": 1}, (problem,))
    assert CheckedRecord({"a": 1}).schema_problems == ()


def test_edges_of_the_rules() -> None:
    # a record is named "record" unless the caller says where it is
    with pytest.raises(InvalidPlanError, match=r"^record: field 'metric' = None"):
        to_plan_item({"medium": "cpc"})
    with pytest.raises(InvalidPlanError, match=r"^stream 'p' record #4: field 'metric' = 5: must be an object"):
        to_plan_item(api(metric=5), "stream 'p' record #4")
    # any one flat field makes the record flat, metric_value too
    assert problems({"medium": "cpc", "metric_value": 5})[2].startswith("field 'metric_type' = None: must be one of")
    # zero is a plan value in every encoding
    assert [to_plan_item(flat(metric_value=v))["metric"]["value"] for v in (0.0, Decimal("0"), Decimal("0.00"))] == [
        0,
        0,
        0,
    ]
    # a surrogate beyond the 128 that stand for bytes is a lone surrogate
    assert problems(flat(source="\udd00")) == [
        "field 'source' = '\\udd00': must be UTF-8 text; character 1 is a lone surrogate (\\udd00)"
    ]
    # a metric name that cannot be sent is shown as it came
    assert problems(flat(metric_type="Цели", metric_name="a\ud800")) == [
        "field 'metric_name' = 'a\\ud800': must be UTF-8 text; character 2 is a lone surrogate (\\ud800)"
    ]
