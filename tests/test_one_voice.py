"""Every plugin, run alone as its console script, ends an explained failure with one line.

``<plugin> stopped: …`` at ERROR, the last line, naming the vendor, the request (no secret),
the status and the vendor's words (or why no answer came), exit code 1, no traceback and no
other ERROR line. A bug keeps its traceback, followed by a line saying it is one. A retry is
logged once, in our words. The cases are in ``voice_cases.py``.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import duckdb
import pytest
from voice_cases import (
    DUCKDB_INPUT,
    FAILURES,
    HTTP_PLUGINS,
    PLUGINS,
    ROOT,
    SECRETS,
    VENDORS,
    Failure,
    assert_says,
    levels,
    run_alone,
    sandbox_config,
)

from vendor_sandbox import SandboxConfig, SandboxServer

if t.TYPE_CHECKING:
    import subprocess


@pytest.fixture(scope="module")
def shared_sandbox() -> t.Iterator[SandboxServer]:
    """One sandbox for the module (faults are cleared before each run), no rate limits."""
    server = SandboxServer(SandboxConfig(rate_limit=False)).start()
    yield server
    server.stop()


def placeholder_config() -> dict[str, t.Any]:
    """Settings every HTTP plugin accepts (its required ones, placeholders; no request is made)."""
    config: dict[str, t.Any] = {name: "x" * 8 for name in ("api_token", "client_id", "client_secret", "company")}
    return config | {"site_id": "1", "company_ids": [1], "reports": [{"name": "r", "objects": [1]}]}


def assert_one_line(run: subprocess.CompletedProcess[str], plugin: str) -> str:
    """Exit code 1, no traceback, one ERROR line and it is the last: ``<plugin> stopped: …``."""
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert levels(run.stderr).count("ERROR") == 1 and "CRITICAL" not in levels(run.stderr), run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert f"| ERROR    | {plugin:30s} | {plugin} stopped: " in last, run.stderr
    return last.split(f"{plugin} stopped: ", 1)[1]


@pytest.mark.parametrize("failure", FAILURES, ids=lambda failure: failure.id)
def test_an_explained_failure_is_one_line(failure: Failure, shared_sandbox: SandboxServer, tmp_path: Path) -> None:
    shared_sandbox.clear_faults()
    for fault in failure.faults:
        shared_sandbox.add_fault(fault)
    stdin = None
    if failure.plugin == "target-duckdb-sdk":
        config = {"filepath": str(tmp_path / "warehouse.duckdb"), "default_target_schema": "s", **failure.settings}
        stdin = DUCKDB_INPUT
    else:
        config = {**sandbox_config(failure.plugin, shared_sandbox), **failure.settings}
    if failure.kind == "file-locked":
        with duckdb.connect(config["filepath"]):  # another process holds the file
            run = run_alone(failure.plugin, config, tmp_path, stdin=stdin)
    else:
        run = run_alone(failure.plugin, config, tmp_path, stdin=stdin)

    line = assert_one_line(run, failure.plugin)
    assert_says(line, failure, shared_sandbox.port)
    if failure.plugin in SECRETS:
        assert SECRETS[failure.plugin][1] not in run.stderr + run.stdout
    if failure.kind in {"dns-down", "connection-dropped"}:  # one retry, logged once, in our words
        retries = [line for line in run.stderr.splitlines() if "failed (try 1 of 2)" in line]
        assert len(retries) == 1 and "| WARNING  |" in retries[0], run.stderr


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_bug_keeps_its_traceback_and_says_it_is_one(plugin: str, tmp_path: Path) -> None:
    # Any unexpected exception where the plugin does its work stands for a bug.
    where = "sync_all" if plugin.startswith("tap-") else "process_endofpipe"
    code = f"P.{where} = lambda self: 1 / 0"
    if plugin == "target-duckdb-sdk":
        config: dict[str, t.Any] = {"filepath": str(tmp_path / "w.duckdb")}
        run = run_alone(plugin, config, tmp_path, stdin=DUCKDB_INPUT.split("\n", 1)[0] + "\n", code=code)
    else:
        run = run_alone(plugin, placeholder_config(), tmp_path, code=code)

    assert run.returncode == 1, run.stderr
    assert "Traceback" in run.stderr and "ZeroDivisionError" in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert f"| CRITICAL | {plugin:30s} | {plugin} stopped by a bug (ZeroDivisionError: division by zero)" in last
    assert last.endswith("please report it with the traceback above")


@pytest.mark.parametrize(
    ("fault", "words"),
    [("status", "503 to"), ("drop", "closed the connection without an answer")],
    ids=["503", "dropped"],
)
@pytest.mark.parametrize("after", [0, 1], ids=["first-request", "second-request"])
@pytest.mark.parametrize("plugin", HTTP_PLUGINS)
def test_a_retry_is_logged_once_in_our_words(
    plugin: str, after: int, fault: str, words: str, shared_sandbox: SandboxServer, tmp_path: Path
) -> None:
    # For Kameleoon and Trust.lat the first request is the token request, the second a data request.
    shared_sandbox.clear_faults()
    shared_sandbox.reset_log()
    shared_sandbox.add_fault({"vendor": VENDORS[plugin][0], "kind": fault, "status": 503, "after": after})
    config = {**sandbox_config(plugin, shared_sandbox), "backoff_initial_seconds": 0.01}
    run = run_alone(plugin, config, tmp_path)

    assert run.returncode == 0, run.stderr
    assert any(r.fault for r in shared_sandbox.requests), "the fault was not applied"
    lines = run.stderr.splitlines()
    summary = [line for line in lines if "|   requests: " in line]  # the run summary counts it
    assert len(summary) == 1 and "(1 retry, " in summary[0], run.stderr
    retried = [line for line in lines if "retry" in line.lower() and "METRIC" not in line and line not in summary]
    assert len(retried) == 1, run.stderr
    assert "| WARNING  |" in retried[0] and f"{VENDORS[plugin][1]}" in retried[0]
    assert "failed (try 1 of 5), retrying in" in retried[0] and words in retried[0]
    for internal in ("Backing off", "_fetch_token", "_request(", "Giving up", "Connection aborted", "Remote"):
        assert internal not in run.stderr


@pytest.mark.parametrize("plugin", PLUGINS)
def test_the_readme_json_logs_configuration_gives_json_lines(plugin: str, tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- json-logs:start -->\n```yaml\n", 1)[1].split("```\n<!-- json-logs:end -->", 1)[0]
    (tmp_path / "json-logs.yaml").write_text(block, encoding="utf-8")
    config = {"filepath": "w.duckdb", "load_method": "sideways"}
    if plugin != "target-duckdb-sdk":
        config = {**placeholder_config(), "backoff_initial_seconds": "soon"}
    run = run_alone(plugin, config, tmp_path, stdin="", env={"SINGER_SDK_LOG_CONFIG": str(tmp_path / "json-logs.yaml")})

    assert run.returncode == 1
    lines = [json.loads(line) for line in run.stderr.splitlines() if line.strip()]
    assert (lines[-1]["level"], lines[-1]["logger_name"]) == ("error", plugin)
    assert lines[-1]["message"].startswith(f"{plugin} stopped: invalid settings: ")
