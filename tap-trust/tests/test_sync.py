"""Full runs against the sandbox: campaigns, both statistics modes, bookmarks, lookback, settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from trust_helpers import (
    COMPANIES,
    expected_daily,
    funnel_of,
    history_config,
    run_tap,
    tap_config,
    today,
    vendor_requests,
)

RFC3339_Z = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"


def test_campaigns_are_every_companys_list_typed_and_keyed_by_company(fast_sandbox) -> None:
    run = run_tap(tap_config(fast_sandbox))

    assert run.returncode == 0, run.stderr
    campaigns = run.records("campaigns")
    truth = fast_sandbox.trust.truth({})["companies"]
    assert sorted((c["company_id"], c["uuid"]) for c in campaigns) == sorted(
        (company, c["uuid"]) for company, entry in truth.items() for c in entry["campaigns"]
    )
    by_uuid = {c["uuid"]: c for entry in truth.values() for c in entry["campaigns"]}
    for record in campaigns:
        source = by_uuid[record["uuid"]]
        assert record["company_id"] == str(source["company_id"])
        assert (record["app_id"], record["message_id"]) == (str(source["app_id"]), str(source["message_id"]))
        assert record["segment_id"] == (None if source["segment_id"] is None else str(source["segment_id"]))
        assert record["terminated"] is source["terminated"]
        assert record["name"] == source["name"] and record["application_name"] == source["application_name"]
        # -03:00 in the answer, the same instant in UTC with Z in the record
        for key in ("created_at", "updated_at"):
            assert record[key].endswith("Z")
            assert _instant(record[key]) == _instant(source[key])
        assert (record["finish_date"] is None) == (source["finish_date"] is None)
    assert len(vendor_requests(fast_sandbox, "campaign")) == len(COMPANIES)


def _instant(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_snapshot_mode_reads_the_documented_7_day_default_once_per_company(fast_sandbox) -> None:
    run = run_tap(tap_config(fast_sandbox))

    assert run.returncode == 0, run.stderr
    snapshots = run.records("statistics_snapshots")
    assert [s["company_id"] for s in snapshots] == list(COMPANIES)
    first, last = today() - timedelta(days=6), today()
    for snapshot in snapshots:
        assert (snapshot["snapshot_date"], snapshot["window_start"], snapshot["window_end"]) == (
            str(last),
            str(first),
            str(last),
        )
        days = expected_daily(fast_sandbox, first, last)
        week = [days[(snapshot["company_id"], str(first + timedelta(days=n)))] for n in range(7)]
        assert snapshot["total"] == sum(day["total"] for day in week)
        assert snapshot["received"] == sum(day["received"] for day in week)
    assert [r.query for r in vendor_requests(fast_sandbox, "statistics")] == [{}, {}, {}]  # the default answer
    assert "daily_statistics" not in {m.get("stream") for m in run.messages}


def test_snapshot_reruns_of_a_day_carry_the_same_key(fast_sandbox) -> None:
    first = run_tap(tap_config(fast_sandbox))
    second = run_tap(tap_config(fast_sandbox), state=first.states[-1])

    keys = [(s["company_id"], s["snapshot_date"]) for s in first.records("statistics_snapshots")]
    assert keys == [(s["company_id"], s["snapshot_date"]) for s in second.records("statistics_snapshots")]
    schema = next(m for m in first.messages if m["type"] == "SCHEMA" and m["stream"] == "statistics_snapshots")
    assert schema["key_properties"] == ["company_id", "snapshot_date"]


def test_history_mode_reads_each_company_and_day_through_the_range_search(fast_sandbox) -> None:
    run = run_tap(history_config(fast_sandbox, days=5))

    assert run.returncode == 0, run.stderr
    rows = run.records("daily_statistics")
    truth = expected_daily(fast_sandbox, today() - timedelta(days=4), today())
    assert {(r["company_id"], r["date"]): funnel_of(r) for r in rows} == truth
    assert len(rows) == len(truth) == 15
    assert all(__import__("re").match(RFC3339_Z, r["extracted_at"]) for r in rows)
    assert run.bookmarks() == dict.fromkeys(COMPANIES, str(today()))
    day = str(today() - timedelta(days=2))
    assert {"start_date": day, "end_date": day} in [r.query for r in vendor_requests(fast_sandbox, "statistics")]
    schema = next(m for m in run.messages if m["type"] == "SCHEMA" and m["stream"] == "daily_statistics")
    assert schema["key_properties"] == ["company_id", "date"]
    assert "statistics_snapshots" not in {m.get("stream") for m in run.messages}


def test_a_second_history_run_starts_lookback_days_before_each_bookmark(fast_sandbox) -> None:
    first = run_tap(history_config(fast_sandbox, days=10))
    fast_sandbox.reset_log()
    second = run_tap(history_config(fast_sandbox, days=10, lookback_days=2), state=first.states[-1])

    assert second.returncode == 0, second.stderr
    expected = {str(today() - timedelta(days=n)) for n in range(3)}
    for company in COMPANIES:
        assert {r["date"] for r in second.records("daily_statistics") if r["company_id"] == company} == expected
    assert second.bookmarks() == dict.fromkeys(COMPANIES, str(today()))
    # 9 day searches, plus the once-per-run check (the 7-day default of the first company)
    assert len(vendor_requests(fast_sandbox, "statistics")) == 9 + 1


def test_the_bookmark_is_per_company(fast_sandbox) -> None:
    state = {
        "bookmarks": {
            "daily_statistics": {
                "partitions": [
                    {
                        "context": {"company_id": "101"},
                        "replication_key": "date",
                        "replication_key_value": str(today()),
                    },
                ]
            }
        }
    }
    run = run_tap(history_config(fast_sandbox, days=4, lookback_days=0), state=state)

    assert run.returncode == 0, run.stderr
    days = {c: sorted(r["date"] for r in run.records("daily_statistics") if r["company_id"] == c) for c in COMPANIES}
    assert days["101"] == [str(today())]
    assert len(days["102"]) == len(days["103"]) == 4


def test_end_date_bounds_a_backfill_and_a_future_one_is_today(fast_sandbox) -> None:
    past = run_tap(history_config(fast_sandbox, days=5, end_date=str(today() - timedelta(days=2))))
    assert past.returncode == 0, past.stderr
    assert sorted({r["date"] for r in past.records("daily_statistics")}) == [
        str(today() - timedelta(days=n)) for n in (4, 3, 2)
    ]
    future = run_tap(history_config(fast_sandbox, days=2, end_date=str(today() + timedelta(days=5))))
    assert future.returncode == 0, future.stderr
    assert max(r["date"] for r in future.records("daily_statistics")) == str(today())
    assert "is after the latest day Trust.lat allows (later days have no statistics yet); ending at" in future.stderr


@pytest.mark.parametrize(
    ("sandbox_options", "settings"),
    [
        (
            {"trust_range_parameters": ("desde", "hasta"), "trust_date_format": "%d/%m/%Y"},
            {"history_start_parameter": "desde", "history_end_parameter": "hasta", "history_date_format": "%d/%m/%Y"},
        ),
        ({"trust_range_end": "exclusive"}, {"history_end_inclusive": False}),
    ],
)
def test_the_assumed_range_search_is_a_setting(trust_sandbox, sandbox_options, settings) -> None:
    sandbox = trust_sandbox(**sandbox_options)
    run = run_tap(history_config(sandbox, days=3, **settings))

    assert run.returncode == 0, run.stderr
    truth = expected_daily(sandbox, today() - timedelta(days=2), today())
    assert {(r["company_id"], r["date"]): funnel_of(r) for r in run.records("daily_statistics")} == truth


def test_a_range_search_the_vendor_ignores_stops_the_run_before_any_day(trust_sandbox) -> None:
    # The vendor's names are others: it answers the 7-day default to every "range" request.
    sandbox = trust_sandbox(trust_range_parameters=("desde", "hasta"))
    run = run_tap(history_config(sandbox, days=3))

    assert run.returncode == 1
    assert "tap-trust stopped: Trust.lat answered the date-range search of company 101 (start_date, end_date)" in (
        run.stderr
    )
    assert "set history_start_parameter, history_end_parameter and history_date_format" in run.stderr
    assert run.records("daily_statistics") == []
    assert "Traceback" not in run.stderr
    unchecked = run_tap(history_config(sandbox, days=3, check_range_search=False))
    assert unchecked.returncode == 0  # the check is what caught it


def test_campaign_queries_make_one_request_each_and_merge_by_uuid(fast_sandbox) -> None:
    queries = [{"terminated": "false"}, {"terminated": True}, {}]
    run = run_tap(tap_config(fast_sandbox, campaign_queries=queries, company_ids=["102"]))

    assert run.returncode == 0, run.stderr
    uuids = [c["uuid"] for c in run.records("campaigns")]
    assert len(uuids) == len(set(uuids)) == 5
    assert [r.query for r in vendor_requests(fast_sandbox, "campaign")] == [
        {"terminated": "false"},
        {"terminated": "true"},
        {},
    ]


def test_gets_carry_the_configured_content_type(trust_sandbox) -> None:
    # A vendor that takes only what its examples send (text/plain): the table's default is refused.
    sandbox = trust_sandbox(trust_content_types=("text/plain",))
    refused = run_tap(tap_config(sandbox, company_ids=["101"]))
    assert refused.returncode == 1
    assert "answered 415 to GET" in refused.stderr and "(company 101): Content-Type must be" in refused.stderr
    run = run_tap(tap_config(sandbox, request_content_type="text/plain", company_ids=["101"]))
    assert run.returncode == 0, run.stderr
    assert run.records("campaigns") and run.records("statistics_snapshots")
