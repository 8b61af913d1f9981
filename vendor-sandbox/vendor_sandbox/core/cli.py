"""Command line: `vendor-sandbox [options]` runs the sandbox until SIGTERM/SIGINT.

The vendors' options, endpoints and fault notes come from the registered vendor packages.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from . import options, registry
from .clock import parse_datetime
from .config import SandboxConfig
from .contract import VendorPlugin
from .faults import parse_faults
from .server import SandboxServer

DEFAULT_PORT = 8765

FAULT_HELP = """\
fault syntax (--fault, repeatable), JSON or VENDOR:KIND[=VALUE] followed, in any order, by
xCOUNT, @AFTER and ,KEY=VALUE parts:
  kinds: status (=STATUS, default 503, with the vendor's documented error body; body=… replaces it),
         rate_limit (=RETRY_AFTER seconds, default 1, the vendor's documented 429 body;
                     retry_after_format=http-date),
         slow (=DELAY seconds, default 1), truncate (=FRACTION of the body, default 0.5),
         malformed, drop,
         bad_record (=KEY, default the vendor's for that list; value=…, default "not-a-number";
                     records=NAME picks one of the answer's record lists, see each vendor below),
         redirect (=STATUS 301|302|303|307|308, default 307; to=elsewhere (the recording host,
                   another origin, recording everything it receives) | same | an absolute URL)
  xN fires N times (x* = every request), @K lets the first K matching requests through.
admin API: GET /_sandbox/health, GET|POST /_sandbox/clock, GET|POST|DELETE /_sandbox/faults,
           GET|DELETE /_sandbox/requests[?vendor=NAME], GET /_sandbox/stats, GET|DELETE /_sandbox/elsewhere
"""


def build_parser() -> argparse.ArgumentParser:
    vendors = registry.plugins()
    parser = argparse.ArgumentParser(
        prog="vendor-sandbox",
        description="Local HTTP server emulating vendor APIs as documented: each vendor is served under "
        f"/<vendor> ({', '.join(f'/{name}' for name in vendors)}), admin endpoints under /_sandbox/. "
        "Binds 127.0.0.1 only.",
        epilog=FAULT_HELP + "".join(_vendor_help(vendor) for vendor in vendors.values()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"TCP port (default {DEFAULT_PORT}; 0 = any free port, printed on start)",
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the synthetic data (default 42)")
    parser.add_argument(
        "--now",
        type=parse_datetime,
        metavar="ISO_DATETIME",
        help="pin the sandbox clock, e.g. 2026-11-20T12:00:00Z (default: real UTC time)",
    )
    parser.add_argument(
        "--no-rate-limit",
        dest="rate_limit",
        action="store_false",
        help="do not enforce vendor rate limits (default: enforced, strict)",
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="SPEC", help="queue a fault at start (repeatable; syntax below)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every HTTP request to stderr")
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
