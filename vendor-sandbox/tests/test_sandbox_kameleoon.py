"""The Kameleoon emulation: token, sites, segments, audience request → poll, limits, admin."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sandbox_helpers import NOW

from vendor_sandbox import SandboxServer
from vendor_testing.pytest_plugin import SandboxFactory

CLIENT = {"client_id": "sandbox-kameleoon-client", "client_secret": "sandbox-kameleoon-secret"}
WINDOW = {"startDate": "2026-11-10T00:00:00", "endDate": "2026-11-13T00:00:00", "analyticsLevel": "VISIT"}
ERROR_KEYS = {"serviceName", "message"}


def token(server: SandboxServer, **form: str) -> requests.Response:
    body = {"grant_type": "client_credentials", **CLIENT, **form}
    return requests.post(f"{server.vendor_url('kameleoon')}/oauth/token", data=body, timeout=10)


def auth(server: SandboxServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(server).json()['access_token']}"}


def call(server: SandboxServer, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{server.vendor_url('kameleoon')}{path}", headers=headers, timeout=10, **kwargs)


def request_global(server: SandboxServer, headers: dict[str, str], site_id: int) -> requests.Response:
    return call(server, "GET", "/audiences/global", headers, params={"siteId": site_id, **WINDOW})


def poll(server: SandboxServer, headers: dict[str, str], code: str) -> requests.Response:
    return call(server, "GET", "/audiences/poll", headers, params={"dataCode": code})


@pytest.fixture
def server(sandbox_factory: SandboxFactory) -> SandboxServer:
    return sandbox_factory(now=NOW, rate_limit=False)


def test_token_endpoint_is_form_encoded_client_credentials_without_refresh_token(server) -> None:
    answer = token(server)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["expires_in"] == 7200 and body["token_type"].lower() == "bearer"
    as_json = requests.post(f"{server.vendor_url('kameleoon')}/oauth/token", json=CLIENT, timeout=10)
    assert as_json.status_code == 400
    assert token(server, client_secret="wrong").status_code == 401


def test_requests_need_a_valid_unexpired_bearer_token(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, kameleoon_token_lifetime=0.3)
    headers = auth(server)
    assert call(server, "GET", "/sites", headers).status_code == 200
    missing = call(server, "GET", "/sites", {})
    assert missing.status_code == 401 and set(missing.json()) == ERROR_KEYS
    assert call(server, "GET", "/sites", {"Authorization": "Bearer nope"}).status_code == 401
    time.sleep(0.35)
    assert call(server, "GET", "/sites", headers).status_code == 401


def test_sites_and_paged_segments(server) -> None:
    headers = auth(server)
    sites = call(server, "GET", "/sites", headers).json()
    assert [set(s) >= {"id", "code", "name"} for s in sites] == [True, True]
    first = call(server, "POST", "/segments/search", headers, json={"page": 1, "perPage": 3})
    assert first.headers["X-Pagination-Total-Count"] == "8" and first.headers["X-Pagination-Page-Count"] == "3"
    pages = [
        call(server, "POST", "/segments/search", headers, json={"page": n, "perPage": 3}).json() for n in (1, 2, 3)
    ]
    assert [len(p) for p in pages] == [3, 3, 2]
    assert len({s["id"] for p in pages for s in p}) == 8
    assert call(server, "POST", "/segments/search", headers, json={"perPage": 500}).status_code == 400


def test_segments_search_takes_the_body_the_reference_shows(server) -> None:
    headers = auth(server)
    sites = call(server, "GET", "/sites", headers).json()
    # As in the reference: `filter` one object {field, operator, parameters}, `sort` a list.
    documented = {
        "filter": {"field": "siteId", "operator": "IN", "parameters": [sites[1]["id"]]},
        "page": 1,
        "perPage": 200,
        "sort": [{"direction": "DESC", "field": "id"}],
    }
    answer = call(server, "POST", "/segments/search", headers, json=documented)
    assert answer.status_code == 200, answer.text
    segments = answer.json()
    assert {s["siteId"] for s in segments} == {sites[1]["id"]}
    assert [s["id"] for s in segments] == sorted((s["id"] for s in segments), reverse=True)
    assert {"id", "name", "siteId", "audienceTracking", "segmentType"} <= set(segments[0])
    equal = {**documented, "filter": {"field": "siteId", "operator": "EQUAL", "parameters": [sites[0]["id"]]}}
    assert {s["siteId"] for s in call(server, "POST", "/segments/search", headers, json=equal).json()} == {
        sites[0]["id"]
    }
    # What the reference does not show is refused with the documented error body.
    for body in (
        {**documented, "filter": [documented["filter"]]},  # a list of filters
        {**documented, "sort": {"direction": "ASC", "field": "id"}},  # sort not a list
        {**documented, "sort": [{"direction": "UP", "field": "id"}]},
        {**documented, "filter": {"field": "siteId", "operator": "LIKE", "parameters": [1]}},
    ):
        refused = call(server, "POST", "/segments/search", headers, json=body)
        assert refused.status_code == 400 and set(refused.json()) == ERROR_KEYS, body


def test_sites_are_one_answer_unless_paging_is_switched_on(sandbox_factory) -> None:
    whole = sandbox_factory(now=NOW, rate_limit=False, kameleoon_sites=5)
    answer = call(whole, "GET", "/sites", auth(whole))
    assert len(answer.json()) == 5 and "X-Pagination-Page-Count" not in answer.headers
    paged = sandbox_factory(now=NOW, rate_limit=False, kameleoon_sites=5, kameleoon_sites_per_page=2)
    headers = auth(paged)
    pages = [call(paged, "GET", "/sites", headers, params={"page": n}) for n in (1, 2, 3)]
    assert [len(p.json()) for p in pages] == [2, 2, 1]
    assert {p.headers["X-Pagination-Page-Count"] for p in pages} == {"3"}
    assert [s["id"] for p in pages for s in p.json()] == [s["id"] for s in answer.json()]


def test_global_request_polls_waiting_then_ready_with_the_documented_payload(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, kameleoon_polls_until_ready=2)
    headers = auth(server)
    site_id = server.kameleoon.data.sites(0)[0]["id"]
    code = request_global(server, headers, site_id).json()["dataCode"]
    assert [poll(server, headers, code).json()["status"] for _ in range(2)] == ["WAITING", "WAITING"]
    ready = poll(server, headers, code).json()
    assert ready["status"] == "READY"
    data = ready["data"]
    # Timestamps as in the reference's example: milliseconds and Z.
    assert (data["startDateTime"], data["endDateTime"], data["analyticsLevel"]) == (
        "2026-11-10T00:00:00.000Z",
        "2026-11-13T00:00:00.000Z",
        "VISIT",
    )
    assert {"elementCount", "conversions", "revenue", "revenueEvolution"} <= set(data["globalStats"])
    assert [p["startDateTime"] for p in data["periodStats"]] == [f"2026-11-{d}T00:00:00.000Z" for d in (10, 11, 12)]
    assert all("segmentId" in item for item in data["segmentStats"])
    usual = data["breakdownData"]["usualBreakdownStats"]
    assert usual and all(isinstance(items, list) and "segmentId" in items[0] for items in usual.values())
    assert data["breakdownData"]["customDataStats"]
    # The same window is the same data (deterministic), and the admin log names it.
    assert server.kameleoon.data.payload(site_id, *_window(), "VISIT") == data
    assert server.kameleoon.served[0]["dataCode"] == code


def test_timestamps_can_take_the_form_the_field_descriptions_name(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, kameleoon_polls_until_ready=0, kameleoon_timestamps="described")
    headers = auth(server)
    code = request_global(server, headers, server.kameleoon.data.sites(0)[0]["id"]).json()["dataCode"]
    data = poll(server, headers, code).json()["data"]
    assert (data["startDateTime"], data["periodStats"][-1]["endDateTime"]) == (
        "2026-11-10T00:00:00",
        "2026-11-13T00:00:00",
    )


def test_a_job_stays_waiting_for_its_run_time(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, kameleoon_polls_until_ready=0, kameleoon_waiting_seconds=0.4)
    headers = auth(server)
    code = request_global(server, headers, server.kameleoon.data.sites(0)[0]["id"]).json()["dataCode"]
    assert poll(server, headers, code).json()["status"] == "WAITING"
    time.sleep(0.45)
    assert poll(server, headers, code).json()["status"] == "READY"


def test_one_window_can_fail_or_hang_while_the_others_are_ready(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, kameleoon_polls_until_ready=0)
    headers = auth(server)
    first, second = (site["id"] for site in server.kameleoon.data.sites(0))
    server.kameleoon.window_outcomes[(first, "2026-11-10")] = "error"
    changed = requests.post(
        f"{server.url}/_sandbox/kameleoon/settings", params={"window_outcome": f"{second}:2026-11-10:never"}, timeout=10
    )
    assert changed.json()["window_outcomes"] == {f"{first}:2026-11-10": "error", f"{second}:2026-11-10": "never"}
    failed = poll(server, headers, request_global(server, headers, first).json()["dataCode"]).json()
    hanging = poll(server, headers, request_global(server, headers, second).json()["dataCode"]).json()
    other = call(
        server,
        "GET",
        "/audiences/global",
        headers,
        params={**WINDOW, "siteId": first, "startDate": "2026-11-11T00:00:00"},
    )
    assert (failed["status"], hanging["status"]) == ("ERROR", "WAITING")
    assert poll(server, headers, other.json()["dataCode"]).json()["status"] == "READY"


def _window() -> tuple[datetime, datetime]:
    return datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 11, 13, tzinfo=UTC)


@pytest.mark.parametrize(("outcome", "status"), [("error", "ERROR"), ("never", "WAITING")])
def test_error_and_never_ready_modes(sandbox_factory, outcome, status) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, kameleoon_poll_outcome=outcome, kameleoon_polls_until_ready=0)
    headers = auth(server)
    code = request_global(server, headers, server.kameleoon.data.sites(0)[0]["id"]).json()["dataCode"]
    answers = [poll(server, headers, code).json() for _ in range(3)]
    assert {a["status"] for a in answers} == {status}
    # The body of the reference's example: the data object is there, zero-filled.
    data = answers[0]["data"]
    assert set(answers[0]) == {"status", "data", "errorDescription"}
    assert (data["startDateTime"], data["endDateTime"]) == ("2026-11-10T00:00:00.000Z", "2026-11-13T00:00:00.000Z")
    assert set(data) == {
        "startDateTime",
        "endDateTime",
        "analyticsLevel",
        "globalStats",
        "segmentStats",
        "periodStats",
        "breakdownData",
    }
    assert set(data["globalStats"].values()) == {0} and len(data["globalStats"]) == 13
    assert [item["segmentId"] for item in data["segmentStats"]] == [0]
    assert data["breakdownData"] == {"usualBreakdownStats": {}, "customDataStats": {}}
    assert bool(answers[0]["errorDescription"]) == (outcome == "error")


def test_unknown_code_other_site_and_missing_addon(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False)
    headers = auth(server)
    unknown = poll(server, headers, "nope")
    assert unknown.status_code == 400 and set(unknown.json()) == ERROR_KEYS
    assert request_global(server, headers, 999).status_code == 403
    too_old = call(
        server,
        "GET",
        "/audiences/global",
        headers,
        params={**WINDOW, "siteId": 20001, "startDate": "2026-08-01T00:00:00"},
    )
    assert too_old.status_code == 400
    server.kameleoon.audiences_addon = False
    no_addon = request_global(server, headers, 20001)
    assert no_addon.status_code == 403 and "Audiences add-on" in no_addon.json()["message"]


def test_both_rate_windows_answer_429(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, kameleoon_rate_windows=((3, 0.5), (5, 60.0)))
    headers = auth(server)  # the token request counts too
    statuses = [call(server, "GET", "/sites", headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = call(server, "GET", "/sites", headers)
    assert limited.status_code == 429 and set(limited.json()) == ERROR_KEYS
    time.sleep(0.55)
    assert [call(server, "GET", "/sites", headers).status_code for _ in range(3)] == [200, 200, 429]  # hour window
    assert server.stats()["vendors"]["kameleoon"]["rate_limited_429"] == 3


def test_admin_truth_served_and_settings(server) -> None:
    base = f"{server.url}/_sandbox/kameleoon"
    truth = requests.get(f"{base}/truth", timeout=10).json()
    assert truth["accounts"][0]["client_id"] == CLIENT["client_id"]
    assert len(truth["accounts"][0]["sites"]) == 2
    changed = requests.post(f"{base}/settings", params={"poll_outcome": "error", "audiences_addon": "0"}, timeout=10)
    assert changed.json() == {
        "poll_outcome": "error",
        "window_outcomes": {},
        "polls_until_ready": 2,
        "waiting_seconds": 0.0,
        "audiences_addon": False,
    }
    assert requests.get(f"{base}/served", timeout=10).json() == {"served": []}
    assert "client_secret" not in str(truth)


def test_status_and_rate_limit_faults_answer_with_kameleoons_error_body(server) -> None:
    headers = auth(server)
    server.add_fault("kameleoon:status=500", "kameleoon:rate_limit=4")
    failed, limited = call(server, "GET", "/sites", headers), call(server, "GET", "/sites", headers)
    assert failed.status_code == 500 and set(failed.json()) == ERROR_KEYS
    assert limited.status_code == 429 and set(limited.json()) == ERROR_KEYS
    assert limited.headers["Retry-After"] == "4"


def test_bad_record_breaks_a_site_a_segment_or_one_part_of_a_poll(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, kameleoon_polls_until_ready=0)
    headers = auth(server)
    good_sites = call(server, "GET", "/sites", headers).json()
    server.add_fault("kameleoon:bad_record")
    sites = call(server, "GET", "/sites", headers).json()
    assert sites[1]["id"] == "not-a-number" and sites[0] == good_sites[0]
    server.add_fault("kameleoon:bad_record=siteId,value=x")
    segments = call(server, "POST", "/segments/search", headers, json={"perPage": 200}).json()
    assert [s["siteId"] == "x" for s in segments] == [n == len(segments) // 2 for n in range(len(segments))]
    code = request_global(server, headers, good_sites[0]["id"]).json()["dataCode"]
    server.add_fault("kameleoon:bad_record,records=periodStats")
    periods = poll(server, headers, code).json()["data"]["periodStats"]
    assert [p["elementCount"] == "not-a-number" for p in periods] == [False, True, False]
    server.add_fault("kameleoon:bad_record")
    data = poll(server, headers, code).json()["data"]
    middle = len(data["segmentStats"]) // 2
    assert data["segmentStats"][middle]["segmentId"] == "not-a-number"
    assert all(isinstance(p["elementCount"], int) for p in data["periodStats"])
