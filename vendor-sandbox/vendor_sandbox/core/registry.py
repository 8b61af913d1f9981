"""Finding the vendor packages: every package under `vendor_sandbox.vendors` that defines VENDOR.

Nothing lists the vendors: adding `vendor_sandbox/vendors/<name>/` with
``VENDOR = VendorPlugin(name="<name>", ...)`` in its ``__init__`` is all it takes.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import pkgutil
from typing import Any

from .contract import VendorPlugin
from .options import check_choices, option_fields

VENDORS_PACKAGE = "vendor_sandbox.vendors"


def plugins() -> dict[str, VendorPlugin]:
    """Every vendor package's plugin, by name, in name order."""
    package = importlib.import_module(VENDORS_PACKAGE)
    return _discover(tuple(package.__path__))


def plugin(name: str) -> VendorPlugin:
    found = plugins()
    if name not in found:
        raise KeyError(f"unknown vendor {name!r}; known: {', '.join(found)}")
    return found[name]


@functools.cache
def _discover(path: tuple[str, ...]) -> dict[str, VendorPlugin]:
    found: dict[str, VendorPlugin] = {}
    for module in sorted(pkgutil.iter_modules(list(path)), key=lambda m: m.name):
        if not module.ispkg or module.name.startswith("_"):
            continue
        package = importlib.import_module(f"{VENDORS_PACKAGE}.{module.name}")
        vendor = getattr(package, "VENDOR", None)
        if not isinstance(vendor, VendorPlugin):
            raise TypeError(f"{package.__name__} must define VENDOR = VendorPlugin(...)")
        if vendor.name != module.name:
            raise ValueError(f"{package.__name__} registers itself as {vendor.name!r}: use the package's name")
        if not dataclasses.is_dataclass(vendor.config):
            raise TypeError(f"{package.__name__}: VENDOR.config must be a dataclass of option() fields")
        found[vendor.name] = vendor
    return found


def split_option(option: str) -> tuple[str, str]:
    """`acme_min_interval` -> ("acme", "min_interval"); KeyError when no vendor has it."""
    for name in sorted(plugins(), key=len, reverse=True):
        field = option.removeprefix(f"{name}_")
        if field != option and field in option_fields(plugins()[name].config):
            return name, field
    raise KeyError(option)


def vendor_config(name: str, base: Any | None = None, changes: dict[str, Any] | None = None) -> Any:
    """Vendor `name`'s config: `base` (default: the documented defaults) with `changes`, validated.

    A refused value raises ValueError naming the full option, e.g. `acme_max_in_flight`."""
    vendor = plugin(name)
    try:
        config = dataclasses.replace(base, **(changes or {})) if base is not None else vendor.config(**(changes or {}))
        check_choices(config)
    except ValueError as error:
        field = getattr(error, "field", None)
        raise ValueError(f"{name}_{error}" if field else f"{name}: {error}") from None
    return config
