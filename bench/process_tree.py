"""Run a command and watch its whole process tree: wall time, and per process CPU and peak RSS.

``meltano run tap target`` is three processes at least (Meltano, the tap, the target, each
maybe with helpers). Their memory is what the machine must hold at once, so the tree's peak
is the peak of the *sum* of the resident sets of every live process of the tree, sampled
from /proc every ``interval`` seconds (a peak shorter than that can be missed; the per
process peaks use the kernel's own high-water mark, VmHWM, and are exact).
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class ProcessSeen:
    """One process of the tree, as last sampled."""

    name: str
    peak_rss_mib: float = 0.0
    cpu_seconds: float = 0.0


@dataclass
class TreeResult:
    """What the tree used."""

    returncode: int
    seconds: float
    peak_rss_mib: float
    processes: dict[int, ProcessSeen] = field(default_factory=dict)
    stderr: str = ""

    def by_name(self) -> dict[str, ProcessSeen]:
        """Processes of the same name added up (CPU) and their largest peak."""
        merged: dict[str, ProcessSeen] = {}
        for seen in self.processes.values():
            total = merged.setdefault(seen.name, ProcessSeen(seen.name))
            total.cpu_seconds += seen.cpu_seconds
            total.peak_rss_mib = max(total.peak_rss_mib, seen.peak_rss_mib)
        return merged


def run_tree(
    command: list[str], *, env: dict[str, str], cwd: Path, stdout: int | None = None, interval: float = 0.05
) -> TreeResult:
    """Run ``command`` to its end, sampling its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE
    )
    seen: dict[int, ProcessSeen] = {}
    peak = 0.0
    stderr: list[bytes] = []
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    while process.poll() is None:
        total = 0.0
        for pid in _tree(process.pid):
            sample = _sample(pid)
            if sample is None:
                continue
            name, rss_mib, hwm_mib, cpu = sample
            record = seen.setdefault(pid, ProcessSeen(name))
            record.name, record.cpu_seconds = name, cpu
            record.peak_rss_mib = max(record.peak_rss_mib, hwm_mib)
            total += rss_mib
        peak = max(peak, total)
        stderr.append(process.stderr.read() or b"")
        time.sleep(interval)
    stderr.append(process.stderr.read() or b"")
    return TreeResult(
        returncode=process.returncode,
        seconds=time.perf_counter() - started,
        peak_rss_mib=peak,
        processes=seen,
        stderr=b"".join(stderr).decode(errors="replace"),
    )


def _tree(root: int) -> list[int]:
    """``root`` and every live descendant."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _sample(pid: int) -> tuple[str, float, float, float] | None:
    """(command name, RSS MiB, peak RSS MiB, CPU seconds) of ``pid``; ``None`` once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
    hwm = int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
    after_name = stat.rsplit(")", 1)[1].split()
    cpu = (int(after_name[11]) + int(after_name[12])) / TICKS
    return _name(cmdline, comm), rss, hwm, cpu


def _name(cmdline: list[bytes], comm: str) -> str:
    """A readable name: the script or module a Python process runs, else the program."""
    parts = [part.decode(errors="replace") for part in cmdline if part]
    if not parts:
        return comm
    program = Path(parts[0]).name
    if program.startswith("python") and len(parts) > 1:
        if parts[1] == "-m" and len(parts) > 2:
            return parts[2]
        return Path(parts[1]).name
    return program
