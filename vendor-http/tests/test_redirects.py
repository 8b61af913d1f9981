"""Redirects are followed only within the request's origin; nothing is ever sent elsewhere.

Two scripted servers on 127.0.0.1 (two ports: two origins). The first answers a redirect to
the second; the second must never see a request, whatever the method and the status. The
same policy holds for SDK streams (the Acme tap), ``VendorSession`` and any
``budgeted_session`` (what authenticators send their token requests with).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from acme_plugin import SECRET
from http_script import Answer, scripted_server

from vendor_http import (
    ExplainedError,
    RateBudget,
    Redactor,
    RetryPolicy,
    VendorHTTPError,
    VendorSession,
    budgeted_session,
)

ACME = Path(__file__).parent / "acme_plugin.py"
STATUSES = [301, 302, 303, 307, 308]
POLICY = RetryPolicy(max_tries=3, backoff_initial_seconds=0.01)


def session(**kwargs: object) -> VendorSession:
    return VendorSession(
        vendor_name="Acme",
        budget=RateBudget(),
        policy=POLICY,
        redactor=Redactor([SECRET]),
        headers={"X-Token": SECRET},
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_vendor_session_never_follows_a_redirect_to_another_origin(http_script, status, method) -> None:
    url, script = http_script
    with scripted_server() as (elsewhere, stranger):
        script.answers = [Answer(status, {}, {"Location": f"{elsewhere}/steal?x=1"})]
        with pytest.raises(VendorHTTPError) as error:
            session().request(method, f"{url}/items?access_token={SECRET}", json={"plan": 1})

        assert stranger.seen == []
        assert len(script.seen) == 1  # refused for good: not retried
    message = str(error.value)
    assert message.startswith(f"Acme answered {status} to {method} {url}/items?access_token=*** with a redirect to ")
    assert f"with a redirect to {elsewhere}, another origin; it was not followed" in message
    assert "Check 'api_url'" in message
    assert SECRET not in message and "steal" not in message


@pytest.mark.parametrize("status", STATUSES)
def test_any_budgeted_session_refuses_it_too(http_script, status) -> None:
    # What the authenticators' token requests go through (a form with the client secret).
    url, script = http_script
    with scripted_server() as (elsewhere, stranger):
        script.answers = [Answer(status, {}, {"Location": f"{elsewhere}/oauth/token"})]
        http = budgeted_session(RateBudget(), POLICY, vendor_name="Acme")
        with pytest.raises(ExplainedError, match=f"Acme answered {status} to POST {url}/oauth/token with"):
            http.post(f"{url}/oauth/token", data={"client_secret": SECRET}, timeout=5)
        assert stranger.seen == []


def test_a_redirect_within_the_origin_is_followed(http_script) -> None:
    url, script = http_script
    script.answers = [
        Answer(301, {}, {"Location": "/v2/items"}),
        Answer(308, {}, {"Location": f"{url}/v3/items"}),
        Answer(200, {"items": [1]}),
    ]
    response = session().post(f"{url}/items", json={"plan": 1})

    assert response.json() == {"items": [1]}
    assert [(seen.method, seen.path) for seen in script.seen] == [
        ("POST", "/items"),
        ("GET", "/v2/items"),
        ("GET", "/v3/items"),
    ]
    assert all(seen.headers.get("X-Token") == SECRET for seen in script.seen)


def test_a_redirect_loop_within_the_origin_ends(http_script) -> None:
    url, script = http_script
    script.default = Answer(302, {}, {"Location": "/again"})
    with pytest.raises(VendorHTTPError, match=r"redirected GET .* more than 5 times; check .api_url."):
        session().get(f"{url}/items")
    assert len(script.seen) == 6


@pytest.mark.parametrize("status", STATUSES)
def test_an_sdk_stream_never_follows_a_redirect_to_another_origin(http_script, tmp_path, status) -> None:
    url, script = http_script
    with scripted_server() as (elsewhere, stranger):
        script.answers = [Answer(status, {}, {"Location": f"{elsewhere}/items?day=2026-01-01"})]
        config = {"api_url": url, "api_token": SECRET, "days": ["2026-01-01"], "max_tries": 2}
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, str(ACME), "tap", "--config", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert stranger.seen == []
    assert result.returncode == 1
    assert (
        f"tap-acme stopped: Acme answered {status} to GET {url}/items?day=2026-01-01 with a redirect to "
        f"{elsewhere}, another origin; it was not followed"
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout + result.stderr
