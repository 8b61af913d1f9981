"""The README says what the code does: its tables are the generated ones, `--help` shows every
fault kind and admin endpoint, and every file it cites exists."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from vendor_sandbox import plugins
from vendor_sandbox.core.faults import FaultKind
from vendor_sandbox.core.options import describe_options
from vendor_sandbox.core.reference import FAULT_KINDS, admin_endpoints

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent
README = PACKAGE / "README.md"
SCRIPT = ROOT / "scripts" / "sandbox_readme.py"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sandbox_readme", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def help_text() -> str:
    command = [sys.executable, "-m", "vendor_sandbox", "--help"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def hand_written(text: str) -> str:
    """The README without its generated parts and code blocks."""
    text = re.sub(r"<!-- sandbox:([\w-]+):start -->.*?<!-- sandbox:\1:end -->", "", text, flags=re.S)
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def test_the_generated_tables_are_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_readme_behind_the_code_is_caught_and_rewritten() -> None:
    readme = README.read_text(encoding="utf-8")
    stale = readme.replace("| `--kameleoon-sites N` |", "| `--kameleoon-site-count N` |").replace(
        "| `bad_record` |", "| `bad_records` |"
    )
    assert stale != readme
    assert generator().render(stale) == readme


def test_the_readme_lists_every_vendor_option_route_admin_endpoint_and_fault_kind() -> None:
    readme = README.read_text(encoding="utf-8")
    for kind in FaultKind:
        assert f"| `{kind}` |" in readme
    for endpoint in admin_endpoints():
        assert f"| `{endpoint.method} {endpoint.path}` |" in readme
    for name, vendor in plugins().items():
        assert f"(vendor_sandbox/vendors/{name}/README.md)" in readme
        assert f"### `{name}`: {vendor.title}" in readme
        # Each vendor's client is named in the hand-written text too.
        assert f"`{name}`" in hand_written(readme), name
        for route in vendor.routes:
            method, _, path = route.partition(" ")
            assert f"`{method} /{name}{path.split(' (')[0]}`".replace("|", "\\|") in readme
        for option in describe_options(name, vendor.config):
            assert f"`{option.dest}`" in readme
            assert f"`{option.flag}" in readme


def test_help_lists_every_fault_kind_admin_endpoint_and_vendor_part() -> None:
    shown = help_text()
    assert set(FAULT_KINDS) == set(FaultKind)
    kinds = shown.split("fault kinds:", 1)[1].split("admin API:", 1)[0]
    for kind in FaultKind:
        assert f"\n  {kind}: " in kinds, f"--help does not list the {kind} fault"
    assert "bad_record: the normal answer" in kinds
    for endpoint in admin_endpoints():
        assert f"  {endpoint.method} {endpoint.path}: " in shown
    for name, vendor in plugins().items():
        assert f"{name}: {vendor.title}" in shown
        assert "bad_record records" in shown.split(f"{name}: {vendor.title}", 1)[1]
        for option in describe_options(name, vendor.config):
            assert option.flag in shown


def test_every_file_the_readme_cites_exists() -> None:
    text = hand_written(README.read_text(encoding="utf-8"))
    links = re.findall(r"\]\(([^)#][^)]*)\)", text)
    quoted = re.findall(r"`([\w./-]+)`", text)
    cited = [link for link in links if not link.startswith(("http://", "https://"))]
    cited += [
        path
        for path in quoted
        if not path.startswith("/") and ("/" in path or re.search(r"\.(py|md|txt|toml|json)$", path))
    ]
    assert "scripts/sandbox_readme.py" in cited
    missing = [path for path in cited if not (PACKAGE / path).exists() and not (ROOT / path).exists()]
    assert not missing, f"the README cites files that are not in the repository: {missing}"
