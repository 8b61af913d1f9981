"""HTTP behaviour shared by every connector of the collection.

One rate budget per plugin process, Retry-After aware retries, streamed JSON
pages, fast record validation, date windows, asynchronous job polling and secret
redaction, wired into the Meltano Singer SDK through :class:`VendorTap`, :class:`VendorTarget`
and :class:`VendorRESTStream`; every private SDK API used is in :mod:`vendor_http.sdk_seam`.
"""

from vendor_http.dates import (
    DateSettingError,
    DateWindow,
    clamp_range,
    date_range_checks,
    incremental_start,
    parse_date_setting,
    parse_datetime_setting,
    run_range,
    split_windows,
)
from vendor_http.errors import ExplainedError, failure_message
from vendor_http.jobs import (
    AsyncJob,
    AsyncJobError,
    DurationEstimate,
    JobFailedError,
    JobPoller,
    JobState,
    JobStatus,
    JobTimeoutError,
    PollSchedule,
    poll_settings,
)
from vendor_http.json_stream import StreamedJsonPage
from vendor_http.machine_lock import MachineLock
from vendor_http.oauth import ClientCredentialsAuthenticator
from vendor_http.paging import BrokenResponseError, PageOffset, StreamedPages, TotalOffsetPaginator
from vendor_http.plugin import VendorPlugin, VendorTap, VendorTarget
from vendor_http.rate_budget import BudgetedAdapter, RateBudget, RateWindow
from vendor_http.records import RecordValidationError, RecordValidator
from vendor_http.redaction import Redactor, install_redaction, redact, redact_url
from vendor_http.redirects import RedirectRefusedError
from vendor_http.retry import Retrier, RetryNow, RetryPolicy, StillRunning, is_transient, parse_retry_after
from vendor_http.sdk_stream import VendorRESTStream, selected_schema
from vendor_http.session import VendorHTTPError, VendorSession, budgeted_session, json_body_problem
from vendor_http.settings import (
    api_token_setting,
    api_url_setting,
    check_api_url,
    client_credentials_settings,
    date_range_settings,
    from_settings,
    lookback_setting,
    request_interval_setting,
    retry_settings,
    validate_settings,
    window_setting,
)
from vendor_http.transport import DeadlineExceededError, ResponseTooLargeError, TransportLimits, transport_settings

__all__ = [
    "AsyncJob",
    "AsyncJobError",
    "BrokenResponseError",
    "BudgetedAdapter",
    "ClientCredentialsAuthenticator",
    "DateSettingError",
    "DateWindow",
    "DeadlineExceededError",
    "DurationEstimate",
    "ExplainedError",
    "JobFailedError",
    "JobPoller",
    "JobState",
    "JobStatus",
    "JobTimeoutError",
    "MachineLock",
    "PageOffset",
    "PollSchedule",
    "RateBudget",
    "RateWindow",
    "RecordValidationError",
    "RecordValidator",
    "Redactor",
    "RedirectRefusedError",
    "ResponseTooLargeError",
    "Retrier",
    "RetryNow",
    "RetryPolicy",
    "StillRunning",
    "StreamedJsonPage",
    "StreamedPages",
    "TotalOffsetPaginator",
    "TransportLimits",
    "VendorHTTPError",
    "VendorPlugin",
    "VendorRESTStream",
    "VendorSession",
    "VendorTap",
    "VendorTarget",
    "api_token_setting",
    "api_url_setting",
    "budgeted_session",
    "check_api_url",
    "clamp_range",
    "client_credentials_settings",
    "date_range_checks",
    "date_range_settings",
    "failure_message",
    "from_settings",
    "incremental_start",
    "install_redaction",
    "is_transient",
    "json_body_problem",
    "lookback_setting",
    "parse_date_setting",
    "parse_datetime_setting",
    "parse_retry_after",
    "poll_settings",
    "redact",
    "redact_url",
    "request_interval_setting",
    "retry_settings",
    "run_range",
    "selected_schema",
    "split_windows",
    "transport_settings",
    "validate_settings",
    "window_setting",
]
