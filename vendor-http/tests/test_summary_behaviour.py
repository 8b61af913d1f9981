"""The run summary through the plugin base's command line, in-process (click's runner).

Every run that did some work ends with the summary at INFO: after a run that worked, and
before the one line of a failure (explained or a bug).
"""

from __future__ import annotations

import json
import logging
import typing as t
from pathlib import Path

import pytest
from acme_plugin import SECRET, AcmeTap, ItemsStream
from click.testing import CliRunner, Result
from http_script import Answer, Script

import vendor_http.progress
from vendor_http.summary import RunSummary

if t.TYPE_CHECKING:
    from collections.abc import Iterable


def invoke(settings: dict, tmp_path: Path) -> Result:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(settings), encoding="utf-8")
    return CliRunner().invoke(AcmeTap.cli, ["--config", str(path)])  # type: ignore[attr-defined]


def config(url: str, **overrides: object) -> dict:
    return {"api_url": url, "api_token": SECRET, "backoff_initial_seconds": 0.01, "max_tries": 2, **overrides}


def said(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name.startswith("tap-acme")]


def items(script: Script) -> None:
    script.default = lambda seen: Answer(body={"items": [{"id": 1, "day": seen.query["day"]}]})


@pytest.fixture
def tracked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Acme's days as units of progress, a line at every day's end."""
    monkeypatch.setattr(vendor_http.progress, "PROGRESS_INTERVAL_SECONDS", 0.0)

    def get_records(self: ItemsStream, context: t.Any) -> Iterable[dict[str, t.Any]]:
        days = self.config.get("days") or []
        self.track_progress("day", labels=days)
        for day in days:
            yield from self.request_records({"day": day})
            self.complete_window(day, context=context)

    monkeypatch.setattr(ItemsStream, "get_records", get_records)


def test_a_run_that_worked_ends_with_the_summary(http_script, tmp_path, caplog, tracked) -> None:
    url, script = http_script
    items(script)
    script.answers = [Answer(503)]  # one retry
    with caplog.at_level(logging.INFO):
        result = invoke(config(url, days=["2026-01-01", "2026-01-02"]), tmp_path)
    assert result.exit_code == 0
    lines = [text for _, text in said(caplog)]
    assert "items: 2 days to do (2026-01-01..2026-01-02)" in lines
    assert any(line.startswith("items: day 2 of 2 (2026-01-02); 1 record so far; ") for line in lines)
    head = lines.index(next(line for line in lines if line.startswith("tap-acme summary: done in ")))
    assert lines[head + 1 :] == [
        "  items: 2 records; 2 of 2 days (2026-01-01..2026-01-02); bookmark day 2026-01-02",
        "  requests: 3 (1 retry, 0 answered 429); 0.0 s waiting for the rate budget",
    ]


def test_a_failed_run_says_what_it_did_before_the_one_line(http_script, tmp_path, caplog, tracked) -> None:
    url, script = http_script
    items(script)
    script.answers = [Answer(body={"items": [{"id": 1, "day": "2026-01-01"}]}), Answer(404, {"error": "gone"})]
    with caplog.at_level(logging.INFO):
        result = invoke(config(url, days=["2026-01-01", "2026-01-02"]), tmp_path)
    assert result.exit_code == 1
    lines = said(caplog)
    head = lines.index(next(entry for entry in lines if entry[1].startswith("tap-acme summary: FAILED after ")))
    assert lines[head + 1 :] == [
        (logging.INFO, "  items: 1 record; 1 of 2 days (2026-01-01); bookmark day 2026-01-01"),
        (logging.INFO, "  requests: 2 (0 retries, 0 answered 429); 0.0 s waiting for the rate budget"),
        (logging.ERROR, f"tap-acme stopped: Acme answered 404 to GET {url}/items?day=2026-01-02: gone"),
    ]


def test_a_bug_says_what_the_run_did_before_its_traceback(http_script, tmp_path, caplog) -> None:
    url, script = http_script
    items(script)
    with caplog.at_level(logging.INFO):
        result = invoke(config(url, days=["2026-01-01"], bug=True), tmp_path)
    assert result.exit_code == 1
    lines = said(caplog)
    head = lines.index(next(entry for entry in lines if entry[1].startswith("tap-acme summary: FAILED after ")))
    assert [level for level, _ in lines[head:]] == [logging.INFO] * 3 + [logging.CRITICAL] * 2
    assert lines[head + 1] == (logging.INFO, "  items: 0 records")


def test_no_summary_without_work(tmp_path, caplog) -> None:
    with caplog.at_level(logging.INFO):
        result = invoke(config("http://api.acme.test", days=["2026-01-01"]), tmp_path)  # refused: http://
    assert result.exit_code == 1
    assert not any("summary" in text for _, text in said(caplog))


def test_a_summary_that_breaks_does_not_hide_the_outcome(http_script, tmp_path, caplog, monkeypatch) -> None:
    url, script = http_script
    items(script)

    def broken(*_: object, **__: object) -> list[str]:
        raise ValueError("no summary today")

    monkeypatch.setattr(RunSummary, "lines", broken)
    with caplog.at_level(logging.INFO):
        result = invoke(config(url, days=["2026-01-01"]), tmp_path)
    assert result.exit_code == 0
    assert (logging.ERROR, "tap-acme: the run summary could not be written") in said(caplog)
