"""Vendor options: config dataclass fields that also describe their command-line option.

A vendor's config is a dataclass whose fields are made with :func:`option`; the sandbox
takes them as ``<vendor>_<field>`` keywords (``SandboxConfig``, ``sandbox_factory``) and as
``--<vendor>-<field>`` command-line options, both generated here, so a vendor declares each
option once. Validation errors raise :class:`OptionError` naming the field.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass
from typing import Any

METADATA_KEY = "vendor_sandbox"


class OptionError(ValueError):
    """A vendor option with a value the sandbox refuses; the core prefixes the vendor's name."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field, self.problem = field, problem


@dataclass(frozen=True)
class OptionInfo:
    help: str
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    flag: str | None = None
    """Option name after `--<vendor>-` when not the field's name, e.g. "token" for `tokens`."""
    parse: Callable[[str], Any] | None = None
    """Turns one command-line value into the field's type (or an item of it when `collect`)."""
    collect: Callable[[list[Any]], Any] | None = None
    """Makes the option repeatable: the parsed values, collected, replace the default."""


def option(
    default: Any = MISSING,
    *,
    help: str,
    default_factory: Callable[[], Any] | Any = MISSING,
    metavar: str | None = None,
    choices: Iterable[str] | None = None,
    flag: str | None = None,
    parse: Callable[[str], Any] | None = None,
    collect: Callable[[list[Any]], Any] | None = None,
) -> Any:
    """A vendor config field and its command-line option (type from the default unless `parse`)."""
    info = OptionInfo(help, metavar, tuple(choices) if choices else None, flag, parse, collect)
    return dataclasses.field(default=default, default_factory=default_factory, metadata={METADATA_KEY: info})


def option_fields(config_type: type) -> dict[str, OptionInfo]:
    """The fields of a vendor config dataclass that are options, by name."""
    return {
        f.name: f.metadata.get(METADATA_KEY) or OptionInfo(help=f.name)
        for f in dataclasses.fields(config_type)
        if f.init
    }


def check_choices(config: Any) -> None:
    """Refuse a value outside an option's declared `choices`."""
    for name, info in option_fields(type(config)).items():
        value = getattr(config, name)
        if info.choices and value not in info.choices:
            raise OptionError(name, f"must be one of {', '.join(info.choices)} (got {value!r})")


def key_value(text: str) -> tuple[str, str]:
    """`KEY=VALUE` (for repeatable mapping options)."""
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def count_per_seconds(text: str) -> tuple[int, float]:
    """`N/SECONDS` (for repeatable rate-window options)."""
    count, _, seconds = text.partition("/")
    try:
        return int(count), float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N/SECONDS, got {text!r}") from None


def show(value: Any) -> str:
    """An option value as --help and the README show it."""
    if isinstance(value, dict):
        return " ".join(f"{key}={item}" for key, item in value.items()) or "none"
    if isinstance(value, tuple | list):
        if not value:
            return "none"
        return " ".join(
            "/".join(show(part) for part in item) if isinstance(item, tuple) else show(item) for item in value
        )
    if isinstance(value, float):
        return f"{value:g}"
    return "off" if value is None else str(value)


@dataclass(frozen=True)
class OptionDoc:
    """One vendor option as `--help` and the README show it."""

    dest: str
    """The keyword of `SandboxConfig` and `sandbox_factory`, `<vendor>_<field>`."""
    flag: str
    """The command-line switch, e.g. `--acme-token` or `--no-acme-strict`."""
    metavar: str | None
    """What the switch takes (None for an on/off switch); choices as `a|b`."""
    default: str
    help: str
    switch: str | None = None
    """For an on/off switch: "on" or "off", what the switch turns."""
    repeatable: bool = False


def describe_options(vendor: str, config_type: type) -> list[OptionDoc]:
    """Every option of a vendor's config, as its command-line switch and keyword."""
    defaults = config_type()
    found = []
    for name, info in option_fields(config_type).items():
        default = getattr(defaults, name)
        flag = (info.flag or name).replace("_", "-")
        if isinstance(default, bool) and info.parse is None:
            found.append(
                OptionDoc(
                    f"{vendor}_{name}",
                    f"--no-{vendor}-{flag}" if default else f"--{vendor}-{flag}",
                    None,
                    "on" if default else "off",
                    info.help,
                    switch="off" if default else "on",
                )
            )
            continue
        metavar = "|".join(info.choices) if info.choices else info.metavar or name.upper()
        found.append(
            OptionDoc(
                f"{vendor}_{name}", f"--{vendor}-{flag}", metavar, show(default), info.help, None, bool(info.collect)
            )
        )
    return found


def add_arguments(parser: argparse.ArgumentParser, vendor: str, title: str, config_type: type) -> list[str]:
    """One argument group with `--<vendor>-<option>` for each option; returns their `dest`s."""
    group = parser.add_argument_group(f"{title} (/{vendor}, options {vendor}_*)")
    fields = option_fields(config_type)
    defaults = config_type()
    for doc in describe_options(vendor, config_type):
        name = doc.dest.removeprefix(f"{vendor}_")
        info = fields[name]
        text = doc.help.replace("%", "%%")
        common: dict[str, Any] = {"dest": doc.dest, "default": argparse.SUPPRESS}
        shown = doc.default.replace("%", "%%")
        if doc.switch is not None:
            action = "store_true" if doc.switch == "on" else "store_false"
            group.add_argument(doc.flag, action=action, help=f"turn {doc.switch}: {text} (default {shown})", **common)
        else:
            repeat: dict[str, Any] = {"action": "append"} if doc.repeatable else {}
            default_text = f"repeatable; replaces the default {shown}" if doc.repeatable else f"default {shown}"
            group.add_argument(
                doc.flag,
                type=info.parse or type(getattr(defaults, name)),
                metavar=info.metavar,
                choices=info.choices,
                help=f"{text} ({default_text})",
                **repeat,
                **common,
            )
    return [doc.dest for doc in describe_options(vendor, config_type)]


def collected(config_type: type, name: str, value: Any) -> Any:
    """A parsed command-line value as the field's value (repeatable options collected)."""
    info = option_fields(config_type)[name]
    return info.collect(value) if info.collect else value
