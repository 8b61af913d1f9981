"""The plugins' tests run taps and targets in-process: such a run must end and report as a process would."""

from __future__ import annotations

import json
import logging
import os
import signal
import typing as t
from pathlib import Path

import pytest

from vendor_testing.singer_testing import parse_messages, run_in_process

singer_sdk = pytest.importorskip("singer_sdk")
from singer_sdk import Stream, Tap  # noqa: E402
from singer_sdk import typing as th  # noqa: E402


class NumbersStream(Stream):
    """``count`` records, then whatever ``ending`` says: return, raise, exit."""

    name = "numbers"
    primary_keys = ("n",)
    schema = th.PropertiesList(th.Property("n", th.IntegerType)).to_dict()

    def get_records(self, context: dict | None) -> t.Iterable[dict[str, t.Any]]:
        self.logger.info("counting to %s", self.config["count"])
        yield from ({"n": n} for n in range(self.config["count"]))
        ending = self.config.get("ending", "return")
        if ending == "raise":
            msg = "the vendor sent nonsense"
            raise RuntimeError(msg)
        if ending == "exit-2":
            raise SystemExit(2)
        if ending == "exit-message":
            msg = "stopped: explained in one line"
            raise SystemExit(msg)


class HarnessTap(Tap):
    name = "tap-harness"
    config_jsonschema = th.PropertiesList(
        th.Property("count", th.IntegerType, required=True),
        th.Property("ending", th.StringType),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        return [NumbersStream(self)]


def run(tmp_path: Path, **config: t.Any):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return run_in_process(HarnessTap, ["--config", str(path)])


def test_a_finished_run_exits_0_with_its_messages_on_stdout_and_its_log_on_stderr(tmp_path) -> None:
    result = run(tmp_path, count=3)

    assert result.returncode == 0, result.stderr
    records = [m["record"] for m in parse_messages(result.stdout) if m["type"] == "RECORD"]
    assert records == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert "counting to 3" in result.stderr
    assert "counting to 3" not in result.stdout


def test_an_uncaught_exception_prints_its_traceback_and_exits_1(tmp_path) -> None:
    result = run(tmp_path, count=1, ending="raise")

    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: the vendor sent nonsense" in result.stderr
    assert [m["record"] for m in parse_messages(result.stdout) if m["type"] == "RECORD"] == [{"n": 0}]


@pytest.mark.parametrize(
    ("ending", "code", "printed"), [("exit-2", 2, None), ("exit-message", 1, "stopped: explained in one line")]
)
def test_system_exit_gives_its_code_as_the_interpreter_does(tmp_path, ending, code, printed) -> None:
    result = run(tmp_path, count=1, ending=ending)

    assert result.returncode == code
    assert "Traceback" not in result.stderr
    if printed:
        assert result.stderr.rstrip().endswith(printed)


def test_a_settings_error_is_reported_like_the_console_script_does(tmp_path) -> None:
    result = run(tmp_path, ending="return")  # no count

    assert result.returncode != 0
    assert "count" in result.stderr


def test_what_a_run_changes_of_the_process_is_put_back(tmp_path) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    sigint, sigterm = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    cwd = Path.cwd()

    result = run_in_process(HarnessTap, ["--config", str(write_config(tmp_path))], cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert root.handlers == handlers  # the SDK's console handler on the captured stderr is gone
    assert root.level == level
    assert signal.getsignal(signal.SIGINT) is sigint  # the SDK had installed its own
    assert signal.getsignal(signal.SIGTERM) is sigterm
    assert Path.cwd() == cwd == Path(os.getcwd())


def write_config(directory: Path) -> Path:
    path = directory / "config.json"
    path.write_text(json.dumps({"count": 1}), encoding="utf-8")
    return path
