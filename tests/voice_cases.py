"""The failures every plugin must explain in one line, and how to provoke each against the sandbox.

Used by ``test_one_voice.py`` (each plugin run alone, as its console script) and
``test_one_voice_meltano.py`` (under ``meltano run``). A case names the plugin, the settings
and sandbox faults that make it fail, and the words its one line must hold: the vendor, the
request (never a secret), the status and the vendor's own message, or the reason no answer
came.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import typing as t
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

if t.TYPE_CHECKING:
    from vendor_sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PLANS = ROOT / "target-calltouch-plans" / "tests" / "resources" / "plans_optional_dimensions.singer"
HTTP_PLUGINS = ("tap-rickai", "tap-kameleoon", "tap-trust", "tap-shopster", "target-calltouch-plans")
PLUGINS = (*HTTP_PLUGINS, "target-duckdb-sdk")

#: Each plugin's class, as its console script names it.
ENTRY_POINTS = {
    "tap-rickai": ("tap_rickai.tap", "TapRickai"),
    "tap-kameleoon": ("tap_kameleoon.tap", "TapKameleoon"),
    "tap-trust": ("tap_trust.tap", "TapTrust"),
    "tap-shopster": ("tap_shopster.tap", "TapShopster"),
    "target-calltouch-plans": ("target_calltouch_plans.target", "TargetCalltouchPlans"),
    "target-duckdb-sdk": ("target_duckdb_sdk.target", "TargetDuckDB"),
}

#: The sandbox's name of each vendor (URL prefix, fault target) and the vendor's name in messages.
VENDORS = {
    "tap-rickai": ("rickai", "Rick.ai"),
    "tap-kameleoon": ("kameleoon", "Kameleoon"),
    "tap-trust": ("trust", "Trust.lat"),
    "tap-shopster": ("shopster", "Shopster"),
    "target-calltouch-plans": ("calltouch", "Calltouch"),
}

#: The secret setting of each HTTP plugin and its sandbox value.
SECRETS = {
    "tap-rickai": ("api_token", "sandbox-rickai-token"),
    "tap-kameleoon": ("client_secret", "sandbox-kameleoon-secret"),
    "tap-trust": ("client_secret", "sandbox-trust-secret"),
    "tap-shopster": ("api_token", "sandbox-shopster-token"),
    "target-calltouch-plans": ("api_token", "sandbox-calltouch-token"),
}

#: What the first request of a run is (the token request for OAuth vendors), as its message names it.
FIRST_REQUEST = {
    "tap-rickai": "GET http://127.0.0.1:{port}/rickai/v2/demo-company/sessions?",
    "tap-kameleoon": "the token request POST /kameleoon/oauth/token",
    "tap-trust": "the token request POST /trust/atenea/oauth/token/",
    "tap-shopster": "GET http://127.0.0.1:{port}/shopster/reports/group_datetime?",
    "target-calltouch-plans": "POST http://127.0.0.1:{port}/calltouch/report-service/RestAPI/api/plans-import/add",
}

#: The vendor's own words in its documented bodies, as the sandbox serves them: a refused
#: credential, and the error body of any other status.
REFUSED_WORDS = {
    "tap-rickai": "unauthenticated for invalid credentials",
    "tap-kameleoon": "invalid_client",
    "tap-trust": "invalid_client",
    "tap-shopster": "Invalid or missing x-token.",
    "target-calltouch-plans": "Access token не найден",
}
ERROR_WORDS = {
    "tap-rickai": "gateway timeout",
    "tap-kameleoon": "Internal error",
    "tap-trust": "Bad Request",
    "tap-shopster": "Internal server error.",
    "target-calltouch-plans": "Внутренняя ошибка сервера",
}

#: Retries quick and few: the failures that are retried give up after two tries.
FAST_RETRIES = {"max_tries": 2, "backoff_initial_seconds": 0.01, "backoff_max_seconds": 0.02}


def sandbox_config(plugin: str, sandbox: SandboxServer) -> dict[str, t.Any]:
    """Settings of ``plugin`` that work against ``sandbox`` (a short range, no pacing)."""
    base = sandbox.vendor_url(VENDORS[plugin][0]) if plugin in VENDORS else ""
    today = datetime.now(UTC).date()
    configs: dict[str, dict[str, t.Any]] = {
        "tap-rickai": {
            "company": "demo-company",
            "api_url": base,
            "start_date": str(today - timedelta(days=2)),
            "min_request_interval_seconds": 0,
        },
        "tap-kameleoon": {
            "client_id": "sandbox-kameleoon-client",
            "api_url": base,
            "start_date": str(today - timedelta(days=3)),
            "rate_limits": [{"requests": 10_000, "seconds": 1}],
            "poll_interval_seconds": 0.02,
        },
        "tap-trust": {
            "client_id": "sandbox-trust-client",
            "company_ids": [101],
            "api_url": f"{base}/api",
            "auth_url": f"{base}/atenea",
            "min_request_interval_seconds": 0,
        },
        "tap-shopster": {
            "api_url": base,
            "reports": [{"name": "malls", "objects": [101]}],
            "window_days": 1,
            "start_date": str(today - timedelta(days=3)),
            "min_request_interval_seconds": 0,
        },
        "target-calltouch-plans": {"site_id": "12345", "api_url": base, "poll_interval_seconds": 0.05},
    }
    config = configs[plugin]
    name, value = SECRETS[plugin]
    return {**config, name: value}


@dataclass
class Failure:
    """One explained failure of one plugin: how to provoke it, what its one line must say."""

    plugin: str
    kind: str
    settings: dict[str, t.Any] = field(default_factory=dict)
    faults: list[dict[str, t.Any]] = field(default_factory=list)
    #: Pieces the one line must hold, in order ("{port}" is the sandbox's port).
    says: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.plugin}-{self.kind}"


def http_failures(plugin: str) -> list[Failure]:
    """Auth refused, a vendor error body, a bad setting, DNS failing, the connection dropped."""
    vendor, name = VENDORS[plugin]
    secret, _ = SECRETS[plugin]
    invalid = f"https://{vendor}.invalid"
    unresolvable = {"api_url": invalid}
    if vendor == "trust":  # its first request goes to the auth host
        unresolvable["auth_url"] = f"https://atenea.{vendor}.invalid"
    host = f"atenea.{vendor}.invalid" if vendor == "trust" else f"{vendor}.invalid"
    return [
        Failure(
            plugin,
            "auth-refused",
            {secret: "wrong-but-long-secret-value"},
            says=[name, "answered 401 to", FIRST_REQUEST[plugin], REFUSED_WORDS[plugin], "check the setting"],
        ),
        Failure(
            plugin,
            "vendor-error",
            faults=[{"vendor": vendor, "kind": "status", "status": 400, "count": None}],
            says=[name, "answered 400 to", FIRST_REQUEST[plugin], ERROR_WORDS[plugin]],
        ),
        Failure(
            plugin,
            "bad-setting",
            {"backoff_initial_seconds": "soon"},
            says=["invalid settings", "'soon'", "backoff_initial_seconds"],
        ),
        Failure(
            plugin,
            "dns-down",
            {**unresolvable, **FAST_RETRIES},
            says=[
                name,
                "request",
                "failed: the host name",
                host,
                "could not be resolved (DNS)",
                "(gave up after 2 tries)",
            ],
        ),
        Failure(
            plugin,
            "connection-dropped",
            FAST_RETRIES,
            faults=[{"vendor": vendor, "kind": "drop", "count": None}],
            says=[name, "request", "'127.0.0.1:{port}' closed the connection without an answer", "(gave up after 2"],
        ),
        Failure(
            plugin,
            "body-cut-off",
            FAST_RETRIES,
            faults=[{"vendor": vendor, "kind": "truncate", "count": None}],
            says=[name, "127.0.0.1:{port}", "broke off"],
        ),
    ]


def duckdb_failures() -> list[Failure]:
    """A bad setting, a value DuckDB refuses, the file locked by another process."""
    plugin = "target-duckdb-sdk"
    return [
        Failure(plugin, "bad-setting", {"load_method": "sideways"}, says=["invalid settings", "load_method"]),
        Failure(plugin, "value-refused", says=["s.t: DuckDB refused the batch of 2 row(s)", "line 2", "many"]),
        Failure(plugin, "file-locked", says=["DuckDB:", "Could not set lock on file", "warehouse.duckdb"]),
    ]


FAILURES = [failure for plugin in HTTP_PLUGINS for failure in http_failures(plugin)] + duckdb_failures()

#: Singer input of target-duckdb-sdk: the second row's value cannot be a BIGINT.
DUCKDB_INPUT = "\n".join(
    json.dumps(message)
    for message in (
        {"type": "SCHEMA", "stream": "t", "schema": {"properties": {"id": {"type": "integer"}}}, "key_properties": []},
        {"type": "RECORD", "stream": "t", "record": {"id": 1}},
        {"type": "RECORD", "stream": "t", "record": {"id": "many"}},
    )
)

LEVEL_LINE = re.compile(r"\|\s*(DEBUG|INFO|WARNING|ERROR|CRITICAL)\s*\|")


def levels(stderr: str) -> list[str]:
    """The level of each log line of a plugin run alone (the SDK's console format)."""
    return [match.group(1) for line in stderr.splitlines() if (match := LEVEL_LINE.search(line))]


def assert_says(line: str, failure: Failure, port: int) -> None:
    """``line`` holds every piece ``failure`` must say, in order."""
    position = 0
    for piece in failure.says:
        piece = piece.replace("{port}", str(port))
        found = line.find(piece, position)
        assert found >= 0, f"{piece!r} missing (in order) from: {line}"
        position = found + len(piece)


def run_alone(
    plugin: str,
    config: dict[str, t.Any],
    tmp_path: Path,
    *,
    stdin: str | None = None,
    code: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``<plugin> --config FILE`` (targets read ``stdin``, else the sample plans); with ``code``,
    ``python -c`` runs the plugin's class after ``code`` instead of the console script."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    args = ["--config", str(path)]
    if plugin.startswith("target-") and stdin is None:
        args += ["--input", str(PLANS)]
    module, name = ENTRY_POINTS[plugin]
    command = [str(BIN / plugin)]
    if code is not None:
        command = [sys.executable, "-c", f"import sys; from {module} import {name} as P; {code}; P.cli()"]
    env = {**os.environ, "VENDOR_HTTP_LOCK_DIR": str(tmp_path), **(env or {})}
    return subprocess.run(
        [*command, *args], input=stdin, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False
    )
