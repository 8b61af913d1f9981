"""Start the vendor sandbox as a child process and stop it again, leaving nothing behind."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@contextlib.contextmanager
def running_sandbox(*args: str, timeout: float = 60.0) -> Iterator[str]:
    """Run ``vendor-sandbox --port 0 ARGS`` and yield its base URL."""
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "vendor_sandbox", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + timeout
        url = None
        assert process.stdout is not None
        while url is None:
            line = process.stdout.readline()
            if not line:
                if process.poll() is not None or time.monotonic() > deadline:
                    msg = f"the sandbox did not start (exit code {process.poll()})"
                    raise RuntimeError(msg)
                continue
            if match := LISTENING.search(line):
                url = match.group(1)
        # Keep reading its output so a chatty sandbox never blocks on a full pipe.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
