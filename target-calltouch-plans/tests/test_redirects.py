"""A redirect off the api_url's origin is refused: no token, site id or plan reaches another host."""

from __future__ import annotations

import pytest
from calltouch_helpers import TOKEN, calltouch_requests, flat_plan, run_target, target_config, write_messages

ADD = ("calltouch:redirect={status}", "/report-service/RestAPI/api/plans-import/add")
STATUS = ("calltouch:redirect={status}@1", "/report-service/RestAPI/api/plans-import/1/status")
CASES = [(*ADD, status) for status in (301, 302, 303, 307, 308)] + [(*STATUS, status) for status in (303, 308)]


@pytest.mark.parametrize(("fault", "path", "status"), CASES)
def test_a_redirect_to_another_host_is_refused_and_nothing_is_sent_there(
    sandbox_factory, tmp_path, fault, path, status
) -> None:
    sandbox = sandbox_factory(rate_limit=False, calltouch_import_seconds=0)
    sandbox.add_fault(fault.format(status=status))
    messages = write_messages(tmp_path / "plans.singer", [flat_plan(1), flat_plan(2)], state_every=2)
    result = run_target(target_config(sandbox), messages, tmp_path)

    assert sandbox.elsewhere.requests == []  # no token, no plans, no request at all
    assert result.returncode == 1
    assert f"Calltouch answered {status} to POST {sandbox.vendor_url('calltouch')}{path}" in result.stderr
    assert f"with a redirect to {sandbox.elsewhere.url}, another origin; it was not followed" in result.stderr
    assert [status for p, status in calltouch_requests(sandbox) if p.endswith(path)] == [status]  # not retried
    assert '"bookmarks"' not in result.stdout  # no state: the plans were not confirmed imported
    assert "Traceback" not in result.stderr and TOKEN not in result.stdout + result.stderr
