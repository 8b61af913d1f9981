"""Command line: `vendor-sandbox [options]` runs the sandbox until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .config import DEFAULT_RICKAI_COMPANY, DEFAULT_RICKAI_TOKEN, SandboxConfig, parse_datetime
from .faults import parse_faults
from .server import SandboxServer

DEFAULT_PORT = 8765

FAULT_HELP = """\
fault syntax (--fault, repeatable), JSON or VENDOR:KIND[=VALUE][xCOUNT][@AFTER][,KEY=VALUE...]:
  kinds: status (=STATUS, default 503, body {"error": "gateway timeout"}),
         rate_limit (=RETRY_AFTER seconds, default 1; retry_after_format=http-date),
         slow (=DELAY seconds, default 1), truncate (=FRACTION of the body, default 0.5),
         malformed, drop
  xN fires N times (x* = every request), @K lets the first K matching requests through.
  examples: rickai:status=503x3  rickai:drop  rickai:rate_limit,retry_after=2
            rickai:truncate@2  '{"vendor": "rickai", "kind": "slow", "delay": 0.5}'
admin API: GET /_sandbox/health, GET|POST /_sandbox/clock, GET|POST|DELETE /_sandbox/faults,
           GET|DELETE /_sandbox/requests, GET /_sandbox/stats,
           GET /_sandbox/rickai/truth?company=C&start=D&end=D[&keys=1]
           GET /_sandbox/calltouch/plans, GET /_sandbox/calltouch/imports,
           POST /_sandbox/calltouch/settings?import_outcome=success|error|never&outcome_from=N
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vendor-sandbox",
        description="Local HTTP server emulating vendor APIs as documented. Rick.ai is served under "
        "/rickai (e.g. GET /rickai/v2/{company}/sessions), admin endpoints under /_sandbox/. "
        "Binds 127.0.0.1 only.",
        epilog=FAULT_HELP,
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
    parser.add_argument(
        "--rickai-token",
        action="append",
        default=[],
        metavar="TOKEN=COMPANY",
        help="register a Rick.ai token for a company (repeatable; replaces the default "
        f"{DEFAULT_RICKAI_TOKEN}={DEFAULT_RICKAI_COMPANY})",
    )
    parser.add_argument(
        "--rickai-sessions-per-day",
        type=int,
        default=200,
        metavar="N",
        help="average sessions per company and day, varied ±20%% per day (default 200)",
    )
    parser.add_argument(
        "--rickai-min-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="minimum time between accepted requests of a token (default 1.0)",
    )
    parser.add_argument(
        "--rickai-max-in-flight",
        type=int,
        default=1,
        metavar="N",
        help="concurrent requests allowed per token (default 1)",
    )
    parser.add_argument(
        "--kameleoon-polls-until-ready",
        type=int,
        default=2,
        metavar="N",
        help="Kameleoon: polls of a data code answered WAITING before READY (default 2)",
    )
    parser.add_argument(
        "--kameleoon-poll-outcome",
        choices=("ready", "error", "never"),
        default="ready",
        help="Kameleoon: what data-code polls end in (default ready)",
    )
    parser.add_argument(
        "--kameleoon-token-lifetime",
        type=float,
        default=7200.0,
        metavar="SECONDS",
        help="Kameleoon: access token lifetime (default 7200)",
    )
    parser.add_argument(
        "--no-kameleoon-audiences-addon",
        dest="kameleoon_audiences_addon",
        action="store_false",
        help="Kameleoon: the account lacks the Audiences add-on (403 on audience requests)",
    )
    parser.add_argument(
        "--calltouch-import-seconds",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="Calltouch: seconds after an add before its status leaves 'in progress...' (default 1)",
    )
    parser.add_argument(
        "--calltouch-import-outcome",
        choices=("success", "error", "never"),
        default="success",
        help="Calltouch: what imports end in (default success)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every HTTP request to stderr")
    return parser


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    tokens = dict(_token_pair(item) for item in args.rickai_token) or {DEFAULT_RICKAI_TOKEN: DEFAULT_RICKAI_COMPANY}
    return SandboxConfig(
        port=args.port,
        seed=args.seed,
        now=args.now,
        rate_limit=args.rate_limit,
        faults=parse_faults(args.fault),
        rickai_tokens=tokens,
        rickai_sessions_per_day=args.rickai_sessions_per_day,
        rickai_min_interval=args.rickai_min_interval,
        rickai_max_in_flight=args.rickai_max_in_flight,
        kameleoon_polls_until_ready=args.kameleoon_polls_until_ready,
        kameleoon_poll_outcome=args.kameleoon_poll_outcome,
        kameleoon_token_lifetime=args.kameleoon_token_lifetime,
        kameleoon_audiences_addon=args.kameleoon_audiences_addon,
        calltouch_import_seconds=args.calltouch_import_seconds,
        calltouch_import_outcome=args.calltouch_import_outcome,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as error:
        parser.error(str(error))
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = SandboxServer(config, verbose=args.verbose)
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


def _token_pair(item: str) -> tuple[str, str]:
    token, sep, company = item.partition("=")
    if not sep or not token or not company:
        raise ValueError(f"--rickai-token expects TOKEN=COMPANY, got {item!r}")
    return token, company
