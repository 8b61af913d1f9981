"""The Shopster emulation: x-token, documented enumerations, object kinds, consistent data, keyings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import requests
from sandbox_helpers import NOW

from vendor_sandbox import SandboxServer
from vendor_testing.pytest_plugin import SandboxFactory

TOKEN = {"x-token": "sandbox-shopster-token"}
QUERY = {
    "from": "2026-11-02",
    "to": "2026-11-08",
    "objects": "101,102",
    "interval": "daily",
    "comeback": "2 week",
    "bounce_threshold": "5 minute",
    "engagement_threshold": "20 minute",
}
FIELDS = {
    "datetime",
    "count_session",
    "count_client",
    "avg_session_duration",
    "count_comeback_client",
    "sum_session_duration",
    "user_type",
}
USER_TYPES = ["all", "bounced", "employee", "engaged", "half engaged", "passer", "visitor"]
COUNTS = ("count_session", "count_client", "count_comeback_client", "sum_session_duration")


def report(server: SandboxServer, headers: dict[str, str] | None = None, **changes: Any) -> requests.Response:
    return requests.get(
        f"{server.vendor_url('shopster')}/reports/group_datetime",
        params={**QUERY, **changes},
        headers=TOKEN if headers is None else headers,
        timeout=30,
    )


def rows(server: SandboxServer, **changes: Any) -> dict[str, dict[str, list[dict[str, Any]]]]:
    answer = report(server, **changes)
    assert answer.status_code == 200, answer.text
    return answer.json()


def total(rows_: list[dict[str, Any]], field: str) -> float:
    return round(sum(row[field] for row in rows_), 2)


@pytest.fixture
def server(sandbox_factory: SandboxFactory) -> SandboxServer:
    return sandbox_factory(now=NOW)


def test_x_token_is_required_and_errors_have_a_detail(server) -> None:
    for headers in ({}, {"x-token": "wrong"}):
        refused = report(server, headers)
        assert refused.status_code == 401 and set(refused.json()) == {"detail"}
    assert requests.get(f"{server.vendor_url('shopster')}/reports/other", headers=TOKEN).status_code == 404
    assert server.requests[0].auth_valid is False


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"interval": "yearly"}, "interval"),
        ({"interval": None}, "interval"),
        ({"comeback": "2 weeks"}, "comeback"),
        ({"comeback": "5 year"}, "comeback"),
        ({"bounce_threshold": "3 minute"}, "bounce_threshold"),
        ({"engagement_threshold": "60 minute"}, "engagement_threshold"),
        ({"engagement_threshold": "30"}, "engagement_threshold"),
        ({"bounce_threshold": "20 minute", "engagement_threshold": "15 minute"}, "engagement_threshold"),
        ({"from": "2026-11-09"}, "from"),
        ({"to": "08.11.2026"}, "to"),
        ({"objects": "101;102"}, "objects"),
        ({"objects": ""}, "objects"),
        ({"objects": "101,-5"}, "objects"),
    ],
)
def test_every_documented_rule_is_enforced_with_an_error_body(server, change, named) -> None:
    answer = report(server, **change)
    assert answer.status_code == 400
    assert named in answer.json()["detail"]


def test_every_documented_value_is_accepted_and_engagement_may_equal_bounce(server) -> None:
    for interval in ("hourly", "daily", "weekly", "monthly", "weekday", "weekend"):
        assert report(server, interval=interval, to="2026-11-02").status_code == 200
    for comeback in ("2 week", "1 month", "2 month", "3 month", "6 month", "1 year", "10 year"):
        assert report(server, comeback=comeback, to="2026-11-02").status_code == 200
    for minutes in (2, 5, 10, 15, 20, 30, 45):
        same = rows(server, bounce_threshold=f"{minutes} minute", engagement_threshold=f"{minutes} minute")
        assert total(same["101"]["half engaged"], "count_session") == 0


def test_objects_come_in_three_kinds_that_cannot_be_mixed(server) -> None:
    catalogue = requests.get(f"{server.url}/_sandbox/shopster/objects", timeout=10).json()
    assert catalogue == {
        "malls": [101, 102],
        "floors": [1011, 1012, 1021, 1022],
        "zones": [10111, 10112, 10121, 10122, 10211, 10212, 10221, 10222],
        "keying": "object",
    }
    for kind in ("malls", "floors", "zones"):
        assert report(server, objects=",".join(map(str, catalogue[kind]))).status_code == 200
    mixed = report(server, objects="101,1011")
    assert mixed.status_code == 400 and "one type" in mixed.json()["detail"]
    unknown = report(server, objects="101,999")
    assert unknown.status_code == 400 and "999" in unknown.json()["detail"]


def test_answer_is_keyed_by_object_then_user_type_with_the_documented_fields(server) -> None:
    answer = rows(server)
    assert list(answer) == ["101", "102"]
    for per_type in answer.values():
        assert list(per_type) == USER_TYPES
        for user_type, items in per_type.items():
            assert [row["datetime"] for row in items] == [f"2026-11-0{d}T00:00:00Z" for d in range(2, 9)]
            assert all(set(row) == FIELDS and row["user_type"] == user_type for row in items)
            assert all(isinstance(row[f], int) for row in items for f in COUNTS[:3])
    assert rows(server) == answer  # deterministic


@pytest.mark.parametrize("interval", ["hourly", "daily", "weekly", "monthly", "weekday", "weekend"])
def test_user_types_add_up_as_the_definitions_imply(server, interval) -> None:
    answer = rows(server, interval=interval, objects="1011", **{"from": "2026-10-26", "to": "2026-11-03"})["1011"]
    for n, row in enumerate(answer["all"]):
        assert row["count_comeback_client"] <= row["count_client"] <= row["count_session"]
        for field in COUNTS:
            parts = ("passer", "visitor", "employee")
            assert row[field] == pytest.approx(sum(answer[t][n][field] for t in parts), abs=0.05), field
            engagement = ("bounced", "half engaged", "engaged")
            visitor = answer["visitor"][n][field]
            assert visitor == pytest.approx(sum(answer[t][n][field] for t in engagement), abs=0.05), field
        if row["count_session"]:
            assert row["avg_session_duration"] > 0
    zero = interval in ("hourly", "weekday", "weekend")
    assert all((row["sum_session_duration"] == 0) == zero for items in answer.values() for row in items)


def test_thresholds_move_visitors_between_engagement_types_and_comeback_widens(server) -> None:
    strict = rows(server, bounce_threshold="2 minute", engagement_threshold="10 minute")["101"]
    loose = rows(server, bounce_threshold="15 minute", engagement_threshold="45 minute")["101"]
    assert strict["visitor"] == loose["visitor"]
    assert total(strict["bounced"], "count_session") < total(loose["bounced"], "count_session")
    assert total(strict["engaged"], "count_session") > total(loose["engaged"], "count_session")
    assert all(row["avg_session_duration"] < 5 for row in strict["bounced"])
    assert all(row["avg_session_duration"] >= 45 for row in loose["engaged"])
    short = total(rows(server, comeback="2 week")["101"]["all"], "count_comeback_client")
    long = total(rows(server, comeback="10 year")["101"]["all"], "count_comeback_client")
    assert short < long


def test_buckets_of_each_interval_and_to_is_inclusive(server) -> None:
    period = {"from": "2026-10-28", "to": "2026-11-03"}  # Wednesday .. Tuesday
    assert len(rows(server, interval="hourly", **period)["101"]["all"]) == 7 * 24
    weekly = [r["datetime"] for r in rows(server, interval="weekly", **period)["101"]["all"]]
    assert weekly == ["2026-10-26T00:00:00Z", "2026-11-02T00:00:00Z"]  # Mondays
    monthly = [r["datetime"] for r in rows(server, interval="monthly", **period)["101"]["all"]]
    assert monthly == ["2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"]
    weekday = rows(server, interval="weekday", **period)["101"]["all"]
    weekend = rows(server, interval="weekend", **period)["101"]["all"]
    assert [r["datetime"] for r in weekday] == ["2026-10-28T00:00:00Z"]
    assert [r["datetime"] for r in weekend] == ["2026-10-31T00:00:00Z"]
    daily, weeks = rows(server, **period)["101"]["all"], rows(server, interval="weekly", **period)["101"]["all"]
    for field in ("count_session", "sum_session_duration"):
        assert total(daily, field) == pytest.approx(total(weeks, field))
    assert rows(server, interval="weekend", **{"from": "2026-11-02", "to": "2026-11-06"})["101"]["all"] == []


def test_no_data_after_now_nor_before_the_history(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, shopster_history_days=10)  # NOW is 12:00 on 2026-11-20
    hourly = rows(server, interval="hourly", **{"from": "2026-11-20", "to": "2026-11-25"})["101"]["all"]
    assert [r["datetime"][11:13] for r in hourly] == [f"{h:02}" for h in range(12)]
    daily = rows(server, **{"from": "2026-11-01", "to": "2026-11-30"})["101"]["all"]
    assert [r["datetime"][:10] for r in daily] == [str(date(2026, 11, 10) + timedelta(days=n)) for n in range(11)]
    assert rows(server, **{"from": "2026-01-01", "to": "2026-01-31"}) == {
        "101": {t: [] for t in USER_TYPES},
        "102": {t: [] for t in USER_TYPES},
    }


def test_group_keying_answers_one_key_the_last_id_with_the_groups_sums(sandbox_factory) -> None:
    per_object = rows(sandbox_factory(now=NOW))
    server = sandbox_factory(now=NOW, shopster_keying="group")
    group = rows(server, objects="102,101")
    assert list(group) == ["101"]
    for user_type in USER_TYPES:
        for n, row in enumerate(group["101"][user_type]):
            for field in COUNTS:
                expected = per_object["101"][user_type][n][field] + per_object["102"][user_type][n][field]
                assert row[field] == pytest.approx(expected, abs=0.05)
    switched = requests.post(f"{server.url}/_sandbox/shopster/settings", params={"keying": "object"}, timeout=10)
    assert switched.json() == {"keying": "object"} and list(rows(server)) == ["101", "102"]


def test_truth_and_served_count_distinct_rows(server) -> None:
    base = f"{server.url}/_sandbox/shopster"
    truth = requests.get(f"{base}/truth", params=QUERY, timeout=10).json()
    assert truth["total"] == 2 * 7 * 7 and truth["keys"] == ["101", "102"]
    assert requests.get(f"{base}/truth", params={**QUERY, "interval": "x"}, timeout=10).status_code == 400
    rows(server)
    rows(server, to="2026-11-03")  # overlaps: counts once
    served = requests.get(f"{base}/served", timeout=10).json()
    assert served["distinct_rows"] == truth["total"] and len(served["answers"]) == 2
    assert served["answers"][0] | {"rows": 98} == {**QUERY, "keys": ["101", "102"], "rows": 98}
    assert requests.get(f"{base}/served", params={"interval": "hourly"}, timeout=10).json()["distinct_rows"] == 0
    assert server.requests[0].served[0]["rows"] == 98 and server.requests[0].items == 98


def test_faults_answer_with_the_sandboxs_error_body_and_break_a_chosen_user_type(server) -> None:
    server.add_fault("shopster:status=503", "shopster:rate_limit,retry_after=3", "shopster:bad_record,records=engaged")
    failed, limited = report(server), report(server)
    assert failed.status_code == 503 and set(failed.json()) == {"detail"}
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    broken = rows(server)
    engaged = [row for key in broken.values() for row in key["engaged"]]
    assert [row["count_session"] == "not-a-number" for row in engaged] == [n == 7 for n in range(14)]
    assert all(isinstance(row["count_session"], int) for row in broken["101"]["all"])
    server.add_fault("shopster:malformed")
    with pytest.raises(ValueError):
        report(server).json()


def test_rate_windows_when_set(sandbox_factory) -> None:
    server = sandbox_factory(now=NOW, shopster_rate_windows=((2, 60.0),))
    statuses = [report(server, to="2026-11-02").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert server.stats()["vendors"]["shopster"]["rate_limited_429"] == 1
