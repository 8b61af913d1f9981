"""The Trust.lat emulation: Atenea's token, the envelope, statistics and campaigns, faults, admin."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests
from sandbox_helpers import NOW

from vendor_sandbox import SandboxServer
from vendor_testing.pytest_plugin import SandboxFactory

CLIENT = {"client_id": "sandbox-trust-client", "client_secret": "sandbox-trust-secret"}
ENVELOPE = {"code", "resource", "data", "message"}
FUNNEL = {"total", "sended", "pending", "fails", "actions", "campaign"}
ACTIONS = {"RECEIVED", "PRESS_ACTION", "CLOSED", "UNKNOWN"}
CAMPAIGN_FIELDS = {
    "uuid",
    "name",
    "app_id",
    "application_name",
    "company_id",
    "created_at",
    "updated_at",
    "finish_date",
    "flavor_id",
    "message_id",
    "segment_id",
    "terminated",
}
TODAY = NOW.date()


def token(server: SandboxServer, path: str = "/oauth/token/", **body: Any) -> requests.Response:
    payload = {"grant_type": "client_credentials", **CLIENT, **body}
    return requests.post(f"{server.vendor_url('trust')}/atenea{path}", json=payload, timeout=10)


def auth(server: SandboxServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(server).json()['access_token']}", "Content-Type": "application/json"}


def api(
    server: SandboxServer, company: Any, endpoint: str, headers: dict[str, str], **params: Any
) -> requests.Response:
    url = f"{server.vendor_url('trust')}/api/campaigns/api/v1/company/{company}/{endpoint}"
    return requests.get(url, headers=headers, params=params, timeout=10)


def day_range(start: date, end: date) -> dict[str, str]:
    return {"start_date": start.isoformat(), "end_date": end.isoformat()}


@pytest.fixture
def server(sandbox_factory: SandboxFactory) -> SandboxServer:
    return sandbox_factory(now=NOW, rate_limit=False)


def test_atenea_takes_json_client_credentials_on_the_trailing_slash_path_only(server) -> None:
    before = time.time()
    answer = token(server)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "created_at"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 7200)
    assert int(before) <= body["created_at"] <= time.time()  # real time, not the pinned sandbox clock
    assert token(server, path="/oauth/token").status_code == 404
    base = f"{server.vendor_url('trust')}/atenea/oauth/token/"
    form = requests.post(base, data={"grant_type": "client_credentials", **CLIENT}, timeout=10)
    assert (form.status_code, form.json()["error"]) == (400, "invalid_request")
    as_text = requests.post(base, data='{"client_id": 1}', headers={"Content-Type": "text/plain"}, timeout=10)
    assert as_text.status_code == 400
    not_object = requests.post(base, json=["x"], timeout=10)
    assert not_object.status_code == 400
    assert token(server, grant_type="password").json()["error"] == "unsupported_grant_type"
    wrong = token(server, client_secret="wrong")
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    assert requests.get(base, timeout=10).status_code == 404
    assert server.trust.tokens_issued == 1


def test_a_live_token_is_handed_out_again_with_its_first_created_at(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, trust_token_lifetime=3)
    first = token(server).json()
    time.sleep(1.05)
    again = token(server).json()
    assert (again["access_token"], again["created_at"], again["expires_in"]) == (
        first["access_token"],
        first["created_at"],
        3,
    )
    fresh = sandbox_factory(now=NOW, rate_limit=False, trust_reuse_tokens=False)
    assert token(fresh).json()["access_token"] != token(fresh).json()["access_token"]
    iso = sandbox_factory(now=NOW, rate_limit=False, trust_created_at_format="iso")
    created = token(iso).json()["created_at"]
    assert isinstance(created, str) and created.endswith("Z")
    assert abs(datetime.fromisoformat(created).timestamp() - time.time()) < 5


def test_tokens_die_at_created_at_plus_expires_in_and_answer_401_in_the_envelope(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, trust_token_lifetime=1)
    body = token(server).json()
    headers = {"Authorization": f"Bearer {body['access_token']}", "Content-Type": "application/json"}
    if time.time() < body["created_at"] + 0.9:
        assert api(server, 101, "campaign", headers).status_code == 200
    time.sleep(max(0.0, body["created_at"] + 1.05 - time.time()))
    expired = api(server, 101, "campaign", headers)
    assert expired.status_code == 401
    assert expired.json() | {"message": ""} == {"code": 401, "resource": "Campaign", "data": None, "message": ""}
    assert token(server).json()["access_token"] != body["access_token"]  # a dead token is not reused
    missing = api(server, 101, "statistics", {"Content-Type": "application/json"})
    assert missing.status_code == 401 and set(missing.json()) == ENVELOPE
    assert [r.auth_valid for r in server.requests if r.path.endswith(("campaign", "statistics"))][-2:] == [False, False]


def test_revoked_tokens_answer_401_before_they_expire(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, rate_limit=False, trust_token_revoke_after=0.3)
    headers = auth(server)
    assert api(server, 101, "campaign", headers).status_code == 200
    time.sleep(0.35)
    assert api(server, 101, "campaign", headers).status_code == 401
    headers = auth(server)
    changed = requests.post(f"{server.url}/_sandbox/trust/settings", params={"revoke_tokens": 1}, timeout=10)
    assert changed.json()["tokens"] == 0
    assert api(server, 101, "campaign", headers).status_code == 401


def test_gets_need_one_of_the_documented_content_types(server, sandbox_factory) -> None:
    headers = auth(server)
    assert api(server, 101, "statistics", headers | {"Content-Type": "text/plain"}).status_code == 200
    refused = api(server, 101, "statistics", {"Authorization": headers["Authorization"]})
    assert refused.status_code == 415 and refused.json()["code"] == 415
    strict = sandbox_factory(now=NOW, rate_limit=False, trust_content_types=("text/plain",))
    json_refused = api(strict, 101, "statistics", auth(strict))
    assert json_refused.status_code == 415 and json_refused.json()["message"] == "Content-Type must be text/plain"
    unknown_route = requests.get(f"{server.vendor_url('trust')}/api/campaigns/api/v1/companies", timeout=10)
    assert unknown_route.status_code == 404 and set(unknown_route.json()) == ENVELOPE


def test_statistics_default_to_the_last_seven_days(server) -> None:
    answer = api(server, 101, "statistics", auth(server))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["code"], body["resource"], body["message"]) == (200, "Statistics", "Ok")
    assert set(body["data"]) == FUNNEL and set(body["data"]["actions"]) == ACTIONS
    days = server.trust.daily(101, TODAY - timedelta(days=6), TODAY)
    assert body["data"]["total"] == sum(day["total"] for day in days) > 0
    assert body["data"]["actions"]["RECEIVED"] == sum(day["actions"]["RECEIVED"] for day in days)
    assert server.requests[-1].served == [{"company": 101, "start": "2026-11-14", "end": "2026-11-20"}]


def test_the_date_range_search_under_the_assumed_names_sums_its_days(server) -> None:
    headers = auth(server)
    start, end = date(2026, 11, 1), date(2026, 11, 10)
    ranged = api(server, 102, "statistics", headers, **day_range(start, end)).json()["data"]
    days = server.trust.daily(102, start, end)
    for key in ("total", "sended", "pending", "fails"):
        assert ranged[key] == sum(day[key] for day in days)
    one_day = api(server, 102, "statistics", headers, **day_range(start, start)).json()["data"]
    assert one_day == {key: value for key, value in days[0].items() if key != "date"}
    for bad in ({"start_date": "2026-11-01"}, {"start_date": "01/11/2026", "end_date": "2026-11-02"}):
        refused = api(server, 102, "statistics", headers, **bad)
        assert refused.status_code == 400 and refused.json()["code"] == 400 and refused.json()["data"] is None
    assert api(server, 102, "statistics", headers, **day_range(end, start)).status_code == 400
    ignored = api(server, 102, "statistics", headers, **{"from": "2026-11-01", "to": "2026-11-01"}).json()
    assert ignored["data"] == api(server, 102, "statistics", headers).json()["data"]  # the 7-day default


def test_range_names_format_and_an_exclusive_end_are_options(sandbox_factory) -> None:
    server = sandbox_factory(
        now=NOW, rate_limit=False, trust_range_parameters=("from", "to"), trust_date_format="%d/%m/%Y",
        trust_range_end="exclusive",
    )  # fmt: skip
    headers = auth(server)
    answer = api(server, 101, "statistics", headers, **{"from": "05/11/2026", "to": "06/11/2026"})
    assert answer.json()["data"]["total"] == server.trust.daily(101, date(2026, 11, 5), date(2026, 11, 5))[0]["total"]
    assert server.requests[-1].served[0]["end"] == "2026-11-05"


def test_the_funnel_is_consistent_every_day(server) -> None:
    seen_pending = []
    for company in (101, 102, 103):
        for day in server.trust.daily(company, TODAY - timedelta(days=100), TODAY + timedelta(days=1)):
            actions = day["actions"]
            assert day["sended"] + day["pending"] + day["fails"] == day["total"], day
            assert actions["RECEIVED"] <= day["sended"], day
            assert actions["PRESS_ACTION"] + actions["CLOSED"] <= actions["RECEIVED"], day
            assert actions["UNKNOWN"] <= day["sended"] - actions["RECEIVED"], day
            if day["pending"]:
                seen_pending.append(day["date"])
            if day["date"] > TODAY.isoformat():
                assert day["total"] == 0
    assert seen_pending and min(seen_pending) >= (TODAY - timedelta(days=1)).isoformat()


def test_today_grows_and_yesterday_settles_as_the_clock_moves(server) -> None:
    today = server.trust.daily(101, TODAY, TODAY)[0]
    yesterday = server.trust.daily(101, TODAY - timedelta(days=1), TODAY - timedelta(days=1))[0]
    server.clock.shift(timedelta(hours=6))
    later = server.trust.daily(101, TODAY, TODAY)[0]
    assert later["total"] > today["total"] > 0
    server.clock.shift(timedelta(days=1))
    settled = server.trust.daily(101, TODAY - timedelta(days=1), TODAY - timedelta(days=1))[0]
    assert yesterday["pending"] > 0 and settled["pending"] == 0
    assert settled["total"] == yesterday["total"] and settled["sended"] > yesterday["sended"]


def test_campaigns_list_every_documented_field_and_filter(server) -> None:
    headers = auth(server)
    body = api(server, 102, "campaign", headers).json()
    assert (body["code"], body["resource"]) == (200, "Campaign")
    campaigns = body["data"]
    assert len(campaigns) == 5 and all(set(c) == CAMPAIGN_FIELDS for c in campaigns)
    assert {c["company_id"] for c in campaigns} == {102}
    assert all(datetime.fromisoformat(c["created_at"]).utcoffset() == timedelta(hours=-3) for c in campaigns)
    terminated = api(server, 102, "campaign", headers, terminated="true").json()["data"]
    running = api(server, 102, "campaign", headers, terminated="false").json()["data"]
    assert sorted(c["uuid"] for c in terminated + running) == sorted(c["uuid"] for c in campaigns)
    assert all(c["terminated"] and c["finish_date"] for c in terminated)
    name = campaigns[0]["name"]
    assert [c["name"] for c in api(server, 102, "campaign", headers, search=name.upper()).json()["data"]] == [name]
    slim = api(server, 102, "campaign", headers, fields="uuid,name").json()["data"]
    assert [set(c) for c in slim] == [{"uuid", "name"}] * 5
    assert api(server, 102, "campaign", headers, terminated="yes").status_code == 400
    assert api(server, 102, "campaign", headers, fields="uuid,colour").status_code == 400
    every = [c["uuid"] for company in (101, 102, 103) for c in api(server, company, "campaign", headers).json()["data"]]
    assert len(every) == len(set(every)) == 13


def test_an_unknown_company_is_an_envelope_error_also_under_http_200(server) -> None:
    headers = auth(server)
    missing = api(server, 999, "statistics", headers)
    assert missing.status_code == 404
    assert missing.json() == {"code": 404, "resource": "Company", "data": None, "message": "Company 999 not found"}
    requests.post(f"{server.url}/_sandbox/trust/settings", params={"errors_under_200": "1"}, timeout=10)
    under_200 = api(server, 999, "campaign", headers)
    assert under_200.status_code == 200 and under_200.json()["code"] == 404
    assert api(server, 101, "campaign", headers).json()["code"] == 200


def test_rate_windows_are_optional_and_answer_the_envelope(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, trust_rate_windows=((2, 30.0),))
    headers = auth(server)  # Atenea is not limited
    statuses = [api(server, 101, "campaign", headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert api(server, 101, "campaign", headers).json()["code"] == 429
    unlimited = sandbox_factory(now=NOW)
    headers = auth(unlimited)
    assert {api(unlimited, 101, "campaign", headers).status_code for _ in range(20)} == {200}


def test_faults_answer_in_the_envelope_and_break_records(server) -> None:
    headers = auth(server)
    server.add_fault("trust:status=503", "trust:rate_limit=4")
    failed, limited = api(server, 101, "statistics", headers), api(server, 101, "statistics", headers)
    assert failed.status_code == 503 and failed.json()["code"] == 503 and set(failed.json()) == ENVELOPE
    assert (limited.status_code, limited.headers["Retry-After"], limited.json()["code"]) == (429, "4", 429)
    server.add_fault("trust:bad_record")
    assert api(server, 101, "statistics", headers).json()["data"]["total"] == "not-a-number"
    server.add_fault("trust:bad_record,records=campaigns")
    campaigns = api(server, 101, "campaign", headers).json()["data"]
    assert [c["terminated"] == "not-a-number" for c in campaigns] == [False, False, True, False]
    server.add_fault("trust:status=502")
    assert token(server).status_code == 502  # faults reach Atenea too


def test_truth_lists_campaigns_and_each_days_statistics(server) -> None:
    base = f"{server.url}/_sandbox/trust/truth"
    truth = requests.get(base, timeout=10).json()
    assert truth["as_of"] == "2026-11-20T12:00:00Z" and list(truth["companies"]) == ["101", "102", "103"]
    assert "days" not in truth["companies"]["101"]
    headers = auth(server)
    assert truth["companies"]["103"]["campaigns"] == api(server, 103, "campaign", headers).json()["data"]
    window = requests.get(base, params={"company": "103", "start": "2026-11-18", "end": "2026-11-20"}, timeout=10)
    days = window.json()["companies"]["103"]["days"]
    assert [day["date"] for day in days] == ["2026-11-18", "2026-11-19", "2026-11-20"]
    served = api(server, 103, "statistics", headers, **day_range(date(2026, 11, 19), date(2026, 11, 19))).json()
    assert {key: value for key, value in days[1].items() if key != "date"} == served["data"]
    assert "sandbox-trust-secret" not in window.text
    assert requests.get(f"{server.url}/_sandbox/trust/nothing", timeout=10).status_code == 404


def test_deterministic_per_seed(sandbox_factory) -> None:
    one, two = sandbox_factory(now=NOW), sandbox_factory(now=NOW)
    other = sandbox_factory(now=NOW, seed=7)
    first = one.trust.truth({"start": "2026-11-01", "end": "2026-11-03"})
    assert first == two.trust.truth({"start": "2026-11-01", "end": "2026-11-03"}) | {"as_of": first["as_of"]}
    assert first["companies"] != other.trust.truth({"start": "2026-11-01", "end": "2026-11-03"})["companies"]
    assert datetime.fromisoformat(first["as_of"]) == NOW.astimezone(UTC)
