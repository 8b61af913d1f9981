"""One run of the target: records → validated plan items, duplicates, rejects, state checkpoints.

All sinks share one :class:`PlanRun`, so duplicates are found across streams and a
STATE message is released only when no record that preceded it is still unsent
or in an unfinished import, whichever sink holds it.

Duplicates (same dates, dimensions and metric; the value may differ), "last wins":

- if the earlier item is not sent yet, it is dropped and the later one takes its place;
- if the earlier item was already imported (an earlier batch of this run), the later
  one is imported after it and replaces its value at Calltouch (re-importing a plan
  replaces it: see "API assumptions" in the README).

Either way a warning names both records.
"""

from __future__ import annotations

import json
import logging
import math
import typing as t
from dataclasses import dataclass, field

from target_calltouch_plans.plans import InvalidPlanError, PlanKey, RecordRef, plan_key, to_plan_item
from vendor_http import ExplainedError

if t.TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from target_calltouch_plans.importer import Importer

#: Invalid records listed in the error that fails a run (the count is always given).
MAX_LISTED_ERRORS = 20


class InvalidPlansError(ExplainedError):
    """Records that are not valid plans, in ``on_invalid_record: fail`` mode."""


@dataclass
class _Seen:
    ref: RecordRef
    sink: str
    sent: bool = False


@dataclass
class RunStats:
    """What the summary reports."""

    records_read: int = 0
    duplicates: int = 0
    rejected: int = 0
    invalid: list[str] = field(default_factory=list)
    validated: int = 0


class PlanRun:
    """Validates and buffers plan items per sink; imports a sink's items on drain."""

    def __init__(
        self,
        *,
        importer: Importer | None,
        reject_path: Path | None,
        emit_state: Callable[[dict[str, t.Any]], None],
        logger: logging.Logger | None = None,
    ) -> None:
        """``importer`` is ``None`` in a dry run; ``reject_path`` is ``None`` to fail on invalid records."""
        self.importer = importer
        self.reject_path = reject_path
        self.emit_state = emit_state
        self.logger = logger or logging.getLogger(__name__)
        self.stats = RunStats()
        self._positions: dict[str, int] = {}
        self._seq = 0
        self._pending: dict[str, dict[PlanKey, tuple[int, RecordRef, dict[str, t.Any]]]] = {}
        self._seen: dict[PlanKey, _Seen] = {}
        self._checkpoints: list[tuple[int, dict[str, t.Any]]] = []
        self._in_flight: set[int] = set()

    # Input

    def accept(self, sink: str, stream: str, record: dict[str, t.Any]) -> None:
        """Validate one record and buffer its item for ``sink``'s next drain."""
        self._seq += 1
        self.stats.records_read += 1
        position = self._positions[stream] = self._positions.get(stream, 0) + 1
        ref = RecordRef(stream, position, self._seq)
        try:
            item = to_plan_item(record, str(ref))
        except InvalidPlanError as error:
            self._invalid(ref, record, error)
            return
        self.stats.validated += 1
        key = plan_key(item)
        earlier = self._seen.get(key)
        if earlier is not None:
            self.stats.duplicates += 1
            if earlier.sent:
                outcome = "was already imported; this one is imported after it and replaces its value"
            else:
                outcome = "was not sent yet and is dropped"
                self._pending.get(earlier.sink, {}).pop(key, None)
            self.logger.warning(
                "Duplicate plan (same dates, dimensions and metric): %s replaces %s, which %s",
                ref,
                earlier.ref,
                outcome,
            )
        self._pending.setdefault(sink, {})[key] = (self._seq, ref, item)
        self._seen[key] = _Seen(ref, sink)

    def _invalid(self, ref: RecordRef, record: dict[str, t.Any], error: InvalidPlanError) -> None:
        if self.reject_path is None:
            self.stats.invalid.append(str(error))
            self.logger.error("Invalid plan: %s", error)
            return
        self.write_reject(ref, record, [str(p) for p in error.problems])

    def write_reject(self, ref: RecordRef, record: dict[str, t.Any], reasons: list[str]) -> None:
        """Append one rejected record to the reject file."""
        if self.reject_path is None:
            msg = "a record was rejected, but the run has no reject file (on_invalid_record is not 'reject')"
            raise RuntimeError(msg)
        self.stats.rejected += 1
        line = {"stream": ref.stream, "position": ref.position, "errors": reasons, "record": record}
        self.reject_path.parent.mkdir(parents=True, exist_ok=True)
        # A refused lone surrogate (text that is not UTF-8) is written as its JSON escape.
        with self.reject_path.open("a", encoding="utf-8", errors="backslashreplace") as file:
            file.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        self.logger.warning("Rejected %s: %s", ref, "; ".join(reasons))

    def note_state(self, state: dict[str, t.Any]) -> None:
        """A STATE message arrived after every record read so far."""
        self._checkpoints.append((self._seq, state))

    # Output

    def drain(self, sink: str) -> None:
        """Import ``sink``'s buffered items (all must reach success), then release safe states."""
        if self.stats.invalid:
            count = len(self.stats.invalid)
            listed = self.stats.invalid[:MAX_LISTED_ERRORS]
            more = f" (and {count - len(listed)} more)" if count > len(listed) else ""
            msg = (
                f"{count} record(s) are not valid Calltouch plans; nothing more is imported. "
                "Fix them, or set on_invalid_record=reject to import the valid ones and write the "
                "others to the reject file: " + "; ".join(listed) + more
            )
            raise InvalidPlansError(msg)
        pending = self._pending.pop(sink, {})
        entries = [(ref, item) for _, ref, item in sorted(pending.values(), key=lambda entry: entry[0])]
        self._in_flight.update(ref.seq for ref, _ in entries)
        if entries and self.importer is None:
            streams = ", ".join(sorted({ref.stream for ref, _ in entries}))
            self.logger.info("Dry run: %d valid plan item(s) from stream %s, nothing sent", len(entries), streams)
        elif entries and self.importer is not None:
            self.importer.run(entries)
        self._in_flight.difference_update(ref.seq for ref, _ in entries)
        for key in pending:
            seen = self._seen.get(key)
            if seen is not None and seen.sink == sink:
                seen.sent = True
        self.release_states()

    def settled(self, refs: list[RecordRef]) -> None:
        """Records whose plans reached success (or were rejected): states before them may go."""
        self._in_flight.difference_update(ref.seq for ref in refs)
        self.release_states()

    def release_states(self) -> None:
        """Emit the newest STATE whose preceding records are all imported (or rejected)."""
        waiting = [seq for items in self._pending.values() for seq, _, _ in items.values()]
        oldest_pending = min([*waiting, *self._in_flight], default=math.inf)
        safe = [cp for cp in self._checkpoints if cp[0] < oldest_pending]
        if safe:
            self._checkpoints = self._checkpoints[len(safe) :]
            self.emit_state(safe[-1][1])
