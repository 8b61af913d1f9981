"""One request at a time across the processes of one machine that share credentials.

A vendor that runs one request at a time per token (Rick.ai) answers 429 to a second
process using the same token while the first one's request runs. The :class:`RateBudget`
coordinates the threads of one process; a :class:`MachineLock` coordinates the processes
of one machine (one user): an exclusive file lock (``fcntl.flock``), held from the moment a
request is admitted until its answer has been read, on a file named by a hash of the
vendor, the API's origin and the token (never the token itself). The file also holds the
wall-clock time of the last answer, so the vendor's minimum interval between requests
holds across processes too.

What it cannot do: coordinate processes on other machines, or of another user (another
lock directory), sharing the token. Those still collide; the retry engine then waits for
the running request (:class:`~vendor_http.retry.StillRunning`), within a bounded patience.
On a system without ``fcntl`` (Windows) there is no lock either.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
import threading
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

#: Overrides where the lock files live (default: the user's cache directory).
LOCK_DIR_VARIABLE = "VENDOR_HTTP_LOCK_DIR"


def lock_directories() -> list[Path]:
    """``$VENDOR_HTTP_LOCK_DIR``; else ``$XDG_CACHE_HOME/vendor-http/locks`` (``~/.cache/…``), then a
    per-user directory in the temporary directory, for when the cache is not writable."""
    chosen = os.environ.get(LOCK_DIR_VARIABLE)
    if chosen:
        return [Path(chosen)]
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    user = getattr(os, "getuid", lambda: "user")()
    return [Path(cache) / "vendor-http" / "locks", Path(tempfile.gettempdir()) / f"vendor-http-locks-{user}"]


class MachineLock:
    """An exclusive lock shared by the processes of this machine that use the same key."""

    def __init__(self, path: Path, *, min_interval: float = 0.0) -> None:
        """Lock ``path``; ``min_interval``: seconds between one holder's answer and the next request."""
        self.path = path
        self.min_interval = min_interval
        self._fd: int | None = None
        self._mutex = threading.Lock()

    @classmethod
    def for_credentials(
        cls, vendor: str, *parts: str, min_interval: float = 0.0, directory: Path | None = None
    ) -> MachineLock | None:
        """The lock of ``vendor`` and these credentials (hashed), or ``None`` where none can be had."""
        if fcntl is None:
            return None
        digest = hashlib.sha256("\0".join((vendor, *parts)).encode()).hexdigest()[:32]
        problems = []
        for folder in [directory] if directory else lock_directories():
            path = folder / f"{vendor}-{digest}.lock"
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            except OSError as error:
                problems.append(f"{folder}: {error.strerror}")
                continue
            return cls(path, min_interval=min_interval)
        logger.warning(
            "No lock shared with the other processes of this machine (%s); their requests with the same "
            "credentials are not coordinated",
            "; ".join(problems),
        )
        return None

    def acquire(self) -> None:
        """Block until no other process holds the lock, then keep the minimum interval."""
        self._mutex.acquire()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._mutex.release()
            raise
        self._fd = fd
        last = self._last_answer(fd)
        if last is not None:
            wait = last + self.min_interval - time.time()
            if wait > 0:
                time.sleep(min(wait, self.min_interval))

    def release(self, *, answered_at: float | None = None) -> None:
        """Note when the answer came (``None``: not sent, nothing to note), then let the next holder go."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if answered_at is not None:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{answered_at:.6f}".encode(), 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
            self._mutex.release()

    @staticmethod
    def _last_answer(fd: int) -> float | None:
        try:
            value = float(os.pread(fd, 64, 0).decode())
        except (ValueError, UnicodeDecodeError):
            return None  # empty (never used) or not ours
        return value if math.isfinite(value) else None

    def __repr__(self) -> str:
        return f"MachineLock({str(self.path)!r})"
