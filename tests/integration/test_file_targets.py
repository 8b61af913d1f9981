"""Every tap through ``meltano run TAP target-csv`` and ``meltano run TAP target-jsonl``.

MeltanoLabs' target-csv (singer-sdk, like ours) and the classic target-jsonl (singer-python
5.8 with jsonschema 2.6: it cannot share an environment with singer-sdk 0.54; Meltano gives it
its own). A file per stream; every row and key against the sandbox's truth.
"""

from __future__ import annotations

import csv
import json
import typing as t

import pytest
from matrix_project import Stream, assert_rows_and_keys, by_tap, column_of, project, run, selected_streams
from matrix_taps import TAPS

if t.TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from vendor_sandbox import SandboxServer


#: A catalog dump and one or two `meltano run`s, each allowed 300 s (IsolatedMeltano): more than pytest's 300 s.
pytestmark = pytest.mark.timeout(900)


def csv_keys(folder: Path, streams: list[Stream]) -> dict[str, list[tuple[str, ...]]]:
    """Stream → every row's key, from ``<stream>.csv`` (meltano.yml's file_naming_scheme)."""
    result = {}
    for stream in streams:
        with (folder / f"{stream.name}.csv").open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            assert reader.fieldnames
            names = [column_of(reader.fieldnames, key) for key in stream.keys]
            result[stream.name] = [tuple(row[name] for name in names) for row in reader]
    return result


def jsonl_keys(folder: Path, streams: list[Stream]) -> dict[str, list[tuple[str, ...]]]:
    """Stream → every row's key, from ``<stream>.jsonl`` (meltano.yml: no timestamp in the name)."""
    result = {}
    for stream in streams:
        lines = (folder / f"{stream.name}.jsonl").read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines]
        result[stream.name] = [tuple(str(record[key]) for key in stream.keys) for record in records]
    return result


LOADERS: dict[str, tuple[str, Callable[[Path, list[Stream]], dict[str, list[tuple[str, ...]]]]]] = {
    "target-csv": ("TARGET_CSV_OUTPUT_PATH", csv_keys),
    "target-jsonl": ("TARGET_JSONL_DESTINATION_PATH", jsonl_keys),
}


@pytest.mark.parametrize("loader", list(LOADERS))
@pytest.mark.parametrize("tap", by_tap())
def test_every_tap_writes_every_row_once(
    tap: str, loader: str, meltano: Path, sandbox_factory: Callable[..., SandboxServer], tmp_path: Path
) -> None:
    pipeline = TAPS[tap](sandbox_factory)
    setting, read = LOADERS[loader]
    folder = tmp_path / "output"
    melt = project(meltano, tmp_path, pipeline, **{setting: str(folder)})
    streams = selected_streams(melt, pipeline)

    run(melt, pipeline, loader)

    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{s.name}.{loader.removeprefix('target-')}" for s in streams
    )
    assert_rows_and_keys(pipeline, streams, read(folder, streams), pipeline.expected())
