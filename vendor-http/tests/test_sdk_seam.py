"""Canary: the singer-sdk internals vendor_http.sdk_seam relies on, pinned in one place.

When a singer-sdk upgrade renames, re-shapes or stops calling one of them, or marks
a method we override ``@final``, this module fails and names it; then read
``vendor_http/sdk_seam.py`` again (every use says why it is there) before anything
else. The behaviour behind each use is tested in test_sdk_stream.py and test_plugin.py.
"""

from __future__ import annotations

import inspect
import re
import typing as t
from pathlib import Path

import pytest
from singer_sdk import Stream, Tap, Target, metrics
from singer_sdk.authenticators import OAuthAuthenticator
from singer_sdk.helpers._state import StateWriter
from singer_sdk.pagination import BaseAPIPaginator
from singer_sdk.plugin_base import BaseSingerReader, PluginBase
from singer_sdk.streams import RESTStream
from singer_sdk.streams._state import StreamStateManager

from vendor_http import VendorPlugin, VendorRESTStream, VendorTap, VendorTarget
from vendor_http.sdk_seam import (
    PRIVATE_COUNTER_MEMBERS,
    PRIVATE_PLUGIN_MEMBERS,
    PRIVATE_STREAM_MEMBERS,
    PRIVATE_TARGET_MEMBERS,
    PluginSeam,
    StreamSeam,
    TargetSeam,
)

P = inspect.Parameter
SELF = ("self", P.POSITIONAL_OR_KEYWORD, P.empty)


