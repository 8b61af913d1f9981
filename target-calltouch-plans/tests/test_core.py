"""The Meltano Singer SDK's standard target tests, against the sandbox's Calltouch.

Every test gets a fresh sandbox (the SDK's ``resource`` fixture) and a target configured
for it: plans are really imported, nothing runs in dry-run mode.

The target imports plans only (see README.md, "Input"): a record of the SDK's sample
files has no dates, dimensions or metric, so the target rightly refuses it and fails the
run. The SDK tests that feed such records are therefore left out below, each with the
reason, and where the behaviour they probe applies to plans, a twin with plan-shaped
input (``resources/plans_*.singer``) checks it instead: its plans must arrive at the
sandbox exactly and its last STATE be passed on.
"""

from __future__ import annotations

import json
import typing as t

import pytest
from calltouch_helpers import RESOURCES, canonical, flat_to_item, input_items, target_config
from singer_sdk.testing import TargetTestRunner, get_target_test_class
from singer_sdk.testing.suites import SingerTestSuite
from singer_sdk.testing.target_tests import (
    TargetCamelcaseComplexSchema,
    TargetCliPrintsTest,
    TargetInvalidSchemaTest,
    TargetRecordBeforeSchemaTest,
    TargetRecordMissingKeyProperty,
)
from singer_sdk.testing.templates import TargetFileTestTemplate

from target_calltouch_plans.target import TargetCalltouchPlans

if t.TYPE_CHECKING:
    from pathlib import Path

    from vendor_sandbox import SandboxServer


def states_in(path: Path) -> list[dict[str, t.Any]]:
    """The STATE values of a ``.singer`` file, in order."""
    lines = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [line["value"] for line in lines if line["type"] == "STATE"]


class PlansFileTest(TargetFileTestTemplate):
    """A standard test fed ``resources/<name>.singer`` (plans, flat shape): the sandbox
    holds exactly its plans afterwards and the last STATE was passed on."""

    #: Settings for this test on top of the sandbox's.
    settings: t.ClassVar[dict[str, t.Any]] = {}

    @property
    def singer_filepath(self) -> Path:
        return RESOURCES / f"{self.name}.singer"

    def setup(self) -> None:
        self.runner.config.update(self.settings)

    def validate(self) -> None:
        sandbox: SandboxServer = self.resource
        expected = [flat_to_item(record) for record in input_items(self.singer_filepath)]
        assert canonical(sandbox.calltouch.imported_plans()) == canonical(expected)
        assert self.runner.state_messages[-1] == states_in(self.singer_filepath)[-1]


class TargetPlansEncodedStrings(PlansFileTest):
    """Twin of TargetEncodedStringData: the SDK file's strings (Greek, Chinese, quotes,
    backslashes, escaped code points) and Cyrillic, emoji and quotes, in dimensions and
    custom metric names, arrive unchanged. Left out: the SDK file's control characters
    (U+0000, U+0001), which the Calltouch documentation says nothing about."""

    name = "plans_encoded_strings"


class TargetPlansMultipleStateMessages(PlansFileTest):
    """Twin of TargetMultipleStateMessages: two streams with checkpoints between their
    records. Imported one record at a time, every checkpoint is passed on, in order, once
    the plans before it are imported. (With the default buffering, a checkpoint whose
    plans wait in the buffer while a later one arrives is superseded, not passed on.)"""

    name = "plans_multiple_state_messages"
    settings: t.ClassVar[dict[str, t.Any]] = {"batch_size_rows": 1}

    def validate(self) -> None:
        super().validate()
        assert self.runner.state_messages == states_in(self.singer_filepath)


class TargetPlansOptionalDimensions(PlansFileTest):
    """Twin of TargetOptionalAttributes and TargetRecordMissingOptionalFields: a dimension
    given, missing, null or empty; only the given ones are sent."""

    name = "plans_optional_dimensions"


class TargetPlansSchemaUpdates(PlansFileTest):
    """Twin of TargetSchemaUpdates and TargetPrimaryKeyUpdates: the stream's schema gains a
    column, its key properties change twice and metric_value turns from string to integer,
    mid-stream; every plan is imported (a tap's key properties do not decide what a plan is)."""

    name = "plans_schema_updates"


class TargetPlansWithOtherFields(PlansFileTest):
    """Twin of TargetArrayData, TargetCamelcaseTest and TargetSpecialCharsInAttributes:
    fields that are not part of a plan (arrays, objects, CamelCase, Cyrillic and special
    characters in their names, a tap's _sdc_*) are ignored, the plans imported."""

    name = "plans_with_other_fields"


target_tests = SingerTestSuite(
    kind="target",
    tests=[
        TargetCliPrintsTest,
        # A schema only (no records) from another tap: accepted.
        TargetCamelcaseComplexSchema,
        TargetInvalidSchemaTest,
        TargetRecordBeforeSchemaTest,
        TargetRecordMissingKeyProperty,
        # Left out, records of the SDK files are no plans, so the run fails (each is tested
        # with plans by a twin above or by the module named):
        #   TargetArrayData, TargetCamelcaseTest, TargetSpecialCharsInAttributes
        #       -> TargetPlansWithOtherFields
        #   TargetDuplicateRecords: a duplicate plan is not a duplicate key; "last wins"
        #       -> test_imports.py (duplicates.singer)
        #   TargetEncodedStringData -> TargetPlansEncodedStrings
        #   TargetMultipleStateMessages (also left out of the SDK's own suite: it compares
        #       the runner's parsed states with JSON strings) -> TargetPlansMultipleStateMessages
        #   TargetNoPrimaryKeys: every plans file here has no key properties
        #   TargetOptionalAttributes, TargetRecordMissingOptionalFields
        #       -> TargetPlansOptionalDimensions
        #   TargetPrimaryKeyUpdates, TargetSchemaUpdates -> TargetPlansSchemaUpdates
        #   TargetRecordMissingRequiredProperty (not in the SDK's suite either): a plan
        #       without its metric -> test_validation.py (invalid_no_metric.singer)
        #   TargetSchemaNoProperties: plans under a schema without properties
        #       -> test_imports.py (test_several_streams_share_duplicates_and_state)
        TargetPlansEncodedStrings,
        TargetPlansMultipleStateMessages,
        TargetPlansOptionalDimensions,
        TargetPlansSchemaUpdates,
        TargetPlansWithOtherFields,
    ],
)

StandardTargetTests = get_target_test_class(
    TargetCalltouchPlans,
    # Only for the class; every test's runner is configured for its own sandbox below.
    config={"api_token": "sdk-test-token", "site_id": "1"},
    custom_suites=[target_tests],
    include_target_tests=False,
)


class TestTargetCalltouchPlans(StandardTargetTests):
    @pytest.fixture
    def resource(self, sandbox_factory) -> SandboxServer:
        return sandbox_factory(calltouch_import_seconds=0)

    @pytest.fixture
    def runner(self, resource: SandboxServer) -> t.Iterator[TargetTestRunner]:
        runner = TargetTestRunner(TargetCalltouchPlans, config=target_config(resource))
        yield runner
        if runner.input_filepath is not None:
            runner.target_input.close()  # the SDK's runner opens the file and leaves it open
