"""The one sink class: every stream's records are plans."""

from __future__ import annotations

import typing as t

from singer_sdk.sinks import BatchSink

from target_calltouch_plans.typed_input import TypedInputSink

if t.TYPE_CHECKING:
    from target_calltouch_plans.run import PlanRun
    from vendor_http.summary import RunSummary


class PlansRunner(t.Protocol):
    """What the sinks need of the target: its one run of plans, the imports, the run summary."""

    @property
    def plan_run(self) -> PlanRun:
        """Validation, duplicates and state checkpoints of the run."""

    def start_imports(self) -> PlanRun:
        """The run, with its importer attached."""

    @property
    def run_summary(self) -> RunSummary:
        """Counts the records read per stream."""


class PlansSink(TypedInputSink, BatchSink):
    """Validates each record on arrival; imports the buffered plans on drain.

    :class:`TypedInputSink` checks each record against its stream's SCHEMA and reads
    typed values (dates, decimals) before :meth:`process_record` sees it.

    A drain happens when ``batch_size_rows`` records (SDK setting, default
    10,000) are buffered and at the end of the input, so a plans file of up to
    that many rows is validated whole before the first request.
    """

    def __init__(self, target: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
        """Keep the target: the run (validation, imports, state) is shared by all sinks."""
        super().__init__(target, *args, **kwargs)
        self.plans_target: PlansRunner = target

    def process_record(self, record: dict, context: dict) -> None:
        """Validate and buffer (the SDK's own list is not used)."""
        _ = context
        self.plans_target.run_summary.add_records(self.stream_name)
        self.plans_target.plan_run.accept(str(id(self)), self.stream_name, record)

    def process_batch(self, context: dict) -> None:
        """Import this sink's plans; returns once every import reached success."""
        _ = context
        self.plans_target.start_imports().drain(str(id(self)))
