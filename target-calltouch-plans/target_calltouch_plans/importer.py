"""Imports of plan items: batches of at most 100, several in flight, each polled to its end.

One :class:`Importer` serves every sink of a run, so the rate budget, the import
log and the run summary are shared. ``run`` returns only when every batch it was
given has reached ``success`` (or raises), which is what lets the target emit the
tap's state afterwards.
"""

from __future__ import annotations

import json
import logging
import time
import typing as t
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from target_calltouch_plans.client import ImportRejectedError
from vendor_http import AsyncJobError, ExplainedError, JobFailedError

if t.TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from target_calltouch_plans.client import CalltouchClient, Violation
    from target_calltouch_plans.plans import RecordRef
    from vendor_http import AsyncJob, JobPoller, JobStatus
    from vendor_http.progress import Progress

Entry = tuple["RecordRef", dict[str, t.Any]]


class ImportFailedError(ExplainedError):
    """An import did not end in success, or Calltouch refused plans; the run must fail."""


@dataclass
class ImportRecord:
    """One import for the summary and the audit log."""

    import_id: str
    items: int
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "in progress..."
    polls: int = 0

    @property
    def duration(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def as_log_line(self) -> str:
        return json.dumps(
            {
                "import_id": self.import_id,
                "status": self.status,
                "items": self.items,
                "polls": self.polls,
                "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "duration_seconds": None if self.duration is None else round(self.duration, 3),
            },
            ensure_ascii=False,
        )


@dataclass
class _Active:
    job: AsyncJob
    record: ImportRecord
    entries: list[Entry] = field(repr=False)


class Importer:
    """Sends batches, keeps up to ``max_in_flight`` imports open, polls the due ones."""

    def __init__(
        self,
        client: CalltouchClient,
        poller: JobPoller,
        *,
        batch_size: int,
        max_in_flight: int,
        reject: Callable[[RecordRef, dict[str, t.Any], list[str]], None] | None = None,
        import_log_path: Path | None = None,
        on_settled: Callable[[list[RecordRef]], None] | None = None,
        logger: logging.Logger | None = None,
        sleep: Callable[[float], None] = time.sleep,
        track: Callable[[str, int], Progress] | None = None,
    ) -> None:
        """``reject(ref, item, reasons)`` takes plans Calltouch refused (``None``: fail the run);
        ``track(stream, imports)`` follows each run's imports (progress lines, the summary)."""
        self.client = client
        self.poller = poller
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.reject = reject
        self.import_log_path = import_log_path
        #: Told about records whose plans were imported (or refused and rejected).
        self.on_settled = on_settled
        self.logger = logger or logging.getLogger(__name__)
        self._sleep = sleep
        self.imports: list[ImportRecord] = []
        self.items_imported = 0
        self.track = track
        self._progress: Progress | None = None

    def run(self, entries: list[Entry]) -> None:
        """Import ``entries`` (record reference, item); return once all reached ``success``."""
        queue = deque(entries[n : n + self.batch_size] for n in range(0, len(entries), self.batch_size))
        active: dict[str, _Active] = {}
        if self.track is not None and entries:
            self._progress = self.track(entries[0][0].stream, len(queue))
        while queue or active:
            self._poll_due(active)
            if self._progress is not None:
                self._progress.tick()
            if queue and len(active) < self.max_in_flight:
                self._submit(queue, active)
                continue
            if active:
                wait = self.poller.seconds_until_due([a.job for a in active.values()])
                if wait > 0:
                    self._sleep(wait)

    def _submit(self, queue: deque[list[Entry]], active: dict[str, _Active]) -> None:
        batch = queue.popleft()
        try:
            import_id = self.client.add([item for _, item in batch])
        except ImportRejectedError as error:
            remainder = self._refused(batch, error)
            if remainder:
                queue.appendleft(remainder)
            return
        now = datetime.now(UTC)
        record = ImportRecord(import_id, len(batch), now)
        self.imports.append(record)
        active[import_id] = _Active(self.poller.start(import_id), record, batch)
        self.logger.info("Calltouch import %s started with %d plan item(s)", import_id, len(batch))

    def _poll_due(self, active: dict[str, _Active]) -> None:
        try:
            finished = self.poller.poll_due([a.job for a in active.values()])
        except AsyncJobError as error:
            entry = active.pop(error.job_id)
            self._finish(entry, "error" if isinstance(error, JobFailedError) else "timeout")
            msg = f"Calltouch {error} ({entry.record.items} plan item(s), from {entry.entries[0][0]})"
            raise ImportFailedError(msg) from error
        for job, status in finished:
            self._done(active.pop(job.job_id), status)

    def _done(self, entry: _Active, status: JobStatus) -> None:
        _ = status
        self._finish(entry, "success")
        self.items_imported += entry.record.items
        if self._progress is not None:
            self._progress.unit_done(entry.record.import_id)
        if self.on_settled is not None:
            self.on_settled([ref for ref, _ in entry.entries])
        self.logger.info(
            "Calltouch import %s: success, %d plan item(s) in %.1fs",
            entry.record.import_id,
            entry.record.items,
            entry.record.duration or 0.0,
        )

    def _finish(self, entry: _Active, status: str) -> None:
        entry.record.status = status
        entry.record.polls = entry.job.polls
        entry.record.finished_at = datetime.now(UTC)
        if self.import_log_path is not None:
            self.import_log_path.parent.mkdir(parents=True, exist_ok=True)
            with self.import_log_path.open("a", encoding="utf-8") as log:
                log.write(entry.record.as_log_line() + "\n")

    def _refused(self, batch: list[Entry], error: ImportRejectedError) -> list[Entry]:
        """Map Calltouch's violations to records; reject them or fail. Returns what to re-send."""
        by_index: dict[int, list[Violation]] = {}
        unmapped = []
        for violation in error.violations:
            index = violation.index
            if index is None or index >= len(batch):
                unmapped.append(violation)
            else:
                by_index.setdefault(index, []).append(violation)
        described = [
            f"{batch[index][0]}: " + "; ".join(f"{v.field_path} {v.message}" for v in found)
            for index, found in sorted(by_index.items())
        ]
        if unmapped or self.reject is None:
            lines = described + [f"{v.field_path}: {v.message}" for v in unmapped]
            msg = "Calltouch refused the plans (nothing of this batch was imported): " + " | ".join(lines)
            raise ImportFailedError(msg)
        for index, found in by_index.items():
            ref, item = batch[index]
            self.reject(ref, item, [f"Calltouch: {v.field_path} {v.message}" for v in found])
        self.logger.warning("Calltouch refused %d plan item(s), written to the reject file", len(by_index))
        if self.on_settled is not None:
            self.on_settled([batch[index][0] for index in by_index])
        remainder = [entry for n, entry in enumerate(batch) if n not in by_index]
        if not remainder and self._progress is not None:
            self._progress.unit_done()  # the whole batch was refused (and rejected)
        return remainder
