"""What Kameleoon's reference shows, end to end: the segments search body, the sites list,
the timestamp forms of the poll data and the WAITING / ERROR bodies."""

from __future__ import annotations

from datetime import timedelta

from kameleoon_helpers import AUDIENCE_STREAMS, expected_rows, run_tap, tap_config, vendor_requests, yesterday

from tap_kameleoon.client import segments_search_body


def test_the_segments_search_body_is_the_one_of_the_reference() -> None:
    assert segments_search_body([20001, 20002], 2, 50) == {
        "filter": {"field": "siteId", "operator": "IN", "parameters": [20001, 20002]},
        "page": 2,
        "perPage": 50,
        "sort": [{"direction": "ASC", "field": "id"}],
    }


def test_segments_are_searched_with_the_documented_body_page_by_page(sandbox_factory) -> None:
    # The sandbox answers 400 to a list of filters or a sort that is not a list.
    sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=0, kameleoon_sites=3)
    site = sandbox.kameleoon.data.sites(0)[1]
    run = run_tap(tap_config(sandbox, segments_page_size=3, site_codes=[site["code"]]))

    assert run.returncode == 0, run.stderr
    assert [r["id"] for r in run.records("segments")] == [s["id"] for s in sandbox.kameleoon.data.segments(site["id"])]
    assert len(vendor_requests(sandbox, "/segments/search")) == 2  # 4 segments, 3 a page


def test_sites_are_read_page_by_page_when_the_answer_names_more_pages(sandbox_factory) -> None:
    sandbox = sandbox_factory(
        rate_limit=False, kameleoon_polls_until_ready=0, kameleoon_sites=5, kameleoon_sites_per_page=2
    )
    run = run_tap(tap_config(sandbox))

    assert run.returncode == 0, run.stderr
    assert [r["id"] for r in run.records("sites")] == [s["id"] for s in sandbox.kameleoon.data.sites(0)]
    assert [r.query.get("page") for r in vendor_requests(sandbox, "/sites")] == [None, "2", "3"]
    assert {r["siteId"] for r in run.records("audience_global_stats")} == {
        s["id"] for s in sandbox.kameleoon.data.sites(0)
    }


def test_sites_are_one_request_when_the_answer_names_no_pages(fast_sandbox) -> None:
    run = run_tap(tap_config(fast_sandbox))

    assert run.returncode == 0, run.stderr
    assert [r.query for r in vendor_requests(fast_sandbox, "/sites")] == [{}]


def test_both_documented_timestamp_forms_give_the_same_rows(sandbox_factory) -> None:
    start = yesterday() - timedelta(days=3)
    runs = {}
    for form in ("example", "described"):  # 2024-07-29T15:51:28.071Z and YYYY-MM-DDThh:mm:ss
        sandbox = sandbox_factory(rate_limit=False, kameleoon_polls_until_ready=1, kameleoon_timestamps=form)
        runs[form] = run_tap(tap_config(sandbox, start_date=str(start), window_days=2))
        assert runs[form].returncode == 0, runs[form].stderr
        expected = expected_rows(sandbox, start, yesterday(), 2)
        assert {stream: len(runs[form].records(stream)) for stream in AUDIENCE_STREAMS} == expected
    for stream in AUDIENCE_STREAMS:
        assert runs["example"].records(stream) == runs["described"].records(stream), stream
    days = sorted(row["startDateTime"][:10] for row in runs["example"].records("audience_period_stats"))
    assert days == sorted(str(start + timedelta(days=n)) for n in range(4) for _ in range(2))
