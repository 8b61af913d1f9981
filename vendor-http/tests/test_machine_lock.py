"""One request at a time across processes sharing credentials: a file lock named by a hash."""

from __future__ import annotations

import fcntl
import itertools
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from vendor_http import MachineLock, RateBudget

TOKEN = "secret-token-for-the-lock-123"

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from vendor_http import MachineLock
    lock = MachineLock(Path(sys.argv[1]), min_interval=float(sys.argv[2]))
    lock.acquire()
    print(f"in {time.time():.6f}", flush=True)
    time.sleep(float(sys.argv[3]))
    answered = time.time()
    print(f"out {answered:.6f}", flush=True)
    lock.release(answered_at=answered)
    """
)


def test_the_file_is_named_by_a_hash_and_holds_no_secret(tmp_path: Path) -> None:
    lock = MachineLock.for_credentials("acme", "https://api.acme.test", TOKEN, directory=tmp_path)
    assert lock is not None
    assert TOKEN not in str(lock.path) and lock.path.parent == tmp_path and lock.path.name.startswith("acme-")
    same = MachineLock.for_credentials("acme", "https://api.acme.test", TOKEN, directory=tmp_path)
    other = MachineLock.for_credentials("acme", "https://api.acme.test", "another-token", directory=tmp_path)
    assert same is not None and other is not None
    assert same.path == lock.path and other.path != lock.path
    lock.acquire()
    lock.release(answered_at=time.time())
    assert TOKEN not in lock.path.read_text()
    assert (lock.path.stat().st_mode & 0o777) == 0o600


def test_processes_sharing_a_lock_take_turns_and_keep_the_interval(tmp_path: Path) -> None:
    path = tmp_path / "acme-x.lock"
    holders = [
        subprocess.Popen([sys.executable, "-c", HOLDER, str(path), "0.5", "0.4"], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    spans = []
    for holder in holders:
        out, _ = holder.communicate(timeout=60)
        lines = dict(line.split() for line in out.splitlines())
        spans.append((float(lines["in"]), float(lines["out"])))

    spans.sort()
    for (_, previous_out), (next_in, _) in itertools.pairwise(spans):
        assert next_in >= previous_out + 0.5 - 0.01  # one at a time, the interval after each answer


def test_a_budget_with_a_machine_lock_holds_it_from_admission_to_release(tmp_path: Path) -> None:
    lock = MachineLock(tmp_path / "acme-y.lock")
    budget = RateBudget(max_in_flight=1, machine_lock=lock)
    slot = budget.acquire()
    fd = os.open(tmp_path / "acme-y.lock", os.O_RDWR)  # another process's view (another open file)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = False
        except BlockingIOError:
            held = True
        assert held
        slot.answered()
        slot.release()
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free now
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
