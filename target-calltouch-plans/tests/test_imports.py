"""Imports against the real sandbox: batches, duplicates, dry run, vendor errors, retries, audit log."""

from __future__ import annotations

import json

import pytest
from calltouch_helpers import (
    calltouch_requests,
    canonical,
    flat_plan,
    flat_to_item,
    input_items,
    run_target,
    states,
    target_config,
    write_messages,
)

ADD = "/calltouch/report-service/RestAPI/api/plans-import/add"


def adds(sandbox) -> int:
    return sum(1 for path, status in calltouch_requests(sandbox) if path == ADD and status == 200)


def test_250_items_make_3_imports_and_the_sandbox_holds_exactly_the_input(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(calltouch_import_seconds=0.1)
    log = tmp_path / "imports.jsonl"
    result = run_target(target_config(sandbox, import_log_path=str(log)), "multi_batch_250.singer", tmp_path)
    assert result.returncode == 0, result.stderr
    assert [entry["items"] for entry in sandbox.calltouch.import_log()] == [100, 100, 50]
    expected = [flat_to_item(record) for record in input_items("multi_batch_250.singer")]
    assert canonical(sandbox.calltouch.imported_plans()) == canonical(expected)
    assert states(result.stdout)[-1] == {"bookmarks": {"plans": {"rows": 250}}}
    audit = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert sorted(a["import_id"] for a in audit) == ["1", "2", "3"]
    assert {a["status"] for a in audit} == {"success"}
    assert sum(a["items"] for a in audit) == 250
    assert all(a["finished_at"] >= a["started_at"] for a in audit)
    assert "items imported: 250 in 3 import(s)" in result.stderr
    for import_id in ("1", "2", "3"):
        assert f"import {import_id}: success" in result.stderr
    assert sandbox.stats()["vendors"]["calltouch"]["rate_limited_429"] == 0


def test_duplicates_last_wins_with_a_warning_naming_both(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(calltouch_import_seconds=0)
    result = run_target(target_config(sandbox), "duplicates.singer", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stream 'plans' record #3 replaces stream 'plans' record #1" in result.stderr
    values = {(p["campaign"], p["metric"]["value"]) for p in sandbox.calltouch.imported_plans()}
    assert values == {("winter", 150), ("spring", 100)}
    assert [entry["items"] for entry in sandbox.calltouch.import_log()] == [2]  # the first one never sent


def test_a_duplicate_of_an_already_imported_plan_is_imported_after_it(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(calltouch_import_seconds=0)
    records = [flat_plan(1, value=10), flat_plan(2), flat_plan(1, value=20)]
    messages = write_messages(tmp_path / "in.singer", records)
    result = run_target(target_config(sandbox, batch_size_rows=2), messages, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "record #3 replaces stream 'plans' record #1, which was already imported" in result.stderr
    assert [entry["items"] for entry in sandbox.calltouch.import_log()] == [2, 1]
    assert {p["metric"]["value"] for p in sandbox.calltouch.imported_plans() if p["campaign"] == "c00001"} == {20}


def test_dry_run_validates_everything_and_sends_nothing(sandbox, tmp_path):
    result = run_target(target_config(sandbox, dry_run=True), "multi_batch_250.singer", tmp_path)
    assert result.returncode == 0, result.stderr
    assert sandbox.requests == []
    assert states(result.stdout)[-1] == {"bookmarks": {"plans": {"rows": 250}}}
    assert "dry run, nothing sent" in result.stderr
    failing = run_target(target_config(sandbox, dry_run=True), "invalid_value_text.singer", tmp_path)
    assert failing.returncode != 0
    assert "field 'metric_value' = 'abc'" in failing.stderr
    assert sandbox.requests == []


def test_vendor_error_status_fails_the_run_with_the_import_id_and_message(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(calltouch_import_seconds=0)
    sandbox.calltouch.configure(import_outcome="error", outcome_from=2)
    result = run_target(target_config(sandbox, max_imports_in_flight=1), "multi_batch_250.singer", tmp_path)
    assert result.returncode != 0
    assert "import 2 failed at the vendor: status 'error' (Ошибка импорта данных." in result.stderr
    assert "import 2: error, 100 item(s)" in result.stderr
    assert states(result.stdout) == [{"bookmarks": {"plans": {"rows": 100}}}]  # only what import 1 covered


def test_an_import_that_never_finishes_times_out_naming_its_id(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(calltouch_import_outcome="never")
    config = target_config(sandbox, poll_timeout_seconds=1, poll_interval_seconds=0.2)
    result = run_target(config, "duplicates.singer", tmp_path)
    assert result.returncode != 0
    assert "import 1 was still not finished after" in result.stderr
    assert "look it up with the vendor or raise 'poll_timeout_seconds'" in result.stderr
    assert states(result.stdout) == []


@pytest.mark.parametrize(
    "faults",
    [
        ["calltouch:rate_limit,retry_after=0.1", "calltouch:rate_limit@2,retry_after=0.1"],
        ["calltouch:status=503x2", "calltouch:status=500@3"],
        ["calltouch:drop", "calltouch:drop@3"],
    ],
    ids=["429", "5xx", "dropped"],
)
def test_429_5xx_and_dropped_connections_are_retried(sandbox_factory, tmp_path, faults):
    sandbox = sandbox_factory(calltouch_import_seconds=0.05, faults=faults)
    result = run_target(target_config(sandbox), "multi_batch_250.singer", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "retrying in" in result.stderr
    expected = [flat_to_item(record) for record in input_items("multi_batch_250.singer")]
    assert canonical(sandbox.calltouch.imported_plans()) == canonical(expected)
    assert not sandbox.faults.pending()


def test_vendor_violations_are_mapped_back_to_records(sandbox_factory, tmp_path):
    violations = [{"fieldPath": "items[1].metric.name", "message": "Название пользовательского столбца не уникально"}]
    body = {"meta": [], "data": {"type": "validationError", "apiErrorData": None}}
    body["data"]["validationErrorData"] = {"violations": violations}
    fault = {"vendor": "calltouch", "kind": "status", "status": 400, "body": body}
    sandbox = sandbox_factory(calltouch_import_seconds=0, faults=[fault])
    records = [flat_plan(n) for n in range(3)]
    messages = write_messages(tmp_path / "in.singer", records, state_every=3)
    failing = run_target(target_config(sandbox), messages, tmp_path)
    assert failing.returncode != 0
    assert "stream 'plans' record #2: items[1].metric.name Название пользовательского столбца" in failing.stderr
    assert states(failing.stdout) == []

    sandbox.add_fault(fault)
    config = target_config(sandbox, on_invalid_record="reject", reject_file_path=str(tmp_path / "rejects.jsonl"))
    rejecting = run_target(config, messages, tmp_path)
    assert rejecting.returncode == 0, rejecting.stderr
    rejected = json.loads((tmp_path / "rejects.jsonl").read_text(encoding="utf-8"))
    assert (rejected["position"], rejected["record"]["campaign"]) == (2, "c00001")
    assert sorted(p["campaign"] for p in sandbox.calltouch.imported_plans()) == ["c00000", "c00002"]
    assert states(rejecting.stdout)[-1] == {"bookmarks": {"plans": {"rows": 3}}}


def test_several_streams_share_duplicates_and_state(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(calltouch_import_seconds=0)
    schema = {"type": "object", "properties": {}}
    lines = [
        {"type": "SCHEMA", "stream": "sheet_a", "schema": schema, "key_properties": []},
        {"type": "SCHEMA", "stream": "sheet_b", "schema": schema, "key_properties": []},
        {"type": "RECORD", "stream": "sheet_a", "record": flat_plan(1, value=1)},
        {"type": "RECORD", "stream": "sheet_b", "record": flat_plan(2)},
        {"type": "STATE", "value": {"bookmarks": {"sheet_a": 1, "sheet_b": 1}}},
        {"type": "RECORD", "stream": "sheet_b", "record": flat_plan(1, value=9)},
        {"type": "STATE", "value": {"bookmarks": {"sheet_a": 1, "sheet_b": 2}}},
    ]
    messages = tmp_path / "two.singer"
    messages.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    result = run_target(target_config(sandbox), messages, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stream 'sheet_b' record #2 replaces stream 'sheet_a' record #1" in result.stderr
    assert {(p["campaign"], p["metric"]["value"]) for p in sandbox.calltouch.imported_plans()} == {
        ("c00001", 9),
        ("c00002", 3),
    }
    assert sum(entry["items"] for entry in sandbox.calltouch.import_log()) == 2
    assert states(result.stdout)[-1] == {"bookmarks": {"sheet_a": 1, "sheet_b": 2}}
