"""A cut or corrupted status answer is asked again (it only reads); an import id is checked before it is used."""

from __future__ import annotations

import pytest
from calltouch_helpers import TOKEN, calltouch_requests, flat_plan, run_target, states, target_config, write_messages

ADD = "/calltouch/report-service/RestAPI/api/plans-import/add"
STATUS = "/calltouch/report-service/RestAPI/api/plans-import/1/status"


def plans_file(tmp_path):
    return write_messages(tmp_path / "plans.singer", [flat_plan(n) for n in range(3)], state_every=3)


@pytest.mark.parametrize("fault", ["calltouch:malformed@1", "calltouch:truncate@1", "calltouch:malformedx2@1"])
def test_a_corrupt_status_answer_is_asked_again_and_nothing_is_imported_twice(sandbox_factory, tmp_path, fault):
    sandbox = sandbox_factory(rate_limit=False, calltouch_import_seconds=0)
    sandbox.add_fault(fault)
    result = run_target(target_config(sandbox), plans_file(tmp_path), tmp_path)

    assert result.returncode == 0, result.stderr
    assert [path for path, _ in calltouch_requests(sandbox)].count(ADD) == 1  # the plans went once
    assert [status for path, status in calltouch_requests(sandbox) if path == STATUS][-1] == 200
    assert sandbox.requests[1].fault is not None
    assert len(sandbox.calltouch.imported_plans()) == 3
    assert states(result.stdout)[-1] == {"bookmarks": {"plans": {"rows": 3}}}


def test_when_the_status_tries_run_out_the_request_is_named(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(rate_limit=False, calltouch_import_seconds=0)
    sandbox.add_fault("calltouch:malformedx*@1")
    result = run_target(target_config(sandbox, max_tries=2), plans_file(tmp_path), tmp_path)

    assert result.returncode == 1
    assert (
        f"target-calltouch-plans stopped: Calltouch answered 200 to POST {sandbox.vendor_url('calltouch')}"
        "/report-service/RestAPI/api/plans-import/1/status with a body that is not valid JSON"
    ) in result.stderr
    assert "(gave up after 2 tries)" in result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stdout + result.stderr


def test_an_import_id_that_is_not_a_number_is_not_polled(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(rate_limit=False, calltouch_import_seconds=0)
    sandbox.add_fault("calltouch:bad_record=importLogId,value=../../1")
    result = run_target(target_config(sandbox), plans_file(tmp_path), tmp_path)

    assert result.returncode == 1
    assert "Calltouch answered the add request with data.importLogId '../../1', not a number" in result.stderr
    assert [path for path, _ in calltouch_requests(sandbox)] == [ADD]  # no status request with it
    assert '"bookmarks"' not in result.stdout
