"""Each JSON schema feature a vendor record may use, accepted and refused as documented (issue 20)."""

from __future__ import annotations

import typing as t

import pytest

from vendor_http import ExplainedError, RecordValidationError, RecordValidator


def check(field: dict[str, t.Any], value: t.Any, *, required: bool = True) -> dict[str, t.Any]:
    """Validate ``{"f": value}`` against a one-field schema; raise as the validator does."""
    schema = {"type": "object", "properties": {"f": field}, "required": ["f"] if required else []}
    return RecordValidator(schema, stream="s")({"f": value})


def refused(field: dict[str, t.Any], value: t.Any) -> str:
    with pytest.raises(RecordValidationError) as info:
        check(field, value)
    return info.value.problem


@pytest.mark.parametrize(
    ("field", "accepted", "refused_value"),
    [
        ({"type": "string"}, "x", None),
        ({"type": ["string", "null"]}, None, 1),
        ({"type": ["null", "integer"]}, None, "1"),
        ({"type": "integer"}, 3, 3.5),
        ({"type": "number"}, 3, "3"),  # a JSON integer is a number
        ({"type": "boolean"}, True, 1),
        ({"type": ["string", "integer"]}, 7, 1.5),
        ({"type": ["string", "integer"]}, "7", None),
        ({"type": ["string", "integer", "null"]}, None, 1.5),
        ({"type": "string", "format": "date"}, "2026-10-03", "2026-10-03T10:00:00Z"),
        ({"type": "string", "format": "date-time"}, "2026-10-03T10:00:00Z", "2026-10-03"),
        ({"type": ["string", "null"], "format": "date-time"}, None, "yesterday"),
        ({"type": "string", "enum": ["a", "b"]}, "a", "c"),
        ({"type": "string", "format": "email"}, "not checked", 5),  # other formats: a string
        ({"type": "array", "items": {"type": "integer"}}, [1, 2], [1, "2"]),
        ({"type": "array"}, [1, "two", None], {"not": "a list"}),  # items unspecified: anything
        ({"type": "object"}, {"free": 1}, [1]),  # no properties: any object
        ({"type": ["object", "null"], "properties": {"a": {"type": "integer"}}}, None, {"a": "1"}),
    ],
)
def test_schema_features(field: dict[str, t.Any], accepted: t.Any, refused_value: t.Any) -> None:
    assert check(field, accepted) == {"f": accepted}
    assert "$.f" in refused(field, refused_value)


@pytest.mark.parametrize("field", [{}, {"anyOf": [{"type": "string"}]}, {"oneOf": [{"type": "integer"}]}])
def test_fields_without_a_plain_type_accept_anything(field: dict[str, t.Any]) -> None:
    assert check(field, {"nested": [1]}) == {"f": {"nested": [1]}}
    assert check(field, None) == {"f": None}


def test_a_union_with_a_non_scalar_member_is_not_checked() -> None:
    assert check({"type": ["string", "object"]}, {"any": "thing"}) == {"f": {"any": "thing"}}
    assert check({"type": ["string", "object"]}, None) == {"f": None}


def test_a_null_only_field_must_be_null_unless_it_says_any_of_or_one_of() -> None:
    assert check({"type": "null"}, None) == {"f": None}
    assert "$.f" in refused({"type": "null"}, "x")
    assert "$.f" in refused({"type": ["null"]}, 1)
    for union in ("anyOf", "oneOf"):
        field = {"type": ["null"], union: [{"type": "string"}, {"type": "integer"}]}
        assert check(field, "x") == {"f": "x"}, union  # the alternatives are not checked
        assert check(field, 1) == {"f": 1}, union


def test_optional_fields_may_be_missing_and_required_ones_may_not() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    validate = RecordValidator(schema, stream="s")
    assert validate({"a": 1}) == {"a": 1}
    with pytest.raises(RecordValidationError, match="missing required field `a`"):
        validate({"b": 1})


def test_an_unsupported_type_is_named_with_its_path() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {"b": {"type": "array", "items": {"type": "tuple"}}}}},
    }
    with pytest.raises(TypeError) as info:
        RecordValidator(schema, stream="s")
    assert str(info.value) == "unsupported JSON schema type 'tuple' at $.a.b[]"
    required = {"type": "object", "properties": {"c": {"type": "set"}}, "required": ["c"]}
    with pytest.raises(TypeError) as info:
        RecordValidator(required, stream="s")
    assert str(info.value) == "unsupported JSON schema type 'set' at $.c"


def test_the_error_names_the_stream_and_where_the_record_was() -> None:
    with pytest.raises(RecordValidationError) as info:
        RecordValidator({"type": "object", "properties": {"n": {"type": "integer"}}}, stream="orders")({"n": "x"})
    error = info.value
    assert isinstance(error, ExplainedError)
    assert (error.stream, error.where) == ("orders", None)
    assert str(error) == (
        "stream 'orders': the vendor sent a record that does not match the documented schema: "
        "Expected `int`, got `str` - at `$.n`"
    )
    located = error.at("page 3, record #2")
    assert str(located).startswith(
        "stream 'orders': the vendor sent a record that does not match the documented schema (page 3, record #2): "
    )
    assert (located.stream, located.problem, located.where) == ("orders", error.problem, "page 3, record #2")
