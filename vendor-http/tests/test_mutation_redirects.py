"""A hop whose body breaks off still names its request (kills vendor_http.redirects' mutants):
``requests`` raises that failure without one, and the one-line message needs it."""

from __future__ import annotations

import pytest
import requests
from http_script import Answer, Script, scripted_server

from vendor_http.errors import describe_failure
from vendor_http.redirects import RedirectGuardedSession, RedirectRefusedError, origin, origin_text


def test_a_body_that_breaks_off_names_its_request(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.answers = [Answer(200, b"x" * 100, cut_after=10)]
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as info:
        RedirectGuardedSession(vendor_name="Acme").get(f"{url}/x?page=1", timeout=5)
    assert info.value.request is not None
    assert (info.value.request.method, info.value.request.url) == ("GET", f"{url}/x?page=1")
    host = url.split("//", 1)[1]
    assert describe_failure(info.value, "Acme") == (
        f"Acme request GET {url}/x?page=1 failed: the answer from '{host}' broke off before its end"
    )


def test_the_hop_that_broke_off_is_the_one_named(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.answers = [Answer(302, b"", headers={"Location": "/y"}), Answer(200, b"x" * 100, cut_after=10)]
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as info:
        RedirectGuardedSession().get(f"{url}/x", timeout=5)
    assert info.value.request is not None
    assert info.value.request.url == f"{url}/y"


def test_a_failure_that_names_its_request_keeps_it(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.answers = ["drop"]
    session = RedirectGuardedSession()
    prepared = session.prepare_request(requests.Request("GET", f"{url}/x"))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        session.send(prepared, timeout=5)
    assert info.value.request is prepared


def test_an_origin_is_scheme_host_and_port_in_lower_case() -> None:
    assert origin("HTTPS://API.Example.COM/v1?x=1") == ("https", "api.example.com", 443)
    assert origin("http://user@Acme.test:8080/") == ("http", "acme.test", 8080)
    assert origin("http://acme.test:99999/") == ("http", "acme.test", 80)  # no valid port: the default
    assert origin("file:///etc/passwd") == ("file", "", None)
    assert origin_text("ftp://acme.test/x") == "ftp://acme.test"
    assert origin_text("http://acme.test/x") == "http://acme.test:80"


def test_a_refused_redirect_says_what_and_why(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    with scripted_server() as (other, elsewhere):
        script.answers = [Answer(302, {}, {"Location": f"{other}/steal?token=abc12345"})]
        with pytest.raises(RedirectRefusedError) as info:
            RedirectGuardedSession().get(f"{url}/x?token=abc12345", timeout=5)
        assert elsewhere.seen == []
    assert str(info.value) == (
        f"the vendor answered 302 to GET {url}/x?token=*** with a redirect to {other}, another origin; "
        f"it was not followed, so that no credential or data leaves {url}. "
        "Check 'api_url' (redirects are followed only within its scheme, host and port)"
    )


def test_too_many_hops_name_the_first_request(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.default = Answer(302, {}, {"Location": "/again"})
    with pytest.raises(RedirectRefusedError) as info:
        RedirectGuardedSession(vendor_name="Acme").get(f"{url}/x?token=abc12345", timeout=5)
    assert str(info.value) == (f"Acme redirected GET {url}/x?token=*** more than 5 times; check 'api_url'")


def test_send_follows_by_default_and_keeps_the_history(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.answers = [Answer(302, {}, {"Location": "/y"}), Answer(200, {"ok": 1})]
    session = RedirectGuardedSession()
    response = session.send(session.prepare_request(requests.Request("GET", f"{url}/x")), timeout=5)
    assert response.json() == {"ok": 1}
    assert [hop.status_code for hop in response.history] == [302]
    assert [seen.path for seen in script.seen] == ["/x", "/y"]


def test_send_without_following_keeps_the_redirect(http_script: tuple[str, Script]) -> None:
    url, script = http_script
    script.answers = [Answer(302, {}, {"Location": "/y"})]
    session = RedirectGuardedSession()
    response = session.send(session.prepare_request(requests.Request("GET", f"{url}/x")), allow_redirects=False)
    assert (response.status_code, response.history) == (302, [])
    assert [seen.path for seen in script.seen] == ["/x"]


@pytest.mark.parametrize("hops", [0, 1])
def test_the_send_options_reach_every_hop(http_script: tuple[str, Script], hops: int) -> None:
    # stream=True: a body that breaks off is not read yet, so no failure at send time.
    url, script = http_script
    script.answers = [Answer(302, {}, {"Location": "/y"})] * hops + [Answer(200, b"x" * 100, cut_after=10)]
    response = RedirectGuardedSession().get(f"{url}/x", stream=True, timeout=5)
    with response, pytest.raises(requests.exceptions.ChunkedEncodingError):
        _ = response.content
