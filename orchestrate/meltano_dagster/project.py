"""What the orchestrator reads from the Meltano project: the accounts and their schedules.

meltano.yml is the one place where accounts are declared (its `accounts` block: plugins
inherited from a vendor's tap, ``tap-rickai--acme``); adding one there adds its partitions
here. Nothing in this module imports Dagster.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(os.environ.get("MELTANO_PROJECT_ROOT") or Path(__file__).resolve().parents[2])
"""The Meltano project (this repository unless MELTANO_PROJECT_ROOT says otherwise)."""
MELTANO_BIN = os.environ.get("MELTANO", "meltano")
"""The meltano executable (`make test` and `make orchestrate` set MELTANO)."""
ENVIRONMENT = os.environ.get("MELTANO_ENVIRONMENT", "prod")
"""The Meltano environment the runs use (`sandbox` in the tests)."""
LOADER = os.environ.get("MELTANO_ORCHESTRATE_LOADER", "target-duckdb-sdk")
"""Where every account's data goes (a loader of meltano.yml)."""

_PLUGIN_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Vendor:
    """A vendor whose accounts are partitions, and what its data freshness asks of a schedule."""

    name: str
    """`rickai`: the tap is `tap-rickai`, its accounts `tap-rickai--<account>`."""
    lookback_days: int
    """Days before yesterday that the daily schedule materialises again (the tap's own lookback:
    data that changes after it was first served)."""
    limit: str
    """The vendor's per-account limit, which caps how many of its partitions run at once."""

    @property
    def tap(self) -> str:
        return f"tap-{self.name}"


VENDORS = (
    Vendor("rickai", 7, "one request at a time per token (and one a second)"),
    Vendor("kameleoon", 2, "1,000 requests an hour (and 50 per 10 s) per account"),
)


@dataclass(frozen=True)
class Account:
    """One account: a plugin of meltano.yml inherited from the vendor's tap."""

    vendor: Vendor
    name: str
    """`acme` for the plugin `tap-rickai--acme`."""
    plugin: str
    namespace: str

    @property
    def env_prefix(self) -> str:
        """Prefix of this account's settings in the environment (its namespace), e.g. TAP_RICKAI_ACME_."""
        return re.sub(r"[^A-Z0-9]", "_", self.namespace.upper()) + "_"


def meltano_yml(project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    return dict(yaml.safe_load((project_dir / "meltano.yml").read_text(encoding="utf-8")))


def accounts(vendor: Vendor, project: dict[str, Any]) -> dict[str, Account]:
    """The vendor's accounts in meltano.yml, by account name, in the file's order."""
    found: dict[str, Account] = {}
    for plugin in project["plugins"]["extractors"]:
        name = str(plugin["name"])
        if plugin.get("inherit_from") != vendor.tap or not name.startswith(f"{vendor.tap}--"):
            continue
        if not _PLUGIN_NAME.match(name):
            raise ValueError(f"meltano.yml: {name!r} is not a plain plugin name (a-z, 0-9, -)")
        account = name.removeprefix(f"{vendor.tap}--")
        found[account] = Account(vendor, account, name, str(plugin.get("namespace") or name.replace("-", "_")))
    return found


def schedule_cron(vendor: Vendor, project: dict[str, Any]) -> str:
    """The cron of meltano.yml's `<vendor>-accounts-daily` schedule (its comment says why then)."""
    for entry in project.get("schedules", []):
        if entry["name"] == f"{vendor.name}-accounts-daily":
            return str(entry["interval"])
    raise ValueError(f"meltano.yml has no schedule {vendor.name}-accounts-daily")


def state_id(account: Account, day: str) -> str:
    """Meltano's state id of one partition's run: `meltano run --state-id-suffix=<day>`."""
    return f"{ENVIRONMENT}:{account.plugin}-to-{LOADER}:{day}"
