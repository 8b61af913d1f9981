"""Sandbox configuration: the core's options plus each registered vendor's config dataclass.

Vendor options are reached as ``<vendor>_<field>`` everywhere, resolved through the registry:
``SandboxConfig(acme_pages=50)``, ``config.acme_pages``, ``config.replace(acme_pages=0)`` for a
vendor package ``acme`` with an option ``pages``. ``config.vendors[name]`` is the vendor's own
dataclass (what its emulator gets).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import registry
from .clock import as_utc


@dataclass(init=False)
class SandboxConfig:
    """Everything a sandbox run can be tuned with. Defaults are strict (as documented)."""

    port: int = 0
    """TCP port on 127.0.0.1; 0 picks a free one."""
    seed: int = 42
    """Seed of all synthetic data."""
    now: datetime | None = None
    """Fixed sandbox "now" (UTC); None follows the real clock."""
    rate_limit: bool = True
    """Enforce the vendors' documented rate limits."""
    faults: list[Any] = field(default_factory=list)
    """Faults queued at start: `Fault` objects, dicts or short-syntax strings."""
    vendors: dict[str, Any] = field(default_factory=dict)
    """Each registered vendor's config dataclass, by vendor name."""

    def __init__(
        self,
        *,
        port: int = 0,
        seed: int = 42,
        now: datetime | None = None,
        rate_limit: bool = True,
        faults: list[Any] | None = None,
        vendors: dict[str, Any] | None = None,
        **options: Any,
    ) -> None:
        """Core options by name, vendor options as `<vendor>_<field>` keywords (or whole
        vendor configs in `vendors`); unknown names raise TypeError."""
        self.port, self.seed, self.rate_limit = port, seed, rate_limit
        self.now = as_utc(now) if now is not None else None
        self.faults = list(faults or [])
        given = dict(vendors or {})
        known = registry.plugins()
        if given.keys() - known.keys():
            raise TypeError(f"unknown vendor(s) {', '.join(sorted(given.keys() - known.keys()))}")
        changes: dict[str, dict[str, Any]] = defaultdict(dict)
        for name, value in options.items():
            vendor, option = _split(name)
            changes[vendor][option] = value
        self.vendors = {name: registry.vendor_config(name, given.get(name), changes[name]) for name in known}

    def vendor(self, name: str) -> Any:
        """Vendor `name`'s config dataclass."""
        return self.vendors[registry.plugin(name).name]

    def replace(self, **changes: Any) -> SandboxConfig:
        """A copy with `changes` (core options and `<vendor>_<field>` options) applied."""
        return dataclasses.replace(self, **changes)

    def __getattr__(self, name: str) -> Any:
        vendors = self.__dict__.get("vendors")
        if vendors is None or name.startswith("_"):
            raise AttributeError(name)
        try:
            vendor, option = registry.split_option(name)
            config = vendors[vendor]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no option {name!r}") from None
        return getattr(config, option)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _CORE_FIELDS:
            object.__setattr__(self, name, value)
            return
        try:
            vendor, option = registry.split_option(name)
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no option {name!r}") from None
        self.vendors[vendor] = registry.vendor_config(vendor, self.vendors[vendor], {option: value})


def _split(name: str) -> tuple[str, str]:
    try:
        return registry.split_option(name)
    except KeyError:
        known = ", ".join(f"{vendor}_*" for vendor in registry.plugins())
        raise TypeError(f"unknown sandbox option {name!r} (core options or {known})") from None


_CORE_FIELDS = frozenset(f.name for f in dataclasses.fields(SandboxConfig))
