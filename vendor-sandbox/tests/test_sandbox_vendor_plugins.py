"""Vendors are plugins: a new package under vendor_sandbox/vendors/ is served, configured from the
command line and reached by faults without any edit of the core (tests/example_vendors/echo)."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest
import requests

import vendor_sandbox
import vendor_sandbox.vendors
from vendor_sandbox import SandboxConfig, SandboxServer, plugins
from vendor_sandbox.core.cli import build_parser, config_from_args
from vendor_testing.pytest_plugin import SandboxFactory

EXAMPLES = Path(__file__).parent / "example_vendors"
PACKAGE = Path(vendor_sandbox.__file__).parent
KEY = {"X-Echo-Key": "echo-key"}


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example vendor package dropped next to the real ones (no file of the sandbox edited)."""
    monkeypatch.setattr(vendor_sandbox.vendors, "__path__", [*vendor_sandbox.vendors.__path__, str(EXAMPLES)])


def things(server: SandboxServer, n: int = 3) -> requests.Response:
    return requests.get(f"{server.vendor_url('echo')}/v1/things", params={"n": n}, headers=KEY, timeout=10)


def test_the_vendors_register_themselves() -> None:
    assert list(plugins()) == ["calltouch", "kameleoon", "rickai", "shopster", "trust"]


@pytest.mark.usefixtures("echo")
def test_a_new_vendor_package_is_served_with_its_options(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(rate_limit=False, echo_greeting="hola")
    answer = things(server)
    assert answer.status_code == 200
    assert answer.json() == {"things": [{"id": n, "word": "hola"} for n in range(3)]}
    assert requests.get(f"{server.url}/_sandbox/health", timeout=10).json()["vendors"]["echo"] == "/echo"
    assert requests.get(f"{server.url}/_sandbox/echo/truth", timeout=10).json() == {
        "greeting": "hola",
        "accounts": ["acme"],
    }
    assert server.echo is server.vendor("echo") and server.config.echo_greeting == "hola"
    assert server.requests[0].vendor == "echo" and server.stats()["vendors"]["echo"]["items_served"] == 3
    unknown = requests.get(f"{server.vendor_url('echo')}/v1/things", headers={"X-Echo-Key": "nope"}, timeout=10)
    assert unknown.json() == {"fault": {"code": 401, "text": "unknown key"}}


@pytest.mark.usefixtures("echo")
def test_the_command_line_shows_and_takes_the_new_vendors_options() -> None:
    parser = build_parser()
    shown = parser.format_help()
    for text in ("--echo-greeting", "--echo-key KEY=ACCOUNT", "--echo-per-second", "GET /_sandbox/echo/truth"):
        assert text in shown
    assert "GET /echo/v1/things" in shown and "echo:bad_record,value=x" in shown
    args = parser.parse_args(["--echo-greeting", "hej", "--echo-key", "k1=a", "--echo-key", "k2=b"])
    config = config_from_args(args)
    assert (config.echo_greeting, config.echo_keys, config.echo_per_second) == ("hej", {"k1": "a", "k2": "b"}, 3)
    with pytest.raises(ValueError, match="echo_per_second must be at least 1"):
        config_from_args(parser.parse_args(["--echo-per-second", "0"]))


@pytest.mark.usefixtures("echo")
def test_faults_reach_the_new_vendor_and_answer_in_its_shapes(sandbox_factory: SandboxFactory) -> None:
    faults = ["echo:status=502", "echo:rate_limit=3", "echo:bad_record,value=x"]
    server = sandbox_factory(rate_limit=False, faults=faults)
    failed, limited, broken = things(server), things(server), things(server)
    assert (failed.status_code, failed.json()) == (502, {"fault": {"code": 502, "text": "echo is down"}})
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
    assert limited.json() == {"fault": {"code": 429, "text": "slow down"}}
    assert [thing["id"] for thing in broken.json()["things"]] == [0, "x", 2]
    assert [r.fault for r in server.requests] == ["status=502", "rate_limit=3", "bad_record"]
    with pytest.raises(ValueError, match="unknown vendor nobody"):
        server.add_fault("nobody:drop")


@pytest.mark.usefixtures("echo")
def test_the_new_vendor_is_limited_by_the_shared_limiter(sandbox_factory: SandboxFactory) -> None:
    server = sandbox_factory(echo_per_second=2)
    assert [things(server).status_code for _ in range(3)] == [200, 200, 429]
    assert [r.rate_limited for r in server.requests] == [None, None, "window"]
    time.sleep(1.05)
    assert things(server).status_code == 200  # the refused request did not count


def test_a_package_without_vendor_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "halfdone").mkdir()
    (tmp_path / "halfdone" / "__init__.py").write_text('"""No VENDOR yet."""\n', encoding="utf-8")
    monkeypatch.setattr(vendor_sandbox.vendors, "__path__", [*vendor_sandbox.vendors.__path__, str(tmp_path)])
    with pytest.raises(TypeError, match=r"vendor_sandbox\.vendors\.halfdone must define VENDOR"):
        SandboxConfig()


def test_vendor_options_are_resolved_through_the_registry() -> None:
    config = SandboxConfig(rickai_sessions_per_day=5, kameleoon_poll_outcome="error", calltouch_import_seconds=0)
    assert config.vendor("rickai").sessions_per_day == 5 and config.kameleoon_poll_outcome == "error"
    changed = config.replace(rickai_max_in_flight=2, rate_limit=False)
    assert (changed.rickai_max_in_flight, config.rickai_max_in_flight, changed.rate_limit) == (2, 1, False)
    assert changed.rickai_sessions_per_day == 5 and changed != config and config.replace() == config
    config.calltouch_import_outcome = "never"
    assert config.vendors["calltouch"].import_outcome == "never"
    with pytest.raises(TypeError, match="unknown sandbox option 'rickai_nope'"):
        SandboxConfig(rickai_nope=1)
    with pytest.raises(ValueError, match="rickai_max_in_flight must be at least 1"):
        SandboxConfig(rickai_max_in_flight=0)
    with pytest.raises(ValueError, match="kameleoon_poll_outcome must be one of ready, error, never"):
        config.kameleoon_poll_outcome = "maybe"
    with pytest.raises(AttributeError):
        _ = config.rickai_nope


def test_the_core_names_no_vendor() -> None:
    names = [*plugins(), "rick.ai", "rick-auth"]
    for path in sorted((PACKAGE / "core").glob("*.py")):
        text = path.read_text(encoding="utf-8").lower()
        assert not [name for name in names if name in text], path.name


def test_the_sandbox_imports_nothing_of_ours_and_vendors_only_the_core() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        for module in _imports(path):
            assert module.split(".")[0] not in {"vendor_http", "vendor_testing", "tap_rickai", "tap_kameleoon"}, path
            if relative.parts[0] == "vendors" and module.startswith("vendor_sandbox"):
                assert module == "vendor_sandbox.core", f"{relative} imports {module}"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found
