"""Start the vendor sandbox as a child process and stop it again, leaving nothing behind."""

from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import IO

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
STOP_TIMEOUT_SECONDS = 10.0


@contextlib.contextmanager
def running_sandbox(*args: str, timeout: float = 60.0) -> Iterator[str]:
    """Run ``python -m vendor_sandbox --port 0 ARGS`` and yield its base URL.

    The sandbox is stopped (SIGTERM, then SIGKILL) when the block exits, however
    it exits, and its output is drained meanwhile so it never blocks on a pipe.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "vendor_sandbox", "--port", "0", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    pump = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
    pump.start()
    try:
        yield _wait_for_url(process, lines, timeout)
    finally:
        _stop(process)
        pump.join(timeout=STOP_TIMEOUT_SECONDS)
        process.stdout.close()


def _wait_for_url(process: subprocess.Popen[str], lines: queue.Queue[str | None], timeout: float) -> str:
    """The URL the sandbox prints once it listens (its output keeps being drained)."""
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            msg = f"the sandbox did not report its URL within {timeout:g} s"
            raise RuntimeError(msg) from None
        if line is None:
            msg = f"the sandbox exited before listening (exit code {process.wait()})"
            raise RuntimeError(msg)
        if match := LISTENING.search(line):
            return match.group(1)


def _pump(stdout: IO[str], lines: queue.Queue[str | None]) -> None:
    """Forward every output line to ``lines``; ``None`` marks the end of the output."""
    for line in stdout:
        lines.put(line)
    lines.put(None)


def _stop(process: subprocess.Popen[str]) -> None:
    """Terminate the sandbox and reap it; kill it if it does not stop in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
