"""What the plugins' tests share for running a tap as a process and reading its output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
import typing as t
from pathlib import Path

if t.TYPE_CHECKING:
    from collections.abc import Sequence


def parse_messages(stdout: str) -> list[dict[str, t.Any]]:
    """Singer messages of a (possibly cut-off) stdout; a torn last line is dropped."""
    messages = []
    for line in stdout.splitlines():
        try:
            messages.append(json.loads(line))
        except ValueError:
            continue
    return messages


def write_json(data: dict[str, t.Any], directory: Path, name: str) -> Path:
    """``data`` as ``directory/name``; returns the path."""
    path = directory / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def run_until_killed(
    command: Sequence[str],
    config: dict[str, t.Any],
    records_before_kill: int,
    *,
    timeout: float = 60.0,
) -> list[dict[str, t.Any]]:
    """Run ``COMMAND --config FILE``, SIGKILL it once it has written that many RECORD
    lines, and return the messages it wrote until then."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        config_path = write_json(config, Path(tmp), "config.json")
        with out.open("wb") as sink:
            process = subprocess.Popen([*command, "--config", str(config_path)], stdout=sink, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and process.poll() is None:
                if out.read_bytes().count(b'"type":"RECORD"') >= records_before_kill:
                    break
                time.sleep(0.005)
            assert process.poll() is None, "the tap finished before it could be killed"
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        return parse_messages(out.read_text(encoding="utf-8"))
