"""Pure logic of the client: the data code's shapes, timestamps, rows of one poll answer."""

from __future__ import annotations

import re

import pytest
import requests
from singer_sdk.exceptions import FatalAPIError

from tap_kameleoon.audiences import split_rows, utc_timestamp
from tap_kameleoon.client import extract_data_code


def response(body: str, status: int = 200) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body.encode()
    answer.url = "https://api.kameleoon.com/audiences/global?siteId=1"
    answer.request = requests.Request("GET", answer.url).prepare()
    return answer


@pytest.mark.parametrize("body", ['{"dataCode": "abc123"}', '"abc123"', "abc123", ' {"dataCode": "abc123"} \n'])
def test_the_data_code_is_read_from_each_accepted_shape(body) -> None:
    assert extract_data_code(response(body)) == "abc123"


@pytest.mark.parametrize("body", ["{}", '{"dataCode": ""}', "", "[1, 2]", '{"code": "x"}'])
def test_an_answer_without_a_data_code_is_a_clear_error(body) -> None:
    with pytest.raises(
        FatalAPIError, match=re.escape("without a dataCode to GET https://api.kameleoon.com/audiences/global")
    ):
        extract_data_code(response(body))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-07-29T15:51:28.071Z", "2024-07-29T15:51:28.071000Z"),
        ("2024-07-29T18:51:28+03:00", "2024-07-29T15:51:28Z"),
        ("2024-07-29T12:51:28-0300", "2024-07-29T15:51:28Z"),
        ("2024-07-29T15:51:28", "2024-07-29T15:51:28Z"),
        ("not a timestamp", "not a timestamp"),
        (None, None),
    ],
)
def test_vendor_timestamps_become_rfc3339_utc_with_z(value, expected) -> None:
    assert utc_timestamp(value) == expected


def test_one_poll_answer_becomes_rows_of_four_streams() -> None:
    base = {"siteId": 1, "siteCode": "c", "windowStart": "s", "windowEnd": "e", "analyticsLevel": "VISIT"}
    item = {"segmentId": 7, "elementCount": 3}
    data = {
        "globalStats": {"elementCount": 9},
        "segmentStats": [item, {**item, "segmentId": 8}],
        "periodStats": [{"elementCount": 1, "startDateTime": "2024-07-29T00:00:00Z"}],
        "breakdownData": {
            "usualBreakdownStats": {"Desktop": [item], "Mobile": [item]},
            "customDataStats": {"Free": []},
        },
    }
    result = split_rows(base, data)
    assert result.global_row == {**base, "elementCount": 9}
    assert [row["segmentId"] for _, row in result.rows["audience_segment_stats"]] == [7, 8]
    assert result.rows["audience_period_stats"][0][1]["startDateTime"] == "2024-07-29T00:00:00Z"
    breakdown = [
        (where, row["breakdownKind"], row["breakdownValue"]) for where, row in result.rows["audience_breakdown_stats"]
    ]
    assert breakdown == [
        ("breakdownData.usualBreakdownStats['Desktop'][0]", "usual", "Desktop"),
        ("breakdownData.usualBreakdownStats['Mobile'][0]", "usual", "Mobile"),
    ]
    assert split_rows(base, {}).rows == {
        "audience_segment_stats": [],
        "audience_period_stats": [],
        "audience_breakdown_stats": [],
    }


def test_global_request_params_use_the_assumed_names_unless_renamed() -> None:
    from datetime import UTC, datetime

    from tap_kameleoon.client import global_request_params

    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC)
    assert global_request_params(7, start, end, "VISIT") == {
        "siteId": 7,
        "startDate": "2026-11-01T00:00:00",
        "endDate": "2026-11-08T00:00:00",
        "analyticsLevel": "VISIT",
    }
    renamed = global_request_params(7, start, end, "VISIT", {"start": "from", "end": "to", "site": None})
    assert renamed == {
        "siteId": 7,
        "from": "2026-11-01T00:00:00",
        "to": "2026-11-08T00:00:00",
        "analyticsLevel": "VISIT",
    }


def test_data_of_another_period_than_the_one_requested_is_refused(capsys) -> None:
    from tap_kameleoon.pipeline import Window
    from tap_kameleoon.tap import TapKameleoon

    tap = TapKameleoon(config={"client_id": "c", "client_secret": "s"}, validate_config=False)
    stream = tap.streams["audience_global_stats"]
    site = {"id": 7, "code": "abc"}
    window = Window(site, "2026-11-01T00:00:00", "2026-11-08T00:00:00", code="x1")
    for start, end in (("2026-11-01T00:00:00.000Z", "2026-11-08T00:00:00.000Z"), ("2026-11-01T00:00:00", None)):
        window.data = {"startDateTime": start, "endDateTime": end, "globalStats": {}}
        assert stream.checked_data(window) is window.data  # the documented forms, the same period
    window.data = {"startDateTime": "2026-10-25T00:00:00.000Z", "endDateTime": "2026-11-01T00:00:00.000Z"}
    with pytest.raises(
        FatalAPIError, match="not the one requested; check the setting 'global_request_parameter_names'"
    ):
        stream.checked_data(window)
    capsys.readouterr()
