"""Calltouch plans import (``calltouch-plans-import.txt``), served under ``/calltouch``. See README.md here."""

from vendor_sandbox.core import VendorPlugin

from .config import CalltouchConfig
from .emulator import CalltouchEmulator

VENDOR = VendorPlugin(
    name="calltouch",
    title="Calltouch plans import",
    config=CalltouchConfig,
    emulator=CalltouchEmulator,
    routes=(
        "POST /report-service/RestAPI/api/plans-import/add",
        "POST /report-service/RestAPI/api/plans-import/{id}/status",
    ),
    admin=(
        "GET /_sandbox/calltouch/plans",
        "GET /_sandbox/calltouch/imports",
        "POST /_sandbox/calltouch/settings?import_outcome=success|error|never&outcome_from=N",
    ),
    records=(
        "data: the data of an add answer (key importLogId)",
        "items (key metric), data (key status): the echoed items and the data of a status answer",
    ),
    faults=("calltouch:status=503", "calltouch:rate_limit", "calltouch:bad_record=importLogId"),
)
