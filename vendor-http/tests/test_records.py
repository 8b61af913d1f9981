"""Records are validated against the selected schema and pruned to it."""

from __future__ import annotations

import pytest
from singer_sdk.singerlib import SelectionMask

from vendor_http.records import RecordValidationError, RecordValidator
from vendor_http.sdk_stream import selected_schema

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "day": {"type": "string", "format": "date"},
        "amount": {"type": ["number", "null"]},
        "items": {
            "type": "array",
            "items": {"type": "object", "properties": {"qty": {"type": "integer"}, "name": {"type": "string"}}},
        },
        "meta": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}},
    },
    "required": ["id", "day"],
}


def test_valid_record_is_returned_pruned_to_the_schema() -> None:
    validate = RecordValidator(SCHEMA, stream="orders")
    record = {"id": 1, "day": "2026-10-03", "amount": 5, "items": [{"qty": 2, "name": "Товар"}], "unknown": 1}
    assert validate(record) == {"id": 1, "day": "2026-10-03", "amount": 5.0, "items": [{"qty": 2, "name": "Товар"}]}


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"id": 1.5, "day": "2026-10-03"}, "Expected `int`, got `float` - at `$.id`"),
        ({"id": 1, "day": "03-10-2026"}, "at `$.day`"),
        ({"id": 1, "day": "2026-10-03", "items": [{"qty": "2"}]}, "at `$.items[0].qty`"),
        ({"id": 1}, "missing required field `day`"),
        ({"id": 1, "day": "2026-10-03", "amount": "12.5"}, "at `$.amount`"),
    ],
)
def test_invalid_records_are_errors_naming_the_field(record: dict, problem: str) -> None:
    validate = RecordValidator(SCHEMA, stream="orders")
    with pytest.raises(RecordValidationError) as info:
        validate(record)
    located = info.value.at("page 2, record #7")
    assert problem in str(located)
    assert "stream 'orders'" in str(located) and "page 2, record #7" in str(located)


def test_deselected_properties_are_dropped_recursively() -> None:
    mask = SelectionMask(
        {
            (): True,
            ("properties", "amount"): False,
            ("properties", "meta"): True,
            ("properties", "meta", "properties", "b"): False,
        }
    )
    schema = selected_schema(SCHEMA, mask)
    validate = RecordValidator(schema, stream="orders")
    record = {"id": 1, "day": "2026-10-03", "amount": 1.0, "meta": {"a": "x", "b": "y"}}
    assert validate(record) == {"id": 1, "day": "2026-10-03", "meta": {"a": "x"}}
