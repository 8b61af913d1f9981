"""Under ``meltano run`` too, every plugin's explained failure is its one line, at ERROR.

Meltano reads each plugin's stderr; the plugins declare the ``structured-logging``
capability, so Meltano has them log JSON lines and keeps each line's level. Checked here
on the real ``meltano run`` of the repository's project: a plugin's WARNING (a retry, an
empty date range) shows as ``[warning ]``, its one ``stopped:`` line as ``[error ]``, and no
traceback of the plugin is printed, boxed or not.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from voice_cases import FAST_RETRIES, ROOT, SECRETS, VENDORS, Failure, assert_says

from vendor_testing.meltano_testing import IsolatedMeltano

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

#: A Meltano console line: its level, the plugin (or "meltano") and the message.
LINE = re.compile(r"^\S+Z \[(?P<level>\w+)\s*\] (?P<name>\S+)\s+(?P<message>.*)$")


@dataclass
class MeltanoCase:
    """A failure of ``failure.plugin`` in a pipeline, and a WARNING it must log on the way."""

    failure: Failure
    pipeline: tuple[str, str]
    #: Words of the WARNING; ``*`` stands for any text (Trust.lat's token host is "Trust.lat Atenea").
    warning: str
    env: dict[str, str] = field(default_factory=dict)


def env_name(plugin: str, setting: str) -> str:
    return f"{plugin}_{setting}".upper().replace("-", "_")


def dropped(plugin: str, pipeline: tuple[str, str]) -> MeltanoCase:
    vendor, name = VENDORS[plugin]
    failure = Failure(
        plugin,
        "connection-dropped",
        faults=[{"vendor": vendor, "kind": "drop", "count": None}],
        says=[name, "request", "closed the connection without an answer", "(gave up after 2 tries)"],
    )
    return MeltanoCase(failure, pipeline, warning=f"{name}* request failed (try 1 of 2)")


def future_start() -> str:
    return str(datetime.now(UTC).date() + timedelta(days=30))


CASES = [
    MeltanoCase(
        Failure(
            "tap-rickai",
            "dns-down",
            says=["Rick.ai request GET https://rickai.invalid/v2/demo-company/sessions", "could not be resolved (DNS)"],
        ),
        ("tap-rickai", "target-duckdb-sdk"),
        warning="Rick.ai* request failed (try 1 of 2)",
        env={"TAP_RICKAI_API_URL": "https://rickai.invalid"},
    ),
    dropped("tap-kameleoon", ("tap-kameleoon", "target-duckdb-sdk")),
    dropped("tap-trust", ("tap-trust", "target-duckdb-sdk")),
    dropped("tap-shopster", ("tap-shopster", "target-duckdb-sdk")),
    dropped("target-calltouch-plans", ("tap-spreadsheets", "target-calltouch-plans")),
    # The loader's file is held by another process; the tap (a start date in the future) says
    # why it extracts nothing, at WARNING.
    MeltanoCase(
        Failure("target-duckdb-sdk", "file-locked", says=["DuckDB:", "Could not set lock on file"]),
        ("tap-rickai", "target-duckdb-sdk"),
        warning="Nothing to extract from Rick.ai for*: it starts after",
        env={"TAP_RICKAI_START_DATE": future_start()},
    ),
]


def project(meltano: Path, tmp: Path, sandbox: SandboxServer, case: MeltanoCase) -> IsolatedMeltano:
    """The repository's project, isolated, every plugin of the pipeline pointed at ``sandbox``."""
    settings = {
        "TARGET_DUCKDB_SDK_FILEPATH": str(tmp / "warehouse.duckdb"),
        "TARGET_CALLTOUCH_PLANS_IMPORT_LOG_PATH": str(tmp / "imports.jsonl"),
        "TARGET_CALLTOUCH_PLANS_REJECT_FILE_PATH": str(tmp / "rejected.jsonl"),
        "VENDOR_HTTP_LOCK_DIR": str(tmp),
    }
    for plugin in case.pipeline:
        if plugin not in VENDORS:
            continue
        vendor = sandbox.vendor_url(VENDORS[plugin][0])
        settings[env_name(plugin, SECRETS[plugin][0])] = SECRETS[plugin][1]
        settings[env_name(plugin, "api_url")] = f"{vendor}/api" if plugin == "tap-trust" else vendor
        if plugin == "tap-trust":
            settings[env_name(plugin, "auth_url")] = f"{vendor}/atenea"
        for name, value in FAST_RETRIES.items():
            settings[env_name(plugin, name)] = str(value)
    settings.update(case.env)
    return IsolatedMeltano.create(meltano, ROOT, tmp, isolate=("TAP_", "TARGET_"), **settings)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.failure.id)
def test_under_meltano_the_failure_is_one_error_line_and_levels_survive(
    case: MeltanoCase, meltano: Path, sandbox_factory, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(rate_limit=False)
    for fault in case.failure.faults:
        sandbox.add_fault(fault)
    isolated = project(meltano, tmp_path, sandbox, case)
    if case.failure.kind == "file-locked":
        with duckdb.connect(str(tmp_path / "warehouse.duckdb")):
            run = isolated.run("run", *case.pipeline)
    else:
        run = isolated.run("run", *case.pipeline)
    output = run.stdout + run.stderr
    plugin = case.failure.plugin
    lines = [match for line in output.splitlines() if (match := LINE.match(line))]
    own = [line for line in lines if line["name"] == plugin]

    assert run.returncode == 1, output
    errors = [line["message"] for line in own if line["level"] in {"error", "critical"}]
    assert len(errors) == 1, output
    assert errors[0].startswith(f"{plugin} stopped: "), output
    assert_says(errors[0], case.failure, sandbox.port)
    assert f"{plugin} failed unexpectedly" not in output and "stopped by a bug" not in output
    # No traceback, plain or boxed (Meltano draws a plugin's exception in a box): every line is a log line.
    assert [line for line in output.splitlines() if line.strip() and not LINE.match(line)] == [], output
    # Levels survive: the WARNING is a warning, nothing of the plugin is a bare level-less line.
    wanted = re.compile(".*".join(map(re.escape, case.warning.split("*"))))
    warnings = [line for line in lines if wanted.search(line["message"])]
    assert warnings and all(line["level"] == "warning" for line in warnings), output
    assert not [line for line in own if re.search(r"\b(WARNING|ERROR)\b", line["message"])], output
    if plugin != "target-duckdb-sdk":  # the tap failed before its first record: no new empty warehouse
        assert not (tmp_path / "warehouse.duckdb").exists()
