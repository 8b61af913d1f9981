"""Mutation testing, one module at a time, and a score per module.

Usage: python scripts/mutation.py [TARGET ...] [--max-children N] [--fail-under PCT]
       [--keep | --gaps | --report] [--only-tests EXPR]

A TARGET is ``package:module`` (``target-calltouch-plans:plans``), or
``package:module:function,function`` to judge only those functions of the module
(methods included, by name), or a bare ``module`` of vendor-http (``retry``). Without
targets: every module of vendor-http, then :data:`PLUGIN_TARGETS`.

mutmut runs from the package's folder with the ``[tool.mutmut]`` of its pyproject.toml:
its source folder, and only the test files listed there (vendor-http: its tests/; a
plugin: its fast test files of pure logic, so a module takes minutes). Each target's
mutants run in their own ``mutmut run <mutant names>``, with ``--max-children``
workers (2 by default: the machine is shared). A package's working copy
(``<package>/mutants/``, git-ignored) is rebuilt from scratch unless ``--keep`` is
given, so every score is measured against the tests as they are now; ``--gaps``
keeps it and judges again only the mutants the last run did not catch (after new
tests, with the code unchanged: minutes instead of a full run); ``--report`` only
prints the scores of the last run again. ``--only-tests EXPR`` judges with only the
tests whose names match (``pytest -k``): a mutant caught by fewer tests is caught by all,
so the score is a lower bound, measured in minutes for a module whose code every test of
vendor-http runs (rate_budget: hours in full on a shared machine). A test running longer
than 30 s under a mutant fails (the mutant is caught) instead of waiting for mutmut's
own timeout.

Score = (killed + timed out) / (mutants - equivalent ones). Equivalent mutants (they
cannot change behaviour) are listed with their reason in
``<package>/mutation-equivalents.md``; a listed mutant that is killed, or that no
longer exists, is reported so the list stays true. Not part of CI: it takes minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
SHARED = "vendor-http"
#: The plugins' own logic judged by a plain `make mutation` (after every module of vendor-http).
PLUGIN_TARGETS = (
    "target-calltouch-plans:plans",
    "tap-kameleoon:pipeline",
    "tap-kameleoon:audiences:windows,resumable,forget",
    "tap-shopster:reports",
    "tap-trust:client:statistics_columns,range_params,snapshot_window,token_created_at,as_id,rfc3339",
)
MUTMUT = Path(sys.executable).parent / "mutmut"
#: Seconds one test may run under a mutant (pytest-timeout, through PYTEST_ADDOPTS so that
#: mutmut's cached verdicts stay valid). A mutant that makes a budget or a poller wait
#: forever then fails its test in seconds (caught), instead of running until mutmut's
#: own timeout, which is 15 times the covering tests' duration: minutes per mutant.
TEST_TIMEOUT_SECONDS = 30
CAUGHT = {"killed", "timeout"}
TRIES = 3
#: Mutants not caught listed per module (a module without its tests has hundreds).
MAX_LISTED = 60


@dataclass(frozen=True)
class Target:
    """One module of one package, or some of its functions."""

    package: str
    module: str
    functions: tuple[str, ...] = ()

    @property
    def folder(self) -> Path:
        return ROOT / self.package

    @property
    def source(self) -> str:
        """The package's import name: the folder mutmut mutates (``[tool.mutmut] source_paths``)."""
        return source_folder(self.package)

    @property
    def qualified(self) -> str:
        return f"{self.source}.{self.module}"

    @property
    def patterns(self) -> list[str]:
        """mutmut's names of this target's mutants (fnmatch patterns)."""
        if not self.functions:
            return [f"{self.qualified}.*"]
        names = []
        for function in self.functions:
            names += [f"{self.qualified}.x_{function}__mutmut_*", f"{self.qualified}.xǁ*ǁ{function}__mutmut_*"]
        return names

    def __str__(self) -> str:
        return f"{self.package}:{self.module}" + (f":{','.join(self.functions)}" if self.functions else "")


def source_folder(package: str) -> str:
    """The one source folder of ``package``'s ``[tool.mutmut]``."""
    pyproject = tomllib.loads((ROOT / package / "pyproject.toml").read_text(encoding="utf-8"))
    try:
        (folder,) = pyproject["tool"]["mutmut"]["source_paths"]
    except (KeyError, ValueError):
        sys.exit(f"{package}/pyproject.toml needs a [tool.mutmut] section with one source_paths folder")
    return str(folder)


def modules(package: str) -> list[str]:
    """Every module of ``package`` that has code to mutate."""
    source = ROOT / package / source_folder(package)
    return sorted(path.stem for path in source.glob("*.py") if path.stem != "__init__")


def parse_target(text: str) -> Target:
    package, _, rest = text.partition(":") if ":" in text else (SHARED, "", text)
    module, _, functions = rest.partition(":")
    return Target(package, module, tuple(name for name in functions.split(",") if name))


def equivalents(package: str) -> set[str]:
    """Mutant names listed as equivalent (in backticks) in the package's equivalents file."""
    path = ROOT / package / "mutation-equivalents.md"
    if not path.exists():
        return set()
    return set(re.findall(r"`(\w+\.[\w.ǁ]+__mutmut_\d+)`", path.read_text(encoding="utf-8")))


def results(target: Target) -> dict[str, str]:
    """Mutant name -> status of ``target``'s last run."""
    meta = target.folder / "mutants" / target.source / f"{target.module}.py.meta"
    if not meta.exists():
        return {}
    exit_codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return {
        name: status_by_exit_code[code]
        for name, code in exit_codes.items()
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in target.patterns)
    }


