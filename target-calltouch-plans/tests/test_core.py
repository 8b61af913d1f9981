"""The Meltano Singer SDK's standard target tests.

The SDK's sample streams are not plans, so the target runs them in dry run with
``on_invalid_record: reject``: every record is validated (and rejected to a
temporary file), no request is made. None of the SDK's target tests is left out:
all of them pass in that mode (the plan-specific behaviour is tested against the
sandbox in the other test modules, with ``.singer`` replay files in ``resources/``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from singer_sdk.testing import get_target_test_class

from target_calltouch_plans.target import TargetCalltouchPlans

REJECTS = Path(tempfile.mkdtemp(prefix="calltouch-sdk-tests-")) / "rejects.jsonl"

SDK_CONFIG = {
    "api_url": "https://api.calltouch.ru",
    "api_token": "sdk-test-token",
    "site_id": "1",
    "dry_run": True,
    "on_invalid_record": "reject",
    "reject_file_path": str(REJECTS),
}

TestTargetCalltouchPlans = get_target_test_class(TargetCalltouchPlans, config=SDK_CONFIG)
