"""target-calltouch-plans: Singer records → validated Calltouch plan metrics imports."""

from __future__ import annotations

import typing as t
from functools import cached_property
from pathlib import Path

from singer_sdk import typing as th
from singer_sdk.helpers.capabilities import PluginCapabilities

from target_calltouch_plans.catalogue import MAX_ITEMS_PER_IMPORT
from target_calltouch_plans.client import DEFAULT_API_URL, CalltouchClient, describe_error
from target_calltouch_plans.importer import Importer
from target_calltouch_plans.run import PlanRun
from target_calltouch_plans.sinks import PlansSink
from target_calltouch_plans.typed_input import PlanInputReader
from vendor_http import (
    JobPoller,
    PollSchedule,
    RateBudget,
    RateWindow,
    VendorSession,
    VendorTarget,
    api_token_setting,
    api_url_setting,
    poll_settings,
    retry_settings,
    transport_settings,
)

if t.TYPE_CHECKING:
    from vendor_http.progress import Progress

#: Documented: at most 5 requests per second per IP. The default stays below it,
#: since other Calltouch clients may share the IP.
DOCUMENTED_REQUESTS_PER_SECOND = 5
DEFAULT_REQUESTS_PER_SECOND = 4
DEFAULT_MAX_IMPORTS_IN_FLIGHT = 10
DEFAULT_REJECT_FILE = "calltouch-plans-rejected.jsonl"
#: The SDK's drain size when ``batch_size_rows`` is unset (``Sink.MAX_SIZE_DEFAULT``).
DEFAULT_BATCH_SIZE_ROWS = 10_000

#: SDK target settings that mean nothing here, kept out of ``--about`` (so out of the README,
#: the Hub definition and meltano.yml), each with the only value it may have and why.
UNUSED_SDK_SETTINGS: dict[str, tuple[object, str]] = {
    "load_method": (
        "append-only",
        "Calltouch has no table to append to, upsert or overwrite: each import adds the plans it carries",
    ),
    "add_record_metadata": (False, "the _sdc_* fields are no plan fields: Calltouch would receive none of them"),
    "flattening_enabled": (
        False,
        "plans in the API's shape keep their nested 'metric' object; flattening would break them",
    ),
}

if t.TYPE_CHECKING:
    from collections.abc import Callable

    from singer_sdk.helpers.capabilities import CapabilitiesEnum


