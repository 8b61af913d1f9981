"""Kameleoon Automation API (``kameleoon-audience-poll.txt``), served under ``/kameleoon``. See README.md here."""

from vendor_sandbox.core import VendorPlugin

from .config import KameleoonConfig
from .emulator import KameleoonEmulator

VENDOR = VendorPlugin(
    name="kameleoon",
    title="Kameleoon Automation API",
    config=KameleoonConfig,
    emulator=KameleoonEmulator,
    routes=(
        "POST /oauth/token",
        "GET /sites[?page=] (paged only with sites_per_page)",
        "POST /segments/search",
        "GET /audiences/global?siteId=&startDate=&endDate=&analyticsLevel=",
        "GET /audiences/poll?dataCode=",
    ),
    admin=(
        "GET /_sandbox/kameleoon/truth",
        "GET /_sandbox/kameleoon/served",
        "POST /_sandbox/kameleoon/settings?poll_outcome=&polls_until_ready=&waiting_seconds=&window_outcome="
        "&audiences_addon=&revoke_tokens=1",
    ),
    records=(
        "sites: the sites of GET /sites (key id)",
        "segments: the segments of POST /segments/search (key id)",
        "segmentStats (key segmentId), periodStats (key elementCount), globalStats (key elementCount),",
        "  breakdownData (every breakdown item, key segmentId): the data of a READY poll",
    ),
    faults=("kameleoon:status=500", "kameleoon:rate_limit", "kameleoon:bad_record,records=periodStats"),
)
