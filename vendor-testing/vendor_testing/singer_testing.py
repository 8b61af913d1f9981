"""What the plugins' tests share for running a tap or target and reading its output."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import typing as t
from dataclasses import dataclass
from pathlib import Path

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Sequence


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
    streams: str = "",
    timeout: float = 60.0,
) -> list[dict[str, t.Any]]:
    """Run ``COMMAND --config FILE``, SIGKILL it once it has written that many RECORD
    lines (of the streams whose name starts with ``streams``; default: any), and return
    the messages it wrote until then."""
    # The SDK writes a RECORD's "type" first, then its "stream".
    counted = b'"type":"RECORD","stream":"' + streams.encode()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        config_path = write_json(config, Path(tmp), "config.json")
        with out.open("wb") as sink:
            process = subprocess.Popen([*command, "--config", str(config_path)], stdout=sink, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and process.poll() is None:
                if out.read_bytes().count(counted) >= records_before_kill:
                    break
                time.sleep(0.005)
            assert process.poll() is None, "the tap finished before it could be killed"
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        return parse_messages(out.read_text(encoding="utf-8"))


@dataclass
class PluginRun:
    """How one run of a plugin's command ended and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def run_plugin(
    plugin: t.Any,
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    process: bool = False,
    timeout: float = 120.0,
) -> PluginRun:
    """``PLUGIN ARGS`` (``plugin`` a Singer SDK tap or target class), as its console script.

    By default in this process (:func:`run_in_process`): no interpreter start and no
    import of the SDK per run. With ``process=True`` as ``python -m <plugin's module>``,
    for tests where the process is the point: process-wide state that earlier runs in
    this process would have changed, such as the secrets masked in log records.
    """
    if not process:
        return run_in_process(plugin, args, cwd=cwd)
    result = subprocess.run(
        [sys.executable, "-m", plugin.__module__, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return PluginRun(result.returncode, result.stdout, result.stderr)


def run_in_process(plugin: t.Any, args: Sequence[str], *, cwd: Path | None = None) -> PluginRun:
    """Run ``plugin.cli`` with ``args`` here, as the console script would run it.

    stdin is empty; stdout and stderr are captured apart (click's ``CliRunner``
    isolation). The exit code is the ``SystemExit`` code; an uncaught exception is
    printed with its traceback and gives 1, as the interpreter does. What the run
    changes of the process and a new process would not keep is put back: the root
    logger's handlers and level (``plugin.cli`` adds a handler on the captured stderr),
    the SIGINT and SIGTERM handlers (the SDK installs its own), the working directory.
    Other process-wide state carries over to the next run, as between the SDK's own
    standard tests (e.g. vendor-http's rate budget per plugin and its secret redaction).
    """
    from click.testing import CliRunner  # a dependency of singer-sdk, not of this package

    with CliRunner().isolation() as (stdout, stderr, _), _process_state_restored(cwd):
        try:
            plugin.cli.main(args=list(args), prog_name=plugin.name, standalone_mode=True)
            returncode = 0  # not reached: in standalone mode click always exits
        except SystemExit as stop:
            returncode = _exit_code(stop.code)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            returncode = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        return PluginRun(returncode, stdout.getvalue().decode(), stderr.getvalue().decode())


def _exit_code(code: object) -> int:
    """The exit status of ``SystemExit(code)``; a message is printed, as the interpreter does."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


@contextlib.contextmanager
def _process_state_restored(cwd: Path | None) -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    signals = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    previous_cwd = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        yield
    finally:
        os.chdir(previous_cwd)
        root.handlers[:] = handlers
        root.setLevel(level)
        for number, handler in signals.items():
            signal.signal(number, handler)
