"""A local HTTP server that emulates vendor APIs strictly as documented (Rick.ai for now)."""

from .calltouch import CalltouchEmulator
from .config import SandboxClock, SandboxConfig
from .faults import Fault, FaultKind, FaultQueue, parse_faults
from .kameleoon import KameleoonEmulator
from .requestlog import RequestLog, RequestRecord
from .rickai import RickaiEmulator
from .rickai_data import RickaiData
from .server import SandboxServer
from .vendor import ServedCount

__version__ = "0.1.0"
__all__ = [
    "CalltouchEmulator",
    "Fault",
    "FaultKind",
    "FaultQueue",
    "KameleoonEmulator",
    "RequestLog",
    "RequestRecord",
    "RickaiData",
    "RickaiEmulator",
    "SandboxClock",
    "SandboxConfig",
    "SandboxServer",
    "ServedCount",
    "parse_faults",
]
