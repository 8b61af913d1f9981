"""The sandbox: every registered vendor mounted under `/<name>`, faults, request log, admin API."""

from __future__ import annotations

import threading
from copy import copy
from typing import Any

from . import registry
from .clock import SandboxClock
from .config import SandboxConfig
from .contract import Emulator, VendorContext
from .elsewhere import RecordingHost
from .faults import Fault, FaultQueue, parse_faults
from .requestlog import RequestLog, RequestRecord
from .serving import HOST, SandboxHTTPServer


class SandboxServer:
    """A running (or startable) sandbox. Use as a context manager or call start()/stop().

    Each vendor's emulation is `server.vendor(name)`, also reachable as `server.<name>`
    (e.g. `server.acme.truth(...)`)."""

    def __init__(self, config: SandboxConfig | None = None, *, verbose: bool = False) -> None:
        self.config = config or SandboxConfig()
        self.verbose = verbose
        self.clock = SandboxClock(self.config.now)
        self.faults = FaultQueue()
        self.log = RequestLog()
        #: "Another host" for redirect faults, recording every request whole (started on first use).
        self.elsewhere = RecordingHost()
        context = VendorContext(self.clock, self.config.seed, self.config.rate_limit)
        self.vendors: dict[str, Emulator] = {
            name: vendor.emulator(self.config.vendors[name], context) for name, vendor in registry.plugins().items()
        }
        self.add_fault(*(copy(f) if isinstance(f, Fault) else f for f in self.config.faults))
        self._httpd: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __getattr__(self, name: str) -> Any:
        vendors = self.__dict__.get("vendors") or {}
        if name in vendors:
            return vendors[name]
        raise AttributeError(f"{type(self).__name__} has no attribute or vendor {name!r}")

    def vendor(self, name: str) -> Any:
        """The emulation of vendor `name`."""
        if name not in self.vendors:
            raise KeyError(f"unknown vendor {name!r}; known: {', '.join(self.vendors)}")
        return self.vendors[name]

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            raise RuntimeError("sandbox already started")
        self._httpd = SandboxHTTPServer(self, self.config.port)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="vendor-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.elsewhere.stop()
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("sandbox not started")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def vendor_url(self, vendor: str) -> str:
        """Base URL of a vendor's emulation, e.g. a tap's `api_url`."""
        self.vendor(vendor)
        return f"{self.url}/{vendor}"

    # --- inspection and control --------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        return self.log.records()

    def reset_log(self) -> None:
        self.log.reset()

    def stats(self) -> dict[str, Any]:
        return self.log.stats()

    def add_fault(self, *specs: Any, **params: Any) -> list[Fault]:
        """Queue faults: `Fault`s, dicts, short-syntax strings, or keyword params of one Fault.
        A fault for a vendor that is not registered is refused (ValueError)."""
        faults = parse_faults([*specs, *([params] if params else [])])
        unknown = sorted({fault.vendor for fault in faults} - self.vendors.keys())
        if unknown:
            raise ValueError(f"fault for unknown vendor {', '.join(unknown)}; known: {', '.join(self.vendors)}")
        return self.faults.add(*faults)

    def clear_faults(self) -> None:
        self.faults.clear()