def shape(function: t.Callable[..., t.Any]) -> list[tuple[str, t.Any, t.Any]]:
    """Names, kinds and defaults of the parameters (annotations left out: they are strings)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


# The private members the seam uses, with the shape it calls or overrides them with.
PRIVATE: list[tuple[type, str, list[tuple[str, t.Any, t.Any]]]] = [
    (
        Stream,
        "_increment_stream_state",
        [SELF, ("latest_record", P.POSITIONAL_OR_KEYWORD, P.empty), ("context", P.KEYWORD_ONLY, None)],
    ),
    (Stream, "_generate_record_messages", [SELF, ("record", P.POSITIONAL_OR_KEYWORD, P.empty)]),
    (Target, "_process_state_message", [SELF, ("message_dict", P.POSITIONAL_OR_KEYWORD, P.empty)]),
    (Target, "_write_state_message", [SELF, ("state", P.POSITIONAL_OR_KEYWORD, P.empty)]),
    (StateWriter, "write_state", [SELF, ("state", P.POSITIONAL_OR_KEYWORD, P.empty)]),
    (PluginBase, "_validate_config", [SELF, ("raise_errors", P.KEYWORD_ONLY, True)]),
    (metrics.Counter, "_pop", [SELF]),
]

# Public hooks we override or call, and that must stay overridable.
PUBLIC: list[tuple[type, str, list[tuple[str, t.Any, t.Any]]]] = [
    (RESTStream, "request_decorator", [SELF, ("func", P.POSITIONAL_OR_KEYWORD, P.empty)]),
    (RESTStream, "validate_response", [SELF, ("response", P.POSITIONAL_OR_KEYWORD, P.empty)]),
    (RESTStream, "get_http_request", [SELF, ("page", P.KEYWORD_ONLY, P.empty)]),
    (BaseAPIPaginator, "has_more", [SELF, ("response", P.POSITIONAL_OR_KEYWORD, P.empty)]),
    (BaseAPIPaginator, "get_next", [SELF, ("response", P.POSITIONAL_OR_KEYWORD, P.empty)]),
    (BaseAPIPaginator, "continue_if_empty", [SELF, ("response", P.POSITIONAL_OR_KEYWORD, P.empty)]),
    (OAuthAuthenticator, "update_access_token", [SELF]),
    (OAuthAuthenticator, "is_token_valid", [SELF]),
    (
        Stream,
        "get_record_counter",
        [SELF, ("endpoint", P.KEYWORD_ONLY, None), ("log_interval", P.KEYWORD_ONLY, metrics.DEFAULT_LOG_INTERVAL)],
    ),
    (
        RESTStream,
        "update_sync_costs",
        [SELF, *[(name, P.POSITIONAL_OR_KEYWORD, P.empty) for name in ("request", "response", "context")]],
    ),
]


@pytest.mark.parametrize(("owner", "name", "expected"), PRIVATE, ids=[f"{o.__name__}.{n}" for o, n, _ in PRIVATE])
def test_private_sdk_signatures_are_the_ones_the_seam_uses(owner: type, name: str, expected: list) -> None:
    assert shape(getattr(owner, name)) == expected


@pytest.mark.parametrize(("owner", "name", "expected"), PUBLIC, ids=[f"{o.__name__}.{n}" for o, n, _ in PUBLIC])
def test_public_hooks_we_override_keep_their_shape_and_are_not_final(owner: type, name: str, expected: list) -> None:
    assert shape(getattr(owner, name)) == expected
    assert not getattr(getattr(owner, name), "__final__", False)


def test_the_seam_lists_every_private_member_it_uses() -> None:
    source = inspect.getsource(inspect.getmodule(StreamSeam))  # type: ignore[arg-type]
    members = {*PRIVATE_STREAM_MEMBERS, *PRIVATE_TARGET_MEMBERS, *PRIVATE_PLUGIN_MEMBERS, *PRIVATE_COUNTER_MEMBERS}
    for name in members:
        assert name in source
    assert {name for _, name, _ in PRIVATE} >= members - {"_stream_version"}


def test_the_sdk_still_calls_the_private_hooks_the_seam_overrides() -> None:
    # An override that the SDK no longer calls would silently do nothing.
    assert "self._increment_stream_state(record, context=current_context)" in inspect.getsource(Stream._sync_records)
    assert "self._generate_record_messages(record)" in inspect.getsource(Stream._write_record_message)
    assert "self._process_state_message" in inspect.getsource(BaseSingerReader.process_lines)
    assert "self._stream_version" in inspect.getsource(Stream.__init__)
    assert isinstance(inspect.getattr_static(Tap, "state_writer"), property)
    assert "self._validate_config(raise_errors=validate_config)" in inspect.getsource(PluginBase.__init__)
    # The record counter's total (CounterSeam): reset only where it logs, counted from the
    # public hook, advanced and read around the SDK's own requests.
    assert "self._pop()" in inspect.getsource(metrics.Counter.increment)
    assert "self.value = 0" in inspect.getsource(metrics.Counter._pop)
    assert "record_counter = self.get_record_counter()" in inspect.getsource(Stream._sync_records)
    assert "self.update_sync_costs(prepared_request, resp, context)" in inspect.getsource(RESTStream.request_records)


def test_the_sdk_still_files_partitioned_bookmarks_as_progress_markers() -> None:
    # Why StreamSeam.advance_bookmark writes the bookmark itself: the SDK's own update
    # treats a stream with state partitioning keys as unsorted. When this fails, the SDK
    # changed that rule: read advance_bookmark again, it may go back to the SDK's path.
    source = inspect.getsource(StreamStateManager.increment_state)
    assert "treat_as_sorted = self._is_sorted and self.state_partitioning_keys is None" in source


def test_the_sdk_reads_back_the_state_keys_advance_bookmark_writes() -> None:
    # A partition's bookmark is read at its start from exactly these keys.
    source = inspect.getsource(StreamStateManager.write_starting_replication_value)
    assert 'state.get("replication_key_value")' in source
    assert 'replication_key == state.get("replication_key")' in source
    assert "self.state_manager.get_context_state(context)" in inspect.getsource(Stream.get_context_state)


def test_the_methods_the_sdk_marks_final_are_final_and_not_overridden() -> None:
    finals = {
        (owner.__name__, name)
        for owner in (Tap, Target, Stream)
        for name, value in vars(owner).items()
        if getattr(value, "__final__", False)
    }
    # What we rely on not overriding (tap-kameleoon once overrode sync_all).
    assert {("Tap", "sync_all"), ("Stream", "sync"), ("Target", "drain_all"), ("Target", "drain_one")} <= finals
    for ours in (VendorPlugin, VendorTap, VendorTarget, VendorRESTStream, StreamSeam, TargetSeam, PluginSeam):
        for base in (Tap, Target, Stream):
            for name, value in vars(base).items():
                if getattr(value, "__final__", False):
                    assert getattr(ours, name, value) is value, f"{ours.__name__} overrides @final {name}"


def test_no_other_module_of_vendor_http_touches_sdk_internals() -> None:
    package = Path(inspect.getfile(StreamSeam)).parent
    internals = re.compile(
        r"\._(increment_stream_state|write_state_message|generate_record_messages|stream_version|process_state_message"
        r"|validate_config|request|session|tap|value|finished)\b|\bis_flushed\b|singer_sdk\.helpers\._"
    )
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(package.glob("*.py"))
        if path.name != "sdk_seam.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if internals.search(line)
    ]
    assert offenders == []