class TargetCalltouchPlans(VendorTarget):
    """Imports plan metrics into Calltouch and polls every import to its end."""

    name = "target-calltouch-plans"
    default_sink_class = PlansSink
    #: The SDK's target capabilities without flattening (see ``UNUSED_SDK_SETTINGS``).
    capabilities: t.ClassVar[list[CapabilitiesEnum]] = [
        capability for capability in VendorTarget.capabilities if capability is not PluginCapabilities.FLATTENING
    ]
    #: Reads integers of any length and input that is not UTF-8 (see typed_input.py).
    message_reader_class = PlanInputReader

    config_jsonschema = th.PropertiesList(
        api_token_setting("Calltouch API key, sent in the Access-Token header."),
        th.Property(
            "site_id",
            th.CustomType({"type": ["string", "integer"], "minLength": 1}),
            required=True,
            title="Site ID",
            description="ID of the Calltouch account (ЛК), sent in the SiteId header.",
        ),
        api_url_setting(DEFAULT_API_URL),
        th.Property(
            "batch_size",
            th.IntegerType(minimum=1, maximum=MAX_ITEMS_PER_IMPORT),
            default=MAX_ITEMS_PER_IMPORT,
            title="Plans per import",
            description=f"Plan items per add request (Calltouch allows at most {MAX_ITEMS_PER_IMPORT}).",
        ),
        th.Property(
            "max_requests_per_second",
            th.IntegerType(minimum=1, maximum=DOCUMENTED_REQUESTS_PER_SECOND),
            default=DEFAULT_REQUESTS_PER_SECOND,
            title="Requests per second",
            description=(
                "Requests (adds and status checks together) per second, for the whole run. "
                f"Calltouch allows {DOCUMENTED_REQUESTS_PER_SECOND} per second per IP."
            ),
        ),
        th.Property(
            "max_imports_in_flight",
            th.IntegerType(minimum=1, maximum=100),
            default=DEFAULT_MAX_IMPORTS_IN_FLIGHT,
            title="Imports in flight",
            description="Imports sent but not yet finished at any time; more keeps the request budget busy.",
        ),
        *poll_settings(interval=1.0, backoff_factor=1.5, max_interval=10.0, timeout=600.0),
        th.Property(
            "dry_run",
            th.BooleanType,
            default=False,
            title="Dry run",
            description="Validate every record and report, but send nothing to Calltouch.",
        ),
        th.Property(
            "on_invalid_record",
            th.StringType(allowed_values=["fail", "reject"]),
            default="fail",
            title="On an invalid record",
            description=(
                "'fail': report every invalid record and fail the run, importing nothing more; "
                "'reject': write invalid records (and plans Calltouch refuses) to reject_file_path and go on."
            ),
        ),
        th.Property(
            "reject_file_path",
            th.StringType(min_length=1),
            default=DEFAULT_REJECT_FILE,
            title="Reject file",
            description="JSON lines file for rejected records (on_invalid_record=reject): stream, position, errors.",
        ),
        th.Property(
            "import_log_path",
            th.StringType(min_length=1),
            title="Import log",
            description="If set, one JSON line per import is appended: id, status, item count, timestamps.",
        ),
        *retry_settings(),
        *transport_settings(),
        # The SDK's own settings that do something here, described as they act here.
        th.Property(
            "batch_size_rows",
            th.IntegerType(minimum=1),
            default=DEFAULT_BATCH_SIZE_ROWS,
            title="Records per drain",
            description=(
                "Records buffered (and validated) before their plans are imported, and again at the end of "
                "the input: a plans file of up to this many records is checked whole before the first request."
            ),
        ),
        th.Property(
            "validate_records",
            th.BooleanType,
            default=True,
            title="Check records against their SCHEMA",
            description=(
                "Check each record against its stream's SCHEMA message before the plan rules; false: "
                "the plan rules alone (they always run)."
            ),
        ),
    ).to_dict()

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict[str, t.Any]) -> None:
        """The SDK's built-in settings, without those that mean nothing here (``UNUSED_SDK_SETTINGS``)."""
        super().append_builtin_config(config_jsonschema)
        for name in UNUSED_SDK_SETTINGS:
            config_jsonschema["properties"].pop(name, None)

    def settings_checks(self) -> dict[str, Callable[[t.Any, str], str | None]]:
        """Besides the shared checks: an SDK setting that means nothing here keeps its inert value."""

        def inert(value: t.Any, setting: str) -> str | None:
            allowed, why = UNUSED_SDK_SETTINGS[setting]
            if value is None or value == allowed:
                return None
            return f"setting '{setting}' cannot be {value!r} for {self.name}: {why}; remove it"

        return {**super().settings_checks(), **dict.fromkeys(UNUSED_SDK_SETTINGS, inert)}

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Check the settings (in the plugin base) before any record is read."""
        super().__init__(*args, **kwargs)
        # Sinks are drained one after the other: they share one run (duplicates, state
        # checkpoints) and one request budget, and each drain already keeps several
        # imports in flight.
        self.max_parallelism = 1

    # Shared by every sink

    def make_rate_budget(self) -> RateBudget:
        """Every request of the run (adds and status checks) in one per-second window."""
        per_second = int(self.config.get("max_requests_per_second", DEFAULT_REQUESTS_PER_SECOND))
        return RateBudget(windows=[RateWindow(per_second, 1.0)])

    @cached_property
    def client(self) -> CalltouchClient:
        """The Calltouch client with the auth headers."""
        session = VendorSession(
            vendor_name="Calltouch",
            budget=self.rate_budget,
            policy=self.retry_policy,
            redactor=self.redactor,
            timeout=float(self.config.get("request_timeout_seconds", 300.0)),
            headers={"Access-Token": str(self.config["api_token"]), "SiteId": str(self.config["site_id"])},
            credential_settings=("api_token", "site_id"),
            describe_error=describe_error,
            logger=self.logger,
            limits=self.transport_limits,
        )
        self.run_summary.count_retries(session.retrier)
        return CalltouchClient(session, str(self.config.get("api_url", DEFAULT_API_URL)))

    @cached_property
    def importer(self) -> Importer | None:
        """Imports for all sinks; ``None`` in a dry run (no request is ever made)."""
        if self.config.get("dry_run"):
            return None
        log_path = self.config.get("import_log_path")
        poller = JobPoller(self.client.check, PollSchedule.from_config(self.config), what="import", logger=self.logger)
        return Importer(
            self.client,
            poller,
            batch_size=int(self.config.get("batch_size", MAX_ITEMS_PER_IMPORT)),
            max_in_flight=int(self.config.get("max_imports_in_flight", DEFAULT_MAX_IMPORTS_IN_FLIGHT)),
            reject=self.plan_run.write_reject if self.rejecting else None,
            import_log_path=Path(log_path) if log_path else None,
            on_settled=self.plan_run.settled,
            logger=self.logger,
            track=self.track_imports,
        )

    def track_imports(self, stream: str, imports: int) -> Progress:
        """Progress lines of one drain's imports, counted in the summary under ``stream``."""
        importer = self.importer
        progress = self.run_summary.track(
            stream,
            "import",
            total=imports,
            logger=self.logger,
            records=lambda: importer.items_imported if importer is not None else 0,
        )
        progress.begin()
        return progress

    @property
    def rejecting(self) -> bool:
        return self.config.get("on_invalid_record", "fail") == "reject"

    @cached_property
    def plan_run(self) -> PlanRun:
        """Validation, duplicates and state checkpoints of this run."""
        reject = Path(self.config.get("reject_file_path") or DEFAULT_REJECT_FILE) if self.rejecting else None
        return PlanRun(importer=None, reject_path=reject, emit_state=self.write_state, logger=self.logger)

    def start_imports(self) -> PlanRun:
        """The run with its importer attached (created on the first drain)."""
        run = self.plan_run
        run.importer = self.importer
        return run

    # State: released only once every record before it is imported

    def state_received(self, state: dict[str, t.Any]) -> None:
        """Note where the STATE came in: :class:`PlanRun` releases it once every record before it is imported.

        The SDK itself keeps only the latest state and writes it after a full drain.
        """
        self.plan_run.note_state(state)

    def summary_details(self) -> list[str]:
        """The target's own lines of the run summary: validation, imports, requests by kind."""
        stats = self.plan_run.stats
        importer = self.plan_run.importer
        lines = []
        if self.config.get("dry_run"):
            lines.append("dry run, nothing sent")
        lines += [
            f"valid plan items: {stats.validated} ({stats.duplicates} duplicate(s) replaced by a later record)",
            f"records rejected: {stats.rejected}" + (f" (see {self.plan_run.reject_path})" if stats.rejected else ""),
            f"invalid records: {len(stats.invalid)}",
        ]
        if importer is not None:
            lines.append(
                f"items imported: {importer.items_imported} in {len(importer.imports)} import(s); "
                f"requests: {self.client.adds} add(s), {self.client.polls} status check(s)"
            )
            for record in importer.imports:
                took = f"{record.duration:.1f}s" if record.duration is not None else "unfinished"
                lines.append(f"  import {record.import_id}: {record.status}, {record.items} item(s), {took}")
        return lines


if __name__ == "__main__":
    TargetCalltouchPlans.cli()