def run_target(
    target: Target, max_children: int, log: Path, *, names: list[str] | None = None, tests: str | None = None
) -> bool:
    """Run ``target``'s mutants (or only ``names``); False if mutmut failed (its output is in ``log``).

    mutmut and its workers run in their own process group, ended with this script
    (Ctrl-C or a kill), so that nothing keeps running after it.
    """
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n===== {target} =====\n")
        out.flush()
        child = subprocess.Popen(
            [str(MUTMUT), "run", "--max-children", str(max_children), *(names or target.patterns)],
            cwd=target.folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={
                **os.environ,
                "PYTEST_ADDOPTS": f"--timeout={TEST_TIMEOUT_SECONDS}" + (f" -k '{tests}'" if tests else ""),
            },
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
    parser.add_argument("targets", nargs="*", help="package:module[:function,…] or a module of vendor_http")
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutmut workers (default 2)")
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 if a module scores below this")
    parser.add_argument("--keep", action="store_true", help="reuse each package's mutants/ (stats, mutants)")
    parser.add_argument("--gaps", action="store_true", help="judge again only what the last run did not catch")
    parser.add_argument(
        "--only-tests",
        metavar="EXPR",
        help="judge with only the tests whose names match EXPR (pytest -k, e.g. rate_budget): a lower bound "
        "of the score, quick for a module that every test runs",
    )
    parser.add_argument("--report", action="store_true", help="run nothing: the scores of the last run")
    args = parser.parse_args()
    texts = args.targets or [*modules(SHARED), *PLUGIN_TARGETS]
    chosen = [parse_target(text) for text in texts]
    for target in chosen:
        if not (target.folder / "pyproject.toml").exists():
            parser.error(f"no such package: {target.package}")
        if target.module not in modules(target.package):
            parser.error(f"no such module in {target.package}: {target.module}")

    if not (args.keep or args.gaps or args.report):
        for package in dict.fromkeys(target.package for target in chosen):
            shutil.rmtree(ROOT / package / "mutants", ignore_errors=True)
    log = ROOT / "output" / "mutation.log"
    log.parent.mkdir(exist_ok=True)
    if not args.report:
        log.write_text("", encoding="utf-8")
    rows: list[tuple[Target, int, int, int, float, list[str]]] = []
    failed = False
    for target in chosen:
        last = results(target) if args.gaps else {}
        # --gaps: only what the last run did not catch (all of it if it never ran)
        gaps = sorted(name for name, status in last.items() if status not in CAUGHT) if last else None
        if not args.report and gaps != []:
            print(f"{target} ..." + (f" ({len(gaps)} not caught last time)" if gaps else ""), flush=True)
            # mutmut 3.8 now and then dies while it collects which tests cover what
            # (a segfault inside its trampoline, not in a test): then it is run again.
            for attempt in range(1, TRIES + 1):
                if run_target(target, args.max_children, log, names=gaps, tests=args.only_tests):
                    break
                print(f"  mutmut failed (try {attempt} of {TRIES}); see {log}", flush=True)
            else:
                failed = True
        statuses = results(target)
        if not statuses:
            continue  # nothing to mutate in this module
        listed = equivalents(target.package)
        counts = Counter(statuses.values())
        equivalent = {name for name in statuses if name in listed}
        caught = sum(1 for name, status in statuses.items() if status in CAUGHT and name not in equivalent)
        judged = len(statuses) - len(equivalent)
        score = 100.0 * caught / judged if judged else 100.0
        gaps = sorted(name for name, status in statuses.items() if status not in CAUGHT and name not in equivalent)
        rows.append((target, len(statuses), caught, len(equivalent), score, gaps))
        for name in sorted(equivalent):
            if statuses[name] in CAUGHT:
                print(f"  note: {name} is listed as equivalent but was {statuses[name]}: drop it from the list")
        untested = {status: n for status, n in counts.items() if status not in CAUGHT | {"survived"}}
        if untested:
            print(f"  note: {untested} (see `mutmut results` in {target.package}/)")
        failed |= score < args.fail_under

    for package in dict.fromkeys(target.package for target in chosen):
        whole = {target.module for target in chosen if target.package == package and not target.functions}
        known = {name for target in chosen if target.package == package for name in results(target)}
        for name in sorted(equivalents(package) - known):
            if name.split(".")[1] in whole:
                print(f"note: {name} is listed as equivalent but no longer exists: drop it from the list")

    width = max([len(str(row[0])) for row in rows] + [6])
    print()
    print(f"{'module':<{width}} {'mutants':>7} {'caught':>7} {'equiv.':>6} {'raw':>7} {'score':>7}")
    for target, total, caught, equivalent, score, _ in rows:
        raw = 100.0 * caught / total
        print(f"{target!s:<{width}} {total:>7} {caught:>7} {equivalent:>6} {raw:>6.1f}% {score:>6.1f}%")
    print("raw: caught / mutants; score: caught / (mutants - equivalent ones)")
    for target, *_, gaps in rows:
        if gaps:
            print(f"\n{target}: not caught ({len(gaps)}); `mutmut show NAME` in {target.package}/ shows the change")
            for name in gaps[:MAX_LISTED]:
                print(f"  {name}")
            if len(gaps) > MAX_LISTED:
                print(f"  … and {len(gaps) - MAX_LISTED} more (`mutmut results` in {target.package}/)")
    print(f"\nmutmut's output: {log}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
