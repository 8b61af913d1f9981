"""The sandbox core: server, registry of vendor packages, the shared limiter, faults, request
log, clock and config. It names no vendor; the vendor packages import what they need from here:

    from vendor_sandbox.core import Emulator, VendorPlugin, option, ...
"""

from .clock import SandboxClock, as_utc, parse_datetime
from .contract import (
    JSON_CONTENT_TYPE,
    Admission,
    Emulator,
    Records,
    VendorContext,
    VendorPlugin,
    VendorRequest,
    VendorResponse,
    json_response,
    records_at,
)
from .limiter import Limiter, LimitRules
from .options import OptionError, count_per_seconds, key_value, option

__all__ = [
    "JSON_CONTENT_TYPE",
    "Admission",
    "Emulator",
    "LimitRules",
    "Limiter",
    "OptionError",
    "Records",
    "SandboxClock",
    "VendorContext",
    "VendorPlugin",
    "VendorRequest",
    "VendorResponse",
    "as_utc",
    "count_per_seconds",
    "json_response",
    "key_value",
    "option",
    "parse_datetime",
    "records_at",
]
