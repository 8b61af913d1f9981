"""The Singer reference checker, ``singer-check-tap`` (``singer-tools`` on PyPI), for the taps' tests.

singer-tools 0.4.1 pins libraries of 2017 (jsonschema 2.6, singer-python) that cannot share
an environment with singer-sdk, so it gets a virtual environment of its own, made with
Python 3.11 on first use under the repository's ``.venv-singer-tools/`` (git-ignored, like
every ``.venv-*/``) and reused afterwards. A lock file keeps parallel test workers from
building it twice.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SINGER_TOOLS = "singer-tools==0.4.1"
VENV_NAME = ".venv-singer-tools"


def singer_check_tap(root: Path) -> Path:
    """The ``singer-check-tap`` executable, installing it under ``root`` first if needed."""
    venv = root / VENV_NAME
    executable = venv / "bin" / "singer-check-tap"
    ready = venv / ".installed"
    with (root / f"{VENV_NAME}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            python = shutil.which("python3.11") or sys.executable
            shutil.rmtree(venv, ignore_errors=True)
            _run([python, "-m", "venv", str(venv)])
            _run(
                [
                    str(venv / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    SINGER_TOOLS,
                ]
            )
            ready.write_text(SINGER_TOOLS + "\n")
    return executable


def check_tap_output(root: Path, output: str) -> subprocess.CompletedProcess[str]:
    """``singer-check-tap`` on a tap's stdout: exit code 0 and a summary when it conforms.

    Run in a temporary folder: the checker leaves a ``singer-check-tap-data`` folder behind.
    """
    executable = singer_check_tap(root)
    with tempfile.TemporaryDirectory(prefix="singer-check-tap-") as folder:
        return subprocess.run(
            [str(executable)],
            input=output,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode:
        msg = f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        raise RuntimeError(msg)
