"""Shopster public reports API (``shopster-group-datetime.txt``), served under ``/shopster``. See README.md here."""

from vendor_sandbox.core import VendorPlugin

from .config import ShopsterConfig
from .emulator import ShopsterEmulator

VENDOR = VendorPlugin(
    name="shopster",
    title="Shopster public reports API",
    config=ShopsterConfig,
    emulator=ShopsterEmulator,
    routes=(
        "GET /reports/group_datetime?from=&to=&objects=&interval=&comeback=&bounce_threshold=&engagement_threshold=",
    ),
    admin=(
        "GET /_sandbox/shopster/objects",
        "GET /_sandbox/shopster/truth?<the same query as group_datetime>",
        "GET /_sandbox/shopster/served",
        "POST /_sandbox/shopster/settings?keying=object|group",
    ),
    records=(
        "rows: every row of the answer (key count_session)",
        "all, bounced, employee, engaged, half engaged, passer, visitor: the rows of that user type",
    ),
    faults=("shopster:status=503x2", "shopster:rate_limit,retry_after=2", "shopster:bad_record,records=engaged"),
)
