"""Trust.lat: Atenea auth and the campaigns API (``trust-campaign-statistics.txt``), under ``/trust``.

See README.md here."""

from vendor_sandbox.core import VendorPlugin

from .config import TrustConfig
from .emulator import TrustEmulator

VENDOR = VendorPlugin(
    name="trust",
    title="Trust.lat Atenea and campaigns API",
    config=TrustConfig,
    emulator=TrustEmulator,
    routes=(
        "POST /atenea/oauth/token/ (JSON body)",
        "GET /api/campaigns/api/v1/company/{company_id}/statistics[?start_date=&end_date=]",
        "GET /api/campaigns/api/v1/company/{company_id}/campaign[?fields=&terminated=&search=]",
    ),
    admin=(
        "GET /_sandbox/trust/truth[?company=&start=&end=]",
        "POST /_sandbox/trust/settings?errors_under_200=&revoke_tokens=1",
    ),
    records=(
        "statistics: the data of a statistics answer (key total)",
        "campaigns: the data of a campaign answer (key terminated)",
    ),
    faults=("trust:status=503", "trust:rate_limit,retry_after=2", "trust:bad_record,records=campaigns"),
)
