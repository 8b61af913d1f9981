"""Small words a data engineer reads every day: "1 day" (not "1 days"), and a dry run naming
the stream it read (not a Python object id)."""

from __future__ import annotations

import re
import typing as t
from datetime import UTC, datetime, timedelta

from voice_cases import run_alone, sandbox_config

if t.TYPE_CHECKING:
    from pathlib import Path


def test_one_day_is_one_day(sandbox_factory, tmp_path: Path) -> None:
    sandbox = sandbox_factory(rate_limit=False, rickai_sessions_per_day=5)
    day = str(datetime.now(UTC).date() - timedelta(days=2))
    config = {**sandbox_config("tap-rickai", sandbox), "start_date": day, "end_date": day}
    run = run_alone("tap-rickai", config, tmp_path)

    assert run.returncode == 0, run.stderr
    assert f"sessions: 1 day to do ({day})" in run.stderr  # the progress start line
    assert not re.search(r"\(1 [a-z]+s\)", run.stderr)


def test_a_dry_run_names_the_stream_it_read(sandbox_factory, tmp_path: Path) -> None:
    sandbox = sandbox_factory(rate_limit=False)
    config = {**sandbox_config("target-calltouch-plans", sandbox), "dry_run": True}
    run = run_alone("target-calltouch-plans", config, tmp_path)  # the sample plans, stream "plans"

    assert run.returncode == 0, run.stderr
    assert re.search(r"Dry run: \d+ valid plan item\(s\) from stream plans, nothing sent", run.stderr), run.stderr
    assert not re.search(r"from \d{6,}", run.stderr)
