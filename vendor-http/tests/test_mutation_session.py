"""One try of VendorSession (``send_once``): what counts as an answer, what is retried, what
each failure keeps (kills vendor_http.session's mutants of ``send_once`` and ``__init__``)."""

from __future__ import annotations

import pytest
from http_script import Answer, Script

from vendor_http import (
    RateBudget,
    Redactor,
    RetryPolicy,
    TransportLimits,
    VendorHTTPError,
    VendorSession,
)


def make(**options: object) -> VendorSession:
    settings: dict = {
        "vendor_name": "Acme",
        "budget": RateBudget(),
        "policy": RetryPolicy(max_tries=1, backoff_initial_seconds=0.01, jitter=0.0),
        "redactor": Redactor(),
        **options,
    }
    return VendorSession(**settings)


def test_a_2xx_is_the_answer_whatever_its_body_unless_json_is_expected(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(200, b"plain text, not JSON")
    assert make().send_once("GET", f"{url}/x", timeout=5).text == "plain text, not JSON"


@pytest.mark.parametrize(
    ("options", "retriable", "ending"),
    [
        ({}, True, "(char 11))"),
        ({"idempotent": True}, True, "(char 11))"),
        ({"idempotent": False}, False, "(char 11)); not retried, the request may have taken effect"),
    ],
)
def test_a_2xx_that_is_not_the_json_expected(
    http_script: tuple[str, Script], options: dict, retriable: bool, ending: str
) -> None:
    url, script = http_script
    script.default = Answer(200, b'{"items": [')
    with pytest.raises(VendorHTTPError) as info:
        make().send_once("POST", f"{url}/x", expect_json=True, timeout=5, **options)
    assert str(info.value).startswith(f"Acme answered 200 to POST {url}/x ")
    assert "with a body that is not valid JSON (cut off or corrupted: " in str(info.value)
    assert str(info.value).endswith(ending)
    assert info.value.retriable is retriable
    assert info.value.response is not None
    assert info.value.response.status_code == 200


def test_a_3xx_is_a_redirect_that_was_not_followed(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(300, {"error": "choose"})
    with pytest.raises(VendorHTTPError) as info:
        make().send_once("GET", f"{url}/x", timeout=5)
    assert str(info.value).endswith("(a redirect that was not followed: check 'api_url')")
    assert str(info.value).startswith(f"Acme answered 300 to GET {url}/x")
    assert info.value.response is not None
    assert info.value.response.status_code == 300
    assert info.value.retriable is False


def test_the_limits_bound_every_answer(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(200, b"x" * 5000)
    with pytest.raises(VendorHTTPError) as info:
        make(limits=TransportLimits(max_body_bytes=1000)).send_once("GET", f"{url}/x", timeout=5)
    assert str(info.value).startswith(f"Acme answered GET {url}/x with more than ")
    assert info.value.retriable is False
