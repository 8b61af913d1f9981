"""The two Calltouch requests: add a batch of plans, check an import's status."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from vendor_http import JobState, JobStatus, VendorHTTPError

if t.TYPE_CHECKING:
    import requests

    from vendor_http import VendorSession

DEFAULT_API_URL = "https://api.calltouch.ru"
ADD_PATH = "/report-service/RestAPI/api/plans-import/add"
STATUS_PATH = "/report-service/RestAPI/api/plans-import/{import_id}/status"
#: Documented status values. ASSUMPTION: any other value means "not finished yet".
STATUS_SUCCESS, STATUS_IN_PROGRESS, STATUS_ERROR = "success", "in progress...", "error"
#: The doc's description of ``error``, quoted when the answer carries no message of its own.
ERROR_STATUS_TEXT = (
    "Ошибка импорта данных. Попробуйте отправить API-запрос на импорт повторно, или свяжитесь "
    "с вашим аккаунт-менеджером Calltouch либо напишите на почту info@calltouch.net"
)
_ITEM_PATH = re.compile(r"^items\[(\d+)\]")
#: Documented: ``"importLogId": 123``. ASSUMPTION: a non-negative integer (as a number or digits).
IMPORT_ID = re.compile(r"\d{1,19}")


@dataclass(frozen=True)
class Violation:
    """One ``validationErrorData.violations`` entry; ``index`` is its item, if it names one."""

    field_path: str
    message: str

    @property
    def index(self) -> int | None:
        match = _ITEM_PATH.match(self.field_path)
        return int(match.group(1)) if match else None


class ImportRejectedError(Exception):
    """Calltouch refused an add request with documented validation violations."""

    def __init__(self, message: str, violations: list[Violation]) -> None:
        """Keep the violations to map them back to records."""
        super().__init__(message)
        self.violations = violations


def describe_error(response: requests.Response) -> str | None:
    """The vendor's explanation from any documented Calltouch error body."""
    body = response.json()
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("message"), str):  # auth: {"message": "Access token не найден"}
        return body["message"]
    data = body.get("data")
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("message"), str):  # missing field
        return data["message"]
    api_error = data.get("apiErrorData")
    if isinstance(api_error, dict) and api_error.get("errorMessage"):
        return str(api_error["errorMessage"])
    violations = violations_of(body)
    if violations:
        return "; ".join(f"{v.field_path}: {v.message}" for v in violations)
    return None


def violations_of(body: t.Any) -> list[Violation]:
    """The ``validationErrorData.violations`` of an error body (empty if none)."""
    try:
        raw = body["data"]["validationErrorData"]["violations"]
    except (KeyError, TypeError):
        return []
    if not isinstance(raw, list):
        return []
    return [Violation(str(v.get("fieldPath", "")), str(v.get("message", ""))) for v in raw if isinstance(v, dict)]


class CalltouchClient:
    """Calltouch's plans import over a shared :class:`~vendor_http.VendorSession`."""

    def __init__(self, session: VendorSession, api_url: str) -> None:
        """Requests go to ``api_url``; the session carries the auth headers."""
        self.session = session
        self.api_url = api_url.rstrip("/")
        self.adds = 0
        self.polls = 0

    def add(self, items: list[dict[str, t.Any]]) -> str:
        """Send one batch; return its ``importLogId``.

        Raises :class:`ImportRejectedError` when the vendor answers with violations.
        """
        self.adds += 1
        try:
            response = self.session.post(self.api_url + ADD_PATH, json={"items": items})
        except VendorHTTPError as error:
            violations = _violations_in(error)
            if violations:
                raise ImportRejectedError(str(error), violations) from None
            raise
        import_id = _data(response).get("importLogId")
        if import_id is None:
            msg = f"Calltouch answered the add request without data.importLogId: {response.text[:300]!r}"
            raise VendorHTTPError(msg, response=response)
        # It goes into the status URL and the import log: it must be the documented number.
        if isinstance(import_id, bool) or not IMPORT_ID.fullmatch(str(import_id)):
            msg = (
                f"Calltouch answered the add request with data.importLogId {str(import_id)[:100]!r}, not a number; "
                "the batch may have been imported, look it up in Calltouch before running again"
            )
            raise VendorHTTPError(msg, response=response)
        return str(import_id)

    def check(self, import_id: str) -> JobStatus:
        """One status request, mapped for :class:`~vendor_http.JobPoller`."""
        self.polls += 1
        # Documented as a POST, but it only reads: a cut or corrupted answer is asked again.
        response = self.session.post(
            self.api_url + STATUS_PATH.format(import_id=import_id), expect_json=True, idempotent=True
        )
        data = _data(response)
        status = data.get("status")
        if status == STATUS_SUCCESS:
            return JobStatus(JobState.DONE, payload=data)
        if status == STATUS_ERROR:
            message = data.get("message") or ERROR_STATUS_TEXT
            return JobStatus(JobState.FAILED, payload=data, message=f"status 'error' ({message})")
        return JobStatus(JobState.PENDING, payload=data)


def _data(response: requests.Response) -> dict[str, t.Any]:
    """The ``data`` object of a successful answer; a clear error if the body is not the documented one."""
    try:
        body = response.json()
    except ValueError:
        body = None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        where = f"{response.request.method} {response.url}"
        msg = f"Calltouch answered {where} with an undocumented body: {response.text[:300]!r}"
        raise VendorHTTPError(msg, response=response)
    return data


def _violations_in(error: VendorHTTPError) -> list[Violation]:
    if error.response is None or error.status != 400:
        return []
    try:
        return violations_of(error.response.json())
    except ValueError:
        return []
