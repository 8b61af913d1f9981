"""A local HTTP server that emulates vendor APIs strictly as documented.

The core (:mod:`vendor_sandbox.core`) serves every vendor package found under
:mod:`vendor_sandbox.vendors` (one per vendor: Rick.ai, Kameleoon, Calltouch…).
"""

from .core.clock import SandboxClock
from .core.config import SandboxConfig
from .core.faults import Fault, FaultKind, FaultQueue, parse_faults
from .core.limiter import Limiter, LimitRules
from .core.registry import plugins
from .core.requestlog import RequestLog, RequestRecord
from .core.server import SandboxServer

__version__ = "0.1.0"
__all__ = [
    "Fault",
    "FaultKind",
    "FaultQueue",
    "LimitRules",
    "Limiter",
    "RequestLog",
    "RequestRecord",
    "SandboxClock",
    "SandboxConfig",
    "SandboxServer",
    "parse_faults",
    "plugins",
]
