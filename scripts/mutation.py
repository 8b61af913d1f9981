"""Mutation testing of vendor-http, one module at a time, and a score per module.

Usage: python scripts/mutation.py [module ...] [--max-children N] [--fail-under PCT] [--keep | --report]

mutmut (configured in vendor-http/pyproject.toml) runs from vendor-http/ with only
vendor-http/tests. Each module's mutants run in their own ``mutmut run
"vendor_http.<module>.*"``, with ``--max-children`` workers (2 by default: the machine
is shared). The working copy (vendor-http/mutants/, git-ignored) is rebuilt from
scratch unless ``--keep`` is given, so every score is measured against the tests as
they are now; ``--report`` only prints the scores of the last run again.

Score = (killed + timed out) / (mutants - equivalent ones). Equivalent mutants (they
cannot change behaviour) are listed with their reason in
vendor-http/mutation-equivalents.md; a listed mutant that is killed, or that no
longer exists, is reported so the list stays true. Not part of CI: it takes minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "vendor-http"
SOURCE = PACKAGE / "vendor_http"
EQUIVALENTS = PACKAGE / "mutation-equivalents.md"
MUTMUT = Path(sys.executable).parent / "mutmut"
CAUGHT = {"killed", "timeout"}
TRIES = 3


def modules() -> list[str]:
    """Every module of the package that has code to mutate."""
    return sorted(path.stem for path in SOURCE.glob("*.py") if path.stem != "__init__")


def equivalents() -> set[str]:
    """Mutant names listed as equivalent (in backticks) in the equivalents file."""
    if not EQUIVALENTS.exists():
        return set()
    return set(re.findall(r"`(vendor_http\.[\w.ǁ]+__mutmut_\d+)`", EQUIVALENTS.read_text(encoding="utf-8")))


def results(module: str) -> dict[str, str]:
    """Mutant name -> status of ``module``'s last run."""
    meta = PACKAGE / "mutants" / "vendor_http" / f"{module}.py.meta"
    if not meta.exists():
        return {}
    exit_codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return {name: status_by_exit_code[code] for name, code in exit_codes.items()}


def run_module(module: str, max_children: int, log: Path) -> bool:
    """Run ``module``'s mutants; False if mutmut failed (its output is in ``log``).

    mutmut and its workers run in their own process group, ended with this script
    (Ctrl-C or a kill), so that nothing keeps running after it.
    """
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n===== vendor_http.{module} =====\n")
        out.flush()
        child = subprocess.Popen(
            [str(MUTMUT), "run", "--max-children", str(max_children), f"vendor_http.{module}.*"],
            cwd=PACKAGE,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def stop(signum: int, _frame: object) -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
            raise SystemExit(128 + signum)

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            return child.wait() == 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="modules of vendor_http (default: all)")
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutmut workers (default 2)")
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 if a module scores below this")
    parser.add_argument("--keep", action="store_true", help="reuse vendor-http/mutants/ (stats, mutants)")
    parser.add_argument("--report", action="store_true", help="run nothing: the scores of the last run")
    args = parser.parse_args()
    chosen = args.modules or modules()
    unknown = sorted(set(chosen) - set(modules()))
    if unknown:
        parser.error(f"no such module in vendor_http: {', '.join(unknown)}")

    if not (args.keep or args.report):
        shutil.rmtree(PACKAGE / "mutants", ignore_errors=True)
    log = ROOT / "output" / "mutation.log"
    log.parent.mkdir(exist_ok=True)
    if not args.report:
        log.write_text("", encoding="utf-8")
    listed = equivalents()
    rows: list[tuple[str, int, int, int, float, list[str]]] = []
    failed = False
    for module in chosen:
        if not args.report:
            print(f"vendor_http.{module} ...", flush=True)
            # mutmut 3.8 now and then dies while it collects which tests cover what
            # (a segfault inside its trampoline, not in a test): then it is run again.
            for attempt in range(1, TRIES + 1):
                if run_module(module, args.max_children, log):
                    break
                print(f"  mutmut failed (try {attempt} of {TRIES}); see {log}", flush=True)
            else:
                failed = True
        statuses = results(module)
        if not statuses:
            continue  # nothing to mutate in this module
        counts = Counter(statuses.values())
        equivalent = {name for name in statuses if name in listed}
        caught = sum(1 for name, status in statuses.items() if status in CAUGHT and name not in equivalent)
        judged = len(statuses) - len(equivalent)
        score = 100.0 * caught / judged if judged else 100.0
        gaps = sorted(name for name, status in statuses.items() if status not in CAUGHT and name not in equivalent)
        rows.append((module, len(statuses), caught, len(equivalent), score, gaps))
        for name in sorted(equivalent):
            if statuses[name] in CAUGHT:
                print(f"  note: {name} is listed as equivalent but was {statuses[name]}: drop it from the list")
        untested = {status: n for status, n in counts.items() if status not in CAUGHT | {"survived"}}
        if untested:
            print(f"  note: {untested} (see `mutmut results` in vendor-http/)")
        failed |= score < args.fail_under

    known = {name for module in chosen for name in results(module)}
    for name in sorted(listed - known):
        if name.split(".")[1] in chosen:
            print(f"note: {name} is listed as equivalent but no longer exists: drop it from the list")

    print()
    print(f"{'module':<14} {'mutants':>7} {'caught':>7} {'equiv.':>6} {'raw':>7} {'score':>7}")
    for module, total, caught, equivalent, score, _ in rows:
        raw = 100.0 * caught / total
        print(f"{module:<14} {total:>7} {caught:>7} {equivalent:>6} {raw:>6.1f}% {score:>6.1f}%")
    print("raw: caught / mutants; score: caught / (mutants - equivalent ones)")
    for module, *_, gaps in rows:
        if gaps:
            print(f"\n{module}: not caught ({len(gaps)}); `mutmut show NAME` in vendor-http/ shows the change")
            for name in gaps:
                print(f"  {name}")
    print(f"\nmutmut's output: {log}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
