"""Command line: `vendor-sandbox [options]` runs the sandbox until SIGTERM/SIGINT.

The vendors' options, endpoints and fault notes come from the registered vendor packages.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from . import options, registry
from .clock import parse_datetime
from .config import SandboxConfig
from .contract import VendorPlugin
from .faults import parse_faults
from .reference import fault_help
from .server import SandboxServer

DEFAULT_PORT = 8765


@dataclass(frozen=True)
class CoreOption:
    """One option of the core (`--help` and the README's table both come from these)."""

    flags: tuple[str, ...]
    help: str
    default: str
    """The default as the README and `--help` show it."""
    settings: dict[str, Any] = field(default_factory=dict)
    """The rest of argparse's `add_argument` keywords."""

    @property
    def usage(self) -> str:
        """`--port N`, `-v, --verbose`."""
        metavar = self.settings.get("metavar")
        return ", ".join(self.flags) + (f" {metavar}" if metavar else "")


CORE_OPTIONS = (
    CoreOption(
        ("--port",),
        "TCP port; 0 = any free port, printed on start",
        str(DEFAULT_PORT),
        {"type": int, "default": DEFAULT_PORT, "metavar": "N"},
    ),
    CoreOption(("--seed",), "seed of all synthetic data", "42", {"type": int, "default": 42, "metavar": "N"}),
    CoreOption(
        ("--now",),
        "pin the sandbox clock, e.g. 2026-11-20T12:00:00Z",
        "real UTC time",
        {"type": parse_datetime, "metavar": "ISO_DATETIME"},
    ),
    CoreOption(
        ("--no-rate-limit",),
        "turn every vendor's documented rate limits off",
        "limits enforced",
        {"dest": "rate_limit", "action": "store_false"},
    ),
    CoreOption(
        ("--fault",),
        "queue a fault at start (repeatable; syntax and kinds below)",
        "none",
        {"action": "append", "default": [], "metavar": "SPEC"},
    ),
    CoreOption(("-v", "--verbose"), "log every HTTP request to stderr", "off", {"action": "store_true"}),
)


def build_parser() -> argparse.ArgumentParser:
    vendors = registry.plugins()
    parser = argparse.ArgumentParser(
        prog="vendor-sandbox",
        description="Local HTTP server emulating vendor APIs as documented: each vendor is served under "
        f"/<vendor> ({', '.join(f'/{name}' for name in vendors)}), admin endpoints under /_sandbox/. "
        "Binds 127.0.0.1 only.",
        epilog=fault_help() + "".join(_vendor_help(vendor) for vendor in vendors.values()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for core in CORE_OPTIONS:
        parser.add_argument(*core.flags, help=f"{core.help} (default: {core.default})", **core.settings)
    for name, vendor in vendors.items():
        options.add_arguments(parser, name, vendor.title, vendor.config)
    return parser


def _vendor_help(vendor: VendorPlugin) -> str:
    lines = [f"{vendor.name}: {vendor.title}"]
    for route in vendor.routes:
        method, _, path = route.partition(" ")
        lines.append(f"  {method} /{vendor.name}{path}")
    lines += [f"  admin: {endpoint}" for endpoint in vendor.admin]
    if vendor.records:
        lines.append("  bad_record records (records=NAME; default: the first non-empty one):")
        lines += [f"    {where}" for where in vendor.records]
    if vendor.faults:
        lines.append(f"  faults e.g.: {'  '.join(vendor.faults)}")
    return "\n" + "\n".join(lines) + "\n"


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """The sandbox config the parsed command line asks for (vendor options by `<vendor>_<field>`)."""
    chosen = {}
    for dest, value in vars(args).items():
        try:
            vendor, field = registry.split_option(dest)
        except KeyError:
            continue
        chosen[dest] = options.collected(registry.plugin(vendor).config, field, value)
    return SandboxConfig(
        port=args.port,
        seed=args.seed,
        now=args.now,
        rate_limit=args.rate_limit,
        faults=parse_faults(args.fault),
        **chosen,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
        server = SandboxServer(config, verbose=args.verbose)
    except ValueError as error:
        parser.error(str(error))
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        server.start()
    except OSError as error:
        print(f"vendor-sandbox: cannot listen on port {config.port}: {error}", file=sys.stderr)
        return 1
    print(f"vendor-sandbox listening on {server.url}", flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        server.stop()
    print("vendor-sandbox stopped", flush=True)
    return 0
