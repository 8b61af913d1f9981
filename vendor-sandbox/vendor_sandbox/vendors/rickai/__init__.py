"""Rick.ai data API v2 (``rickai-sessions.txt``), served under ``/rickai``. See README.md here."""

from vendor_sandbox.core import VendorPlugin

from .config import RickaiConfig
from .emulator import RickaiEmulator

VENDOR = VendorPlugin(
    name="rickai",
    title="Rick.ai data API v2",
    config=RickaiConfig,
    emulator=RickaiEmulator,
    routes=("GET /v2/{company}/sessions?start=&end=&limit=&offset=",),
    admin=(
        "GET /_sandbox/rickai/truth?company=C&start=D&end=D[&keys=1]",
        "POST /_sandbox/rickai/warm?company=C&start=D&end=D",
    ),
    records=("items: the sessions of a page (key session_count)",),
    faults=("rickai:status=503x3", "rickai:rate_limit,retry_after=2", "rickai:bad_record=session_count,value=twelve"),
)
