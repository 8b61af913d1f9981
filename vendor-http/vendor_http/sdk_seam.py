"""The only module that touches singer-sdk internals.

Everything else in the collection uses the SDK's public extension points. What is
here has no public equivalent in singer-sdk 0.54; each use says why, and
``tests/test_sdk_seam.py`` pins the signatures (and the ``@final`` markers of the
methods we must not override), so an SDK upgrade that changes them fails there, in
one place, instead of somewhere in a plugin's run.

- :class:`StreamSeam`: window-wise bookmarks (resumable in partitioned streams too)
  and record messages without a second pruning pass, for
  :class:`~vendor_http.VendorRESTStream`.
- :class:`TargetSeam`: the STATE messages a target receives and emits, for
  :class:`~vendor_http.VendorTarget`.
- :class:`PluginSeam`: the settings check of taps and targets, whose messages must not
  quote a secret, for :class:`~vendor_http.VendorPlugin`.
- :class:`CounterSeam`: the record counter's running total, for the run summary and
  the progress lines (:mod:`vendor_http.summary`).
"""

from __future__ import annotations

import typing as t
from datetime import UTC, datetime

from singer_sdk import Target, metrics
from singer_sdk import singerlib as singer
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.streams import RESTStream

if t.TYPE_CHECKING:
    from collections.abc import Generator

    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

_T = t.TypeVar("_T")

#: The private SDK members used below (checked by the canary test).
PRIVATE_STREAM_MEMBERS = ("_increment_stream_state", "_generate_record_messages", "_stream_version")
PRIVATE_TARGET_MEMBERS = ("_process_state_message", "_write_state_message")
PRIVATE_PLUGIN_MEMBERS = ("_validate_config",)
PRIVATE_COUNTER_MEMBERS = ("_pop",)


class CounterSeam(metrics.Counter):
    """The private hook of the SDK's metric counter where it logs and starts again from 0."""

    #: What the counter counted before its last reset (each time it logged its metric).
    logged: int = 0

    def _pop(self) -> None:
        """Keep what is logged before the SDK resets ``value``.

        Why private: the SDK's record counter logs its ``record_count`` metric every minute
        and then starts again from 0; its public ``value`` is the count since the last
        log, and no public member keeps the total. Overriding ``increment`` instead
        would add a call per record to the hot path; ``_pop`` runs once a minute.
        """
        self.logged += self.value
        super()._pop()


class PluginSeam:
    """The private hook of the SDK's plugins (taps and targets) that checks the settings."""

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        """The SDK's settings check, its messages passed through :meth:`masked_config_errors`.

        Why private: the SDK checks the settings inside its ``__init__``, right after
        loading them, and its messages quote the offending value
        (``98765432101234 is not of type 'string' in config['api_token']``): a secret
        given with the wrong type would be printed. There is no public hook between
        loading the settings and checking them.
        """
        try:
            errors: list[str] = super()._validate_config(raise_errors=raise_errors)  # type: ignore[misc]
        except ConfigValidationError as error:
            masked = self.masked_config_errors(list(error.errors))
            raise ConfigValidationError(str(error), errors=masked, schema=error.schema) from None
        return self.masked_config_errors(errors)

    def masked_config_errors(self, errors: list[str]) -> list[str]:
        """The settings errors as they may be shown (override to mask secrets)."""
        return errors


class StreamSeam(RESTStream[_T]):
    """The private hooks of the SDK's ``Stream`` that vendor streams need."""

    #: Advance the bookmark only through :meth:`advance_bookmark`, never per record.
    bookmark_by_window: bool = False

    def _increment_stream_state(
        self,
        latest_record: dict[str, t.Any],
        *,
        context: Context | None = None,
    ) -> None:
        """Per-record bookmark updates, unless the stream bookmarks by window.

        Why private: the SDK moves the bookmark to every record's replication key
        value inside its sync loop and offers no public switch. A stream that reads
        a day (or a window) in pages must only move it once the whole window is
        out, or a run killed mid-window would skip the window's remaining records.
        """
        if not self.bookmark_by_window:
            super()._increment_stream_state(latest_record, context=context)

    def advance_bookmark(self, value: t.Any, *, context: Context | None = None) -> None:
        """Make ``value`` (a replication key value) the resumable bookmark of ``context``.

        Written straight into the context's state (the SDK's public
        ``get_context_state``, with the keys of the SDK's documented state layout,
        ``replication_key`` and ``replication_key_value``) rather than through the
        SDK's own update, ``_increment_stream_state``. Why: singer-sdk 0.54 treats
        every stream with ``state_partitioning_keys`` as unsorted
        (``StreamStateManager.increment_state``), so its update files the value under
        ``progress_markers``, "not resumable if interrupted", which the next run
        discards: a run stopped inside a partition then starts that partition over.
        The caller vouches for the value instead: every record up to it has been
        emitted (see ``VendorRESTStream.complete_window``), which is exactly what a
        resumable bookmark means. No progress markers are created, so the SDK's
        finalization leaves the bookmark as it is.
        """
        if not self.replication_key:
            msg = f"stream '{self.name}' has no replication key to bookmark"
            raise TypeError(msg)
        state = self.get_context_state(context)
        state["replication_key"] = self.replication_key
        state["replication_key_value"] = value

    def _generate_record_messages(
        self,
        record: dict[str, t.Any],
    ) -> Generator[singer.RecordMessage, None, None]:
        """Emit a record already pruned and validated by the stream's ``validate_record``.

        Why private: the SDK's version first walks every record to drop deselected
        properties (about half of the per-record cost of a big stream) and offers no
        hook to skip that; ``validate_record`` has already pruned the record.
        ``_stream_version`` (set by the SDK's ``sync`` for full-table streams) is
        the only source of the message's version. Stream maps and the message are as
        in the SDK.
        """
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=datetime.now(UTC),
                )


def write_stream_state(tap: Tap, stream: RESTStream[t.Any]) -> None:
    """Write the tap's STATE now (e.g. a job id to resume), not only after records.

    Why here: ``Tap.state_writer`` is public, but its class lives in a private SDK
    module (``helpers._state``); the writer drops a STATE equal to the last one.
    Reading ``stream_state`` first creates the stream's entry, as the SDK does.
    """
    _ = stream.stream_state
    tap.state_writer.write_state(stream.tap_state)


class TargetSeam(Target):
    """The private hooks of the SDK's ``Target`` for STATE messages."""

    def _process_state_message(self, message_dict: dict[str, t.Any]) -> None:
        """Tell :meth:`state_received` about each STATE, besides the SDK's handling.

        Why private: the SDK has no public hook for incoming STATE messages; it keeps
        only the latest one and emits it after a full drain. A target that releases
        a state as soon as every record before it is delivered must see each one
        where it arrives between the records.
        """
        super()._process_state_message(message_dict)
        self.state_received(message_dict["value"])

    def state_received(self, state: dict[str, t.Any]) -> None:
        """A STATE message arrived after every record read so far (override to use it)."""

    def write_state(self, state: dict[str, t.Any]) -> None:
        """Emit a STATE message the SDK's way.

        Why private: the SDK's target writes STATE only through
        ``_write_state_message``; there is no public writer.
        """
        self._write_state_message(state)
