"""Write vendor-sandbox/README.md's generated parts from the sandbox's code.

Usage: python scripts/sandbox_readme.py [--check]
Each part goes between `<!-- sandbox:NAME:start -->` and `<!-- sandbox:NAME:end -->`:
`vendors` (the list of registered vendors), `options` (the core's command-line options),
`admin` (the core's `/_sandbox/` endpoints), `faults` (every fault kind) and `per-vendor`
(for each vendor: endpoints, admin endpoints, options, `bad_record` record lists, examples).
They come from the same code as `vendor-sandbox --help`: `vendor_sandbox.core.cli.CORE_OPTIONS`,
`vendor_sandbox.core.reference` and each vendor's `VendorPlugin` and config dataclass.
`--check` only reports whether the README is up to date (exit 1 if not).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from vendor_sandbox.core.cli import CORE_OPTIONS
from vendor_sandbox.core.contract import VendorPlugin
from vendor_sandbox.core.options import describe_options
from vendor_sandbox.core.reference import FAULT_KINDS, admin_endpoints
from vendor_sandbox.core.registry import plugins

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "vendor-sandbox" / "README.md"


def cell(text: str) -> str:
    """Text for a table cell: GitHub's tables split on `|` even inside code."""
    return text.replace("|", "\\|")


def code(text: str) -> str:
    return f"`{text}`"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell(part) for part in row) + " |" for row in rows]
    return "\n".join(lines)


def endpoint_rows(endpoints: tuple[str, ...], prefix: str = "") -> list[tuple[str, str]]:
    """`METHOD path (note)` → (`METHOD prefix+path`, note)."""
    rows = []
    for endpoint in endpoints:
        method, _, rest = endpoint.partition(" ")
        note = re.search(r" \(([^()]*)\)$", rest)
        path = rest[: note.start()] if note else rest
        rows.append((code(f"{method} {prefix}{path}"), note[1] if note else ""))
    return rows


def vendors_part() -> str:
    return "\n".join(
        f"- [`{name}`](vendor_sandbox/vendors/{name}/README.md): {vendor.title}, served under `/{name}`"
        for name, vendor in plugins().items()
    )


def options_part() -> str:
    return table(("option", "default", ""), [(code(o.usage), o.default, o.help) for o in CORE_OPTIONS])


def admin_part() -> str:
    rows = [(code(f"{e.method} {e.path}"), e.description) for e in admin_endpoints()]
    rows.append(("`/_sandbox/<vendor>/...`", "the vendor's own (truth, settings): see each vendor below"))
    return table(("endpoint", ""), rows)


def faults_part() -> str:
    return table(
        ("kind", "effect", "params"), [(code(kind), doc.effect, doc.params) for kind, doc in FAULT_KINDS.items()]
    )


def vendor_section(name: str, vendor: VendorPlugin) -> str:
    parts = [
        f"### `{name}`: {vendor.title}",
        f"Served under `/{name}`; its rules, data and assumptions: "
        f"[vendor_sandbox/vendors/{name}/README.md](vendor_sandbox/vendors/{name}/README.md).",
        table(("endpoint", ""), endpoint_rows(vendor.routes, f"/{name}")),
    ]
    if vendor.admin:
        parts.append(table(("admin endpoint", ""), endpoint_rows(vendor.admin)))
    rows = []
    for option in describe_options(name, vendor.config):
        if option.switch is not None:
            usage, default = code(option.flag), option.default
            text = f"turns {option.switch}: {option.help}"
        else:
            usage, default = code(f"{option.flag} {option.metavar}"), code(option.default)
            text = option.help + (" (repeatable: replaces the default)" if option.repeatable else "")
        rows.append((usage, code(option.dest), default, text))
    parts.append(table(("command line", "`SandboxConfig` / `sandbox_factory`", "default", ""), rows))
    if vendor.records:
        lines = ["`bad_record` record lists (`records=NAME`; default: the first non-empty one):", ""]
        lines += [f"- {where.strip()}" for where in _joined(vendor.records)]
        parts.append("\n".join(lines))
    if vendor.faults:
        parts.append("Faults, e.g.: " + ", ".join(code(spec) for spec in vendor.faults) + ".")
    return "\n\n".join(parts)


def _joined(lines: tuple[str, ...]) -> list[str]:
    """Record-list lines, a continuation line (indented in --help) joined to the one before."""
    joined: list[str] = []
    for line in lines:
        if line.startswith(" ") and joined:
            joined[-1] = f"{joined[-1].rstrip()} {line.strip()}"
        else:
            joined.append(line)
    return joined


def per_vendor_part() -> str:
    return "\n\n".join(vendor_section(name, vendor) for name, vendor in plugins().items())


PARTS = {
    "vendors": vendors_part,
    "options": options_part,
    "admin": admin_part,
    "faults": faults_part,
    "per-vendor": per_vendor_part,
}


def render(readme: str) -> str:
    for name, part in PARTS.items():
        start, end = f"<!-- sandbox:{name}:start -->", f"<!-- sandbox:{name}:end -->"
        if start not in readme or end not in readme:
            msg = f"{README} lacks the markers {start} … {end}"
            raise SystemExit(msg)
        before, rest = readme.split(start, 1)
        _, after = rest.split(end, 1)
        readme = f"{before}{start}\n{part()}\n{end}{after}"
    return readme


def main(argv: list[str]) -> int:
    readme = README.read_text(encoding="utf-8")
    updated = render(readme)
    if updated == readme:
        return 0
    if "--check" in argv:
        print("vendor-sandbox/README.md is out of date (run `make readme`)")
        return 1
    README.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
