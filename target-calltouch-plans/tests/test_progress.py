"""Progress lines of the imports and the run summary, in the shape every plugin uses."""

from __future__ import annotations

import re

from calltouch_helpers import run_target, target_config

import vendor_http.progress


def test_imports_log_which_import_of_how_many(sandbox_factory, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(vendor_http.progress, "PROGRESS_INTERVAL_SECONDS", 0.0)  # a line at every import's end
    sandbox = sandbox_factory(calltouch_import_seconds=0.05)
    result = run_target(target_config(sandbox, max_imports_in_flight=1), "multi_batch_250.singer", tmp_path)

    assert result.returncode == 0, result.stderr
    assert "plans: 3 imports to do" in result.stderr
    assert re.search(r"plans: import 2 of 3; 100 records so far; ", result.stderr), result.stderr
    assert re.search(r"plans: import 3 of 3; 200 records so far; ", result.stderr)
    assert "plans: 3 of 3 imports done; 250 records so far; " in result.stderr


def test_the_run_ends_with_the_shared_summary_and_the_targets_own_lines(sandbox_factory, tmp_path) -> None:
    sandbox = sandbox_factory(calltouch_import_seconds=0.05, faults=["calltouch:rate_limit@2,retry_after=0.1"])
    result = run_target(target_config(sandbox), "multi_batch_250.singer", tmp_path)

    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    head = next(n for n, line in enumerate(lines) if "target-calltouch-plans summary: done in " in line)
    assert "  plans: 250 records; 3 of 3 imports (1..3)" in lines[head + 1]
    requests = len(sandbox.requests)
    assert f"  requests: {requests} (1 retry, 1 answered 429); " in lines[head + 2]
    assert "items imported: 250 in 3 import(s)" in lines[head + 6]
    assert "import 1: success, 100 item(s)" in "\n".join(lines[head + 7 :])


def test_a_failed_run_ends_with_the_summary_then_the_one_line(sandbox_factory, tmp_path) -> None:
    sandbox = sandbox_factory(calltouch_import_seconds=0)
    sandbox.calltouch.configure(import_outcome="error", outcome_from=2)
    result = run_target(target_config(sandbox, max_imports_in_flight=1), "multi_batch_250.singer", tmp_path)

    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    head = next(n for n, line in enumerate(lines) if "target-calltouch-plans summary: FAILED after " in line)
    assert "  plans: 250 records; 1 of 3 imports (1)" in lines[head + 1]
    assert "target-calltouch-plans stopped: " in lines[-1]
    assert not any("summary" in line for line in lines[head + 1 :])  # once
