"""Secrets never reach logs, messages or URLs; http:// only for loopback."""

from __future__ import annotations

import logging

import pytest
from singer_sdk.exceptions import ConfigValidationError

from vendor_http.redaction import Redactor, install_redaction, redact
from vendor_http.settings import check_api_url, validate_settings

SECRET = "s3cr3t-token-value"


def test_redactor_masks_every_registered_secret() -> None:
    redactor = Redactor([SECRET, "", "ab"])  # empty and tiny values are ignored
    redactor.add("later-token-xyz")
    text = f"token {SECRET} and later-token-xyz, not ab"
    assert redactor(text) == "token *** and ***, not ab"


def test_redactor_masks_secret_query_parameters_and_userinfo() -> None:
    redactor = Redactor([SECRET])
    url = f"https://user:pw@api.example.com/v1/x?access_token={SECRET}&start=2026-01-01&api_key=zzz"
    cleaned = redactor.url(url)
    assert SECRET not in cleaned and "zzz" not in cleaned and "pw" not in cleaned
    assert "start=2026-01-01" in cleaned
    assert cleaned.startswith("https://api.example.com/v1/x?")


def test_log_records_are_masked_including_arguments_and_exceptions(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_redaction(Redactor([SECRET]))
    logger = logging.getLogger("test.redaction")
    with caplog.at_level(logging.INFO, logger="test.redaction"):
        logger.info("calling with %s", SECRET)
        try:
            raise ValueError(f"bad token {SECRET}")
        except ValueError:
            logger.exception("failed")
    assert SECRET not in caplog.text
    assert "calling with ***" in caplog.text
    assert "bad token ***" in caplog.text


@pytest.mark.parametrize(
    "url",
    ["https://api.rick.ai", "http://127.0.0.1:8765/rickai", "http://localhost:1", "http://[::1]:8080"],
)
def test_acceptable_api_urls(url: str) -> None:
    assert check_api_url(url) is None


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://api.rick.ai", "only https://"),
        ("http://10.0.0.5", "only https://"),
        ("ftp://api.rick.ai", "http(s) URL"),
        ("https://u:p@api.rick.ai", "credentials"),
        ("https://api.rick.ai?token=1", "without query"),
        ("", "must be a URL"),
    ],
)
def test_unacceptable_api_urls_name_the_setting(url: str, complaint: str) -> None:
    message = check_api_url(url)
    assert message is not None
    assert "'api_url'" in message and complaint in message


def test_validate_settings_lists_every_problem() -> None:
    with pytest.raises(ConfigValidationError) as info:
        validate_settings(
            {"api_url": "http://example.com", "other": 1},
            {"api_url": check_api_url, "other": lambda v, s: f"setting '{s}' is odd"},
        )
    assert len(info.value.errors) == 2
    assert "setting 'other' is odd" in info.value.errors


def test_one_log_record_factory_serves_every_redactor_of_the_process(caplog: pytest.LogCaptureFixture) -> None:
    # A tap or target object per redactor: the SDK's test suites create dozens in one process.
    install_redaction(Redactor(["first-secret-aaaa"]))
    factory = logging.getLogRecordFactory()
    redactors = [Redactor([f"secret-number-{n:03d}"]) for n in range(50)]
    for redactor in redactors:
        install_redaction(redactor)
        install_redaction(redactor)  # idempotent
    assert logging.getLogRecordFactory() is factory  # the chain did not grow
    late = redactors[7]
    late.add("access-token-learnt-later")  # e.g. an OAuth token fetched mid-run
    logger = logging.getLogger("test.redaction.registry")
    with caplog.at_level(logging.INFO, logger="test.redaction.registry"):
        logger.info("first-secret-aaaa secret-number-049 %s", "access-token-learnt-later")
    assert caplog.records[-1].getMessage() == "*** *** ***"
    assert redact("secret-number-000 and access-token-learnt-later") == "*** and ***"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://user:PASS-word@api.rick.ai",
        "https://user:PASS-word@api.rick.ai",
        "user:PASS-word@api.rick.ai",
        "https://user:PASS-word@[::1",
        "gopher://api.rick.ai/?password=PASS-word",
    ],
)
def test_a_refused_api_url_never_repeats_its_password(url: str) -> None:
    message = check_api_url(url)
    assert message is not None and "'api_url'" in message
    assert "PASS-word" not in message


def test_url_userinfo_is_masked_in_any_text() -> None:
    text = "tried ftp://user:PASS-word@api.example.com/x and https://token@h.example/ and a@b.c"
    assert Redactor()(text) == "tried ftp://***@api.example.com/x and https://***@h.example/ and a@b.c"
    assert redact("GET https://me:PASS-word@api.example.com") == "GET https://***@api.example.com"
