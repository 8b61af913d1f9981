"""Materialise one partition in this process: ``python -m meltano_dagster VENDOR ACCOUNT DAY``.

What a Dagster run of that partition does, without a Dagster instance or daemon (an
ephemeral instance, the in-process executor, the asset's retry policy): for a one-off
backfill by hand, and for the end-to-end test. Prints one JSON line: success, the partition,
how many times the step was tried, the materialisation's metadata and the jobs of the
definitions (meltano.yml's, as dagster-meltano loads them, and the accounts'); exit 1 on failure.
"""

from __future__ import annotations

import argparse
import json
import sys

from dagster import DagsterEventType, DagsterInstance, MultiPartitionKey, materialize

from .definitions import account_asset, defs, dimension, meltano
from .project import VENDORS, accounts, meltano_yml


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m meltano_dagster", description=__doc__.splitlines()[0])
    parser.add_argument("vendor", choices=[vendor.name for vendor in VENDORS])
    parser.add_argument("account", help="the account: `acme` for the plugin tap-<vendor>--acme")
    parser.add_argument("day", help="the day partition, YYYY-MM-DD")
    args = parser.parse_args(argv)
    (vendor,) = (v for v in VENDORS if v.name == args.vendor)
    asset_def = account_asset(vendor, accounts(vendor, meltano_yml()))  # as defs has it, unbound
    key = MultiPartitionKey({dimension(vendor): args.account, "day": args.day})
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [asset_def],
            partition_key=key,
            instance=instance,
            resources={"meltano": meltano},
            raise_on_error=False,
        )
        events = result.all_events
        tries = 1 + sum(1 for event in events if event.event_type == DagsterEventType.STEP_UP_FOR_RETRY)
        metadata = {
            name: value.value
            for materialization in result.asset_materializations_for_node(asset_def.op.name)
            for name, value in materialization.metadata.items()
        }
    jobs = sorted(job.name for job in defs.get_all_job_defs() if not job.name.startswith("__"))
    print(
        json.dumps(
            {"success": result.success, "partition": str(key), "tries": tries, "metadata": metadata, "jobs": jobs}
        )
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
