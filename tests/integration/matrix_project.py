"""The repository's Meltano project, isolated, running one tap into one of the other loaders,
and the tap's streams as Meltano selects them (names, keys, JSON schemas)."""

from __future__ import annotations

import json
import re
import subprocess
import typing as t
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from matrix_taps import TAPS, Pipeline

from vendor_testing.meltano_testing import IsolatedMeltano

ROOT = Path(__file__).resolve().parents[2]
#: Every plugin's environment variables are the test's own (a developer's .env never leaks in).
ISOLATED_PREFIXES = ("TAP_", "TARGET_")


@dataclass(frozen=True)
class Stream:
    name: str
    keys: tuple[str, ...]
    properties: dict[str, t.Any]


def project(executable: Path, tmp: Path, pipeline: Pipeline, **loader_env: str) -> IsolatedMeltano:
    """The project with its system dir and database in ``tmp``, pointed at the pipeline's sandbox."""
    return IsolatedMeltano.create(executable, ROOT, tmp, isolate=ISOLATED_PREFIXES, **pipeline.env, **loader_env)


def run(project: IsolatedMeltano, pipeline: Pipeline, loader: str) -> subprocess.CompletedProcess[str]:
    """``meltano run TAP LOADER`` with the installed plugins; fails the test with Meltano's log tail."""
    result = project.run("run", "--no-install", pipeline.tap, loader)
    assert result.returncode == 0, f"meltano run {pipeline.tap} {loader} failed:\n{result.stderr[-8000:]}"
    assert pipeline.secret not in result.stdout + result.stderr
    return result


_CATALOGS: dict[str, list[Stream]] = {}


def selected_streams(project: IsolatedMeltano, pipeline: Pipeline) -> list[Stream]:
    """The streams ``meltano run`` extracts: the catalog Meltano gives the tap, selection applied
    (asked once per tap and test process: discovery asks the vendor nothing)."""
    if pipeline.tap not in _CATALOGS:
        _CATALOGS[pipeline.tap] = _dump_catalog(project, pipeline)
    return _CATALOGS[pipeline.tap]


def _dump_catalog(project: IsolatedMeltano, pipeline: Pipeline) -> list[Stream]:
    result = project.run("invoke", "--dump=catalog", pipeline.tap)
    assert result.returncode == 0, result.stderr[-4000:]
    streams = []
    for entry in json.loads(result.stdout)["streams"]:
        (top,) = (m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
        if top.get("selected"):
            keys = tuple(top.get("table-key-properties") or entry.get("key_properties") or ())
            streams.append(Stream(entry["tap_stream_id"], keys, entry["schema"]["properties"]))
    assert streams
    return streams


def by_tap() -> list[t.Any]:
    """The taps as test parameters, each in an xdist group: the tests of one tap run in one
    process (``--dist loadgroup``), which asks for its catalog once."""
    return [pytest.param(tap, marks=pytest.mark.xdist_group(tap)) for tap in TAPS]


def folded(name: str) -> str:
    """A column name as loaders may rewrite it (lower case, ``_`` between words or not)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def column_of(columns: t.Iterable[str], prop: str) -> str:
    """The destination's column for the property ``prop`` (exactly one)."""
    (column,) = [c for c in columns if folded(c) == folded(prop)]
    return column


def assert_rows_and_keys(
    pipeline: Pipeline,
    streams: list[Stream],
    rows: dict[str, list[tuple[str, ...]]],
    expected: dict[str, int],
) -> None:
    """Every selected stream holds exactly the expected rows, each key once (and, where the
    sandbox knows them, exactly the sandbox's keys); ``rows`` holds each row's key as text."""
    assert {s.name for s in streams} == set(expected), "the selected streams are the ones the case counts"
    assert {name: len(keys) for name, keys in rows.items()} == expected
    for stream in streams:
        keys = rows[stream.name]
        assert len(set(keys)) == len(keys), f"{stream.name}: a key ({', '.join(stream.keys)}) is there twice"
    for name, truth in pipeline.expected_keys().items():
        assert {tuple(map(instant, key)) for key in rows[name]} == {tuple(map(instant, key)) for key in truth}, name


def instant(value: str) -> str:
    """A key's text, with a date-time as its instant in UTC, however the destination wrote it
    (``2026-11-22T00:00:00Z``, ``…+00:00``; PostgreSQL's ``2026-11-22 00:00:00`` without a zone
    is the instant in the session's time zone: UTC on the test server, as README advises)."""
    if len(value) < 16 or value[10] not in "T ":
        return value  # not a date-time (a date stays as it is)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
